//! `fgc emit claude-code`: the six environment variables that point Claude Code at the
//! gateway, as a dotenv file, POSIX `export` lines or a `settings.json`, and a merge into an
//! existing `~/.claude/settings.json` that changes nothing but those keys.
//!
//! The token (`ANTHROPIC_AUTH_TOKEN`) is the gateway's token, never an upstream secret:
//! `integration.claude_code.auth_token`, else `general_settings.master_key` when that is an
//! `os.environ/VAR` reference. A reference stays a reference where the format can express
//! one (`${VAR}` in env and shell); `settings.json` cannot, so there the variable is
//! resolved into files written by fgc (mode 0600) and on stdout only with `--show-secrets`.

use serde_json::{Map, Value};

use super::{Emitted, Input, alias_or_default, gateway_root, integration};
use crate::diag::Diagnostic;
use crate::rules::Code;
use crate::secrets;
use crate::span::Span;

pub const KEYS: [&str; 6] = [
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
];

/// A placeholder shown when the config names no gateway token at all.
pub const TOKEN_PLACEHOLDER: &str = "your-gateway-token";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `KEY=value` lines (dotenv; `${VAR}` for an environment reference).
    Env,
    /// `export KEY='value'` lines for `eval "$(fgc emit claude-code --format shell)"`.
    Shell,
    /// A `settings.json` with an `env` object.
    Settings,
}

/// Where the gateway token comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// `os.environ/VAR`, with the span that names it.
    Env(String, Option<Span>),
    /// A value written in the config (a local token or a placeholder).
    Literal(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaudeValues {
    pub base_url: String,
    pub token: Token,
    pub model: String,
    pub opus: String,
    pub sonnet: String,
    pub haiku: String,
}

pub fn values(input: &Input) -> Result<ClaudeValues, Diagnostic> {
    let model = input.model;
    let int = integration(model);
    let c = int.and_then(|i| i.claude_code.as_ref());
    let mut missing = Vec::new();
    let main = alias_or_default(model, c.and_then(|c| c.model.as_ref()), "ANTHROPIC_MODEL", &mut missing);
    let opus = alias_or_default(model, c.and_then(|c| c.opus_model.as_ref()), "the opus slot", &mut missing);
    let sonnet =
        alias_or_default(model, c.and_then(|c| c.sonnet_model.as_ref()), "the sonnet slot", &mut missing);
    let haiku_explicit = c
        .and_then(|c| c.haiku_model.as_ref())
        .or_else(|| int.and_then(|i| i.fast_model.as_ref()));
    let haiku = alias_or_default(model, haiku_explicit, "the haiku slot", &mut missing);
    let (Some(main), Some(opus), Some(sonnet), Some(haiku)) = (main, opus, sonnet, haiku) else {
        return Err(super::missing_default_model(input, "Claude Code", &missing));
    };
    let base_url = match c.and_then(|c| c.base_url.as_ref()) {
        Some(u) => u.as_str().trim_end_matches('/').to_string(),
        None => gateway_root(model),
    };
    let master = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref())
        .filter(|k| secrets::env_reference(k.as_str()).is_some_and(|v| !v.is_empty()));
    let token = match c.and_then(|c| c.auth_token.as_ref()).or(master) {
        Some(t) => match secrets::env_reference(t.as_str()) {
            Some(var) => Token::Env(var.to_string(), Some(t.span)),
            None => Token::Literal(t.value.clone()),
        },
        None => Token::Literal(TOKEN_PLACEHOLDER.to_string()),
    };
    Ok(ClaudeValues {
        base_url,
        token,
        model: main,
        opus,
        sonnet,
        haiku,
    })
}

impl ClaudeValues {
    /// The six pairs; the token as `token` (already resolved or a placeholder).
    fn pairs<'a>(&'a self, token: &'a str) -> [(&'static str, &'a str); 6] {
        [
            (KEYS[0], &self.base_url),
            (KEYS[1], token),
            (KEYS[2], &self.model),
            (KEYS[3], &self.opus),
            (KEYS[4], &self.sonnet),
            (KEYS[5], &self.haiku),
        ]
    }
}

/// The token for `settings.json`: the variable's value when `resolve`, else `${VAR}`.
/// `Ok((value, secret))`; an unset variable when resolving is an error.
fn settings_token(v: &ClaudeValues, resolve: bool) -> Result<(String, Option<String>), Diagnostic> {
    match &v.token {
        Token::Literal(s) => Ok((s.clone(), None)),
        Token::Env(var, _) if !resolve => Ok((format!("${{{var}}}"), None)),
        Token::Env(var, span) => match std::env::var(var) {
            Ok(val) if !val.trim().is_empty() => Ok((val.clone(), Some(val))),
            _ => {
                let mut d = Diagnostic::new(
                    Code::MissingSecret,
                    format!(
                        "settings.json cannot reference environment variables, and `{var}` (the gateway token for ANTHROPIC_AUTH_TOKEN) is not set"
                    ),
                )
                .with_severity(crate::diag::Severity::Error);
                if let Some(s) = span {
                    d = d.primary(*s, "the gateway token");
                }
                Err(d.help(format!(
                    "export {var}=... and run again, or use --format env/shell, which keep `${{{var}}}` as a reference"
                )))
            }
        },
    }
}

