//! `fgc serve` against hostile clients and upstreams (issue 11): one regression test per
//! hole, through the in-process server and the mock's hostile behaviours, or the real binary.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fgc::serve::health::{Health, SystemClock};
use fgc::serve::mock::{Fault, LEAKED_HEADERS, Mock, MockConfig};
use fgc::serve::state::{AppState, Listening, ReloadError};
use fgc::serve::usage::UsageLog;
use fgc::serve::{self, Limits, Options, Running};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::serve::{
    JsonExt, KEY, Setup, UPSTREAM_KEY, anthropic_dep, chat, free_port, http, mock, openai_dep,
    post, signal, spawn_fgc, stderr_of, stream_bytes, wait_exit, wait_ready, yaml,
};

async fn start_with(setup: &Setup, limits: Limits) -> Running {
    let mut o = Options::new(setup.config());
    o.port = Some(0);
    o.usage_log = Some(setup.usage());
    o.limits = limits;
    serve::spawn(o).await.expect("server starts")
}

fn small_limits() -> Limits {
    Limits {
        max_upstream_body: 1024 * 1024,
        max_error_body: 4096,
        max_sse_event: 64 * 1024,
        ..Limits::default()
    }
}

fn auth() -> String {
    format!("Bearer {KEY}")
}

/// Every line of a usage file is whole JSON.
fn usage_records(p: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(p).unwrap_or_default();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "half a line: {text:?}"
    );
    text.lines()
        .map(|l| serde_json::from_str(l).expect("whole JSON lines"))
        .collect()
}

// ---- item 2: a reload applies every start-up rule ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_that_would_open_a_public_gateway_is_refused() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let loaded = serve::state::load(&s.config(), None).unwrap();
    // The state of a server listening on all interfaces (not bound here: tests listen on
    // loopback only); SIGHUP calls this same `reload`.
    let state = Arc::new(AppState::new(
        loaded.snapshot,
        Arc::new(Health::new(Arc::new(SystemClock))),
        serve::forward::client().unwrap(),
        UsageLog::disabled(),
        Limits::default(),
        Listening {
            host: "0.0.0.0".into(),
            service: loaded.service,
        },
        s.config(),
        None,
    ));
    let open = yaml(
        &[openai_dep("gpt", &m, ""), openai_dep("new", &m, "")],
        "",
        "",
    )
    .replace(&format!("  general_settings:\n    master_key: {KEY}\n"), "");
    assert!(!open.contains("master_key"));
    std::fs::write(s.config(), open).unwrap();
    let e = state.reload().await.unwrap_err();
    assert!(matches!(e, ReloadError::Refused(_)), "{e}");
    assert!(
        e.to_string()
            .contains("refusing to listen on `0.0.0.0` without a gateway key"),
        "{e}"
    );
    assert_eq!(state.snapshot().master_key.as_deref(), Some(KEY));
    assert_eq!(
        state.snapshot().aliases.len(),
        1,
        "the old configuration serves"
    );
    // On loopback the same file is fine.
    let local = Arc::new(AppState::new(
        serve::state::load(&s.config(), None).unwrap().snapshot,
        Arc::new(Health::new(Arc::new(SystemClock))),
        serve::forward::client().unwrap(),
        UsageLog::disabled(),
        Limits::default(),
        Listening {
            host: "127.0.0.1".into(),
            service: (None, None),
        },
        s.config(),
        None,
    ));
    assert_eq!(local.reload().await.unwrap(), 2);
}

// ---- item 3: redirects are not followed ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_redirect_is_a_502_and_the_key_stays_home() {
    let (a, elsewhere) = (mock().await, mock().await);
    let s = Setup::new(&yaml(
        &[anthropic_dep("claude", &a), openai_dep("gpt", &a, "")],
        "",
        "",
    ));
    let srv = start_with(&s, Limits::default()).await;
    let to = format!("{}/v1/messages", elsewhere.url());
    for (path, model) in [("/v1/messages", "claude"), ("/v1/chat/completions", "gpt")] {
        a.push(Fault::Redirect {
            status: 307,
            location: to.clone(),
        });
        let (st, v) = post(
            &srv,
            path,
            json!({"model": model, "max_tokens": 5, "messages": []}),
        )
        .await;
        assert_eq!(st, 502, "{v}");
        let msg = if path == "/v1/messages" {
            assert_eq!(v["type"], "error");
            v["error"]["message"].as_str().unwrap().to_string()
        } else {
            v["error"]["message"].as_str().unwrap().to_string()
        };
        assert!(msg.contains("redirect") && msg.contains("#0"), "{msg}");
        assert!(
            !msg.contains(&elsewhere.url()) && !msg.contains(&a.url()),
            "{msg}"
        );
    }
    assert_eq!(
        elsewhere.hits(),
        0,
        "the upstream key never left for the redirect host"
    );
    srv.stop().await;
}

