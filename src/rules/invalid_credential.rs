//! ## What it does
//! Reports a credential that does not have exactly one of `file` or `env`, or whose `env`
//! is not a valid variable name.
//!
//! ## Why it matters
//! With neither, there is no secret to send; with both, it is unclear which one is meant.
//!
//! ## Example
//! ```yaml
//! credentials:
//!   upstream:
//!     cliproxy_default: {}
//! ```
//!
//! ## How to fix
//! Give the credential `file: PATH` (relative to flowgate.yaml, mode 0600) or `env: VAR`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::names::is_env_name;

pub fn check(cx: &mut Ctx) {
    let Some(creds) = cx
        .model
        .raw
        .credentials
        .as_ref()
        .and_then(|c| c.upstream.as_ref())
    else {
        return;
    };
    for (name, c) in creds {
        match (&c.file, &c.env) {
            (None, None) => cx.report(
                Diagnostic::new(
                    Code::InvalidCredential,
                    format!("credential `{name}` has neither `file` nor `env`"),
                )
                .primary(name.span, "no secret source")
                .help("add `file: PATH` (relative to this file) or `env: VAR`"),
            ),
            (Some(f), Some(e)) => cx.report(
                Diagnostic::new(
                    Code::InvalidCredential,
                    format!("credential `{name}` has both `file` and `env`"),
                )
                .primary(e.span, "env")
                .secondary(f.span, "file")
                .help("keep one of the two"),
            ),
            (None, Some(e)) if !is_env_name(e.as_str()) => cx.report(
                Diagnostic::new(
                    Code::InvalidCredential,
                    format!("`{e}` is not an environment variable name"),
                )
                .primary(e.span, "letters, digits and `_`, not starting with a digit")
                .help("write the variable's name, without `$` or `os.environ/`"),
            ),
            _ => {}
        }
    }
}
