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
use super::errors::ClientError;
use super::events::Framer;
use super::health::Permit;
use super::protocol::{ClientApi, StreamTransform, UpstreamApi};
use super::retry::{ErrorClass, retry_after_header};
use super::usage::{Outcome, Pending};

/// The Anthropic API version sent when the client sends none.
pub const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";

/// Install rustls's `ring` provider for this process (reqwest is built without one). Call
/// before building any reqwest client; later calls do nothing.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The one client every upstream call goes through: keep-alive pool, HTTP/1.1 and HTTP/2
/// (ALPN), rustls. Redirects are never followed: a 3xx would carry the upstream key to
/// whatever host the `Location` names; it is an upstream error instead.
pub fn client() -> reqwest::Result<reqwest::Client> {
    install_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
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
    /// What happened, for logs and for the client's error when there is no answer to pass
    /// on; names the deployment, never its URL.
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

/// An upstream error answer: its status, the headers a client may see
/// ([`forwarded_response_header`]), and its body up to `--max-error-body-bytes`, scrubbed of
/// the deployment's URL, host and key ([`super::errors::scrub`]).
#[derive(Debug, Clone)]
pub struct ErrorAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A successful upstream answer, its body still to read: the response, and the headers a
/// client may see, taken from it in [`send`] (nothing else of the upstream's head reaches a
/// client, whatever path the answer takes).
pub struct Answer {
    pub resp: reqwest::Response,
    pub headers: HeaderMap,
}

/// The longest silence of an upstream before a translated stream sends a keep-alive (Anthropic
/// `ping`); half the deployment's `stream_timeout` when that is shorter.
pub const KEEPALIVE: Duration = Duration::from_secs(10);

/// Headers of the client request that reach the upstream.
const FORWARDED: [&str; 3] = ["anthropic-version", "anthropic-beta", "accept"];

/// Send `body` to `dep` at `path` and wait for the response head. An error answer's body is
/// read up to `max_error_body` bytes (the rest is left unread). Whatever comes back is
/// scrubbed here, where the deployment is known: headers cut to the allowlist, error bodies
/// and reasons without the deployment's URL, host or key.
#[allow(clippy::too_many_arguments)]
pub async fn send(
    client: &reqwest::Client,
    dep: &Deployment,
    path: &str,
    query: Option<&str>,
    body: Bytes,
    incoming: &HeaderMap,
    stream: bool,
    max_error_body: usize,
) -> Result<Answer, Failure> {
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
        Err(_) => return Err(timeout_failure(dep, limit)),
        Ok(Err(e)) if e.is_timeout() => return Err(timeout_failure(dep, limit)),
        Ok(Err(e)) => {
            return Err(failure(
                ErrorClass::Connection,
                dep,
                format!("upstream unreachable: {}", error_chain(&e.without_url())),
            ));
        }
        Ok(Ok(r)) => r,
    };
    let status = resp.status();
    let headers = allowed_headers(resp.headers());
    if status.is_success() {
        return Ok(Answer { resp, headers });
    }
    if status.is_redirection() {
        // The Location is neither followed nor shown: it names hosts the client has no
        // business knowing.
        return Err(failure(
            ErrorClass::BadGateway,
            dep,
            format!(
                "upstream answered {status}, a redirect; fgc serve follows no redirects (check the deployment's api_base)"
            ),
        ));
    }
    let body = match tokio::time::timeout(limit, read_capped(resp, max_error_body, true)).await {
        Ok(Ok((b, _))) => b,
        _ => Bytes::new(),
    };
    // Scrubbed here, where the deployment is known: whatever path the answer takes to the
    // client, it no longer holds the deployment's URL, host or key.
    let text = super::errors::scrub(&String::from_utf8_lossy(&body), dep);
    let answer = ErrorAnswer {
        status,
        headers,
        body: Bytes::from(text),
    };
    Err(classify(answer, dep))
}

/// A whole (non-streaming) upstream answer, at most `limit` bytes and within the
/// deployment's `timeout`; past either it is a failure and the rest is not read.
pub async fn read_answer(
    resp: reqwest::Response,
    dep: &Deployment,
    limit: usize,
) -> Result<Bytes, Failure> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large(dep, limit));
    }
    match tokio::time::timeout(dep.timeout, read_capped(resp, limit, false)).await {
        Ok(Ok((b, false))) => Ok(b),
        Ok(Ok((_, true))) => Err(too_large(dep, limit)),
        // The whole-request timeout of `send` ran out while the body dripped in.
        Ok(Err(e)) if e.is_timeout() => Err(timeout_failure(dep, dep.timeout)),
        Ok(Err(e)) => Err(failure(
            ErrorClass::Connection,
            dep,
            format!("upstream body broke: {}", error_chain(&e.without_url())),
        )),
        Err(_) => Err(failure(
            ErrorClass::Timeout,
            dep,
            "upstream body timed out".into(),
        )),
    }
}

