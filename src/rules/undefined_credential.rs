//! ## What it does
//! Reports an `api_key_ref` (of a deployment, or of an upstream under `redirect.upstreams`)
//! that names no entry of `credentials.upstream`, and a `litellm_params.litellm_credential_name`
//! that names no `credential_list` entry (LiteLLM's named credentials).
//!
//! ## Why it matters
//! The deployment would be sent to its upstream without a key: every request fails with 401,
//! and with fallbacks configured the failure may only show as unexplained extra latency.
//! LiteLLM starts with an unknown `litellm_credential_name` and only logs a warning when a
//! request runs without the credential.
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
//! `credentials.upstream` (for `litellm_credential_name`, to `credential_list`).

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
    let defined: Vec<(&str, crate::span::Span)> = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.credential_list.as_ref())
        .into_iter()
        .flatten()
        .map(|c| (c.credential_name.as_str(), c.credential_name.span))
        .collect();
    for dep in model.deployments() {
        let Some(name) = &dep.litellm_params.litellm_credential_name else {
            continue;
        };
        if defined.iter().any(|(n, _)| *n == name.as_str()) {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::UndefinedCredential,
            format!("`litellm_credential_name: {name}` names no credential_list entry"),
        )
        .primary(name.span, "LiteLLM runs the request without it");
        match did_you_mean(name.as_str(), defined.iter().map(|(n, _)| *n)) {
            Some(s) => {
                let at = defined.iter().find(|(n, _)| *n == s).map(|(_, sp)| *sp);
                if let Some(at) = at {
                    d = d.secondary(at, format!("`{s}` is defined here"));
                }
                d = d.help(format!("did you mean `{s}`?"));
            }
            None => {
                d = d.help(format!(
                    "add it: credential_list: [{{credential_name: {name}, credential_values: {{api_key: os.environ/VAR}}, credential_info: {{}}}}]"
                ));
            }
        }
        cx.report(d);
    }
}
