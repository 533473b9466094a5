//! Anthropic Messages client over a Chat Completions upstream (Claude Code against an
//! OpenAI-compatible model).
//!
//! What Claude Code 2.1 sends and where it goes:
//! - `system` (string or text blocks, `cache_control` dropped) and `role: "system"` messages
//!   inside `messages` become `system` chat messages, in place.
//! - text, image (base64 and URL) and PDF document blocks become chat content parts;
//!   `tool_use` becomes `tool_calls`; each `tool_result` becomes one `role: "tool"` message right
//!   after the assistant turn (`is_error` kept as an `Error:` prefix, images in a result follow
//!   as a user message); `thinking` / `redacted_thinking` blocks are dropped (their signatures
//!   mean nothing to another model).
//! - `tools` with an `input_schema` become function tools; Anthropic server tools
//!   (`web_search_2025...`, `bash_2025...`) have no chat equivalent and are dropped.
//! - `tool_choice` `auto`/`any`/`tool`/`none` -> `auto`/`required`/named/`none`;
//!   `disable_parallel_tool_use` -> `parallel_tool_calls: false`.
//! - `thinking` (`enabled` with a budget, or `adaptive` with `output_config.effort`) ->
//!   `reasoning_effort`; `output_config.format` -> `response_format`.
//! - `max_tokens`, `temperature`, `top_p`, `stop_sequences` (-> `stop`), `stream` (plus
//!   `stream_options.include_usage` so usage arrives) are mapped; `top_k`, `metadata`
//!   (`user_id`), `context_management`, `container`, `mcp_servers`, `service_tier` are dropped.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::sse::{SseParser, write_event};
use super::wire::{
    ChatUsage, ChunkEvent, ToolCallDelta, anthropic_stop_reason, arguments_object, copy,
    decode_chat_chunk, merge_system, text_of,
};
use super::{StreamTranslator, Untranslatable};

