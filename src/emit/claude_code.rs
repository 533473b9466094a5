//! `fgc emit claude-code`: the six environment variables that point Claude Code at the
//! gateway, as a dotenv file, POSIX `export` lines or a `settings.json`, and a merge into an
//! existing `~/.claude/settings.json` that changes nothing but those keys.
//!
//! The token (`ANTHROPIC_AUTH_TOKEN`) is the gateway's token, never an upstream secret:
//! `integration.claude_code.auth_token`, else `general_settings.master_key` when that is an
//! `os.environ/VAR` reference. A reference stays a reference where the format can express
//! one (`${VAR}` in env and shell); `settings.json` cannot, so there the variable is
//! resolved into files written by fgc (mode 0600) and on stdout only with `--show-secrets`.
//!
//! With a `routing` section that covers a Claude family, the variable that would name an
//! alias for it is left out (`ANTHROPIC_MODEL` for opus, Claude Code's default main model,
//! and the `ANTHROPIC_DEFAULT_*_MODEL` slots), so Claude Code sends its own model ids and
//! `fgc serve` routes them; the output says so, `--format shell` unsets them and a merge
//! removes them from `settings.json` (a stale `env` entry there would win). A variable set
//! explicitly in `integration.claude_code` is kept.

use crate::names::for_comment;
use serde_json::{Map, Value};

use super::{Emitted, Input, alias_or_default, integration};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::view::GatewayKey;
use crate::routing::Family;
use crate::secrets;
use crate::span::{Sp, Span};

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
    /// The config names no token: [`TOKEN_PLACEHOLDER`], which a merge never writes over
    /// an existing token.
    Placeholder,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaudeValues {
    pub base_url: String,
    pub token: Token,
    /// `ANTHROPIC_MODEL` and the three slots; `None` when left out because routing covers
    /// the family.
    pub model: Option<String>,
    pub opus: Option<String>,
    pub sonnet: Option<String>,
    pub haiku: Option<String>,
    /// Why variables are left out (or kept although routing covers their family).
    pub notes: Vec<String>,
}

pub fn values(input: &Input) -> Result<ClaudeValues, Diagnostic> {
    let model = input.model();
    let int = integration(model);
    let c = int.and_then(|i| i.claude_code.as_ref());
    let routing = input.view.routing();
    let covered = |f: Family| routing.and_then(|r| r.table.family_alias(f));
    let mut missing = Vec::new();
    let mut notes = Vec::new();
    // `explicit`: the key written in integration.claude_code; `fallback`: what it defaults
    // to before integration.default_model.
    let mut slot = |var: &str,
                    key: &str,
                    explicit: Option<&Sp<String>>,
                    fallback: Option<&Sp<String>>,
                    family: Family| {
        let f = family.name();
        match (explicit, covered(family)) {
            (Some(v), Some(routed)) => {
                let (v, routed) = (for_comment(&v.value), for_comment(routed));
                notes.push(format!(
                    "{var} is kept: integration.claude_code.{key} sets it to `{v}`, so Claude Code names that alias and fgc serve does not route its {f} requests (routing would send claude-{f}-* to `{routed}`)"
                ));
                explicit.map(|v| v.value.clone())
            }
            (Some(v), None) => Some(v.value.clone()),
            (None, Some(routed)) => {
                let routed = for_comment(routed);
                notes.push(format!(
                    "{var} is left out: Claude Code then names its own claude-{f}-* models, which fgc serve routes (`{routed}` unless a scenario applies)"
                ));
                None
            }
            (None, None) => alias_or_default(model, fallback, var, &mut missing),
        }
    };
    // Claude Code's main model is `opus[1m]` when ANTHROPIC_MODEL is not set.
    let main = slot(
        "ANTHROPIC_MODEL",
        "model",
        c.and_then(|c| c.model.as_ref()),
        None,
        Family::Opus,
    );
    let opus = slot(
        "ANTHROPIC_DEFAULT_OPUS_MODEL",
        "opus_model",
        c.and_then(|c| c.opus_model.as_ref()),
        None,
        Family::Opus,
    );
    let sonnet = slot(
        "ANTHROPIC_DEFAULT_SONNET_MODEL",
        "sonnet_model",
        c.and_then(|c| c.sonnet_model.as_ref()),
        None,
        Family::Sonnet,
    );
    let haiku = slot(
        "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        "haiku_model",
        c.and_then(|c| c.haiku_model.as_ref()),
        int.and_then(|i| i.fast_model.as_ref()),
        Family::Haiku,
    );
    if !missing.is_empty() {
        let missing: Vec<String> = missing
            .into_iter()
            .map(|m| match m.as_str() {
                "ANTHROPIC_DEFAULT_OPUS_MODEL" => "the opus slot".to_string(),
                "ANTHROPIC_DEFAULT_SONNET_MODEL" => "the sonnet slot".to_string(),
                "ANTHROPIC_DEFAULT_HAIKU_MODEL" => "the haiku slot".to_string(),
                _ => m,
            })
            .collect();
        return Err(super::missing_default_model(input, "Claude Code", &missing));
    }
    let base_url = match c.and_then(|c| c.base_url.as_ref()) {
        Some(u) => u.as_str().trim_end_matches('/').to_string(),
        None => input.view.gateway.root.clone(),
    };
    // The gateway token: `auth_token`, else the gateway key when it comes from the
    // environment (a literal master key is not copied into client files). Only an identifier
    // is written as `${VAR}` (`invalid-env-name` refuses any other name before an emit gets
    // here); anything else stays a quoted literal.
    let token = match c.and_then(|c| c.auth_token.as_ref()) {
        Some(t) => match secrets::env_reference(t.as_str()) {
            Some(var) if crate::names::is_env_name(var) => {
                Token::Env(var.to_string(), Some(t.span))
            }
            _ => Token::Literal(t.value.clone()),
        },
        None => match &input.view.gateway.key {
            GatewayKey::Env { var, span } if crate::names::is_env_name(var) => {
                Token::Env(var.clone(), Some(*span))
            }
            _ => Token::Placeholder,
        },
    };
    Ok(ClaudeValues {
        base_url,
        token,
        model: main,
        opus,
        sonnet,
        haiku,
        notes,
    })
}

