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

/// Estimate the input tokens of an Anthropic Messages (or `count_tokens`) request body.
pub fn count_messages_request(req: &Value) -> u64 {
    let mut n = 3;
    if let Some(system) = req.get("system") {
        n += PER_MESSAGE + content_tokens(system);
    }
    for m in req
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        n += PER_MESSAGE + m.get("content").map(content_tokens).unwrap_or(0);
    }
    for t in req
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        n += PER_TOOL;
        for key in ["name", "description"] {
            if let Some(s) = t.get(key).and_then(Value::as_str) {
                n += tokens(s);
            }
        }
        if let Some(schema) = t.get("input_schema") {
            n += tokens(&schema.to_string());
        }
    }
    n.max(1)
}

/// Estimate the input tokens of an OpenAI Chat Completions request body: every message's
/// text parts, tool calls (name and arguments) and the function tools, counted as
/// [`count_messages_request`] counts their Anthropic equivalents.
pub fn count_chat_request(req: &Value) -> u64 {
    let mut n = 3;
    for m in array(req, "messages") {
        n += PER_MESSAGE + m.get("content").map(openai_content_tokens).unwrap_or(0);
        for call in m
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let f = call.get("function");
            n += tokens(str_at(f, "name")) + tokens(str_at(f, "arguments"));
        }
    }
    for t in array(req, "tools") {
        n += PER_TOOL + function_tokens(t.get("function").unwrap_or(t));
    }
    n.max(1)
}

/// Estimate the input tokens of an OpenAI Responses request body: `instructions`, the
/// `input` items (messages, function and custom tool calls and their outputs) and the tools
/// with a definition.
pub fn count_responses_request(req: &Value) -> u64 {
    let mut n = 3;
    if let Some(s) = req.get("instructions").and_then(Value::as_str) {
        n += PER_MESSAGE + tokens(s);
    }
    match req.get("input") {
        Some(Value::String(s)) => n += PER_MESSAGE + tokens(s),
        Some(Value::Array(items)) => {
            for item in items {
                let kind = item
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("message");
                n += PER_MESSAGE
                    + match kind {
                        "message" => item.get("content").map(openai_content_tokens).unwrap_or(0),
                        "function_call" => {
                            tokens(str_at(Some(item), "name"))
                                + tokens(str_at(Some(item), "arguments"))
                        }
                        "custom_tool_call" => {
                            tokens(str_at(Some(item), "name")) + tokens(str_at(Some(item), "input"))
                        }
                        "function_call_output" | "custom_tool_call_output" => {
                            item.get("output").map(openai_content_tokens).unwrap_or(0)
                        }
                        "reasoning" => item.get("summary").map(openai_content_tokens).unwrap_or(0),
                        _ => 0,
                    };
            }
        }
        _ => {}
    }
    for t in array(req, "tools") {
        n += PER_TOOL + function_tokens(t);
    }
    n.max(1)
}

/// Tokens of a base64 document of `len` base64 bytes: one page of 1,500 tokens per 50 kB.
pub fn document_tokens(len: u64) -> u64 {
    (len * 3 / 4 / 50_000 + 1) * 1_500
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
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
