//! ## What it does
//! Reports a secret file that exists but is empty, or an environment variable that is set
//! to an empty string.
//!
//! ## Why it matters
//! An empty key is sent as no key: the upstream answers 401, and nothing at start-up says why.
//!
//! ## Example
//! `: > .router/secrets/upstream_cliproxyapi_api_key` left the file empty.
//!
//! ## How to fix
//! Write the key into the file (`printf '%s\n' "$KEY" > PATH`) or set the variable.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::secrets::SecretState;

pub fn check(cx: &mut Ctx) {
    let found = cx.secrets();
    let mut reported = Vec::new();
    for (site, state) in found.iter() {
        if *state == SecretState::Empty && !reported.contains(&&site.source) {
            reported.push(&site.source);
            cx.report(
                Diagnostic::new(
                    Code::EmptySecret,
                    format!("the {} for {} is empty", site.source.describe(), site.what),
                )
                .primary(site.span, "named here")
                .help("write the secret into it"),
            );
        }
    }
}
