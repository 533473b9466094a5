//! ## What it does
//! Reports an `api_key_ref` (of a deployment, or of an upstream under `redirect.upstreams`)
//! that names no entry of `credentials.upstream`.
//!
//! ## Why it matters
//! The deployment would be sent to its upstream without a key: every request fails with 401,
//! and with fallbacks configured the failure may only show as unexplained extra latency.
//!
//! ## Example
//! ```yaml
//! credentials:
//!   upstream:
//!     cliproxy_default: {file: ../.router/secrets/upstream_cliproxyapi_api_key}
//! litellm_base:
//!   model_list:
//!     - model_name: router-default
//!       litellm_params: {model: openai/gpt-5.2, api_key_ref: cliproxy}
//! ```
//!
//! ## How to fix
//! Name a defined credential (the help suggests the closest), or add it under
//! `credentials.upstream`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::{Diagnostic, did_you_mean};

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    for r in model.api_key_refs() {
        if model.credentials.contains_key(r.as_str()) {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::UndefinedCredential,
            format!("`api_key_ref: {r}` names no credential"),
        )
        .primary(r.span, "not in credentials.upstream");
        match did_you_mean(r.as_str(), model.credentials.keys().map(String::as_str)) {
            Some(s) => {
                d = d
                    .secondary(model.credentials[s], format!("`{s}` is defined here"))
                    .help(format!("did you mean `{s}`?"));
            }
            None => {
                d = d.help(format!(
                    "add it: credentials: {{upstream: {{{r}: {{file: PATH}}}}}}"
                ));
            }
        }
        cx.report(d);
    }
}
