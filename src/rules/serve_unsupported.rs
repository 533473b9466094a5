//! ## What it does
//! Lists, when `fgc serve` starts (or reloads), each part of the config it does not carry
//! out the way LiteLLM does. Errors stop it: upstreams of a protocol it does not speak,
//! wildcard aliases, response caching, guardrails, MCP servers, agents and the other
//! LiteLLM features of the top level, the proxy's database and custom auth, pass-through
//! endpoints, and Redis shared by several instances. Warnings let it start: LiteLLM's
//! logging callbacks, routing strategies it runs as `simple-shuffle`, weighted balancing,
//! `environment_variables`, `litellm_params` keys it does not send.
//!
//! ## Why it matters
//! `fgc serve --config config.yaml` is a drop-in for `litellm --config config.yaml` for what
//! fgc supports. Serving a config while silently leaving out its guardrails, its cache or
//! its shared state would answer clients differently from LiteLLM without a word.
//!
//! ## Example
//! ```yaml
//! model_list:
//!   - model_name: router-default
//!     litellm_params: {model: bedrock/anthropic.claude-sonnet-4-6}
//! litellm_settings:
//!   cache: true
//! guardrails:
//!   - guardrail_name: pii
//!     litellm_params: {guardrail: presidio, mode: pre_call}
//! ```
//!
//! ## How to fix
//! Run the config with LiteLLM (`litellm --config FILE`, or `fgc emit litellm` from a
//! flowgate.yaml), or remove what fgc serve does not do from the config it serves.

use crate::diag::{Code, Diagnostic, Severity};
use crate::model::Model;
use crate::model::checked::Scope;
use crate::model::view::{RoutingStrategy, View};
use crate::span::{Sp, Span};

/// LiteLLM top-level keys fgc serve carries out (the rest of LiteLLM's are listed).
const SERVED_TOP_LEVEL: &[&str] = &[
    "model_list",
    "litellm_settings",
    "router_settings",
    "general_settings",
    "include",
    "credential_list",
];

/// `litellm_settings` keys that only log, report or tune LiteLLM's own output: warnings.
const LOGGING: &[&str] = &[
    "callbacks",
    "success_callback",
    "failure_callback",
    "service_callback",
    "turn_off_message_logging",
    "redact_user_api_key_info",
];

/// `general_settings` keys of LiteLLM's proxy features fgc serve does not have.
const GENERAL_UNSUPPORTED: &[(&str, &str)] = &[
    (
        "database_url",
        "the proxy database (virtual keys, teams, spend)",
    ),
    ("custom_auth", "custom authentication"),
    ("pass_through_endpoints", "pass-through endpoints"),
    ("alerting", "alerting"),
    ("store_model_in_db", "models stored in the database"),
    ("enable_jwt_auth", "JWT authentication"),
    ("coordination_redis", "Redis shared by several instances"),
];

/// `litellm_params` keys fgc serve reads (from the typed view) or that only name the
/// deployment's provider.
const SERVED_PARAMS: &[&str] = &["custom_llm_provider"];

fn at(span: Span, sev: Severity, what: String, label: &str) -> Diagnostic {
    Diagnostic::new(Code::ServeUnsupported, what)
        .with_severity(sev)
        .primary(span, label.to_string())
}

