//! Renaming the alias in the files of opencode, Qwen Code, Aider and Continue. Only places
//! that name a model of this gateway change: entries whose base URL is the gateway's (the
//! root or the root plus `/v1`, or a client's `integration.*.base_url`), and the model
//! settings that point into them. Edits are span patches on the original text (JSON string
//! literals and keys through `jsonc-parser`'s ranges, YAML scalars in their own style), and
//! the result must read back with nothing left to rename.

use jsonc_parser::ast::{self, ObjectPropName};
use jsonc_parser::common::Ranged;

use super::clients::ClientRename;
use super::error::RenameError;
use super::patch::PatchSet;
use super::yaml_scalar;
use crate::edit::json::{self as ej, Dialect};
use crate::source::SourceFile;
use crate::span::Span;
use crate::yaml::Node;

/// Which client file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Opencode,
    Qwen,
    /// `.aider.conf.yml`, or `.aider.model.metadata.json` (told apart by its first
    /// non-space character, `{`).
    Aider,
    Continue,
}

/// The base URLs that mean "this gateway", compared without a trailing `/`.
#[derive(Clone, Debug, Default)]
pub struct Gateway {
    pub urls: Vec<String>,
}

impl Gateway {
    pub fn new(urls: impl IntoIterator<Item = String>) -> Gateway {
        let mut out: Vec<String> = Vec::new();
        for u in urls {
            let u = u.trim_end_matches('/').to_string();
            for v in [
                u.clone(),
                format!("{u}/v1"),
                u.trim_end_matches("/v1").to_string(),
            ] {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        Gateway { urls: out }
    }

    fn is(&self, url: Option<&str>) -> bool {
        url.is_some_and(|u| self.urls.iter().any(|g| g == u.trim_end_matches('/')))
    }
}

fn parse_error(source: &SourceFile, message: String, offset: usize) -> RenameError {
    let offset = offset.min(source.text.len());
    RenameError::ClientParse {
        file: source.name.clone(),
        message,
        src: super::error::named(source),
        at: Span::new(offset, offset).into(),
    }
}

/// Rename `old` to `new` in one client file.
pub fn rename(
    kind: Kind,
    source: &SourceFile,
    old: &str,
    new: &str,
    gw: &Gateway,
) -> Result<ClientRename, RenameError> {
    let (patches, changed) = plan(kind, source, &source.text, old, new, gw)?;
    let after = patches
        .apply(&source.text)
        .map_err(|_| RenameError::Internal(format!("overlapping edits in {}", source.name)))?;
    // Read back: the result parses and holds nothing more to rename.
    let again = plan(kind, source, &after, old, new, gw).map_err(|_| {
        RenameError::Internal(format!("the renamed {} does not read back", source.name))
    })?;
    if !again.1.is_empty() {
        return Err(RenameError::Internal(format!(
            "the renamed {} still names `{old}`",
            source.name
        )));
    }
    Ok(ClientRename {
        after,
        changed,
        notes: Vec::new(),
    })
}

type Planned = (PatchSet, Vec<String>);

fn plan(
    kind: Kind,
    source: &SourceFile,
    text: &str,
    old: &str,
    new: &str,
    gw: &Gateway,
) -> Result<Planned, RenameError> {
    match kind {
        Kind::Opencode => json(source, text, Dialect::JSONC, |root, p| {
            opencode(root, old, new, gw, p)
        }),
        Kind::Qwen => json(source, text, Dialect::WITH_COMMENTS, |root, p| {
            qwen(root, old, new, gw, p)
        }),
        Kind::Aider if text.trim_start().starts_with('{') => {
            json(source, text, Dialect::JSON, |root, p| {
                aider_metadata(root, old, new, p)
            })
        }
        Kind::Aider => yaml(source, text, |root, p| {
            aider_conf(text, root, old, new, gw, p)
        }),
        Kind::Continue => yaml(source, text, |root, p| {
            continue_cli(text, root, old, new, gw, p)
        }),
    }
}

/// Patches and the changed places, collected by the per-client functions.
struct Edits {
    patches: PatchSet,
    changed: Vec<String>,
}

fn json(
    source: &SourceFile,
    text: &str,
    dialect: Dialect,
    f: impl FnOnce(&ast::Object<'_>, &mut Edits),
) -> Result<Planned, RenameError> {
    let root = ej::parse(text, dialect).map_err(|e| match e {
        crate::edit::MergeError::Syntax {
            message, offset, ..
        } => parse_error(source, message, offset),
        other => parse_error(source, other.to_string(), 0),
    })?;
    let mut e = Edits {
        patches: PatchSet::new(),
        changed: Vec::new(),
    };
    if let Some(ast::Value::Object(o)) = &root {
        f(o, &mut e);
    }
    Ok((e.patches, e.changed))
}

fn yaml(
    source: &SourceFile,
    text: &str,
    f: impl FnOnce(&Node, &mut Edits),
) -> Result<Planned, RenameError> {
    let mut e = Edits {
        patches: PatchSet::new(),
        changed: Vec::new(),
    };
    if text.trim().is_empty() {
        return Ok((e.patches, e.changed));
    }
    let root = crate::yaml::parse(text, 0)
        .map_err(|err| parse_error(source, err.message, err.span.start))?;
    f(&root, &mut e);
    Ok((e.patches, e.changed))
}

fn prop<'a, 'b>(o: &'a ast::Object<'b>, key: &str) -> Option<&'a ast::ObjectProp<'b>> {
    o.properties.iter().rev().find(|p| p.name.as_str() == key)
}

fn obj<'a, 'b>(o: &'a ast::Object<'b>, key: &str) -> Option<&'a ast::Object<'b>> {
    match prop(o, key).map(|p| &p.value) {
        Some(ast::Value::Object(o)) => Some(o),
        _ => None,
    }
}

fn string<'a>(v: &'a ast::Value<'_>) -> Option<&'a str> {
    match v {
        ast::Value::StringLit(s) => Some(&s.value),
        _ => None,
    }
}

fn str_at<'a>(o: &'a ast::Object<'_>, key: &str) -> Option<&'a str> {
    prop(o, key).and_then(|p| string(&p.value))
}

/// Replace the string value at `o.key` when it equals `from`.
fn json_value(o: &ast::Object<'_>, key: &str, from: &str, to: &str, place: String, e: &mut Edits) {
    if let Some(p) = prop(o, key)
        && string(&p.value) == Some(from)
    {
        let r = p.value.range();
        e.patches.push(Span::new(r.start, r.end), ej::quote(to));
        e.changed.push(place);
    }
}

/// Rename the key `from` of `o` to `to`.
fn json_key(o: &ast::Object<'_>, from: &str, to: &str, place: String, e: &mut Edits) {
    for p in o.properties.iter().filter(|p| p.name.as_str() == from) {
        let r = match &p.name {
            ObjectPropName::String(s) => s.range,
            ObjectPropName::Word(w) => w.range,
        };
        e.patches.push(Span::new(r.start, r.end), ej::quote(to));
        e.changed.push(place.clone());
    }
}

/// opencode: in each provider on the gateway, the model key `old` (and its `name`), and
/// `model` / `small_model` = `<provider>/old`.
fn opencode(root: &ast::Object<'_>, old: &str, new: &str, gw: &Gateway, e: &mut Edits) {
    let Some(providers) = obj(root, "provider") else {
        return;
    };
    for p in &providers.properties {
        let ast::Value::Object(prov) = &p.value else {
            continue;
        };
        let id = p.name.as_str();
        let base = obj(prov, "options").and_then(|o| str_at(o, "baseURL"));
        if !gw.is(base) {
            continue;
        }
        if let Some(models) = obj(prov, "models") {
            json_key(models, old, new, format!("provider.{id}.models.{old}"), e);
            if let Some(m) = obj(models, old) {
                json_value(
                    m,
                    "name",
                    old,
                    new,
                    format!("provider.{id}.models.{old}.name"),
                    e,
                );
            }
        }
        for key in ["model", "small_model"] {
            json_value(
                root,
                key,
                &format!("{id}/{old}"),
                &format!("{id}/{new}"),
                key.into(),
                e,
            );
        }
    }
}

/// Qwen Code: entries of `modelProviders.*[]` on the gateway with `id` = old (and `name`),
/// and `model.name` when it names such an entry.
fn qwen(root: &ast::Object<'_>, old: &str, new: &str, gw: &Gateway, e: &mut Edits) {
    let mut ours = false;
    if let Some(providers) = obj(root, "modelProviders") {
        for p in &providers.properties {
            let ast::Value::Array(list) = &p.value else {
                continue;
            };
            for (i, item) in list.elements.iter().enumerate() {
                let ast::Value::Object(entry) = item else {
                    continue;
                };
                if !gw.is(str_at(entry, "baseUrl")) || str_at(entry, "id") != Some(old) {
                    continue;
                }
                ours = true;
                let at = format!("modelProviders.{}[{i}]", p.name.as_str());
                json_value(entry, "id", old, new, format!("{at}.id"), e);
                json_value(entry, "name", old, new, format!("{at}.name"), e);
            }
        }
    }
    if ours && let Some(model) = obj(root, "model") {
        json_value(model, "name", old, new, "model.name".into(), e);
    }
}

/// `.aider.model.metadata.json`: the key `openai/old`.
fn aider_metadata(root: &ast::Object<'_>, old: &str, new: &str, e: &mut Edits) {
    let (from, to) = (format!("openai/{old}"), format!("openai/{new}"));
    json_key(root, &from, &to, from.clone(), e);
}

/// Replace the YAML scalar `node` (holding `from`) with `to` in its own style.
fn yaml_scalar(text: &str, node: &Node, from: &str, to: &str, place: String, e: &mut Edits) {
    if node.as_str() != Some(from) || node.def.is_some() {
        return;
    }
    if let Some((style, span)) = yaml_scalar::style_of(text, node.span, from) {
        let flow = {
            let line = &text[text[..span.start].rfind('\n').map_or(0, |i| i + 1)..span.start];
            line.matches(['[', '{']).count() > line.matches([']', '}']).count()
        };
        e.patches.push(span, yaml_scalar::write(to, style, flow));
        e.changed.push(place);
    }
}

/// `.aider.conf.yml` on the gateway (`openai-api-base`): `model`, `weak-model`,
/// `editor-model` = `openai/old`.
fn aider_conf(text: &str, root: &Node, old: &str, new: &str, gw: &Gateway, e: &mut Edits) {
    if !gw.is(root.get("openai-api-base").and_then(Node::as_str)) {
        return;
    }
    let (from, to) = (format!("openai/{old}"), format!("openai/{new}"));
    for key in ["model", "weak-model", "editor-model"] {
        if let Some(v) = root.get(key) {
            yaml_scalar(text, v, &from, &to, key.into(), e);
        }
    }
}

/// Continue: `models[]` entries on the gateway (`apiBase`) with `model` = old (and `name`).
fn continue_cli(text: &str, root: &Node, old: &str, new: &str, gw: &Gateway, e: &mut Edits) {
    let Some(crate::yaml::NodeKind::Seq(models)) = root.get("models").map(|m| &m.kind) else {
        return;
    };
    for (i, m) in models.iter().enumerate() {
        if !gw.is(m.get("apiBase").and_then(Node::as_str)) {
            continue;
        }
        if m.get("model").and_then(Node::as_str) != Some(old) {
            continue;
        }
        for key in ["model", "name"] {
            if let Some(v) = m.get(key) {
                yaml_scalar(text, v, old, new, format!("models[{i}].{key}"), e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gw() -> Gateway {
        Gateway::new(["http://127.0.0.1:4000".to_string()])
    }

    fn run(kind: Kind, t: &str) -> ClientRename {
        rename(kind, &SourceFile::new("f", "f", t), "a", "b", &gw()).unwrap()
    }

    #[test]
    fn opencode_provider_on_the_gateway_only() {
        let t = r#"{
  // c
  "provider": {
    "fgc": {"options": {"baseURL": "http://127.0.0.1:4000/v1/"}, "models": {"a": {"name": "a"}, "c": {}}},
    "other": {"options": {"baseURL": "http://x/v1"}, "models": {"a": {}}},
  },
  "model": "fgc/a", "small_model": "other/a",
}"#;
        let r = run(Kind::Opencode, t);
        assert_eq!(
            r.after,
            t.replacen("\"a\": {\"name\": \"a\"}", "\"b\": {\"name\": \"b\"}", 1)
                .replace("\"fgc/a\"", "\"fgc/b\"")
        );
        assert_eq!(r.changed.len(), 3);
    }

    #[test]
    fn qwen_aider_continue() {
        let t = r#"{"modelProviders": {"openai": [{"id": "a", "name": "a", "baseUrl": "http://127.0.0.1:4000/v1"}, {"id": "a", "baseUrl": "http://y"}]}, "model": {"name": "a"}}"#;
        let r = run(Kind::Qwen, t);
        assert_eq!(
            r.changed,
            [
                "modelProviders.openai[0].id",
                "modelProviders.openai[0].name",
                "model.name"
            ]
        );
        assert!(r.after.contains(r#"{"id": "a", "baseUrl": "http://y"}"#));
        let r = run(
            Kind::Aider,
            "model: openai/a # c\nweak-model: 'openai/a'\nopenai-api-base: http://127.0.0.1:4000/v1\n",
        );
        assert_eq!(
            r.after,
            "model: openai/b # c\nweak-model: 'openai/b'\nopenai-api-base: http://127.0.0.1:4000/v1\n"
        );
        assert!(run(Kind::Aider, "model: openai/a\n").changed.is_empty());
        let r = run(
            Kind::Aider,
            "{\"openai/a\": {\"max_tokens\": 1}, \"x/a\": {}}",
        );
        assert_eq!(r.after, "{\"openai/b\": {\"max_tokens\": 1}, \"x/a\": {}}");
        let t = "models:\n  - name: a\n    model: a\n    apiBase: http://127.0.0.1:4000/v1\n  - name: a\n    model: a\n    apiBase: http://z/v1\n";
        let r = run(Kind::Continue, t);
        assert_eq!(
            r.after,
            t.replacen("name: a\n    model: a", "name: b\n    model: b", 1)
        );
    }
}
