//! ## What it does
//! Warns about a `litellm_params.model` without a provider prefix (`openai/`, `anthropic/`,
//! `azure/`, ...).
//!
//! ## Why it matters
//! LiteLLM picks the provider from the prefix. Without one it guesses from the model name,
//! and for a custom upstream (CLIProxyAPIPlus, a vendor's OpenAI-compatible API) the guess is
//! wrong or fails: `gpt-5.2` goes to api.openai.com whatever `api_base` says. `fgc serve` also
//! uses the prefix to pick the upstream protocol.
//!
//! ## Example
//! ```yaml
//! litellm_params:
//!   model: claude-sonnet-4.5
//!   api_base: https://api.vendor.example/v1
//! ```
//!
//! ## How to fix
//! Write the provider: `openai/claude-sonnet-4.5` for an OpenAI-compatible upstream,
//! `anthropic/...` for Anthropic's Messages API.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;

pub fn check(cx: &mut Ctx) {
    for dep in cx.model.deployments() {
        let Some(m) = &dep.litellm_params.model else {
            continue;
        };
        if !m.as_str().contains('/') {
            let hint = if dep.litellm_params.api_base.is_some() {
                "openai/"
            } else {
                "PROVIDER/"
            };
            cx.report(
                Diagnostic::new(
                    Code::MissingProviderPrefix,
                    format!(
                        "upstream model `{m}` of `{}` has no provider prefix",
                        dep.model_name
                    ),
                )
                .primary(m.span, "LiteLLM has to guess the provider")
                .help(format!("write `{hint}{m}`")),
            );
        }
    }
}