/// What fgc serve does not carry out in `view` (the profile it serves).
pub fn find(model: &Model, view: &View<'_>) -> Vec<Diagnostic> {
    use Severity::{Error, Warning};
    let mut out = Vec::new();
    let not_done = "fgc serve does not do this";
    if let Some(base) = &model.raw.litellm_base {
        for key in &base.keys {
            let k = key.as_str();
            if SERVED_TOP_LEVEL.contains(&k) {
                continue;
            }
            if k == "environment_variables" {
                out.push(
                    at(
                        key.span,
                        Warning,
                        "fgc serve does not set `environment_variables`".into(),
                        "not applied",
                    )
                    .help("export them before `fgc serve` where an upstream or its SDK needs them"),
                );
                continue;
            }
            let empty = base.extra.get(key).is_none_or(|v| {
                v.is_null()
                    || v.as_array().is_some_and(Vec::is_empty)
                    || v.as_object().is_some_and(serde_json::Map::is_empty)
            });
            if empty || !crate::litellm::Block::TopLevel.knows(k) {
                continue;
            }
            out.push(at(
                key.span,
                Error,
                format!("fgc serve does not support LiteLLM's `{k}`"),
                not_done,
            ));
        }
        if let Some(g) = &base.general_settings {
            for (key, what) in GENERAL_UNSUPPORTED {
                let span = g.keys.iter().find(|k| k.as_str() == *key).map(|k| k.span);
                if let Some(span) = span {
                    out.push(at(
                        span,
                        Error,
                        format!("fgc serve does not support {what} (`general_settings.{key}`)"),
                        not_done,
                    ));
                }
            }
        }
    }
    let mut scopes = vec![Scope::Base];
    if let Some(p) = view.profile {
        scopes.push(Scope::Profile(p.to_string()));
    }
    for scope in &scopes {
        let (ls, rs) = model.settings(scope);
        if let Some(ls) = ls {
            if let Some(c) = ls.cache.as_ref().filter(|c| c.value) {
                out.push(at(
                    c.span,
                    Error,
                    "fgc serve does not cache responses (`litellm_settings.cache`)".into(),
                    not_done,
                ));
            }
            for (key, v) in &ls.extra {
                let set = !(v.is_null() || v.as_array().is_some_and(Vec::is_empty));
                if set && LOGGING.contains(&key.as_str()) {
                    out.push(
                        at(
                            key.span,
                            Warning,
                            format!("fgc serve does not run LiteLLM's `{key}`"),
                            "not applied",
                        )
                        .help("fgc serve writes its own usage log (--usage-log)"),
                    );
                } else if set && key.as_str() == "guardrails" {
                    out.push(at(
                        key.span,
                        Error,
                        "fgc serve does not support guardrails".into(),
                        not_done,
                    ));
                }
            }
        }
        if let Some(rs) = rs {
            for key in [&rs.redis_host, &rs.redis_url].into_iter().flatten() {
                out.push(
                    at(
                        key.span,
                        Error,
                        "fgc serve keeps router state in memory, for one machine: it does not share it through Redis".into(),
                        not_done,
                    )
                    .help("run several LiteLLM instances on one Redis (docs/scale.md), or remove the Redis settings"),
                );
            }
            if let Some(s) = &rs.routing_strategy
                && let RoutingStrategy::Other(name) = RoutingStrategy::parse(s.as_str())
            {
                out.push(
                    at(
                        s.span,
                        Warning,
                        format!("fgc serve runs `{name}` as `simple-shuffle`"),
                        "approximated",
                    )
                    .help("fgc serve balances with simple-shuffle or least-busy"),
                );
            }
        }
    }
    let mut weighted: Vec<&str> = Vec::new();
    for d in view.deployments() {
        let alias = d.alias;
        if d.wildcard {
            out.push(at(
                d.raw.model_name.span,
                Error,
                format!("fgc serve does not match wildcard aliases (`{alias}`)"),
                not_done,
            ));
            continue;
        }
        if d.api.is_none() {
            let written = d.model.map(Sp::as_str).unwrap_or_default();
            let span = d.model.map_or(d.raw.model_name.span, |m| m.span);
            out.push(
                at(
                    span,
                    Error,
                    format!(
                        "fgc serve speaks only OpenAI- and Anthropic-compatible upstreams, not `{written}` (`{alias}`)"
                    ),
                    not_done,
                )
                .help("use an `openai/` or `anthropic/` model with the upstream's api_base"),
            );
        }
        let group = view
            .deployments()
            .iter()
            .filter(|o| o.alias == alias)
            .count();
        if group > 1
            && (d.weight.is_some() || d.rpm.is_some() || d.tpm.is_some())
            && !weighted.contains(&alias)
        {
            weighted.push(alias);
            out.push(
                at(
                    d.raw.model_name.span,
                    Warning,
                    format!(
                        "fgc serve balances `{alias}`'s deployments evenly (LiteLLM weighs them by weight, rpm or tpm)"
                    ),
                    "approximated",
                ),
            );
        }
        for key in d.raw.litellm_params.extra.keys() {
            if SERVED_PARAMS.contains(&key.as_str()) {
                continue;
            }
            out.push(at(
                key.span,
                Warning,
                format!("fgc serve does not send `{key}` of `{alias}` upstream"),
                "not applied",
            ));
        }
    }
    out.sort_by_key(|d| d.span().map_or(0, |s| s.start));
    out
}
