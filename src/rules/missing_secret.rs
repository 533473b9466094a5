//! ## What it does
//! Reports a secret that is absent: a credential file that does not exist (resolved relative
//! to the folder of flowgate.yaml), or an environment variable that is not set, whether named
//! by a credential's `env`, an `api_key: os.environ/VAR` or `master_key: os.environ/VAR`.
//!
//! A warning in `fgc check`, which runs in pre-commit and CI where secrets are usually
//! absent; an error in commands that need the secret (`fgc emit` to a file, `fgc serve`).
//!
//! ## Why it matters
//! LiteLLM resolves an unset `os.environ/VAR` to nothing and sends requests without a key:
//! the upstream answers 401 at request time, not at start-up.
//!
//! ## Example
//! ```yaml
//! credentials:
//!   upstream:
//!     cliproxy_default: {file: ../.router/secrets/upstream_cliproxyapi_api_key}
//! ```
//! with no such file next to the config.
//!
//! ## How to fix
//! Create the file with mode 0600
//! (`printf '%s\n' "$KEY" > PATH && chmod 600 PATH`), or export the variable.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::secrets::{self, SecretSource, SecretState};

/// Other places labelled in one report.
const MAX_LABELS: usize = 4;

pub fn check(cx: &mut Ctx) {
    let found = cx.secrets();
    // One report per source, with every other place that needs it as a secondary label.
    let mut by_source: indexmap::IndexMap<&SecretSource, Vec<&secrets::SecretSite>> =
        indexmap::IndexMap::new();
    let mut states = std::collections::HashMap::new();
    for (site, state) in found.iter() {
        by_source.entry(&site.source).or_default().push(site);
        states.insert(&site.source, state);
    }
    for (_, group) in by_source {
        let site = group[0];
        let msg = match (states[&site.source], &site.source) {
            (SecretState::Missing, SecretSource::File(p)) => {
                format!("secret file for {} not found: {}", site.what, p.display())
            }
            (SecretState::Missing, SecretSource::Env(v)) => {
                format!("environment variable `{v}` for {} is not set", site.what)
            }
            (SecretState::Unreadable(e), src) => {
                format!("cannot read the {} for {}: {e}", src.describe(), site.what)
            }
            _ => continue,
        };
        let help = match &site.source {
            SecretSource::File(p) => format!(
                "create it: printf '%s\\n' \"$KEY\" > {0} && chmod 600 {0}",
                p.display()
            ),
            SecretSource::Env(v) => format!("export {v}=... before running the gateway"),
        };
        let sev = cx.secret_severity();
        let mut d = Diagnostic::new(Code::MissingSecret, msg)
            .with_severity(sev)
            .primary(site.span, "named here");
        for other in group.iter().skip(1).take(MAX_LABELS) {
            d = d.secondary(other.span, format!("also needed by {}", other.what));
        }
        if group.len() > MAX_LABELS + 1 {
            d.message
                .push_str(&format!(" (needed in {} places)", group.len()));
        }
        cx.report(d.help(help));
    }
}
