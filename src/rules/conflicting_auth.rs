//! ## What it does
//! Reports a file that has both the legacy `oauth` section and `auth.providers`.
//!
//! ## Why it matters
//! Two sources for the same logins: which one FlowGate uses depends on its version, and an
//! edit to the other one silently does nothing.
//!
//! ## Example
//! ```yaml
//! oauth: {codex: {...}}
//! auth: {providers: {codex: {...}}}
//! ```
//!
//! ## How to fix
//! Move what is still needed from `oauth` into `auth.providers`, then delete `oauth`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    let has_providers = cx
        .model
        .raw
        .auth
        .as_ref()
        .is_some_and(|a| a.providers.is_some());
    if cx.model.raw.oauth.is_some() && has_providers {
        let (o, p) = (cx.section_span("oauth"), cx.section_span("auth.providers"));
        cx.report(
            Diagnostic::new(
                Code::ConflictingAuth,
                "both the legacy `oauth` section and `auth.providers` are set",
            )
            .primary(o, "legacy section")
            .secondary(p, "current section")
            .help("move what is still needed into auth.providers and delete oauth"),
        );
    }
}
