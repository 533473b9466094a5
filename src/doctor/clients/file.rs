//! What the checks of opencode, Qwen Code, Aider and Continue share. Each of those clients
//! reads one file (JSON or YAML) that names a base URL, one or more models and the variable
//! holding the gateway key; its module reads those out of the file as the client does
//! ([`Found`]), and [`checks`] turns them into the `file`, `base-url`, `model` and `token`
//! checks against what `fgc emit` writes for it.

use std::path::Path;

use serde_json::Value;

use super::{Client, ModelSetting, check, model_check, token_check, trim_url};
use crate::diag::Diagnostic;
use crate::doctor::{Check, Context, GatewayKeyState, Status};
use crate::emit::client::Syntax;

/// What a client file says about the gateway, as its client reads it.
pub struct Found {
    /// The base URL the client posts to, and where it was read (`provider.flowgate.options.baseURL`).
    pub base_url: Option<(String, String)>,
    /// Each model setting: its name, the alias found, and the alias `fgc emit` writes.
    pub models: Vec<(String, Option<String>, String)>,
    /// The variable the client reads the key from, and where that is said; `None` when the
    /// file names none.
    pub key_var: Option<(String, String)>,
}

/// What the client needs.
pub struct Expect {
    /// The base URL `fgc emit` writes.
    pub base_url: String,
    /// What the client appends to the base (for the message about a wrong suffix).
    pub posts: &'static str,
}

/// What every file client's check starts from: the fix command (`fgc emit <client> --merge
/// FILE --write`), what `fgc emit` writes for it (`values`, from flowgate.yaml), and its file
/// as data. `Err` holds the one check that ends the client's checks there: flowgate.yaml does
/// not say what the client needs, or the file is missing or unreadable ([`load`]).
pub fn open<V>(
    cx: &Context<'_>,
    c: &dyn Client,
    file: &Path,
    expected: bool,
    syntax: Syntax,
    values: Result<V, Diagnostic>,
) -> Result<(String, V, Value), Check> {
    let fix = cx.fixes.fgc(
        &format!("emit {}", c.id()),
        &format!("--merge {} --write", cx.path_word(file)),
    );
    let v = values
        .map_err(|d| check(c, "config", Status::Fail, d.message).fix(d.help.unwrap_or_default()))?;
    let data = load(cx, c, file, expected, syntax, &fix)?;
    Ok((fix, v, data))
}

/// A client file as data: `Err(check)` when it is missing (a failure when it is expected, else
/// a skip: the client is not set up), unreadable, or not a mapping.
pub fn load(
    cx: &Context<'_>,
    c: &dyn Client,
    file: &Path,
    expected: bool,
    syntax: Syntax,
    fix: &str,
) -> Result<Value, Check> {
    let path = cx.shown(file);
    let text = match super::read(file) {
        Ok(Some(t)) => t,
        Ok(None) if expected => {
            return Err(
                check(c, "file", Status::Fail, format!("{path} does not exist"))
                    .fix(fix.to_string()),
            );
        }
        Ok(None) => {
            return Err(check(
                c,
                "file",
                Status::Skip,
                format!("not set up: {path} does not exist"),
            )
            .fix(fix.to_string()));
        }
        Err(e) => return Err(check(c, "file", Status::Fail, format!("{path}: {e}"))),
    };
    match crate::emit::client::read(&text, syntax) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(check(
            c,
            "file",
            Status::Fail,
            format!("{path} does not hold a mapping of settings"),
        )
        .fix(fix.to_string())),
        Err(e) => Err(check(
            c,
            "file",
            Status::Fail,
            format!("{path} cannot be read as {} reads it: {e}", c.name()),
        )
        .fix(format!("repair {path} by hand, then: {fix}"))),
    }
}

/// The checks of one client file.
pub fn checks(
    cx: &Context<'_>,
    c: &dyn Client,
    path: &str,
    found: Found,
    expect: &Expect,
    expected: bool,
    fix: &str,
) -> Vec<Check> {
    let Some((base, at)) = found.base_url else {
        let status = if expected { Status::Fail } else { Status::Skip };
        return vec![
            check(
                c,
                "base-url",
                status,
                format!("not set up for the gateway: {path} names no base URL of it"),
            )
            .fix(fix.to_string()),
        ];
    };
    let mut out = vec![check(c, "file", Status::Pass, format!("{path} is set up"))];
    let (got, want) = (trim_url(&base), trim_url(&expect.base_url));
    out.push(if got == want {
        check(c, "base-url", Status::Pass, format!("{at} = {base}"))
    } else {
        let why = if format!("{got}/v1") == want {
            format!(
                "{at} = {base} lacks /v1: {} posts {}, which the gateway answers 404",
                c.name(),
                expect.posts.replace("{base}", got)
            )
        } else if got.strip_suffix("/v1") == Some(want) {
            format!(
                "{at} = {base} ends in /v1: {} posts {}, which the gateway answers 404",
                c.name(),
                expect.posts.replace("{base}", got)
            )
        } else {
            format!("{at} = {base} ({path}) is not the gateway ({want})")
        };
        check(c, "base-url", Status::Fail, why).fix(fix.to_string())
    });
    for (setting, value, want) in &found.models {
        out.push(model_check(
            cx,
            c,
            ModelSetting {
                setting,
                found: value.as_deref().map(|m| (m, format!("in {path}"))),
                expected: Some(want),
                when_unset: "the client asks for a model of its own, which the gateway does not serve",
                fix: fix.to_string(),
            },
        ));
    }
    out.push(token(cx, c, found.key_var, fix));
    out
}

fn token(cx: &Context<'_>, c: &dyn Client, key_var: Option<(String, String)>, fix: &str) -> Check {
    let Some((var, at)) = key_var else {
        let status = match cx.key {
            GatewayKeyState::NotConfigured => Status::Pass,
            _ => Status::Fail,
        };
        let ck = check(
            c,
            "token",
            status,
            format!("{} is given no gateway key", c.name()),
        );
        return if status == Status::Fail {
            ck.fix(fix.to_string())
        } else {
            ck
        };
    };
    let export = match &cx.input.view.gateway.key {
        crate::model::view::GatewayKey::Env { var: k, .. } if *k != var => {
            format!("export {var}=\"${k}\"")
        }
        _ => format!("export {var}=<the gateway key>"),
    };
    let Some(value) = cx.opts.env.get(&var) else {
        return match cx.key {
            GatewayKeyState::NotConfigured => check(
                c,
                "token",
                Status::Pass,
                format!("`{var}` ({at}) is not set, and the gateway needs no key"),
            ),
            _ => check(
                c,
                "token",
                Status::Fail,
                format!("`{var}` ({at}) is not set: the gateway answers 401"),
            )
            .fix(export),
        };
    };
    let found = [(var.as_str(), value, at)];
    token_check(cx, c, &found, &format!("`{var}`"), export)
}

/// `v` at a JSON pointer, as a string.
pub fn str_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// `{env:VAR}` (opencode) → `VAR`.
pub fn opencode_env(s: &str) -> Option<String> {
    s.strip_prefix("{env:")?
        .strip_suffix('}')
        .map(str::to_string)
}

/// `${{ secrets.VAR }}` (Continue) → `VAR`.
pub fn continue_secret(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix("${{")?.strip_suffix("}}")?.trim();
    inner.strip_prefix("secrets.").map(|v| v.trim().to_string())
}