// ---- item 4: connections cannot be held forever ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_flood_does_not_lock_out_probes_or_requests() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start_with(
        &s,
        Limits {
            max_connections: 32,
            ..Limits::default()
        },
    )
    .await;
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(tokio::net::TcpStream::connect(srv.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    let r = http()
        .get(format!("{}/health/liveness", srv.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (st, _) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 200);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // The idle connections beyond the cap were closed by the gateway.
    let mut closed = 0;
    for mut c in idle {
        use tokio::io::AsyncReadExt;
        let mut b = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(20), c.read(&mut b)).await {
            closed += 1;
        }
    }
    assert!(closed >= 300 - 32, "only {closed} closed");
    srv.stop().await;
}

/// Reads what the server sends until it closes the connection; `None` when it is still
/// open after `limit`.
fn read_to_close(mut c: std::net::TcpStream, limit: Duration) -> Option<String> {
    c.set_read_timeout(Some(limit)).unwrap();
    let mut out = Vec::new();
    match c.read_to_end(&mut out) {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Some(String::from_utf8_lossy(&out).into_owned())
        }
        Err(_) => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_silent_connections_and_slow_bodies_time_out() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start_with(
        &s,
        Limits {
            header_timeout: Duration::from_millis(300),
            idle_timeout: Duration::from_millis(600),
            body_timeout: Duration::from_millis(300),
            ..Limits::default()
        },
    )
    .await;
    let addr = srv.addr;
    let got = tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        // Slow headers: cut 300 ms after the first byte, with no answer.
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.write_all(b"GET /health/liveness HTTP/1.1\r\nHost: x\r\n").unwrap();
        let slow = read_to_close(c, Duration::from_secs(5));
        let slow_at = t.elapsed();
        // Silent: closed after the idle timeout.
        let t = Instant::now();
        let c = std::net::TcpStream::connect(addr).unwrap();
        let silent = read_to_close(c, Duration::from_secs(5));
        let silent_at = t.elapsed();
        // A body that never arrives: 408 in the client's shape.
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        let head = format!(
            "POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"model\":"
        );
        c.write_all(head.as_bytes()).unwrap();
        let body = read_to_close(c, Duration::from_secs(5));
        (slow, slow_at, silent, silent_at, body)
    })
    .await
    .unwrap();
    let (slow, slow_at, silent, silent_at, body) = got;
    assert_eq!(slow.as_deref(), Some(""), "no answer to half a head");
    assert!(slow_at < Duration::from_secs(2), "{slow_at:?}");
    assert_eq!(silent.as_deref(), Some(""));
    assert!(
        silent_at >= Duration::from_millis(500) && silent_at < Duration::from_secs(3),
        "{silent_at:?}"
    );
    let body = body.expect("answered and closed");
    assert!(body.starts_with("HTTP/1.1 408"), "{body}");
    assert!(
        body.contains("\"type\":\"error\"") && body.contains("--body-timeout"),
        "{body}"
    );
    srv.stop().await;
    let u = usage_records(&s.usage());
    assert_eq!(u.last().unwrap()["status"], 408);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_with_every_connection_busy_a_new_one_gets_a_503() {
    let m = mock().await;
    m.set_default(Fault::Hang);
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, "        timeout: 5\n")],
        "",
        "",
    ));
    let srv = start_with(
        &s,
        Limits {
            max_connections: 2,
            ..Limits::default()
        },
    )
    .await;
    let mut busy = Vec::new();
    for _ in 0..2 {
        let url = format!("{}/v1/chat/completions", srv.url());
        busy.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(KEY)
                .json_v(&chat("gpt"))
                .send()
                .await
        }));
    }
    while m.hits() < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let r = reqwest::Client::new()
        .get(format!("{}/health/liveness", srv.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-connections")
    );
    for b in busy {
        b.abort();
    }
    srv.stop().await;
}

