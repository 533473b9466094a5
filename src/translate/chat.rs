//! Chat Completions client over an Anthropic Messages upstream (the reverse mapping, for users
//! whose upstream is Anthropic itself).
//!
//! - `system` / `developer` messages are joined into `system`; `tool` messages become
//!   `tool_result` blocks in a user turn (consecutive results share one turn, as Anthropic
//!   requires); `tool_calls` become `tool_use` blocks; `image_url` parts become image blocks
//!   (data URLs as base64, others as URL sources); `file` parts with data become documents.
//! - `max_completion_tokens` / `max_tokens` -> `max_tokens` (Anthropic requires one: 4096 when
//!   absent); `stop` -> `stop_sequences`; `temperature` (clamped to Anthropic's 0..1), `top_p`;
//!   `tools`, `tool_choice` (`required` -> `any`), `parallel_tool_calls: false` ->
//!   `disable_parallel_tool_use`; `reasoning_effort` -> `thinking` with a budget (low 1,024,
//!   medium 4,096, high 16,384 tokens; `max_tokens` raised above it, `temperature` dropped as
//!   Anthropic requires); `user` -> `metadata.user_id`. `n`, `logprobs`, `seed`, penalties,
//!   `logit_bias` have no Anthropic equivalent and are dropped.

use serde_json::{Map, Value, json};

use super::sse::{SseParser, write_data, write_done};
use super::wire::{arguments_object, copy, split_data_url, text_of};
use super::{StreamTranslator, Untranslatable, item_id, now_secs};

/// `max_tokens` when the chat request names none.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

/// Translate a Chat Completions request body into an Anthropic Messages request body.
pub fn request_to_messages(req: &Value) -> Value {
    let empty = Map::new();
    let r = req.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    copy(r, "model", &mut out, "model");

    let mut system = Vec::new();
    let mut messages: Vec<Value> = Vec::new();
    for m in r
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let content = m.get("content").unwrap_or(&Value::Null);
        match m.get("role").and_then(Value::as_str).unwrap_or("user") {
            "system" | "developer" => system.push(text_of(content)),
            "assistant" => {
                let mut blocks = Vec::new();
                let text = text_of(content);
                if !text.is_empty() {
                    blocks.push(json!({"type": "text", "text": text}));
                }
                for c in m
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    blocks.push(json!({
                        "type": "tool_use",
                        "id": c.get("id").cloned().unwrap_or(Value::Null),
                        "name": c.pointer("/function/name").cloned().unwrap_or(json!("")),
                        "input": arguments_object(
                            c.pointer("/function/arguments").and_then(Value::as_str).unwrap_or("")),
                    }));
                }
                if !blocks.is_empty() {
                    messages.push(json!({"role": "assistant", "content": blocks}));
                }
            }
            "tool" | "function" => {
                let block = json!({
                    "type": "tool_result",
                    "tool_use_id": m.get("tool_call_id").cloned().unwrap_or(Value::Null),
                    "content": text_of(content),
                });
                push_user(&mut messages, vec![block]);
            }
            _ => {
                let blocks: Vec<Value> = match content {
                    Value::Array(parts) => parts.iter().filter_map(user_block).collect(),
                    other => {
                        let t = text_of(other);
                        if t.is_empty() {
                            Vec::new()
                        } else {
                            vec![json!({"type": "text", "text": t})]
                        }
                    }
                };
                push_user(&mut messages, blocks);
            }
        }
    }
    let system: Vec<String> = system.into_iter().filter(|s| !s.is_empty()).collect();
    if !system.is_empty() {
        out.insert("system".into(), json!(system.join("\n\n")));
    }
    out.insert("messages".into(), Value::Array(messages));

    let mut max_tokens = r
        .get("max_completion_tokens")
        .or_else(|| r.get("max_tokens"))
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_MAX_TOKENS);
    let budget = match r.get("reasoning_effort").and_then(Value::as_str) {
        Some("low") => Some(1024),
        Some("medium") => Some(4096),
        Some("high" | "xhigh") => Some(16384),
        _ => None,
    };
    if let Some(budget) = budget {
        max_tokens = max_tokens.max(budget + 1024);
        out.insert(
            "thinking".into(),
            json!({"type": "enabled", "budget_tokens": budget}),
        );
    } else if let Some(t) = r.get("temperature").and_then(Value::as_f64) {
        out.insert("temperature".into(), json!(t.clamp(0.0, 1.0)));
    }
    out.insert("max_tokens".into(), json!(max_tokens));
    if budget.is_none() {
        copy(r, "top_p", &mut out, "top_p");
    }
    match r.get("stop") {
        Some(Value::String(s)) => {
            out.insert("stop_sequences".into(), json!([s]));
        }
        Some(Value::Array(a)) if !a.is_empty() => {
            out.insert("stop_sequences".into(), Value::Array(a.clone()));
        }
        _ => {}
    }

    let tools: Vec<Value> = r
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let f = t.get("function")?;
            let mut tool = Map::new();
            tool.insert("name".into(), f.get("name")?.clone());
            if let Some(d) = f.get("description") {
                tool.insert("description".into(), d.clone());
            }
            tool.insert(
                "input_schema".into(),
                f.get("parameters")
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            );
            Some(Value::Object(tool))
        })
        .collect();
    if !tools.is_empty() {
        out.insert("tools".into(), Value::Array(tools));
        let mut choice = match r.get("tool_choice") {
            Some(Value::String(s)) if s == "required" => json!({"type": "any"}),
            Some(Value::String(s)) if s == "none" => json!({"type": "none"}),
            Some(Value::Object(o)) => match o.get("function").and_then(|f| f.get("name")) {
                Some(name) => json!({"type": "tool", "name": name}),
                None => json!({"type": "auto"}),
            },
            _ => json!({"type": "auto"}),
        };
        let serial = r.get("parallel_tool_calls") == Some(&Value::Bool(false));
        if serial {
            choice["disable_parallel_tool_use"] = Value::Bool(true);
        }
        if serial || r.get("tool_choice").is_some() {
            out.insert("tool_choice".into(), choice);
        }
    }
    if let Some(user) = r.get("user").and_then(Value::as_str) {
        out.insert("metadata".into(), json!({"user_id": user}));
    }
    if r.get("stream").and_then(Value::as_bool) == Some(true) {
        out.insert("stream".into(), Value::Bool(true));
    }
    Value::Object(out)
}

