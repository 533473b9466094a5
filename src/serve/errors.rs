//! Every error a client sees, shaped here in the client's own protocol: Anthropic Messages
//! (`{"type":"error","error":{type,message}}`), OpenAI Chat Completions and Responses
//! (`{"error":{message,type,param,code}}`), as a whole answer or as the error event that ends
//! a stream.
//!
//! Messages the gateway writes name the alias and the deployment (`gpt#0`), never the
//! upstream URL; an upstream's own error text is passed on with the deployment's URL, its
//! query and its key taken out ([`scrub`]). Error types per status come from
//! [`crate::translate::error`], which the translators use too, so a status gets one type
//! whichever path the error takes.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::config::Deployment;
use super::forward::ErrorAnswer;
use super::protocol::{ClientApi, Family};
use crate::translate::error as shapes;

/// An error the gateway answers itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientError {
    pub status: StatusCode,
    /// OpenAI's `code` (`model_not_found`, `circuit_open`, ...); Anthropic bodies have none.
    pub code: &'static str,
    pub message: String,
}

impl ClientError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ClientError {
            status,
            code,
            message: message.into(),
        }
    }

    /// The whole answer for an `api` client.
    pub fn response(&self, api: ClientApi) -> Response {
        (
            self.status,
            axum::Json(body(api, self.status, self.code, &self.message)),
        )
            .into_response()
    }

    /// The event that ends an `api` stream with this error, starting on a fresh line.
    pub fn stream_event(&self, api: ClientApi) -> Vec<u8> {
        let mut out = Vec::new();
        match api {
            ClientApi::Messages | ClientApi::CountTokens => {
                let v = body(api, self.status, self.code, &self.message);
                crate::translate::sse::write_event(&mut out, "error", &v);
            }
            ClientApi::Responses => {
                let v = json!({"type": "error", "code": self.code, "message": self.message, "param": null});
                crate::translate::sse::write_event(&mut out, "error", &v);
            }
            ClientApi::Chat => {
                let v = body(api, self.status, self.code, &self.message);
                crate::translate::sse::write_data(&mut out, &v);
            }
        }
        out
    }
}

/// An error body in `api`'s shape.
pub fn body(api: ClientApi, status: StatusCode, code: &str, message: &str) -> Value {
    let mut v = shapes::error_body(api.protocol(), status.as_u16(), message);
    if api.family() == Family::OpenAi {
        v["error"]["code"] = json!(code);
    }
    v
}

/// An error answer in `api`'s shape (shorthand for [`ClientError::response`]).
pub fn respond(api: ClientApi, status: StatusCode, code: &'static str, message: &str) -> Response {
    ClientError::new(status, code, message).response(api)
}

/// An upstream's error answer for an `api` client: passed on as it came (its body already
/// [`scrub`]bed when it was read, headers from the allowlist) when it already has the
/// client's shape, re-shaped with the same status otherwise (another protocol's error from a
/// translated request, an HTML page).
pub fn from_upstream(api: ClientApi, a: ErrorAnswer) -> Response {
    let mut out = if in_client_shape(api, &a.body) {
        let mut out = Response::new(Body::from(a.body));
        *out.status_mut() = a.status;
        out
    } else {
        let (status, body) = shapes::from_upstream(api.protocol(), a.status.as_u16(), &a.body);
        let mut out = axum::Json(body).into_response();
        *out.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        out
    };
    // The allowlisted headers only (`send` kept no others): request ids, `retry-after` and
    // rate limits reach the client whatever the body's shape.
    let mut headers = a.headers;
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    *out.headers_mut() = headers;
    out
}

/// Whether an error body already has the shape `api`'s clients parse.
fn in_client_shape(api: ClientApi, body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let anthropic = v.get("type").and_then(Value::as_str) == Some("error");
    let has_message = v.pointer("/error/message").is_some_and(Value::is_string);
    has_message && anthropic == (api.family() == Family::Anthropic)
}

/// What stands in for a deployment's address in text a client sees.
pub const HIDDEN: &str = "<upstream>";

/// `text` without the deployment's base URL, the query of that URL, its host and its key:
/// upstream error pages and transport errors echo them, and they are the gateway operator's
/// business (internal host names, `?api-key=...`), not the client's.
pub fn scrub(text: &str, dep: &Deployment) -> String {
    let mut secrets: Vec<&str> = vec![dep.base.as_str()];
    if let Some((_, query)) = dep.base.split_once('?') {
        secrets.push(query);
    }
    if let Some(k) = dep.api_key.as_deref() {
        secrets.push(k);
    }
    let host = host_of(&dep.base);
    if let Some(h) = host.filter(|h| h.len() >= 4) {
        secrets.push(h);
    }
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for s in secrets {
        if out.contains(s) {
            out = out.replace(s, HIDDEN);
        }
    }
    out
}

/// The host (and port) of a URL, without parsing more than needed.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.is_empty()).then_some(host)
}

/// The answer to a connection over `--max-connections` when no idle one can make room. Its
/// body has the Anthropic shape, which both families' SDKs read (`error.message`): the
/// request's protocol is not looked at.
pub fn too_many_connections() -> Response {
    let mut r = ClientError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "too_many_connections",
        "the gateway has too many connections open (fgc serve --max-connections); retry shortly",
    )
    .response(ClientApi::Messages);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(base: &str, key: Option<&str>) -> Deployment {
        Deployment {
            id: "gpt#0".into(),
            alias: "gpt".into(),
            api: super::super::protocol::UpstreamApi::OpenAi,
            upstream_model: "m".into(),
            base: base.into(),
            api_key: key.map(str::to_string),
            timeout: std::time::Duration::from_secs(1),
            stream_timeout: std::time::Duration::from_secs(1),
            responses_api: false,
            num_retries: None,
            cooldown_time: None,
        }
    }

    #[test]
    fn scrubs_urls_queries_hosts_and_keys() {
        let d = dep(
            "https://llm.internal.corp:8443/v1?api-key=K123456",
            Some("sk-up-abc123"),
        );
        let t = scrub(
            "POST https://llm.internal.corp:8443/v1?api-key=K123456/chat/completions failed; host llm.internal.corp:8443 said api-key=K123456, key sk-up-abc123",
            &d,
        );
        assert!(
            !t.contains("internal") && !t.contains("K123456") && !t.contains("sk-up"),
            "{t}"
        );
        assert_eq!(host_of("http://user:pw@h:1/x"), Some("h:1"));
    }

    #[test]
    fn shapes() {
        let e = ClientError::new(StatusCode::BAD_GATEWAY, "upstream_error", "boom");
        let a = body(ClientApi::Messages, e.status, e.code, &e.message);
        assert_eq!(a["error"]["type"], "api_error");
        let o = body(
            ClientApi::Chat,
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "no",
        );
        assert_eq!(o["error"]["type"], "authentication_error");
        assert_eq!(o["error"]["code"], "invalid_api_key");
        for api in [ClientApi::Messages, ClientApi::Responses, ClientApi::Chat] {
            let ev = e.stream_event(api);
            assert!(ev.ends_with(b"\n\n"));
            assert!(!ev.starts_with(b"\n"));
        }
    }
}
