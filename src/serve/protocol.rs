//! The wire protocols: what a client speaks, what an upstream speaks, and the one place that
//! decides how a request crosses between them ([`plan`]).
//!
//! Same protocol: passthrough. Different protocols: a [`Translation`] from
//! [`super::translation`] (Anthropic Messages and OpenAI Responses clients over Chat
//! Completions upstreams, Chat Completions and Responses clients over Anthropic upstreams).
//! `count_tokens` for an alias without an Anthropic upstream is answered locally (see
//! [`super::http`]).

use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::{Value, json};

use super::config::Deployment;
use super::translation::{Kind, Translate};

/// The API a client called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientApi {
    /// `POST /v1/chat/completions`
    Chat,
    /// `POST /v1/responses`
    Responses,
    /// `POST /v1/messages`
    Messages,
    /// `POST /v1/messages/count_tokens`
    CountTokens,
}

impl ClientApi {
    /// The family of error shapes this client understands.
    pub fn family(self) -> Family {
        match self {
            ClientApi::Chat | ClientApi::Responses => Family::OpenAi,
            ClientApi::Messages | ClientApi::CountTokens => Family::Anthropic,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ClientApi::Chat => "OpenAI Chat Completions",
            ClientApi::Responses => "OpenAI Responses",
            ClientApi::Messages => "Anthropic Messages",
            ClientApi::CountTokens => "Anthropic count_tokens",
        }
    }
}

/// OpenAI-shaped or Anthropic-shaped errors and stream events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    OpenAi,
    Anthropic,
}

pub use crate::model::upstream::UpstreamApi;

/// How a request reaches one deployment.
pub enum Plan {
    /// Same protocol: forward the body (model replaced) to `path` under the upstream base.
    Passthrough { path: &'static str },
    /// Different protocols, with a translator.
    Translate(Box<dyn Translation>),
    /// This pairing cannot be served (`count_tokens` on an OpenAI upstream: counted locally).
    Unsupported,
}

/// The decision point: how a `client` request is served by deployment `dep`. `client_model`
/// is the model name the client asked for (translated answers echo it).
pub fn plan(client: ClientApi, dep: &Deployment, client_model: &str) -> Plan {
    use ClientApi as C;
    use UpstreamApi as U;
    let translate = |kind| Plan::Translate(Box::new(Translate::new(kind, client_model)));
    match (client, dep.api) {
        (C::Chat, U::OpenAi) => Plan::Passthrough {
            path: "/chat/completions",
        },
        (C::Responses, U::OpenAi) if dep.responses_api => Plan::Passthrough { path: "/responses" },
        (C::Responses, U::OpenAi) => translate(Kind::ResponsesOverChat),
        (C::Messages, U::OpenAi) => translate(Kind::MessagesOverChat),
        (C::CountTokens, U::OpenAi) => Plan::Unsupported,
        (C::Messages, U::Anthropic) => Plan::Passthrough { path: "/messages" },
        (C::CountTokens, U::Anthropic) => Plan::Passthrough {
            path: "/messages/count_tokens",
        },
        (C::Chat, U::Anthropic) => translate(Kind::ChatOverMessages),
        (C::Responses, U::Anthropic) => translate(Kind::ResponsesOverMessages),
    }
}

/// Whether `client` can be served by an `upstream` deployment at all.
pub fn can_serve(client: ClientApi, upstream: UpstreamApi) -> bool {
    !(client == ClientApi::CountTokens && upstream == UpstreamApi::OpenAi)
}

/// A translation between a client protocol and an upstream protocol (implemented by issue 6).
pub trait Translation: Send + Sync {
    /// The path under the upstream base the translated request goes to.
    fn upstream_path(&self) -> &'static str;
    /// The upstream request body from the client's (model already replaced).
    fn request(&self, body: Value) -> Result<Value, String>;
    /// A whole (non-streaming) upstream answer turned into the client's, with the status to
    /// answer with (502 when the answer cannot be translated).
    fn response(&self, status: StatusCode, body: Bytes) -> (StatusCode, Bytes);
    /// A fresh per-request stream transformer.
    fn stream(&self) -> Box<dyn StreamTransform>;
}

/// Turns upstream stream bytes into client stream bytes, chunk by chunk.
pub trait StreamTransform: Send {
    /// Upstream bytes in; client bytes appended to `out` (may be none yet).
    fn chunk(&mut self, input: &[u8], out: &mut Vec<u8>);
    /// The upstream ended cleanly.
    fn finish(&mut self, out: &mut Vec<u8>);
    /// The upstream failed mid-stream: close the client stream with an error.
    fn fail(&mut self, message: &str, out: &mut Vec<u8>);
    /// The upstream has been silent for a while: a keep-alive in the client's protocol
    /// (Anthropic `ping`, an SSE comment otherwise).
    fn keepalive(&mut self, out: &mut Vec<u8>);
    /// `Some("ok")` once the client stream has had its final event, `Some("stream_error")`
    /// once it ended with an error event; the client may hang up at that point.
    fn outcome(&self) -> Option<&'static str>;
}

/// The error type names each family uses for a status.
fn error_type(family: Family, status: StatusCode) -> &'static str {
    match (family, status.as_u16()) {
        (Family::Anthropic, 400 | 413) => "invalid_request_error",
        (Family::Anthropic, 401) => "authentication_error",
        (Family::Anthropic, 403) => "permission_error",
        (Family::Anthropic, 404) => "not_found_error",
        (Family::Anthropic, 429) => "rate_limit_error",
        (Family::Anthropic, 529 | 503) => "overloaded_error",
        (Family::Anthropic, _) => "api_error",
        (Family::OpenAi, 400 | 404 | 413) => "invalid_request_error",
        (Family::OpenAi, 401) => "authentication_error",
        (Family::OpenAi, 403) => "permission_error",
        (Family::OpenAi, 429) => "rate_limit_error",
        (Family::OpenAi, _) => "api_error",
    }
}