/// Translate an Anthropic Messages request body into a Chat Completions request body.
pub fn request_to_chat(req: &Value) -> Value {
    let empty = Map::new();
    let r = req.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    copy(r, "model", &mut out, "model");

    let mut messages = Vec::new();
    if let Some(system) = r.get("system") {
        let text = system_text(system);
        if !text.is_empty() {
            messages.push(json!({"role": "system", "content": text}));
        }
    }
    for m in r
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push_message(m, &mut messages);
    }
    out.insert("messages".into(), Value::Array(merge_system(messages)));

    copy(r, "max_tokens", &mut out, "max_tokens");
    copy(r, "temperature", &mut out, "temperature");
    copy(r, "top_p", &mut out, "top_p");
    copy(r, "stop_sequences", &mut out, "stop");

    let tools: Vec<Value> = r
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(tool_to_chat)
        .collect();
    let has_tools = !tools.is_empty();
    if has_tools {
        out.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = r.get("tool_choice").and_then(Value::as_object) {
        let mapped = match choice.get("type").and_then(Value::as_str) {
            Some("any") => Some(json!("required")),
            Some("none") => Some(json!("none")),
            Some("tool") => choice
                .get("name")
                .map(|n| json!({"type": "function", "function": {"name": n}})),
            Some("auto") => Some(json!("auto")),
            _ => None,
        };
        if let Some(mapped) = mapped.filter(|_| has_tools) {
            out.insert("tool_choice".into(), mapped);
        }
        if has_tools && choice.get("disable_parallel_tool_use") == Some(&Value::Bool(true)) {
            out.insert("parallel_tool_calls".into(), Value::Bool(false));
        }
    }

    if let Some(effort) = reasoning_effort(r) {
        out.insert("reasoning_effort".into(), json!(effort));
    }
    if let Some(schema) = r
        .get("output_config")
        .and_then(|o| o.get("format"))
        .filter(|f| f.get("type").and_then(Value::as_str) == Some("json_schema"))
        .and_then(|f| f.get("schema"))
    {
        out.insert(
            "response_format".into(),
            json!({"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}),
        );
    }
    if r.get("stream").and_then(Value::as_bool) == Some(true) {
        out.insert("stream".into(), Value::Bool(true));
        out.insert("stream_options".into(), json!({"include_usage": true}));
    }
    Value::Object(out)
}

fn system_text(system: &Value) -> String {
    match system {
        Value::Array(blocks) => {
            let texts: Vec<&str> = blocks
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            texts.join("\n")
        }
        other => text_of(other),
    }
}

/// `thinking` + `output_config.effort` -> chat `reasoning_effort`.
/// The smallest thinking budget Anthropic accepts.
pub const MIN_THINKING_BUDGET: u64 = 1024;

/// Anthropic's Messages API refuses `thinking.budget_tokens` that is not below `max_tokens`
/// (outside interleaved thinking on Claude 4, and on other Anthropic-compatible servers),
/// yet Qwen Code 0.15 sends `budget_tokens: 32000` with `max_tokens: 8000` by default. The
/// `thinking` to send instead, or `None` when the request is fine as it is: the budget is
/// lowered to `max_tokens - 1024` (leaving at least 1024 tokens for the answer), and
/// thinking is turned off when that is below Anthropic's minimum budget of 1024.
pub fn fit_thinking(thinking: &Value, max_tokens: Option<u64>) -> Option<Value> {
    if thinking.get("type").and_then(Value::as_str) != Some("enabled") {
        return None;
    }
    let budget = thinking.get("budget_tokens").and_then(Value::as_u64)?;
    let max = max_tokens?;
    if budget < max {
        return None;
    }
    let fitted = max.saturating_sub(MIN_THINKING_BUDGET);
    if fitted < MIN_THINKING_BUDGET {
        return Some(json!({"type": "disabled"}));
    }
    let mut t = thinking.clone();
    t["budget_tokens"] = json!(fitted);
    Some(t)
}

fn reasoning_effort(r: &Map<String, Value>) -> Option<&'static str> {
    let thinking = r.get("thinking")?;
    let effort = r
        .get("output_config")
        .and_then(|o| o.get("effort"))
        .and_then(Value::as_str);
    match thinking.get("type").and_then(Value::as_str)? {
        "enabled" => {
            if let Some(e) = effort {
                return effort_name(e);
            }
            let budget = thinking.get("budget_tokens").and_then(Value::as_u64)?;
            Some(match budget {
                0..4096 => "low",
                4096..16384 => "medium",
                _ => "high",
            })
        }
        "adaptive" => effort.and_then(effort_name),
        _ => None,
    }
}

fn effort_name(e: &str) -> Option<&'static str> {
    match e {
        "minimal" => Some("minimal"),
        "low" => Some("low"),
        "medium" => Some("medium"),
        "high" | "max" | "xhigh" => Some("high"),
        _ => None,
    }
}

fn tool_to_chat(tool: &Value) -> Option<Value> {
    let schema = tool.get("input_schema")?;
    let name = tool.get("name")?;
    let mut f = Map::new();
    f.insert("name".into(), name.clone());
    if let Some(d) = tool.get("description") {
        f.insert("description".into(), d.clone());
    }
    f.insert("parameters".into(), schema.clone());
    Some(json!({"type": "function", "function": f}))
}

fn push_message(m: &Value, out: &mut Vec<Value>) {
    let role = m.get("role").and_then(Value::as_str).unwrap_or("user");
    let content = m.get("content").unwrap_or(&Value::Null);
    match role {
        "system" => {
            let text = text_of(content);
            out.push(json!({"role": "system", "content": text}));
        }
        "assistant" => out.push(assistant_message(content)),
        _ => user_messages(content, out),
    }
}

fn assistant_message(content: &Value) -> Value {
    let blocks = match content {
        Value::Array(b) => b,
        other => return json!({"role": "assistant", "content": text_of(other)}),
    };
    let mut text = String::new();
    let mut calls = Vec::new();
    for b in blocks {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => {
                if let Some(t) = b.get("text").and_then(Value::as_str) {
                    text.push_str(t);
                }
            }
            Some("tool_use") => {
                let input = b.get("input").cloned().unwrap_or_else(|| json!({}));
                calls.push(json!({
                    "id": b.get("id").cloned().unwrap_or(Value::Null),
                    "type": "function",
                    "function": {
                        "name": b.get("name").cloned().unwrap_or(Value::Null),
                        "arguments": input.to_string(),
                    },
                }));
            }
            // thinking / redacted_thinking / server tool blocks: nothing the upstream can use.
            _ => {}
        }
    }
    let mut msg = Map::new();
    msg.insert("role".into(), json!("assistant"));
    if calls.is_empty() {
        msg.insert("content".into(), json!(text));
    } else {
        msg.insert(
            "content".into(),
            if text.is_empty() {
                Value::Null
            } else {
                json!(text)
            },
        );
        msg.insert("tool_calls".into(), Value::Array(calls));
    }
    Value::Object(msg)
}

