//! ## What it does
//! Warns about an `environment_variables` entry that does not do what the config expects:
//! a variable that an `os.environ/VAR` reference of the same config reads, and a variable
//! LiteLLM refuses to set (`PATH`, `HOME`, `LD_PRELOAD`, `PYTHONPATH`, ...).
//!
//! ## Why it matters
//! LiteLLM resolves every `os.environ/` reference when it reads the file, before it sets
//! `environment_variables`: a reference to a variable set only there resolves to nothing
//! (`api_base` becomes empty and requests go to the provider's default URL), or to the value
//! the process environment had. The variables it refuses are skipped with a log line.
//! `environment_variables` still works for what reads the environment later: provider SDK
//! defaults such as `OPENAI_API_KEY`, `REDIS_HOST`, LiteLLM's own settings.
//!
//! ## Example
//! ```yaml
//! environment_variables:
//!   UPSTREAM_BASE: http://127.0.0.1:8317/v1
//!   PATH: /opt/bin
//! model_list:
//!   - model_name: router-default
//!     litellm_params: {model: openai/gpt-5.2, api_base: os.environ/UPSTREAM_BASE}
//! ```
//!
//! ## How to fix
//! Write the value where it is used (`api_base: http://...`), or export the variable in the
//! environment LiteLLM starts in. Remove the entries LiteLLM refuses.

use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::litellm::vocab;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let Some(vars) = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.environment_variables.as_ref())
    else {
        return;
    };
    let refs = crate::secrets::env_references(model);
    for (key, _) in vars {
        if vocab::is_blocked_environment_variable(key.as_str()) {
            cx.report(
                Diagnostic::new(
                    Code::IgnoredEnvironmentVariable,
                    format!("LiteLLM refuses to set `{key}` from environment_variables"),
                )
                .primary(
                    key.span,
                    "skipped at start-up, with a warning in LiteLLM's log",
                )
                .help(format!(
                    "set `{key}` in the environment LiteLLM starts in, or remove this entry"
                )),
            );
            continue;
        }
        let uses: Vec<_> = refs
            .iter()
            .filter(|(var, _)| *var == key.as_str())
            .map(|(_, span)| *span)
            .collect();
        let Some(first) = uses.first() else {
            continue;
        };
        let mut d = Diagnostic::new(
            Code::IgnoredEnvironmentVariable,
            format!("`os.environ/{key}` is resolved before environment_variables sets `{key}`"),
        )
        .primary(
            *first,
            "LiteLLM reads the process environment here (unset: nothing)",
        )
        .secondary(key.span, "set too late for the reference");
        for other in uses.iter().skip(1).take(3) {
            d = d.secondary(*other, "also read before it is set");
        }
        cx.report(d.help(format!(
            "write the value where it is used, or export {key} before LiteLLM starts"
        )));
    }
}
