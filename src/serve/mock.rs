//! A mock upstream for tests, benchmarks and manual runs (`cargo run --example fgc-mock`):
//! OpenAI Chat Completions, OpenAI Responses and Anthropic Messages, streaming and not, with
//! injectable latency, error answers, connection resets, resets mid-stream and hangs, and the
//! behaviours of a hostile upstream: redirects, huge bodies and error bodies, endless stream
//! lines, leaking headers, error pages that echo the URL and key, slow drips.
//!
//! Routes (any prefix before them is accepted, so `api_base` may or may not end in `/v1`):
//! `/chat/completions`, `/responses`, `/messages`, `/messages/count_tokens`, and `GET /models`
//! (the list set with [`Mock::set_models`], for `fgc redirect`). Faults can be
//! scripted per first path segment (give each deployment its own, `http://mock/a/v1`), and
//! the mock program is driven over HTTP: `POST /_mock/script`, `GET /_mock/hits`,
//! `POST /_mock/reset` (see `scripts/litellm-diff.py`).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::stream::{self, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// What the mock does with one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Answer normally.
    None,
    /// Answer with this status and an error body in the protocol's shape.
    Status(u16),
    /// A 400 saying the prompt exceeds the context window.
    ContextWindow,
    /// Close the connection without answering.
    Reset,
    /// Stream `n` chunks, then break the connection.
    ResetAfter(usize),
    /// Stream `n` whole events and the first half of the next one, then break the connection.
    ResetMidEvent(usize),
    /// Never answer.
    Hang,
    /// Answer with this status, an error body and `Retry-After: secs` (and `retry-after-ms`).
    Throttle { status: u16, retry_after_secs: f64 },
    /// Answer 200 with exactly this `text/event-stream` body (an upstream stream of an unusual
    /// or malformed shape).
    Sse(String),
    /// Answer 200 with exactly this JSON body.
    Json(Value),
    /// Answer with a redirect (`status`, 3xx) to `location`.
    Redirect { status: u16, location: String },
    /// A 200 whose body is `bytes` long (streamed, never held): a JSON object that never
    /// closes. With `declared`, a `content-length` announces it.
    HugeBody { bytes: u64, declared: bool },
    /// An error answer (`status`) with a body `bytes` long.
    HugeError { status: u16, bytes: u64 },
    /// A 200 event stream whose first line never ends: `data: {"x":"xxx…` for `bytes` bytes.
    EndlessLine { bytes: u64 },
    /// The normal answer, with headers no client should see (cookies, auth challenges,
    /// internal hosts) beside the ones it should (request id, rate limits).
    LeakHeaders,
    /// An error answer (`status`) with the same headers as [`Fault::LeakHeaders`].
    LeakHeadersOnError(u16),
    /// A 500 whose message repeats the request's URL and upstream key.
    EchoSecrets,
    /// The normal (non-stream) answer, one byte every `every`.
    Drip { every: Duration },
}

impl Fault {
    /// Parse a fault as the control endpoint and `fgc-mock --fault` take it: `ok` (or
    /// `none`), `500` (any status), `429:1.5` (status with Retry-After seconds), `context`,
    /// `reset`, `reset-after:N`, `hang`, and the hostile ones: `reset-mid-event:N`,
    /// `redirect:URL`, `huge-body:BYTES`, `huge-body-declared:BYTES`, `huge-error:BYTES`,
    /// `endless-line:BYTES`, `leak-headers`, `leak-headers-error:STATUS`, `echo-secrets`,
    /// `drip:MS`.
    pub fn parse(s: &str) -> Option<Fault> {
        let (name, arg) = s.split_once(':').unwrap_or((s, ""));
        let n = || arg.parse::<u64>().ok();
        Some(match name {
            "ok" | "none" => Fault::None,
            "context" => Fault::ContextWindow,
            "reset" => Fault::Reset,
            "hang" => Fault::Hang,
            "reset-after" => Fault::ResetAfter(n()? as usize),
            "reset-mid-event" => Fault::ResetMidEvent(n()? as usize),
            "redirect" => Fault::Redirect {
                status: 307,
                location: arg.to_string(),
            },
            "huge-body" => Fault::HugeBody {
                bytes: n()?,
                declared: false,
            },
            "huge-body-declared" => Fault::HugeBody {
                bytes: n()?,
                declared: true,
            },
            "huge-error" => Fault::HugeError {
                status: 500,
                bytes: n()?,
            },
            "endless-line" => Fault::EndlessLine { bytes: n()? },
            "leak-headers" => Fault::LeakHeaders,
            "leak-headers-error" => Fault::LeakHeadersOnError(n()? as u16),
            "echo-secrets" => Fault::EchoSecrets,
            "drip" => Fault::Drip {
                every: Duration::from_millis(n()?),
            },
            _ if s.contains(':') => Fault::Throttle {
                status: name.parse().ok()?,
                retry_after_secs: arg
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v >= 0.0)?,
            },
            _ => Fault::Status(s.parse().ok()?),
        })
    }
}

