//! OpenAI Responses client over a Chat Completions upstream (Codex CLI against an
//! OpenAI-compatible model).
//!
//! What Codex 0.169 sends and where it goes:
//! - `instructions` and `developer` / `system` messages become `system` chat messages (many
//!   OpenAI-compatible servers do not know the `developer` role).
//! - `input` items: messages (`input_text`, `output_text`, `input_image`, `input_file` parts),
//!   `function_call` / `custom_tool_call` (merged into the preceding assistant turn as
//!   `tool_calls`), `function_call_output` / `custom_tool_call_output` (one `tool` message each);
//!   `reasoning` items (encrypted, meaningless to another model) and hosted-tool items are dropped.
//! - `tools`: `function` tools as they are; `namespace` groups are flattened into plain function
//!   tools (the inner name, or `namespace__name` if that collides) and mapped back on the way
//!   out, with `namespace` set on the call; `custom` (free-form) tools become a function with one
//!   string parameter `input`; hosted tools (`web_search`, `file_search`, `image_generation`,
//!   `local_shell`, `mcp`, ...) have no chat equivalent and are dropped.
//! - `tool_choice`, `parallel_tool_calls`, `max_output_tokens` (-> `max_tokens`), `temperature`,
//!   `top_p`, `reasoning.effort` (-> `reasoning_effort`), `text.format` (-> `response_format`),
//!   `stream` (+ `stream_options.include_usage`) are mapped; `store`, `include`,
//!   `prompt_cache_key`, `reasoning.summary`, `client_metadata`, `metadata`, `service_tier`,
//!   `truncation`, `user` are dropped.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::sse::{SseParser, write_event};
use super::wire::{
    ChatUsage, ChunkEvent, ToolCallDelta, copy, decode_chat_chunk, merge_system, text_of,
};
use super::{StreamTranslator, Untranslatable, item_id, now_secs};

/// Where a chat function name came from in the Responses request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOrigin {
    /// The Responses tool name (inside its namespace).
    pub name: String,
    /// The `namespace` group it belongs to.
    pub namespace: Option<String>,
    /// A free-form `custom` tool (its single string argument is `input`).
    pub custom: bool,
}

/// Chat function name -> where it came from. Needed to translate the answer back.
#[derive(Debug, Clone, Default)]
pub struct ToolMap(HashMap<String, ToolOrigin>);

impl ToolMap {
    fn origin(&self, chat_name: &str) -> ToolOrigin {
        self.0.get(chat_name).cloned().unwrap_or(ToolOrigin {
            name: chat_name.to_string(),
            namespace: None,
            custom: false,
        })
    }

    fn chat_name(&self, name: &str, namespace: Option<&str>) -> String {
        self.0
            .iter()
            .find(|(_, o)| o.name == name && o.namespace.as_deref() == namespace)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| name.to_string())
    }
}

/// A translated request: the chat body and the tool names needed to translate the answer.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub body: Value,
    pub tools: ToolMap,
}

