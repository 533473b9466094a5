//! ## What it does
//! Warns when no gateway key is set: `litellm_base.general_settings.master_key` is absent,
//! `LITELLM_MASTER_KEY` is not exported where fgc runs, and LiteLLM is not told to start
//! without one (`general_settings.dangerously_permit_weak_or_unset_master_key: true` or
//! `LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY=true`).
//!
//! ## Why it matters
//! LiteLLM (1.108) refuses to start without a master key ("no master key is set, so every
//! request would be accepted without authentication"), and `fgc serve` without a key only
//! binds to a loopback address. Codex and Claude Code send a gateway token either way
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
//! starts with `sk-`. For a throw-away local proxy only,
//! `general_settings.dangerously_permit_weak_or_unset_master_key: true` lets LiteLLM start
//! without one.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::litellm::vocab::{MASTER_KEY_ENV, MASTER_KEY_OVERRIDE_ENV, MASTER_KEY_OVERRIDE_SETTING};

/// Whether LiteLLM is told to start with a weak or unset key (`master_key_boot_verdict` in
/// litellm/proxy/auth/master_key_boot_check.py: the setting must be `True`, the variable
/// `true` in any case).
pub fn override_on(cx: &Ctx) -> bool {
    let setting = cx
        .model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| {
            g.extra
                .iter()
                .find(|(k, _)| k.as_str() == MASTER_KEY_OVERRIDE_SETTING)
        })
        .is_some_and(|(_, v)| v.as_bool() == Some(true));
    let env =
        std::env::var(MASTER_KEY_OVERRIDE_ENV).is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    setting || env
}

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
    // LiteLLM takes the key from its environment when the config has none. A key left out
    // for a structural error is reported already.
    if std::env::var_os(MASTER_KEY_ENV).is_some()
        || override_on(cx)
        || cx.was_pruned("/litellm_base/general_settings/master_key")
    {
        return;
    }
    let span = cx
        .model
        .base_key_span("general_settings")
        .unwrap_or_else(|| cx.model.base_span());
    cx.report(
        Diagnostic::new(
            Code::MissingMasterKey,
            "no gateway key: general_settings.master_key is not set",
        )
        .primary(
            span,
            "LiteLLM refuses to start without one unless LITELLM_MASTER_KEY is set",
        )
        .help("add general_settings: {master_key: os.environ/LITELLM_MASTER_KEY}"),
    );
}
