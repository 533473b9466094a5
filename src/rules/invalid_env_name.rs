//! ## What it does
//! Reports an environment-variable name in the client settings that is not an identifier
//! (`[A-Za-z_][A-Za-z0-9_]*`): the `os.environ/NAME` of `integration.claude_code.auth_token`
//! and `integration.codex.env_key`. (The same names in `litellm_params`, `master_key` and
//! credentials are checked by `env-reference-syntax` and `invalid-credential`.)
//!
//! ## Why it matters
//! fgc writes these names into shell and dotenv files (`export ANTHROPIC_AUTH_TOKEN="${NAME}"`)
//! and into Codex's `config.toml`. A name that is not an identifier is never a variable a
//! shell or Codex can read, and one holding quotes or `;` would turn the generated line into
//! a command when the file is sourced or `eval`ed.
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
    if let Some(k) = int.codex.as_ref().and_then(|c| c.env_key.as_ref())
        && !is_env_name(k.as_str())
    {
        bad.push(("integration.codex.env_key", k));
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
