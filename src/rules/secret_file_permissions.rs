//! ## What it does
//! Reports a secret file that group or other users can read or write (any bit of `0o077`).
//!
//! ## Why it matters
//! Upstream keys cost money and identify you. A key file with mode 0644 can be read by every
//! account and service on the machine. FlowGate's `status` counts these as
//! `secret_permission_issues`.
//!
//! ## Example
//! ```text
//! -rw-r--r--  .router/secrets/upstream_cliproxyapi_api_key
//! ```
//!
//! ## How to fix
//! `chmod 600 PATH` (the help names the file).

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::secrets::{SecretSource, SecretState};

pub fn check(cx: &mut Ctx) {
    let found = cx.secrets();
    for (site, state) in found.iter() {
        let SecretSource::File(path) = &site.source else {
            continue;
        };
        if let SecretState::TooOpen { mode, .. } = state {
            cx.report(
                Diagnostic::new(
                    Code::SecretFilePermissions,
                    format!(
                        "secret file {} has mode {mode:04o}: readable beyond its owner",
                        path.display()
                    ),
                )
                .primary(site.span, format!("{} is kept here", site.what))
                .help(format!("chmod 600 {}", path.display())),
            );
        }
    }
}
