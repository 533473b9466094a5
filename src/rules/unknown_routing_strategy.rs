//! ## What it does
//! Reports a `router_settings.routing_strategy` LiteLLM does not know.
//!
//! ## Why it matters
//! LiteLLM's router rejects an unknown strategy when the proxy starts, so the gateway does not
//! come up (`ValueError` at start-up, `validate_routing_strategy`). Known in LiteLLM 1.108.7
//! (`VALID_ROUTING_STRATEGIES`, from the generated vocabulary): `simple-shuffle` (default),
//! `least-busy`, `usage-based-routing`, `usage-based-routing-v2`, `latency-based-routing`,
//! `cost-based-routing`, `provider-budget-routing`, `lar1`.
//!
//! ## Example
//! ```yaml
//! router_settings:
//!   routing_strategy: latency-based
//! ```
//!
//! ## How to fix
//! Use one of the strategies listed (the help suggests the closest).

use super::Ctx;
use crate::diag::Code;
use crate::diag::{Diagnostic, did_you_mean};

pub fn check(cx: &mut Ctx) {
    for scope in cx.model.scopes() {
        if !cx.in_scope(&scope) {
            continue;
        }
        let (_, rs) = cx.model.settings(&scope);
        let Some(s) = rs.and_then(|r| r.routing_strategy.as_ref()) else {
            continue;
        };
        if crate::litellm::vocab::routing_strategies().contains(&s.as_str()) {
            continue;
        }
        let help = match did_you_mean(
            s.as_str(),
            crate::litellm::vocab::routing_strategies().iter().copied(),
        ) {
            Some(x) => format!("did you mean `{x}`?"),
            None => format!(
                "use one of: {}",
                crate::litellm::vocab::routing_strategies().join(", ")
            ),
        };
        cx.report(
            Diagnostic::new(
                Code::UnknownRoutingStrategy,
                format!(
                    "unknown routing_strategy `{s}` ({})",
                    cx.model.describe(&scope)
                ),
            )
            .primary(s.span, "LiteLLM refuses this at start-up")
            .help(help),
        );
    }
}