impl ClaudeValues {
    /// The pairs written (up to six); the token as `token` (already resolved or a
    /// placeholder).
    pub fn pairs<'a>(&'a self, token: &'a str) -> Vec<(&'static str, &'a str)> {
        let models = [&self.model, &self.opus, &self.sonnet, &self.haiku];
        let mut v = vec![(KEYS[0], self.base_url.as_str()), (KEYS[1], token)];
        for (key, m) in KEYS[2..].iter().zip(models) {
            if let Some(m) = m {
                v.push((*key, m.as_str()));
            }
        }
        v
    }

    /// The model variables left out because routing covers their family.
    pub fn left_out(&self) -> Vec<&'static str> {
        let models = [&self.model, &self.opus, &self.sonnet, &self.haiku];
        KEYS[2..]
            .iter()
            .zip(models)
            .filter(|(_, m)| m.is_none())
            .map(|(k, _)| *k)
            .collect()
    }
}

/// The token for `settings.json`: the variable's value when `resolve`, else `${VAR}`.
/// `Ok((value, secret))`; an unset variable when resolving is an error.
fn settings_token(v: &ClaudeValues, resolve: bool) -> Result<(String, Option<String>), Diagnostic> {
    match &v.token {
        Token::Literal(s) => Ok((s.clone(), None)),
        Token::Placeholder => Ok((TOKEN_PLACEHOLDER.to_string(), None)),
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
            notes_as_comments(&v, &mut text);
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
            notes_as_comments(&v, &mut text);
            for k in v.left_out() {
                text.push_str(&format!("unset {k}\n"));
            }
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
        hidden: Vec::new(),
    })
}

/// The notes as comment lines (a note is one line: the names in it went through
/// [`for_comment`]).
fn notes_as_comments(v: &ClaudeValues, out: &mut String) {
    for n in &v.notes {
        out.push_str("# ");
        out.push_str(n);
        out.push('\n');
    }
}

fn token_text(t: &Token, reference: impl Fn(&str) -> String) -> String {
    match t {
        Token::Env(var, _) => reference(var),
        Token::Literal(s) => s.clone(),
        Token::Placeholder => TOKEN_PLACEHOLDER.to_string(),
    }
}

/// A dotenv value: bare when it is made of safe characters, else single-quoted (dotenv
/// readers take single-quoted values literally).
fn dotenv_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
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

/// The result of a merge: the new text, and why an existing token was kept (the config
/// names none, or the variable that should replace it is not set).
pub struct Merged {
    pub emitted: Emitted,
    pub kept_token: Option<String>,
}

