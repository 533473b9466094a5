//! What the routing rules read from a request, read only as far as each rule needs.
//!
//! Claude Code's requests run to tens or hundreds of kilobytes, most of it tool definitions
//! and conversation. Parsing them to answer "is there an image in the last turn?" would cost
//! more than the rest of the gateway's work, so each rule first looks for the bytes that
//! must be there when it holds (a substring search, several GB/s) and parses the part that
//! matters only when they are. The prefilters rely on one property of JSON: inside a string
//! a `"` is always escaped, so a quote-delimited token such as `"image"` in the raw text is
//! a whole JSON string, never part of one.

use std::ops::Range;

use memchr::memmem;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Effort, Table};
use crate::translate::count;

/// A request body whose top-level fields can be read as raw JSON text.
pub trait Body {
    /// The raw JSON text of top-level field `key`.
    fn field(&self, key: &str) -> Option<&[u8]>;
    /// The whole body.
    fn bytes(&self) -> &[u8];
}

/// The client protocol, which says where each signal lives in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Anthropic Messages (and `count_tokens`).
    Messages,
    /// OpenAI Chat Completions.
    Chat,
    /// OpenAI Responses.
    Responses,
}

/// A body field to replace before forwarding, with its new raw JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldEdit {
    pub key: &'static str,
    pub raw: Vec<u8>,
}

/// A subagent tag found at the start of the system prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// The text between the tags, trimmed.
    pub name: String,
    /// The field with the tag removed.
    pub edit: FieldEdit,
}

/// The two tags: fgc's, and claude-code-router's (whose text is `provider,model`).
const TAGS: [(&str, &str); 2] = [
    ("<FGC-SUBAGENT-MODEL>", "</FGC-SUBAGENT-MODEL>"),
    ("<CCR-SUBAGENT-MODEL>", "</CCR-SUBAGENT-MODEL>"),
];
/// In every tag, and never escaped by any JSON encoder (Go escapes `<` as `\u003c`).
const TAG_NEEDLE: &[u8] = b"SUBAGENT-MODEL";

impl Tag {
    /// The names the tag may mean: the whole text, and for claude-code-router's
    /// `provider,model` the part after the first comma.
    pub fn candidates(&self) -> Vec<&str> {
        let mut v = vec![self.name.as_str()];
        if let Some((_, model)) = self.name.split_once(',') {
            let model = model.trim();
            if !model.is_empty() && model != self.name {
                v.push(model);
            }
        }
        v
    }
}

/// A token estimate: the body's bytes without base64 payloads, at [`BYTES_PER_TOKEN`], plus
/// the flat image and document charges of [`crate::translate::count`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    pub tokens: u64,
}

/// Bytes of JSON text per token, measured on recorded Claude Code and Codex requests
/// against the local count (docs/routing.md, "Long context").
pub const BYTES_PER_TOKEN: u64 = 4;
/// Below this share of the threshold the estimate decides "short" without counting.
pub const BAND_LOW: f64 = 0.5;
/// Above this share of the threshold it decides "long" without counting.
pub const BAND_HIGH: f64 = 2.0;
/// The most one base64 payload adds to the estimate: an image's charge (a document's is
/// 1,500 tokens plus less than its bytes take away).
const MAX_PAYLOAD_CHARGE: u64 = count::IMAGE_TOKENS;

impl Estimate {
    /// Which side of `threshold` the request is on, when the estimate is far enough from it
    /// to say: `Some(true)` over, `Some(false)` not over, `None` near (count exactly).
    pub fn side_of(self, threshold: u64) -> Option<bool> {
        let t = threshold as f64;
        let n = self.tokens as f64;
        if n < t * BAND_LOW {
            Some(false)
        } else if n > t * BAND_HIGH {
            Some(true)
        } else {
            None
        }
    }
}

/// One request, as the routing rules see it.
pub struct Probe<'a, B: Body + ?Sized> {
    protocol: Protocol,
    body: &'a B,
    model: &'a str,
}

