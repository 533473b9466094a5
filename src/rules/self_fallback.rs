//! ## What it does
//! Reports a fallback entry whose target list contains its own key.
//!
//! ## Why it matters
//! Falling back to the alias that just failed retries the same deployments, spending the
//! retry budget without trying anything new.
//!
//! ## Example
//! ```yaml
//! fallbacks: [{router-default: [router-default, router-backup]}]
//! ```
//!
//! ## How to fix
//! Remove the alias from its own fallback list. Use `num_retries` to retry the same alias.

use super::{Ctx, FallbackListAt};
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    for FallbackListAt {
        scope,
        block,
        kind,
        list,
    } in cx.fallback_lists()
    {
        for map in &list.value {
            for (key, targets) in map {
                for t in targets.iter().filter(|t| t.value == key.value) {
                    let d = Diagnostic::new(
                        Code::SelfFallback,
                        format!(
                            "`{key}` falls back to itself ({}.{} in {})",
                            block.key(),
                            kind.key(),
                            cx.model.describe(&scope)
                        ),
                    )
                    .primary(t.span, "the alias that just failed")
                    .secondary(key.span, "fallbacks for this alias")
                    .help("remove it from the list; use num_retries to retry the same alias");
                    cx.report(d);
                }
            }
        }
    }
}