/// `existing` (a settings.json, possibly empty) with the six keys set in `env`.
///
/// Done with span patches on the text, so every other byte (other keys, their order, inline
/// arrays, the file's indentation) stays as it was: changed values are replaced in place,
/// new keys are appended to `env` in the indentation of its other members.
pub fn merge(
    existing: &str,
    input: &Input,
    resolve: bool,
) -> Result<Result<Merged, Vec<Diagnostic>>, MergeError> {
    let parsed: Value = if existing.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(existing)?
    };
    let Some(obj) = parsed.as_object() else {
        return Err(MergeError::NotObject);
    };
    let env_now = match obj.get("env") {
        None => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err(MergeError::EnvNotObject),
    };
    let v = match values(input) {
        Ok(v) => v,
        Err(d) => return Ok(Err(vec![d])),
    };
    let existing_token = env_now
        .and_then(|e| e.get(KEYS[1]))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut kept_token = None;
    let (token, secret) = match (settings_token(&v, resolve), &existing_token, &v.token) {
        // No token in the config: a placeholder never replaces the user's token.
        (_, Some(old), Token::Placeholder) => {
            kept_token = Some("the config names no gateway token".to_string());
            (old.clone(), None)
        }
        (Ok(t), _, _) => t,
        // The variable is not set here but the file already holds a token: keep it.
        (Err(_), Some(old), Token::Env(var, _)) => {
            kept_token = Some(format!("`{var}` is not set"));
            (old.clone(), None)
        }
        (Err(d), _, _) => return Ok(Err(vec![d])),
    };
    let pairs = v.pairs(&token);
    let remove = v.left_out();
    let text = if existing.trim().is_empty() {
        let mut env = Map::new();
        for (k, val) in pairs {
            env.insert(k.to_string(), Value::String(val.to_string()));
        }
        let mut root = Map::new();
        root.insert("env".into(), Value::Object(env));
        pretty(&Value::Object(root), b"  ") + "\n"
    } else {
        patch(existing, &pairs, &remove)
    };
    Ok(Ok(Merged {
        emitted: Emitted {
            text,
            secrets: secret.into_iter().collect(),
            hidden: tokens_in(&parsed),
        },
        kept_token,
    }))
}

/// The keys under `env` of a settings.json that hold a token.
const TOKEN_KEYS: [&str; 2] = ["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"];

/// The tokens a settings.json holds (`env.ANTHROPIC_AUTH_TOKEN`, `env.ANTHROPIC_API_KEY`),
/// leaving out `${VAR}` references and the placeholder: values no diff of the file shows
/// (`emit --merge`, `fgc rename --claude`).
pub fn tokens_in(settings: &Value) -> Vec<String> {
    TOKEN_KEYS
        .iter()
        .filter_map(|k| {
            settings
                .pointer(&format!("/env/{k}"))
                .and_then(Value::as_str)
        })
        .filter(|s| !s.is_empty() && *s != TOKEN_PLACEHOLDER && !s.starts_with("${"))
        .map(str::to_owned)
        .collect()
}

/// Apply the pairs to valid JSON text whose root is an object, and remove the `remove` keys
/// from its `env`.
fn patch(text: &str, pairs: &[(&str, &str)], remove: &[&str]) -> String {
    let root = json_span::object_at(text, json_span::skip_ws(text, 0));
    let unit = json_span::indent_unit(text);
    let q = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    match root.members.iter().find(|m| m.key == "env") {
        Some(env_member) => {
            let env = json_span::object_at(text, env_member.value.0);
            let member_indent = env
                .member_indent(text)
                .unwrap_or_else(|| format!("{}{unit}", line_indent(text, env_member.key_span.0)));
            let mut added = String::new();
            for (k, val) in pairs {
                match env.members.iter().find(|m| m.key == *k) {
                    Some(m) => {
                        if text[m.value.0..m.value.1] != q(val) {
                            edits.push((m.value.0, m.value.1, q(val)));
                        }
                    }
                    None => added.push_str(&format!(",\n{member_indent}{}: {}", q(k), q(val))),
                }
            }
            edits.extend(removals(&env, remove));
            let kept = env
                .members
                .iter()
                .filter(|m| !remove.contains(&m.key.as_str()))
                .count();
            if !added.is_empty() && kept == 0 && !env.members.is_empty() {
                // Every member goes: write the object anew.
                edits.retain(|e| e.1 <= env.span.0 || e.0 >= env.span.1);
                let close_indent = line_indent(text, env_member.key_span.0);
                let body = added.trim_start_matches(',').to_string();
                edits.push((
                    env.span.0,
                    env.span.1,
                    format!("{{{body}\n{close_indent}}}"),
                ));
            } else if !added.is_empty() {
                match env.members.last() {
                    Some(last) => edits.push((last.value.1, last.value.1, added)),
                    None => {
                        let close_indent = line_indent(text, env_member.key_span.0);
                        let body = added.trim_start_matches(',').to_string();
                        edits.push((
                            env.span.0,
                            env.span.1,
                            format!("{{{body}\n{close_indent}}}"),
                        ));
                    }
                }
            }
        }
        None => {
            let member_indent = root.member_indent(text).unwrap_or_else(|| unit.clone());
            let mut body = format!("{}: {{", q("env"));
            for (i, (k, val)) in pairs.iter().enumerate() {
                let sep = if i == 0 { "" } else { "," };
                body.push_str(&format!("{sep}\n{member_indent}{unit}{}: {}", q(k), q(val)));
            }
            body.push_str(&format!("\n{member_indent}}}"));
            match root.members.last() {
                Some(last) => edits.push((
                    last.value.1,
                    last.value.1,
                    format!(",\n{member_indent}{body}"),
                )),
                None => edits.push((
                    root.span.0,
                    root.span.1,
                    format!("{{\n{member_indent}{body}\n}}"),
                )),
            }
        }
    }
    let mut out = text.to_string();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (a, b, r) in edits {
        out.replace_range(a..b, &r);
    }
    out
}

