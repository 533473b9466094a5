//! ## What it does
//! Reports a Codex provider id (`integration.codex.provider_id`) that Codex reserves for its
//! built-in providers: `openai`, `ollama`, `lmstudio`.
//!
//! ## Why it matters
//! Codex ignores or rejects a `[model_providers.openai]` table: requests go to the built-in
//! provider instead of the gateway.
//!
//! ## Example
//! ```yaml
//! integration:
//!   codex: {provider_id: openai}
//! ```
//!
//! ## How to fix
//! Use another id, such as `flowgate` (the default).

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub const RESERVED: [&str; 3] = ["openai", "ollama", "lmstudio"];

pub fn check(cx: &mut Ctx) {
    let Some(id) = cx
        .model
        .raw
        .integration
        .as_ref()
        .and_then(|i| i.codex.as_ref())
        .and_then(|c| c.provider_id.as_ref())
    else {
        return;
    };
    if RESERVED.contains(&id.as_str().to_ascii_lowercase().as_str()) {
        cx.report(
            Diagnostic::new(
                Code::CodexReservedProvider,
                format!("Codex provider id `{id}` is reserved by Codex"),
            )
            .primary(id.span, "a built-in Codex provider")
            .help("use another id, such as `flowgate`"),
        );
    }
}
