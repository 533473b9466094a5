//! ## What it does
//! Reports a value meant to come from the environment but written in a form LiteLLM does not
//! expand: `$VAR`, `${VAR}`, `os.environ.VAR`, `os.environ['VAR']`, `env:VAR`, a near miss of
//! the prefix (`os.environment/VAR`, `os.enviorn/VAR`, `OS.ENVIRON/VAR`), or `os.environ/`
//! followed by nothing or by something that is not a variable name. Checked in every string
//! value of `litellm_params`, `litellm_settings`, `router_settings` and `general_settings`.
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
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::names::is_env_name;
use crate::secrets::ENV_PREFIX;
use crate::span::Span;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut values: Vec<(&str, Span)> = Vec::new();
    for dep in model.deployments() {
        for v in [&dep.litellm_params.api_key, &dep.litellm_params.api_base]
            .into_iter()
            .flatten()
        {
            values.push((v.as_str(), v.span));
        }
    }
    if let Some(k) = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref())
    {
        values.push((k.as_str(), k.span));
    }
    // String values of the keys fgc does not model (`database_url`, `vertex_credentials`...),
    // labelled at their key (the model keeps the key's span).
    for b in cx.open_blocks() {
        for (key, v) in b.extra {
            if let Some(text) = v.as_str()
                && misspelt_reference(text).is_some()
            {
                values.push((text, key.span));
            }
        }
    }
    for (v, span) in values {
        if let Some(var) = misspelt_reference(v) {
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
                .primary(span, "sent upstream literally")
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
    // A near miss of `os.environ/`: `os.environment/`, `os.enviorn/`, `OS.ENVIRON/`, `os_environ/`.
    // Only a head that starts like `os` is compared (URLs and model names are not), so the
    // edit distance is computed for near misses alone.
    if let Some((head, var)) = v.split_once('/')
        && head.get(..2).is_some_and(|h| h.eq_ignore_ascii_case("os"))
    {
        let head = head.to_ascii_lowercase();
        let near = head.starts_with("os.env")
            || head.starts_with("os_env")
            || strsim::damerau_levenshtein(&head, "os.environ") <= 2;
        if near && is_env_name(var) {
            return Some(var.to_string());
        }
    }
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
