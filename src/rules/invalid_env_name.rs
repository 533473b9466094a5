//! ## What it does
//! Reports an environment-variable name in the client settings that is not an identifier
//! (`[A-Za-z_][A-Za-z0-9_]*`): the `os.environ/NAME` of `integration.claude_code.auth_token`,
//! and the `env_key` of `integration.codex`, `opencode`, `qwen_code` and `continue`. (The same
//! names in `litellm_params`, `master_key` and credentials are checked by
//! `env-reference-syntax` and `invalid-credential`.)
//!
//! ## Why it matters
//! fgc writes these names into shell and dotenv files (`export ANTHROPIC_AUTH_TOKEN="${NAME}"`)
//! and into the clients' files (Codex's `env_key`, opencode's `{env:NAME}`, Continue's
//! `${{ secrets.NAME }}`, Qwen Code's `envKey`). A name that is not an identifier is never a
//! variable a shell or a client can read, one holding `}` ends opencode's or Continue's
//! template early, and one holding quotes or `;` would turn a generated shell line into a
//! command when the file is sourced or `eval`ed.
//!
//! ## Example
//! ```yaml
//! integration:
//!   claude_code:
//!     auth_token: os.environ/GATEWAY-TOKEN
//! ```
//!
//! ## How to fix
//! Name a real variable: letters, digits and `_`, not starting with a digit
//! (`os.environ/GATEWAY_TOKEN`).

use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::names::is_env_name;
use crate::secrets::env_reference;

pub fn check(cx: &mut Ctx) {
    let Some(int) = cx.model.raw.integration.as_ref() else {
        return;
    };
    let mut bad = Vec::new();
    if let Some(t) = int.claude_code.as_ref().and_then(|c| c.auth_token.as_ref())
        && let Some(var) = env_reference(t.as_str())
        && !is_env_name(var)
    {
        bad.push(("integration.claude_code.auth_token", t));
    }
    // The plain variable names of the client settings.
    let plain = [
        (
            "integration.codex.env_key",
            int.codex.as_ref().and_then(|c| c.env_key.as_ref()),
        ),
        (
            "integration.opencode.env_key",
            int.opencode.as_ref().and_then(|c| c.env_key.as_ref()),
        ),
        (
            "integration.qwen_code.env_key",
            int.qwen_code.as_ref().and_then(|c| c.env_key.as_ref()),
        ),
        (
            "integration.continue.env_key",
            int.continue_cli.as_ref().and_then(|c| c.env_key.as_ref()),
        ),
    ];
    for (key, v) in plain {
        if let Some(k) = v
            && !is_env_name(k.as_str())
        {
            bad.push((key, k));
        }
    }
    for (key, v) in bad {
        let name = env_reference(v.as_str()).unwrap_or(v.as_str());
        cx.report(
            Diagnostic::new(
                Code::InvalidEnvName,
                format!(
                    "`{key}` names the environment variable `{}`, which is not a variable name",
                    crate::names::for_comment(name)
                ),
            )
            .primary(v.span, "letters, digits and `_`, not starting with a digit")
            .help("name a real environment variable, for example `GATEWAY_TOKEN`"),
        );
    }
}
