//! `fgc serve` against the in-process mock upstream: auth, errors, passthrough both ways,
//! streaming, retries, fallbacks, cooldowns (controllable clock), promotion, usage
//! records; SIGHUP reload and graceful shutdown on the real binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fgc::serve::health::ManualClock;
use fgc::serve::mock::{Fault, Mock, MockConfig};
use fgc::serve::{self, Options, Running};
use futures_util::StreamExt;
use serde_json::{Value, json};

pub(crate) const KEY: &str = "sk-gw-test-7f3a9c2e5b1d4f6a";
pub(crate) const UPSTREAM_KEY: &str = "sk-upstream-test-1b2c3d";

/// JSON bodies without reqwest's `json` feature.
pub(crate) trait JsonExt {
    fn json_v(self, v: &Value) -> Self;
}

impl JsonExt for reqwest::RequestBuilder {
    fn json_v(self, v: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(v.to_string())
    }
}

/// A config file in a temp dir.
pub(crate) struct Setup {
    pub(crate) dir: tempfile::TempDir,
}

impl Setup {
    pub(crate) fn new(yaml: &str) -> Setup {
        let dir = tempfile::Builder::new()
            .prefix("fgc-serve")
            .tempdir()
            .unwrap();
        std::fs::write(dir.path().join("flowgate.yaml"), yaml).unwrap();
        Setup { dir }
    }
    pub(crate) fn config(&self) -> PathBuf {
        self.dir.path().join("flowgate.yaml")
    }
    pub(crate) fn usage(&self) -> PathBuf {
        self.dir.path().join("usage.jsonl")
    }
    /// The usage records, once the writer thread has gone quiet (same count three reads
    /// in a row).
    pub(crate) fn usage_lines(&self) -> Vec<Value> {
        let mut last = usize::MAX;
        let mut same = 0;
        for _ in 0..100 {
            let t = std::fs::read_to_string(self.usage()).unwrap_or_default();
            let n = t.lines().count();
            if n == last && n > 0 && t.ends_with('\n') {
                same += 1;
                if same == 3 {
                    return t
                        .lines()
                        .map(|l| serde_json::from_str(l).unwrap())
                        .collect();
                }
            } else {
                same = 0;
            }
            last = n;
            std::thread::sleep(Duration::from_millis(30));
        }
        Vec::new()
    }
}

pub(crate) fn openai_dep(alias: &str, mock: &Mock, extra: &str) -> String {
    format!(
        "    - model_name: {alias}\n      litellm_params:\n        model: openai/up-{alias}\n        api_base: {}\n        api_key: {UPSTREAM_KEY}\n{extra}",
        mock.openai_base()
    )
}

pub(crate) fn anthropic_dep(alias: &str, mock: &Mock) -> String {
    format!(
        "    - model_name: {alias}\n      litellm_params:\n        model: anthropic/claude-up-{alias}\n        api_base: {}\n        api_key: {UPSTREAM_KEY}\n",
        mock.url()
    )
}

/// A config with `deps` and the given `litellm_settings` / `router_settings` bodies.
pub(crate) fn yaml(deps: &[String], litellm: &str, router: &str) -> String {
    let retries = if litellm.contains("num_retries") {
        ""
    } else {
        "    num_retries: 0\n"
    };
    format!(
        "litellm_base:\n  model_list:\n{}  litellm_settings:\n{retries}{litellm}  router_settings:\n    cooldown_time: 60\n{router}  general_settings:\n    master_key: {KEY}\n",
        deps.concat()
    )
}

pub(crate) async fn start(setup: &Setup, clock: Option<Arc<ManualClock>>) -> Running {
    let mut o = Options::new(setup.config());
    o.port = Some(0);
    o.usage_log = Some(setup.usage());
    o.limits.max_body = 64 * 1024;
    if let Some(c) = clock {
        o.clock = c;
    }
    serve::spawn(o).await.expect("server starts")
}

pub(crate) async fn mock() -> Mock {
    Mock::start(MockConfig::default()).await.unwrap()
}

pub(crate) fn http() -> reqwest::Client {
    fgc::serve::forward::install_crypto();
    reqwest::Client::new()
}

