//! ## What it does
//! Reports a Codex base URL (`integration.codex.base_url`) that does not end in `/v1`.
//!
//! ## Why it matters
//! Codex CLI posts to `{base_url}/responses`. With the gateway root it calls `/responses`,
//! which LiteLLM and `fgc serve` answer with 404.
//!
//! ## Example
//! ```yaml
//! integration:
//!   codex:
//!     base_url: http://127.0.0.1:4000
//! ```
//!
//! ## How to fix
//! Append `/v1`: `http://127.0.0.1:4000/v1`, or leave `base_url` out and fgc derives it from
//! the gateway root.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    let Some(url) = cx
        .model
        .raw
        .integration
        .as_ref()
        .and_then(|i| i.codex.as_ref())
        .and_then(|c| c.base_url.as_ref())
    else {
        return;
    };
    let trimmed = url.as_str().trim_end_matches('/');
    if !trimmed.ends_with("/v1") {
        cx.report(
            Diagnostic::new(
                Code::CodexBaseUrl,
                format!("Codex base URL `{url}` does not end in /v1"),
            )
            .primary(
                url.span,
                "Codex posts {base_url}/responses: this path is a 404",
            )
            .help(format!("use {trimmed}/v1")),
        );
    }
}
