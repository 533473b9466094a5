//! CPU cost of protocol translation, without any network: a recorded-shape Chat Completions
//! stream (role chunk, `--chunks` text deltas, a tool call in 8 fragments, finish, usage,
//! `[DONE]`) is run through the Anthropic and Responses stream translators, fed as the upstream
//! would deliver it (one chunk per read). Prints one JSON line per translator with the time per
//! whole stream (p50 / p99 / max over `--iterations`) and per chunk, plus the request
//! translation of a real Claude Code request.
//!
//! `cargo run --release --example translate-bench -- --chunks 100 --iterations 2000`

use std::time::{Duration, Instant};

use fgc::translate::{StreamTranslator, messages, responses};
use serde_json::{Value, json};

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let c = json!({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1,
        "model": "bench-upstream", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    format!("data: {c}\n\n")
}

fn stream(chunks: usize) -> Vec<String> {
    let mut out = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    for i in 0..chunks {
        out.push(chunk(json!({"content": format!("word{i} ")}), None));
    }
    let args =
        r#"{"command": "cargo test --release -- --nocapture", "description": "Run the tests"}"#;
    let step = args.len().div_ceil(8);
    for (k, part) in args.as_bytes().chunks(step).enumerate() {
        let part = std::str::from_utf8(part).expect("ASCII");
        let call = if k == 0 {
            json!({"index": 0, "id": "call_bench", "type": "function", "function": {"name": "Bash", "arguments": part}})
        } else {
            json!({"index": 0, "function": {"arguments": part}})
        };
        out.push(chunk(json!({"tool_calls": [call]}), None));
    }
    out.push(chunk(json!({}), Some("tool_calls")));
    out.push(format!(
        "data: {}\n\n",
        json!({"id": "chatcmpl-bench", "choices": [], "usage": {"prompt_tokens": 12000,
            "completion_tokens": 130, "prompt_tokens_details": {"cached_tokens": 10000}}})
    ));
    out.push("data: [DONE]\n\n".into());
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

fn measure(
    name: &str,
    chunks: &[String],
    iterations: usize,
    make: &dyn Fn() -> Box<dyn StreamTranslator>,
) {
    let mut times = Vec::with_capacity(iterations);
    let mut out = Vec::with_capacity(64 * 1024);
    let mut bytes_out = 0;
    for _ in 0..iterations {
        let mut t = make();
        out.clear();
        let start = Instant::now();
        for c in chunks {
            t.feed(c.as_bytes(), &mut out);
        }
        t.finish(&mut out);
        times.push(start.elapsed());
        bytes_out = out.len();
        assert!(t.is_closed() && !t.failed(), "{name}: stream not completed");
    }
    times.sort();
    let total: Duration = times.iter().sum();
    println!(
        "{}",
        json!({
            "translator": name, "chunks": chunks.len(), "iterations": iterations,
            "stream_us_p50": percentile(&times, 0.5), "stream_us_p99": percentile(&times, 0.99),
            "stream_us_max": percentile(&times, 1.0),
            "chunk_us_mean": total.as_secs_f64() * 1e6 / (iterations * chunks.len()) as f64,
            "bytes_in": chunks.iter().map(String::len).sum::<usize>(), "bytes_out": bytes_out,
        })
    );
}

fn main() {
    let mut chunks = 100;
    let mut iterations = 2000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), v) {
            ("--chunks", Some(n)) => chunks = n,
            ("--iterations", Some(n)) => iterations = n,
            _ => {
                eprintln!("usage: translate-bench [--chunks N] [--iterations N]");
                std::process::exit(2);
            }
        }
    }
    let input = stream(chunks);
    measure("chat -> anthropic messages", &input, iterations, &|| {
        Box::new(messages::MessagesStream::new("msg_bench", "bench"))
    });
    measure("chat -> responses", &input, iterations, &|| {
        Box::new(responses::ResponsesStream::new(
            "resp_bench",
            "bench",
            Default::default(),
        ))
    });

    // Request translation of a real Claude Code request (81 kB, 24 tools).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/translate/claude_code_request.json"
    );
    let text = std::fs::read(path).expect("fixture");
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations.min(500) {
        let start = Instant::now();
        let req: Value = serde_json::from_slice(&text).expect("JSON");
        let chat = messages::request_to_chat(&req);
        let body = serde_json::to_vec(&chat).expect("serialises");
        times.push(start.elapsed());
        assert!(!body.is_empty());
    }
    times.sort();
    println!(
        "{}",
        json!({"translator": "claude code request -> chat (parse, translate, serialise)",
               "bytes": text.len(), "us_p50": percentile(&times, 0.5), "us_p99": percentile(&times, 0.99)})
    );
}
