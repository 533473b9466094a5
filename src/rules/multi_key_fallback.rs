//! ## What it does
//! Reports a fallback entry with more than one key, or none.
//!
//! ## Why it matters
//! LiteLLM expects each entry of a fallback list to be a mapping with exactly one key
//! (`{alias: [targets]}`) and reads only the first key of each entry: in
//! `{a: [x], b: [y]}` the fallbacks for `b` are silently ignored.
//!
//! ## Example
//! ```yaml
//! fallbacks:
//!   - router-main: [router-backup]
//!     router-fast: [router-cheap]
//! ```
//!
//! ## How to fix
//! Give each alias its own list entry:
//! `fallbacks: [{router-main: [router-backup]}, {router-fast: [router-cheap]}]`.

use super::{Ctx, FallbackListAt};
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    for FallbackListAt {
        block, kind, list, ..
    } in cx.fallback_lists()
    {
        for map in &list.value {
            let mut keys = map.keys();
            let Some(first) = keys.next() else {
                cx.report(
                    Diagnostic::new(
                        Code::MultiKeyFallback,
                        format!("an entry of {}.{} is empty", block.key(), kind.key()),
                    )
                    .primary(list.span, "in this list")
                    .help("remove the empty entry or write {alias: [fallback, ...]}"),
                );
                continue;
            };
            for extra in keys {
                cx.report(
                        Diagnostic::new(
                            Code::MultiKeyFallback,
                            format!("`{extra}` shares a fallback entry with `{first}`; LiteLLM reads only the first key"),
                        )
                        .primary(extra.span, "ignored by LiteLLM")
                        .secondary(first.span, "the only key LiteLLM reads in this entry")
                        .help(format!("give `{extra}` its own list entry: - {{{extra}: [...]}}")),
                    );
            }
        }
    }
}