/// Append user blocks, joining the previous user turn (tool results and the text after them
/// form one Anthropic user turn).
fn push_user(messages: &mut Vec<Value>, blocks: Vec<Value>) {
    if blocks.is_empty() {
        return;
    }
    if let Some(last) = messages.last_mut()
        && last.get("role").and_then(Value::as_str) == Some("user")
        && let Some(existing) = last.get_mut("content").and_then(Value::as_array_mut)
    {
        existing.extend(blocks);
        return;
    }
    messages.push(json!({"role": "user", "content": blocks}));
}

fn user_block(p: &Value) -> Option<Value> {
    match p.get("type").and_then(Value::as_str)? {
        "text" => Some(json!({"type": "text", "text": p.get("text")?})),
        "image_url" => {
            let url = p
                .get("image_url")
                .and_then(|i| i.get("url").or(Some(i)))
                .and_then(Value::as_str)?;
            let source = match split_data_url(url) {
                Some((media, data)) => {
                    json!({"type": "base64", "media_type": media, "data": data})
                }
                None => json!({"type": "url", "url": url}),
            };
            Some(json!({"type": "image", "source": source}))
        }
        "file" => {
            let data = p.pointer("/file/file_data").and_then(Value::as_str)?;
            let (media, data) = split_data_url(data)?;
            Some(json!({"type": "document",
                        "source": {"type": "base64", "media_type": media, "data": data}}))
        }
        _ => None,
    }
}

fn finish_reason(stop: Option<&str>) -> &'static str {
    match stop {
        Some("max_tokens") => "length",
        Some("tool_use") => "tool_calls",
        Some("refusal") => "content_filter",
        _ => "stop",
    }
}

/// Anthropic usage -> chat usage (`prompt_tokens` includes cache reads and writes).
fn chat_usage(input: u64, cache_read: u64, cache_write: u64, output: u64) -> Value {
    let prompt = input + cache_read + cache_write;
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": output,
        "total_tokens": prompt + output,
        "prompt_tokens_details": {"cached_tokens": cache_read},
    })
}

