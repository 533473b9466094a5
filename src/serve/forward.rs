//! Calling an upstream: one pooled HTTP client, the request for one deployment, the
//! classification of the answer, and the streaming body passed through chunk by chunk.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use bytes::Bytes;
use futures_util::Stream;
use tokio::time::Sleep;

use super::config::Deployment;
use super::health::Permit;
use super::protocol::{ClientApi, StreamTransform, UpstreamApi, stream_error_event};
use super::retry::{ErrorClass, retry_after_header};
use super::usage::{Record, SseScanner, UsageLog};

/// The Anthropic API version sent when the client sends none.
pub const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";

/// Install rustls's `ring` provider for this process (reqwest is built without one). Call
/// before building any reqwest client; later calls do nothing.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The one client every upstream call goes through: keep-alive pool, HTTP/1.1 and HTTP/2
/// (ALPN), rustls.
pub fn client() -> reqwest::Result<reqwest::Client> {
    install_crypto();
    reqwest::Client::builder()
        .user_agent(concat!("fgc/", env!("CARGO_PKG_VERSION")))
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(10))
        .build()
}

/// Why an attempt did not produce an answer to pass on: the LiteLLM error class (which
/// [`super::retry`] decides retries, cooldowns and fallbacks from), and the upstream's answer
/// when it gave one.
#[derive(Debug)]
pub struct Failure {
    pub class: ErrorClass,
    pub answer: Option<ErrorAnswer>,
    /// What happened, for logs and for the client's error when there is no answer to pass on.
    pub reason: String,
}

impl Failure {
    pub fn new(class: ErrorClass, reason: impl Into<String>) -> Self {
        Failure {
            class,
            answer: None,
            reason: reason.into(),
        }
    }

    /// The upstream's `Retry-After`, when LiteLLM would honour it.
    pub fn retry_after(&self) -> Option<f64> {
        self.answer
            .as_ref()
            .and_then(|a| retry_after_header(&a.headers))
    }
}

