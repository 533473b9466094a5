//! ## What it does
//! Warns about an `api_key` or `master_key` written as a literal value that looks like a real
//! key (a known key prefix such as `sk-`, `sk-ant-`, `ghp_`, `AIza`, or a long random-looking
//! token), instead of `os.environ/VAR` or `api_key_ref`.
//!
//! ## Why it matters
//! flowgate.yaml is committed. A key in it ends up in git history, in backups and in every
//! clone, and has to be rotated once it leaks.
//!
//! ## Example
//! ```yaml
//! litellm_params:
//!   model: openai/gpt-5.2
//!   api_key: sk-proj-4fJ9...
//! ```
//!
//! ## How to fix
//! Move the key into an environment variable (`api_key: os.environ/UPSTREAM_OPENAI_API_KEY`)
//! or a credential file (`api_key_ref: NAME` with `credentials.upstream.NAME.file`), then
//! rotate the key that was committed.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::secrets::ENV_PREFIX;
use crate::span::Sp;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut found: Vec<(&Sp<String>, String)> = Vec::new();
    for dep in model.deployments() {
        if let Some(k) = &dep.litellm_params.api_key {
            found.push((k, format!("the api_key of `{}`", dep.model_name)));
        }
    }
    let mk = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref());
    if let Some(k) = mk {
        found.push((k, "general_settings.master_key".into()));
    }
    for (value, what) in found {
        if looks_like_secret(value.as_str()) {
            cx.report(
                Diagnostic::new(
                    Code::LiteralSecret,
                    format!("{what} is a literal secret in a committed file"),
                )
                .primary(value.span, "this looks like a real key")
                .help(
                    "use os.environ/VAR or api_key_ref with a credential file, and rotate this key",
                ),
            );
        }
    }
}

/// A literal that looks like a real key rather than a placeholder or a reference.
pub(crate) fn looks_like_secret(v: &str) -> bool {
    if v.starts_with(ENV_PREFIX) || v.contains(char::is_whitespace) {
        return false;
    }
    const PREFIXES: [&str; 9] = [
        "sk-",
        "sk_",
        "ghp_",
        "gho_",
        "github_pat_",
        "AIza",
        "xoxb-",
        "hf_",
        "AKIA",
    ];
    let prefixed = PREFIXES.iter().any(|p| v.starts_with(p));
    let body: String = v.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let has_digit = body.chars().any(|c| c.is_ascii_digit());
    let has_alpha = body.chars().any(|c| c.is_ascii_alphabetic());
    (prefixed && body.len() >= 20 && has_digit) || (body.len() >= 32 && has_digit && has_alpha)
}

#[cfg(test)]
mod tests {
    use super::looks_like_secret;

    #[test]
    fn placeholders_are_not_secrets() {
        assert!(!looks_like_secret("sk-local-test"));
        assert!(!looks_like_secret("sk-dummy"));
        assert!(!looks_like_secret("os.environ/OPENAI_API_KEY"));
        assert!(looks_like_secret("sk-proj-4fJ9aQ2mX8vL1pR7tY3wZ6bN0cK5dH"));
        assert!(looks_like_secret("ghp_1234567890abcdefghijABCDEFGHIJ"));
    }
}