impl<'a, B: Body + ?Sized> Probe<'a, B> {
    pub fn new(protocol: Protocol, body: &'a B, model: &'a str) -> Self {
        Probe {
            protocol,
            body,
            model,
        }
    }

    pub fn model(&self) -> &str {
        self.model
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    // ---------------------------------------------------------------- the system prompt

    /// The fields that hold the system prompt, each with the part of its raw text the
    /// system prompt occupies (for `messages` / `input`: the leading system and developer
    /// messages only).
    fn system_fields(&self) -> Vec<(&'static str, &'a [u8])> {
        let mut out = Vec::new();
        match self.protocol {
            Protocol::Messages => {
                if let Some(s) = self.body.field("system") {
                    out.push(("system", s));
                }
            }
            Protocol::Chat => {
                if let Some(m) = self.body.field("messages") {
                    out.push(("messages", leading_system(m)));
                }
            }
            Protocol::Responses => {
                if let Some(s) = self.body.field("instructions") {
                    out.push(("instructions", s));
                }
                if let Some(i) = self
                    .body
                    .field("input")
                    .filter(|i| i.first() == Some(&b'['))
                {
                    out.push(("input", leading_system(i)));
                }
            }
        }
        out
    }

    /// A subagent tag at the start of the system prompt (of any of its text blocks, or of
    /// any leading system message), with the field rewritten without it.
    pub fn tag(&self) -> Option<Tag> {
        for (key, lead) in self.system_fields() {
            if memmem::find(lead, TAG_NEEDLE).is_none() {
                continue;
            }
            let raw = self.body.field(key)?;
            let mut v: Value = serde_json::from_slice(raw).ok()?;
            let mut name = None;
            visit_system_texts(
                self.protocol,
                key,
                &mut v,
                &mut |text| match strip_tag(text) {
                    Some((n, rest)) => {
                        *text = rest;
                        name = Some(n);
                        true
                    }
                    None => false,
                },
            );
            if let Some(name) = name {
                let raw = serde_json::to_vec(&v).ok()?;
                return Some(Tag {
                    name,
                    edit: FieldEdit { key, raw },
                });
            }
        }
        None
    }

    /// Whether a system text block (or leading system message) starts with one of the
    /// table's background prompts.
    pub fn starts_with_background_prompt(&self, table: &Table) -> bool {
        if table.background_prompts.is_empty() {
            return false;
        }
        for (key, lead) in self.system_fields() {
            // `\u` escapes can hide a prompt's text from the byte search: parse then.
            let escaped = memmem::find(lead, b"\\u").is_some();
            if !escaped
                && !table
                    .prompt_needles
                    .iter()
                    .any(|n| memmem::find(lead, n).is_some())
            {
                continue;
            }
            let Some(mut v) = self
                .body
                .field(key)
                .and_then(|r| serde_json::from_slice::<Value>(r).ok())
            else {
                continue;
            };
            let mut hit = false;
            visit_system_texts(self.protocol, key, &mut v, &mut |text| {
                let t = text.trim_start();
                hit = table.background_prompts.iter().any(|p| t.starts_with(p));
                hit
            });
            if hit {
                return true;
            }
        }
        false
    }

    // ---------------------------------------------------------------- scenarios

    /// Whether the latest user turn (the messages after the last assistant turn) carries an
    /// image, directly or inside a tool result.
    pub fn has_image(&self) -> bool {
        let (key, needle): (&str, &[u8]) = match self.protocol {
            Protocol::Messages => ("messages", b"\"image\""),
            Protocol::Chat => ("messages", b"\"image_url\""),
            Protocol::Responses => ("input", b"\"input_image\""),
        };
        let Some(raw) = self.body.field(key) else {
            return false;
        };
        if raw.first() != Some(&b'[') || memmem::find(raw, needle).is_none() {
            return false;
        }
        let items: Vec<Range<usize>> = Elements::new(raw).collect();
        for r in items.iter().rev() {
            let item = &raw[r.clone()];
            let Ok(head) = serde_json::from_slice::<ItemHead>(item) else {
                return false;
            };
            match turn_part(self.protocol, &head) {
                // Only an item holding the marker is parsed whole.
                TurnPart::User if memmem::find(item, needle).is_some() => {
                    if serde_json::from_slice::<Value>(item).is_ok_and(|v| carries_image(&v)) {
                        return true;
                    }
                }
                TurnPart::User | TurnPart::System => {}
                TurnPart::Other => return false,
            }
        }
        false
    }

    /// Whether a server-side web-search tool is offered (Anthropic `web_search_*`, OpenAI
    /// Responses `web_search*`, Chat Completions `web_search_options`). Client-side tools
    /// that happen to be named for searching (Claude Code's `WebSearch` function) do not
    /// count: Claude Code runs a search as a request of its own that offers the server tool.
    pub fn offers_web_search(&self) -> bool {
        if self.protocol == Protocol::Chat
            && self
                .body
                .field("web_search_options")
                .is_some_and(|v| v != b"null")
        {
            return true;
        }
        let Some(tools) = self.body.field("tools") else {
            return false;
        };
        if memmem::find(tools, b"web_search").is_none() {
            return false;
        }
        #[derive(Deserialize)]
        struct ToolType {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        serde_json::from_slice::<Vec<ToolType>>(tools).is_ok_and(|ts| {
            ts.iter().any(|t| {
                t.kind
                    .as_deref()
                    .is_some_and(|k| k.starts_with("web_search"))
            })
        })
    }

    /// The reasoning effort the request asks for, `None` when it asks for no thinking.
    /// Anthropic: `thinking` disabled or absent is none (whatever `output_config.effort`
    /// says); `adaptive` is `output_config.effort`, else `high` (Anthropic's default);
    /// `enabled` is the effort when given, else its budget's level. OpenAI: `reasoning.effort`
    /// (Responses; Chat also `reasoning_effort`), `none` being none.
    pub fn effort(&self) -> Option<Effort> {
        let parse = |key: &str| {
            self.body
                .field(key)
                .and_then(|r| serde_json::from_slice::<Value>(r).ok())
        };
        match self.protocol {
            Protocol::Messages => {
                let thinking = parse("thinking")?;
                let stated = parse("output_config")
                    .as_ref()
                    .and_then(|o| o.get("effort"))
                    .and_then(Value::as_str)
                    .and_then(Effort::parse);
                match thinking.get("type").and_then(Value::as_str)? {
                    "adaptive" => Some(stated.unwrap_or(Effort::High)),
                    "enabled" => stated.or_else(|| {
                        Some(
                            thinking
                                .get("budget_tokens")
                                .and_then(Value::as_u64)
                                .map_or(Effort::High, Effort::of_budget),
                        )
                    }),
                    _ => None,
                }
            }
            Protocol::Chat | Protocol::Responses => {
                let from_reasoning = || {
                    parse("reasoning")
                        .as_ref()
                        .and_then(|r| r.get("effort"))
                        .and_then(Value::as_str)
                        .and_then(Effort::parse)
                };
                if self.protocol == Protocol::Chat
                    && let Some(e) = parse("reasoning_effort")
                {
                    return e.as_str().and_then(Effort::parse);
                }
                from_reasoning()
            }
        }
    }

    // ---------------------------------------------------------------- long context

    /// Which side of `threshold` the request's tokens are on, when the estimate can say
    /// ([`Estimate::side_of`]); `None` when only an exact count can.
    pub fn long_context(&self, threshold: u64) -> Option<bool> {
        // The whole body at the estimate's rate, plus the most a base64 payload can add
        // (its charge, less its bytes), bounds the estimate: far below the threshold only
        // the conversation is searched for payload markers.
        let quick = self.body.bytes().len() as u64 / BYTES_PER_TOKEN;
        let low = threshold as f64 * BAND_LOW;
        if (quick as f64) < low {
            let markers = memmem::find_iter(self.conversation(), b"base64").count() as u64;
            if ((quick + markers * MAX_PAYLOAD_CHARGE) as f64) < low {
                return Some(false);
            }
        }
        self.estimate().side_of(threshold)
    }

    /// The field that holds the conversation (where images and documents are).
    fn conversation(&self) -> &'a [u8] {
        let key = match self.protocol {
            Protocol::Messages | Protocol::Chat => "messages",
            Protocol::Responses => "input",
        };
        self.body.field(key).unwrap_or_default()
    }

    /// The token estimate: the body's bytes, base64 payloads of the conversation (images,
    /// documents) taken out and charged as the local count charges them.
    pub fn estimate(&self) -> Estimate {
        let bytes = self.body.bytes();
        let mut payload = 0u64;
        let mut charged = 0u64;
        for p in base64_payloads(self.conversation()) {
            let len = (p.range.end - p.range.start) as u64;
            payload += len;
            charged += if p.image {
                count::IMAGE_TOKENS
            } else {
                count::document_tokens(len)
            };
        }
        Estimate {
            tokens: (bytes.len() as u64).saturating_sub(payload) / BYTES_PER_TOKEN + charged,
        }
    }

    fn count_protocol(&self) -> crate::translate::Protocol {
        match self.protocol {
            Protocol::Messages => crate::translate::Protocol::Messages,
            Protocol::Chat => crate::translate::Protocol::Chat,
            Protocol::Responses => crate::translate::Protocol::Responses,
        }
    }

    /// The local token count ([`crate::translate::count`]) of the whole request: tens of
    /// milliseconds for tens of thousands of tokens, so only asked near the threshold.
    pub fn count_tokens(&self) -> u64 {
        match serde_json::from_slice::<Value>(self.body.bytes()) {
            Ok(v) => count::count_request(self.count_protocol(), &v),
            Err(_) => self.estimate().tokens,
        }
    }

    /// [`Probe::count_tokens`], with the count of each field and of each conversation
    /// element taken from `cache` when the same text was counted before: a conversation that
    /// grows by appending costs its new turns only.
    pub fn count_tokens_cached(&self, cache: &CountCache) -> u64 {
        let proto = self.count_protocol();
        let mut n = count::BASE;
        for (key, how) in count::fields(proto) {
            let Some(raw) = self.body.field(key) else {
                continue;
            };
            if *how == count::Field::Each && raw.first() == Some(&b'[') {
                for r in Elements::new(raw) {
                    let e = &raw[r];
                    n += cache.get_or(cache_key(proto, key, e), || {
                        serde_json::from_slice::<Value>(e)
                            .map_or(0, |v| count::count_element(proto, key, &v))
                    });
                }
            } else {
                n += cache.get_or(cache_key(proto, key, raw), || {
                    serde_json::from_slice::<Value>(raw)
                        .map_or(0, |v| count::count_field(proto, key, &v))
                });
            }
        }
        n.max(1)
    }
}

/// Token counts of request fields and conversation elements, by their raw text, for
/// [`Probe::count_tokens_cached`]. Bounded: emptied when it holds [`COUNT_CACHE_ENTRIES`].
#[derive(Debug, Default)]
pub struct CountCache {
    map: std::sync::Mutex<std::collections::HashMap<u64, u64>>,
}

/// About 2 MB of counts: a few hundred long conversations.
pub const COUNT_CACHE_ENTRIES: usize = 65_536;

impl CountCache {
    fn get_or(&self, key: u64, count: impl FnOnce() -> u64) -> u64 {
        let lock = || self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = lock().get(&key) {
            return *n;
        }
        // Counted without the lock: another request may count the same text meanwhile.
        let n = count();
        let mut map = lock();
        if map.len() >= COUNT_CACHE_ENTRIES {
            map.clear();
        }
        map.insert(key, n);
        n
    }

