//! The clients area: the files and variables each client reads on this machine, against what
//! `fgc emit` would write for it. A client is one file here implementing [`Client`] and a row
//! in [`CLIENTS`]; what the clients share (a model name that must be served, the gateway
//! token, fix commands, reading a file) is in this module.
//!
//! A client that is not set up for the gateway (no file, no variables) is skipped, unless
//! flowgate.yaml has an `integration` block for it or its file was given on the command line:
//! then it is expected, and its absence fails.

pub mod aider;
pub mod claude_code;
pub mod codex;
pub mod continue_cli;
pub mod file;
pub mod opencode;
pub mod qwen_code;

use std::path::{Path, PathBuf};

use super::{Area, Check, Context, GatewayKeyState, Status};
use crate::model::raw::Integration;

/// One client.
pub trait Client: Sync {
    /// The id in check names and on the command line (`codex`, `claude-code`).
    fn id(&self) -> &'static str;
    /// The name in messages.
    fn name(&self) -> &'static str;
    /// The file read when none is given (`None`: the environment does not say where).
    fn default_file(&self, cx: &Context<'_>) -> Option<PathBuf>;
    /// Whether flowgate.yaml configures this client (`integration.<client>` is set).
    fn declared(&self, integration: &Integration) -> bool;
    /// The checks. `file`: the file to read; `expected`: whether the client must be set up
    /// (declared, or its file given).
    fn check(&self, cx: &Context<'_>, file: &Path, expected: bool) -> Vec<Check>;
}

/// Every client doctor knows, in report order.
pub static CLIENTS: &[&dyn Client] = &[
    &codex::Codex,
    &claude_code::ClaudeCode,
    &opencode::Opencode,
    &qwen_code::QwenCode,
    &aider::Aider,
    &continue_cli::Continue,
];

/// The client with id `id`.
pub fn find(id: &str) -> Option<&'static dyn Client> {
    CLIENTS.iter().copied().find(|c| c.id() == id)
}

/// One client's checks, on the file given for it or its default file.
pub fn check_one(cx: &Context<'_>, c: &dyn Client) -> Vec<Check> {
    let given = cx
        .opts
        .client_files
        .iter()
        .find(|(id, _)| id == c.id())
        .map(|(_, p)| p.clone());
    let declared = (cx.input.model().raw.integration.as_ref()).is_some_and(|i| c.declared(i));
    let expected = given.is_some() || declared;
    let Some(file) = given.or_else(|| c.default_file(cx)) else {
        return vec![check(
            c,
            "file",
            Status::Skip,
            "not checked: HOME is not set, so its file cannot be found".into(),
        )];
    };
    c.check(cx, &file, expected)
}

/// Every client's checks.
pub fn check_all(cx: &Context<'_>) -> Vec<Check> {
    CLIENTS.iter().flat_map(|c| check_one(cx, *c)).collect()
}

/// A check of client `c`, named `<client id>.<name>`; the message starts with the client's
/// name.
pub fn check(c: &dyn Client, name: &str, status: Status, message: String) -> Check {
    Check::new(
        Area::Clients,
        format!("{}.{name}", c.id()),
        status,
        format!("{}: {message}", c.name()),
    )
}

/// A client file's text: `Ok(None)` when it does not exist.
pub fn read(path: &Path) -> Result<Option<String>, String> {
    const MAX: u64 = 16 << 20;
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
        Ok(m) if m.is_dir() => return Err("is a directory".into()),
        Ok(m) if m.len() > MAX => return Err(format!("is larger than {MAX} bytes")),
        Ok(_) => {}
    }
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// A model name a client sends: set, served by the gateway, and the one flowgate.yaml gives.
pub struct ModelSetting<'a> {
    /// What is checked (`model`, `ANTHROPIC_MODEL`).
    pub setting: &'a str,
    /// The value and where it was found (`in ~/.codex/config.toml`).
    pub found: Option<(&'a str, String)>,
    /// What `fgc emit` writes; `None` when it leaves the setting out because scenario routing
    /// covers it (the client's own model name reaches `fgc serve`, which routes it).
    pub expected: Option<&'a str>,
    /// What the client does when the setting is absent.
    pub when_unset: &'a str,
    pub fix: String,
}

pub fn model_check(cx: &Context<'_>, c: &dyn Client, m: ModelSetting<'_>) -> Check {
    let ck = |status, message: String| check(c, "model", status, message).subject(m.setting);
    let Some((value, origin)) = m.found else {
        if m.expected.is_none() {
            return ck(
                Status::Pass,
                format!(
                    "{} is not set, as fgc emit leaves it: routing in flowgate.yaml covers the model the client names",
                    m.setting
                ),
            );
        }
        return ck(
            Status::Fail,
            format!("{} is not set: {}", m.setting, m.when_unset),
        )
        .fix(m.fix);
    };
    if !cx.served.serves(value) {
        let near = cx
            .served
            .closest(value)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        return ck(
            Status::Fail,
            format!(
                "{} = `{value}` ({origin}) is not served by the gateway: it answers 404 (served: {}{near})",
                m.setting,
                cx.served.some(6)
            ),
        )
        .fix(m.fix);
    }
    if let Some(expected) = m.expected
        && value != expected
    {
        return ck(
            Status::Warn,
            format!(
                "{} = `{value}` ({origin}) is served, but flowgate.yaml gives `{expected}`",
                m.setting
            ),
        )
        .fix(m.fix);
    }
    ck(
        Status::Pass,
        format!("{} = `{value}` ({origin}), served", m.setting),
    )
}

/// A token a client sends to the gateway, compared with the gateway's key without showing
/// either. `found`: `(variable, value, where)` for each variable that holds one.
pub fn token_check(
    cx: &Context<'_>,
    c: &dyn Client,
    found: &[(&str, &str, String)],
    what: &str,
    fix: String,
) -> Check {
    let ck = |status, message: String| check(c, "token", status, message);
    if found.is_empty() {
        return match &cx.key {
            GatewayKeyState::NotConfigured => ck(
                Status::Pass,
                format!("{what} is not set, and the gateway needs no key"),
            ),
            _ => ck(
                Status::Fail,
                format!("{what} is not set: the gateway answers 401"),
            )
            .fix(fix),
        };
    }
    for (var, value, origin) in found {
        if *value == crate::emit::claude_code::TOKEN_PLACEHOLDER {
            return ck(
                Status::Fail,
                format!("{var} ({origin}) is fgc's placeholder, not the gateway key"),
            )
            .fix(fix);
        }
        if value.contains("${") {
            return ck(
                Status::Fail,
                format!(
                    "{var} ({origin}) holds a `${{...}}` reference as text: the client sends it as it is"
                ),
            )
            .fix(fix);
        }
    }
    match &cx.key {
        GatewayKeyState::Known { value, from } => match found.iter().find(|(_, v, _)| v == value) {
            Some((var, _, origin)) => ck(
                Status::Pass,
                format!("{var} ({origin}) holds the gateway key ({from})"),
            ),
            None => {
                let (var, _, origin) = &found[0];
                ck(
                    Status::Fail,
                    format!(
                        "{var} ({origin}) is not the gateway key ({from}): the gateway answers 401"
                    ),
                )
                .fix(fix)
            }
        },
        GatewayKeyState::Unavailable { var: key_var } => {
            let (var, _, origin) = &found[0];
            ck(
                Status::Pass,
                format!(
                    "{var} ({origin}) is set (the gateway key, `{key_var}`, is not set here to compare)"
                ),
            )
        }
        GatewayKeyState::NotConfigured => {
            let (var, _, origin) = &found[0];
            ck(
                Status::Pass,
                format!("{var} ({origin}) is set; the gateway needs no key"),
            )
        }
    }
}

/// A base URL with trailing slashes removed.
pub fn trim_url(u: &str) -> &str {
    u.trim_end_matches('/')
}
