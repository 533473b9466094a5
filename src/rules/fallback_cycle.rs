//! ## What it does
//! Reports fallback chains that lead back to where they started (`a -> b -> a`), for each
//! profile with the base settings it inherits, and for each kind of fallback.
//!
//! ## Why it matters
//! A request that fails on `a` goes to `b`, whose failure sends it back to `a`: the gateway
//! bounces between the two until its fallback limit, multiplying load on upstreams that are
//! already failing, and the client waits for all of it.
//!
//! ## Example
//! ```yaml
//! fallbacks:
//!   - {router-main: [router-backup]}
//!   - {router-backup: [router-main]}
//! ```
//!
//! ## How to fix
//! Break the cycle: make the last alias in the chain one that has no fallbacks of its own.

use std::collections::{HashMap, HashSet};

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::checked::{FallbackKind, Scope, fallback_lists};
use crate::span::Span;

/// Edges labelled in one report; longer cycles are named in full in the message only.
const MAX_LABELS: usize = 6;

/// An edge `from -> to`, with the span of the target.
struct Edge<'a> {
    to: &'a str,
    span: Span,
}

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    // Without profiles the base is what runs; with profiles, each profile over the base.
    let scopes: Vec<Scope> = if model.profiles.is_empty() {
        vec![Scope::Base]
    } else {
        model
            .profiles
            .keys()
            .map(|p| Scope::Profile(p.clone()))
            .filter(|s| cx.in_scope(s))
            .collect()
    };
    let mut reported: HashSet<Vec<Span>> = HashSet::new();
    for scope in scopes {
        for kind in FallbackKind::ALL {
            let mut graph: HashMap<&str, Vec<Edge>> = HashMap::new();
            let (pl, pr) = model.settings(&scope);
            let (bl, br) = model.settings(&Scope::Base);
            let prof = fallback_lists(pl, pr);
            let base = fallback_lists(bl, br);
            // A list set in the profile replaces the base list of the same block and kind.
            let lists = base
                .iter()
                .filter(|(b, k, _)| !prof.iter().any(|(pb, pk, _)| pb == b && pk == k))
                .chain(prof.iter())
                .filter(|(_, k, _)| *k == kind);
            for (_, _, list) in lists {
                for map in &list.value {
                    for (key, targets) in map {
                        let edges = graph.entry(key.as_str()).or_default();
                        for t in targets.iter().filter(|t| t.value != key.value) {
                            edges.push(Edge {
                                to: t.as_str(),
                                span: t.span,
                            });
                        }
                    }
                }
            }
            for cycle in find_cycles(&graph) {
                let mut spans: Vec<Span> = cycle.iter().map(|e| e.span).collect();
                spans.sort();
                if !reported.insert(spans) {
                    continue;
                }
                let names: Vec<&str> = cycle.iter().map(|e| e.to).collect();
                let mut path = names.clone();
                path.rotate_right(1);
                let mut chain: Vec<&str> = path.clone();
                chain.push(path[0]);
                let mut d = Diagnostic::new(
                    Code::FallbackCycle,
                    format!(
                        "{} form a cycle: {} (in {})",
                        kind.key(),
                        chain.join(" -> "),
                        scope.describe()
                    ),
                );
                // Label the cycle's edges, the closing one always; a long cycle is shortened so
                // the report stays readable (and cheap to render).
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
                d = d.help("make the last alias of the chain one without fallbacks of its own");
                cx.report(d);
            }
        }
    }
}

/// Elementary cycles found by depth-first search; each reported once, as its edges in order.
fn find_cycles<'g, 'a>(graph: &'g HashMap<&'a str, Vec<Edge<'a>>>) -> Vec<Vec<&'g Edge<'a>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Open,
        Done,
    }
    let mut state: HashMap<&str, State> = HashMap::new();
    let mut out = Vec::new();
    let mut keys: Vec<&&str> = graph.keys().collect();
    keys.sort();
    for &&start in &keys {
        if state.contains_key(start) {
            continue;
        }
        // Iterative DFS: (node, next edge index), with the edge path that led here.
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut path: Vec<&Edge> = Vec::new();
        state.insert(start, State::Open);
        while let Some(&mut (node, ref mut idx)) = stack.last_mut() {
            let edges = graph.get(node).map(Vec::as_slice).unwrap_or_default();
            if *idx < edges.len() {
                let e = &edges[*idx];
                *idx += 1;
                match state.get(e.to) {
                    Some(State::Open) => {
                        // The cycle is the path from where `e.to` was entered, plus `e`.
                        let from = stack.iter().position(|(n, _)| *n == e.to).unwrap_or(0);
                        let mut cyc: Vec<&Edge> = path[from..].to_vec();
                        cyc.push(e);
                        out.push(cyc);
                    }
                    Some(State::Done) => {}
                    None => {
                        state.insert(e.to, State::Open);
                        stack.push((e.to, 0));
                        path.push(e);
                    }
                }
            } else {
                state.insert(node, State::Done);
                stack.pop();
                path.pop();
            }
        }
    }
    out
}
