//! ## What it does
//! Reports a LiteLLM setting written in a block where LiteLLM does not read it, such as
//! `master_key` under `litellm_settings` or `routing_strategy` under `litellm_settings`.
//!
//! ## Why it matters
//! LiteLLM accepts unknown keys in its settings blocks silently. A `master_key` under
//! `litellm_settings` is not the proxy's master key: unless `general_settings.master_key` or
//! `LITELLM_MASTER_KEY` gives one, current LiteLLM (1.108) refuses to start ("no master key is
//! set"); a `routing_strategy` there leaves the default strategy in place. Nothing at start-up
//! names the misplaced key.
//!
//! ## Example
//! ```yaml
//! litellm_base:
//!   litellm_settings:
//!     master_key: os.environ/LITELLM_MASTER_KEY
//! ```
//!
//! ## How to fix
//! Move the key to the block the message names (here `general_settings`).

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::checked::Scope;
use crate::model::raw::Extra;

/// Keys LiteLLM reads from exactly one block, and that block.
const HOME: &[(&str, &str)] = &[
    ("master_key", "general_settings"),
    ("database_url", "general_settings"),
    ("store_model_in_db", "general_settings"),
    ("alerting", "general_settings"),
    ("allowed_routes", "general_settings"),
    ("disable_spend_logs", "general_settings"),
    ("routing_strategy", "router_settings"),
    ("model_group_alias", "router_settings"),
    ("enable_pre_call_checks", "router_settings"),
    ("retry_policy", "router_settings"),
    ("allowed_fails_policy", "router_settings"),
    ("routing_strategy_args", "router_settings"),
    ("cooldown_time", "router_settings"),
    ("retry_after", "router_settings"),
    ("disable_cooldowns", "router_settings"),
    ("stream_timeout", "router_settings or litellm_params"),
    ("max_retries", "litellm_params"),
    ("health_check_interval", "general_settings"),
    ("health_check_concurrency", "general_settings"),
    ("timeout", "router_settings"),
    ("request_timeout", "litellm_settings"),
    ("fallbacks", "litellm_settings or router_settings"),
    (
        "context_window_fallbacks",
        "litellm_settings or router_settings",
    ),
    (
        "content_policy_fallbacks",
        "litellm_settings or router_settings",
    ),
    ("default_fallbacks", "litellm_settings or router_settings"),
    ("num_retries", "litellm_settings or router_settings"),
    ("allowed_fails", "litellm_settings or router_settings"),
    ("drop_params", "litellm_settings"),
    ("callbacks", "litellm_settings"),
    ("success_callback", "litellm_settings"),
    ("failure_callback", "litellm_settings"),
    ("cache", "litellm_settings"),
    ("cache_params", "litellm_settings"),
];

/// The block LiteLLM reads `key` from, for keys it reads from one block only.
pub fn home(key: &str) -> Option<&'static str> {
    HOME.iter().find(|(k, _)| *k == key).map(|(_, h)| *h)
}

fn check_block(cx: &mut Ctx, extra: &Extra, block: &str, scope: &Scope) {
    for key in extra.keys() {
        let Some(home) = home(key.as_str()) else {
            continue;
        };
        // A deployment may set some router settings for itself: LiteLLM's router reads
        // `cooldown_time` from the deployment first (router.py, deployment_callback_on_failure).
        if block == "litellm_params" && crate::litellm::vocab::is_per_deployment(key.as_str()) {
            continue;
        }
        if home.split(" or ").any(|h| h == block) {
            continue;
        }
        let has_master_key = cx
            .model
            .raw
            .litellm_base
            .as_ref()
            .and_then(|b| b.general_settings.as_ref())
            .is_some_and(|g| g.master_key.is_some());
        let what = match key.as_str() {
            "master_key" if !has_master_key => {
                "is ignored by LiteLLM: without general_settings.master_key (or LITELLM_MASTER_KEY) the proxy refuses to start"
            }
            // proxy_server.py: "'health_check_interval' is NOT a valid router_settings
            // parameter. Please move it to 'general_settings'." (a ValueError at start-up)
            "health_check_interval" | "health_check_concurrency" if block == "router_settings" => {
                "makes LiteLLM refuse to start"
            }
            _ => "is ignored by LiteLLM",
        };
        cx.report(
            Diagnostic::new(
                Code::MisplacedSetting,
                format!(
                    "`{key}` under {block} ({}) {what}",
                    cx.model.describe(scope)
                ),
            )
            .primary(key.span, format!("LiteLLM reads this from {home}"))
            .help(format!("move `{key}` to {home}")),
        );
    }
}

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    for scope in model.scopes() {
        if !cx.in_scope(&scope) {
            continue;
        }
        let (ls, rs) = model.settings(&scope);
        if let Some(ls) = ls {
            check_block(cx, &ls.extra, "litellm_settings", &scope);
        }
        if let Some(rs) = rs {
            check_block(cx, &rs.extra, "router_settings", &scope);
        }
    }
    if let Some(gs) = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
    {
        check_block(cx, &gs.extra, "general_settings", &Scope::Base);
    }
    for dep in model.deployments() {
        check_block(
            cx,
            &dep.litellm_params.extra,
            "litellm_params",
            &Scope::Base,
        );
    }
}
