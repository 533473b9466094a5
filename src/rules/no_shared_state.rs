//! ## What it does
//! Warns when LiteLLM instances would not share the router's state: a config that several
//! instances run (`services.litellm.instances`, or `fgc check --instances N`) without a Redis
//! they share, and Redis settings LiteLLM's router does not use (`redis_host` without
//! `redis_port`, or the reverse, and no `redis_url`).
//!
//! ## Why it matters
//! LiteLLM's router keeps cooldowns, failure counts and the per-minute usage counts of
//! usage-based routing and rpm/tpm limits in a cache that is per process unless it has Redis:
//! `router_settings.redis_url` or `redis_host` and `redis_port`, else
//! `general_settings.coordination_redis`, else a Redis response cache
//! (`litellm_settings.cache: true`, whose default type is `redis`). Without one, each instance
//! behind the load balancer keeps sending to a deployment another one has cooled down, and
//! each enforces the whole rpm/tpm budget on its own. With `redis_host` alone the router
//! silently uses memory.
//!
//! ## Example
//! ```yaml
//! services:
//!   litellm: {port: 4000, instances: 3}
//! litellm_base:
//!   router_settings:
//!     routing_strategy: usage-based-routing-v2
//!     redis_host: 10.0.0.5          # no redis_port: the router uses memory
//! ```
//!
//! ## How to fix
//! Give `router_settings` `redis_host` and `redis_port` (or `redis_url`, and
//! `redis_password`), the same in every instance: see docs/scale.md.

use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::model::checked::Scope;
use crate::model::view::RoutingStrategy;
use crate::span::Span;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut shared = false;
    for scope in model.scopes() {
        if !matches!(scope, Scope::Base | Scope::Profile(_)) || !cx.in_scope(&scope) {
            continue;
        }
        let (ls, rs) = model.settings(&scope);
        if let Some(rs) = rs {
            match (&rs.redis_url, &rs.redis_host, &rs.redis_port) {
                (Some(_), _, _) | (None, Some(_), Some(_)) => shared = true,
                (None, Some(h), None) => cx.report(incomplete(h.span, "redis_host", "redis_port")),
                (None, None, Some(p)) => cx.report(incomplete(p.span, "redis_port", "redis_host")),
                (None, None, None) => {}
            }
        }
        // A Redis response cache: the proxy hands its Redis to the router.
        if let Some(ls) = ls
            && ls.cache.as_ref().is_some_and(|c| c.value)
        {
            let kind = ls
                .cache_params
                .as_ref()
                .and_then(|c| c.cache_type.as_ref())
                .map_or("redis", |t| t.as_str());
            shared |= kind.starts_with("redis");
        }
    }
    let coordination = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.coordination_redis.as_ref());
    shared |= coordination.is_some_and(|c| c.host.is_some() || c.url.is_some());
    let declared = model.view(None).gateway.instances;
    let instances = cx
        .opts
        .instances
        .or(declared.as_ref().map(|i| i.value))
        .unwrap_or(1);
    if instances <= 1 || shared {
        return;
    }
    // What each instance would keep to itself, from the views `fgc check` covers.
    let mut kept = vec!["cooldowns and failure counts"];
    for view in model.views(cx.opts.profile.as_deref()) {
        if view.settings.cooldowns_disabled() {
            kept.retain(|k| !k.starts_with("cooldowns"));
        }
        if let RoutingStrategy::Other(s) = view.settings.routing_strategy()
            && s.contains("usage-based")
            && !kept.contains(&"the usage counts usage-based routing reads")
        {
            kept.push("the usage counts usage-based routing reads");
        }
        if view
            .deployments()
            .iter()
            .any(|d| d.rpm.is_some() || d.tpm.is_some())
            && !kept.contains(&"rpm/tpm counts")
        {
            kept.push("rpm/tpm counts");
        }
    }
    if kept.is_empty() {
        return;
    }
    let span = declared
        .as_ref()
        .map(|i| i.span)
        .unwrap_or_else(|| model.base_span());
    let where_ = if cx.opts.instances.is_some() {
        "--instances"
    } else {
        "services.litellm.instances"
    };
    cx.report(
        Diagnostic::new(
            Code::NoSharedState,
            format!(
                "{instances} LiteLLM instances share no Redis: each keeps its own {}",
                kept.join(", ")
            ),
        )
        .primary(span, format!("{instances} instances ({where_})"))
        .help(
            "add router_settings: {redis_host: HOST, redis_port: 6379, redis_password: os.environ/REDIS_PASSWORD} (docs/scale.md)",
        ),
    );
}

fn incomplete(span: Span, has: &str, lacks: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NoSharedState,
        format!("router_settings has `{has}` without `{lacks}`: LiteLLM's router does not use this Redis"),
    )
    .primary(span, "ignored: the router keeps its state in memory")
    .help(format!("add `{lacks}`, or write `redis_url: redis://HOST:PORT`"))
}