    /// Counts held.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn cache_key(proto: crate::translate::Protocol, key: &str, raw: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (proto as u8).hash(&mut h);
    key.hash(&mut h);
    raw.hash(&mut h);
    h.finish()
}

/// The elements of a JSON array's raw text, one at a time, each as its byte range. Stops
/// at the first element that is not valid JSON.
struct Elements<'a> {
    raw: &'a [u8],
    pos: usize,
}

impl<'a> Elements<'a> {
    fn new(raw: &'a [u8]) -> Self {
        let pos = raw
            .iter()
            .position(|b| *b == b'[')
            .map_or(raw.len(), |p| p + 1);
        Elements { raw, pos }
    }
}

fn skip_ws(raw: &[u8], mut i: usize) -> usize {
    while i < raw.len() && matches!(raw[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

impl Iterator for Elements<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let i = skip_ws(self.raw, self.pos);
        if i >= self.raw.len() || self.raw[i] == b']' {
            return None;
        }
        let mut de = serde_json::Deserializer::from_slice(&self.raw[i..]);
        let v = <&RawValue>::deserialize(&mut de).ok()?;
        let start = v.get().as_ptr() as usize - self.raw.as_ptr() as usize;
        let end = start + v.get().len();
        let mut j = skip_ws(self.raw, end);
        if j < self.raw.len() && self.raw[j] == b',' {
            j += 1;
        }
        self.pos = j;
        Some(start..end)
    }
}

/// The `role` of a message, read without building the rest.
#[derive(Deserialize)]
struct RoleOnly {
    role: Option<String>,
}

fn is_system_role(role: Option<&str>) -> bool {
    matches!(role, Some("system" | "developer"))
}

/// The raw text of the leading system and developer messages of a `messages` / `input`
/// array (empty when the first message is another role).
fn leading_system(raw: &[u8]) -> &[u8] {
    let mut span: Option<Range<usize>> = None;
    for r in Elements::new(raw) {
        let role = serde_json::from_slice::<RoleOnly>(&raw[r.clone()])
            .ok()
            .and_then(|m| m.role);
        if !is_system_role(role.as_deref()) {
            break;
        }
        span = Some(span.map_or(r.clone(), |s| s.start..r.end));
    }
    span.map_or(&raw[..0], |s| &raw[s])
}

/// Call `f` on each text that starts the system prompt of field `key` (parsed into `v`), in
/// order, until it returns true.
fn visit_system_texts(
    protocol: Protocol,
    key: &str,
    v: &mut Value,
    f: &mut dyn FnMut(&mut String) -> bool,
) -> bool {
    // A content value: a string, or a list of parts whose text parts count.
    fn content(c: &mut Value, f: &mut dyn FnMut(&mut String) -> bool) -> bool {
        match c {
            Value::String(s) => f(s),
            Value::Array(parts) => {
                for p in parts {
                    let is_text = matches!(
                        p.get("type").and_then(Value::as_str),
                        None | Some("text" | "input_text")
                    );
                    if is_text
                        && let Some(Value::String(s)) = p.get_mut("text")
                        && f(s)
                    {
                        return true;
                    }
                }
                false
            }
            _ => false,
        }
    }
    match (protocol, key) {
        (Protocol::Messages, _) | (Protocol::Responses, "instructions") => content(v, f),
        _ => {
            let Value::Array(items) = v else {
                return false;
            };
            for item in items {
                if !is_system_role(item.get("role").and_then(Value::as_str)) {
                    break;
                }
                if let Some(c) = item.get_mut("content")
                    && content(c, f)
                {
                    return true;
                }
            }
            false
        }
    }
}

/// `text` without a leading subagent tag: the name between the tags, and the rest (the tag
/// and the line break after it removed). `None` when the text does not start with a tag.
fn strip_tag(text: &str) -> Option<(String, String)> {
    let body = text.trim_start();
    let lead = text.len() - body.len();
    for (open, close) in TAGS {
        let Some(after) = body.strip_prefix(open) else {
            continue;
        };
        let end = after.find(close)?;
        let name = after[..end].trim().to_string();
        let mut rest = &after[end + close.len()..];
        rest = rest
            .strip_prefix("\r\n")
            .or_else(|| rest.strip_prefix('\n'))
            .unwrap_or(rest);
        return Some((name, format!("{}{rest}", &text[..lead])));
    }
    None
}

/// Where an item stands in the latest user turn.
enum TurnPart {
    /// The user's message or a tool result: part of the turn.
    User,
    /// A system message between (Claude Code puts one after the first user message).
    System,
    /// An assistant message or a tool call: the turn starts after it.
    Other,
}

/// The role and type of a message or input item, read without building the rest.
#[derive(Deserialize)]
struct ItemHead {
    role: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn turn_part(protocol: Protocol, item: &ItemHead) -> TurnPart {
    let role = item.role.as_deref();
    if is_system_role(role) {
        return TurnPart::System;
    }
    match protocol {
        Protocol::Messages => match role {
            Some("user") => TurnPart::User,
            _ => TurnPart::Other,
        },
        Protocol::Chat => match role {
            Some("user" | "tool") => TurnPart::User,
            _ => TurnPart::Other,
        },
        Protocol::Responses => match (item.kind.as_deref(), role) {
            (Some("function_call_output" | "custom_tool_call_output"), _) => TurnPart::User,
            (None | Some("message"), Some("user")) => TurnPart::User,
            _ => TurnPart::Other,
        },
    }
}

/// Whether a message (or tool output item) holds an image part, at the top of its content
/// or one level down (a tool result's content).
fn carries_image(item: &Value) -> bool {
    fn is_image(part: &Value) -> bool {
        matches!(
            part.get("type").and_then(Value::as_str),
            Some("image" | "image_url" | "input_image")
        )
    }
    let lists = [item.get("content"), item.get("output")];
    lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .any(|part| {
            is_image(part)
                || part
                    .get("content")
                    .and_then(Value::as_array)
                    .is_some_and(|inner| inner.iter().any(is_image))
        })
}

/// A base64 payload in the raw body text.
struct Payload {
    range: Range<usize>,
    image: bool,
}

/// The base64 payloads of a body: data URLs (`data:...;base64,` in Chat and Responses
/// parts) and the `data` strings of Anthropic base64 sources. Found by byte search; a
/// `data` string counts only when it looks like base64 (long, no escapes, base64 letters).
fn base64_payloads(body: &[u8]) -> Vec<Payload> {
    let mut out: Vec<Payload> = Vec::new();
    let string_end = |from: usize| memchr::memchr(b'"', &body[from..]).map(|e| from + e);
    let is_image = |at: usize| {
        let window = &body[at.saturating_sub(160)..at];
        memmem::find(window, b"image/").is_some()
    };
    for hit in memmem::find_iter(body, b";base64,") {
        let start = hit + 8;
        if let Some(end) = string_end(start) {
            out.push(Payload {
                range: start..end,
                image: is_image(hit),
            });
        }
    }
    for hit in memmem::find_iter(body, b"\"data\"") {
        let mut i = skip_ws(body, hit + 6);
        if body.get(i) != Some(&b':') {
            continue;
        }
        i = skip_ws(body, i + 1);
        if body.get(i) != Some(&b'"') {
            continue;
        }
        let start = i + 1;
        let Some(end) = string_end(start) else {
            continue;
        };
        let s = &body[start..end];
        // An Anthropic base64 source: `"type": "base64"` and the media type sit next to
        // the data, before or after it.
        let before = &body[hit.saturating_sub(160)..hit];
        let after = &body[end..(end + 160).min(body.len())];
        let marked = memmem::find(before, b"\"base64\"").is_some()
            || memmem::find(after, b"\"base64\"").is_some();
        let looks_base64 = s.len() >= 64
            && s[..64]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            && body[end - 1] != b'\\';
        if marked && looks_base64 && !out.iter().any(|p| p.range.contains(&start)) {
            out.push(Payload {
                range: start..end,
                image: memmem::find(before, b"image/").is_some()
                    || memmem::find(after, b"image/").is_some(),
            });
        }
    }
    out
}
