//! ## What it does
//! Reports a gateway URL (`integration.base_url`, and the Codex and Claude Code base URLs)
//! that is not an `http://` or `https://` URL, and a gateway root
//! (`integration.base_url`) that ends in `/v1`.
//!
//! ## Why it matters
//! `integration.base_url` is the gateway root: fgc derives Claude Code's
//! `ANTHROPIC_BASE_URL` from it as is and Codex's `base_url` by appending `/v1`. A root ending
//! in `/v1` gives Claude Code `/v1/v1/messages` and Codex `/v1/v1/responses`.
//!
//! ## Example
//! ```yaml
//! integration:
//!   base_url: 127.0.0.1:4000/v1
//! ```
//!
//! ## How to fix
//! Write the root with its scheme: `http://127.0.0.1:4000`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{Sp, Span};

pub fn check(cx: &mut Ctx) {
    let Some(int) = cx.model.raw.integration.as_ref() else {
        return;
    };
    let mut urls: Vec<(&Sp<String>, &str)> = Vec::new();
    if let Some(u) = &int.base_url {
        urls.push((u, "integration.base_url"));
        let trimmed = u.as_str().trim_end_matches('/');
        if let Some(root) = trimmed.strip_suffix("/v1") {
            let span = suffix_span(cx.source, u.span, "/v1");
            cx.report(
                Diagnostic::new(
                    Code::GatewayBaseUrl,
                    format!("gateway root `{u}` ends in /v1"),
                )
                .primary(
                    span,
                    "integration.base_url is the root; fgc adds /v1 for Codex",
                )
                .help(format!("use {root}")),
            );
        }
    }
    if let Some(u) = int.codex.as_ref().and_then(|c| c.base_url.as_ref()) {
        urls.push((u, "integration.codex.base_url"));
    }
    if let Some(u) = int.claude_code.as_ref().and_then(|c| c.base_url.as_ref()) {
        urls.push((u, "integration.claude_code.base_url"));
    }
    for (u, what) in urls {
        let v = u.as_str();
        if !(v.starts_with("http://") || v.starts_with("https://")) || v.len() <= "https://".len() {
            cx.report(
                Diagnostic::new(
                    Code::GatewayBaseUrl,
                    format!("{what} `{u}` is not an http(s) URL"),
                )
                .primary(u.span, "needs a scheme and a host")
                .help("write it as http://HOST:PORT"),
            );
        }
    }
}

/// The span of the last `suffix` inside the scalar at `span` (the whole scalar if absent).
pub(crate) fn suffix_span(source: &SourceFile, span: Span, suffix: &str) -> Span {
    let text = source.slice(span);
    match text.rfind(suffix) {
        Some(i) => Span::new(span.start + i, span.start + i + suffix.len()),
        None => span,
    }
}
