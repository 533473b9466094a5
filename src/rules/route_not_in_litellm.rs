//! ## What it does
//! `fgc emit litellm` warns about each route of `routing` that LiteLLM cannot express.
//! LiteLLM routes a request by the name it asks for, and nothing else. So fgc maps the
//! families (each Claude Code model id of a routed family becomes a hidden
//! `model_group_alias` to the alias a plain request of that family gets; a haiku id goes to
//! the `background` alias when one is set). It cannot map `default` (every other name),
//! `background` by prompt, `think`, `long_context`, `web_search`, `image`, a family's own
//! scenario routes, or subagent tags: each gets a warning, and LiteLLM serves those
//! requests with the alias they name.
//!
//! ## Why it matters
//! fgc's promise is that a checked config runs the same way through every target. Where
//! LiteLLM cannot, fgc says so instead of emitting a config that quietly behaves otherwise:
//! with LiteLLM, Claude Code's `/effort max` turns go to the opus alias, not to `think`.
//!
//! ## Example
//! ```yaml
//! routing:
//!   families: {opus: router-main, haiku: router-fast}
//!   think: router-deep        # fgc serve only
//! ```
//! then `fgc emit litellm`.
//!
//! ## How to fix
//! Nothing to fix when the gateway is `fgc serve`. With LiteLLM, `context_window_fallbacks`
//! is the nearest to `long_context` (a request that fails with a context-window error is
//! retried on the long-context alias), and clients can name the aliases themselves
//! (`fgc emit claude-code` without a routing section sets the slot variables).

use crate::diag::{Code, Diagnostic};
use crate::model::view::RoutingView;
use crate::routing::{Entry, Key};

/// The warnings for `r`'s routes (one per route LiteLLM cannot express, one for tags).
pub fn diagnostics(r: &RoutingView<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for w in &r.routes {
        let Entry { family, key } = w.entry;
        let (what, help) = match (family, key) {
            // Expressed: the family's ids become model_group_alias entries.
            (Some(_), Key::Default) => continue,
            (None, Key::Default) => (
                "routes every name no alias has",
                "LiteLLM answers 404 for names it does not serve; clients must name an alias",
            ),
            (_, Key::Background) => (
                "routes background requests",
                "haiku-family ids are mapped to it (model_group_alias); requests recognized by background_prompts are not",
            ),
            (_, Key::Think) => (
                "routes requests by their reasoning effort",
                "with LiteLLM they go to the alias they name",
            ),
            (_, Key::LongContext) => (
                "routes requests by their length",
                "the nearest LiteLLM setting is context_window_fallbacks: a request that fails with a context-window error is retried on the long-context alias",
            ),
            (_, Key::WebSearch) => (
                "routes requests that offer a web-search tool",
                "with LiteLLM they go to the alias they name",
            ),
            (_, Key::Image) => (
                "routes requests carrying an image",
                "with LiteLLM they go to the alias they name",
            ),
        };
        out.push(
            Diagnostic::new(
                Code::RouteNotInLitellm,
                format!(
                    "`{}` ({what}) has no LiteLLM equivalent; only fgc serve runs it",
                    w.entry.path()
                ),
            )
            .primary(w.alias.span, "fgc serve only")
            .help(help),
        );
    }
    if let Some(first) = r.routes.first() {
        out.push(
            Diagnostic::new(
                Code::RouteNotInLitellm,
                "subagent tags (<FGC-SUBAGENT-MODEL>, <CCR-SUBAGENT-MODEL>) are read by fgc serve only",
            )
            .secondary(first.alias.span, "routing is configured here")
            .help("with LiteLLM a subagent's request goes to the alias it names and the tag stays in its prompt"),
        );
    }
    out
}
