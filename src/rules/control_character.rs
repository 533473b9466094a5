//! ## What it does
//! Reports a name that holds a control character (a line break, a tab, an escape ...), a
//! Unicode line separator or a byte-order mark: aliases (`model_name`), `model_group_alias`
//! names, profile names, credential names, service names, auth provider names and the Codex
//! `provider_id`.
//!
//! ## Why it matters
//! Names travel: into generated comments and values of shell, dotenv, YAML and TOML files,
//! into the `model` string clients send, into logs. A line break in a name can end a
//! comment early and turn the rest of the name into a line of code in the generated file;
//! no client can type such a name anyway.
//!
//! ## Example
//! ```yaml
//! profiles:
//!   "balanced\nexport X=1":
//!     litellm_settings: {num_retries: 2}
//! ```
//!
//! ## How to fix
//! Rename it without the character (`fgc rename` for an alias).

use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::names::{for_comment, forbidden_char};
use crate::span::Sp;

pub fn check(cx: &mut Ctx) {
    let raw = &cx.model.raw;
    let mut names: Vec<(&str, &Sp<String>)> = Vec::new();
    for dep in cx.model.deployments() {
        names.push(("alias", &dep.model_name));
    }
    for scope in cx.model.scopes() {
        if let (_, Some(rs)) = cx.model.settings(&scope) {
            for name in rs.model_group_alias.iter().flat_map(|m| m.keys()) {
                names.push(("`model_group_alias` name", name));
            }
        }
    }
    for name in raw.profiles.iter().flat_map(|p| p.keys()) {
        names.push(("profile", name));
    }
    let creds = raw.credentials.as_ref().and_then(|c| c.upstream.as_ref());
    for name in creds.iter().flat_map(|c| c.keys()) {
        names.push(("credential", name));
    }
    for name in raw.services.iter().flat_map(|s| s.keys()) {
        names.push(("service", name));
    }
    let providers = raw.auth.as_ref().and_then(|a| a.providers.as_ref());
    for name in providers.iter().flat_map(|p| p.keys()) {
        names.push(("auth provider", name));
    }
    let codex = raw.integration.as_ref().and_then(|i| i.codex.as_ref());
    if let Some(id) = codex.and_then(|c| c.provider_id.as_ref()) {
        names.push(("Codex `provider_id`", id));
    }
    let mut seen = std::collections::HashSet::new();
    for (what, name) in names {
        let Some(c) = forbidden_char(name.as_str()) else {
            continue;
        };
        if !seen.insert(name.span) {
            continue;
        }
        cx.report(
            Diagnostic::new(
                Code::ControlCharacter,
                format!(
                    "the {what} {} holds the character U+{:04X}",
                    for_comment(name.as_str()),
                    c as u32
                ),
            )
            .primary(name.span, "no control characters or line breaks in names")
            .help("rename it without the character"),
        );
    }
}
