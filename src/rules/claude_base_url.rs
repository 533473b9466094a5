//! ## What it does
//! Reports a Claude Code base URL (`integration.claude_code.base_url`, which becomes
//! `ANTHROPIC_BASE_URL`) that ends in `/v1`.
//!
//! ## Why it matters
//! Claude Code appends `/v1/messages` itself. With `http://127.0.0.1:4000/v1` it calls
//! `/v1/v1/messages` and every request is a 404. This is the FlowGate runbook's most common
//! Claude Code failure.
//!
//! ## Example
//! ```yaml
//! integration:
//!   claude_code:
//!     base_url: http://127.0.0.1:4000/v1
//! ```
//!
//! ## How to fix
//! Use the gateway root: `http://127.0.0.1:4000`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    let Some(url) = cx
        .model
        .raw
        .integration
        .as_ref()
        .and_then(|i| i.claude_code.as_ref())
        .and_then(|c| c.base_url.as_ref())
    else {
        return;
    };
    let trimmed = url.as_str().trim_end_matches('/');
    if let Some(root) = trimmed.strip_suffix("/v1") {
        let span = super::gateway_base_url::suffix_span(cx.source, url.span, "/v1");
        cx.report(
            Diagnostic::new(
                Code::ClaudeBaseUrl,
                format!("Claude Code base URL `{url}` ends in /v1"),
            )
            .primary(
                span,
                "Claude Code adds /v1/messages itself: this becomes /v1/v1/messages (404)",
            )
            .help(format!("use the gateway root: {root}")),
        );
    }
}