/// Edits deleting the members of `env` named in `remove`, each with the separator that
/// joined it to a kept neighbour, so the rest of the object stays as written.
fn removals(env: &json_span::Object, remove: &[&str]) -> Vec<(usize, usize, String)> {
    let gone = |m: &json_span::Member| remove.contains(&m.key.as_str());
    let members = &env.members;
    let mut edits = Vec::new();
    // Leading members that go: from the first key to the first kept key.
    let lead = members.iter().take_while(|m| gone(m)).count();
    if lead == members.len() {
        if lead > 0 {
            edits.push((env.span.0 + 1, env.span.1 - 1, String::new()));
        }
        return edits;
    }
    if lead > 0 {
        edits.push((
            members[0].key_span.0,
            members[lead].key_span.0,
            String::new(),
        ));
    }
    // Later members: from the end of the previous value to the end of their own.
    for i in lead + 1..members.len() {
        if gone(&members[i]) {
            edits.push((members[i - 1].value.1, members[i].value.1, String::new()));
        }
    }
    edits
}

/// The whitespace at the start of the line holding `pos`.
fn line_indent(text: &str, pos: usize) -> String {
    let start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// Byte spans in JSON text already validated by serde_json: enough structure to patch an
/// object's members in place.
mod json_span {
    pub struct Member {
        pub key: String,
        pub key_span: (usize, usize),
        pub value: (usize, usize),
    }

    pub struct Object {
        pub span: (usize, usize),
        pub members: Vec<Member>,
    }

    impl Object {
        /// The indentation of the first member when it starts its own line.
        pub fn member_indent(&self, text: &str) -> Option<String> {
            let first = self.members.first()?;
            let before = &text[self.span.0 + 1..first.key_span.0];
            let nl = before.rfind('\n')?;
            Some(before[nl + 1..].to_string())
        }
    }

    pub fn skip_ws(t: &str, mut i: usize) -> usize {
        let b = t.as_bytes();
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    fn string_end(t: &str, start: usize) -> usize {
        let b = t.as_bytes();
        let mut i = start + 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        b.len()
    }

    /// The end of the value starting at `i`.
    pub fn value_end(t: &str, i: usize) -> usize {
        let b = t.as_bytes();
        match b[i] {
            b'"' => string_end(t, i),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut j = i;
                while j < b.len() {
                    match b[j] {
                        b'"' => {
                            j = string_end(t, j);
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return j + 1;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                b.len()
            }
            _ => {
                let mut j = i;
                while j < b.len()
                    && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                {
                    j += 1;
                }
                j
            }
        }
    }

    /// The object starting at `i` (a `{`).
    pub fn object_at(t: &str, i: usize) -> Object {
        let b = t.as_bytes();
        let mut members = Vec::new();
        let mut j = skip_ws(t, i + 1);
        while j < b.len() && b[j] == b'"' {
            let kend = string_end(t, j);
            let key: String = serde_json::from_str(&t[j..kend]).unwrap_or_default();
            let colon = skip_ws(t, kend);
            let vstart = skip_ws(t, colon + 1);
            let vend = value_end(t, vstart);
            members.push(Member {
                key,
                key_span: (j, kend),
                value: (vstart, vend),
            });
            j = skip_ws(t, vend);
            if j < b.len() && b[j] == b',' {
                j = skip_ws(t, j + 1);
            }
        }
        Object {
            span: (i, value_end(t, i)),
            members,
        }
    }

    /// The file's indentation unit: the indentation of the first indented line.
    pub fn indent_unit(t: &str) -> String {
        super::detect_indent(t)
    }
}

/// The indentation of the first indented line (two spaces when there is none).
fn detect_indent(text: &str) -> String {
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

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(
            dotenv_quote("http://127.0.0.1:4000"),
            "http://127.0.0.1:4000"
        );
        assert_eq!(dotenv_quote("a b"), "'a b'");
        assert_eq!(detect_indent("{\n\t\"a\": 1\n}"), "\t");
        assert_eq!(detect_indent("{\n    \"a\": 1\n}"), "    ");
    }
}
