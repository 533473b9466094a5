//! The translators of [`crate::translate`] behind the server's [`Translation`] hook: one value
//! per request and deployment, holding what the answer's translation needs from the request
//! (the client's model name, the Responses tool names, whether usage was asked for).

use std::sync::Mutex;

use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::Value;

use super::protocol::{StreamTransform, Translation};
use super::usage::Outcome;
use crate::translate::{self, Chain, Protocol, StreamTranslator, chat, messages, responses};

/// Which client protocol over which upstream protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Claude Code against an OpenAI-compatible upstream.
    MessagesOverChat,
    /// Codex against an OpenAI-compatible upstream without `/v1/responses`.
    ResponsesOverChat,
    /// An OpenAI client against Anthropic.
    ChatOverMessages,
    /// Codex against Anthropic (through Chat Completions, in both directions).
    ResponsesOverMessages,
}

impl Kind {
    fn client(self) -> Protocol {
        match self {
            Kind::MessagesOverChat => Protocol::Messages,
            Kind::ResponsesOverChat | Kind::ResponsesOverMessages => Protocol::Responses,
            Kind::ChatOverMessages => Protocol::Chat,
        }
    }
}

/// One request's translation.
pub struct Translate {
    kind: Kind,
    /// The model name the client asked for (echoed in answers).
    model: String,
    /// Set by `request`, read by `response` / `stream`.
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    tools: responses::ToolMap,
    include_usage: bool,
}

impl Translate {
    pub fn new(kind: Kind, model: impl Into<String>) -> Self {
        Translate {
            kind,
            model: model.into(),
            seen: Mutex::new(Seen::default()),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn translate_answer(&self, v: &Value) -> Result<Value, translate::Untranslatable> {
        match self.kind {
            Kind::MessagesOverChat => messages::response_from_chat(v, &self.model),
            Kind::ResponsesOverChat => responses::response_from_chat(
                v,
                &translate::new_id("resp_"),
                &self.model,
                &self.seen().tools,
            ),
            Kind::ChatOverMessages => chat::response_from_messages(v, &self.model),
            Kind::ResponsesOverMessages => responses::response_from_chat(
                &chat::response_from_messages(v, &self.model)?,
                &translate::new_id("resp_"),
                &self.model,
                &self.seen().tools,
            ),
        }
    }
}

impl Translation for Translate {
    fn upstream_path(&self) -> &'static str {
        match self.kind {
            Kind::MessagesOverChat | Kind::ResponsesOverChat => Protocol::Chat.path(),
            Kind::ChatOverMessages | Kind::ResponsesOverMessages => Protocol::Messages.path(),
        }
    }

    fn request(&self, body: Value) -> Result<Value, String> {
        Ok(match self.kind {
            Kind::MessagesOverChat => messages::request_to_chat(&body),
            Kind::ResponsesOverChat => {
                let r = responses::request_to_chat(&body);
                self.seen().tools = r.tools;
                r.body
            }
            Kind::ChatOverMessages => {
                self.seen().include_usage = body
                    .pointer("/stream_options/include_usage")
                    .and_then(Value::as_bool)
                    == Some(true);
                chat::request_to_messages(&body)
            }
            Kind::ResponsesOverMessages => {
                let r = responses::request_to_chat(&body);
                self.seen().tools = r.tools;
                chat::request_to_messages(&r.body)
            }
        })
    }

    fn response(&self, status: StatusCode, body: Bytes) -> (StatusCode, Bytes) {
        let client = self.kind.client();
        let bad_gateway = |message: &str| {
            let body = translate::error::error_body(client, 502, message);
            (StatusCode::BAD_GATEWAY, body)
        };
        let (status, answer) = if !status.is_success() {
            let (s, answer) = translate::error::from_upstream(client, status.as_u16(), &body);
            (
                StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_GATEWAY),
                answer,
            )
        } else {
            match serde_json::from_slice::<Value>(&body) {
                Ok(v) => match self.translate_answer(&v) {
                    Ok(answer) => (status, answer),
                    Err(e) => bad_gateway(&e.to_string()),
                },
                Err(_) => bad_gateway(&format!(
                    "the upstream answer is not JSON: {}",
                    translate::error::upstream_message(&body)
                )),
            }
        };
        (
            status,
            Bytes::from(serde_json::to_vec(&answer).unwrap_or_default()),
        )
    }

    fn stream(&self) -> Box<dyn StreamTransform> {
        let t: Box<dyn StreamTranslator> = match self.kind {
            Kind::MessagesOverChat => Box::new(messages::MessagesStream::new(
                translate::new_id("msg_"),
                self.model.clone(),
            )),
            Kind::ResponsesOverChat => Box::new(responses::ResponsesStream::new(
                translate::new_id("resp_"),
                self.model.clone(),
                self.seen().tools.clone(),
            )),
            Kind::ChatOverMessages => Box::new(chat::ChatStream::new(
                translate::new_id("chatcmpl-"),
                self.model.clone(),
                self.seen().include_usage,
            )),
            Kind::ResponsesOverMessages => Box::new(Chain::new(
                chat::ChatStream::new(translate::new_id("chatcmpl-"), self.model.clone(), true),
                responses::ResponsesStream::new(
                    translate::new_id("resp_"),
                    self.model.clone(),
                    self.seen().tools.clone(),
                ),
            )),
        };
        Box::new(Adapter(t))
    }
}

/// A [`StreamTranslator`] as the server's [`StreamTransform`].
struct Adapter(Box<dyn StreamTranslator>);

impl StreamTransform for Adapter {
    fn chunk(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.0.feed(input, out);
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        self.0.finish(out);
    }

    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        self.0.on_error(message, out);
    }

    fn keepalive(&mut self, out: &mut Vec<u8>) {
        self.0.keepalive(out);
    }

    fn outcome(&self) -> Option<Outcome> {
        match (self.0.is_closed(), self.0.failed()) {
            (false, _) => None,
            (true, false) => Some(Outcome::Ok),
            (true, true) => Some(Outcome::StreamError),
        }
    }
}
