//! Protocol translation between the three wire protocols `fgc serve` speaks: Anthropic Messages,
//! OpenAI Responses and OpenAI Chat Completions.
//!
//! Pure functions and state machines over `serde_json::Value` and bytes; no HTTP in here. The
//! server decides *whether* to translate (client protocol != upstream protocol) and calls:
//!
//! | client    | upstream | request                        | response                          | stream                  |
//! |-----------|----------|--------------------------------|-----------------------------------|-------------------------|
//! | Messages  | Chat     | [`messages::request_to_chat`]  | [`messages::response_from_chat`]  | [`messages::MessagesStream`] |
//! | Responses | Chat     | [`responses::request_to_chat`] | [`responses::response_from_chat`] | [`responses::ResponsesStream`] |
//! | Chat      | Messages | [`chat::request_to_messages`]  | [`chat::response_from_messages`]  | [`chat::ChatStream`]    |
//! | Responses | Messages | both request steps, in turn    | both response steps, in turn      | [`Chain`] of both streams |
//!
//! Every stream translator implements [`StreamTranslator`]: feed it upstream bytes as they
//! arrive (split anywhere), and it appends complete client SSE events to an output buffer.
//! [`StreamTranslator::finish`] and [`StreamTranslator::on_error`] always close the client stream
//! in a way its client understands (a terminal event), so the server never leaves a client
//! hanging. Per-chunk work parses only the new `data:` payload; nothing is re-parsed.
//!
//! A tool call reaches the client only with a name: argument fragments that come before the
//! name are held until it arrives, a missing id is made up, and a call that never gets a name
//! ends the stream in an error ([`Untranslatable`]; docs/serve.md, "Tool calls without an id or
//! a name").
//!
//! Local token counting for `count_tokens` lives in [`count`]; upstream errors are reshaped by
//! [`error`].

pub mod chat;
pub mod count;
pub mod error;
pub mod messages;
pub mod responses;
pub mod sse;
mod wire;

/// The three wire protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Anthropic Messages (`POST /v1/messages`).
    Messages,
    /// OpenAI Responses (`POST /v1/responses`).
    Responses,
    /// OpenAI Chat Completions (`POST /v1/chat/completions`).
    Chat,
}

impl Protocol {
    /// The upstream path for this protocol, relative to an `api_base` that ends in `/v1`.
    pub fn path(self) -> &'static str {
        match self {
            Protocol::Messages => "/messages",
            Protocol::Responses => "/responses",
            Protocol::Chat => "/chat/completions",
        }
    }
}

/// A streaming translator from upstream SSE bytes to client SSE bytes.
pub trait StreamTranslator: Send {
    /// Feed raw upstream bytes (any split); complete client events are appended to `out`.
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>);
    /// The upstream body ended. Appends whatever closes the client stream: the final events of
    /// a complete response, or an error event when the upstream stream was cut short. Idempotent.
    fn finish(&mut self, out: &mut Vec<u8>);
    /// The upstream failed (connection reset, timeout, ...). Appends the client's error event
    /// unless the stream is already closed. Idempotent.
    fn on_error(&mut self, message: &str, out: &mut Vec<u8>);
    /// A keep-alive while the upstream is silent (Anthropic `ping`, an SSE comment otherwise).
    /// Never breaks the event order: it may first emit the stream's opening event.
    fn keepalive(&mut self, out: &mut Vec<u8>);
    /// True once a terminal event (normal end or error) has been written.
    fn is_closed(&self) -> bool;
    /// True once the stream was closed by an error event.
    fn failed(&self) -> bool;
}

/// An upstream answer that has no faithful translation. The client gets an error in its own
/// shape (an error event in a stream, a 502 otherwise) instead of an answer it would reject or
/// misread.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untranslatable {
    /// A tool call that never got a function name: no client can run a tool called `""`.
    #[error(
        "the upstream sent a tool call without a function name (tool call {index}); it cannot be passed on"
    )]
    NamelessToolCall {
        /// The call's index in the upstream answer (chat `tool_calls[].index`, or the Anthropic
        /// content block index).
        index: usize,
    },
}

/// A fresh id with `prefix` (`msg_`, `resp_`, `chatcmpl-`, ...): 24 random alphanumerics.
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::with_capacity(prefix.len() + 24);
    s.push_str(prefix);
    for _ in 0..24 {
        s.push(ALPHABET[rand::random_range(0..ALPHABET.len())] as char);
    }
    s
}

/// The id of the `n`th item inside response `base` (`msg_`, `fc_`, `rs_` ...): deterministic given
/// the response id, so golden snapshots are stable, and unique within the response.
pub(crate) fn item_id(prefix: &str, base: &str, n: usize) -> String {
    let tail = base.rsplit(['_', '-']).next().unwrap_or(base);
    format!("{prefix}{tail}_{n}")
}

/// Seconds since the Unix epoch (for `created` / `created_at`).
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Two translators in a row (an upstream protocol to an intermediate one to the client's):
/// Responses clients over Anthropic upstreams go Messages -> Chat -> Responses.
pub struct Chain<A, B> {
    first: A,
    second: B,
    buf: Vec<u8>,
}

impl<A: StreamTranslator, B: StreamTranslator> Chain<A, B> {
    /// `first` reads the upstream, `second` writes the client stream.
    pub fn new(first: A, second: B) -> Self {
        Chain {
            first,
            second,
            buf: Vec::new(),
        }
    }
}

impl<A: StreamTranslator, B: StreamTranslator> StreamTranslator for Chain<A, B> {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        self.first.feed(bytes, &mut self.buf);
        self.second.feed(&self.buf, out);
        self.buf.clear();
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        self.first.finish(&mut self.buf);
        self.second.feed(&self.buf, out);
        self.buf.clear();
        self.second.finish(out);
    }

    fn on_error(&mut self, message: &str, out: &mut Vec<u8>) {
        self.second.on_error(message, out);
    }

    fn keepalive(&mut self, out: &mut Vec<u8>) {
        self.second.keepalive(out);
    }

    fn is_closed(&self) -> bool {
        self.second.is_closed()
    }

    fn failed(&self) -> bool {
        self.second.failed()
    }
}
