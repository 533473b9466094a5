//! Merging a [`Want`] into block-style YAML by span edits on the file's own text (Aider's
//! `.aider.conf.yml`, Continue's `config.yaml`). The text is read with fgc's spanned YAML
//! parser ([`crate::yaml`]); values fgc sets are replaced in place, missing keys are added
//! after the last entry of their mapping in its indentation, and items of a keyed sequence
//! (`models:` with `name:`) are merged key by key, so comments, key order and the user's
//! other keys and items stay as written.
//!
//! What it refuses rather than guess: a root that is not a block mapping, anchors and
//! aliases at places fgc edits, and keys to add inside a flow mapping (`{a: 1}`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{MergeError, Want, show_path};
use crate::rename::patch::PatchSet;
use crate::span::Span;
use crate::yaml::{Node, NodeKind};

/// `text` with `want` merged in. An empty file becomes `want` written whole.
pub fn merge(text: &str, want: &Want) -> Result<String, MergeError> {
    if text.trim().is_empty() {
        return Ok(crate::emit::yaml::to_string(&want.to_value()));
    }
    let root = parse(text)?;
    if !matches!(root.kind, NodeKind::Map(_)) || is_flow(text, &root) {
        return Err(MergeError::Shape {
            path: show_path(&[]),
            found: kind(&root),
            wanted: "a block mapping",
        });
    }
    let mut m = Merger {
        text,
        patches: PatchSet::new(),
        inserts: BTreeMap::new(),
    };
    m.value(&root, want, &mut Vec::new())?;
    let mut patches = m.patches;
    for (at, s) in m.inserts {
        patches.push(Span::new(at, at), s);
    }
    let mut out = patches
        .apply(text)
        .map_err(|o| MergeError::ReadBack(format!("overlapping edits at {:?}", o.first)))?;
    if !out.ends_with('\n') && !text.ends_with('\n') && out != text {
        out.push('\n');
    }
    let back = parse(&out).map_err(|e| MergeError::ReadBack(e.to_string()))?;
    if !super::satisfied(&back.to_json(), want) {
        return Err(MergeError::ReadBack(
            "a value fgc set is not there after the merge".into(),
        ));
    }
    Ok(out)
}

/// Parse to fgc's spanned tree; `Ok` of a null node for an empty document.
pub fn parse(text: &str) -> Result<Node, MergeError> {
    crate::yaml::parse(text, 0).map_err(|e| MergeError::Syntax {
        format: "YAML",
        message: e.message,
        offset: e.span.start,
    })
}

/// The file as data (what the client reads), `Null` when empty.
pub fn to_data(text: &str) -> Result<Value, MergeError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    Ok(parse(text)?.to_json())
}

fn kind(n: &Node) -> &'static str {
    match n.kind {
        NodeKind::Map(_) => "a mapping",
        NodeKind::Seq(_) => "a sequence",
        NodeKind::Null => "null",
        _ => "a scalar",
    }
}

fn is_flow(text: &str, n: &Node) -> bool {
    matches!(text.as_bytes().get(n.span.start), Some(b'{' | b'['))
}

/// Where a node's text ends: a scalar's span end, the end of a block collection's last
/// descendant, or after a flow collection's closing bracket.
fn end_of(text: &str, n: &Node) -> usize {
    let last = match &n.kind {
        NodeKind::Map(m) => m.last().map(|(_, v)| v),
        NodeKind::Seq(s) => s.last(),
        _ => return n.span.end,
    };
    let inner = last.map_or(n.span.start + 1, |l| end_of(text, l));
    if is_flow(text, n) {
        let close = if text.as_bytes()[n.span.start] == b'{' {
            '}'
        } else {
            ']'
        };
        return text[inner.min(text.len())..]
            .find(close)
            .map_or(inner, |i| inner + i + 1);
    }
    inner.max(n.span.start)
}

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i)
}

fn column(text: &str, pos: usize) -> usize {
    pos - line_start(text, pos)
}

/// A scalar (or a list of scalars, written as a flow sequence) on one line.
fn inline(v: &Value, flow: bool) -> Option<String> {
    Some(match v {
        Value::String(s) => {
            if crate::yaml::scalar::plain_ok(s, flow) {
                s.clone()
            } else {
                serde_json::to_string(s).expect("strings serialise")
            }
        }
        Value::Array(a) if a.iter().all(|v| !v.is_array() && !v.is_object()) => {
            let items: Option<Vec<String>> = a.iter().map(|v| inline(v, true)).collect();
            format!("[{}]", items?.join(", "))
        }
        Value::Array(_) | Value::Object(_) => return None,
        v => serde_json::to_string(v).expect("values serialise"),
    })
}

/// `key: value` block text for a new entry, every line indented by `indent` spaces, without
/// a final line break.
fn block_entry(key: &str, v: &Value, indent: usize) -> String {
    let mut one = serde_json::Map::new();
    one.insert(key.to_string(), v.clone());
    indent_block(&crate::emit::yaml::to_string(&Value::Object(one)), indent)
}

