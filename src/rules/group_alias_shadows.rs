//! ## What it does
//! Reports a `model_group_alias` name that is also a `model_name`.
//!
//! ## Why it matters
//! LiteLLM resolves the group alias first, so requests for that name go to the alias target
//! and the deployments defined under the same name are never used.
//!
//! ## Example
//! ```yaml
//! litellm_base:
//!   model_list:
//!     - {model_name: router-fast, litellm_params: {model: openai/gpt-5.2-mini}}
//!   router_settings:
//!     model_group_alias: {router-fast: router-main}
//! ```
//!
//! ## How to fix
//! Rename one of the two, or remove the group alias.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::checked::RefSite;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    for r in &model.refs {
        if r.site != RefSite::GroupAliasName || !cx.in_scope(&r.scope) {
            continue;
        }
        if let Some(alias) = model.aliases.get(&r.name) {
            let mut d = Diagnostic::new(
                Code::GroupAliasShadows,
                format!(
                    "model_group_alias `{}` hides the alias of the same name ({})",
                    r.name,
                    cx.model.describe(&r.scope)
                ),
            )
            .primary(
                r.span,
                "requests for this name go to the group alias target",
            );
            if let Some(def) = alias.defs.first() {
                d = d.secondary(*def, "these deployments are never used");
            }
            cx.report(d.help("rename the group alias or the alias"));
        }
    }
}
