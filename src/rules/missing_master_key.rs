//! ## What it does
//! Warns when `litellm_base.general_settings.master_key` is not set.
//!
//! ## Why it matters
//! Current LiteLLM (1.106) refuses to start without a master key (unless
//! `LITELLM_MASTER_KEY` is set in its environment), and `fgc serve` without a key only binds
//! to a loopback address. Codex and Claude Code send a gateway token either way
//! (`OPENAI_API_KEY`, `ANTHROPIC_AUTH_TOKEN`).
//!
//! ## Example
//! ```yaml
//! litellm_base:
//!   model_list: [...]
//!   # no general_settings.master_key
//! ```
//!
//! ## How to fix
//! Add `general_settings: {master_key: os.environ/LITELLM_MASTER_KEY}` and export a key that
//! starts with `sk-`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    let base = cx.model.raw.litellm_base.as_ref();
    if base.is_none()
        || base
            .and_then(|b| b.general_settings.as_ref())
            .and_then(|g| g.master_key.as_ref())
            .is_some()
    {
        return;
    }
    let span = cx.section_span("litellm_base");
    cx.report(
        Diagnostic::new(
            Code::MissingMasterKey,
            "no gateway key: general_settings.master_key is not set",
        )
        .primary(
            span,
            "LiteLLM 1.106 refuses to start without one unless LITELLM_MASTER_KEY is set",
        )
        .help("add general_settings: {master_key: os.environ/LITELLM_MASTER_KEY}"),
    );
}