fn too_large(dep: &Deployment, limit: usize) -> Failure {
    failure(
        ErrorClass::BadGateway,
        dep,
        format!(
            "the upstream answer is larger than {limit} bytes (fgc serve --max-upstream-body-bytes)"
        ),
    )
}

/// Up to `limit` bytes of a body; `true` when there was more (left unread; what was read is
/// returned only when `keep_cut`). The bytes are copied into blocks as they come (so the
/// transport's buffers are freed at once) and joined once at the end: growing one buffer by
/// doubling would hold up to three times the body at the peak.
async fn read_capped(
    mut resp: reqwest::Response,
    limit: usize,
    keep_cut: bool,
) -> reqwest::Result<(Bytes, bool)> {
    const FIRST: usize = 64 * 1024;
    const BLOCK: usize = 1024 * 1024;
    let first = resp
        .content_length()
        .map_or(FIRST, |n| n as usize)
        .min(limit);
    let mut blocks: Vec<Vec<u8>> = vec![Vec::with_capacity(first)];
    let mut total = 0usize;
    let mut over = false;
    'read: while let Some(chunk) = resp.chunk().await? {
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            if total == limit {
                over = true;
                break 'read;
            }
            let last = blocks.last_mut().expect("one block at least");
            if last.len() == last.capacity() {
                blocks.push(Vec::with_capacity(BLOCK.min(limit - total)));
                continue;
            }
            let n = rest
                .len()
                .min(last.capacity() - last.len())
                .min(limit - total);
            last.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            total += n;
        }
    }
    drop(resp);
    if over && !keep_cut {
        return Ok((Bytes::new(), true));
    }
    if blocks.len() == 1 {
        return Ok((Bytes::from(blocks.pop().unwrap_or_default()), over));
    }
    let mut buf = bytes::BytesMut::with_capacity(total);
    for b in blocks {
        buf.extend_from_slice(&b);
    }
    Ok((buf.freeze(), over))
}

/// A failure of `dep` without an answer to pass on; the reason names the deployment and is
/// scrubbed of its URL, host and key.
fn failure(class: ErrorClass, dep: &Deployment, what: String) -> Failure {
    Failure::new(
        class,
        super::errors::scrub(&format!("deployment `{}`: {what}", dep.id), dep),
    )
}

