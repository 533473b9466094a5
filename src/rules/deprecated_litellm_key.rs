//! ## What it does
//! Reports a key that LiteLLM 1.108.7 marks as deprecated in its own types (the
//! vocabulary is generated from LiteLLM's source, see `unknown-litellm-key`), with the key
//! that replaces it.
//!
//! ## Why it matters
//! A deprecated key still works for now, but LiteLLM plans to drop it; the replacement often
//! behaves differently (`user_header_name` becomes a list of `user_header_mappings`).
//!
//! ## Example
//! ```yaml
//! general_settings:
//!   user_header_name: x-openwebui-user-id
//! ```
//!
//! ## How to fix
//! Move the setting to the key the help names.

use super::Ctx;
use crate::diag::{Code, Diagnostic};

pub fn check(cx: &mut Ctx) {
    for b in cx.open_blocks() {
        let (block, extra) = (b.block, b.extra);
        for key in extra.keys() {
            let Some(replacement) = block.deprecated(key.as_str()) else {
                continue;
            };
            let mut d = Diagnostic::new(
                Code::DeprecatedLitellmKey,
                format!(
                    "`{key}` in {} is deprecated in LiteLLM {}",
                    b.place(),
                    crate::litellm::VERSION
                ),
            )
            .primary(key.span, "deprecated");
            if let Some(r) = replacement {
                d = d.help(format!("use `{r}` instead"));
            }
            cx.report(d);
        }
    }
}
