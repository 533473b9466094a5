//! Structural diagnostics from JSON Schema validation (`unknown-key`, `missing-key`,
//! `invalid-type`, `invalid-value`), each at the span of the offending node.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::diag::Code;
use crate::diag::{Diagnostic, did_you_mean};
use crate::schema;
use crate::span::Span;
use crate::yaml::de::DeError;
use crate::yaml::{Node, NodeKind};

/// Every structural problem in one run, not just the first.
pub fn diagnostics(node: &Node, doc: &Value) -> Vec<Diagnostic> {
    diagnostics_and_places(node, doc, "").0
}

/// The diagnostics, and for each (in the same order) the span of the node to leave out so that
/// the rest of the file can be read (the value of the wrong type, the object missing a key,
/// the unknown key).
///
/// `prefix` is where `node` sits in `doc` (`/litellm_base` for a LiteLLM config, validated
/// as the `litellm_base` of a flowgate.yaml): paths in messages are the file's own.
pub fn diagnostics_and_places(
    node: &Node,
    doc: &Value,
    prefix: &str,
) -> (Vec<Diagnostic>, Vec<Span>) {
    let mut out = Vec::new();
    let mut places = Vec::new();
    let pruned = schema::prune_nulls(doc);
    for err in schema::validator().iter_errors(&pruned) {
        let full = err.instance_path().as_str().to_string();
        let path = full.strip_prefix(prefix).unwrap_or(&full).to_string();
        let (target, key) = node.pointer(&path);
        let place = key.map_or(target.span, |k| k.span);
        let name = last_segment(&path);
        match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = allowed_keys(&full);
                for key in unexpected {
                    let span = match &target.kind {
                        NodeKind::Map(entries) => entries
                            .iter()
                            .find(|(k, _)| &k.key_text() == key)
                            .map_or(target.span, |(k, _)| k.span),
                        _ => target.span,
                    };
                    places.push(span);
                    let within = if path.is_empty() {
                        "at the top level".to_string()
                    } else {
                        format!("in `{}`", dotted(&path))
                    };
                    let mut d =
                        Diagnostic::new(Code::UnknownKey, format!("unknown key `{key}` {within}"))
                            .primary(span, "not a key fgc knows here");
                    d = match did_you_mean(key, allowed.iter().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None if !allowed.is_empty() => {
                            d.help(format!("allowed keys: {}", allowed.join(", ")))
                        }
                        None => d,
                    };
                    out.push(d);
                }
            }
            ValidationErrorKind::Required { property } => {
                places.push(target.span);
                let prop = property.as_str().unwrap_or("?");
                let what = if path.is_empty() {
                    "the document".to_string()
                } else {
                    format!("`{}`", dotted(&path))
                };
                out.push(
                    Diagnostic::new(
                        Code::MissingKey,
                        format!("{what} is missing the required key `{prop}`"),
                    )
                    .primary(place, format!("needs `{prop}`")),
                );
            }
            ValidationErrorKind::Type { kind } => {
                places.push(target.span);
                let expected = type_names(kind);
                let found = found_name(target);
                let subject = if name.is_empty() {
                    "the document".to_string()
                } else {
                    format!("`{name}`")
                };
                out.push(
                    Diagnostic::new(
                        Code::InvalidType,
                        format!("{subject} must be {expected}, found {found}"),
                    )
                    .primary(target.span, format!("expected {expected}")),
                );
            }
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
                places.push(target.span);
                let mut d = Diagnostic::new(
                    Code::InvalidValue,
                    format!("`{name}` has none of the allowed forms"),
                )
                .primary(target.span, "not allowed here");
                if let Some(desc) = schema_at(&full)
                    .and_then(|s| s.get("description"))
                    .and_then(Value::as_str)
                {
                    d = d.help(desc.replace('\n', " "));
                }
                out.push(d);
            }
            _ => {
                places.push(target.span);
                let subject = if name.is_empty() {
                    "the document".to_string()
                } else {
                    format!("`{name}`")
                };
                out.push(
                    Diagnostic::new(Code::InvalidValue, format!("{subject}: {err}"))
                        .primary(target.span, "not allowed here"),
                );
            }
        }
    }
    (out, places)
}

/// A typed-deserialization error (rare once the schema passed).
pub fn from_de_error(node: &Node, e: &DeError) -> Diagnostic {
    let span = e.span.unwrap_or(node.span);
    Diagnostic::new(Code::InvalidValue, e.message.clone()).primary(span, "here")
}

/// The name of the place at `path`: its key, or `key[i]` for a list item.
fn last_segment(path: &str) -> String {
    let unescape = |s: &str| s.replace("~1", "/").replace("~0", "~");
    let mut segs = path.rsplit('/');
    let last = unescape(segs.next().unwrap_or(""));
    match (last.parse::<usize>(), segs.next()) {
        (Ok(i), Some(parent)) if !parent.is_empty() => format!("{}[{i}]", unescape(parent)),
        _ => last,
    }
}

/// `/litellm_base/model_list/1` as `litellm_base.model_list[1]`.
fn dotted(path: &str) -> String {
    let mut out = String::new();
    for seg in path.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

fn type_names(kind: &jsonschema::error::TypeKind) -> String {
    use jsonschema::error::TypeKind;
    let one = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "object" => "a mapping".to_string(),
        "array" => "a list".to_string(),
        "string" => "a string".to_string(),
        "integer" => "an integer".to_string(),
        "number" => "a number".to_string(),
        "boolean" => "true or false".to_string(),
        "null" => "empty".to_string(),
        other => other.to_string(),
    };
    match kind {
        TypeKind::Single(t) => one(t),
        TypeKind::Multiple(ts) => {
            let names: Vec<String> = ts
                .iter()
                .filter(|t| t.to_string() != "null")
                .map(|t| one(&t))
                .collect();
            names.join(" or ")
        }
    }
}

fn found_name(node: &Node) -> &'static str {
    match node.kind {
        NodeKind::Null => "nothing",
        NodeKind::Bool(_) => "a boolean",
        NodeKind::Int(_) => "an integer",
        NodeKind::Float(_) => "a number",
        NodeKind::Str(_) => "a string",
        NodeKind::Timestamp(_) => "a date",
        NodeKind::Seq(_) => "a list",
        NodeKind::Map(_) => "a mapping",
    }
}

/// The keys the schema allows for the object at `instance_path`.
fn allowed_keys(instance_path: &str) -> Vec<String> {
    schema_at(instance_path)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The (resolved) schema that applies at `instance_path`.
fn schema_at(instance_path: &str) -> Option<&'static Value> {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    let root = SCHEMA.get_or_init(schema::schema_value);
    let mut cur = Some(resolve(root, root));
    for seg in instance_path.split('/').skip(1) {
        let Some(s) = cur else { break };
        let seg = seg.replace("~1", "/").replace("~0", "~");
        cur = s
            .get("properties")
            .and_then(|p| p.get(&seg))
            .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
            .or_else(|| s.get("items"))
            .map(|v| resolve(root, v));
    }
    cur
}

/// Follow `$ref`s.
fn resolve<'a>(root: &'a Value, mut s: &'a Value) -> &'a Value {
    for _ in 0..8 {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(t) => s = t,
                None => return s,
            }
        } else {
            return s;
        }
    }
    s
}