fn u(v: Option<&Value>, key: &str) -> u64 {
    v.and_then(|v| v.get(key))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Translate an Anthropic Messages response into a Chat Completions response. `model` is the
/// name the client asked for. A `tool_use` block without a name has no translation.
pub fn response_from_messages(resp: &Value, model: &str) -> Result<Value, Untranslatable> {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut calls = Vec::new();
    let id = chat_id(resp.get("id").and_then(Value::as_str));
    for (index, b) in resp
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(b.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("thinking") => {
                reasoning.push_str(b.get("thinking").and_then(Value::as_str).unwrap_or(""))
            }
            Some("tool_use") => {
                let name = b
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .ok_or(Untranslatable::NamelessToolCall { index })?;
                let call_id = b
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map_or_else(|| item_id("call_", &id, calls.len()), str::to_string);
                calls.push(json!({
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": name,
                        "arguments": b.get("input").map(Value::to_string).unwrap_or_else(|| "{}".into()),
                    },
                }));
            }
            _ => {}
        }
    }
    let mut message = Map::new();
    message.insert("role".into(), json!("assistant"));
    message.insert(
        "content".into(),
        if text.is_empty() && !calls.is_empty() {
            Value::Null
        } else {
            json!(text)
        },
    );
    if !reasoning.is_empty() {
        message.insert("reasoning_content".into(), json!(reasoning));
    }
    if !calls.is_empty() {
        message.insert("tool_calls".into(), Value::Array(calls));
    }
    let usage = resp.get("usage");
    Ok(json!({
        "id": id,
        "object": "chat.completion",
        "created": now_secs(),
        "model": model,
        "choices": [{
            "index": 0,
            "message": message,
            "finish_reason": finish_reason(resp.get("stop_reason").and_then(Value::as_str)),
        }],
        "usage": chat_usage(
            u(usage, "input_tokens"),
            u(usage, "cache_read_input_tokens"),
            u(usage, "cache_creation_input_tokens"),
            u(usage, "output_tokens"),
        ),
    }))
}