/// Whether `settings` output will resolve an environment reference when written.
pub fn token_is_reference(v: &ClaudeValues) -> bool {
    matches!(v.token, Token::Env(..))
}

fn comment_header(input: &Input, out: &mut String) {
    for l in input.header_lines("claude-code") {
        out.push_str("# ");
        out.push_str(&l);
        out.push('\n');
    }
}

/// The whole output for `format`. `resolve`: put the token's value into `settings.json`
/// (files written by fgc, or `--show-secrets`).
pub fn emit(input: &Input, format: Format, resolve: bool) -> Result<Emitted, Vec<Diagnostic>> {
    let v = values(input).map_err(|d| vec![d])?;
    let mut text = String::new();
    let mut secrets_out = Vec::new();
    match format {
        Format::Env => {
            comment_header(input, &mut text);
            let token = token_text(&v.token, |var| format!("${{{var}}}"));
            for (k, val) in v.pairs(&token) {
                let val = if k == KEYS[1] && matches!(v.token, Token::Env(..)) {
                    val.to_string()
                } else {
                    dotenv_quote(val)
                };
                text.push_str(&format!("{k}={val}\n"));
            }
        }
        Format::Shell => {
            comment_header(input, &mut text);
            let token = token_text(&v.token, |var| format!("\"${{{var}}}\""));
            for (k, val) in v.pairs(&token) {
                let val = if k == KEYS[1] && matches!(v.token, Token::Env(..)) {
                    val.to_string()
                } else {
                    shell_quote(val)
                };
                text.push_str(&format!("export {k}={val}\n"));
            }
        }
        Format::Settings => {
            let (token, secret) = settings_token(&v, resolve).map_err(|d| vec![d])?;
            secrets_out.extend(secret);
            let mut env = Map::new();
            for (k, val) in v.pairs(&token) {
                env.insert(k.to_string(), Value::String(val.to_string()));
            }
            let mut root = Map::new();
            root.insert("env".into(), Value::Object(env));
            text = pretty(&Value::Object(root), b"  ");
            text.push('\n');
        }
    }
    Ok(Emitted {
        text,
        secrets: secrets_out,
    })
}

fn token_text(t: &Token, reference: impl Fn(&str) -> String) -> String {
    match t {
        Token::Env(var, _) => reference(var),
        Token::Literal(s) => s.clone(),
    }
}

/// A dotenv value: bare when it is made of safe characters, else single-quoted (dotenv
/// readers take single-quoted values literally).
fn dotenv_quote(s: &str) -> String {
    if !s.is_empty()
        && s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+,".contains(c))
    {
        s.to_string()
    } else {
        shell_quote(s)
    }
}

/// POSIX single quotes: nothing inside is expanded; `'` is written `'\''`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn pretty(v: &Value, indent: &[u8]) -> String {
    use serde::Serialize;
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    v.serialize(&mut ser).expect("a JSON value serialises");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

/// Why a `settings.json` cannot be merged into.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("it is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("its top level is not a JSON object")]
    NotObject,
    #[error("its `env` is not a JSON object")]
    EnvNotObject,
}

/// `existing` (a settings.json, possibly empty) with the six keys set in `env`. Every other
/// key keeps its value and position; the file's indentation is kept.
pub fn merge(
    existing: &str,
    input: &Input,
    resolve: bool,
) -> Result<Result<Emitted, Vec<Diagnostic>>, MergeError> {
    let mut root: Value = if existing.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(existing)?
    };
    let Some(obj) = root.as_object_mut() else {
        return Err(MergeError::NotObject);
    };
    let v = match values(input) {
        Ok(v) => v,
        Err(d) => return Ok(Err(vec![d])),
    };
    let env = obj
        .entry("env")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(env) = env.as_object_mut() else {
        return Err(MergeError::EnvNotObject);
    };
    let (token, secret) = match settings_token(&v, resolve) {
        Ok(t) => t,
        Err(d) => return Ok(Err(vec![d])),
    };
    for (k, val) in v.pairs(&token) {
        match env.get_mut(k) {
            Some(old) => *old = Value::String(val.to_string()),
            None => {
                env.insert(k.to_string(), Value::String(val.to_string()));
            }
        }
    }
    let indent = detect_indent(existing);
    let mut text = pretty(&root, indent.as_bytes());
    if existing.is_empty() || existing.ends_with('\n') {
        text.push('\n');
    }
    Ok(Ok(Emitted {
        text,
        secrets: secret.into_iter().collect(),
    }))
}

/// The indentation of the first indented line (two spaces when there is none).
fn detect_indent(text: &str) -> String {
    for line in text.lines() {
        let ws: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        if !ws.is_empty() && line.len() > ws.len() {
            return ws;
        }
    }
    "  ".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(dotenv_quote("http://127.0.0.1:4000"), "http://127.0.0.1:4000");
        assert_eq!(dotenv_quote("a b"), "'a b'");
        assert_eq!(detect_indent("{\n\t\"a\": 1\n}"), "\t");
        assert_eq!(detect_indent("{\n    \"a\": 1\n}"), "    ");
    }
}
