//! The requests the network checks make: one client (the no-redirect client `fgc redirect`
//! lists models with, on the rustls setup of `fgc serve`), every request bounded in time as a
//! whole (connect, answer, body) and every answer read up to [`MAX_BODY`].

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;

/// The most of an answer read; the rest is dropped (a model list of this size is already
/// absurd).
pub const MAX_BODY: usize = 4 << 20;

/// The client: no redirects (a key must not follow one to another host), rustls.
pub fn client() -> reqwest::Result<reqwest::Client> {
    crate::redirect::fetch::client()
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The error message of a JSON error answer (OpenAI, Anthropic and LiteLLM shapes), or
    /// the start of the text; one line, at most 200 characters, with `secrets` taken out.
    pub fn error_text(&self, secrets: &[&str]) -> String {
        let mut text = message_of(&self.body)
            .unwrap_or_else(|| crate::redirect::fetch::clip(&String::from_utf8_lossy(&self.body)));
        // A gateway that passes an upstream's error body on as its message (LiteLLM does).
        if let Some(inner) = message_of(text.as_bytes()) {
            text = inner;
        }
        redact(&text, secrets)
    }

    /// `401` or `401: message`.
    pub fn describe(&self, secrets: &[&str]) -> String {
        let text = self.error_text(secrets);
        if text.is_empty() {
            self.status.to_string()
        } else {
            format!("{}: {text}", self.status)
        }
    }
}

/// The message of a JSON error body: `error` (an object with `message`, or a string),
/// `message` or `detail`.
fn message_of(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    ["error", "message", "detail"]
        .iter()
        .find_map(|k| v.get(*k))
        .map(crate::redirect::fetch::error_text)
}

/// Why there was no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The connection could not be made (refused, no route, name not found).
    Connect(String),
    Timeout(Duration),
    /// Anything else (TLS, a broken answer).
    Other(String),
}

impl Failure {
    pub fn describe(&self) -> String {
        match self {
            Failure::Connect(e) => format!("cannot connect: {e}"),
            Failure::Timeout(t) => format!("no answer within {}", secs(*t)),
            Failure::Other(e) => e.clone(),
        }
    }
}

/// `3 s`, `0.5 s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// The innermost cause of an error chain (`a: b: Connection refused (os error 111)`): what a
/// connection failure comes down to, without the URL and the layers above it.
pub fn root_cause(chain: &str) -> &str {
    chain.rsplit(": ").next().unwrap_or(chain)
}

/// `text` with every secret replaced.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(*s, "<redacted>");
    }
    out
}

/// A request to send.
pub struct Request<'a> {
    pub method: reqwest::Method,
    pub url: String,
    /// Sent as `Authorization: Bearer`.
    pub key: Option<&'a str>,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Option<Value>,
    pub timeout: Duration,
}

impl<'a> Request<'a> {
    pub fn get(url: String, key: Option<&'a str>, timeout: Duration) -> Request<'a> {
        Request {
            method: reqwest::Method::GET,
            url,
            key,
            headers: &[],
            body: None,
            timeout,
        }
    }

    pub fn post(url: String, key: Option<&'a str>, body: Value, timeout: Duration) -> Request<'a> {
        Request {
            method: reqwest::Method::POST,
            url,
            key,
            headers: &[],
            body: Some(body),
            timeout,
        }
    }

    pub fn headers(mut self, h: &'a [(&'a str, &'a str)]) -> Request<'a> {
        self.headers = h;
        self
    }
}

/// Send `r` and read the answer, all within `r.timeout`.
pub async fn send(client: &reqwest::Client, r: Request<'_>) -> Result<Answer, Failure> {
    let start = Instant::now();
    let timeout = r.timeout;
    match tokio::time::timeout(timeout, exchange(client, r)).await {
        Ok(Ok((status, body))) => Ok(Answer {
            status,
            body,
            elapsed: start.elapsed(),
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(Failure::Timeout(timeout)),
    }
}

async fn exchange(client: &reqwest::Client, r: Request<'_>) -> Result<(u16, Vec<u8>), Failure> {
    let mut req = client
        .request(r.method, &r.url)
        .timeout(r.timeout)
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(k) = r.key {
        req = req.bearer_auth(k);
    }
    for (k, v) in r.headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = r.body {
        req = req
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(b.to_string());
    }
    let secret: Vec<&str> = r.key.into_iter().collect();
    let fail = |e: reqwest::Error| {
        let text = redact(&crate::serve::forward::error_chain(&e), &secret);
        if e.is_timeout() {
            Failure::Timeout(r.timeout)
        } else if e.is_connect() {
            Failure::Connect(root_cause(&text).to_string())
        } else {
            Failure::Other(text)
        }
    };
    let resp = req.send().await.map_err(fail)?;
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(fail)?;
        let room = MAX_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_BODY {
            break;
        }
    }
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_texts() {
        let a = Answer {
            status: 404,
            body: br#"{"error": {"message": "{\"error\": {\"message\": \"no route /x\"}}"}}"#
                .to_vec(),
            elapsed: Duration::ZERO,
        };
        assert_eq!(
            a.describe(&[]),
            "404: no route /x",
            "nested bodies are unwrapped"
        );
        let a = Answer {
            status: 401,
            body: b"bad key sk-secret-123 given".to_vec(),
            elapsed: Duration::ZERO,
        };
        assert_eq!(
            a.describe(&["sk-secret-123"]),
            "401: bad key <redacted> given"
        );
        assert_eq!(
            root_cause(
                "error sending request: client error (Connect): Connection refused (os error 111)"
            ),
            "Connection refused (os error 111)"
        );
        assert_eq!(secs(Duration::from_millis(500)), "0.5 s");
        assert_eq!(secs(Duration::from_secs(3)), "3 s");
    }
}