/// Headers [`Fault::LeakHeaders`] adds: `(name, value, a client may see it)`.
pub const LEAKED_HEADERS: [(&str, &str, bool); 9] = [
    ("set-cookie", "session=mock-secret; HttpOnly", false),
    ("www-authenticate", "Bearer realm=\"internal\"", false),
    ("x-internal-host", "llm-7.internal.corp", false),
    ("server", "mock-upstream/1.0 (internal build)", false),
    ("x-upstream-api-key", "sk-should-never-leak", false),
    ("x-request-id", "req_mock_123", true),
    ("x-ratelimit-remaining-requests", "99", true),
    ("anthropic-ratelimit-requests-remaining", "42", true),
    ("retry-after", "1", true),
];

/// A body of `total` bytes: `head`, then `fill` repeated, handed out in 64 KiB chunks that
/// are all views of one buffer, so even a 400 MB body costs the mock nothing.
fn filler(head: &'static [u8], fill: u8, total: u64) -> Body {
    const CHUNK: usize = 64 * 1024;
    let block = Bytes::from(vec![fill; CHUNK]);
    let first = Bytes::from_static(head);
    let mut left = total;
    let mut sent_head = false;
    Body::from_stream(stream::iter(std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let chunk = if sent_head {
            block.slice(..(left.min(CHUNK as u64) as usize))
        } else {
            sent_head = true;
            first.slice(..(left.min(first.len() as u64) as usize))
        };
        left -= chunk.len() as u64;
        Some(Ok::<_, std::io::Error>(chunk))
    })))
}

/// How the mock answers when no fault applies.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Wait before the response head.
    pub latency: Duration,
    /// Wait between streamed chunks.
    pub chunk_delay: Duration,
    /// Text deltas in a streamed answer.
    pub chunks: usize,
    /// The answer text (split into `chunks` deltas).
    pub text: String,
    /// Keep every request (headers and body) for inspection. Off for load tests.
    pub record: bool,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            latency: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            chunks: 4,
            text: "Hello from the mock upstream.".into(),
            record: true,
        }
    }
}

/// One request the mock received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Path and query.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Debug)]
struct MockState {
    config: Mutex<MockConfig>,
    script: Mutex<VecDeque<Fault>>,
    /// Scripts for requests whose path starts with `/<prefix>/`, before the shared one.
    prefixed: Mutex<HashMap<String, VecDeque<Fault>>>,
    /// Requests per first path segment.
    prefix_hits: Mutex<HashMap<String, usize>>,
    default_fault: Mutex<Fault>,
    hits: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
    /// `GET /models` answers per first path segment.
    models: Mutex<HashMap<String, ModelList>>,
}

/// What `GET /<prefix>/.../models` answers.
#[derive(Clone, Debug)]
pub enum ModelList {
    /// OpenAI's shape, one page.
    OpenAi(Vec<String>),
    /// Anthropic's shape, `page` models a page (`limit`, `after_id`, `has_more`, `last_id`).
    Anthropic { ids: Vec<String>, page: usize },
    /// This body with status 200, as is (a broken upstream).
    Raw(String),
}

/// A running mock upstream. Dropping it stops accepting connections.
#[derive(Clone, Debug)]
pub struct Mock {
    pub addr: SocketAddr,
    state: Arc<MockState>,
    _stop: Arc<StopOnDrop>,
}

