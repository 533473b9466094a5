//! ## What it does
//! Reports a route of `routing` that no request can take, and a routing setting that has no
//! effect: `routing.families.haiku` when a `background` route is set (every haiku request
//! is a background request, and background comes first), a family's scenario route that an
//! earlier scenario always takes, a top-level route every family overrides while no
//! `default` routes other names, `long_context_threshold` without a `long_context` route,
//! `think_effort` without a `think` route, `background_prompts` without a `background`
//! route, and an empty background prompt (it matches every request).
//!
//! ## Why it matters
//! A route that is never taken looks like it sends requests somewhere they never go: the
//! cheap model you meant for haiku requests is not the one answering them. fgc finds these
//! by running the routing decision itself over every kind of request (each Claude family,
//! other names when `default` is set, each combination of scenarios).
//!
//! ## Example
//! ```yaml
//! routing:
//!   background: router-cheap
//!   families:
//!     opus: router-main
//!     haiku: router-fast     # never used: haiku requests go to router-cheap
//! ```
//!
//! ## How to fix
//! Put the alias where requests reach it (`background: router-fast`, or
//! `haiku: {background: router-fast}` for the haiku family alone), or remove the route or
//! setting. `fgc serve`'s `/health/readiness` lists the table and the order of the rules.

use std::collections::HashSet;

use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::model::view::{RoutingView, View};
use crate::routing::{Entry, Family, Key};
use crate::span::Span;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut seen: HashSet<(Span, String)> = HashSet::new();
    for view in model.views(cx.opts.profile.as_deref()) {
        let Some(routing) = view.routing() else {
            continue;
        };
        for d in findings(&view, routing) {
            let key = (d.span().unwrap_or_default(), d.message.clone());
            if seen.insert(key) {
                cx.report(d);
            }
        }
    }
}

fn findings(view: &View<'_>, r: &RoutingView<'_>) -> Vec<Diagnostic> {
    let table = &r.table;
    let reachable = table.reachable();
    let mut out = Vec::new();
    let profile = match view.profile {
        Some(p) if view.model.profiles.len() > 1 => format!(" (profile `{p}`)"),
        _ => String::new(),
    };
    for w in &r.routes {
        if reachable.contains(&w.entry) {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::UnreachableRoute,
            format!("`{}` is never used{profile}", w.entry.path()),
        );
        match taker(table, w.entry) {
            Some(other) => {
                let alias = table.alias(other).unwrap_or_default();
                let why = if w.entry.family == Some(Family::Haiku) && other.key == Key::Background {
                    "every haiku request is a background request, and".to_string()
                } else {
                    format!("requests of this kind match `{}` first:", other.key.name())
                };
                d = d.primary(w.alias.span, "no request reaches this route").help(format!(
                    "{why} `{}` sends them to `{alias}`; move the alias there, or remove this route",
                    other.path()
                ));
                if let Some(o) = r.written(other) {
                    d = d.secondary(o.alias.span, "this route takes them");
                }
            }
            None => {
                d = d
                    .primary(w.alias.span, "no request reaches this route")
                    .help(format!(
                        "every family sets its own `{}`, and without routing.default no other name is routed; remove it or set routing.default",
                        w.entry.key.name()
                    ));
            }
        }
        out.push(d);
    }
    let used = |key: Key| reachable.iter().any(|e| e.key == key);
    if let Some(t) = &r.threshold
        && !used(Key::LongContext)
    {
        out.push(no_effect(
            "long_context_threshold",
            "long_context",
            t.value.span,
            &profile,
        ));
    }
    if let Some(t) = &r.think_effort
        && !used(Key::Think)
    {
        out.push(no_effect("think_effort", "think", t.value.span, &profile));
    }
    if let Some(p) = &r.background_prompts {
        if !p.value.value.is_empty() && !used(Key::Background) {
            out.push(no_effect(
                "background_prompts",
                "background",
                p.value.span,
                &profile,
            ));
        }
        for prompt in &p.value.value {
            if prompt.value.trim().is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::UnreachableRoute,
                        format!(
                            "an empty background prompt makes every routed request a background request{profile}"
                        ),
                    )
                    .primary(prompt.span, "every system prompt starts with this")
                    .help("write the start of the background prompt, or remove the entry"),
                );
            }
        }
    }
    out
}

/// The entry that takes the requests `e` would serve: the decision for a request of
/// `e`'s family (or of every family, for a top-level route) matching `e`'s scenario.
fn taker(table: &crate::routing::Table, e: Entry) -> Option<Entry> {
    let families: Vec<Family> = match e.family {
        Some(f) => vec![f],
        None => Family::ALL.to_vec(),
    };
    families.into_iter().find_map(|f| {
        let chosen = table.choose(Some(f), |k| {
            Ok::<bool, ()>(k == e.key || (k == Key::Background && f == Family::Haiku))
        });
        let other = chosen.ok().flatten()?;
        // A family's own route for the same scenario is not "another route" to name.
        (other != e && !(e.family.is_none() && other.key == e.key)).then_some(other)
    })
}

fn no_effect(setting: &str, route: &str, span: Span, profile: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnreachableRoute,
        format!(
            "`routing.{setting}` has no effect: no request can take a `{route}` route{profile}"
        ),
    )
    .primary(span, "never read")
    .help(format!(
        "set routing.{route} (or a family's `{route}`), or remove `{setting}`"
    ))
}
