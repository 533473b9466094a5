//! Merging a [`Want`] into JSON text by span patches. The text is read with `jsonc-parser`,
//! whose syntax tree gives the byte range of every value, so comments and trailing commas
//! (which opencode and Qwen Code accept) survive along with the file's layout.
//!
//! New members follow the indentation of the object they join (the file's unit, detected
//! from its first indented line); a one-line object gets one-line members.

use jsonc_parser::ast::{self, Array, Object};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};
use serde_json::Value;

use super::{MergeError, Want, show_path};
use crate::rename::patch::PatchSet;
use crate::span::Span;

/// Which JSON a client reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dialect {
    pub comments: bool,
    pub trailing_commas: bool,
}

impl Dialect {
    /// Strict JSON (Python's `json`, Claude Code).
    pub const JSON: Dialect = Dialect {
        comments: false,
        trailing_commas: false,
    };
    /// JSON with `//` and `/* */` comments (Qwen Code strips them before `JSON.parse`).
    pub const WITH_COMMENTS: Dialect = Dialect {
        comments: true,
        trailing_commas: false,
    };
    /// JSONC: comments and trailing commas (opencode).
    pub const JSONC: Dialect = Dialect {
        comments: true,
        trailing_commas: true,
    };

    fn options(self) -> ParseOptions {
        ParseOptions {
            allow_comments: self.comments,
            allow_loose_object_property_names: false,
            allow_trailing_commas: self.trailing_commas,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        }
    }
}

/// Parse `text`; `Ok(None)` for an empty (or whitespace-only) file.
pub fn parse(text: &str, dialect: Dialect) -> Result<Option<ast::Value<'_>>, MergeError> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    if body.trim().is_empty() {
        return Ok(None);
    }
    let collect = CollectOptions {
        comments: jsonc_parser::CommentCollectionStrategy::Off,
        tokens: false,
    };
    match jsonc_parser::parse_to_ast(body, &collect, &dialect.options()) {
        Ok(r) => Ok(r.value.map(|v| shift(v, bom))),
        Err(e) => Err(MergeError::Syntax {
            format: "JSON",
            message: e.kind().to_string(),
            offset: e.range().start + bom,
        }),
    }
}

/// Parse `text` to data (what the client will read).
pub fn to_data(text: &str, dialect: Dialect) -> Result<Value, MergeError> {
    Ok(parse(text, dialect)?.map_or(Value::Null, |v| value_of(&v)))
}