#[derive(Debug)]
struct StopOnDrop(tokio::task::AbortHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The connection a request came on, so a handler can drop it (resets).
#[derive(Clone)]
struct Kill(Arc<Notify>);

impl Mock {
    /// Start on 127.0.0.1 with an OS-chosen port.
    pub async fn start(config: MockConfig) -> std::io::Result<Mock> {
        Self::start_on("127.0.0.1:0", config).await
    }

    /// Start on `addr` (loopback only, please).
    pub async fn start_on(addr: &str, config: MockConfig) -> std::io::Result<Mock> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(MockState {
            config: Mutex::new(config),
            script: Mutex::new(VecDeque::new()),
            prefixed: Mutex::new(HashMap::new()),
            prefix_hits: Mutex::new(HashMap::new()),
            default_fault: Mutex::new(Fault::None),
            hits: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            models: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/_mock/script", post(control_script))
            .route("/_mock/hits", get(control_hits))
            .route("/_mock/reset", post(control_reset))
            .route("/{*rest}", post(handle).get(models))
            .with_state(Arc::clone(&state));
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                let _ = sock.set_nodelay(true);
                let kill = Arc::new(Notify::new());
                let svc = hyper_util::service::TowerToHyperService::new(
                    app.clone().layer(Extension(Kill(Arc::clone(&kill)))),
                );
                tokio::spawn(async move {
                    let builder = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    );
                    let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(sock), svc);
                    tokio::select! {
                        _ = conn => {}
                        _ = kill.notified() => {}
                    }
                });
            }
        });
        Ok(Mock {
            addr,
            state,
            _stop: Arc::new(StopOnDrop(task.abort_handle())),
        })
    }

    /// `http://ADDR` (an Anthropic `api_base`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://ADDR/v1` (an OpenAI-compatible `api_base`).
    pub fn openai_base(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Apply `fault` to the next request (queued in order).
    pub fn push(&self, fault: Fault) {
        self.state
            .script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(fault);
    }

    /// Apply `fault` to the next request whose path starts with `/<prefix>/` (one
    /// deployment's `api_base` when each has its own prefix).
    pub fn push_for(&self, prefix: &str, fault: Fault) {
        lock(&self.state.prefixed)
            .entry(prefix.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Serve `list` at `GET /<prefix>/.../models`.
    pub fn set_models(&self, prefix: &str, list: ModelList) {
        lock(&self.state.models).insert(prefix.to_string(), list);
    }

    /// Requests received per first path segment.
    pub fn hits_by_prefix(&self) -> HashMap<String, usize> {
        lock(&self.state.prefix_hits).clone()
    }

    /// Forget scripts, hits and recorded requests.
    pub fn reset(&self) {
        reset_state(&self.state);
    }

    /// Apply `fault` to every request without a queued one.
    pub fn set_default(&self, fault: Fault) {
        *self
            .state
            .default_fault
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = fault;
    }

    /// Change the normal answer.
    pub fn configure(&self, f: impl FnOnce(&mut MockConfig)) {
        f(&mut self.state.config.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    /// The requests received (when recording).
    pub fn requests(&self) -> Vec<Recorded> {
        self.state
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    Chat,
    Responses,
    Messages,
    CountTokens,
}

async fn handle(
    State(st): State<Arc<MockState>>,
    Extension(kill): Extension<Kill>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    st.hits.fetch_add(1, Ordering::SeqCst);
    let path = uri.path();
    let prefix = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    *lock(&st.prefix_hits).entry(prefix.clone()).or_default() += 1;
    let shape = if path.ends_with("/chat/completions") {
        Shape::Chat
    } else if path.ends_with("/responses") {
        Shape::Responses
    } else if path.ends_with("/messages/count_tokens") {
        Shape::CountTokens
    } else if path.ends_with("/messages") {
        Shape::Messages
    } else {
        return (StatusCode::NOT_FOUND, "no such mock route").into_response();
    };
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let cfg = st.config.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if cfg.record {
        let rec = Recorded {
            path: uri
                .path_and_query()
                .map_or(path.to_string(), |p| p.to_string()),
            headers: headers.clone(),
            body: req.clone(),
        };
        st.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rec);
    }
    let queued = lock(&st.prefixed)
        .get_mut(&prefix)
        .and_then(VecDeque::pop_front);
    let fault = queued
        .or_else(|| lock(&st.script).pop_front())
        .unwrap_or_else(|| {
            st.default_fault
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        });
    if !cfg.latency.is_zero() {
        tokio::time::sleep(cfg.latency).await;
    }
    let anthropic = matches!(shape, Shape::Messages | Shape::CountTokens);
    match fault {
        Fault::Status(s) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (
                status,
                axum::Json(error(anthropic, "mock_error", &format!("mock failure {s}"))),
            )
                .into_response();
        }
        Fault::Throttle {
            status,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
            let mut resp = (
                status,
                axum::Json(error(
                    anthropic,
                    "mock_error",
                    &format!("mock failure {status}"),
                )),
            )
                .into_response();
            let h = resp.headers_mut();
            if let Ok(v) = format!("{retry_after_secs}").parse() {
                h.insert("retry-after", v);
            }
            if let Ok(v) = format!("{}", (retry_after_secs * 1000.0).round() as u64).parse() {
                h.insert("retry-after-ms", v);
            }
            return resp;
        }
        Fault::LeakHeadersOnError(s) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_REQUEST);
            let mut r = (
                status,
                axum::Json(error(anthropic, "mock_error", &format!("mock failure {s}"))),
            )
                .into_response();
            for (k, v, _) in LEAKED_HEADERS {
                r.headers_mut()
                    .append(k, v.parse().expect("static header value"));
            }
            return r;
        }
        Fault::ContextWindow => {
            let msg = "This model's maximum context length is 8192 tokens; prompt is too long";
            let mut b = error(anthropic, "context_length_exceeded", msg);
            if !anthropic {
                b["error"]["code"] = json!("context_length_exceeded");
            }
            return (StatusCode::BAD_REQUEST, axum::Json(b)).into_response();
        }
        Fault::Reset => {
            kill.0.notify_one();
            std::future::pending::<()>().await;
        }
        Fault::Hang => std::future::pending::<()>().await,
        Fault::Sse(body) => {
            let mut resp = Response::new(Body::from(body));
            resp.headers_mut()
                .insert("content-type", "text/event-stream".parse().expect("static"));
            return resp;
        }
        Fault::Json(body) => return axum::Json(body).into_response(),
        Fault::Redirect { status, location } => {
            let mut r = Response::new(Body::from("moved"));
            *r.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
            if let Ok(v) = location.parse() {
                r.headers_mut().insert("location", v);
            }
            return r;
        }
        Fault::HugeBody { bytes, declared } => {
            let mut r = Response::new(filler(b"{\"pad\":\"", b'x', bytes));
            r.headers_mut()
                .insert("content-type", "application/json".parse().expect("static"));
            if declared {
                r.headers_mut()
                    .insert("content-length", bytes.to_string().parse().expect("digits"));
            }
            return r;
        }
        Fault::HugeError { status, bytes } => {
            let mut r = Response::new(filler(b"{\"error\":{\"message\":\"", b'e', bytes));
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            r.headers_mut()
                .insert("content-type", "application/json".parse().expect("static"));
            return r;
        }
        Fault::EndlessLine { bytes } => {
            let mut r = Response::new(filler(b"data: {\"x\":\"", b'x', bytes));
            r.headers_mut()
                .insert("content-type", "text/event-stream".parse().expect("static"));
            return r;
        }
        Fault::EchoSecrets => {
            let key = headers
                .get("authorization")
                .or_else(|| headers.get("x-api-key"))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_string();
            let host = headers
                .get("host")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_string();
            let msg =
                format!("upstream http://{host}{uri} refused the request (credentials: {key})");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(error(anthropic, "mock_error", &msg)),
            )
                .into_response();
        }
        Fault::None
        | Fault::ResetAfter(_)
        | Fault::ResetMidEvent(_)
        | Fault::LeakHeaders
        | Fault::Drip { .. } => {}
    }
    let model = req
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("mock")
        .to_string();
    let stream = req.get("stream").and_then(Value::as_bool) == Some(true);
    let input_tokens = (body.len() / 4).max(1) as u64;
    let pieces = split(&cfg.text, cfg.chunks.max(1));
    let output_tokens = pieces.len() as u64;
    if shape == Shape::CountTokens {
        return axum::Json(json!({"input_tokens": input_tokens})).into_response();
    }
    let leak = |mut r: Response| {
        if fault == Fault::LeakHeaders {
            for (k, v, _) in LEAKED_HEADERS {
                r.headers_mut()
                    .append(k, v.parse().expect("static header value"));
            }
        }
        r
    };
    if !stream {
        let body = match shape {
            Shape::Chat => chat_answer(&model, &cfg.text, input_tokens, output_tokens),
            Shape::Responses => responses_answer(&model, &cfg.text, input_tokens, output_tokens),
            _ => messages_answer(&model, &cfg.text, input_tokens, output_tokens),
        };
        if let Fault::Drip { every } = fault {
            let bytes = body.to_string().into_bytes();
            let drip = stream::iter(bytes.into_iter().enumerate()).then(move |(i, b)| async move {
                if i > 0 {
                    tokio::time::sleep(every).await;
                }
                Ok::<_, std::io::Error>(Bytes::from(vec![b]))
            });
            let mut r = Response::new(Body::from_stream(drip));
            r.headers_mut()
                .insert("content-type", "application/json".parse().expect("static"));
            return r;
        }
        return leak(axum::Json(body).into_response());
    }
    let events: Vec<String> = match shape {
        Shape::Chat => chat_events(&model, &pieces, input_tokens),
        Shape::Responses => responses_events(&model, &pieces, &cfg.text, input_tokens),
        _ => messages_events(&model, &pieces, input_tokens),
    };
    let break_after = match fault {
        Fault::ResetAfter(n) => Some(n),
        _ => None,
    };
    let mut events = events;
    if let Fault::ResetMidEvent(n) = fault
        && n < events.len()
    {
        events.truncate(n + 2);
        let half = events[n].len() / 2;
        events[n].truncate(half);
    }
    let break_after = break_after.or(match fault {
        Fault::ResetMidEvent(n) => Some(n + 1),
        _ => None,
    });
    let delay = cfg.chunk_delay;
    let body = stream::iter(events.into_iter().enumerate()).then(move |(i, ev)| async move {
        if break_after == Some(i) {
            // Let what was sent reach the wire before the connection breaks.
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            return Err(std::io::Error::other("mock reset mid-stream"));
        }
        if i > 0 && !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok::<_, std::io::Error>(Bytes::from(ev))
    });
    let mut resp = Response::new(Body::from_stream(body));
    resp.headers_mut()
        .insert("content-type", "text/event-stream".parse().expect("static"));
    leak(resp)
}

