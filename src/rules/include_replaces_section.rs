//! ## What it does
//! Warns when an included file sets a key the config (or an earlier include) already sets,
//! and the two are not both lists: LiteLLM keeps the included value and drops the earlier
//! one whole. Lists (`model_list`, `credential_list`, `guardrails`) are appended instead.
//!
//! ## Why it matters
//! LiteLLM does not merge sections: a `router_settings` in an included file replaces the root
//! config's `router_settings` entirely, so its `num_retries`, fallbacks and Redis settings are
//! gone, without a word at start-up.
//!
//! ## Example
//! ```yaml
//! # config.yaml
//! include: [models.yaml]
//! router_settings: {num_retries: 3, routing_strategy: least-busy}
//! # models.yaml
//! router_settings: {timeout: 30}      # the effective router_settings is {timeout: 30}
//! ```
//!
//! ## How to fix
//! Keep each section in one file, or write the whole section in the file that wins.

use crate::diag::{Code, Diagnostic};
use crate::span::Span;

pub fn diagnostic(key: &str, included: Span, replaced: Span) -> Diagnostic {
    Diagnostic::new(
        Code::IncludeReplacesSection,
        format!("`{key}` of an included file replaces the `{key}` written before it"),
    )
    .primary(included, "LiteLLM keeps this one")
    .secondary(replaced, "and drops this one whole")
    .help(format!(
        "LiteLLM appends lists but replaces every other key: write all of `{key}` in one file"
    ))
}
