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
use serde_json::Value;

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

    /// The protocol of the client's requests and answers.
    pub fn protocol(self) -> crate::translate::Protocol {
        use crate::translate::Protocol;
        match self {
            ClientApi::Chat => Protocol::Chat,
            ClientApi::Responses => Protocol::Responses,
            ClientApi::Messages | ClientApi::CountTokens => Protocol::Messages,
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
    /// `Some(Ok)` once the client stream has had its final event, `Some(StreamError)` once
    /// it ended with an error event; the client may hang up at that point.
    fn outcome(&self) -> Option<super::usage::Outcome>;
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
}