// ---- item 5: upstream bodies are bounded ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_upstream_bodies_are_cut_off() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[anthropic_dep("claude", &m), openai_dep("gpt", &m, "")],
        "",
        "",
    ));
    let srv = start_with(&s, small_limits()).await;
    // A 200 far over the limit, chunked and declared: 502 in the client's shape, fast.
    for declared in [false, true] {
        m.push(Fault::HugeBody {
            bytes: 400_000_000,
            declared,
        });
        let t = Instant::now();
        let (st, v) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
        assert_eq!(st, 502, "{v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("--max-upstream-body-bytes") && msg.contains("`gpt#0`"),
            "{msg}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "read on: {:?}",
            t.elapsed()
        );
    }
    // An error body far over its limit: only the start is read; the client gets the
    // status in its shape.
    m.push(Fault::HugeError {
        status: 500,
        bytes: 400_000_000,
    });
    let t = Instant::now();
    let (st, v) = post(
        &srv,
        "/v1/messages",
        json!({"model": "claude", "max_tokens": 5, "messages": []}),
    )
    .await;
    assert_eq!(st, 500, "{v}");
    assert_eq!(v["type"], "error");
    assert!(v["error"]["message"].as_str().unwrap().len() <= 4096);
    assert!(t.elapsed() < Duration::from_secs(10));
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_stream_line_ends_the_stream_with_an_error_event() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start_with(&s, small_limits()).await;
    // Translated (Claude Code over a chat upstream) and passed through (a chat client).
    for (path, body) in [
        (
            "/v1/messages",
            json!({"model": "gpt", "max_tokens": 5, "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
        ),
        (
            "/v1/chat/completions",
            json!({"model": "gpt", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
        ),
    ] {
        m.push(Fault::EndlessLine { bytes: 50_000_000 });
        let (st, text, _, total) = stream_bytes(
            &format!("{}{path}", srv.url()),
            body,
            &[("authorization", &auth())],
        )
        .await;
        assert_eq!(st, 200);
        assert!(total < Duration::from_secs(10), "{total:?}");
        assert!(
            text.len() < 10_000,
            "{} bytes reached the client",
            text.len()
        );
        assert!(text.contains("--max-sse-event-bytes"), "{text}");
        if path == "/v1/messages" {
            assert!(text.contains("event: error\n"), "{text}");
        } else {
            assert!(text.starts_with("data: {\"error\":"), "{text}");
        }
    }
    srv.stop().await;
    let u = usage_records(&s.usage());
    assert!(u.iter().all(|r| r["outcome"] == "stream_error"), "{u:?}");
}

// ---- item 6: the usage log ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_requests_are_counted_not_logged() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start_with(&s, Limits::default()).await;
    let c = http();
    for _ in 0..200 {
        let r = c
            .post(format!("{}/v1/chat/completions", srv.url()))
            .bearer_auth("sk-wrong")
            .json_v(&chat("gpt"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let (st, _) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 200);
    srv.stop().await;
    let u = usage_records(&s.usage());
    assert_eq!(u.len(), 2, "{u:?}");
    assert_eq!(u[0]["outcome"], "ok");
    assert_eq!(u[1]["outcome"], "unauthenticated");
    assert_eq!(u[1]["count"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_usage_log_rotates_keeps_whole_lines_and_is_0600() {
    use std::os::unix::fs::PermissionsExt;
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    std::fs::write(s.usage(), "").unwrap();
    std::fs::set_permissions(s.usage(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let srv = start_with(
        &s,
        Limits {
            usage_max_bytes: 4096,
            usage_keep: 2,
            ..Limits::default()
        },
    )
    .await;
    let mode = std::fs::metadata(s.usage()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "an existing 0644 file is made 0600");
    for _ in 0..8 {
        for _ in 0..10 {
            post(&srv, "/v1/chat/completions", chat("gpt")).await;
        }
        srv.state.usage.flush(Duration::from_secs(2));
    }
    srv.stop().await;
    let dir = s.dir.path();
    let mut total = 0;
    for name in ["usage.jsonl", "usage.jsonl.1", "usage.jsonl.2"] {
        let p = dir.join(name);
        assert!(
            std::fs::metadata(&p).unwrap().len() <= 4096 + 1024,
            "{name}"
        );
        total += usage_records(&p).len();
    }
    assert!(!dir.join("usage.jsonl.3").exists());
    assert!(total < 80, "older files were dropped");
}

#[test]
fn a_symlinked_usage_log_is_refused() {
    let s = Setup::new(
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params:\n        model: openai/x\n        api_base: http://127.0.0.1:1/v1\n",
    );
    let target = s.dir.path().join("elsewhere.jsonl");
    std::fs::write(&target, "").unwrap();
    std::os::unix::fs::symlink(&target, s.usage()).unwrap();
    let out = crate::common::run(&[
        "serve",
        "-c",
        s.config().to_str().unwrap(),
        "--port",
        &free_port().to_string(),
        "--usage-log",
        s.usage().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        crate::common::transcript(&out)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("symlink"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_request_still_gets_its_record() {
    let m = Mock::start(MockConfig {
        latency: Duration::from_millis(800),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start_with(&s, Limits::default()).await;
    let url = format!("{}/v1/chat/completions", srv.url());
    let req = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .bearer_auth(KEY)
            .json_v(&chat("gpt"))
            .send()
            .await
    });
    while m.hits() == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    req.abort();
    let _ = req.await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    srv.stop().await;
    let u = usage_records(&s.usage());
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(u[0]["outcome"], "client_closed");
    assert_eq!(u[0]["status"], Value::Null);
    assert_eq!(u[0]["deployment"], Value::Null);
    assert_eq!(u[0]["attempts"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_cut_at_the_drain_deadline_is_recorded_and_sighup_reopens_the_log() {
    let m = Mock::start(MockConfig {
        chunk_delay: Duration::from_millis(300),
        chunks: 40,
        text: "word ".repeat(40),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let port = free_port();
    let usage = s.usage();
    let mut child = spawn_fgc(&s.config(), port, &usage);
    wait_ready(port).await;
    // SIGHUP reopens the file: a log moved away by logrotate gets a successor.
    let (st, _) = {
        let r = http()
            .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
            .bearer_auth(KEY)
            .json_v(&chat("gpt"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(st, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let moved = s.dir.path().join("usage.jsonl.old");
    std::fs::rename(&usage, &moved).unwrap();
    signal(&child, "-HUP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut body = chat("gpt");
    body["stream"] = json!(true);
    let r = http()
        .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
        .bearer_auth(KEY)
        .json_v(&body)
        .send()
        .await
        .unwrap();
    let mut st = r.bytes_stream();
    st.next().await.unwrap().unwrap();
    signal(&child, "-TERM");
    // The drain deadline (5 s in spawn_fgc) passes long before the 40 chunks.
    while let Some(Ok(_)) = st.next().await {}
    assert_eq!(
        wait_exit(&mut child, Duration::from_secs(10)),
        Some(0),
        "{}",
        stderr_of(&mut child)
    );
    assert_eq!(usage_records(&moved).len(), 1);
    let u = usage_records(&usage);
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(u[0]["outcome"], "drained");
    assert_eq!(u[0]["status"], 200);
    assert_eq!(u[0]["stream"], true);
}

// ---- item 7: nothing of the upstream leaks ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_deployment_never_the_url_or_key() {
    let m = mock().await;
    let dead = format!("http://127.0.0.1:{}/v1", free_port());
    let s = Setup::new(&yaml(
        &[
            openai_dep("gpt", &m, ""),
            anthropic_dep("claude", &m),
            format!(
                "    - model_name: dead\n      litellm_params:\n        model: openai/x\n        api_base: {dead}\n        api_key: {UPSTREAM_KEY}\n"
            ),
        ],
        "",
        "",
    ));
    let srv = start_with(&s, Limits::default()).await;
    let (st, v) = post(&srv, "/v1/chat/completions", chat("dead")).await;
    // LiteLLM's status for an unreachable upstream (APIConnectionError).
    assert_eq!(st, 500);
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("`dead#0`") && !msg.contains("127.0.0.1"),
        "{msg}"
    );
    for (path, model) in [
        ("/v1/chat/completions", "gpt"),
        ("/v1/messages", "claude"),
        ("/v1/responses", "claude"),
    ] {
        m.push(Fault::EchoSecrets);
        let (st, v) = post(
            &srv,
            path,
            json!({"model": model, "max_tokens": 5, "input": "hi", "messages": []}),
        )
        .await;
        assert_eq!(st, 500, "{v}");
        let text = v.to_string();
        assert!(text.contains("<upstream>"), "{text}");
        assert!(
            !text.contains(&m.addr.to_string()) && !text.contains(UPSTREAM_KEY),
            "{text}"
        );
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_response_headers_reach_the_client() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, ""), anthropic_dep("claude", &m)],
        "",
        "",
    ));
    let srv = start_with(&s, Limits::default()).await;
    for (path, model, stream) in [
        ("/v1/chat/completions", "gpt", false),
        ("/v1/chat/completions", "gpt", true),
        ("/v1/messages", "claude", true),
        ("/v1/messages", "gpt", false),
    ] {
        m.push(Fault::LeakHeaders);
        let r = http()
            .post(format!("{}{path}", srv.url()))
            .bearer_auth(KEY)
            .json_v(&json!({"model": model, "max_tokens": 5, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        for (k, v, allowed) in LEAKED_HEADERS {
            let got = r.headers().get(k).map(|h| h.to_str().unwrap().to_string());
            if allowed {
                assert_eq!(got.as_deref(), Some(v), "{path} {stream} {k}");
            } else {
                assert_eq!(got, None, "{path} {stream} {k}");
            }
        }
        let _ = r.bytes().await;
    }
    // Error answers too: passed on as they came (same protocol) or re-shaped (translated).
    for (path, model) in [
        ("/v1/chat/completions", "gpt"),
        ("/v1/messages", "claude"),
        ("/v1/messages", "gpt"),
    ] {
        m.push(Fault::LeakHeadersOnError(400));
        let r = http()
            .post(format!("{}{path}", srv.url()))
            .bearer_auth(KEY)
            .json_v(&json!({"model": model, "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path} {model}");
        for (k, v, allowed) in LEAKED_HEADERS {
            let got = r.headers().get(k).map(|h| h.to_str().unwrap().to_string());
            if allowed {
                assert_eq!(got.as_deref(), Some(v), "error {path} {model} {k}");
            } else {
                assert_eq!(got, None, "error {path} {model} {k}");
            }
        }
        let text = r.text().await.unwrap();
        assert!(text.contains("mock failure 400"), "{text}");
    }
    srv.stop().await;
}

// ---- item 9: deep JSON ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_json_gets_a_400() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, ""), anthropic_dep("claude", &m)],
        "",
        "",
    ));
    let srv = start_with(&s, Limits::default()).await;
    let deep = format!("{}\"x\"{}", "[".repeat(5000), "]".repeat(5000));
    for (path, model) in [
        ("/v1/chat/completions", "gpt"),
        ("/v1/messages", "gpt"),
        ("/v1/messages/count_tokens", "gpt"),
        ("/v1/messages", "claude"),
    ] {
        let body = format!(
            "{{\"model\":\"{model}\",\"max_tokens\":5,\"messages\":[{{\"role\":\"user\",\"content\":{deep}}}]}}"
        );
        let r = http()
            .post(format!("{}{path}", srv.url()))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path} {model}");
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert!(v.to_string().contains("deeper than 100 levels"), "{v}");
    }
    assert_eq!(m.hits(), 0);
    srv.stop().await;
}

// ---- item 10: no panics on numbers ----

#[test]
fn out_of_range_numbers_are_errors_not_panics() {
    let s = Setup::new(
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params:\n        model: openai/x\n        api_base: http://127.0.0.1:1/v1\n        timeout: 1.0e+20\n",
    );
    let cfg = s.config();
    let out = crate::common::run(&[
        "serve",
        "-c",
        cfg.to_str().unwrap(),
        "--no-usage-log",
        "--port",
        &free_port().to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        crate::common::transcript(&out)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("out-of-range-duration"));
    for (flag, value) in [
        ("--drain-timeout", "inf"),
        ("--drain-timeout", "1e300"),
        ("--max-body-bytes", "-1"),
        ("--threads", "0"),
    ] {
        let arg = format!("{flag}={value}");
        let out = crate::common::run(&["serve", "-c", cfg.to_str().unwrap(), &arg]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{flag} {value}: {}",
            crate::common::transcript(&out)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag));
    }
}

// ---- item 11: a stream broken mid-event ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_broken_mid_event_ends_with_a_parsable_error_event() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[anthropic_dep("claude", &m), openai_dep("gpt", &m, "")],
        "",
        "",
    ));
    let srv = start_with(&s, Limits::default()).await;
    for (path, model) in [("/v1/messages", "claude"), ("/v1/chat/completions", "gpt")] {
        m.push(Fault::ResetMidEvent(2));
        let body = json!({"model": model, "max_tokens": 5, "stream": true, "messages": [{"role": "user", "content": "hi"}]});
        let (st, text, _, _) = stream_bytes(
            &format!("{}{path}", srv.url()),
            body,
            &[("authorization", &auth())],
        )
        .await;
        assert_eq!(st, 200);
        // Every event parses; the last one is the error.
        let mut parser = fgc::translate::sse::SseParser::new();
        let mut events = Vec::new();
        parser.feed(text.as_bytes(), &mut |name, data| {
            events.push((name.to_string(), String::from_utf8_lossy(data).into_owned()))
        });
        assert_eq!(events.len(), 3, "{text}");
        for (_, data) in &events {
            assert!(
                serde_json::from_str::<Value>(data).is_ok(),
                "torn event in {text}"
            );
        }
        let (name, last) = events.last().unwrap();
        assert!(last.contains("upstream stream broke"), "{text}");
        if path == "/v1/messages" {
            assert_eq!(name, "error");
        }
    }
    srv.stop().await;
}

// ---- item 12: huge names ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_model_name_is_not_echoed_or_logged_whole() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start_with(
        &s,
        Limits {
            max_body: 40 * 1024 * 1024,
            ..Limits::default()
        },
    )
    .await;
    let name = "n".repeat(30 * 1024 * 1024);
    let t = Instant::now();
    let (st, v) = post(&srv, "/v1/chat/completions", chat(&name)).await;
    assert_eq!(st, 404);
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.len() < 1000 && msg.contains("31457280 bytes"),
        "{}",
        &msg[..200.min(msg.len())]
    );
    // Linear work only (no suggestions computed against a 30 MB name); generous for debug.
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    srv.stop().await;
    let u = usage_records(&s.usage());
    assert!(u[0]["alias"].as_str().unwrap().len() < 200);

    // Scenario routing's refusals echo the name through the same cap.
    let s = Setup::new(&format!(
        "{}routing:\n  families:\n    opus: gpt\n",
        yaml(&[openai_dep("gpt", &m, "")], "", "")
    ));
    let srv = start_with(&s, Limits::default()).await;
    let name = format!("claude-sonnet-4-5-{}\nforged", "x".repeat(100_000));
    let (st, v) = post(&srv, "/v1/messages", chat(&name)).await;
    assert_eq!(st, 404, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.len() < 1000 && msg.contains("100025 bytes") && msg.contains("routing.families.sonnet"),
        "{msg}"
    );
    srv.stop().await;
    let u = usage_records(&s.usage());
    assert!(u[0]["alias"].as_str().unwrap().len() < 200);
}

// ---- item 13: readiness and threads ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_details_need_the_key() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start_with(&s, Limits::default()).await;
    let anon: Value = http()
        .get(format!("{}/health/readiness", srv.url()))
        .send()
        .await
        .unwrap()
        .json_bytes()
        .await;
    assert_eq!(anon, json!({"status": "ready"}));
    let keyed: Value = http()
        .get(format!("{}/health/readiness", srv.url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json_bytes()
        .await;
    assert_eq!(keyed["deployments"][0]["upstream_model"], "up-gpt");
    srv.stop().await;
}

trait JsonBytes {
    async fn json_bytes(self) -> Value;
}

impl JsonBytes for reqwest::Response {
    async fn json_bytes(self) -> Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_sets_the_worker_threads() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let mut counts = Vec::new();
    for n in [2, 6] {
        let port = free_port();
        let child = crate::common::fgc()
            .args([
                "serve",
                "-c",
                s.config().to_str().unwrap(),
                "--port",
                &port.to_string(),
                "--no-usage-log",
                "--threads",
                &n.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let child = crate::serve::Child(child);
        wait_ready(port).await;
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.0.id())).unwrap();
        let threads: usize = status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        counts.push(threads);
    }
    assert_eq!(counts[1] - counts[0], 4, "{counts:?}");
}

// ---- item 5 (slow drip) and item 6 (one record per request) ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_answer_is_bounded_by_the_deployment_timeout() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, "        timeout: 0.5\n")],
        "",
        "",
    ));
    let srv = start_with(&s, Limits::default()).await;
    m.push(Fault::Drip {
        every: Duration::from_millis(50),
    });
    let t = Instant::now();
    let (st, v) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    // LiteLLM's status for a timeout.
    assert_eq!(st, 408, "{v}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(
        v["error"]["message"].as_str().unwrap().contains("`gpt#0`"),
        "{v}"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_tokens_fallback_is_one_record() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[anthropic_dep("claude", &m)], "", ""));
    let srv = start_with(&s, Limits::default()).await;
    m.push(Fault::Status(404));
    let (st, v) = post(
        &srv,
        "/v1/messages/count_tokens",
        json!({"model": "claude", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    srv.stop().await;
    let u = usage_records(&s.usage());
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(u[0]["deployment"], "local-count");
    assert_eq!(u[0]["attempts"], 1);
    assert_eq!(u[0]["outcome"], "ok");
}