/// Translate an OpenAI Responses request body into a Chat Completions request body.
pub fn request_to_chat(req: &Value) -> ChatRequest {
    let empty = Map::new();
    let r = req.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    copy(r, "model", &mut out, "model");

    let (tools, map) = tools_to_chat(r.get("tools"));
    let mut messages = Vec::new();
    if let Some(instr) = r.get("instructions").map(text_of).filter(|s| !s.is_empty()) {
        messages.push(json!({"role": "system", "content": instr}));
    }
    match r.get("input") {
        Some(Value::String(s)) => messages.push(json!({"role": "user", "content": s})),
        Some(Value::Array(items)) => {
            for item in items {
                push_item(item, &map, &mut messages);
            }
        }
        _ => {}
    }
    out.insert("messages".into(), Value::Array(merge_system(messages)));

    let has_tools = !tools.is_empty();
    if has_tools {
        out.insert("tools".into(), Value::Array(tools));
        match r.get("tool_choice") {
            Some(Value::String(s)) if matches!(s.as_str(), "auto" | "none" | "required") => {
                out.insert("tool_choice".into(), json!(s));
            }
            Some(Value::Object(c)) if c.get("type").and_then(Value::as_str) == Some("function") => {
                if let Some(name) = c.get("name").and_then(Value::as_str) {
                    let chat = map.chat_name(name, c.get("namespace").and_then(Value::as_str));
                    out.insert(
                        "tool_choice".into(),
                        json!({"type": "function", "function": {"name": chat}}),
                    );
                }
            }
            _ => {}
        }
        copy(r, "parallel_tool_calls", &mut out, "parallel_tool_calls");
    }
    copy(r, "max_output_tokens", &mut out, "max_tokens");
    copy(r, "temperature", &mut out, "temperature");
    copy(r, "top_p", &mut out, "top_p");
    if let Some(effort) = r
        .get("reasoning")
        .and_then(|x| x.get("effort"))
        .and_then(Value::as_str)
    {
        let effort = match effort {
            "xhigh" => Some("high"),
            "minimal" | "low" | "medium" | "high" => Some(effort),
            _ => None,
        };
        if let Some(e) = effort {
            out.insert("reasoning_effort".into(), json!(e));
        }
    }
    if let Some(format) = r.get("text").and_then(|t| t.get("format")) {
        match format.get("type").and_then(Value::as_str) {
            Some("json_schema") => {
                let mut js = Map::new();
                js.insert(
                    "name".into(),
                    format.get("name").cloned().unwrap_or(json!("output")),
                );
                if let Some(f) = format.as_object() {
                    copy(f, "schema", &mut js, "schema");
                    copy(f, "strict", &mut js, "strict");
                    copy(f, "description", &mut js, "description");
                }
                out.insert(
                    "response_format".into(),
                    json!({"type": "json_schema", "json_schema": js}),
                );
            }
            Some("json_object") => {
                out.insert("response_format".into(), json!({"type": "json_object"}));
            }
            _ => {}
        }
    }
    if r.get("stream").and_then(Value::as_bool) == Some(true) {
        out.insert("stream".into(), Value::Bool(true));
        out.insert("stream_options".into(), json!({"include_usage": true}));
    }
    ChatRequest {
        body: Value::Object(out),
        tools: map,
    }
}

fn tools_to_chat(tools: Option<&Value>) -> (Vec<Value>, ToolMap) {
    let tools = tools
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let top_level: Vec<&str> = tools
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str) != Some("namespace"))
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .collect();
    let mut out = Vec::new();
    let mut map = ToolMap::default();
    let mut add = |t: &Value, namespace: Option<&str>, out: &mut Vec<Value>| {
        let Some(name) = t.get("name").and_then(Value::as_str) else {
            return;
        };
        let custom = match t.get("type").and_then(Value::as_str) {
            Some("function") => false,
            Some("custom") => true,
            _ => return,
        };
        let chat_name = match namespace {
            Some(ns) if top_level.contains(&name) || map.0.contains_key(name) => {
                format!("{ns}__{name}")
            }
            _ => name.to_string(),
        };
        let mut f = Map::new();
        f.insert("name".into(), json!(chat_name));
        if let Some(d) = t.get("description") {
            f.insert("description".into(), d.clone());
        }
        if custom {
            let mut desc = "The complete input for this tool, as free-form text.".to_string();
            if let Some(def) = t.pointer("/format/definition").and_then(Value::as_str) {
                desc.push_str(" It must follow this grammar:\n");
                desc.push_str(def);
            }
            f.insert(
                "parameters".into(),
                json!({"type": "object", "properties": {"input": {"type": "string", "description": desc}},
                       "required": ["input"]}),
            );
        } else {
            f.insert(
                "parameters".into(),
                t.get("parameters")
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            );
            if let Some(strict) = t.get("strict").filter(|s| s.as_bool() == Some(true)) {
                f.insert("strict".into(), strict.clone());
            }
        }
        map.0.insert(
            chat_name,
            ToolOrigin {
                name: name.to_string(),
                namespace: namespace.map(str::to_string),
                custom,
            },
        );
        out.push(json!({"type": "function", "function": f}));
    };
    for t in tools {
        if t.get("type").and_then(Value::as_str) == Some("namespace") {
            let ns = t.get("name").and_then(Value::as_str);
            for inner in t
                .get("tools")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                add(inner, ns, &mut out);
            }
        } else {
            add(t, None, &mut out);
        }
    }
    (out, map)
}

