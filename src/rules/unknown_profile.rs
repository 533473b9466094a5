//! ## What it does
//! Reports a profile name that does not exist: `--profile NAME` on the command line, or
//! `default_profile` in the file.
//!
//! ## Why it matters
//! Emitting or serving an unknown profile would silently run the base settings without the
//! fallbacks and routing the profile was meant to add.
//!
//! ## Example
//! ```yaml
//! default_profile: balance     # the profile is called `balanced`
//! profiles:
//!   balanced: {litellm_settings: {num_retries: 2}}
//! ```
//!
//! ## How to fix
//! Use one of the profiles the help lists, or add the profile under `profiles`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::{Diagnostic, did_you_mean};

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    let names = model.profile_names();
    let listing = if names.is_empty() {
        "the file defines no profiles".to_string()
    } else {
        format!("profiles: {}", names.join(", "))
    };
    if let Some(dp) = &model.raw.default_profile
        && !model.profiles.contains_key(dp.as_str())
    {
        let help = match did_you_mean(dp.as_str(), names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? ({listing})"),
            None => listing.clone(),
        };
        cx.report(
            Diagnostic::new(
                Code::UnknownProfile,
                format!("default_profile `{dp}` is not a profile"),
            )
            .primary(dp.span, "no profile has this name")
            .help(help),
        );
    }
    if let Some(sel) = cx.opts.profile.clone()
        && !model.profiles.contains_key(&sel)
    {
        let help = match did_you_mean(&sel, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? ({listing})"),
            None => listing,
        };
        let span = cx.section_span("profiles");
        let mut d = Diagnostic::new(
            Code::UnknownProfile,
            format!("--profile `{sel}` is not a profile in this file"),
        )
        .help(help);
        if model.raw.profiles.is_some() {
            d = d.primary(span, "profiles are defined here");
        }
        cx.report(d);
    }
}
