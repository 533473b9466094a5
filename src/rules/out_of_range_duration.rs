//! ## What it does
//! Reports a duration in seconds that is not a usable number: infinite (`.inf`), not a
//! number (`.nan`), negative, or longer than a year. Checked in `litellm_params.timeout`,
//! `stream_timeout` and `cooldown_time`, and in the `timeout`, `request_timeout`,
//! `stream_timeout`, `cooldown_time` and `retry_after` settings in effect for each profile.
//!
//! ## Why it matters
//! Such a value is a typing mistake (`1.0e+20` for `120`). LiteLLM waits "forever" or fails
//! each request at once, and a timer set that far ahead overflows the clock: `fgc serve`
//! would have nothing sensible to wait for.
//!
//! ## Example
//! ```yaml
//! litellm_params:
//!   model: openai/gpt-5
//!   timeout: 1.0e+20
//! ```
//!
//! ## How to fix
//! Write the number of seconds you mean, at most 31536000 (a year); leave the key out for
//! the default.

use std::collections::HashSet;

use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::model::duration::seconds;
use crate::model::view::Setting;
use crate::span::Span;

pub fn check(cx: &mut Ctx) {
    let mut found: Vec<(String, f64, Span)> = Vec::new();
    for dep in cx.model.deployments() {
        let p = &dep.litellm_params;
        let alias = &dep.model_name;
        for (key, v) in [
            ("timeout", &p.timeout),
            ("stream_timeout", &p.stream_timeout),
            ("cooldown_time", &p.cooldown_time),
        ] {
            if let Some(v) = v {
                found.push((format!("`{key}` of `{alias}`"), v.value, v.span));
            }
        }
    }
    // The settings in effect for each profile checked, from the profile's view (which
    // decides which block and layer each comes from).
    for view in cx.model.views(cx.opts.profile.as_deref()) {
        let s = &view.settings;
        let settings: [(&str, &Option<Setting<f64>>); 5] = [
            ("timeout", &s.timeout),
            ("request_timeout", &s.request_timeout),
            ("stream_timeout", &s.stream_timeout),
            ("cooldown_time", &s.cooldown_time),
            ("retry_after", &s.retry_after),
        ];
        for (key, v) in settings {
            if let Some(v) = v {
                let at = format!(
                    "`{}.{key}` ({})",
                    v.origin.block.key(),
                    v.origin.scope.describe()
                );
                found.push((at, v.value, v.origin.key));
            }
        }
    }
    let mut seen = HashSet::new();
    for (what, value, span) in found {
        if !seen.insert(span) {
            continue;
        }
        if let Err(e) = seconds(value) {
            cx.report(
                Diagnostic::new(Code::OutOfRangeDuration, format!("{what}: {e}"))
                    .primary(span, "not a usable number of seconds")
                    .help("write the number of seconds you mean (at most 31536000, a year), or leave the key out for the default"),
            );
        }
    }
}
