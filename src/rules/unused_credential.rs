//! ## What it does
//! Reports a credential that no `api_key_ref` uses (of a deployment, or of an upstream under
//! `redirect.upstreams`).
//!
//! ## Why it matters
//! Usually a deployment was meant to use it and names something else, or the credential is
//! left over from a removed upstream and its secret file can be deleted.
//!
//! ## Example
//! ```yaml
//! credentials:
//!   upstream:
//!     old_vendor: {env: OLD_VENDOR_KEY}
//! ```
//!
//! ## How to fix
//! Reference it with `api_key_ref`, or remove it.

use std::collections::HashSet;

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    // A deployment left out for a structural error may be the one that uses it.
    if cx.was_pruned("/litellm_base/model_list") {
        return;
    }
    let used: HashSet<&str> = cx.model.api_key_refs().map(|r| r.as_str()).collect();
    let unused: Vec<_> = cx
        .model
        .credentials
        .iter()
        .filter(|(n, _)| !used.contains(n.as_str()))
        .collect();
    for (name, span) in unused {
        cx.report(
            Diagnostic::new(
                Code::UnusedCredential,
                format!("credential `{name}` is not used by any deployment"),
            )
            .primary(*span, "never referenced by api_key_ref")
            .help("reference it with api_key_ref, or remove it"),
        );
    }
}