fn chat_id(upstream: Option<&str>) -> String {
    match upstream {
        Some(id) if !id.is_empty() => format!("chatcmpl-{}", id.trim_start_matches("msg_")),
        _ => super::new_id("chatcmpl-"),
    }
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Phase {
    Streaming,
    /// `message_delta` with the stop reason seen.
    Finished,
    Closed,
}

/// Anthropic Messages stream events in, Chat Completions chunks out.
#[derive(Debug)]
pub struct ChatStream {
    parser: SseParser,
    id: String,
    model: String,
    created: u64,
    include_usage: bool,
    /// Anthropic block index -> chat tool-call index, for tool_use blocks.
    tool_of_block: Vec<(u64, usize)>,
    tools: usize,
    usage: [u64; 4],
    phase: Phase,
    /// Closed by an error event.
    failed: bool,
}

impl ChatStream {
    /// A translator for one response: `id` (`chatcmpl-...`), the model name the client asked
    /// for, and whether the client asked for `stream_options.include_usage`.
    pub fn new(id: impl Into<String>, model: impl Into<String>, include_usage: bool) -> Self {
        ChatStream {
            parser: SseParser::new(),
            id: id.into(),
            model: model.into(),
            created: now_secs(),
            include_usage,
            tool_of_block: Vec::new(),
            tools: 0,
            usage: [0; 4],
            phase: Phase::Streaming,
            failed: false,
        }
    }

    /// Fix `created` (for reproducible snapshots).
    pub fn with_created(mut self, created: u64) -> Self {
        self.created = created;
        self
    }

    fn chunk(&self, delta: Value, finish: Option<&str>, out: &mut Vec<u8>) {
        write_data(
            out,
            &json!({"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                    "model": self.model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}),
        );
    }

    fn on_data(&mut self, data: &[u8], out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        let ev: Value = match serde_json::from_slice(data) {
            Ok(v) => v,
            Err(e) => {
                self.fail(
                    &format!("upstream sent an unreadable stream event: {e}"),
                    out,
                );
                return;
            }
        };
        match ev.get("type").and_then(Value::as_str).unwrap_or("") {
            "message_start" => {
                let usage = ev.pointer("/message/usage");
                self.usage[0] = u(usage, "input_tokens");
                self.usage[1] = u(usage, "cache_read_input_tokens");
                self.usage[2] = u(usage, "cache_creation_input_tokens");
                self.usage[3] = u(usage, "output_tokens");
                self.chunk(json!({"role": "assistant", "content": ""}), None, out);
            }
            "content_block_start" => {
                let block = ev.get("content_block");
                if block.and_then(|b| b.get("type")).and_then(Value::as_str) == Some("tool_use") {
                    let block_index = ev.get("index").and_then(Value::as_u64).unwrap_or(0);
                    let b = block.unwrap_or(&Value::Null);
                    let Some(name) = b
                        .get("name")
                        .and_then(Value::as_str)
                        .filter(|n| !n.is_empty())
                    else {
                        let index = usize::try_from(block_index).unwrap_or(usize::MAX);
                        let e = Untranslatable::NamelessToolCall { index };
                        self.fail(&e.to_string(), out);
                        return;
                    };
                    let index = self.tools;
                    self.tools += 1;
                    self.tool_of_block.push((block_index, index));
                    // Anthropic always sends an id; one that is missing is made up.
                    let id = b
                        .get("id")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map_or_else(|| item_id("call_", &self.id, index), str::to_string);
                    self.chunk(
                        json!({"tool_calls": [{"index": index, "id": id, "type": "function",
                               "function": {"name": name, "arguments": ""}}]}),
                        None,
                        out,
                    );
                }
            }
            "content_block_delta" => {
                let d = ev.get("delta").unwrap_or(&Value::Null);
                match d.get("type").and_then(Value::as_str) {
                    Some("text_delta") => {
                        self.chunk(json!({"content": d.get("text")}), None, out);
                    }
                    Some("thinking_delta") => {
                        self.chunk(json!({"reasoning_content": d.get("thinking")}), None, out);
                    }
                    Some("input_json_delta") => {
                        let block = ev.get("index").and_then(Value::as_u64).unwrap_or(0);
                        if let Some(&(_, index)) =
                            self.tool_of_block.iter().find(|(b, _)| *b == block)
                        {
                            self.chunk(
                                json!({"tool_calls": [{"index": index,
                                       "function": {"arguments": d.get("partial_json")}}]}),
                                None,
                                out,
                            );
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                let usage = ev.get("usage");
                if let Some(o) = usage
                    .and_then(|x| x.get("output_tokens"))
                    .and_then(Value::as_u64)
                {
                    self.usage[3] = o;
                }
                for (i, key) in [
                    "input_tokens",
                    "cache_read_input_tokens",
                    "cache_creation_input_tokens",
                ]
                .into_iter()
                .enumerate()
                {
                    if let Some(v) = usage.and_then(|x| x.get(key)).and_then(Value::as_u64) {
                        self.usage[i] = v;
                    }
                }
                if self.phase == Phase::Streaming {
                    let stop = ev.pointer("/delta/stop_reason").and_then(Value::as_str);
                    self.chunk(json!({}), Some(finish_reason(stop)), out);
                    self.phase = Phase::Finished;
                }
            }
            "message_stop" => self.end(out),
            "error" => {
                let msg = ev
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("upstream error")
                    .to_string();
                self.fail(&msg, out);
            }
            _ => {}
        }
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        if self.phase == Phase::Streaming {
            self.chunk(json!({}), Some("stop"), out);
        }
        if self.include_usage {
            let [i, r, w, o] = self.usage;
            write_data(
                out,
                &json!({"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                        "model": self.model, "choices": [], "usage": chat_usage(i, r, w, o)}),
            );
        }
        write_done(out);
        self.phase = Phase::Closed;
    }

    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        write_data(
            out,
            &json!({"error": {"message": message, "type": "server_error", "param": null, "code": null}}),
        );
        self.failed = true;
        self.phase = Phase::Closed;
    }
}

impl StreamTranslator for ChatStream {
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
            Phase::Finished => self.end(out),
            Phase::Streaming => self.fail(
                "upstream stream ended before the response was complete (no message_stop)",
                out,
            ),
        }
    }

    fn on_error(&mut self, message: &str, out: &mut Vec<u8>) {
        self.fail(message, out);
    }

    fn keepalive(&mut self, out: &mut Vec<u8>) {
        if self.phase != Phase::Closed {
            out.extend_from_slice(b": keep-alive\n\n");
        }
    }

    fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    fn failed(&self) -> bool {
        self.failed
    }
}
