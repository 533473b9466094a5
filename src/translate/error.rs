//! Errors in the client's shape.
//!
//! An upstream error body (OpenAI `{"error": {"message", "type", "code"}}` or Anthropic
//! `{"type": "error", "error": {"type", "message"}}`, or plain text) is reduced to its message
//! and re-shaped for the client. The status is kept when it is an error status; anything else
//! (a 2xx body that is not what was expected, a redirect) becomes 502.

use serde_json::{Value, json};

use super::Protocol;

/// The message of an upstream error body of any shape (plain text bodies are truncated).
pub fn upstream_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let err = v.get("error").unwrap_or(&v);
        if let Some(m) = err.get("message").and_then(Value::as_str) {
            return m.to_string();
        }
        if let Some(m) = err.as_str() {
            return m.to_string();
        }
        if let Some(m) = v.get("detail").and_then(Value::as_str) {
            return m.to_string();
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "upstream returned an error without a body".into();
    }
    let mut end = text.len().min(500);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The status to answer with for an upstream status.
pub fn client_status(client: Protocol, upstream: u16) -> u16 {
    match upstream {
        // 529 is Anthropic's "overloaded"; OpenAI clients know 503.
        529 if client != Protocol::Messages => 503,
        400..=599 => upstream,
        _ => 502,
    }
}

/// An error body in `client`'s shape for `status` and `message`.
pub fn error_body(client: Protocol, status: u16, message: &str) -> Value {
    match client {
        Protocol::Messages => json!({
            "type": "error",
            "error": {"type": anthropic_type(status), "message": message},
        }),
        Protocol::Chat | Protocol::Responses => json!({
            "error": {
                "message": message,
                "type": openai_type(status),
                "param": null,
                "code": openai_code(status),
            }
        }),
    }
}

/// Re-shape an upstream error response: (status, body) for `client`.
pub fn from_upstream(client: Protocol, status: u16, body: &[u8]) -> (u16, Value) {
    let status = client_status(client, status);
    (status, error_body(client, status, &upstream_message(body)))
}

fn anthropic_type(status: u16) -> &'static str {
    match status {
        400 | 422 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 | 529 => "overloaded_error",
        504 => "timeout_error",
        _ => "api_error",
    }
}

fn openai_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        400..=499 => "invalid_request_error",
        _ => "server_error",
    }
}

fn openai_code(status: u16) -> Value {
    match status {
        401 => json!("invalid_api_key"),
        404 => json!("model_not_found"),
        429 => json!("rate_limit_exceeded"),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_every_shape() {
        assert_eq!(
            upstream_message(br#"{"error":{"message":"bad key","type":"x"}}"#),
            "bad key"
        );
        assert_eq!(
            upstream_message(
                br#"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#
            ),
            "busy"
        );
        assert_eq!(
            upstream_message(b"<html>502 Bad Gateway</html>"),
            "<html>502 Bad Gateway</html>"
        );
        assert_eq!(
            upstream_message(b""),
            "upstream returned an error without a body"
        );
        assert_eq!(upstream_message(br#"{"detail":"nope"}"#), "nope");
    }

    #[test]
    fn shapes_and_statuses() {
        let (s, b) = from_upstream(
            Protocol::Messages,
            429,
            br#"{"error":{"message":"slow down"}}"#,
        );
        assert_eq!(s, 429);
        assert_eq!(
            b,
            json!({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})
        );
        let (s, b) = from_upstream(
            Protocol::Chat,
            529,
            br#"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#,
        );
        assert_eq!(s, 503);
        assert_eq!(b["error"]["message"], "busy");
        assert_eq!(b["error"]["type"], "server_error");
        assert_eq!(client_status(Protocol::Responses, 200), 502);
        assert_eq!(client_status(Protocol::Messages, 529), 529);
    }
}
