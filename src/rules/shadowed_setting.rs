//! ## What it does
//! Reports a setting written in both `litellm_settings` and `router_settings` (of the base or
//! of one profile), such as `num_retries` or `fallbacks`, and says which of the two LiteLLM
//! uses.
//!
//! ## Why it matters
//! LiteLLM's Router reads `num_retries`, `allowed_fails`, `max_fallbacks` and the fallback
//! lists from `router_settings` when set there, and only otherwise from `litellm_settings`
//! (an empty fallback list in `router_settings` counts as not set). The other copy is never
//! read: editing it changes nothing, and two values for one setting invite exactly that
//! edit. `fgc serve` and `fgc emit` follow the same rule.
//!
//! ## Example
//! ```yaml
//! litellm_base:
//!   litellm_settings:
//!     num_retries: 5      # ignored
//!   router_settings:
//!     num_retries: 1      # used
//! ```
//!
//! ## How to fix
//! Keep the setting in one block (`router_settings`), with the value you want.

use std::collections::HashSet;

use super::Ctx;
use crate::diag::{Code, Diagnostic};

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut seen = HashSet::new();
    for view in model.views(cx.opts.profile.as_deref()) {
        for s in &view.shadowed {
            if !seen.insert((s.ignored.key, s.used.key)) {
                continue;
            }
            cx.report(
                Diagnostic::new(
                    Code::ShadowedSetting,
                    format!(
                        "`{}` is set in both litellm_settings and router_settings; LiteLLM uses the {} one ({})",
                        s.key,
                        s.used.block.key(),
                        cx.model.describe(&s.used.scope)
                    ),
                )
                .primary(s.ignored.key, "never read")
                .secondary(s.used.key, "this one is used")
                .help(format!("keep `{}` in one block", s.key)),
            );
        }
    }
}