/// Ranges from the parser are relative to the text after a BOM; a BOM is rare enough that
/// re-parsing the body with offsets added is not worth it: shift by rebuilding the ranges.
fn shift(v: ast::Value<'_>, by: usize) -> ast::Value<'_> {
    if by == 0 {
        return v;
    }
    fn r(range: jsonc_parser::common::Range, by: usize) -> jsonc_parser::common::Range {
        jsonc_parser::common::Range {
            start: range.start + by,
            end: range.end + by,
        }
    }
    match v {
        ast::Value::Object(mut o) => {
            o.range = r(o.range, by);
            o.properties = o
                .properties
                .into_iter()
                .map(|mut p| {
                    p.range = r(p.range, by);
                    p.name = match p.name {
                        ast::ObjectPropName::String(mut s) => {
                            s.range = r(s.range, by);
                            ast::ObjectPropName::String(s)
                        }
                        ast::ObjectPropName::Word(mut w) => {
                            w.range = r(w.range, by);
                            ast::ObjectPropName::Word(w)
                        }
                    };
                    p.value = shift(p.value, by);
                    p
                })
                .collect();
            ast::Value::Object(o)
        }
        ast::Value::Array(mut a) => {
            a.range = r(a.range, by);
            a.elements = a.elements.into_iter().map(|e| shift(e, by)).collect();
            ast::Value::Array(a)
        }
        ast::Value::StringLit(mut s) => {
            s.range = r(s.range, by);
            ast::Value::StringLit(s)
        }
        ast::Value::NumberLit(mut n) => {
            n.range = r(n.range, by);
            ast::Value::NumberLit(n)
        }
        ast::Value::BooleanLit(mut b) => {
            b.range = r(b.range, by);
            ast::Value::BooleanLit(b)
        }
        ast::Value::NullKeyword(mut n) => {
            n.range = r(n.range, by);
            ast::Value::NullKeyword(n)
        }
    }
}

/// A syntax-tree value as data.
pub fn value_of(v: &ast::Value<'_>) -> Value {
    match v {
        ast::Value::StringLit(s) => Value::String(s.value.to_string()),
        ast::Value::NumberLit(n) => serde_json::from_str(n.value).unwrap_or(Value::Null),
        ast::Value::BooleanLit(b) => Value::Bool(b.value),
        ast::Value::NullKeyword(_) => Value::Null,
        ast::Value::Array(a) => Value::Array(a.elements.iter().map(value_of).collect()),
        ast::Value::Object(o) => {
            let mut m = serde_json::Map::new();
            for p in &o.properties {
                m.insert(p.name.as_str().to_string(), value_of(&p.value));
            }
            Value::Object(m)
        }
    }
}

fn kind(v: &ast::Value<'_>) -> &'static str {
    match v {
        ast::Value::StringLit(_) => "a string",
        ast::Value::NumberLit(_) => "a number",
        ast::Value::BooleanLit(_) => "a boolean",
        ast::Value::NullKeyword(_) => "null",
        ast::Value::Array(_) => "an array",
        ast::Value::Object(_) => "an object",
    }
}

/// `text` with `want` merged in. An empty file becomes `want` written whole (two-space
/// indentation); otherwise the root must be an object.
pub fn merge(text: &str, want: &Want, dialect: Dialect) -> Result<String, MergeError> {
    let Some(root) = parse(text, dialect)? else {
        return Ok(pretty(&want.to_value(), "", "  ") + "\n");
    };
    let mut m = Merger {
        text,
        unit: detect_indent(text),
        patches: PatchSet::new(),
    };
    m.value(&root, want, &mut Vec::new(), true)?;
    let out = m
        .patches
        .apply(text)
        .map_err(|o| MergeError::ReadBack(format!("overlapping edits at {:?}", o.first)))?;
    let back = to_data(&out, dialect).map_err(|e| MergeError::ReadBack(e.to_string()))?;
    if !super::satisfied(&back, want) {
        return Err(MergeError::ReadBack(
            "a value fgc set is not there after the merge".into(),
        ));
    }
    Ok(out)
}

struct Merger<'t> {
    text: &'t str,
    unit: String,
    patches: PatchSet,
}

impl Merger<'_> {
    fn replace(&mut self, start: usize, end: usize, with: String) {
        self.patches.push(Span::new(start, end), with);
    }

    /// Merge `want` into the value `v` (at `path`). `root`: the file's top-level value.
    fn value(
        &mut self,
        v: &ast::Value<'_>,
        want: &Want,
        path: &mut Vec<String>,
        root: bool,
    ) -> Result<(), MergeError> {
        match (want, v) {
            (Want::Default(_), _) => Ok(()),
            (Want::Value(w), _) => {
                if value_of(v) != *w {
                    let r = v.range();
                    let indent = line_indent(self.text, r.start);
                    let text = if self.one_line(line_start(self.text, r.start), r.end)
                        && self.text[r.end..].starts_with(|c: char| c != '\n')
                        && !self.text[r.end..line_end(self.text, r.end)]
                            .trim()
                            .is_empty()
                    {
                        // Inside a one-line container: stay on the line.
                        serde_json::to_string(w).expect("JSON values serialise")
                    } else {
                        pretty(w, &indent, &self.unit)
                    };
                    self.replace(r.start, r.end, text);
                }
                Ok(())
            }
            (Want::Object { members, exclusive }, ast::Value::Object(o)) => {
                self.object(o, members, *exclusive, path)
            }
            (Want::Keyed { key, items, owned }, ast::Value::Array(a)) => {
                self.keyed(a, key, items, owned.as_ref(), path)
            }
            (_, other) if root => Err(MergeError::Shape {
                path: show_path(path),
                found: kind(other),
                wanted: "an object",
            }),
            (w, other) => {
                // A value of another type where fgc needs a container: replace it.
                let r = other.range();
                let indent = line_indent(self.text, r.start);
                self.replace(r.start, r.end, pretty(&w.to_value(), &indent, &self.unit));
                Ok(())
            }
        }
    }

    fn one_line(&self, start: usize, end: usize) -> bool {
        !self.text[start..end].contains('\n')
    }

    fn object(
        &mut self,
        o: &Object<'_>,
        members: &[(String, Want)],
        exclusive: bool,
        path: &mut Vec<String>,
    ) -> Result<(), MergeError> {
        let mut added: Vec<(String, Value)> = Vec::new();
        for (k, w) in members {
            // JavaScript and Python keep the last of duplicate keys.
            match o.properties.iter().rev().find(|p| p.name.as_str() == k) {
                Some(p) => {
                    path.push(k.clone());
                    self.value(&p.value, w, path, false)?;
                    path.pop();
                }
                None => added.push((k.clone(), w.to_value())),
            }
        }
        let items: Vec<Span> = o
            .properties
            .iter()
            .map(|p| Span::new(p.range.start, p.range.end))
            .collect();
        let gone: Vec<bool> = o
            .properties
            .iter()
            .map(|p| exclusive && !members.iter().any(|(k, _)| k == p.name.as_str()))
            .collect();
        self.container(
            Span::new(o.range.start, o.range.end),
            &items,
            &gone,
            &added
                .iter()
                .map(|(k, v)| Entry::Member(k, v))
                .collect::<Vec<_>>(),
        );
        Ok(())
    }

    fn keyed(
        &mut self,
        a: &Array<'_>,
        key: &str,
        items: &[(String, Want)],
        owned: Option<&(&'static str, String)>,
        path: &mut Vec<String>,
    ) -> Result<(), MergeError> {
        let name_of = |e: &ast::Value<'_>| -> Option<String> {
            match e {
                ast::Value::Object(o) => o
                    .properties
                    .iter()
                    .rev()
                    .find(|p| p.name.as_str() == key)
                    .and_then(|p| match &p.value {
                        ast::Value::StringLit(s) => Some(s.value.to_string()),
                        _ => None,
                    }),
                _ => None,
            }
        };
        let field_of = |e: &ast::Value<'_>, f: &str| -> Option<String> {
            match e {
                ast::Value::Object(o) => o
                    .properties
                    .iter()
                    .rev()
                    .find(|p| p.name.as_str() == f)
                    .and_then(|p| match &p.value {
                        ast::Value::StringLit(s) => Some(s.value.trim_end_matches('/').to_string()),
                        _ => None,
                    }),
                _ => None,
            }
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut gone = Vec::new();
        for e in &a.elements {
            let name = name_of(e);
            let wanted = name
                .as_deref()
                .and_then(|n| items.iter().find(|(i, _)| i == n));
            match wanted {
                // A second item with the same name: the client would see two; drop it.
                Some((n, _)) if seen.contains(&n.as_str()) => gone.push(true),
                Some((n, w)) => {
                    seen.push(n);
                    path.push(format!("[{key}={n}]"));
                    self.value(e, w, path, false)?;
                    path.pop();
                    gone.push(false);
                }
                None => {
                    let stale = owned.is_some_and(|(f, v)| {
                        field_of(e, f).as_deref() == Some(v.trim_end_matches('/'))
                    });
                    gone.push(stale);
                }
            }
        }
        let added: Vec<Value> = items
            .iter()
            .filter(|(n, _)| !seen.contains(&n.as_str()))
            .map(|(_, w)| w.to_value())
            .collect();
        let spans: Vec<Span> = a
            .elements
            .iter()
            .map(|e| {
                let r = e.range();
                Span::new(r.start, r.end)
            })
            .collect();
        self.container(
            Span::new(a.range.start, a.range.end),
            &spans,
            &gone,
            &added.iter().map(Entry::Item).collect::<Vec<_>>(),
        );
        Ok(())
    }

    /// Remove the items marked `gone` and append `added` to the object or array at `span`
    /// whose items are at `items`.
    fn container(&mut self, span: Span, items: &[Span], gone: &[bool], added: &[Entry<'_>]) {
        let kept: Vec<usize> = (0..items.len()).filter(|i| !gone[*i]).collect();
        let open_indent = line_indent(self.text, span.start);
        let one_line = self.one_line(span.start, span.end);
        let item_indent = items
            .first()
            .and_then(|first| {
                let before = &self.text[span.start + 1..first.start];
                before.rfind('\n').map(|nl| before[nl + 1..].to_string())
            })
            .unwrap_or_else(|| format!("{open_indent}{}", self.unit));
        let unit = self.unit.clone();
        let render = |e: &Entry<'_>, indent: &str, inline: bool| -> String {
            let (prefix, v) = match e {
                Entry::Member(k, v) => (format!("{}: ", quote(k)), *v),
                Entry::Item(v) => (String::new(), *v),
            };
            let body = if inline {
                serde_json::to_string(v).expect("JSON values serialise")
            } else {
                pretty(v, indent, &unit)
            };
            format!("{prefix}{body}")
        };
        if kept.is_empty() {
            // Nothing stays: write the container's inside anew (keeping its brackets).
            if added.is_empty() {
                if !items.is_empty() {
                    self.replace(span.start + 1, span.end - 1, String::new());
                }
                return;
            }
            let body: Vec<String> = added
                .iter()
                .map(|e| format!("{item_indent}{}", render(e, &item_indent, false)))
                .collect();
            self.replace(
                span.start + 1,
                span.end - 1,
                format!("\n{}\n{open_indent}", body.join(",\n")),
            );
            return;
        }
        // Removals: leading removed items up to the first kept one, later ones from the end
        // of the item before them.
        let first_kept = kept[0];
        if first_kept > 0 {
            self.replace(items[0].start, items[first_kept].start, String::new());
        }
        for i in first_kept + 1..items.len() {
            if gone[i] {
                self.replace(items[i - 1].end, items[i].end, String::new());
            }
        }
        if added.is_empty() {
            return;
        }
        let last = items[*kept.last().expect("kept is not empty")];
        let is_last_overall = kept.last() == Some(&(items.len() - 1));
        if one_line {
            let body: Vec<String> = added.iter().map(|e| render(e, "", true)).collect();
            self.replace(last.end, last.end, format!(", {}", body.join(", ")));
            return;
        }
        let body: Vec<String> = added
            .iter()
            .map(|e| format!("{item_indent}{}", render(e, &item_indent, false)))
            .collect();
        let body = body.join(",\n");
        // After the last item: a trailing comma or a line comment stays where it is.
        let after = skip_trivia_same_line(self.text, last.end);
        let trailing_comma = is_last_overall && self.text[after..].starts_with(',');
        if trailing_comma {
            let at = line_end(self.text, after + 1);
            self.replace(at, at, format!("\n{body}"));
        } else if self.text[last.end..]
            .trim_start_matches([' ', '\t'])
            .starts_with("//")
        {
            self.replace(last.end, last.end, ",".into());
            let at = line_end(self.text, last.end);
            self.replace(at, at, format!("\n{body}"));
        } else {
            self.replace(last.end, last.end, format!(",\n{body}"));
        }
    }
}

