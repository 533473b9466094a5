//! The YAML front end: text to a tree of nodes that carry byte spans.
//!
//! Parsing is done by `granit-parser`, the YAML parser behind `serde-saphyr` (see
//! docs/architecture.md for why): its events carry byte spans, so each key and scalar knows the
//! exact bytes it came from. Plain scalars are resolved as PyYAML's `safe_load` resolves them
//! (YAML 1.1, [`scalar::resolve`]), because that is how LiteLLM reads the config. Hostile input
//! is bounded here: nesting depth, and the number of nodes once aliases are expanded.

pub mod de;
pub mod scalar;

use std::collections::HashMap;

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
    /// A plain scalar YAML 1.1 reads as a date or a time (`2024-01-01`): PyYAML hands LiteLLM
    /// a `datetime`, not a string. Kept as written.
    Timestamp(String),
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
            NodeKind::Str(s) | NodeKind::Timestamp(s) => s.clone(),
            NodeKind::Null => "null".into(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(f) => f.to_string(),
            NodeKind::Seq(_) | NodeKind::Map(_) => "<complex key>".into(),
        }
    }

    fn same_key(&self, other: &Node) -> bool {
        match (&self.kind, &other.kind) {
            (NodeKind::Str(a), NodeKind::Str(b)) => a == b,
            _ => self.key_text() == other.key_text(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.kind {
            NodeKind::Map(m) => m
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
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
            NodeKind::Str(s) | NodeKind::Timestamp(s) => Value::String(s.clone()),
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
                // Small mappings (nearly all) are checked pairwise without allocating.
                if entries.len() <= 16 {
                    for (i, (k, _)) in entries.iter().enumerate() {
                        if let Some((first, _)) = entries[..i].iter().find(|(f, _)| f.same_key(k)) {
                            out.push(DuplicateKey {
                                key: k.key_text(),
                                first: first.span,
                                second: k.span,
                            });
                        }
                    }
                } else {
                    let mut seen: HashMap<std::borrow::Cow<str>, Span> =
                        HashMap::with_capacity(entries.len());
                    for (k, _) in entries {
                        let text = match &k.kind {
                            NodeKind::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
                            _ => std::borrow::Cow::Owned(k.key_text()),
                        };
                        if let Some(first) = seen.get(&text) {
                            out.push(DuplicateKey {
                                key: text.into_owned(),
                                first: *first,
                                second: k.span,
                            });
                        } else {
                            seen.insert(text, k.span);
                        }
                    }
                }
                for (_, v) in entries {
                    v.duplicate_keys(out);
                }
            }
            NodeKind::Seq(items) => items.iter().for_each(|n| n.duplicate_keys(out)),
            _ => {}
        }
    }
}

/// Most nodes YAML aliases (`*name`) may add by expansion: bounds "billion laughs" files.
/// Nodes written out in the file are bounded by the file size limit instead.
pub const MAX_ALIAS_NODES: usize = 200_000;

/// An open collection while the tree is built.
enum Frame {
    Seq {
        span: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        span: Span,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        merges: Vec<usize>,
    },
}

struct Builder<'t> {
    text: &'t str,
    offset: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
    /// Whether the key waiting for its value is a plain `<<` (a merge key).
    pending_merge: bool,
}

impl Builder<'_> {
    fn span(&self, sp: &granit_parser::Span) -> Span {
        let start = byte_offset(self.text, &sp.start);
        let end = byte_offset(self.text, &sp.end).max(start);
        Span::new(start + self.offset, end + self.offset)
    }

    fn count_alias(&mut self, n: usize, at: Span) -> Result<(), ParseError> {
        self.nodes += n;
        if self.nodes > MAX_ALIAS_NODES {
            return Err(ParseError {
                message: format!(
                    "aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)"
                ),
                span: at,
            });
        }
        Ok(())
    }

    fn push(&mut self, node: Node, anchor: usize, merge_key: bool) -> Result<(), ParseError> {
        if anchor != 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    return Err(ParseError {
                        message: "more than one root node".into(),
                        span: node.span,
                    });
                }
                self.root = Some(node);
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                merges,
                ..
            }) => match key.take() {
                None => {
                    *key = Some(node);
                    self.pending_merge = merge_key;
                }
                Some(k) => {
                    if std::mem::take(&mut self.pending_merge) {
                        merges.push(entries.len());
                    }
                    entries.push((k, node));
                }
            },
        }
        Ok(())
    }
}

/// Byte offset of a marker (the parser reports one for string input; fall back to chars).
fn byte_offset(text: &str, m: &granit_parser::Marker) -> usize {
    m.byte_offset()
        .unwrap_or_else(|| {
            text.char_indices()
                .nth(m.index())
                .map_or(text.len(), |(i, _)| i)
        })
        .min(text.len())
}