/// An upstream error answer, kept whole (they are small).
#[derive(Debug, Clone)]
pub struct ErrorAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The longest silence of an upstream before a translated stream sends a keep-alive (Anthropic
/// `ping`); half the deployment's `stream_timeout` when that is shorter.
pub const KEEPALIVE: Duration = Duration::from_secs(10);

/// Headers of the client request that reach the upstream.
const FORWARDED: [&str; 3] = ["anthropic-version", "anthropic-beta", "accept"];

/// Send `body` to `dep` at `path` and wait for the response head.
pub async fn send(
    client: &reqwest::Client,
    dep: &Deployment,
    path: &str,
    query: Option<&str>,
    body: Bytes,
    incoming: &HeaderMap,
    stream: bool,
) -> Result<reqwest::Response, Failure> {
    let mut url = String::with_capacity(dep.base.len() + path.len() + 16);
    url.push_str(&dep.base);
    url.push_str(path);
    if let Some(q) = query.filter(|q| !q.is_empty() && dep.api == UpstreamApi::Anthropic) {
        url.push('?');
        url.push_str(q);
    }
    let mut req = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    for name in FORWARDED {
        for v in incoming.get_all(name) {
            req = req.header(name, v);
        }
    }
    match dep.api {
        UpstreamApi::OpenAi => {
            if let Some(k) = &dep.api_key {
                req = req.bearer_auth(k);
            }
        }
        UpstreamApi::Anthropic => {
            if let Some(k) = &dep.api_key {
                req = req.header("x-api-key", k);
            }
            if !incoming.contains_key("anthropic-version") {
                req = req.header("anthropic-version", DEFAULT_ANTHROPIC_VERSION);
            }
        }
    }
    let limit = if stream {
        dep.stream_timeout
    } else {
        dep.timeout
    };
    if !stream {
        req = req.timeout(limit);
    }
    let resp = match tokio::time::timeout(limit, req.send()).await {
        Err(_) => return Err(timeout_failure(limit)),
        Ok(Err(e)) if e.is_timeout() => return Err(timeout_failure(limit)),
        Ok(Err(e)) => {
            return Err(Failure::new(
                ErrorClass::Connection,
                format!("upstream unreachable: {}", error_chain(&e)),
            ));
        }
        Ok(Ok(r)) => r,
    };
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let headers = resp.headers().clone();
    let body = match tokio::time::timeout(limit, resp.bytes()).await {
        Ok(Ok(b)) => b,
        _ => Bytes::new(),
    };
    let answer = ErrorAnswer {
        status,
        headers,
        body,
    };
    Err(classify(answer))
}

fn timeout_failure(limit: Duration) -> Failure {
    Failure::new(
        ErrorClass::Timeout,
        format!("upstream timed out after {:.1} s", limit.as_secs_f64()),
    )
}

/// The causes of a reqwest error on one line (reqwest's Display stops at the outer one).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

/// The failure an upstream error answer is, by LiteLLM's exception classes.
pub fn classify(answer: ErrorAnswer) -> Failure {
    Failure {
        class: ErrorClass::from_answer(answer.status.as_u16(), &answer.body),
        reason: format!("upstream answered {}", answer.status),
        answer: Some(answer),
    }
}

/// Response headers not copied from the upstream (hop-by-hop, or recomputed).
pub fn copy_headers(from: &HeaderMap, to: &mut HeaderMap, keep_length: bool) {
    for (k, v) in from {
        let n = k.as_str();
        if matches!(
            n,
            "connection"
                | "keep-alive"
                | "transfer-encoding"
                | "te"
                | "trailer"
                | "upgrade"
                | "proxy-authenticate"
                | "proxy-connection"
        ) || (!keep_length && n == "content-length")
        {
            continue;
        }
        to.append(HeaderName::clone(k), HeaderValue::clone(v));
    }
}

/// An upstream response body as a stream of chunks.
pub type Upstream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Wait for the first chunk of a streaming answer (at most `limit`): an error or silence
/// before it is still retryable, since the client has seen nothing yet.
pub async fn first_chunk(inner: &mut Upstream, limit: Duration) -> Result<Option<Bytes>, Failure> {
    use futures_util::StreamExt;
    match tokio::time::timeout(limit, inner.next()).await {
        Ok(Some(Ok(c))) => Ok(Some(c)),
        Ok(None) => Ok(None),
        Ok(Some(Err(e))) => Err(Failure::new(
            ErrorClass::Connection,
            format!(
                "upstream stream broke before the first byte: {}",
                error_chain(&e)
            ),
        )),
        Err(_) => Err(timeout_failure(limit)),
    }
}

/// The upstream's streaming body on its way to the client: chunks pass through as they
/// arrive; usage is scanned on the way; a silence longer than `idle` or an upstream error
/// ends the stream with an error event in the client's protocol; the record is written when
/// the stream ends or the client goes away (dropping this drops the upstream connection).
pub struct PassStream {
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    first: Option<Bytes>,
    idle: Duration,
    sleep: Pin<Box<Sleep>>,
    scanner: SseScanner,
    transform: Option<Box<dyn StreamTransform>>,
    /// Keep-alive timer of a translated stream (a passthrough stream relays the upstream's own).
    keepalive: Option<(Duration, Pin<Box<Sleep>>)>,
    client_api: ClientApi,
    record: Option<Record>,
    usage: UsageLog,
    permit: Option<Permit>,
    status: u16,
    ended: bool,
}

impl PassStream {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        inner: Upstream,
        first: Option<Bytes>,
        status: u16,
        idle: Duration,
        client_api: ClientApi,
        record: Record,
        usage: UsageLog,
        permit: Permit,
        transform: Option<Box<dyn StreamTransform>>,
    ) -> Self {
        let keepalive = transform.as_ref().map(|_| {
            let every = KEEPALIVE.min(idle / 2);
            (every, Box::pin(tokio::time::sleep(every)))
        });
        PassStream {
            inner,
            first,
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
            scanner: SseScanner::default(),
            transform,
            keepalive,
            client_api,
            record: Some(record),
            usage,
            permit: Some(permit),
            status,
            ended: false,
        }
    }

    fn close(&mut self, outcome: &'static str) {
        if let Some(mut rec) = self.record.take() {
            rec.tokens = self.scanner.tokens;
            rec.finish(self.status, outcome);
            self.usage.write(&rec);
        }
        if let Some(p) = self.permit.take() {
            match outcome {
                "ok" => p.success(),
                "stream_error" => {
                    p.failure(ErrorClass::Connection, None);
                }
                _ => drop(p),
            }
        }
    }

    fn fail(&mut self, message: &str) -> Bytes {
        self.ended = true;
        tracing::warn!(message, "upstream stream failed after the first byte");
        let out = match &mut self.transform {
            Some(t) => {
                let mut v = Vec::new();
                t.fail(message, &mut v);
                v
            }
            None => stream_error_event(self.client_api, message),
        };
        self.close("stream_error");
        Bytes::from(out)
    }
}