enum Entry<'a> {
    Member(&'a str, &'a Value),
    Item(&'a Value),
}

/// A JSON string literal.
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// `v` pretty-printed with `unit` per level, every line after the first starting with
/// `indent`.
pub fn pretty(v: &Value, indent: &str, unit: &str) -> String {
    use serde::Serialize;
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(unit.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    v.serialize(&mut ser).expect("a JSON value serialises");
    let s = String::from_utf8(buf).expect("serde_json writes UTF-8");
    if indent.is_empty() {
        s
    } else {
        s.replace('\n', &format!("\n{indent}"))
    }
}

/// The whitespace at the start of the line holding `pos`.
pub fn line_indent(text: &str, pos: usize) -> String {
    let start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The start of the line holding `pos`.
fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding `pos` (before its line break).
fn line_end(text: &str, pos: usize) -> usize {
    text[pos..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| pos + i)
}

/// The first position from `pos` that is not a space or tab.
fn skip_trivia_same_line(text: &str, pos: usize) -> usize {
    pos + text[pos..]
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count()
}

/// The indentation of the first indented line (two spaces when there is none).
pub fn detect_indent(text: &str) -> String {
    for line in text.lines() {
        let ws: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        if !ws.is_empty() && line.len() > ws.len() {
            return ws;
        }
    }
    "  ".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn want() -> Want {
        Want::object(vec![
            ("model", Want::str("fgc/a")),
            (
                "provider",
                Want::object(vec![(
                    "fgc",
                    Want::object(vec![
                        ("npm", Want::str("@ai-sdk/openai-compatible")),
                        (
                            "models",
                            Want::Object {
                                members: vec![("a".into(), Want::Value(json!({"name": "a"})))],
                                exclusive: true,
                            },
                        ),
                    ]),
                )]),
            ),
        ])
    }

    #[test]
    fn keeps_comments_other_keys_and_layout() {
        let text = "{\n    // mine\n    \"theme\": \"dark\", /* inline */\n    \"model\": \"old/x\",\n    \"provider\": {\n        \"other\": {\"npm\": \"x\"},\n        \"fgc\": {\"npm\": \"old\", \"models\": {\"gone\": {}, \"a\": {\"name\": \"a\"}}}\n    },\n}\n";
        let out = merge(text, &want(), Dialect::JSONC).unwrap();
        assert_eq!(
            out,
            "{\n    // mine\n    \"theme\": \"dark\", /* inline */\n    \"model\": \"fgc/a\",\n    \"provider\": {\n        \"other\": {\"npm\": \"x\"},\n        \"fgc\": {\"npm\": \"@ai-sdk/openai-compatible\", \"models\": {\"a\": {\"name\": \"a\"}}}\n    },\n}\n"
        );
    }

    #[test]
    fn adds_missing_members_in_the_file_s_indentation() {
        let text = "{\n\t\"theme\": \"dark\" // keep\n}\n";
        let out = merge(text, &want(), Dialect::JSONC).unwrap();
        assert!(out.starts_with("{\n\t\"theme\": \"dark\", // keep\n\t\"model\": \"fgc/a\",\n\t\"provider\": {\n\t\t\"fgc\": {"), "{out}");
        assert_eq!(
            to_data(&out, Dialect::JSONC).unwrap()["provider"]["fgc"]["models"],
            json!({"a": {"name": "a"}})
        );
        // Empty files and empty objects.
        let out = merge("", &want(), Dialect::JSON).unwrap();
        assert!(out.starts_with("{\n  \"model\""), "{out}");
        let out = merge("{}", &want(), Dialect::JSON).unwrap();
        assert!(
            out.starts_with("{\n  \"model\": \"fgc/a\",\n  \"provider\": {\n    \"fgc\""),
            "{out}"
        );
        assert_eq!(
            merge(&out, &want(), Dialect::JSON).unwrap(),
            out,
            "idempotent"
        );
    }

    #[test]
    fn keyed_arrays_keep_foreign_items_and_drop_stale_owned_ones() {
        let w = Want::object(vec![(
            "openai",
            Want::Keyed {
                key: "id",
                items: vec![
                    ("a".into(), Want::object(vec![("baseUrl", Want::str("G"))])),
                    ("b".into(), Want::Value(json!({"id": "b", "baseUrl": "G"}))),
                ],
                owned: Some(("baseUrl", "G".into())),
            },
        )]);
        let text = "{\"openai\": [\n  {\"id\": \"mine\", \"baseUrl\": \"X\"},\n  {\"id\": \"old\", \"baseUrl\": \"G/\"},\n  {\"id\": \"a\", \"baseUrl\": \"H\", \"extra\": 1}\n]}";
        let out = merge(text, &w, Dialect::JSON).unwrap();
        assert_eq!(
            to_data(&out, Dialect::JSON).unwrap(),
            json!({"openai": [{"id": "mine", "baseUrl": "X"}, {"id": "a", "baseUrl": "G", "extra": 1}, {"id": "b", "baseUrl": "G"}]})
        );
        assert!(
            out.contains("  {\"id\": \"mine\", \"baseUrl\": \"X\"},\n"),
            "{out}"
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(matches!(
            merge("{\"a\": 1,}", &want(), Dialect::JSON),
            Err(MergeError::Syntax { .. })
        ));
        assert!(merge("{\"a\": 1,}", &want(), Dialect::JSONC).is_ok());
        assert!(matches!(
            merge("[1]", &want(), Dialect::JSON),
            Err(MergeError::Shape { .. })
        ));
        // A BOM is kept and ranges still line up.
        let out = merge("\u{feff}{\"model\": \"x\"}", &want(), Dialect::JSON).unwrap();
        assert!(out.starts_with("\u{feff}{\"model\": \"fgc/a\""), "{out}");
    }
}
