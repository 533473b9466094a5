//! ## What it does
//! Warns when the legacy top-level `oauth` section is used.
//!
//! ## Why it matters
//! FlowGate still reads it for compatibility, but `auth.providers` is the current schema and
//! the only one new provider settings are added to.
//!
//! ## Example
//! ```yaml
//! oauth:
//!   codex: {auth_url: ...}
//! ```
//!
//! ## How to fix
//! Move each provider under `auth.providers`: `auth: {providers: {codex: {...}}}`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    let both = cx
        .model
        .raw
        .auth
        .as_ref()
        .is_some_and(|a| a.providers.is_some());
    if cx.model.raw.oauth.is_some() && !both {
        let span = cx.section_span("oauth");
        cx.report(
            Diagnostic::new(
                Code::LegacyOauth,
                "the top-level `oauth` section is deprecated",
            )
            .primary(span, "legacy schema")
            .help("move each provider to auth.providers.NAME"),
        );
    }
}