/// An error body in the client's shape: OpenAI `{"error":{message,type,code}}`, Anthropic
/// `{"type":"error","error":{type,message}}`.
pub fn error_body(family: Family, status: StatusCode, code: &str, message: &str) -> Value {
    let ty = error_type(family, status);
    match family {
        Family::OpenAi => {
            json!({"error": {"message": message, "type": ty, "param": null, "code": code}})
        }
        Family::Anthropic => json!({"type": "error", "error": {"type": ty, "message": message}}),
    }
}

/// An in-stream error event in the client's protocol, for failures after the first byte.
pub fn stream_error_event(client: ClientApi, message: &str) -> Vec<u8> {
    let body = match client {
        ClientApi::Messages | ClientApi::CountTokens => {
            let v = error_body(
                Family::Anthropic,
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                message,
            );
            format!("event: error\ndata: {v}\n\n")
        }
        ClientApi::Responses => {
            let v = json!({"type": "error", "code": "upstream_error", "message": message, "param": null});
            format!("event: error\ndata: {v}\n\n")
        }
        ClientApi::Chat => {
            let v = error_body(
                Family::OpenAi,
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                message,
            );
            format!("data: {v}\n\n")
        }
    };
    body.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(
            UpstreamApi::split("openai/gpt-5.2"),
            Some((UpstreamApi::OpenAi, "gpt-5.2"))
        );
        assert_eq!(
            UpstreamApi::split("anthropic/claude-sonnet-4-5"),
            Some((UpstreamApi::Anthropic, "claude-sonnet-4-5"))
        );
        assert_eq!(
            UpstreamApi::split("openai/org/model"),
            Some((UpstreamApi::OpenAi, "org/model"))
        );
        assert_eq!(UpstreamApi::split("gemini/x"), None);
        assert_eq!(UpstreamApi::split("gpt-5"), None);
    }

    #[test]
    fn every_pair_is_served_except_count_tokens_on_openai() {
        for client in [ClientApi::Chat, ClientApi::Responses, ClientApi::Messages] {
            for upstream in [UpstreamApi::OpenAi, UpstreamApi::Anthropic] {
                assert!(can_serve(client, upstream), "{client:?} {upstream:?}");
            }
        }
        assert!(can_serve(ClientApi::CountTokens, UpstreamApi::Anthropic));
        assert!(!can_serve(ClientApi::CountTokens, UpstreamApi::OpenAi));
    }

    #[test]
    fn error_shapes() {
        let o = error_body(
            Family::OpenAi,
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "no",
        );
        assert_eq!(o["error"]["type"], "authentication_error");
        assert_eq!(o["error"]["code"], "invalid_api_key");
        let a = error_body(
            Family::Anthropic,
            StatusCode::NOT_FOUND,
            "model_not_found",
            "no",
        );
        assert_eq!(a["type"], "error");
        assert_eq!(a["error"]["type"], "not_found_error");
    }
}
