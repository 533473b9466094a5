//! ## What it does
//! Reports a deployment that sets both `api_key` and `api_key_ref`.
//!
//! ## Why it matters
//! Only one key can be sent upstream. Whichever wins, the other is dead configuration that
//! someone will later edit in vain.
//!
//! ## Example
//! ```yaml
//! litellm_params:
//!   model: openai/gpt-5.2
//!   api_key: os.environ/UPSTREAM_OPENAI_API_KEY
//!   api_key_ref: cliproxy_default
//! ```
//!
//! ## How to fix
//! Keep one: `api_key_ref` for a credential file, `api_key: os.environ/VAR` for a variable.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    for dep in cx.model.deployments() {
        let p = &dep.litellm_params;
        if let (Some(key), Some(r)) = (&p.api_key, &p.api_key_ref) {
            cx.report(
                Diagnostic::new(
                    Code::ConflictingApiKey,
                    format!("`{}` sets both api_key and api_key_ref", dep.model_name),
                )
                .primary(r.span, "api_key_ref")
                .secondary(key.span, "api_key")
                .help("keep one of the two"),
            );
        }
    }
}
