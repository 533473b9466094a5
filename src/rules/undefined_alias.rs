//! ## What it does
//! Reports a place that names an alias no `model_list` entry defines: fallback keys and
//! targets of every kind (`fallbacks`, `context_window_fallbacks`, `content_policy_fallbacks`)
//! in the base settings and every profile, `default_fallbacks`, `model_group_alias` targets,
//! `integration.default_model` / `fast_model`, the Codex and Claude Code model slots, and
//! every route of `routing` (top level, families, profiles), which must name an alias (not a
//! `model_group_alias` name).
//!
//! A wildcard deployment (`model_name: "*"`, `azure/*`) serves every name it matches, as
//! LiteLLM's pattern router does (each `*` stands for any text; a name also matches through
//! the provider LiteLLM infers for it, so `openai/*` serves `gpt-4o`), and the fallback key
//! `"*"` is LiteLLM's generic fallback for every alias without its own entry: neither is
//! reported.
//!
//! ## Why it matters
//! LiteLLM never checks that fallback targets exist: a fallback that names an old alias simply
//! never fires. A client that asks for an alias the gateway does not serve gets
//! `404 model not found`. Both are the classic leftovers of renaming an alias by hand.
//!
//! ## Example
//! ```yaml
//! litellm_base:
//!   model_list:
//!     - model_name: router-main
//!       litellm_params: {model: openai/gpt-5.2}
//! integration:
//!   default_model: router-default   # renamed to router-main above, not here
//! ```
//!
//! ## How to fix
//! Name a defined alias (the help suggests the closest one), or define the alias in
//! `litellm_base.model_list`. To rename an alias everywhere at once, use
//! `fgc rename OLD NEW`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::litellm::wildcard;
use crate::model::checked::RefSite;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let patterns: Vec<&str> = model
        .aliases
        .keys()
        .map(String::as_str)
        .filter(|a| wildcard::is_pattern(a))
        .collect();
    for r in &model.refs {
        if !r.site.is_use() || !cx.in_scope(&r.scope) {
            continue;
        }
        // `"*"` as a fallback key: LiteLLM's generic fallback (fallback_event_handlers.py,
        // get_fallback_model_group), not an alias.
        if matches!(r.site, RefSite::FallbackKey(..)) && r.name == "*" {
            continue;
        }
        let defined = match r.site {
            // A group alias and a route must point at a real model group.
            RefSite::GroupAliasTarget | RefSite::Route(_) => model.aliases.contains_key(&r.name),
            _ => model.is_served(&r.name),
        };
        if defined
            || wildcard::served_by(patterns.iter().copied(), &r.name)
            || cx.pruned_alias(&r.name)
        {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::UndefinedAlias,
            format!(
                "`{}` is not a defined alias ({} in {})",
                r.name,
                r.site.describe(),
                cx.model.describe(&r.scope)
            ),
        )
        .primary(r.span, "no model_list entry has this model_name");
        match cx.suggest_alias(&r.name) {
            Some(s) => {
                if let Some(def) = model.aliases.get(&s).and_then(|a| a.defs.first()) {
                    d = d.secondary(*def, format!("`{s}` is defined here"));
                } else if let Some(span) = model.group_aliases.get(&s) {
                    d = d.secondary(*span, format!("`{s}` is defined here"));
                }
                d = d.help(format!("did you mean `{s}`?"));
            }
            None => {
                d = d.help(format!(
                    "define it in {} (model_name: {}) or name one of the {} defined aliases",
                    model.base_path("model_list"),
                    r.name,
                    model.aliases.len()
                ));
            }
        }
        cx.report(d);
    }
}