/// A user turn: its `tool_result`s first (one `tool` message each, so they directly follow the
/// assistant turn that called them), then the rest as one user message.
fn user_messages(content: &Value, out: &mut Vec<Value>) {
    let blocks = match content {
        Value::Array(b) => b,
        other => {
            out.push(json!({"role": "user", "content": text_of(other)}));
            return;
        }
    };
    let mut parts = Vec::new();
    let mut tool_parts = Vec::new();
    for b in blocks {
        match b.get("type").and_then(Value::as_str) {
            Some("tool_result") => {
                let (text, images) = tool_result_content(b);
                out.push(json!({
                    "role": "tool",
                    "tool_call_id": b.get("tool_use_id").cloned().unwrap_or(Value::Null),
                    "content": text,
                }));
                tool_parts.extend(images);
            }
            _ => parts.extend(content_part(b)),
        }
    }
    tool_parts.extend(parts);
    if tool_parts.is_empty() {
        return;
    }
    let all_text = tool_parts
        .iter()
        .all(|p| p.get("type").and_then(Value::as_str) == Some("text"));
    let content = if all_text {
        json!(text_of(&Value::Array(tool_parts)))
    } else {
        Value::Array(tool_parts)
    };
    out.push(json!({"role": "user", "content": content}));
}

fn tool_result_content(b: &Value) -> (String, Vec<Value>) {
    let mut text = String::new();
    let mut images = Vec::new();
    match b.get("content") {
        Some(Value::Array(items)) => {
            for item in items {
                match item.get("type").and_then(Value::as_str) {
                    Some("image") => images.extend(content_part(item)),
                    _ => {
                        if let Some(t) = item.get("text").and_then(Value::as_str) {
                            if !text.is_empty() {
                                text.push('\n');
                            }
                            text.push_str(t);
                        }
                    }
                }
            }
        }
        Some(other) => text = text_of(other),
        None => {}
    }
    if b.get("is_error") == Some(&Value::Bool(true)) {
        text.insert_str(0, "Error: ");
    }
    (text, images)
}

/// One Anthropic content block as a chat content part (None when it has no chat equivalent).
fn content_part(b: &Value) -> Option<Value> {
    match b.get("type").and_then(Value::as_str)? {
        "image" => {
            let src = b.get("source")?;
            let url = match src.get("type").and_then(Value::as_str)? {
                "base64" => format!(
                    "data:{};base64,{}",
                    src.get("media_type").and_then(Value::as_str)?,
                    src.get("data").and_then(Value::as_str)?
                ),
                "url" => src.get("url").and_then(Value::as_str)?.to_string(),
                _ => return None,
            };
            Some(json!({"type": "image_url", "image_url": {"url": url}}))
        }
        "document" => {
            let src = b.get("source")?;
            match src.get("type").and_then(Value::as_str)? {
                "base64" => Some(json!({"type": "file", "file": {
                    "filename": b.get("title").and_then(Value::as_str).unwrap_or("document.pdf"),
                    "file_data": format!(
                        "data:{};base64,{}",
                        src.get("media_type").and_then(Value::as_str).unwrap_or("application/pdf"),
                        src.get("data").and_then(Value::as_str)?
                    ),
                }})),
                "text" => Some(json!({"type": "text", "text": src.get("data")?})),
                _ => None,
            }
        }
        // `text`, and any other block that carries text; a block without text is dropped.
        _ => b
            .get("text")
            .and_then(Value::as_str)
            .map(|t| json!({"type": "text", "text": t})),
    }
}

