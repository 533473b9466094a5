//! The YAML front end: text to a tree of nodes that carry byte spans.
//!
//! Parsing is done by `serde-saphyr` (see docs/architecture.md for why): every node is read as
//! `serde_saphyr::Spanned<_>`, so each key and scalar knows the exact bytes it came from.
//! Hostile input is bounded by serde-saphyr's budget (depth, events, alias replay).

pub mod de;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::span::Span;

/// Deepest nesting accepted. Real configs are under 10 levels; this bounds recursion.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the node is written (for an alias: the `*name` text).
    pub span: Span,
    /// For a node reached through an alias: the span of the anchored definition.
    pub def: Option<Span>,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A YAML syntax or budget error, at a span.
#[derive(Clone, Debug)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

/// A key that appears twice in one mapping.
#[derive(Clone, Debug)]
pub struct DuplicateKey {
    pub key: String,
    pub first: Span,
    pub second: Span,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a key as a string, whatever scalar type it has.
    pub fn key_text(&self) -> String {
        match &self.kind {
            NodeKind::Str(s) => s.clone(),
            NodeKind::Null => "null".into(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(f) => f.to_string(),
            NodeKind::Seq(_) | NodeKind::Map(_) => "<complex key>".into(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            NodeKind::Map(m) => m
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follow a JSON pointer (`/a/0/b`). Returns the deepest node reached and, when the last
    /// step names a key, the key node too.
    pub fn pointer(&self, pointer: &str) -> (&Node, Option<&Node>) {
        let mut node = self;
        let mut key = None;
        for raw in pointer.split('/').skip(1) {
            let seg = raw.replace("~1", "/").replace("~0", "~");
            let next = match &node.kind {
                NodeKind::Map(m) => m
                    .iter()
                    .find(|(k, _)| k.key_text() == seg)
                    .map(|(k, v)| (Some(k), v)),
                NodeKind::Seq(s) => seg
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| s.get(i))
                    .map(|v| (None, v)),
                _ => None,
            };
            match next {
                Some((k, v)) => {
                    key = k;
                    node = v;
                }
                None => break,
            }
        }
        (node, key)
    }

    /// The node as JSON, for schema validation. Keys become strings.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::from(*i),
            NodeKind::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            NodeKind::Str(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Every key that appears twice in one mapping, anywhere in the tree.
    pub fn duplicate_keys(&self, out: &mut Vec<DuplicateKey>) {
        match &self.kind {
            NodeKind::Map(entries) => {
                let mut seen: std::collections::HashMap<String, Span> =
                    std::collections::HashMap::with_capacity(entries.len());
                for (k, v) in entries {
                    let text = k.key_text();
                    if let Some(first) = seen.get(&text) {
                        out.push(DuplicateKey {
                            key: text,
                            first: *first,
                            second: k.span,
                        });
                    } else {
                        seen.insert(text, k.span);
                    }
                    v.duplicate_keys(out);
                }
            }
            NodeKind::Seq(items) => items.iter().for_each(|n| n.duplicate_keys(out)),
            _ => {}
        }
    }
}

fn span_of(loc: &serde_saphyr::Location) -> Option<Span> {
    let s = loc.span();
    let start = s.byte_offset()? as usize;
    let len = s.byte_len()? as usize;
    Some(Span::new(start, start + len))
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let sp = Spanned::<NodeKind>::deserialize(d)?;
        let span = span_of(&sp.referenced).unwrap_or_default();
        let def = span_of(&sp.defined).filter(|d| *d != span);
        Ok(Node {
            span,
            def,
            kind: sp.value,
        })
    }
}

impl<'de> Deserialize<'de> for NodeKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NodeKind;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<NodeKind, E> {
                Ok(NodeKind::Null)
            }
            fn visit_none<E>(self) -> Result<NodeKind, E> {
                Ok(NodeKind::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeKind, D::Error> {
                NodeKind::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<NodeKind, E> {
                Ok(NodeKind::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<NodeKind, E> {
                Ok(NodeKind::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<NodeKind, E> {
                Ok(i64::try_from(v).map_or(NodeKind::Float(v as f64), NodeKind::Int))
            }
            fn visit_i128<E>(self, v: i128) -> Result<NodeKind, E> {
                Ok(i64::try_from(v).map_or(NodeKind::Float(v as f64), NodeKind::Int))
            }
            fn visit_u128<E>(self, v: u128) -> Result<NodeKind, E> {
                Ok(i64::try_from(v).map_or(NodeKind::Float(v as f64), NodeKind::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<NodeKind, E> {
                Ok(NodeKind::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<NodeKind, E> {
                Ok(NodeKind::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<NodeKind, E> {
                Ok(NodeKind::Str(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<NodeKind, E> {
                Ok(NodeKind::Str(String::from_utf8_lossy(v).into_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<NodeKind, A::Error> {
                let mut items = Vec::with_capacity(a.size_hint().unwrap_or(0));
                while let Some(x) = a.next_element()? {
                    items.push(x);
                }
                Ok(NodeKind::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<NodeKind, A::Error> {
                let mut entries = Vec::with_capacity(a.size_hint().unwrap_or(0));
                while let Some(x) = a.next_entry()? {
                    entries.push(x);
                }
                Ok(NodeKind::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

fn options() -> serde_saphyr::Options {
    let mut opts = serde_saphyr::Options::default();
    // fgc reports duplicates itself, with both places labelled.
    opts.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    // YAML 1.2: only true/false are booleans, so `n:` or `no` stay strings.
    opts.strict_booleans = true;
    if let Some(budget) = opts.budget.as_mut() {
        budget.max_depth = MAX_DEPTH;
    }
    opts
}

/// Parse one YAML document into a spanned tree. `offset` is added to every span (the BOM).
pub fn parse(text: &str, offset: usize) -> Result<Node, ParseError> {
    if text.trim().is_empty() {
        return Ok(Node {
            span: Span::new(offset, offset),
            def: None,
            kind: NodeKind::Null,
        });
    }
    let result: Result<Node, _> = serde_saphyr::from_str_with_options(text, options());
    match result {
        Ok(mut node) => {
            if offset > 0 {
                node.shift(offset);
            }
            Ok(node)
        }
        Err(err) => {
            let span = err
                .location()
                .and_then(|l| span_of(&l))
                .map(|s| Span::new(s.start + offset, s.end + offset))
                .unwrap_or_else(|| {
                    let end = text.len() + offset;
                    Span::new(end, end)
                });
            Err(ParseError {
                message: clean_message(&err.without_snippet().to_string()),
                span,
            })
        }
    }
}

/// serde-saphyr prefixes messages with "error: line L column C: "; the report shows the
/// location itself.
fn clean_message(msg: &str) -> String {
    let msg = msg.lines().next().unwrap_or(msg).trim();
    let msg = msg.strip_prefix("error: ").unwrap_or(msg);
    if let Some(rest) = msg.strip_prefix("line ") {
        if let Some(idx) = rest.find(": ") {
            return rest[idx + 2..].to_string();
        }
    }
    msg.to_string()
}

impl Node {
    fn shift(&mut self, by: usize) {
        self.span = Span::new(self.span.start + by, self.span.end + by);
        if let Some(d) = self.def.as_mut() {
            *d = Span::new(d.start + by, d.end + by);
        }
        match &mut self.kind {
            NodeKind::Seq(items) => items.iter_mut().for_each(|n| n.shift(by)),
            NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.shift(by);
                v.shift(by);
            }),
            _ => {}
        }
    }
}