fn push_item(item: &Value, map: &ToolMap, out: &mut Vec<Value>) {
    let kind = item
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or(if item.get("role").is_some() {
            "message"
        } else {
            ""
        });
    match kind {
        "message" => push_message(item, out),
        "function_call" | "custom_tool_call" => {
            let name = item.get("name").and_then(Value::as_str).unwrap_or("");
            let chat_name = map.chat_name(name, item.get("namespace").and_then(Value::as_str));
            let arguments = if kind == "custom_tool_call" {
                json!({"input": item.get("input").and_then(Value::as_str).unwrap_or("")})
                    .to_string()
            } else {
                match item.get("arguments") {
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => "{}".into(),
                }
            };
            let call = json!({
                "id": item.get("call_id").cloned().unwrap_or(Value::Null),
                "type": "function",
                "function": {"name": chat_name, "arguments": arguments},
            });
            // Calls join the assistant turn right before them (its text, earlier parallel calls).
            if let Some(last) = out
                .last_mut()
                .filter(|m| m.get("role").and_then(Value::as_str) == Some("assistant"))
                .and_then(Value::as_object_mut)
            {
                let calls = last.entry("tool_calls").or_insert_with(|| json!([]));
                if let Some(calls) = calls.as_array_mut() {
                    calls.push(call);
                }
                if last.get("content").and_then(Value::as_str) == Some("") {
                    last.insert("content".into(), Value::Null);
                }
            } else {
                out.push(json!({"role": "assistant", "content": null, "tool_calls": [call]}));
            }
        }
        "function_call_output" | "custom_tool_call_output" => {
            let (text, images) = match item.get("output") {
                Some(Value::Array(parts)) => {
                    let images: Vec<Value> = parts.iter().filter_map(image_part).collect();
                    (text_of(&Value::Array(parts.clone())), images)
                }
                Some(other) => (text_of(other), Vec::new()),
                None => (String::new(), Vec::new()),
            };
            out.push(json!({
                "role": "tool",
                "tool_call_id": item.get("call_id").cloned().unwrap_or(Value::Null),
                "content": text,
            }));
            if !images.is_empty() {
                out.push(json!({"role": "user", "content": images}));
            }
        }
        // reasoning, web_search_call, local_shell_call, item_reference, compaction, ...
        _ => {}
    }
}

fn push_message(item: &Value, out: &mut Vec<Value>) {
    let role = item.get("role").and_then(Value::as_str).unwrap_or("user");
    let content = item.get("content").unwrap_or(&Value::Null);
    match role {
        "developer" | "system" => {
            out.push(json!({"role": "system", "content": text_of(content)}));
        }
        "assistant" => out.push(json!({"role": "assistant", "content": text_of(content)})),
        _ => {
            let parts: Vec<Value> = match content {
                Value::Array(parts) => parts.iter().filter_map(input_part).collect(),
                other => vec![json!({"type": "text", "text": text_of(other)})],
            };
            let all_text = parts
                .iter()
                .all(|p| p.get("type").and_then(Value::as_str) == Some("text"));
            let content = if all_text {
                json!(text_of(&Value::Array(parts)))
            } else {
                Value::Array(parts)
            };
            out.push(json!({"role": "user", "content": content}));
        }
    }
}

fn input_part(p: &Value) -> Option<Value> {
    match p.get("type").and_then(Value::as_str)? {
        "input_text" | "output_text" | "text" | "summary_text" => {
            Some(json!({"type": "text", "text": p.get("text").cloned().unwrap_or(json!(""))}))
        }
        "refusal" => Some(json!({"type": "text", "text": p.get("refusal")?})),
        "input_image" => image_part(p),
        "input_file" => {
            let mut file = Map::new();
            if let Some(f) = p.as_object() {
                copy(f, "file_data", &mut file, "file_data");
                copy(f, "file_id", &mut file, "file_id");
                copy(f, "filename", &mut file, "filename");
            }
            Some(json!({"type": "file", "file": file}))
        }
        _ => None,
    }
}

fn image_part(p: &Value) -> Option<Value> {
    if p.get("type").and_then(Value::as_str) != Some("input_image") {
        return None;
    }
    let url = p.get("image_url").and_then(Value::as_str)?;
    let mut image = Map::new();
    image.insert("url".into(), json!(url));
    if let Some(d) = p.get("detail").filter(|d| d.as_str() != Some("auto")) {
        image.insert("detail".into(), d.clone());
    }
    Some(json!({"type": "image_url", "image_url": image}))
}

