//! Renaming the alias in client files: Codex `config.toml` (or a profile file) and Claude Code
//! `settings.json`. Only values equal to OLD change, by span patches on the original text.

use super::error::RenameError;
use super::json::{self, Json};
use super::patch::PatchSet;
use crate::source::SourceFile;
use crate::span::Span;

/// The result of renaming in one client file.
#[derive(Debug, Default)]
pub struct ClientRename {
    pub after: String,
    /// The keys that changed (`model`, `env.ANTHROPIC_MODEL` …).
    pub changed: Vec<String>,
    /// Places that hold OLD but were left alone, with why.
    pub notes: Vec<String>,
}

/// The Claude Code settings that name a model, under `env`. `ANTHROPIC_SMALL_FAST_MODEL` is
/// the older name of the Haiku slot, still read by Claude Code.
pub const CLAUDE_ENV_KEYS: &[&str] = &[
    "ANTHROPIC_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL",
];

fn parse_error(source: &SourceFile, message: String, offset: usize) -> RenameError {
    let offset = offset.min(source.text.len());
    RenameError::ClientParse {
        file: source.name.clone(),
        message,
        src: super::error::named(source),
        at: Span::new(offset, offset).into(),
    }
}

fn apply(source: &SourceFile, patches: PatchSet) -> Result<String, RenameError> {
    patches
        .apply(&source.text)
        .map_err(|_| RenameError::Internal(format!("overlapping edits in {}", source.name)))
}

/// Codex: the top-level `model` when it equals `old`. `[profiles.*]` tables are reported, not
/// changed: Codex no longer reads them (a profile is a separate `NAME.config.toml`).
pub fn codex(source: &SourceFile, old: &str, new: &str) -> Result<ClientRename, RenameError> {
    let doc = toml_edit::Document::parse(source.text.to_string()).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        parse_error(source, e.message().to_string(), offset)
    })?;
    let mut out = ClientRename::default();
    let mut patches = PatchSet::new();
    let root = doc.as_table();
    if let Some(v) = root.get("model").and_then(|i| i.as_value())
        && v.as_str() == Some(old)
    {
        let Some(span) = v.span() else {
            return Err(RenameError::Internal("toml value without a span".into()));
        };
        let raw = &source.text[span.clone()];
        patches.push(Span::new(span.start, span.end), toml_string(new, raw));
        out.changed.push("model".into());
    }
    if let Some(profiles) = root.get("profiles").and_then(|i| i.as_table_like()) {
        for (name, p) in profiles.iter() {
            let model = p
                .as_table_like()
                .and_then(|t| t.get("model"))
                .and_then(|m| m.as_str());
            if model == Some(old) {
                out.notes.push(format!(
                    "[profiles.{name}] model = \"{old}\" left unchanged: Codex no longer reads [profiles.*] tables; a profile is a separate NAME.config.toml (pass it with --codex)"
                ));
            }
        }
    }
    out.after = apply(source, patches)?;
    let reread = toml_edit::Document::parse(out.after.as_str())
        .ok()
        .and_then(|d| {
            d.as_table()
                .get("model")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        });
    if !out.changed.is_empty() && reread.as_deref() != Some(new) {
        return Err(RenameError::Internal(format!(
            "the renamed {} does not read back",
            source.name
        )));
    }
    Ok(out)
}

/// A TOML string holding `new`: a literal string (`'…'`) when the old value was one and `new`
/// fits in one, otherwise a one-line basic string. Names hold no control characters (see
/// [`super::name::validate`]), so `\` and `"` are the only characters to escape.
fn toml_string(new: &str, raw: &str) -> String {
    if raw.starts_with('\'') && !raw.starts_with("'''") && !new.contains('\'') {
        return format!("'{new}'");
    }
    format!("\"{}\"", new.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Claude Code: `env.ANTHROPIC_*MODEL` and the top-level `model` when they equal `old`.
pub fn claude(source: &SourceFile, old: &str, new: &str) -> Result<ClientRename, RenameError> {
    let doc = json::parse(&source.text).map_err(|e| parse_error(source, e.message, e.offset))?;
    let mut out = ClientRename::default();
    let mut patches = PatchSet::new();
    let replacement = serde_json::to_string(new).unwrap_or_default();
    let mut take = |key: String, v: &Json| {
        if let Json::Str(s, span) = v
            && s == old
        {
            patches.push(*span, replacement.clone());
            out.changed.push(key);
        }
    };
    for v in doc.get("model") {
        take("model".into(), v);
    }
    for env in doc.get("env") {
        for key in CLAUDE_ENV_KEYS {
            for v in env.get(key) {
                take(format!("env.{key}"), v);
            }
        }
    }
    out.after = apply(source, patches)?;
    if json::parse(&out.after).is_err() {
        return Err(RenameError::Internal(format!(
            "the renamed {} does not read back",
            source.name
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(t: &str) -> SourceFile {
        SourceFile::new("f", "f", t)
    }

    #[test]
    fn codex_top_level_only() {
        let t = "# c\nmodel = 'a' # keep\nmodel_provider = \"a\"\n[profiles.x]\nmodel = \"a\"\n";
        let r = codex(&src(t), "a", "b").unwrap();
        assert_eq!(
            r.after,
            "# c\nmodel = 'b' # keep\nmodel_provider = \"a\"\n[profiles.x]\nmodel = \"a\"\n"
        );
        assert_eq!(r.notes.len(), 1);
        let r = codex(&src("model = \"a\"\n"), "a", "it's \"b\"").unwrap();
        assert_eq!(r.after, "model = \"it's \\\"b\\\"\"\n");
    }

    #[test]
    fn claude_env_slots() {
        let t = "{\n  \"env\": {\"ANTHROPIC_MODEL\": \"a\", \"OTHER\": \"a\",\n   \"ANTHROPIC_DEFAULT_HAIKU_MODEL\":\"a\"}\n}\n";
        let r = claude(&src(t), "a", "b\"").unwrap();
        assert_eq!(
            r.after,
            "{\n  \"env\": {\"ANTHROPIC_MODEL\": \"b\\\"\", \"OTHER\": \"a\",\n   \"ANTHROPIC_DEFAULT_HAIKU_MODEL\":\"b\\\"\"}\n}\n"
        );
        assert!(claude(&src("{\"env\": }"), "a", "b").is_err());
    }
}
