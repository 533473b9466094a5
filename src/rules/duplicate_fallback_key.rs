//! ## What it does
//! Reports an alias that has two entries in one fallback list.
//!
//! ## Why it matters
//! LiteLLM uses the first entry whose key matches and ignores the rest, so the second list of
//! fallbacks never runs, and nothing says so.
//!
//! ## Example
//! ```yaml
//! fallbacks:
//!   - {router-main: [router-backup]}
//!   - {router-main: [router-cheap]}
//! ```
//!
//! ## How to fix
//! Merge the targets into one entry, in the order they should be tried:
//! `{router-main: [router-backup, router-cheap]}`.

use std::collections::HashMap;

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
        let mut seen = HashMap::new();
        for map in &list.value {
            for key in map.keys() {
                if let Some(first) = seen.insert(key.as_str(), key.span) {
                    seen.insert(key.as_str(), first);
                    cx.report(
                        Diagnostic::new(
                            Code::DuplicateFallbackKey,
                            format!(
                                "`{key}` has two entries in {}.{} ({})",
                                block.key(),
                                kind.key(),
                                cx.model.describe(&scope)
                            ),
                        )
                        .primary(key.span, "LiteLLM never reads this entry")
                        .secondary(first, "this entry is the one used")
                        .help("merge the targets into the first entry, in the order to try them"),
                    );
                }
            }
        }
    }
}