/// Translate a Chat Completions response into an Anthropic Messages response. `model` is the
/// name the client asked for (echoed back). A tool call without a name has no translation.
pub fn response_from_chat(resp: &Value, model: &str) -> Result<Value, Untranslatable> {
    let msg = resp
        .pointer("/choices/0/message")
        .cloned()
        .unwrap_or(Value::Null);
    let mut content = Vec::new();
    let reasoning = msg
        .get("reasoning_content")
        .or_else(|| msg.get("reasoning"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    if let Some(r) = reasoning {
        content.push(json!({"type": "thinking", "thinking": r, "signature": ""}));
    }
    let text = msg.get("content").map(text_of).unwrap_or_default();
    let refusal = msg.get("refusal").and_then(Value::as_str).unwrap_or("");
    let text = if text.is_empty() {
        refusal.to_string()
    } else {
        text
    };
    if !text.is_empty() {
        content.push(json!({"type": "text", "text": text}));
    }
    let calls = msg
        .get("tool_calls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, c) in calls.iter().enumerate() {
        let args = c
            .pointer("/function/arguments")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = c
            .pointer("/function/name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or(Untranslatable::NamelessToolCall { index: i })?;
        content.push(json!({
            "type": "tool_use",
            "id": c.get("id").and_then(Value::as_str).filter(|s| !s.is_empty())
                .map_or_else(|| format!("toolu_{i}"), str::to_string),
            "name": name,
            "input": arguments_object(args),
        }));
    }
    let finish = resp
        .pointer("/choices/0/finish_reason")
        .and_then(Value::as_str);
    let usage = ChatUsage::from_value(resp.get("usage")).unwrap_or_default();
    Ok(json!({
        "id": message_id(resp.get("id").and_then(Value::as_str)),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": anthropic_stop_reason(finish, !calls.is_empty()),
        "stop_sequence": null,
        "usage": usage.to_anthropic(),
    }))
}

/// An Anthropic message id from an upstream id.
fn message_id(upstream: Option<&str>) -> String {
    match upstream {
        Some(id) if id.starts_with("msg_") => id.to_string(),
        Some(id) if !id.is_empty() => {
            format!("msg_{}", id.trim_start_matches("chatcmpl-"))
        }
        _ => super::new_id("msg_"),
    }
}

/// `content_block_delta`, serialised without building a JSON tree (the per-chunk hot path).
#[derive(Serialize)]
struct BlockDelta<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
    delta: Delta<'a>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Delta<'a> {
    #[serde(rename = "text_delta")]
    Text { text: &'a str },
    #[serde(rename = "thinking_delta")]
    Thinking { thinking: &'a str },
    #[serde(rename = "input_json_delta")]
    InputJson { partial_json: &'a str },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Open {
    Text,
    Thinking,
    /// Position in `tools`.
    Tool(usize),
}

#[derive(Debug, Default)]
struct ToolState {
    /// The chat `index` of this call.
    index: usize,
    id: Option<String>,
    name: Option<String>,
    /// Argument bytes that arrived before the name (not yet sent).
    pending: String,
    /// Anthropic block index once started.
    block: Option<usize>,
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Phase {
    Streaming,
    /// `finish_reason` seen; `message_delta` waits for usage or `[DONE]`.
    Finished,
    Closed,
}

/// Chat Completions chunks in, Anthropic Messages stream events out.
#[derive(Debug)]
pub struct MessagesStream {
    parser: SseParser,
    id: String,
    model: String,
    started: bool,
    next_block: usize,
    open: Option<Open>,
    tools: Vec<ToolState>,
    finish: Option<String>,
    usage: Option<ChatUsage>,
    phase: Phase,
    /// Closed by an error event.
    failed: bool,
}

impl MessagesStream {
    /// A translator for one response; `id` is the Anthropic message id to use (see
    /// [`super::new_id`]), `model` the name the client asked for.
    pub fn new(id: impl Into<String>, model: impl Into<String>) -> Self {
        MessagesStream {
            parser: SseParser::new(),
            id: id.into(),
            model: model.into(),
            started: false,
            next_block: 0,
            open: None,
            tools: Vec::new(),
            finish: None,
            usage: None,
            phase: Phase::Streaming,
            failed: false,
        }
    }

    fn on_data(&mut self, data: &[u8], out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        let chunk = match decode_chat_chunk(data) {
            ChunkEvent::Done => {
                self.end(out);
                return;
            }
            ChunkEvent::Failed(msg) => {
                self.fail(&msg, out);
                return;
            }
            ChunkEvent::Chunk(c) => c,
        };
        self.start(out);
        for choice in chunk.choices.iter().flatten() {
            if choice.index.unwrap_or(0) != 0 {
                continue;
            }
            if self.phase == Phase::Streaming
                && let Some(delta) = &choice.delta
            {
                if let Some(r) = delta.reasoning() {
                    self.delta(Open::Thinking, r, out);
                }
                for text in [&delta.content, &delta.refusal].into_iter().flatten() {
                    if !text.is_empty() {
                        self.delta(Open::Text, text, out);
                    }
                }
                for call in delta.tool_calls.iter().flatten() {
                    self.tool_delta(call, out);
                    if self.phase == Phase::Closed {
                        return;
                    }
                }
            }
            if let Some(finish) = &choice.finish_reason
                && self.phase == Phase::Streaming
            {
                self.finish = Some(finish.clone());
                self.close_blocks(out);
                if self.phase == Phase::Closed {
                    return;
                }
                self.phase = Phase::Finished;
            }
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage);
            if self.phase == Phase::Finished {
                self.end(out);
            }
        }
    }

    fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        write_event(
            out,
            "message_start",
            &json!({"type": "message_start", "message": {
                "id": self.id, "type": "message", "role": "assistant", "model": self.model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": 0, "output_tokens": 0},
            }}),
        );
    }

    fn open_block(&mut self, kind: Open, block: Value, out: &mut Vec<u8>) -> usize {
        self.close_open(out);
        let index = self.next_block;
        self.next_block += 1;
        write_event(
            out,
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": block}),
        );
        self.open = Some(kind);
        index
    }

    fn close_open(&mut self, out: &mut Vec<u8>) {
        if self.open.take().is_some() {
            write_event(
                out,
                "content_block_stop",
                &json!({"type": "content_block_stop", "index": self.next_block - 1}),
            );
        }
    }

    fn delta(&mut self, kind: Open, text: &str, out: &mut Vec<u8>) {
        if self.open != Some(kind) {
            let block = match kind {
                Open::Thinking => json!({"type": "thinking", "thinking": "", "signature": ""}),
                _ => json!({"type": "text", "text": ""}),
            };
            self.open_block(kind, block, out);
        }
        let delta = match kind {
            Open::Thinking => Delta::Thinking { thinking: text },
            _ => Delta::Text { text },
        };
        self.write_delta(delta, out);
    }

    fn write_delta(&self, delta: Delta<'_>, out: &mut Vec<u8>) {
        let event = BlockDelta {
            kind: "content_block_delta",
            index: self.next_block - 1,
            delta,
        };
        write_event(out, "content_block_delta", &event);
    }

    fn tool_delta(&mut self, call: &ToolCallDelta, out: &mut Vec<u8>) {
        let function = call.function.as_ref();
        let id = call.id.as_deref().filter(|s| !s.is_empty());
        let name = function
            .and_then(|f| f.name.as_deref())
            .filter(|s| !s.is_empty());
        let args = function.and_then(|f| f.arguments.as_deref()).unwrap_or("");
        let index = call.index.unwrap_or_else(|| {
            // Servers that omit `index`: a new id is a new call, anything else continues the last.
            let known = id.is_none_or(|id| self.tools.iter().any(|t| t.id.as_deref() == Some(id)));
            match self.tools.last() {
                Some(last) if known => last.index,
                _ => self.tools.len(),
            }
        });
        let pos = match self.tools.iter().position(|t| t.index == index) {
            Some(p) => p,
            // A delta that carries nothing is not a tool call.
            None if id.is_none() && name.is_none() && args.is_empty() => return,
            None => {
                self.tools.push(ToolState {
                    index,
                    ..ToolState::default()
                });
                self.tools.len() - 1
            }
        };
        let tool = &mut self.tools[pos];
        if let Some(id) = id {
            tool.id.get_or_insert_with(|| id.to_string());
        }
        if let Some(name) = name {
            tool.name.get_or_insert_with(|| name.to_string());
        }
        if tool.block.is_some() {
            if self.open == Some(Open::Tool(pos)) {
                if !args.is_empty() {
                    self.write_delta(Delta::InputJson { partial_json: args }, out);
                }
            } else if !args.is_empty() {
                // Anthropic blocks cannot be reopened: an upstream interleaving the arguments of
                // parallel calls cannot be streamed faithfully. Say so rather than corrupt them.
                self.fail(
                    "upstream interleaved the arguments of parallel tool calls",
                    out,
                );
            }
            return;
        }
        tool.pending.push_str(args);
        if tool.name.is_some() {
            self.start_tool(pos, out);
        }
    }

    /// Open the `tool_use` block of a call whose name is known, with the argument bytes held
    /// so far. A call without an id gets `toolu_<message>_<n>`; an id arriving after the name
    /// is not used (the block already went out with the made-up one, which the client echoes
    /// back in its `tool_result`).
    fn start_tool(&mut self, pos: usize, out: &mut Vec<u8>) {
        let synthesised = format!("toolu_{}_{}", self.id.trim_start_matches("msg_"), pos);
        let tool = &mut self.tools[pos];
        let Some(name) = tool.name.clone() else {
            return;
        };
        let id = tool.id.get_or_insert(synthesised).clone();
        let block = json!({"type": "tool_use", "id": id, "name": name, "input": {}});
        let index = self.open_block(Open::Tool(pos), block, out);
        let pending = std::mem::take(&mut self.tools[pos].pending);
        self.tools[pos].block = Some(index);
        if !pending.is_empty() {
            self.write_delta(
                Delta::InputJson {
                    partial_json: &pending,
                },
                out,
            );
        }
    }

    /// Close the open block. A tool call still waiting for its name (every named one has its
    /// block) cannot become a `tool_use` block: the stream ends with an error event instead.
    fn close_blocks(&mut self, out: &mut Vec<u8>) {
        self.close_open(out);
        if let Some(t) = self.tools.iter().find(|t| t.block.is_none()) {
            let e = Untranslatable::NamelessToolCall { index: t.index };
            self.fail(&e.to_string(), out);
        }
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        self.start(out);
        self.close_blocks(out);
        if self.phase == Phase::Closed {
            return;
        }
        let stop = anthropic_stop_reason(self.finish.as_deref(), !self.tools.is_empty());
        let usage = match &self.usage {
            Some(u) => u.to_anthropic(),
            None => json!({"output_tokens": 0}),
        };
        write_event(
            out,
            "message_delta",
            &json!({"type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": usage}),
        );
        write_event(out, "message_stop", &json!({"type": "message_stop"}));
        self.phase = Phase::Closed;
    }

    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        write_event(
            out,
            "error",
            &json!({"type": "error", "error": {"type": "api_error", "message": message}}),
        );
        self.failed = true;
        self.phase = Phase::Closed;
    }
}

impl StreamTranslator for MessagesStream {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let mut parser = std::mem::take(&mut self.parser);
        parser.feed(bytes, &mut |_, data| self.on_data(data, out));
        self.parser = parser;
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        let mut parser = std::mem::take(&mut self.parser);
        parser.flush(&mut |_, data| self.on_data(data, out));
        self.parser = parser;
        match self.phase {
            Phase::Closed => {}
            // Every block and the stop reason arrived; only usage / [DONE] is missing.
            Phase::Finished => self.end(out),
            Phase::Streaming => self.fail(
                "upstream stream ended before the response was complete (no finish_reason or [DONE])",
                out,
            ),
        }
    }

    fn on_error(&mut self, message: &str, out: &mut Vec<u8>) {
        self.fail(message, out);
    }

    fn keepalive(&mut self, out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        self.start(out);
        write_event(out, "ping", &json!({"type": "ping"}));
    }

    fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    fn failed(&self) -> bool {
        self.failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinking_budget_is_fitted_below_max_tokens() {
        let t = json!({"type": "enabled", "budget_tokens": 32000});
        assert_eq!(
            fit_thinking(&t, Some(8000)),
            Some(json!({"type": "enabled", "budget_tokens": 6976}))
        );
        assert_eq!(fit_thinking(&t, Some(40000)), None);
        assert_eq!(fit_thinking(&t, None), None);
        assert_eq!(
            fit_thinking(&t, Some(2000)),
            Some(json!({"type": "disabled"}))
        );
        assert_eq!(fit_thinking(&json!({"type": "adaptive"}), Some(10)), None);
        assert_eq!(
            fit_thinking(
                &json!({"type": "enabled", "budget_tokens": 2048}),
                Some(2048)
            ),
            Some(json!({"type": "enabled", "budget_tokens": 1024}))
        );
    }
}
