//! The mock upstream as a program, for benchmarks and manual runs with real clients.
//!
//! cargo run --release --example fgc-mock -- [--port 9100] [--latency-ms 0]
//!     [--chunk-delay-ms 0] [--chunks 4] [--text "..."] [--threads 1] [--fault SPEC]
//!
//! `--fault` makes every answer hostile: `huge-body:400000000`, `huge-error:400000000`,
//! `endless-line:400000000`, `redirect:http://elsewhere/`, `leak-headers`, `echo-secrets`,
//! `drip:100` ... (see `Fault::parse`).
//!
//! Serves OpenAI Chat Completions (`/v1/chat/completions`), OpenAI Responses
//! (`/v1/responses`) and Anthropic Messages (`/v1/messages`, `/v1/messages/count_tokens`) on
//! 127.0.0.1.

use std::time::Duration;

use fgc::serve::mock::{Fault, Mock, MockConfig};

fn main() {
    let mut port = 9100u16;
    let mut threads = 1usize;
    let mut fault = Fault::None;
    let mut cfg = MockConfig {
        record: false,
        ..MockConfig::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--port" => port = val().parse().unwrap_or_else(|_| die("bad --port")),
            "--threads" => threads = val().parse().unwrap_or_else(|_| die("bad --threads")),
            "--latency-ms" => cfg.latency = ms(&val()),
            "--chunk-delay-ms" => cfg.chunk_delay = ms(&val()),
            "--chunks" => cfg.chunks = val().parse().unwrap_or_else(|_| die("bad --chunks")),
            "--text" => cfg.text = val(),
            "--fault" => {
                let spec = val();
                fault = Fault::parse(&spec)
                    .unwrap_or_else(|| die(&format!("unknown fault `{spec}` (see Fault::parse)")))
            }
            "-h" | "--help" => {
                println!(
                    "fgc-mock [--port N] [--latency-ms N] [--chunk-delay-ms N] [--chunks N] [--text S] [--threads N] [--fault SPEC]"
                );
                return;
            }
            other => die(&format!("unknown argument {other}")),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .unwrap_or_else(|e| die(&e.to_string()));
    rt.block_on(async move {
        let mock = Mock::start_on(&format!("127.0.0.1:{port}"), cfg)
            .await
            .unwrap_or_else(|e| die(&format!("cannot listen on 127.0.0.1:{port}: {e}")));
        mock.set_default(fault);
        eprintln!("fgc-mock listening on {}", mock.url());
        let _ = tokio::signal::ctrl_c().await;
    });
}

fn ms(s: &str) -> Duration {
    Duration::from_millis(s.parse().unwrap_or_else(|_| die("bad milliseconds")))
}

fn die(msg: &str) -> ! {
    eprintln!("fgc-mock: {msg}");
    std::process::exit(2)
}
