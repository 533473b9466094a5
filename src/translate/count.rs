//! Local token counts: `count_tokens` for upstreams that have no such endpoint, and the
//! exact side of scenario routing's long-context rule (all three client protocols).
//!
//! An **estimate**: the text of the request is tokenised with OpenAI's `cl100k_base` BPE (bundled
//! in `tiktoken-rs`, no network), which is not the tokenizer of every upstream model: models with
//! other tokenizers count the same text differently. Counted: the system prompt, every message's
//! text, tool calls (name and input JSON), tool results, thinking text, and the tool
//! definitions (name, description, input schema JSON), plus a few tokens of framing per message
//! and per tool as chat templates add. An image counts a flat 1,600 tokens (the size of a
//! roughly one-megapixel image for Claude), a base64 PDF one page of 1,500 tokens per 50 kB.
//! The answer is never 0.

use serde_json::Value;
use tiktoken_rs::CoreBPE;

use super::Protocol;

/// Tokens per image (no decoding of the image to learn its size).
pub const IMAGE_TOKENS: u64 = 1_600;
/// Framing tokens per message (role markers of a chat template).
const PER_MESSAGE: u64 = 3;
/// Framing tokens per tool definition.
const PER_TOOL: u64 = 8;

fn bpe() -> &'static CoreBPE {
    tiktoken_rs::cl100k_base_singleton()
}

/// Load the tokenizer now (about 100 ms on first use) so the first request does not pay it.
pub fn warm_up() {
    let _ = bpe();
}

fn tokens(text: &str) -> u64 {
    if text.is_empty() {
        0
    } else {
        bpe().encode_ordinary(text).len() as u64
    }
}

/// How one top-level field of a request counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The field counts as a whole (`system`, `instructions`, the tool list).
    Whole,
    /// An array whose elements count one by one (`messages`, `input`): a conversation that
    /// grows by appending, so a cache can keep the count of each element.
    Each,
}

/// The fields of a `protocol` request that hold counted text, and how each counts.
pub fn fields(protocol: Protocol) -> &'static [(&'static str, Field)] {
    match protocol {
        Protocol::Messages => &[
            ("system", Field::Whole),
            ("messages", Field::Each),
            ("tools", Field::Whole),
        ],
        Protocol::Chat => &[("messages", Field::Each), ("tools", Field::Whole)],
        Protocol::Responses => &[
            ("instructions", Field::Whole),
            ("input", Field::Each),
            ("tools", Field::Whole),
        ],
    }
}

/// The fixed framing every request counts once.
pub const BASE: u64 = 3;

/// The tokens of field `key` of a `protocol` request, counted whole: for an [`Field::Each`]
/// field that is not an array (a Responses `input` string), the value itself.
pub fn count_field(protocol: Protocol, key: &str, v: &Value) -> u64 {
    match (protocol, key) {
        (Protocol::Messages, "system") => PER_MESSAGE + content_tokens(v),
        (Protocol::Responses, "instructions") => v.as_str().map_or(0, |s| PER_MESSAGE + tokens(s)),
        (Protocol::Messages, "tools") => array_items(v).map(anthropic_tool_tokens).sum(),
        (Protocol::Chat, "tools") => array_items(v)
            .map(|t| PER_TOOL + function_tokens(t.get("function").unwrap_or(t)))
            .sum(),
        (Protocol::Responses, "tools") => {
            array_items(v).map(|t| PER_TOOL + function_tokens(t)).sum()
        }
        (_, "messages" | "input") => match v {
            Value::String(s) => PER_MESSAGE + tokens(s),
            _ => array_items(v)
                .map(|e| count_element(protocol, key, e))
                .sum(),
        },
        _ => 0,
    }
}

/// The tokens of one element of an [`Field::Each`] field (a message, an input item).
pub fn count_element(protocol: Protocol, _key: &str, e: &Value) -> u64 {
    match protocol {
        Protocol::Messages => PER_MESSAGE + e.get("content").map(content_tokens).unwrap_or(0),
        Protocol::Chat => {
            let mut n = PER_MESSAGE + e.get("content").map(openai_content_tokens).unwrap_or(0);
            for call in array_items(e.get("tool_calls").unwrap_or(&Value::Null)) {
                let f = call.get("function");
                n += tokens(str_at(f, "name")) + tokens(str_at(f, "arguments"));
            }
            n
        }
        Protocol::Responses => {
            let kind = e.get("type").and_then(Value::as_str).unwrap_or("message");
            PER_MESSAGE
                + match kind {
                    "message" => e.get("content").map(openai_content_tokens).unwrap_or(0),
                    "function_call" => {
                        tokens(str_at(Some(e), "name")) + tokens(str_at(Some(e), "arguments"))
                    }
                    "custom_tool_call" => {
                        tokens(str_at(Some(e), "name")) + tokens(str_at(Some(e), "input"))
                    }
                    "function_call_output" | "custom_tool_call_output" => {
                        e.get("output").map(openai_content_tokens).unwrap_or(0)
                    }
                    "reasoning" => e.get("summary").map(openai_content_tokens).unwrap_or(0),
                    _ => 0,
                }
        }
    }
}