/// The Responses output item for one chat tool call.
fn call_item(id: &str, call_id: &str, chat_name: &str, args: &str, map: &ToolMap) -> Value {
    let origin = map.origin(chat_name);
    if origin.custom {
        let input = serde_json::from_str::<Value>(args)
            .ok()
            .and_then(|v| v.get("input").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| args.to_string());
        return json!({"type": "custom_tool_call", "id": id, "status": "completed",
                      "call_id": call_id, "name": origin.name, "input": input});
    }
    let mut item = Map::new();
    item.insert("type".into(), json!("function_call"));
    item.insert("id".into(), json!(id));
    item.insert("status".into(), json!("completed"));
    item.insert("call_id".into(), json!(call_id));
    item.insert("name".into(), json!(origin.name));
    if let Some(ns) = origin.namespace {
        item.insert("namespace".into(), json!(ns));
    }
    item.insert("arguments".into(), json!(args));
    Value::Object(item)
}

fn message_item(id: &str, text: &str, status: &str) -> Value {
    json!({"type": "message", "id": id, "status": status, "role": "assistant",
           "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]})
}

fn reasoning_item(id: &str, text: &str) -> Value {
    json!({"type": "reasoning", "id": id, "summary": [{"type": "summary_text", "text": text}]})
}

/// `status` and `incomplete_details` for a chat `finish_reason`.
fn status_of(finish: Option<&str>) -> (&'static str, Value) {
    match finish {
        Some("length") => ("incomplete", json!({"reason": "max_output_tokens"})),
        Some("content_filter") => ("incomplete", json!({"reason": "content_filter"})),
        _ => ("completed", Value::Null),
    }
}

/// Translate a Chat Completions response into a Responses response. `id` is the response id
/// to use, `model` the name the client asked for. A tool call without a name has no translation.
pub fn response_from_chat(
    resp: &Value,
    id: &str,
    model: &str,
    tools: &ToolMap,
) -> Result<Value, Untranslatable> {
    let msg = resp
        .pointer("/choices/0/message")
        .cloned()
        .unwrap_or(Value::Null);
    let mut output = Vec::new();
    if let Some(r) = msg
        .get("reasoning_content")
        .or_else(|| msg.get("reasoning"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        output.push(reasoning_item(&item_id("rs_", id, output.len()), r));
    }
    let mut text = msg.get("content").map(text_of).unwrap_or_default();
    if text.is_empty() {
        text = msg
            .get("refusal")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
    }
    if !text.is_empty() {
        output.push(message_item(
            &item_id("msg_", id, output.len()),
            &text,
            "completed",
        ));
    }
    for (i, c) in msg
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let n = output.len();
        let name = c
            .pointer("/function/name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(Untranslatable::NamelessToolCall { index: i })?;
        let call_id = c
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map_or_else(|| item_id("call_", id, n), str::to_string);
        output.push(call_item(
            &item_id("fc_", id, n),
            &call_id,
            name,
            c.pointer("/function/arguments")
                .and_then(Value::as_str)
                .unwrap_or(""),
            tools,
        ));
    }
    let (status, incomplete) = status_of(
        resp.pointer("/choices/0/finish_reason")
            .and_then(Value::as_str),
    );
    let usage = ChatUsage::from_value(resp.get("usage"))
        .map(|u| u.to_responses())
        .unwrap_or(Value::Null);
    Ok(json!({
        "id": id, "object": "response", "created_at": now_secs(), "status": status,
        "error": null, "incomplete_details": incomplete, "model": model,
        "output": output, "usage": usage,
    }))
}

/// A text or summary delta, serialised without building a JSON tree (the per-chunk hot path).
#[derive(Serialize)]
struct TextDelta<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: u64,
    item_id: &'a str,
    output_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_index: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary_index: Option<u32>,
    delta: &'a str,
}

#[derive(Debug)]
enum Item {
    Message { id: String, text: String },
    Reasoning { id: String, text: String },
    Call(Call),
}

/// A tool call with its output item (added once its name was known).
#[derive(Debug)]
struct Call {
    /// The output item id (`fc_...`).
    id: String,
    chat_index: usize,
    call_id: String,
    /// The chat function name.
    name: String,
    args: String,
}

/// A tool call whose name has not arrived yet: it has no output item, and so no
/// `output_index`, until the name comes; its argument bytes wait here.
#[derive(Debug)]
struct Unnamed {
    chat_index: usize,
    call_id: Option<String>,
    args: String,
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Phase {
    Streaming,
    Finished,
    Closed,
}

/// Chat Completions chunks in, Responses stream events out.
#[derive(Debug)]
pub struct ResponsesStream {
    parser: SseParser,
    id: String,
    model: String,
    tools: ToolMap,
    created_at: u64,
    seq: u64,
    started: bool,
    /// Output items in `output_index` order; `done` ones are finished.
    items: Vec<(Item, bool)>,
    /// Position of the open message or reasoning item.
    open_text: Option<usize>,
    /// Tool calls still waiting for their name.
    unnamed: Vec<Unnamed>,
    /// Tool calls seen so far, and the chat index of the newest (for servers that omit
    /// `index`).
    calls: usize,
    last_call: Option<usize>,
    finish: Option<String>,
    usage: Option<ChatUsage>,
    phase: Phase,
    /// Closed by an error event.
    failed: bool,
}

impl ResponsesStream {
    /// A translator for one response; `id` is the response id (`resp_...`), `model` the name the
    /// client asked for, `tools` from [`request_to_chat`].
    pub fn new(id: impl Into<String>, model: impl Into<String>, tools: ToolMap) -> Self {
        ResponsesStream {
            parser: SseParser::new(),
            id: id.into(),
            model: model.into(),
            tools,
            created_at: now_secs(),
            seq: 0,
            started: false,
            items: Vec::new(),
            open_text: None,
            unnamed: Vec::new(),
            calls: 0,
            last_call: None,
            finish: None,
            usage: None,
            phase: Phase::Streaming,
            failed: false,
        }
    }

    /// Fix `created_at` (for reproducible snapshots).
    pub fn with_created_at(mut self, created_at: u64) -> Self {
        self.created_at = created_at;
        self
    }

    fn emit(&mut self, name: &str, body: Value, out: &mut Vec<u8>) {
        let mut event = Map::with_capacity(6);
        event.insert("type".into(), json!(name));
        event.insert("sequence_number".into(), json!(self.seq));
        if let Value::Object(fields) = body {
            event.extend(fields);
        }
        self.seq += 1;
        write_event(out, name, &event);
    }

    fn response(&self, status: &str, output: Vec<Value>) -> Value {
        json!({"id": self.id, "object": "response", "created_at": self.created_at,
               "status": status, "error": null, "incomplete_details": null,
               "model": self.model, "output": output, "usage": null})
    }

    fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        let r = self.response("in_progress", Vec::new());
        self.emit("response.created", json!({"response": r}), out);
        self.emit("response.in_progress", json!({"response": r}), out);
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
                    self.text_delta(true, r, out);
                }
                for text in [&delta.content, &delta.refusal].into_iter().flatten() {
                    if !text.is_empty() {
                        self.text_delta(false, text, out);
                    }
                }
                for call in delta.tool_calls.iter().flatten() {
                    self.tool_delta(call, out);
                }
            }
            if let Some(finish) = &choice.finish_reason
                && self.phase == Phase::Streaming
            {
                self.finish = Some(finish.clone());
                self.close_items(out);
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

    fn text_delta(&mut self, reasoning: bool, text: &str, out: &mut Vec<u8>) {
        let current = self.open_text.filter(|&p| {
            matches!(
                (&self.items[p].0, reasoning),
                (Item::Reasoning { .. }, true) | (Item::Message { .. }, false)
            )
        });
        let pos = match current {
            Some(p) => p,
            None => {
                self.close_text(out);
                let pos = self.items.len();
                let (item, added) = if reasoning {
                    let id = item_id("rs_", &self.id, pos);
                    let added = json!({"type": "reasoning", "id": id, "summary": []});
                    (
                        Item::Reasoning {
                            id,
                            text: String::new(),
                        },
                        added,
                    )
                } else {
                    let id = item_id("msg_", &self.id, pos);
                    let added = json!({"type": "message", "id": id, "status": "in_progress",
                                       "role": "assistant", "content": []});
                    (
                        Item::Message {
                            id,
                            text: String::new(),
                        },
                        added,
                    )
                };
                let item_id = match &item {
                    Item::Message { id, .. } | Item::Reasoning { id, .. } => id.clone(),
                    Item::Call(c) => c.id.clone(),
                };
                self.items.push((item, false));
                self.open_text = Some(pos);
                self.emit(
                    "response.output_item.added",
                    json!({"output_index": pos, "item": added}),
                    out,
                );
                if reasoning {
                    self.emit(
                        "response.reasoning_summary_part.added",
                        json!({"item_id": item_id, "output_index": pos, "summary_index": 0,
                               "part": {"type": "summary_text", "text": ""}}),
                        out,
                    );
                } else {
                    self.emit(
                        "response.content_part.added",
                        json!({"item_id": item_id, "output_index": pos, "content_index": 0,
                               "part": {"type": "output_text", "text": "", "annotations": []}}),
                        out,
                    );
                }
                pos
            }
        };
        let (item_id, name) = match &mut self.items[pos].0 {
            Item::Message { id, text: acc } => {
                acc.push_str(text);
                (id.as_str(), "response.output_text.delta")
            }
            Item::Reasoning { id, text: acc } => {
                acc.push_str(text);
                (id.as_str(), "response.reasoning_summary_text.delta")
            }
            Item::Call(_) => return,
        };
        let (content_index, summary_index) = if reasoning {
            (None, Some(0))
        } else {
            (Some(0), None)
        };
        let event = TextDelta {
            kind: name,
            sequence_number: self.seq,
            item_id,
            output_index: pos,
            content_index,
            summary_index,
            delta: text,
        };
        write_event(out, name, &event);
        self.seq += 1;
    }

    fn close_text(&mut self, out: &mut Vec<u8>) {
        if let Some(pos) = self.open_text.take() {
            self.close_item(pos, out);
        }
    }

    fn close_item(&mut self, pos: usize, out: &mut Vec<u8>) {
        if self.items[pos].1 {
            return;
        }
        self.items[pos].1 = true;
        match &self.items[pos].0 {
            Item::Message { id, text } => {
                let (id, text) = (id.clone(), text.clone());
                let part = json!({"type": "output_text", "text": text, "annotations": []});
                self.emit(
                    "response.output_text.done",
                    json!({"item_id": id, "output_index": pos, "content_index": 0, "text": text}),
                    out,
                );
                self.emit(
                    "response.content_part.done",
                    json!({"item_id": id, "output_index": pos, "content_index": 0, "part": part}),
                    out,
                );
                let item = message_item(&id, &text, "completed");
                self.emit(
                    "response.output_item.done",
                    json!({"output_index": pos, "item": item}),
                    out,
                );
            }
            Item::Reasoning { id, text } => {
                let (id, text) = (id.clone(), text.clone());
                self.emit(
                    "response.reasoning_summary_text.done",
                    json!({"item_id": id, "output_index": pos, "summary_index": 0, "text": text}),
                    out,
                );
                self.emit(
                    "response.reasoning_summary_part.done",
                    json!({"item_id": id, "output_index": pos, "summary_index": 0,
                           "part": {"type": "summary_text", "text": text}}),
                    out,
                );
                let item = reasoning_item(&id, &text);
                self.emit(
                    "response.output_item.done",
                    json!({"output_index": pos, "item": item}),
                    out,
                );
            }
            Item::Call(c) => {
                let item = self.full_call(c);
                let custom = self.tools.origin(&c.name).custom;
                let (id, args) = (c.id.clone(), c.args.clone());
                if !custom {
                    self.emit(
                        "response.function_call_arguments.done",
                        json!({"item_id": id, "output_index": pos, "arguments": args}),
                        out,
                    );
                }
                self.emit(
                    "response.output_item.done",
                    json!({"output_index": pos, "item": item}),
                    out,
                );
            }
        }
    }

    fn full_call(&self, c: &Call) -> Value {
        call_item(&c.id, &c.call_id, &c.name, &c.args, &self.tools)
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
            let known = id.is_none_or(|id| self.has_call_id(id));
            match self.last_call {
                Some(last) if known => last,
                _ => self.calls,
            }
        });
        let added = self
            .items
            .iter()
            .position(|(i, _)| matches!(i, Item::Call(c) if c.chat_index == index));
        if let Some(pos) = added {
            if let Item::Call(c) = &mut self.items[pos].0 {
                c.args.push_str(args);
            }
            self.args_delta(pos, args, out);
            return;
        }
        let w = match self.unnamed.iter().position(|u| u.chat_index == index) {
            Some(w) => w,
            // A delta that carries nothing is not a tool call.
            None if id.is_none() && name.is_none() && args.is_empty() => return,
            None => {
                self.calls += 1;
                self.last_call = Some(index);
                self.unnamed.push(Unnamed {
                    chat_index: index,
                    call_id: None,
                    args: String::new(),
                });
                self.unnamed.len() - 1
            }
        };
        let u = &mut self.unnamed[w];
        if let Some(id) = id {
            u.call_id.get_or_insert_with(|| id.to_string());
        }
        u.args.push_str(args);
        if let Some(name) = name {
            let u = self.unnamed.remove(w);
            self.add_call(u, name, out);
        }
    }

    fn has_call_id(&self, id: &str) -> bool {
        self.unnamed
            .iter()
            .any(|u| u.call_id.as_deref() == Some(id))
            || self
                .items
                .iter()
                .any(|(i, _)| matches!(i, Item::Call(c) if c.call_id == id))
    }

    fn args_delta(&mut self, pos: usize, args: &str, out: &mut Vec<u8>) {
        let Item::Call(c) = &self.items[pos].0 else {
            return;
        };
        if args.is_empty() || self.tools.origin(&c.name).custom {
            return;
        }
        let id = c.id.clone();
        self.emit(
            "response.function_call_arguments.delta",
            json!({"item_id": id, "output_index": pos, "delta": args}),
            out,
        );
    }

    /// The call's name is known: its output item goes out (`output_item.added`), then the
    /// argument bytes held so far. A call without an id gets `call_<response>_<index>`; an id
    /// arriving after the name is not used (the item already went out with the made-up one).
    fn add_call(&mut self, u: Unnamed, name: &str, out: &mut Vec<u8>) {
        self.close_text(out);
        let pos = self.items.len();
        let id = item_id("fc_", &self.id, pos);
        let call_id = u
            .call_id
            .unwrap_or_else(|| item_id("call_", &self.id, u.chat_index));
        let mut item = call_item(&id, &call_id, name, "", &self.tools);
        item["status"] = json!("in_progress");
        let pending = u.args;
        self.items.push((
            Item::Call(Call {
                id,
                chat_index: u.chat_index,
                call_id,
                name: name.to_string(),
                args: pending.clone(),
            }),
            false,
        ));
        self.emit(
            "response.output_item.added",
            json!({"output_index": pos, "item": item}),
            out,
        );
        self.args_delta(pos, &pending, out);
    }

    /// Finish every item. A tool call still waiting for its name cannot become an output
    /// item: the stream ends with `response.failed` instead.
    fn close_items(&mut self, out: &mut Vec<u8>) {
        if let Some(u) = self.unnamed.first() {
            let e = Untranslatable::NamelessToolCall {
                index: u.chat_index,
            };
            self.fail(&e.to_string(), out);
            return;
        }
        self.open_text = None;
        for pos in 0..self.items.len() {
            self.close_item(pos, out);
        }
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        self.start(out);
        self.close_items(out);
        if self.phase == Phase::Closed {
            return;
        }
        let output: Vec<Value> = self
            .items
            .iter()
            .map(|(i, _)| match i {
                Item::Message { id, text } => message_item(id, text, "completed"),
                Item::Reasoning { id, text } => reasoning_item(id, text),
                Item::Call(c) => self.full_call(c),
            })
            .collect();
        let (status, incomplete) = status_of(self.finish.as_deref());
        let mut r = self.response(status, output);
        r["incomplete_details"] = incomplete;
        if let Some(u) = &self.usage {
            r["usage"] = u.to_responses();
        }
        let name = if status == "completed" {
            "response.completed"
        } else {
            "response.incomplete"
        };
        self.emit(name, json!({"response": r}), out);
        self.phase = Phase::Closed;
    }

    fn fail(&mut self, message: &str, out: &mut Vec<u8>) {
        if self.phase == Phase::Closed {
            return;
        }
        self.start(out);
        let mut r = self.response("failed", Vec::new());
        r["error"] = json!({"code": "server_error", "message": message});
        self.emit("response.failed", json!({"response": r}), out);
        self.failed = true;
        self.phase = Phase::Closed;
    }
}

impl StreamTranslator for ResponsesStream {
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
        if self.started {
            out.extend_from_slice(b": keep-alive\n\n");
        } else {
            self.start(out);
        }
    }

    fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    fn failed(&self) -> bool {
        self.failed
    }
}