fn indent_block(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    text.trim_end_matches('\n')
        .lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

struct Merger<'t> {
    text: &'t str,
    patches: PatchSet,
    /// Insertions by position, concatenated in the order they were made (inner first).
    inserts: BTreeMap<usize, String>,
}

impl Merger<'_> {
    fn insert(&mut self, at: usize, s: String) {
        self.inserts.entry(at).or_default().push_str(&s);
    }

    fn value(&mut self, n: &Node, want: &Want, path: &mut Vec<String>) -> Result<(), MergeError> {
        if n.def.is_some() {
            return Err(MergeError::Alias {
                path: show_path(path),
            });
        }
        match (want, &n.kind) {
            (Want::Default(_), _) => Ok(()),
            (Want::Value(w), _) => {
                if n.to_json() == *w {
                    return Ok(());
                }
                let flow = self.in_flow(n.span.start);
                let text = match inline(w, flow) {
                    Some(t) => t,
                    // A nested value: JSON is a valid YAML flow collection.
                    None => serde_json::to_string(w).expect("values serialise"),
                };
                let end = end_of(self.text, n);
                if matches!(n.kind, NodeKind::Null) && n.span.start == n.span.end {
                    // `key:` with nothing after it.
                    self.patches
                        .push(Span::new(n.span.start, end), format!(" {text}"));
                } else {
                    self.patches.push(Span::new(n.span.start, end), text);
                }
                Ok(())
            }
            (Want::Object { members, exclusive }, NodeKind::Map(entries)) => {
                if *exclusive {
                    return Err(MergeError::Layout {
                        path: show_path(path),
                        why: "fgc cannot replace a whole YAML mapping in place".into(),
                    });
                }
                let mut missing = Vec::new();
                for (k, w) in members {
                    match entries
                        .iter()
                        .rev()
                        .find(|(key, _)| key.as_str() == Some(k))
                    {
                        Some((key, v))
                            if matches!(v.kind, NodeKind::Null)
                                && v.span.start == v.span.end
                                && !matches!(w, Want::Default(_)) =>
                        {
                            // `key:` with nothing after it: write the value after the colon.
                            let colon = self.text[key.span.end..]
                                .find(':')
                                .map_or(key.span.end, |i| key.span.end + i + 1);
                            let v = w.to_value();
                            let text = inline(&v, self.in_flow(colon)).unwrap_or_else(|| {
                                serde_json::to_string(&v).expect("values serialise")
                            });
                            self.patches
                                .push(Span::new(colon, colon), format!(" {text}"));
                        }
                        Some((_, v)) => {
                            path.push(k.clone());
                            self.value(v, w, path)?;
                            path.pop();
                        }
                        None => missing.push((k, w.to_value())),
                    }
                }
                if missing.is_empty() {
                    return Ok(());
                }
                if is_flow(self.text, n) || entries.is_empty() {
                    return Err(MergeError::Layout {
                        path: show_path(path),
                        why: "fgc adds keys only to block mappings (`key: value` lines)".into(),
                    });
                }
                let indent = column(self.text, entries[0].0.span.start);
                let at = line_end(self.text, end_of(self.text, n));
                let mut s = String::new();
                for (k, v) in missing {
                    s.push('\n');
                    s.push_str(&block_entry(k, &v, indent));
                }
                self.insert(at, s);
                Ok(())
            }
            (Want::Keyed { key, items, owned }, NodeKind::Seq(elems)) => {
                self.keyed(n, elems, key, items, owned.as_ref(), path)
            }
            (w, _) => {
                // Another type where fgc needs a collection (`models:` empty or a scalar):
                // write the whole value as a flow collection.
                let end = end_of(self.text, n);
                let text = serde_json::to_string(&w.to_value()).expect("values serialise");
                let text = if n.span.start == end && matches!(n.kind, NodeKind::Null) {
                    format!(" {text}")
                } else {
                    text
                };
                self.patches.push(Span::new(n.span.start, end), text);
                Ok(())
            }
        }
    }

    /// Whether `pos` sits inside a flow collection (an unclosed `[` or `{` before it on its
    /// line; fgc's files keep flow collections on one line).
    fn in_flow(&self, pos: usize) -> bool {
        let line = &self.text[line_start(self.text, pos)..pos];
        let mut depth = 0i32;
        for c in line.chars() {
            match c {
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        depth > 0
    }

    fn keyed(
        &mut self,
        n: &Node,
        elems: &[Node],
        key: &str,
        items: &[(String, Want)],
        owned: Option<&(&'static str, String)>,
        path: &mut Vec<String>,
    ) -> Result<(), MergeError> {
        let field = |e: &Node, f: &str| -> Option<String> {
            e.get(f).and_then(Node::as_str).map(str::to_string)
        };
        let added: Vec<&Want> = items
            .iter()
            .filter(|(name, _)| !elems.iter().any(|e| field(e, key).as_deref() == Some(name)))
            .map(|(_, w)| w)
            .collect();
        if is_flow(self.text, n) {
            if elems.is_empty() {
                let all = Value::Array(items.iter().map(|(_, w)| w.to_value()).collect());
                let end = end_of(self.text, n);
                self.patches.push(
                    Span::new(n.span.start, end),
                    serde_json::to_string(&all).expect("values serialise"),
                );
                return Ok(());
            }
            return Err(MergeError::Layout {
                path: show_path(path),
                why: "fgc edits only block sequences (`- ` items) here".into(),
            });
        }
        let mut seen: Vec<&str> = Vec::new();
        for e in elems {
            let name = field(e, key);
            let wanted = name
                .as_deref()
                .and_then(|nm| items.iter().find(|(i, _)| i == nm));
            let region = || {
                // From the `- ` line to the end of the item's last line (its line break
                // included).
                let start = line_start(self.text, e.span.start);
                let end = line_end(self.text, end_of(self.text, e));
                let end = (end + 1).min(self.text.len());
                Span::new(start, end)
            };
            match wanted {
                Some((nm, _)) if seen.contains(&nm.as_str()) => {
                    let r = region();
                    self.patches.push(r, String::new());
                }
                Some((nm, w)) => {
                    seen.push(nm);
                    path.push(format!("[{key}={nm}]"));
                    self.value(e, w, path)?;
                    path.pop();
                }
                None => {
                    let stale = owned.is_some_and(|(f, v)| {
                        field(e, f).as_deref().map(|s| s.trim_end_matches('/'))
                            == Some(v.trim_end_matches('/'))
                    });
                    if stale {
                        let r = region();
                        self.patches.push(r, String::new());
                    }
                }
            }
        }
        if added.is_empty() {
            return Ok(());
        }
        let Some(last) = elems.last() else {
            return Ok(());
        };
        let dash = line_start(self.text, last.span.start);
        let dash_indent = self.text[dash..].chars().take_while(|c| *c == ' ').count();
        let at = line_end(self.text, end_of(self.text, n));
        let mut s = String::new();
        for w in added {
            let body = crate::emit::yaml::to_string(&Value::Array(vec![w.to_value()]));
            s.push('\n');
            s.push_str(&indent_block(&body, dash_indent));
        }
        self.insert(at, s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn continue_want() -> Want {
        Want::object(vec![
            ("name", Want::str("fgc")),
            (
                "models",
                Want::Keyed {
                    key: "name",
                    items: vec![
                        (
                            "a".into(),
                            Want::object(vec![
                                ("name", Want::str("a")),
                                ("apiBase", Want::str("http://g/v1")),
                                ("roles", Want::Value(json!(["chat", "edit"]))),
                            ]),
                        ),
                        (
                            "b".into(),
                            Want::object(vec![
                                ("name", Want::str("b")),
                                ("apiBase", Want::str("http://g/v1")),
                            ]),
                        ),
                    ],
                    owned: Some(("apiBase", "http://g/v1".into())),
                },
            ),
        ])
    }

    #[test]
    fn merges_keyed_items_and_keeps_the_rest() {
        let text = "# mine\nname: old # keep\nmodels:\n  - name: mine\n    apiBase: http://other/v1\n  - name: gone\n    apiBase: http://g/v1/\n  - name: a\n    apiBase: http://g/v1\n    roles: [chat]\n    extra: 1 # mine too\ncontext: []\n";
        let out = merge(text, &continue_want()).unwrap();
        assert_eq!(
            out,
            "# mine\nname: fgc # keep\nmodels:\n  - name: mine\n    apiBase: http://other/v1\n  - name: a\n    apiBase: http://g/v1\n    roles: [chat, edit]\n    extra: 1 # mine too\n  - name: b\n    apiBase: http://g/v1\ncontext: []\n"
        );
        assert_eq!(merge(&out, &continue_want()).unwrap(), out, "idempotent");
    }

    #[test]
    fn adds_keys_and_whole_files() {
        let w = Want::object(vec![
            ("model", Want::str("openai/a")),
            ("openai-api-base", Want::str("http://g/v1")),
        ]);
        let out = merge("# aider\nmodel: gpt-4 # old\ndark-mode: true", &w).unwrap();
        assert_eq!(
            out,
            "# aider\nmodel: openai/a # old\ndark-mode: true\nopenai-api-base: http://g/v1\n"
        );
        assert_eq!(
            merge("", &w).unwrap(),
            "model: openai/a\nopenai-api-base: http://g/v1\n"
        );
        let out = merge("models:\nname: x\n", &continue_want()).unwrap();
        assert_eq!(to_data(&out).unwrap()["models"][1]["name"], "b", "{out}");
    }

    #[test]
    fn refuses_what_it_cannot_edit() {
        let w = Want::object(vec![("model", Want::str("a"))]);
        assert!(matches!(merge("[1]", &w), Err(MergeError::Shape { .. })));
        assert!(matches!(merge("a: [", &w), Err(MergeError::Syntax { .. })));
        assert!(matches!(
            merge("x: &m openai/b\nmodel: *m\n", &w),
            Err(MergeError::Alias { .. })
        ));
    }
}