/// The input tokens of a whole `protocol` request: [`BASE`] plus every counted field.
pub fn count_request(protocol: Protocol, req: &Value) -> u64 {
    let mut n = BASE;
    for (key, _) in fields(protocol) {
        if let Some(v) = req.get(*key) {
            n += count_field(protocol, key, v);
        }
    }
    n.max(1)
}

/// Estimate the input tokens of an Anthropic Messages (or `count_tokens`) request body.
pub fn count_messages_request(req: &Value) -> u64 {
    count_request(Protocol::Messages, req)
}

/// Estimate the input tokens of an OpenAI Chat Completions request body: every message's
/// text parts, tool calls (name and arguments) and the function tools, counted as
/// [`count_messages_request`] counts their Anthropic equivalents.
pub fn count_chat_request(req: &Value) -> u64 {
    count_request(Protocol::Chat, req)
}

/// Estimate the input tokens of an OpenAI Responses request body: `instructions`, the
/// `input` items (messages, function and custom tool calls and their outputs) and the tools
/// with a definition.
pub fn count_responses_request(req: &Value) -> u64 {
    count_request(Protocol::Responses, req)
}

fn array_items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

fn anthropic_tool_tokens(t: &Value) -> u64 {
    let mut n = PER_TOOL;
    for key in ["name", "description"] {
        if let Some(s) = t.get(key).and_then(Value::as_str) {
            n += tokens(s);
        }
    }
    if let Some(schema) = t.get("input_schema") {
        n += tokens(&schema.to_string());
    }
    n
}

/// Tokens of a base64 document of `len` base64 bytes: one page of 1,500 tokens per 50 kB.
pub fn document_tokens(len: u64) -> u64 {
    (len * 3 / 4 / 50_000 + 1) * 1_500
}

fn str_at<'a>(v: Option<&'a Value>, key: &str) -> &'a str {
    v.and_then(|v| v.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A function definition: name, description and the parameter schema's JSON.
fn function_tokens(f: &Value) -> u64 {
    let mut n = tokens(str_at(Some(f), "name")) + tokens(str_at(Some(f), "description"));
    if let Some(p) = f.get("parameters") {
        n += tokens(&p.to_string());
    }
    n
}

/// OpenAI content: a string, or parts (`text` / `input_text` / `output_text`, images,
/// files, and `summary_text` in reasoning items).
fn openai_content_tokens(content: &Value) -> u64 {
    match content {
        Value::String(s) => tokens(s),
        Value::Array(parts) => parts
            .iter()
            .map(
                |p| match p.get("type").and_then(Value::as_str).unwrap_or("") {
                    "image_url" | "input_image" => IMAGE_TOKENS,
                    "file" | "input_file" => {
                        let data = p
                            .get("file")
                            .unwrap_or(p)
                            .get("file_data")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        document_tokens(data.len() as u64)
                    }
                    _ => tokens(str_at(Some(p), "text")),
                },
            )
            .sum(),
        _ => 0,
    }
}

fn content_tokens(content: &Value) -> u64 {
    match content {
        Value::String(s) => tokens(s),
        Value::Array(blocks) => blocks.iter().map(block_tokens).sum(),
        _ => 0,
    }
}

fn block_tokens(b: &Value) -> u64 {
    let str_of = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or("");
    match b.get("type").and_then(Value::as_str).unwrap_or("") {
        "text" => tokens(str_of("text")),
        "thinking" => tokens(str_of("thinking")),
        "image" => IMAGE_TOKENS,
        "document" => {
            let src = b.get("source");
            match src.and_then(|s| s.get("type")).and_then(Value::as_str) {
                Some("text") => tokens(
                    src.and_then(|s| s.get("data"))
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                ),
                _ => document_tokens(
                    src.and_then(|s| s.get("data"))
                        .and_then(Value::as_str)
                        .map(str::len)
                        .unwrap_or(0) as u64,
                ),
            }
        }
        "tool_use" | "server_tool_use" => {
            tokens(str_of("name")) + b.get("input").map(|i| tokens(&i.to_string())).unwrap_or(0)
        }
        "tool_result" => b.get("content").map(content_tokens).unwrap_or(0) + 2,
        _ => b
            .get("text")
            .and_then(Value::as_str)
            .map(tokens)
            .unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn never_zero_and_grows_with_content() {
        assert!(count_messages_request(&json!({})) >= 1);
        let small =
            count_messages_request(&json!({"messages": [{"role": "user", "content": "hi"}]}));
        let big = count_messages_request(&json!({
            "system": [{"type": "text", "text": "You are a careful assistant.", "cache_control": {"type": "ephemeral"}}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}]},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Read", "input": {"file_path": "/etc/hosts"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "127.0.0.1 localhost"}]}
            ],
            "tools": [{"name": "Read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}}}]
        }));
        assert!(small >= 4, "{small}");
        assert!(big > small + IMAGE_TOKENS, "{big}");
    }

    #[test]
    fn counts_real_bpe_tokens() {
        // "hello world" is two cl100k tokens; a tokenizer stub would not know that.
        assert_eq!(tokens("hello world"), 2);
        assert_eq!(
            count_messages_request(
                &json!({"messages": [{"role": "user", "content": "hello world"}]})
            ),
            3 + PER_MESSAGE + 2
        );
    }
}
