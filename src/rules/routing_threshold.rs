//! ## What it does
//! Reports a `routing.long_context_threshold` that routes nearly every request to
//! `long_context`, or none: 0 (an error: every request is over it), under 1,024 tokens
//! (even Claude Code's title requests are larger), or over 10,000,000 (no request `fgc
//! serve` accepts is that long). When deployments declare `model_info.max_input_tokens`,
//! it also reports a threshold above the context window of an alias that takes the
//! requests under it, and a `long_context` alias whose context window is not above the
//! threshold.
//!
//! ## Why it matters
//! The threshold decides which model holds a growing conversation. Set too low, the
//! long-context model (usually the slowest or dearest) answers everything; set above the
//! default model's window, requests between the two fail with a context-window error
//! instead of reaching the long-context model.
//!
//! ## Example
//! ```yaml
//! litellm_base:
//!   model_list:
//!     - model_name: router-main
//!       litellm_params: {model: openai/qwen3-coder}
//!       model_info: {max_input_tokens: 128000}
//!     - model_name: router-long
//!       litellm_params: {model: openai/gemini-2.5-pro}
//! routing:
//!   default: router-main
//!   long_context: router-long
//!   long_context_threshold: 200000   # requests of 128k-200k tokens fail on router-main
//! ```
//!
//! ## How to fix
//! Set the threshold below the smallest context window of the aliases that serve shorter
//! requests (claude-code-router's default is 60,000), and route long contexts to a model
//! whose window is larger than the threshold.

use super::Ctx;
use crate::diag::{Code, Diagnostic, Severity};
use crate::model::view::View;
use crate::routing::{DEFAULT_THRESHOLD, Key};
use crate::span::Span;

/// Below this, nearly every request is over the threshold.
pub const LOW: u64 = 1_024;
/// Above this, no request fgc serve accepts (32 MiB bodies) is over it.
pub const HIGH: u64 = 10_000_000;

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut seen: Vec<(Span, String)> = Vec::new();
    for view in model.views(cx.opts.profile.as_deref()) {
        for d in findings(&view) {
            let key = (d.span().unwrap_or_default(), d.message.clone());
            if !seen.contains(&key) {
                seen.push(key);
                cx.report(d);
            }
        }
    }
}

fn findings(view: &View<'_>) -> Vec<Diagnostic> {
    let Some(r) = view.routing() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let threshold = r.table.long_context_threshold;
    let long = r.written(crate::routing::Entry::top(Key::LongContext));
    // The span to point at: the threshold as written, else the long_context route.
    let span = r
        .threshold
        .as_ref()
        .map(|t| t.value.span)
        .or(long.map(|l| l.alias.span));
    let named = match r.threshold {
        Some(_) => format!("long_context_threshold {threshold}"),
        None => format!("the default long_context_threshold ({DEFAULT_THRESHOLD})"),
    };
    if let Some(t) = &r.threshold {
        let v = t.value.value;
        let d = if v == 0 {
            Some(
                Diagnostic::new(
                    Code::RoutingThreshold,
                    "long_context_threshold 0: every request is long context",
                )
                .primary(t.value.span, "every request is over 0 tokens")
                .help("set the threshold in tokens (claude-code-router's default is 60000), or route everything with routing.default"),
            )
        } else if v < LOW {
            Some(
                Diagnostic::new(
                    Code::RoutingThreshold,
                    format!("long_context_threshold {v} sends nearly every request to long_context"),
                )
                .with_severity(Severity::Warning)
                .primary(t.value.span, "smaller than almost any request")
                .help("Claude Code's title requests alone are about 1,000 tokens and its main requests about 20,000: set the threshold near the context window of your default model"),
            )
        } else if v > HIGH {
            Some(
                Diagnostic::new(
                    Code::RoutingThreshold,
                    format!("long_context_threshold {v} is never reached"),
                )
                .with_severity(Severity::Warning)
                .primary(t.value.span, "no request fgc serve accepts is this long")
                .help("set the threshold near the context window of your default model"),
            )
        } else {
            None
        };
        if d.is_some() {
            // The context windows below are beside the point then.
            out.extend(d);
            return out;
        }
    }
    let Some(span) = span else {
        return out;
    };
    if !r
        .table
        .reachable()
        .iter()
        .any(|e| e.key == Key::LongContext)
    {
        return out;
    }
    // Context windows the config declares.
    let window = |alias: &str| {
        view.deployments_of(alias)
            .map(|d| d.max_input_tokens)
            .collect::<Option<Vec<u64>>>()
            .and_then(|v| v.into_iter().min())
    };
    for w in &r.routes {
        if w.entry.key == Key::LongContext {
            if let Some(m) = window(&w.alias.value)
                && m <= threshold
            {
                out.push(
                    Diagnostic::new(
                        Code::RoutingThreshold,
                        format!(
                            "`{}` holds at most {m} tokens (model_info.max_input_tokens), but {named} sends it only longer requests",
                            w.alias.value,
                        ),
                    )
                    .with_severity(Severity::Warning)
                    .primary(w.alias.span, "every request routed here is too long for it")
                    .secondary(span, "the threshold")
                    .help("route long contexts to a model with a larger window, or lower the threshold"),
                );
            }
            continue;
        }
        if let Some(m) = window(&w.alias.value)
            && m < threshold
        {
            out.push(
                Diagnostic::new(
                    Code::RoutingThreshold,
                    format!(
                        "{named} is above the context window of `{}` ({m} tokens, model_info.max_input_tokens)",
                        w.alias.value
                    ),
                )
                .with_severity(Severity::Warning)
                .primary(span, "requests up to this many tokens are not long context")
                .secondary(w.alias.span, format!("requests of {m} to {threshold} tokens fail here"))
                .help(format!("set long_context_threshold to {m} or less")),
            );
        }
    }
    out
}
