//! ## What it does
//! Reports a fallback list that names the same target twice.
//!
//! ## Why it matters
//! The second attempt goes to deployments that just failed; it adds latency and load and
//! usually signals a copy-paste slip where another alias was meant.
//!
//! ## Example
//! ```yaml
//! fallbacks: [{router-main: [router-backup, router-backup]}]
//! ```
//!
//! ## How to fix
//! Remove the repeat, or name the alias you meant.

use std::collections::HashMap;

use super::{Ctx, FallbackListAt};
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    for FallbackListAt { list, .. } in cx.fallback_lists() {
        for map in &list.value {
            for (key, targets) in map {
                let mut seen = HashMap::new();
                for t in targets {
                    match seen.get(t.as_str()) {
                        Some(first) => cx.report(
                            Diagnostic::new(
                                Code::DuplicateFallbackTarget,
                                format!("`{key}` lists `{t}` twice as a fallback"),
                            )
                            .primary(t.span, "named again here")
                            .secondary(*first, "first named here")
                            .help("remove the repeat"),
                        ),
                        None => {
                            seen.insert(t.as_str(), t.span);
                        }
                    }
                }
            }
        }
    }
}