/// `GET /<prefix>/.../models`: the list set for the prefix, after any queued fault (`Status`,
/// `Throttle`, `Reset` and `Hang` apply; others answer normally).
async fn models(
    State(st): State<Arc<MockState>>,
    Extension(kill): Extension<Kill>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    st.hits.fetch_add(1, Ordering::SeqCst);
    let path = uri.path();
    let prefix = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    *lock(&st.prefix_hits).entry(prefix.clone()).or_default() += 1;
    if lock(&st.config).record {
        lock(&st.requests).push(Recorded {
            path: uri
                .path_and_query()
                .map_or(path.to_string(), |p| p.to_string()),
            headers,
            body: Value::Null,
        });
    }
    if !path.ends_with("/models") {
        return (StatusCode::NOT_FOUND, "no such mock route").into_response();
    }
    let queued = lock(&st.prefixed)
        .get_mut(&prefix)
        .and_then(VecDeque::pop_front);
    match queued.or_else(|| lock(&st.script).pop_front()) {
        Some(Fault::Status(s) | Fault::Throttle { status: s, .. }) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = error(false, "mock_error", &format!("mock failure {s}"));
            return (status, axum::Json(body)).into_response();
        }
        Some(Fault::Reset) => {
            kill.0.notify_one();
            std::future::pending::<()>().await;
        }
        Some(Fault::Hang) => std::future::pending::<()>().await,
        _ => {}
    }
    let Some(list) = lock(&st.models).get(&prefix).cloned() else {
        let body = error(false, "not_found", "no model list for this prefix");
        return (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
    };
    match list {
        ModelList::OpenAi(ids) => axum::Json(json!({"object": "list", "data": ids.iter()
            .map(|id| json!({"id": id, "object": "model", "created": 0, "owned_by": "mock"}))
            .collect::<Vec<_>>()}))
        .into_response(),
        ModelList::Anthropic { ids, page } => {
            let start = query
                .get("after_id")
                .and_then(|a| ids.iter().position(|id| id == a).map(|i| i + 1))
                .unwrap_or(0);
            let limit = query
                .get("limit")
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(20)
                .min(page.max(1));
            let chunk = &ids[start.min(ids.len())..(start + limit).min(ids.len())];
            axum::Json(json!({
                "data": chunk.iter().map(|id| json!({"type": "model", "id": id, "display_name": id,
                    "created_at": "2025-01-01T00:00:00Z"})).collect::<Vec<_>>(),
                "has_more": start + limit < ids.len(),
                "first_id": chunk.first(),
                "last_id": chunk.last(),
            }))
            .into_response()
        }
        ModelList::Raw(body) => (StatusCode::OK, body).into_response(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn reset_state(st: &MockState) {
    lock(&st.script).clear();
    lock(&st.prefixed).clear();
    lock(&st.prefix_hits).clear();
    lock(&st.requests).clear();
    st.hits.store(0, Ordering::SeqCst);
}

/// `POST /_mock/script` with `{"prefix": "a", "faults": ["500", "429:1", "ok"]}` (no
/// prefix: the shared script): queue faults, for scripts and manual runs of the mock program.
async fn control_script(State(st): State<Arc<MockState>>, body: Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected JSON").into_response();
    };
    let mut faults = VecDeque::new();
    for f in v["faults"].as_array().into_iter().flatten() {
        match f.as_str().and_then(Fault::parse) {
            Some(f) => faults.push_back(f),
            None => return (StatusCode::BAD_REQUEST, format!("bad fault {f}")).into_response(),
        }
    }
    match v["prefix"].as_str() {
        Some(p) => lock(&st.prefixed)
            .entry(p.to_string())
            .or_default()
            .extend(faults),
        None => lock(&st.script).extend(faults),
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_mock/hits`: `{"total": N, "by_prefix": {"a": 3}}`.
async fn control_hits(State(st): State<Arc<MockState>>) -> Response {
    let by: HashMap<String, usize> = lock(&st.prefix_hits).clone();
    axum::Json(json!({"total": st.hits.load(Ordering::SeqCst), "by_prefix": by})).into_response()
}

/// `POST /_mock/reset`: forget scripts, hits and recorded requests.
async fn control_reset(State(st): State<Arc<MockState>>) -> Response {
    reset_state(&st);
    StatusCode::NO_CONTENT.into_response()
}

fn error(anthropic: bool, code: &str, msg: &str) -> Value {
    if anthropic {
        json!({"type": "error", "error": {"type": if code == "mock_error" { "api_error" } else { "invalid_request_error" }, "message": msg}})
    } else {
        json!({"error": {"message": msg, "type": "server_error", "param": null, "code": code}})
    }
}

/// `text` in `n` pieces (fewer when it has fewer words) that join back to it.
fn split(text: &str, n: usize) -> Vec<String> {
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    let n = n.min(words.len()).max(1);
    let (base, extra) = (words.len() / n, words.len() % n);
    let mut out = Vec::with_capacity(n);
    let mut at = 0;
    for i in 0..n {
        let take = base + usize::from(i < extra);
        out.push(words[at..at + take].concat());
        at += take;
    }
    out
}

fn chat_answer(model: &str, text: &str, i: u64, o: u64) -> Value {
    json!({
        "id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o}
    })
}

fn chat_events(model: &str, pieces: &[String], i: u64) -> Vec<String> {
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut out = vec![format!(
        "data: {}\n\n",
        chunk(json!({"role": "assistant", "content": ""}), Value::Null)
    )];
    for p in pieces {
        out.push(format!(
            "data: {}\n\n",
            chunk(json!({"content": p}), Value::Null)
        ));
    }
    out.push(format!("data: {}\n\n", chunk(json!({}), json!("stop"))));
    let o = pieces.len() as u64;
    let usage = json!({"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": model,
        "choices": [], "usage": {"prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o}});
    out.push(format!("data: {usage}\n\n"));
    out.push("data: [DONE]\n\n".into());
    out
}

fn message_item(text: &str, status: &str) -> Value {
    let content = if status == "completed" {
        json!([{"type": "output_text", "text": text, "annotations": []}])
    } else {
        json!([])
    };
    json!({"type": "message", "id": "msg_mock", "status": status, "role": "assistant", "content": content})
}

fn response_obj(model: &str, text: &str, status: &str, usage: Option<(u64, u64)>) -> Value {
    let output = if status == "completed" {
        json!([message_item(text, "completed")])
    } else {
        json!([])
    };
    let mut r = json!({"id": "resp_mock", "object": "response", "created_at": 0, "status": status,
        "model": model, "output": output, "usage": null});
    if let Some((i, o)) = usage {
        r["usage"] = json!({"input_tokens": i, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": o, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": i + o});
    }
    r
}

fn responses_answer(model: &str, text: &str, i: u64, o: u64) -> Value {
    response_obj(model, text, "completed", Some((i, o)))
}

fn responses_events(model: &str, pieces: &[String], text: &str, i: u64) -> Vec<String> {
    let mut seq = 0u64;
    let mut out = Vec::new();
    let mut ev = |mut v: Value| {
        let ty = v["type"].as_str().unwrap_or_default().to_string();
        v["sequence_number"] = json!(seq);
        seq += 1;
        out.push(format!("event: {ty}\ndata: {v}\n\n"));
    };
    ev(
        json!({"type": "response.created", "response": response_obj(model, text, "in_progress", None)}),
    );
    ev(
        json!({"type": "response.in_progress", "response": response_obj(model, text, "in_progress", None)}),
    );
    ev(
        json!({"type": "response.output_item.added", "output_index": 0, "item": message_item(text, "in_progress")}),
    );
    ev(
        json!({"type": "response.content_part.added", "item_id": "msg_mock", "output_index": 0, "content_index": 0,
        "part": {"type": "output_text", "text": "", "annotations": []}}),
    );
    for p in pieces {
        ev(
            json!({"type": "response.output_text.delta", "item_id": "msg_mock", "output_index": 0, "content_index": 0, "delta": p}),
        );
    }
    ev(
        json!({"type": "response.output_text.done", "item_id": "msg_mock", "output_index": 0, "content_index": 0, "text": text}),
    );
    ev(
        json!({"type": "response.content_part.done", "item_id": "msg_mock", "output_index": 0, "content_index": 0,
        "part": {"type": "output_text", "text": text, "annotations": []}}),
    );
    ev(
        json!({"type": "response.output_item.done", "output_index": 0, "item": message_item(text, "completed")}),
    );
    let o = pieces.len() as u64;
    ev(
        json!({"type": "response.completed", "response": response_obj(model, text, "completed", Some((i, o)))}),
    );
    out
}

fn messages_answer(model: &str, text: &str, i: u64, o: u64) -> Value {
    json!({
        "id": "msg_mock", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": i, "output_tokens": o, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    })
}

fn messages_events(model: &str, pieces: &[String], i: u64) -> Vec<String> {
    let ev = |v: Value| {
        format!(
            "event: {}\ndata: {v}\n\n",
            v["type"].as_str().unwrap_or_default()
        )
    };
    let mut out = vec![
        ev(
            json!({"type": "message_start", "message": {"id": "msg_mock", "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": i, "output_tokens": 1, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}}}),
        ),
        ev(
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        ev(json!({"type": "ping"})),
    ];
    for p in pieces {
        out.push(ev(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}})));
    }
    out.push(ev(json!({"type": "content_block_stop", "index": 0})));
    out.push(ev(
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
        "usage": {"output_tokens": pieces.len()}}),
    ));
    out.push(ev(json!({"type": "message_stop"})));
    out
}
