//! ## What it does
//! Reports a value meant to come from the environment but written in a form LiteLLM does not
//! expand: `$VAR`, `${VAR}`, `os.environ.VAR`, `os.environ['VAR']`, `env:VAR`, or
//! `os.environ/` followed by nothing or by something that is not a variable name.
//! Checked in `api_key`, `api_base` and `master_key`.
//!
//! ## Why it matters
//! LiteLLM expands only `os.environ/VAR`. Anything else is sent upstream literally: the key
//! `${OPENAI_API_KEY}` gets a 401, and nobody sees why.
//!
//! ## Example
//! ```yaml
//! litellm_params:
//!   api_key: ${UPSTREAM_OPENAI_API_KEY}
//! ```
//!
//! ## How to fix
//! Write `os.environ/UPSTREAM_OPENAI_API_KEY`.

use super::Ctx;
use super::invalid_credential::is_env_name;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::secrets::ENV_PREFIX;
use crate::span::Sp;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut values: Vec<&Sp<String>> = Vec::new();
    for dep in model.deployments() {
        values.extend(dep.litellm_params.api_key.iter());
        values.extend(dep.litellm_params.api_base.iter());
    }
    if let Some(k) = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref())
    {
        values.push(k);
    }
    for v in values {
        if let Some(var) = misspelt_reference(v.as_str()) {
            let fix = if var.is_empty() {
                format!("{ENV_PREFIX}VAR")
            } else {
                format!("{ENV_PREFIX}{var}")
            };
            cx.report(
                Diagnostic::new(
                    Code::EnvReferenceSyntax,
                    format!("`{v}` is not expanded by LiteLLM"),
                )
                .primary(v.span, "sent upstream literally")
                .help(format!("write `{fix}`")),
            );
        }
    }
}

/// If `v` is an environment reference LiteLLM will not expand, the variable it names.
fn misspelt_reference(v: &str) -> Option<String> {
    let v = v.trim();
    if let Some(var) = v.strip_prefix(ENV_PREFIX) {
        return (!is_env_name(var)).then(|| {
            var.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .to_string()
        });
    }
    let strip = |s: &str| {
        s.trim_matches(|c| matches!(c, '{' | '}' | '[' | ']' | '\'' | '"' | '(' | ')'))
            .to_string()
    };
    for prefix in [
        "${",
        "$",
        "os.environ.",
        "os.environ[",
        "os.getenv(",
        "env:",
        "env.",
    ] {
        if let Some(rest) = v.strip_prefix(prefix) {
            let name = strip(rest);
            if is_env_name(&name) {
                return Some(name);
            }
        }
    }
    None
}
