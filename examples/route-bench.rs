//! The cost of the scenario-routing decision (`fgc::routing::decide`), without any network:
//! on every recorded Claude Code request of tests/fixtures/routing/claude-code (sent as
//! Claude Code sends them, compact JSON), on a 200,000-token conversation, and the exact count
//! a request near the threshold costs. The table routes every scenario, so every rule runs.
//! Also prints how far the cheap estimate is from the local count on real and synthetic
//! requests (the basis of the long-context band in docs/routing.md).
//!
//! `cargo run --release --example route-bench -- --iterations 20000`

use std::time::{Duration, Instant};

use bytes::Bytes;
use fgc::routing::{self, Decision, Effort, Family, Key, Outcome, Probe, Protocol, Table};
use fgc::serve::body::JsonBody;
use serde_json::{Value, json};

fn table() -> Table {
    let mut routes = routing::Routes::default();
    for (k, a) in [
        (Key::Default, "router-default"),
        (Key::Background, "router-fast"),
        (Key::Think, "router-think"),
        (Key::LongContext, "router-long"),
        (Key::WebSearch, "router-search"),
        (Key::Image, "router-vision"),
    ] {
        routes[k.index()] = Some(a.to_string());
    }
    let mut families: [routing::Routes; 4] = Default::default();
    families[Family::Opus.index()][Key::Default.index()] = Some("router-main".into());
    families[Family::Sonnet.index()][Key::Default.index()] = Some("router-main".into());
    Table::new(
        routes,
        families,
        routing::DEFAULT_THRESHOLD,
        Effort::Xhigh,
        routing::DEFAULT_BACKGROUND_PROMPTS
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
}

const SERVED: &[&str] = &[
    "router-default",
    "router-main",
    "router-fast",
    "router-think",
    "router-long",
    "router-search",
    "router-vision",
    "router-sub",
    "cheap-model",
];

fn served(n: &str) -> bool {
    SERVED.contains(&n)
}

fn body_of(v: &Value) -> JsonBody {
    JsonBody::parse(Bytes::from(serde_json::to_vec(v).expect("serialises"))).expect("an object")
}

fn decide(t: &Table, b: &JsonBody, p: Protocol) -> Outcome {
    let model = b.get_str("model").unwrap_or_default();
    routing::decide(t, &Probe::new(p, b, &model), served, None)
}

fn route_name(o: &Outcome) -> String {
    match o {
        Outcome::Routed(Decision { route, .. }) => route.name().to_string(),
        other => format!("{other:?}"),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

/// p50 / p99 / max in microseconds over `n` runs of `f`.
fn time(n: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    for _ in 0..n.min(100) {
        f();
    }
    let mut d = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f();
        d.push(t.elapsed());
    }
    d.sort();
    (
        percentile(&d, 0.5),
        percentile(&d, 0.99),
        percentile(&d, 1.0),
    )
}

/// Source text of the repository, to fill tool results of a long conversation.
fn source_text() -> String {
    let mut out = String::new();
    let mut stack = vec![std::path::PathBuf::from("src")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// A Claude Code conversation (the recorded main request) grown with Read tool round trips
/// over the repository's source until the local count reaches `tokens`.
fn conversation(base: &Value, tokens: u64, text: &str) -> Value {
    let mut v = base.clone();
    let chunk = 8_000;
    let mut i = 0usize;
    let mut at = 0usize;
    while fgc::translate::count::count_messages_request(&v) < tokens {
        let end = (at + chunk).min(text.len());
        let end = (end..text.len())
            .find(|e| text.is_char_boundary(*e))
            .unwrap_or(text.len());
        let piece = &text[at..end];
        at = if end >= text.len() { 0 } else { end };
        let id = format!("toolu_{i:04}");
        let msgs = v["messages"].as_array_mut().expect("messages");
        msgs.push(json!({"role": "assistant", "content": [{"type": "tool_use", "id": id, "name": "Read", "input": {"file_path": format!("/repo/src/f{i}.rs")}}]}));
        msgs.push(json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": id, "content": piece}]}));
        i += 1;
    }
    v
}

fn main() {
    let mut iterations = 20_000usize;
    let mut big_iterations = 300usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().expect("a value");
        match a.as_str() {
            "--iterations" => iterations = val().parse().expect("a number"),
            "--big-iterations" => big_iterations = val().parse().expect("a number"),
            other => panic!("unknown argument {other}"),
        }
    }
    let t = table();
    let dir = std::path::Path::new("tests/fixtures/routing/claude-code");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("run from the repository root")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    let mut main_default = Value::Null;
    for p in &names {
        let capture: Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("readable")).expect("json");
        let v = capture["body"].clone();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        if name == "main_default" {
            main_default = v.clone();
        }
        let b = body_of(&v);
        let route = route_name(&decide(&t, &b, Protocol::Messages));
        let (p50, p99, max) = time(iterations, || {
            std::hint::black_box(decide(&t, &b, Protocol::Messages));
        });
        println!(
            "{}",
            json!({"what": "decide", "request": name, "bytes": b.bytes().len(),
                "tools": v["tools"].as_array().map_or(0, Vec::len), "route": route,
                "p50_us": round(p50), "p99_us": round(p99), "max_us": round(max)})
        );
    }
    // For scale: the top-level parse every request already has.
    let raw = Bytes::from(serde_json::to_vec(&main_default).unwrap());
    let (p50, p99, _) = time(iterations / 4, || {
        std::hint::black_box(JsonBody::parse(raw.clone()).unwrap());
    });
    println!(
        "{}",
        json!({"what": "top-level parse (existing)", "request": "main_default", "bytes": raw.len(), "p50_us": round(p50), "p99_us": round(p99)})
    );

    let text = source_text();
    // A 200,000-token conversation: decided by the estimate, no count.
    let big = conversation(&main_default, 200_000, &text);
    let b = body_of(&big);
    let count = fgc::translate::count::count_messages_request(&big);
    let route = route_name(&decide(&t, &b, Protocol::Messages));
    let (p50, p99, max) = time(big_iterations, || {
        std::hint::black_box(decide(&t, &b, Protocol::Messages));
    });
    println!(
        "{}",
        json!({"what": "decide", "request": "200k-token conversation", "bytes": b.bytes().len(),
            "tokens": count, "route": route, "p50_us": round(p50), "p99_us": round(p99), "max_us": round(max)})
    );
    // Near the threshold: the estimate cannot tell, the count decides.
    let near = conversation(&main_default, routing::DEFAULT_THRESHOLD, &text);
    let b = body_of(&near);
    let model = b.get_str("model").unwrap_or_default();
    let probe = Probe::new(Protocol::Messages, &b, &model);
    let needs = decide(&t, &b, Protocol::Messages) == Outcome::NeedCount;
    let _ = probe.count_tokens(); // load the vocabulary first
    let (p50, p99, max) = time(20, || {
        std::hint::black_box(probe.count_tokens());
    });
    println!(
        "{}",
        json!({"what": "exact count near the threshold", "bytes": b.bytes().len(),
            "tokens": probe.count_tokens(), "needs_count": needs,
            "p50_us": round(p50), "p99_us": round(p99), "max_us": round(max)})
    );
    // The next turn of the same conversation, with the counts of the earlier turns cached
    // (what fgc serve does): only the new turn is tokenized.
    let mut next = near.clone();
    let msgs = next["messages"].as_array_mut().unwrap();
    msgs.push(
        json!({"role": "assistant", "content": [{"type": "text", "text": "Read the next file."}]}),
    );
    msgs.push(json!({"role": "user", "content": [{"type": "text", "text": &text[..4_000]}]}));
    let nb = body_of(&next);
    let mut d = Vec::new();
    for _ in 0..50 {
        let cache = routing::CountCache::default();
        probe.count_tokens_cached(&cache);
        let t = Instant::now();
        std::hint::black_box(
            Probe::new(Protocol::Messages, &nb, &model).count_tokens_cached(&cache),
        );
        d.push(t.elapsed());
    }
    d.sort();
    println!(
        "{}",
        json!({"what": "exact count, next turn, earlier turns cached", "bytes": nb.bytes().len(),
            "p50_us": round(percentile(&d, 0.5)), "p99_us": round(percentile(&d, 0.99)), "max_us": round(percentile(&d, 1.0))})
    );

    // The estimate against the local count.
    let mut samples: Vec<(String, Protocol, Value)> = Vec::new();
    for p in &names {
        let capture: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        samples.push((name, Protocol::Messages, capture["body"].clone()));
    }
    for (name, proto, file) in [
        (
            "translate/codex_request",
            Protocol::Responses,
            "tests/fixtures/translate/codex_request.json",
        ),
        (
            "translate/claude_code_request",
            Protocol::Messages,
            "tests/fixtures/translate/claude_code_request.json",
        ),
    ] {
        if let Ok(s) = std::fs::read_to_string(file)
            && let Ok(v) = serde_json::from_str::<Value>(&s)
        {
            samples.push((name.into(), proto, v));
        }
    }
    samples.push(("conversation, 60k".into(), Protocol::Messages, near.clone()));
    samples.push(("conversation, 200k".into(), Protocol::Messages, big.clone()));
    let prose = "The gateway routes each request by what it is: a background job, deep thinking, a long context, a web search or an image. ".repeat(2_000);
    samples.push((
        "English prose".into(),
        Protocol::Chat,
        json!({"model": "x", "messages": [{"role": "user", "content": prose}]}),
    ));
    let cjk = "网关根据请求的类型选择模型：后台任务使用便宜的模型，深度思考使用最强的模型，长上下文使用支持长上下文的模型，图片使用视觉模型。".repeat(2_000);
    samples.push((
        "Chinese prose".into(),
        Protocol::Chat,
        json!({"model": "x", "messages": [{"role": "user", "content": cjk}]}),
    ));
    for (name, proto, v) in samples {
        let b = body_of(&v);
        let probe = Probe::new(proto, &b, "x");
        let estimate = probe.estimate().tokens;
        let count = probe.count_tokens();
        println!(
            "{}",
            json!({"what": "estimate vs count", "request": name, "bytes": b.bytes().len(),
                "estimate": estimate, "count": count,
                "estimate_over_count": (estimate as f64 / count as f64 * 100.0).round() / 100.0})
        );
    }
}

fn round(us: f64) -> f64 {
    (us * 10.0).round() / 10.0
}
