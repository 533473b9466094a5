//! Typed views of the upstream stream payloads the translators read, and small JSON helpers.
//!
//! Only the fields a translator needs are declared; everything else in a chunk is skipped by
//! serde without being materialised, which keeps per-chunk work small.

use serde::Deserialize;
use serde_json::{Map, Value};

/// One Chat Completions stream chunk (`chat.completion.chunk`).
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ChatChunk {
    #[serde(default)]
    pub choices: Option<Vec<ChunkChoice>>,
    #[serde(default)]
    pub usage: Option<ChatUsage>,
    /// Some servers report a failure inside the stream as `data: {"error": {...}}`.
    #[serde(default)]
    pub error: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ChunkChoice {
    #[serde(default)]
    pub index: Option<u64>,
    #[serde(default)]
    pub delta: Option<ChunkDelta>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ChunkDelta {
    #[serde(default)]
    pub content: Option<String>,
    /// DeepSeek, Qwen, vLLM and CLIProxyAPI name it `reasoning_content`.
    #[serde(default)]
    pub reasoning_content: Option<String>,
    /// OpenRouter and newer vLLM name it `reasoning`.
    #[serde(default)]
    pub reasoning: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
    #[serde(default)]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
}

impl ChunkDelta {
    pub fn reasoning(&self) -> Option<&str> {
        self.reasoning_content
            .as_deref()
            .or(self.reasoning.as_deref())
            .filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ToolCallDelta {
    #[serde(default)]
    pub index: Option<usize>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub function: Option<FunctionDelta>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct FunctionDelta {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub arguments: Option<String>,
}

/// Chat Completions `usage`, with the cached-token fields of the providers we meet.
#[derive(Debug, Deserialize, Default, Clone, PartialEq)]
pub(crate) struct ChatUsage {
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    #[serde(default)]
    pub prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    pub completion_tokens_details: Option<CompletionDetails>,
    /// DeepSeek reports cache hits here instead of `prompt_tokens_details.cached_tokens`.
    #[serde(default)]
    pub prompt_cache_hit_tokens: Option<u64>,
}

#[derive(Debug, Deserialize, Default, Clone, PartialEq)]
pub(crate) struct PromptDetails {
    #[serde(default)]
    pub cached_tokens: Option<u64>,
}

#[derive(Debug, Deserialize, Default, Clone, PartialEq)]
pub(crate) struct CompletionDetails {
    #[serde(default)]
    pub reasoning_tokens: Option<u64>,
}

impl ChatUsage {
    pub fn from_value(v: Option<&Value>) -> Option<ChatUsage> {
        v.and_then(|v| serde_json::from_value(v.clone()).ok())
    }
    /// Prompt tokens including cached ones (OpenAI semantics).
    pub fn prompt(&self) -> u64 {
        self.prompt_tokens.unwrap_or(0)
    }
    pub fn completion(&self) -> u64 {
        self.completion_tokens.unwrap_or(0)
    }
    pub fn cached(&self) -> u64 {
        self.prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .or(self.prompt_cache_hit_tokens)
            .unwrap_or(0)
            .min(self.prompt())
    }
    pub fn reasoning(&self) -> u64 {
        self.completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens)
            .unwrap_or(0)
    }
    /// Anthropic `usage`: `input_tokens` excludes the cached part, which goes to
    /// `cache_read_input_tokens`.
    pub fn to_anthropic(&self) -> Value {
        serde_json::json!({
            "input_tokens": self.prompt() - self.cached(),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": self.cached(),
            "output_tokens": self.completion(),
        })
    }
    /// Responses `usage` (`input_tokens` includes the cached part, as OpenAI reports it).
    pub fn to_responses(&self) -> Value {
        serde_json::json!({
            "input_tokens": self.prompt(),
            "input_tokens_details": {"cached_tokens": self.cached()},
            "output_tokens": self.completion(),
            "output_tokens_details": {"reasoning_tokens": self.reasoning()},
            "total_tokens": self.prompt() + self.completion(),
        })
    }
}

/// Chat `finish_reason` -> Anthropic `stop_reason`. Tool calls win over a `stop` some servers
/// send with them.
pub(crate) fn anthropic_stop_reason(finish: Option<&str>, had_tool_calls: bool) -> &'static str {
    match finish {
        Some("length") => "max_tokens",
        Some("content_filter") => "refusal",
        _ if had_tool_calls => "tool_use",
        Some("tool_calls" | "function_call") => "tool_use",
        _ => "end_turn",
    }
}

/// The text of a `content` that is a string or an array of parts with `text`.
pub(crate) fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => {
            let mut out = String::new();
            for p in parts {
                let t = match p {
                    Value::String(s) => Some(s.as_str()),
                    _ => p.get("text").and_then(Value::as_str),
                };
                if let Some(t) = t {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(t);
                }
            }
            out
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Copy `key` from `from` to `to` (as `to_key`) when present and not null.
pub(crate) fn copy(
    from: &Map<String, Value>,
    key: &str,
    to: &mut Map<String, Value>,
    to_key: &str,
) {
    if let Some(v) = from.get(key).filter(|v| !v.is_null()) {
        to.insert(to_key.to_string(), v.clone());
    }
}

/// Parse tool-call arguments into a JSON object for Anthropic `input`: invalid or non-object
/// JSON is kept under `"arguments"` so nothing is lost and the tool reports the problem.
pub(crate) fn arguments_object(args: &str) -> Value {
    if args.trim().is_empty() {
        return Value::Object(Map::new());
    }
    match serde_json::from_str::<Value>(args) {
        Ok(v @ Value::Object(_)) => v,
        _ => serde_json::json!({ "arguments": args }),
    }
}

/// `data:` URL -> (media type, base64 payload).
pub(crate) fn split_data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let media = meta.strip_suffix(";base64")?;
    Some((media, data))
}

/// Join adjacent `system` chat messages into one: several chat templates (Qwen, Llama, ...)
/// accept a single system message only, and nothing is lost by joining.
pub(crate) fn merge_system(messages: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(messages.len());
    for m in messages {
        let is_system = |v: &Value| v.get("role").and_then(Value::as_str) == Some("system");
        if is_system(&m)
            && let Some(prev) = out.last_mut().filter(|p| is_system(p))
        {
            let joined = format!(
                "{}\n\n{}",
                prev.get("content").and_then(Value::as_str).unwrap_or(""),
                m.get("content").and_then(Value::as_str).unwrap_or("")
            );
            prev["content"] = Value::String(joined);
            continue;
        }
        out.push(m);
    }
    out
}

/// One `data:` payload of a Chat Completions stream, decoded.
pub(crate) enum ChunkEvent {
    /// `[DONE]`.
    Done,
    Chunk(ChatChunk),
    /// Unreadable JSON or an `{"error": ...}` chunk: the message to end the client stream with.
    Failed(String),
}

/// Decode a Chat Completions stream payload; shared by the translators that read chat streams.
pub(crate) fn decode_chat_chunk(data: &[u8]) -> ChunkEvent {
    if data.trim_ascii() == b"[DONE]" {
        return ChunkEvent::Done;
    }
    let chunk: ChatChunk = match serde_json::from_slice(data) {
        Ok(c) => c,
        Err(e) => {
            return ChunkEvent::Failed(format!("upstream sent an unreadable stream chunk: {e}"));
        }
    };
    if let Some(err) = &chunk.error {
        let msg = err
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| err.to_string());
        return ChunkEvent::Failed(msg);
    }
    ChunkEvent::Chunk(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stop_reasons_from_finish_reasons() {
        assert_eq!(anthropic_stop_reason(Some("length"), false), "max_tokens");
        assert_eq!(anthropic_stop_reason(Some("length"), true), "max_tokens");
        assert_eq!(
            anthropic_stop_reason(Some("content_filter"), false),
            "refusal"
        );
        assert_eq!(
            anthropic_stop_reason(Some("content_filter"), true),
            "refusal"
        );
        // Tool calls win over a `stop` some servers send with them.
        assert_eq!(anthropic_stop_reason(Some("stop"), true), "tool_use");
        assert_eq!(anthropic_stop_reason(Some("tool_calls"), false), "tool_use");
        assert_eq!(
            anthropic_stop_reason(Some("function_call"), false),
            "tool_use"
        );
        assert_eq!(anthropic_stop_reason(Some("stop"), false), "end_turn");
        assert_eq!(anthropic_stop_reason(None, false), "end_turn");
    }

    #[test]
    fn text_of_every_content_shape() {
        assert_eq!(text_of(&json!("plain")), "plain");
        assert_eq!(text_of(&Value::Null), "");
        assert_eq!(
            text_of(&json!(["a", {"type": "text", "text": "b"}, {"type": "image"}, "c"])),
            "a\nb\nc"
        );
        assert_eq!(text_of(&json!(42)), "42");
    }
}
