//! ## What it does
//! Reports `integration.codex.wire_api` set to anything but `responses`.
//!
//! ## Why it matters
//! Current Codex CLI speaks only the OpenAI Responses API; `wire_api = "chat"` is a hard error
//! at start-up.
//!
//! ## Example
//! ```yaml
//! integration:
//!   codex: {wire_api: chat}
//! ```
//!
//! ## How to fix
//! Write `wire_api: responses`, or leave it out (fgc emits `responses`). The gateway
//! (LiteLLM or `fgc serve`) translates to chat-completions upstreams.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    let Some(w) = cx
        .model
        .raw
        .integration
        .as_ref()
        .and_then(|i| i.codex.as_ref())
        .and_then(|c| c.wire_api.as_ref())
    else {
        return;
    };
    if w.as_str() != "responses" {
        cx.report(
            Diagnostic::new(
                Code::CodexWireApi,
                format!("Codex wire_api `{w}` is not supported"),
            )
            .primary(w.span, "Codex only speaks the Responses API")
            .help("use `wire_api: responses`; the gateway translates to chat upstreams"),
        );
    }
}