fn timeout_failure(dep: &Deployment, limit: Duration) -> Failure {
    failure(
        ErrorClass::Timeout,
        dep,
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
pub fn classify(answer: ErrorAnswer, dep: &Deployment) -> Failure {
    Failure {
        class: ErrorClass::from_answer(answer.status.as_u16(), &answer.body),
        reason: format!(
            "deployment `{}`: upstream answered {}",
            dep.id, answer.status
        ),
        answer: Some(answer),
    }
}

/// Upstream response headers passed to the client: the content type, request ids, retry
/// and rate-limit hints, and the provider headers clients read. Anything else (cookies,
/// auth challenges, server and proxy details, hop-by-hop headers, lengths recomputed here)
/// stays with the gateway.
const RESPONSE_HEADERS: [&str; 10] = [
    "content-type",
    "cache-control",
    "x-request-id",
    "request-id",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "openai-processing-ms",
    "openai-version",
    "openai-model",
];

/// Prefixes of forwarded response headers: OpenAI's and Anthropic's rate limits (Claude Code
/// shows `anthropic-ratelimit-unified-*`), Codex's usage headers.
const RESPONSE_HEADER_PREFIXES: [&str; 3] = ["x-ratelimit-", "anthropic-ratelimit-", "x-codex-"];

/// Whether an upstream response header reaches the client.
pub fn forwarded_response_header(name: &str) -> bool {
    RESPONSE_HEADERS.contains(&name) || RESPONSE_HEADER_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The headers of an upstream response that may reach a client (see
/// [`forwarded_response_header`]).
fn allowed_headers(from: &HeaderMap) -> HeaderMap {
    let mut to = HeaderMap::new();
    for (k, v) in from {
        if forwarded_response_header(k.as_str()) {
            to.append(HeaderName::clone(k), HeaderValue::clone(v));
        }
    }
    to
}

/// An upstream response body as a stream of chunks.
pub type Upstream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Wait for the first chunk of a streaming answer (at most `limit`): an error or silence
/// before it is still retryable, since the client has seen nothing yet.
pub async fn first_chunk(
    inner: &mut Upstream,
    dep: &Deployment,
    limit: Duration,
) -> Result<Option<Bytes>, Failure> {
    use futures_util::StreamExt;
    match tokio::time::timeout(limit, inner.next()).await {
        Ok(Some(Ok(c))) => Ok(Some(c)),
        Ok(None) => Ok(None),
        Ok(Some(Err(e))) => Err(failure(
            ErrorClass::Connection,
            dep,
            format!(
                "upstream stream broke before the first byte: {}",
                error_chain(&e.without_url())
            ),
        )),
        Err(_) => Err(timeout_failure(dep, limit)),
    }
}

/// The upstream's streaming body on its way to the client: whole events pass through as
/// they complete ([`Framer`], which also bounds an unfinished event and finds usage); a
/// silence longer than `idle`, an upstream error or an endless event ends the stream with
/// an error event in the client's protocol; the record is written when the stream ends, and
/// by its [`Pending`] when the client goes away (dropping this drops the upstream request).
pub struct PassStream {
    inner: Upstream,
    first: Option<Bytes>,
    idle: Duration,
    sleep: Pin<Box<Sleep>>,
    framer: Framer,
    transform: Option<Box<dyn StreamTransform>>,
    /// Keep-alive timer of a translated stream (a passthrough stream relays the upstream's own).
    keepalive: Option<(Duration, Pin<Box<Sleep>>)>,
    client_api: ClientApi,
    pending: Option<Pending>,
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
        pending: Pending,
        permit: Permit,
        transform: Option<Box<dyn StreamTransform>>,
        max_event: usize,
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
            framer: Framer::new(max_event),
            transform,
            keepalive,
            client_api,
            pending: Some(pending),
            permit: Some(permit),
            status,
            ended: false,
        }
    }

    fn close(&mut self, outcome: Outcome) {
        if let Some(mut p) = self.pending.take() {
            p.record().tokens = self.framer.tokens;
            p.finish(self.status, outcome);
        }
        if let Some(p) = self.permit.take() {
            match outcome {
                Outcome::Ok => p.success(),
                Outcome::StreamError => {
                    p.failure(ErrorClass::Connection, None);
                }
                _ => drop(p),
            }
        }
    }

    /// End the stream with an error event (after `before`, whole events still to send).
    fn fail(&mut self, before: &[u8], message: &str) -> Bytes {
        self.ended = true;
        tracing::warn!(message, "upstream stream failed after the first byte");
        let out = match &mut self.transform {
            Some(t) => {
                let mut v = Vec::new();
                t.chunk(before, &mut v);
                t.fail(message, &mut v);
                v
            }
            None => {
                let mut v = before.to_vec();
                let e = ClientError::new(StatusCode::BAD_GATEWAY, "upstream_error", message);
                v.extend_from_slice(&e.stream_event(self.client_api));
                v
            }
        };
        self.close(Outcome::StreamError);
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
                    if let Some(p) = &mut this.pending {
                        p.record().first_byte.get_or_insert(now);
                    }
                    let deadline = tokio::time::Instant::from_std(now + this.idle);
                    this.sleep.as_mut().reset(deadline);
                    if let Some((every, ping)) = &mut this.keepalive {
                        ping.as_mut()
                            .reset(tokio::time::Instant::from_std(now + *every));
                    }
                    let (events, too_long) = this.framer.feed(chunk);
                    if let Some(e) = too_long {
                        let msg = format!(
                            "the upstream sent a server-sent event longer than {} bytes (fgc serve --max-sse-event-bytes)",
                            e.limit
                        );
                        return Poll::Ready(Some(Ok(this.fail(&events, &msg))));
                    }
                    let out = match &mut this.transform {
                        None => events,
                        Some(t) => {
                            let mut v = Vec::new();
                            t.chunk(&events, &mut v);
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
                    let msg = format!("upstream stream broke: {}", error_chain(&e.without_url()));
                    return Poll::Ready(Some(Ok(this.fail(&[], &msg))));
                }
                Poll::Ready(None) => {
                    this.ended = true;
                    let rest = this.framer.finish();
                    let tail = match this.transform.as_mut() {
                        None => rest.to_vec(),
                        Some(t) => {
                            let mut v = Vec::new();
                            t.chunk(&rest, &mut v);
                            t.finish(&mut v);
                            v
                        }
                    };
                    let outcome = this
                        .transform
                        .as_ref()
                        .and_then(|t| t.outcome())
                        .unwrap_or(Outcome::Ok);
                    this.close(outcome);
                    if tail.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(Bytes::from(tail))));
                }
                Poll::Pending => {
                    if this.sleep.as_mut().poll(cx).is_ready() {
                        let msg = format!(
                            "upstream sent nothing for {:.1} s (stream_timeout)",
                            this.idle.as_secs_f64()
                        );
                        return Poll::Ready(Some(Ok(this.fail(&[], &msg))));
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
            // The client went away (or the drain deadline cut the stream): the upstream
            // request is cancelled with `inner`; the pending record writes itself.
            if let Some(p) = &mut self.pending {
                p.record().tokens = self.framer.tokens;
            }
            self.permit.take();
        }
    }
}