impl Stream for PassStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.ended {
                return Poll::Ready(None);
            }
            let next = match this.first.take() {
                Some(chunk) => Poll::Ready(Some(Ok(chunk))),
                None => this.inner.as_mut().poll_next(cx),
            };
            match next {
                Poll::Ready(Some(Ok(chunk))) => {
                    let now = Instant::now();
                    if let Some(rec) = &mut this.record {
                        rec.first_byte.get_or_insert(now);
                    }
                    let deadline = tokio::time::Instant::from_std(now + this.idle);
                    this.sleep.as_mut().reset(deadline);
                    if let Some((every, ping)) = &mut this.keepalive {
                        ping.as_mut()
                            .reset(tokio::time::Instant::from_std(now + *every));
                    }
                    this.scanner.feed(&chunk);
                    let out = match &mut this.transform {
                        None => chunk,
                        Some(t) => {
                            let mut v = Vec::new();
                            t.chunk(&chunk, &mut v);
                            // The client has its final event and may hang up before the
                            // upstream's trailer (`[DONE]`): record the outcome now.
                            if let Some(outcome) = t.outcome() {
                                this.close(outcome);
                            }
                            Bytes::from(v)
                        }
                    };
                    if out.is_empty() {
                        continue;
                    }
                    return Poll::Ready(Some(Ok(out)));
                }
                Poll::Ready(Some(Err(e))) => {
                    let msg = format!("upstream stream broke: {}", error_chain(&e));
                    return Poll::Ready(Some(Ok(this.fail(&msg))));
                }
                Poll::Ready(None) => {
                    this.ended = true;
                    let tail = this.transform.as_mut().map(|t| {
                        let mut v = Vec::new();
                        t.finish(&mut v);
                        v
                    });
                    let outcome = this
                        .transform
                        .as_ref()
                        .and_then(|t| t.outcome())
                        .unwrap_or("ok");
                    this.close(outcome);
                    match tail {
                        Some(v) if !v.is_empty() => return Poll::Ready(Some(Ok(Bytes::from(v)))),
                        _ => return Poll::Ready(None),
                    }
                }
                Poll::Pending => {
                    if this.sleep.as_mut().poll(cx).is_ready() {
                        let msg = format!(
                            "upstream sent nothing for {:.1} s (stream_timeout)",
                            this.idle.as_secs_f64()
                        );
                        return Poll::Ready(Some(Ok(this.fail(&msg))));
                    }
                    if let (Some(t), Some((every, ping))) =
                        (&mut this.transform, &mut this.keepalive)
                        && ping.as_mut().poll(cx).is_ready()
                    {
                        ping.as_mut().reset(tokio::time::Instant::now() + *every);
                        // Registers the waker for the next keep-alive.
                        let _ = ping.as_mut().poll(cx);
                        let mut v = Vec::new();
                        t.keepalive(&mut v);
                        if !v.is_empty() {
                            return Poll::Ready(Some(Ok(Bytes::from(v))));
                        }
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl Drop for PassStream {
    fn drop(&mut self) {
        if !self.ended {
            // The client went away: the upstream request is cancelled with `inner`.
            self.close("client_closed");
        }
    }
}
