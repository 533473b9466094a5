//! ## What it does
//! Warns about `context_window_fallbacks` that lead back to where they started
//! (`a -> b -> a`), once per cycle, for each profile with the base settings it inherits. The
//! list checked is the one LiteLLM uses: `router_settings`' when it is set and not empty, else
//! `litellm_settings'` (LiteLLM's router takes `context_window_fallbacks or
//! litellm.context_window_fallbacks`), each block being the profile's key when the profile sets
//! it, else the base's. A `"*"` entry counts for every alias without its own.
//!
//! Cycles in `fallbacks` and `content_policy_fallbacks` are not reported: LiteLLM (1.108)
//! records every fallback target a request has tried and skips it the next time
//! (`attempted_targets` in `litellm/router_utils/fallback_event_handlers.py`), and `fgc serve`
//! tries each alias once, so a mutual-backup mesh (`a: [b]`, `b: [a]`) never loops.
//!
//! ## Why it matters
//! A context-window fallback is meant to go to a model with a larger context window. Around a
//! cycle at least one step goes to a window no larger than the one that was just too small, so
//! that step can never help: the request fails there again, after another upstream call.
//!
//! ## Example
//! ```yaml
//! context_window_fallbacks:
//!   - {router-main: [router-long]}
//!   - {router-long: [router-main]}
//! ```
//!
//! ## How to fix
//! Let context-window fallbacks go only towards larger windows: remove the step back to the
//! smaller model.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use petgraph::algo::kosaraju_scc;
use petgraph::graphmap::DiGraphMap;

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::checked::{FallbackKind, Scope};
use crate::model::view::{FallbackEntry, GENERIC_FALLBACK};
use crate::span::{Sp, Span};

/// Edges labelled in one report; longer cycles are named in full in the message only.
const MAX_LABELS: usize = 6;

/// The kind of fallback list whose cycles are reported.
const KIND: FallbackKind = FallbackKind::ContextWindow;

/// An edge `from -> to`, with the span of the target.
#[derive(Clone, Copy)]
struct Edge<'a> {
    to: &'a str,
    span: Span,
}

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut reported: HashSet<Vec<Span>> = HashSet::new();
    // Each profile over the base (the base alone without profiles), with the list LiteLLM
    // uses: the profile view decides which block and layer wins.
    for view in model.views(cx.opts.profile.as_deref()) {
        let scope = view
            .profile
            .map_or(Scope::Base, |p| Scope::Profile(p.to_owned()));
        let list = &view.fallbacks.graph(KIND).entries;
        if list.is_empty() {
            continue;
        }
        let graph = build_graph(model.aliases.keys().map(String::as_str), list);
        for cycle in cycles(&graph) {
            let mut spans: Vec<Span> = cycle.iter().map(|e| e.span).collect();
            spans.sort();
            if !reported.insert(spans) {
                continue;
            }
            cx.report(diagnostic(&cycle, &cx.model.describe(&scope)));
        }
    }
}

/// The fallback graph of one list: explicit entries, and `"*"` for every alias (or named key)
/// without an entry of its own. The first entry for a key wins, as in LiteLLM.
fn build_graph<'a>(
    aliases: impl Iterator<Item = &'a str>,
    list: &[FallbackEntry<'a>],
) -> BTreeMap<&'a str, Vec<Edge<'a>>> {
    let mut graph: BTreeMap<&str, Vec<Edge>> = BTreeMap::new();
    let mut generic: Option<&[Sp<String>]> = None;
    for e in list {
        let (key, targets) = (e.key, e.targets);
        if key.as_str() == GENERIC_FALLBACK {
            generic.get_or_insert(targets);
            continue;
        }
        graph.entry(key.as_str()).or_insert_with(|| {
            targets
                .iter()
                .filter(|t| t.value != key.value)
                .map(|t| Edge {
                    to: t.as_str(),
                    span: t.span,
                })
                .collect()
        });
    }
    if let Some(targets) = generic {
        let mut names: Vec<&str> = aliases.collect();
        names.extend(targets.iter().map(|t| t.as_str()));
        for name in names {
            graph.entry(name).or_insert_with(|| {
                targets
                    .iter()
                    .filter(|t| t.as_str() != name)
                    .map(|t| Edge {
                        to: t.as_str(),
                        span: t.span,
                    })
                    .collect()
            });
        }
    }
    graph
}

fn diagnostic(cycle: &[Edge], scope: &str) -> Diagnostic {
    let names: Vec<&str> = cycle.iter().map(|e| e.to).collect();
    let mut path = names.clone();
    path.rotate_right(1);
    let mut chain: Vec<&str> = path.clone();
    chain.push(path[0]);
    let mut d = Diagnostic::new(
        Code::FallbackCycle,
        format!(
            "{} form a cycle: {} (in {}); one of these steps goes to a context window no larger than the last",
            KIND.key(),
            chain.join(" -> "),
            scope
        ),
    );
    // Label the cycle's edges, the closing one always; a long cycle is shortened so the
    // report stays readable (and cheap to render).
    let shown = cycle.len().min(MAX_LABELS);
    for (i, e) in cycle
        .iter()
        .enumerate()
        .filter(|(i, _)| *i + 1 < shown || *i + 1 == cycle.len())
    {
        let text = if i + 1 == cycle.len() {
            "and back to the start"
        } else {
            "falls back to this"
        };
        d = if i == 0 {
            d.primary(e.span, text)
        } else {
            d.secondary(e.span, text)
        };
    }
    d.help("let context-window fallbacks go only to larger context windows")
}

/// One cycle per strongly connected component (of two or more aliases): the shortest way from
/// the component's first alias back to itself, as its edges in order.
fn cycles<'a>(graph: &BTreeMap<&'a str, Vec<Edge<'a>>>) -> Vec<Vec<Edge<'a>>> {
    let mut out = Vec::new();
    for comp in components(graph) {
        if comp.len() < 2 {
            continue;
        }
        let members: HashSet<&str> = comp.iter().copied().collect();
        let start = comp.iter().copied().min().unwrap_or_default();
        // Breadth-first from `start` inside the component, until an edge leads back to it.
        // How each alias was first reached: (from, edge).
        let mut prev: HashMap<&str, (&str, Edge)> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen: HashSet<&str> = HashSet::from([start]);
        let mut closing = None;
        'search: while let Some(node) = queue.pop_front() {
            for e in graph.get(node).into_iter().flatten() {
                if !members.contains(e.to) {
                    continue;
                }
                if e.to == start {
                    closing = Some((node, *e));
                    break 'search;
                }
                if seen.insert(e.to) {
                    prev.insert(e.to, (node, *e));
                    queue.push_back(e.to);
                }
            }
        }
        let Some((last, close)) = closing else {
            continue;
        };
        let mut edges = vec![close];
        let mut at = last;
        while at != start {
            let (from, e) = prev[at];
            edges.push(e);
            at = from;
        }
        edges.reverse();
        out.push(edges);
    }
    out
}

/// Strongly connected components, each sorted, in sorted order. petgraph's Kosaraju walks
/// with explicit stacks (its Tarjan recurses, and a chain of thousands of aliases would
/// overflow a thread's stack: `fgc serve` loads configs on 2 MiB threads).
fn components<'a>(graph: &BTreeMap<&'a str, Vec<Edge<'a>>>) -> Vec<Vec<&'a str>> {
    let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
    for (&from, edges) in graph {
        g.add_node(from);
        for e in edges {
            g.add_edge(from, e.to, ());
        }
    }
    let mut out = kosaraju_scc(&g);
    for c in &mut out {
        c.sort_unstable();
    }
    out.sort_unstable();
    out
}
