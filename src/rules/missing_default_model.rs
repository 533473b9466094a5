//! ## What it does
//! Refuses to emit a client configuration (`fgc emit codex`, `fgc emit claude-code`) when a
//! client setting has no alias: `integration.default_model` is not set and the client's own
//! setting (`integration.codex.model`, `integration.claude_code.model` or a slot) is not
//! either.
//!
//! ## Why it matters
//! Codex's `model` and Claude Code's `ANTHROPIC_MODEL` and `ANTHROPIC_DEFAULT_*_MODEL` must
//! name an alias the gateway serves. Without one, the client asks for its built-in model
//! name (`gpt-5.x`, `claude-sonnet-...`) and the gateway answers 404 model not found. The
//! LiteLLM config does not need it, so `fgc check` does not report it; only emitting a client
//! target does.
//!
//! ## Example
//! ```yaml
//! litellm_base:
//!   model_list:
//!     - {model_name: router-default, litellm_params: {model: openai/gpt-5.2}}
//! integration:
//!   base_url: http://127.0.0.1:4000
//! ```
//! then `fgc emit codex`.
//!
//! ## How to fix
//! Set `integration.default_model` to the alias clients should use (and `fast_model` for
//! Claude Code's haiku slot), or set the client's own model keys.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::span::Span;

/// `client` needs the settings in `missing`; `span` is the `integration` key if present;
/// `names` are some aliases to suggest.
pub fn diagnostic(
    client: &str,
    missing: &[String],
    span: Option<Span>,
    names: &[&str],
) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::MissingDefaultModel,
        format!(
            "{client} needs a model for {} but `integration.default_model` is not set",
            missing.join(", ")
        ),
    );
    if let Some(span) = span {
        d = d.primary(span, "no default_model in this section");
    }
    let help = if names.is_empty() {
        "define an alias in litellm_base.model_list, then set integration.default_model to it"
            .to_string()
    } else {
        format!(
            "set integration.default_model to the alias clients should use (for example: {})",
            names.join(", ")
        )
    };
    d.help(help)
}