/// Apply YAML merge keys (`<<: *base`, `<<: [*a, *b]`): entries of the merged mappings that
/// the mapping does not set itself are added, in order.
fn apply_merges(
    entries: Vec<(Node, Node)>,
    merges: &[usize],
) -> Result<Vec<(Node, Node)>, ParseError> {
    let mut own = Vec::with_capacity(entries.len());
    let mut sources = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        if merges.contains(&i) {
            sources.push(e)
        } else {
            own.push(e)
        }
    }
    for (k, v) in sources {
        let maps: Vec<Node> = match v.kind {
            NodeKind::Map(_) => vec![v],
            NodeKind::Seq(items) if items.iter().all(|n| matches!(n.kind, NodeKind::Map(_))) => {
                items
            }
            _ => {
                return Err(ParseError {
                    message: "a merge key `<<` needs a mapping or a list of mappings".into(),
                    span: k.span,
                });
            }
        };
        for m in maps {
            if let NodeKind::Map(es) = m.kind {
                for (mk, mv) in es {
                    if !own.iter().any(|(ok, _)| ok.kind == mk.kind) {
                        own.push((mk, mv));
                    }
                }
            }
        }
    }
    Ok(own)
}

fn too_deep(span: Span) -> ParseError {
    ParseError {
        message: format!("nesting deeper than {MAX_DEPTH} levels"),
        span,
    }
}

/// Parse one YAML document into a spanned tree. `offset` is added to every span (the BOM).
pub fn parse(text: &str, offset: usize) -> Result<Node, ParseError> {
    use granit_parser::{Event, ScalarStyle};
    let mut opts = granit_parser::Options::default();
    opts.flow_nesting_limit = MAX_DEPTH;
    opts.block_nesting_limit = MAX_DEPTH;
    let mut parser = granit_parser::Parser::new_from_str_with_options(text, opts);
    let mut b = Builder {
        text,
        offset,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        pending_merge: false,
    };
    let mut documents = 0;
    while let Some(ev) = parser.next_event() {
        let (ev, sp) = ev.map_err(|e| {
            let at = byte_offset(text, e.marker()) + offset;
            ParseError {
                message: e.info(),
                span: Span::new(at, at),
            }
        })?;
        let span = b.span(&sp);
        match ev {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(ParseError {
                        message: "more than one YAML document: flowgate.yaml holds exactly one"
                            .into(),
                        span,
                    });
                }
            }
            Event::Scalar(v, style, anchor, tag) => {
                let str_tag = tag.as_ref().is_some_and(|t| t.to_string().ends_with("str"));
                let merge = style == ScalarStyle::Plain && v == "<<" && tag.is_none();
                let kind = if style == ScalarStyle::Plain && !str_tag {
                    scalar::resolve(&v)
                } else {
                    NodeKind::Str(v.into_owned())
                };
                b.push(
                    Node {
                        span,
                        def: None,
                        kind,
                    },
                    anchor,
                    merge,
                )?;
            }
            Event::SequenceStart(_, anchor, _) => {
                if b.stack.len() >= MAX_DEPTH {
                    return Err(too_deep(span));
                }
                b.stack.push(Frame::Seq {
                    span,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(_, anchor, _) => {
                if b.stack.len() >= MAX_DEPTH {
                    return Err(too_deep(span));
                }
                b.stack.push(Frame::Map {
                    span,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    merges: Vec::new(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq {
                        span,
                        anchor,
                        items,
                    }) => (
                        Node {
                            span,
                            def: None,
                            kind: NodeKind::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        span,
                        anchor,
                        entries,
                        merges,
                        ..
                    }) => {
                        let entries = if merges.is_empty() {
                            entries
                        } else {
                            apply_merges(entries, &merges)?
                        };
                        (
                            Node {
                                span,
                                def: None,
                                kind: NodeKind::Map(entries),
                            },
                            anchor,
                        )
                    }
                    None => continue,
                };
                b.push(node, anchor, false)?;
            }
            Event::Alias(id) => {
                let Some((target, size)) = b.anchors.get(&id).map(|(n, s)| (n.clone(), *s)) else {
                    return Err(ParseError {
                        message: "alias to an unknown anchor".into(),
                        span,
                    });
                };
                b.count_alias(size, span)?;
                b.push(
                    Node {
                        span,
                        def: Some(target.span),
                        kind: target.kind,
                    },
                    0,
                    false,
                )?;
            }
            _ => {}
        }
    }
    Ok(b.root.unwrap_or(Node {
        span: Span::new(offset, offset),
        def: None,
        kind: NodeKind::Null,
    }))
}

impl Node {
    /// Number of nodes in this subtree.
    fn size(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Seq(items) => items.iter().map(Node::size).sum(),
            NodeKind::Map(entries) => entries.iter().map(|(k, v)| k.size() + v.size()).sum(),
            _ => 0,
        }
    }
}