pub(crate) async fn post(srv: &Running, path: &str, body: Value) -> (u16, Value) {
    let r = http()
        .post(format!("{}{path}", srv.url()))
        .bearer_auth(KEY)
        .json_v(&body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let t = r.text().await.unwrap();
    (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

pub(crate) fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hi"}]})
}

pub(crate) async fn readiness(srv: &Running) -> Value {
    http()
        .get(format!("{}/health/readiness", srv.url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap()
}

fn health_state(ready: &Value, id: &str) -> String {
    ready["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .map(|d| d["state"].as_str().unwrap().to_string())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_in_the_client_shape() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, ""), anthropic_dep("claude", &m)],
        "",
        "",
    ));
    let srv = start(&s, None).await;
    let c = http();
    let r = c
        .post(format!("{}/v1/chat/completions", srv.url()))
        .json_v(&chat("gpt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    assert_eq!(v["error"]["type"], "authentication_error");
    assert_eq!(v["error"]["code"], "invalid_api_key");
    let r = c
        .post(format!("{}/v1/messages", srv.url()))
        .header("x-api-key", "sk-wrong")
        .json_v(&chat("claude"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "authentication_error");
    let r = c
        .post(format!("{}/v1/messages", srv.url()))
        .header("x-api-key", KEY)
        .json_v(&json!({"model": "claude", "max_tokens": 5, "messages": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(m.hits(), 1, "rejected requests never reach the upstream");
    // Models need the key too; health and root do not.
    let r = c
        .get(format!("{}/v1/models", srv.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    for p in ["/", "/health/liveness", "/health/readiness"] {
        let r = c.get(format!("{}{p}", srv.url())).send().await.unwrap();
        assert_eq!(r.status(), 200, "{p}");
    }
    let r = c.head(format!("{}/", srv.url())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_lists_served_names() {
    let m = mock().await;
    let router = "    model_group_alias:\n      old-name: gpt\n      secret-name: {model: gpt, hidden: true}\n";
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, ""), anthropic_dep("claude", &m)],
        "",
        router,
    ));
    let srv = start(&s, None).await;
    let v: Value = http()
        .get(format!("{}/v1/models", srv.url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(v["object"], "list");
    assert_eq!(ids, ["gpt", "claude", "old-name"]);
    // A hidden group name is served all the same, as its alias.
    let (st, _) = post(&srv, "/v1/chat/completions", chat("secret-name")).await;
    assert_eq!(st, 200);
    assert_eq!(m.requests()[0].body["model"], "up-gpt");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_404_400_413() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[
            openai_dep("router-default", &m, ""),
            openai_dep("router-fast", &m, ""),
            anthropic_dep("claude", &m),
        ],
        "",
        "",
    ));
    let srv = start(&s, None).await;
    let (st, v) = post(&srv, "/v1/chat/completions", chat("router-defualt")).await;
    assert_eq!(st, 404);
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("`router-defualt`") && msg.contains("`router-default`"),
        "{msg}"
    );
    assert_eq!(v["error"]["code"], "model_not_found");
    let (st, v) = post(&srv, "/v1/messages", chat("nope")).await;
    assert_eq!(st, 404);
    assert_eq!(v["error"]["type"], "not_found_error");
    let r = http()
        .post(format!("{}/v1/chat/completions", srv.url()))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body("{\"model\": \"router-default\",")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON")
    );
    let big = "x".repeat(100 * 1024);
    let (st, v) = post(
        &srv,
        "/v1/chat/completions",
        json!({"model": "router-default", "pad": big}),
    )
    .await;
    assert_eq!(st, 413);
    assert!(v["error"]["message"].as_str().unwrap().contains("65536"));
    // Chunked body without a length: still 413.
    let chunks =
        futures_util::stream::iter((0..20).map(|_| Ok::<_, std::io::Error>(vec![b' '; 8192])));
    let r = http()
        .post(format!("{}/v1/messages", srv.url()))
        .bearer_auth(KEY)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    assert_eq!(v["type"], "error");
    // Requests across protocols are translated (tests/serve_translate.rs); the one pair that
    // is not, count_tokens on an OpenAI-only alias, is answered locally without the upstream.
    let (st, v) = post(
        &srv,
        "/v1/messages/count_tokens",
        json!({"model": "router-default", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(st, 200);
    assert!(v["input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(m.hits(), 0);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_passthrough_chat_and_responses() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, "        responses_api: true\n")],
        "",
        "",
    ));
    let srv = start(&s, None).await;
    let (st, v) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 200);
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Hello from the mock upstream."
    );
    let (st, v) = post(
        &srv,
        "/v1/responses",
        json!({"model": "gpt", "input": "hi"}),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["object"], "response");
    let reqs = m.requests();
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(
        reqs[0].body["model"], "up-gpt",
        "alias replaced by the upstream model"
    );
    assert_eq!(reqs[0].body["messages"][0]["content"], "hi");
    assert_eq!(
        reqs[0].headers["authorization"].to_str().unwrap(),
        format!("Bearer {UPSTREAM_KEY}"),
        "the upstream key, not the gateway key"
    );
    assert_eq!(reqs[1].path, "/v1/responses");
    let u = s.usage_lines();
    assert_eq!(u.len(), 2);
    assert_eq!(u[0]["alias"], "gpt");
    assert_eq!(u[0]["deployment"], "gpt#0");
    assert_eq!(u[0]["status"], 200);
    assert_eq!(u[0]["output_tokens"], 4);
    assert!(u[0]["input_tokens"].as_u64().unwrap() > 0);
    assert!(u[0]["duration_ms"].as_f64().is_some() && u[0]["ttfb_ms"].as_f64().is_some());
    assert_eq!(u[1]["api"], "responses");
    let text = std::fs::read_to_string(s.usage()).unwrap();
    assert!(
        !text.contains(UPSTREAM_KEY) && !text.contains(KEY) && !text.contains("\"hi\""),
        "{text}"
    );
    srv.stop().await;
}

/// The raw bytes of a streamed answer, and when the first and last arrived.
pub(crate) async fn stream_bytes(
    url: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> (u16, String, Duration, Duration) {
    let mut req = http().post(url).json_v(&body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let t0 = Instant::now();
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let mut s = r.bytes_stream();
    let mut out = Vec::new();
    let mut first = None;
    while let Some(c) = s.next().await {
        let c = c.unwrap();
        first.get_or_insert(t0.elapsed());
        out.extend_from_slice(&c);
    }
    (
        status,
        String::from_utf8(out).unwrap(),
        first.unwrap_or_default(),
        t0.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_streaming_passthrough_keeps_events_and_headers() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[anthropic_dep("claude", &m)], "", ""));
    let srv = start(&s, None).await;
    let body = json!({"model": "claude", "max_tokens": 10, "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let hdrs = [
        ("authorization", &*format!("Bearer {KEY}")),
        ("anthropic-version", "2023-06-01"),
        (
            "anthropic-beta",
            "claude-code-20250219,interleaved-thinking-2025-05-14",
        ),
    ];
    let (st, text, _, _) = stream_bytes(
        &format!("{}/v1/messages?beta=true", srv.url()),
        body.clone(),
        &hdrs,
    )
    .await;
    assert_eq!(st, 200);
    // The same bytes the upstream sends, in order.
    let mut direct = body.clone();
    direct["model"] = json!("claude-up-claude");
    let (_, expected, _, _) = stream_bytes(&format!("{}/v1/messages", m.url()), direct, &[]).await;
    assert_eq!(text, expected);
    let events: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(
        events,
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let r = &m.requests()[0];
    assert_eq!(r.path, "/v1/messages?beta=true");
    assert_eq!(r.headers["x-api-key"], UPSTREAM_KEY);
    assert!(!r.headers.contains_key("authorization"));
    assert_eq!(r.headers["anthropic-version"], "2023-06-01");
    assert_eq!(
        r.headers["anthropic-beta"],
        "claude-code-20250219,interleaved-thinking-2025-05-14"
    );
    assert_eq!(r.body["model"], "claude-up-claude");
    // count_tokens is forwarded to an Anthropic upstream.
    let (st, v) = post(
        &srv,
        "/v1/messages/count_tokens",
        json!({"model": "claude", "messages": []}),
    )
    .await;
    assert_eq!(st, 200);
    assert!(v["input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(
        m.requests().last().unwrap().path,
        "/v1/messages/count_tokens"
    );
    let u = s.usage_lines();
    assert_eq!(u[0]["stream"], true);
    assert_eq!(
        u[0]["input_tokens"],
        m.requests()[0].body.to_string().len() as u64 / 4
    );
    assert_eq!(u[0]["output_tokens"], 4);
    assert_eq!(u[0]["cache_read_input_tokens"], 0);
    assert!(u[0]["tokens_per_second"].as_f64().is_some());
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_is_not_buffered() {
    let m = Mock::start(MockConfig {
        chunk_delay: Duration::from_millis(150),
        chunks: 4,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start(&s, None).await;
    let mut body = chat("gpt");
    body["stream"] = json!(true);
    let auth = format!("Bearer {KEY}");
    let (st, text, first, total) = stream_bytes(
        &format!("{}/v1/chat/completions", srv.url()),
        body,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(st, 200);
    // 8 events 150 ms apart: the whole takes > 1 s, the first must come long before.
    assert!(total >= Duration::from_millis(1000), "{total:?}");
    assert!(
        first < Duration::from_millis(400),
        "first byte after {first:?}: buffered"
    );
    let contents: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(contents.concat(), "Hello from the mock upstream.");
    assert!(text.ends_with("data: [DONE]\n\n"));
    let u = s.usage_lines();
    assert!(u[0]["ttfb_ms"].as_f64().unwrap() < 400.0);
    assert!(u[0]["duration_ms"].as_f64().unwrap() >= 1000.0);
    assert_eq!(u[0]["output_tokens"], 4);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_on_5xx_429_and_resets_then_gives_up() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, "")],
        "    num_retries: 3\n",
        "    allowed_fails: 10\n",
    ));
    // The back-off moves this clock instead of waiting.
    let clock = Arc::new(ManualClock::default());
    let srv = start(&s, Some(clock.clone())).await;
    m.push(Fault::Status(500));
    m.push(Fault::Status(429));
    m.push(Fault::Reset);
    let (st, _) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 200);
    assert_eq!(m.hits(), 4);
    // LiteLLM's back-off on a lone deployment: 0.5, 1 and 2 s, each plus up to 0.75 s.
    let waited = clock.elapsed().as_secs_f64();
    assert!((3.5..=5.75).contains(&waited), "{waited}");
    // An upstream's Retry-After (up to 60 s) replaces the back-off.
    m.push(Fault::Throttle {
        status: 429,
        retry_after_secs: 7.0,
    });
    let before = clock.elapsed().as_secs_f64();
    let (st, _) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 200);
    let waited = clock.elapsed().as_secs_f64() - before;
    assert!((7.0..=7.75).contains(&waited), "{waited}");
    // A client error is not retried and comes back as the upstream sent it.
    m.push(Fault::Status(422));
    let (st, v) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 422);
    assert_eq!(v["error"]["message"], "mock failure 422");
    assert_eq!(m.hits(), 7);
    // Always failing: 1 + num_retries attempts, then the last upstream answer.
    m.set_default(Fault::Status(503));
    let (st, v) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 503);
    assert_eq!(v["error"]["message"], "mock failure 503");
    assert_eq!(m.hits(), 11);
    let u = s.usage_lines();
    assert_eq!(u[0]["attempts"], 4);
    assert_eq!(u[3]["attempts"], 4);
    assert_eq!(u[3]["outcome"], "error");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_hangs_are_retried() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &m, "        timeout: 0.3\n")],
        "    num_retries: 1\n",
        "",
    ));
    let srv = start(&s, None).await;
    m.push(Fault::Hang);
    let t = Instant::now();
    let (st, _) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    m.set_default(Fault::Hang);
    let (st, v) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 408, "LiteLLM's status for a timeout");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{v}"
    );
    srv.stop().await;
}

/// The health table, on its own: a deployment of a group of two with no `allowed_fails`
/// cools down when more than half of at least five requests in the current minute failed
/// (LiteLLM's rule); the counts start again each minute.
#[test]
fn health_counts_the_requests_of_the_current_minute() {
    use fgc::serve::health::{CooldownParams, Health};
    use fgc::serve::retry::ErrorClass;
    let clock = Arc::new(ManualClock::default());
    let h = Arc::new(Health::new(clock.clone()));
    let group = CooldownParams {
        group_size: 2,
        ..CooldownParams::default()
    };
    let succeed = |id: &str| h.acquire(id, group.clone()).unwrap().success();
    let fail = |id: &str| {
        h.acquire(id, group.clone())
            .unwrap()
            .failure(ErrorClass::InternalServer, None)
    };
    // Within one minute (a second apart): 2 successes and 3 failures is 60% of 5.
    succeed("a");
    succeed("a");
    clock.advance(Duration::from_secs(1));
    assert!(!fail("a"));
    clock.advance(Duration::from_secs(1));
    assert!(!fail("a"), "2 of 4: not more than half");
    clock.advance(Duration::from_secs(1));
    assert!(fail("a"), "3 of 5");
    assert!(!h.available("a"));
    // Another deployment, across a minute boundary: 4 failures, then a new minute.
    for _ in 0..4 {
        assert!(!fail("b"), "fewer than 5 requests");
    }
    clock.advance(Duration::from_secs(60));
    assert!(
        !fail("b"),
        "a new minute: 1 of 1, too few requests to judge"
    );
    for _ in 0..3 {
        succeed("b");
    }
    assert!(!fail("b"), "2 of 5 failed this minute");
}

/// A deployment's own `cooldown_time` wins over the upstream's Retry-After.
#[test]
fn health_cooldown_of_the_deployment_wins() {
    use fgc::serve::health::{CooldownParams, Health};
    use fgc::serve::retry::ErrorClass;
    let clock = Arc::new(ManualClock::default());
    let h = Arc::new(Health::new(clock.clone()));
    let p = CooldownParams {
        deployment_cooldown: Some(10.0),
        ..CooldownParams::default()
    };
    assert!(
        h.acquire("d", p)
            .unwrap()
            .failure(ErrorClass::Authentication, Some(2.0))
    );
    clock.advance(Duration::from_secs(9));
    assert!(!h.available("d"), "10 s, not the 2 s of Retry-After");
    clock.advance(Duration::from_secs(1));
    assert!(h.available("d"));
    // Promotion ends when its time is up, or earlier when demoted.
    h.promote("alias", "backup");
    h.demote("alias");
    assert_eq!(h.promoted("alias"), None);
}

/// `routing_strategy: least-busy` sends a request to the deployment with fewer requests in
/// flight: while one request hangs on the first deployment, the next ones go to the second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn least_busy_routing_sees_requests_in_flight() {
    let (a, b) = (mock().await, mock().await);
    let s = Setup::new(&yaml(
        &[openai_dep("gpt", &a, ""), openai_dep("gpt", &b, "")],
        "",
        "    routing_strategy: least-busy\n",
    ));
    let srv = start(&s, None).await;
    // Nothing in flight: the first deployment (ties go to the first).
    let (st, _) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
    assert_eq!(st, 200);
    assert_eq!((a.hits(), b.hits()), (1, 0));
    // A request that hangs on `a` keeps one request in flight there.
    a.push(Fault::Hang);
    let url = srv.url();
    let hanging = tokio::spawn(async move {
        http()
            .post(format!("{url}/v1/chat/completions"))
            .bearer_auth(KEY)
            .json_v(&chat("gpt"))
            .send()
            .await
    });
    let t = Instant::now();
    while a.hits() < 2 {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the request never reached a"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for n in 1..=3 {
        let (st, _) = post(&srv, "/v1/chat/completions", chat("gpt")).await;
        assert_eq!(st, 200);
        assert_eq!(
            (a.hits(), b.hits()),
            (2, n),
            "request {n} went to the busy deployment"
        );
    }
    hanging.abort();
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallbacks_in_order_and_context_window_fallbacks() {
    let (a, b, c, long) = (mock().await, mock().await, mock().await, mock().await);
    let litellm = "    num_retries: 1\n    fallbacks:\n      - primary: [second, third]\n    context_window_fallbacks:\n      - primary: [long]\n";
    let s = Setup::new(&yaml(
        &[
            openai_dep("primary", &a, ""),
            openai_dep("second", &b, ""),
            openai_dep("third", &c, ""),
            openai_dep("long", &long, ""),
        ],
        litellm,
        "    allowed_fails: 100\n",
    ));
    let srv = start(&s, None).await;
    a.set_default(Fault::Status(500));
    b.set_default(Fault::Reset);
    let (st, v) = post(&srv, "/v1/chat/completions", chat("primary")).await;
    assert_eq!(st, 200);
    assert_eq!(v["model"], "up-third");
    assert_eq!((a.hits(), b.hits(), c.hits(), long.hits()), (2, 2, 1, 0));
    let u = s.usage_lines();
    assert_eq!(u[0]["alias"], "primary");
    assert_eq!(u[0]["served_alias"], "third");
    assert_eq!(u[0]["attempts"], 5);
    // A context-window error skips the ordinary chain for context_window_fallbacks.
    a.set_default(Fault::ContextWindow);
    let (st, v) = post(&srv, "/v1/chat/completions", chat("primary")).await;
    assert_eq!(st, 200);
    assert_eq!(v["model"], "up-long");
    assert_eq!((a.hits(), b.hits(), c.hits(), long.hits()), (3, 2, 1, 1));
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldowns_and_promotion_with_a_controlled_clock() {
    let (a, b) = (mock().await, mock().await);
    let litellm = "    fallbacks:\n      - primary: [backup]\n";
    let s = Setup::new(&yaml(
        &[openai_dep("primary", &a, ""), openai_dep("backup", &b, "")],
        litellm,
        "",
    ));
    let clock = Arc::new(ManualClock::default());
    let srv = start(&s, Some(clock.clone())).await;
    // A lone deployment is not cooled down by 500s (LiteLLM's default): each request falls
    // back, and the next one tries the primary again.
    a.set_default(Fault::Status(500));
    for i in 1..=3 {
        let (st, _) = post(&srv, "/v1/chat/completions", chat("primary")).await;
        assert_eq!(st, 200);
        assert_eq!(a.hits(), i);
        assert_eq!(health_state(&readiness(&srv).await, "primary#0"), "healthy");
    }
    // A 401 cools it down for `cooldown_time` (60 s here).
    a.set_default(Fault::Status(401));
    let (st, _) = post(&srv, "/v1/chat/completions", chat("primary")).await;
    assert_eq!(st, 200, "served by the fallback");
    assert_eq!(a.hits(), 4);
    let ready = readiness(&srv).await;
    assert_eq!(health_state(&ready, "primary#0"), "cooling-down");
    // Cooling down: skipped, and the fallback that served meanwhile is promoted.
    let (st, _) = post(&srv, "/v1/chat/completions", chat("primary")).await;
    assert_eq!(st, 200);
    assert_eq!(a.hits(), 4, "a deployment cooling down gets no requests");
    assert_eq!(
        srv.state.health.promoted("primary").as_deref(),
        Some("backup")
    );
    // Once the cooldown is over the primary takes requests again.
    clock.advance(Duration::from_secs(60));
    a.set_default(Fault::None);
    let (st, v) = post(&srv, "/v1/chat/completions", chat("primary")).await;
    assert_eq!((st, v["model"].as_str()), (200, Some("up-primary")));
    assert_eq!(a.hits(), 5);
    assert_eq!(health_state(&readiness(&srv).await, "primary#0"), "healthy");
    // Both cooling down: the client gets the primary's own error, then 429 while they cool.
    a.set_default(Fault::Status(401));
    b.set_default(Fault::Status(401));
    let (st, v) = post(&srv, "/v1/chat/completions", chat("primary")).await;
    assert_eq!(st, 401, "{v}");
    let (st, v) = post(&srv, "/v1/chat/completions", chat("backup")).await;
    assert_eq!(st, 429, "{v}");
    assert_eq!(v["error"]["code"], "cooling_down");
    let r = http()
        .get(format!("{}/health/readiness", srv.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "no deployment can take requests");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_after_first_byte_is_reported_in_stream() {
    let m = mock().await;
    let s = Setup::new(&yaml(
        &[anthropic_dep("claude", &m), openai_dep("gpt", &m, "")],
        "    num_retries: 2\n",
        "",
    ));
    let srv = start(&s, None).await;
    let auth = format!("Bearer {KEY}");
    m.push(Fault::ResetAfter(3));
    let body = json!({"model": "claude", "max_tokens": 5, "stream": true, "messages": []});
    let (st, text, _, _) = stream_bytes(
        &format!("{}/v1/messages", srv.url()),
        body,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(m.hits(), 1, "not retried after bytes went out");
    assert!(text.starts_with("event: message_start"));
    assert!(
        text.contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\""),
        "{text}"
    );
    m.push(Fault::ResetAfter(2));
    let body = json!({"model": "gpt", "stream": true, "messages": []});
    let (_, text, _, _) = stream_bytes(
        &format!("{}/v1/chat/completions", srv.url()),
        body,
        &[("authorization", &auth)],
    )
    .await;
    assert!(text.contains("data: {\"error\":{"), "{text}");
    // A reset before the first byte is still retried.
    m.push(Fault::ResetAfter(0));
    let body = json!({"model": "gpt", "stream": true, "messages": []});
    let (_, text, _, _) = stream_bytes(
        &format!("{}/v1/chat/completions", srv.url()),
        body,
        &[("authorization", &auth)],
    )
    .await;
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    assert_eq!(m.hits(), 4);
    let u = s.usage_lines();
    assert_eq!(u[0]["outcome"], "stream_error");
    assert_eq!(u[2]["outcome"], "ok");
    assert_eq!(u[2]["attempts"], 2);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_disconnect_is_recorded_and_cancels() {
    let m = Mock::start(MockConfig {
        chunk_delay: Duration::from_millis(200),
        chunks: 20,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let srv = start(&s, None).await;
    let mut body = chat("gpt");
    body["stream"] = json!(true);
    let r = http()
        .post(format!("{}/v1/chat/completions", srv.url()))
        .bearer_auth(KEY)
        .json_v(&body)
        .send()
        .await
        .unwrap();
    let mut st = r.bytes_stream();
    st.next().await.unwrap().unwrap();
    drop(st);
    let u = s.usage_lines();
    assert_eq!(u.len(), 1);
    assert_eq!(u[0]["outcome"], "client_closed");
    assert!(u[0]["duration_ms"].as_f64().unwrap() < 2000.0);
    srv.stop().await;
}

// ---- the real binary: start-up errors, SIGHUP, SIGTERM ----

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Child(pub(crate) std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn spawn_fgc(config: &Path, port: u16, usage: &Path) -> Child {
    let c = crate::common::fgc()
        .args([
            "serve",
            "-c",
            config.to_str().unwrap(),
            "--port",
            &port.to_string(),
        ])
        .args([
            "--usage-log",
            usage.to_str().unwrap(),
            "--drain-timeout",
            "5",
        ])
        .env("FGC_MOCK_UPSTREAM_KEY", UPSTREAM_KEY)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    Child(c)
}

pub(crate) async fn wait_ready(port: u16) {
    for _ in 0..200 {
        let r = http()
            .get(format!("http://127.0.0.1:{port}/health/liveness"))
            .send()
            .await;
        if r.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fgc serve did not come up on {port}");
}

pub(crate) fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.0.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

async fn model_ids(port: u16) -> Vec<String> {
    let v: Value = http()
        .get(format!("http://127.0.0.1:{port}/v1/models"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn wait_exit(child: &mut Child, limit: Duration) -> Option<i32> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Some(s) = child.0.try_wait().unwrap() {
            return s.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

pub(crate) fn stderr_of(child: &mut Child) -> String {
    use std::io::Read;
    let mut s = String::new();
    if let Some(e) = child.0.stderr.as_mut() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_and_keeps_the_old_config_on_errors() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[openai_dep("one", &m, "")], "", ""));
    let port = free_port();
    let mut child = spawn_fgc(&s.config(), port, &s.usage());
    wait_ready(port).await;
    assert_eq!(model_ids(port).await, ["one"]);
    std::fs::write(
        s.config(),
        yaml(
            &[openai_dep("one", &m, ""), openai_dep("two", &m, "")],
            "",
            "",
        ),
    )
    .unwrap();
    signal(&child, "-HUP");
    let mut ids = Vec::new();
    for _ in 0..100 {
        ids = model_ids(port).await;
        if ids.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ids, ["one", "two"]);
    // A config with an error (a fallback to an undefined alias) is not taken.
    let broken = yaml(
        &[openai_dep("three", &m, "")],
        "    fallbacks:\n      - three: [missing-alias]\n",
        "",
    );
    std::fs::write(s.config(), broken).unwrap();
    signal(&child, "-HUP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(model_ids(port).await, ["one", "two"]);
    let (st, _) = {
        let r = http()
            .post(format!("http://127.0.0.1:{port}/v1/chat/completions"))
            .bearer_auth(KEY)
            .json_v(&chat("two"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(st, 200);
    signal(&child, "-TERM");
    assert_eq!(wait_exit(&mut child, Duration::from_secs(5)), Some(0));
    let err = stderr_of(&mut child);
    assert!(
        err.contains("missing-alias"),
        "the diagnostics are logged:\n{err}"
    );
    assert!(err.contains("keeping the previous configuration"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_requests_in_flight() {
    let m = Mock::start(MockConfig {
        chunk_delay: Duration::from_millis(100),
        chunks: 8,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let s = Setup::new(&yaml(&[openai_dep("gpt", &m, "")], "", ""));
    let port = free_port();
    let mut child = spawn_fgc(&s.config(), port, &s.usage());
    wait_ready(port).await;
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
    let mut text = String::from_utf8(st.next().await.unwrap().unwrap().to_vec()).unwrap();
    signal(&child, "-TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;
    // New connections are refused while the stream in flight finishes.
    assert!(
        http()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .is_err()
    );
    while let Some(c) = st.next().await {
        text.push_str(std::str::from_utf8(&c.unwrap()).unwrap());
    }
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    assert_eq!(wait_exit(&mut child, Duration::from_secs(5)), Some(0));
    assert_eq!(s.usage_lines()[0]["outcome"], "ok");
}

#[test]
fn startup_errors() {
    let s = Setup::new(
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params:\n        model: openai/x\n        api_base: http://127.0.0.1:1/v1\n        api_key: os.environ/FGC_TEST_UNSET_VAR\n",
    );
    let out = crate::common::run(&[
        "serve",
        "-c",
        s.config().to_str().unwrap(),
        "--no-usage-log",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        crate::common::transcript(&out)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("FGC_TEST_UNSET_VAR"));
    // No gateway key: loopback only.
    let s = Setup::new(
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params:\n        model: openai/x\n        api_base: http://127.0.0.1:1/v1\n",
    );
    let out = crate::common::run(&[
        "serve",
        "-c",
        s.config().to_str().unwrap(),
        "--host",
        "0.0.0.0",
        "--no-usage-log",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to listen on `0.0.0.0` without a gateway key"),
        "{err}"
    );
    // Port in use: one line naming it.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let out = crate::common::run(&[
        "serve",
        "-c",
        s.config().to_str().unwrap(),
        "--port",
        &port,
        "--no-usage-log",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with(&format!(
            "error: port {port} on 127.0.0.1 is already in use"
        )),
        "{err}"
    );
}

/// A setting written in both `litellm_settings` and `router_settings` means one thing to
/// every command: `fgc check` names the router_settings value as used, `fgc emit litellm`
/// writes a file whose view (LiteLLM's reading) has the same retries and chain, and
/// `fgc serve` runs them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_in_both_blocks_mean_the_same_to_check_emit_and_serve() {
    let fixture =
        crate::common::inputs().join("tests/fixtures/invalid/settings-in-both-blocks.yaml");
    let text = std::fs::read_to_string(&fixture).unwrap();
    let effective = |yaml: &str| {
        let loaded = fgc::check::check_source(
            fgc::source::SourceFile::new("flowgate.yaml", Path::new("flowgate.yaml"), yaml),
            &Default::default(),
        );
        let model = loaded.model.expect("valid structure");
        let view = model.view(None);
        (
            view.settings.num_retries(),
            view.fallbacks
                .for_alias(&["main"], fgc::model::checked::FallbackKind::Fallbacks),
        )
    };
    assert_eq!(effective(&text), (1, vec!["backup".to_string()]));

    // check: says which copy is used.
    let out = crate::common::run(&["check", "--format", "json", fixture.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    for key in ["num_retries", "fallbacks"] {
        let want = format!(
            "`{key}` is set in both litellm_settings and router_settings; LiteLLM uses the router_settings one (litellm_base)"
        );
        assert!(messages.contains(&want.as_str()), "{messages:?}");
    }

    // emit: the LiteLLM config, read back the way LiteLLM reads it, means the same.
    let out = crate::common::run(&["emit", "litellm", "-c", fixture.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let emitted = String::from_utf8(out.stdout).unwrap();
    let rewrapped = format!(
        "litellm_base:\n{}",
        emitted
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
    );
    assert_eq!(effective(&rewrapped), (1, vec!["backup".to_string()]));

    // serve: main fails; 1 + 1 retry on main, then backup; third is never called.
    let m = mock().await;
    let served = text
        .replace("http://127.0.0.1:9", &m.url())
        .replace("sk-fgc-fixture-key", KEY);
    let s = Setup::new(&served);
    let srv = start(&s, None).await;
    m.push_for("main", Fault::Status(500));
    m.push_for("main", Fault::Status(500));
    m.push_for("main", Fault::Status(500));
    let (st, v) = post(&srv, "/v1/chat/completions", chat("main")).await;
    assert_eq!((st, v["model"].as_str()), (200, Some("up-backup")), "{v}");
    let hits = m.hits_by_prefix();
    assert_eq!(hits.get("main"), Some(&2));
    assert_eq!(hits.get("backup"), Some(&1));
    assert_eq!(hits.get("third"), None);
    srv.stop().await;
}

/// Qwen Code in Anthropic mode sends `thinking.budget_tokens: 32000` with `max_tokens: 8000`,
/// which Anthropic refuses: the budget is fitted below `max_tokens` (or thinking turned off
/// when too little room is left); a valid request is forwarded byte for byte.
#[tokio::test]
async fn anthropic_thinking_budget_is_fitted_below_max_tokens() {
    let m = mock().await;
    let s = Setup::new(&yaml(&[anthropic_dep("claude", &m)], "", ""));
    let srv = start(&s, None).await;
    let ask = |max: u64, budget: u64| {
        json!({
            "model": "claude", "max_tokens": max, "temperature": 1,
            "thinking": {"type": "enabled", "budget_tokens": budget},
            "messages": [{"role": "user", "content": "hi"}],
        })
    };
    for (max, budget, sent) in [
        (
            8000,
            32000,
            json!({"type": "enabled", "budget_tokens": 6976}),
        ),
        (1500, 1500, json!({"type": "disabled"})),
        (
            40000,
            32000,
            json!({"type": "enabled", "budget_tokens": 32000}),
        ),
    ] {
        let (st, v) = post(&srv, "/v1/messages", ask(max, budget)).await;
        assert_eq!(st, 200, "{v}");
        let r = m.requests().pop().unwrap();
        assert_eq!(r.body["thinking"], sent, "{max}/{budget}");
        assert_eq!(r.body["max_tokens"], max);
        assert_eq!(r.body["model"], "claude-up-claude");
    }
    srv.stop().await;
}
