//! ## What it does
//! Reports a gateway key (`general_settings.master_key`) that LiteLLM refuses: empty, or a
//! publicly known example key such as `sk-1234`. For
//! `os.environ/VAR`, the variable's value is checked when it is set.
//!
//! ## Why it matters
//! Current LiteLLM (1.106) refuses to start with such a key, and a key from the docs is no
//! protection: anyone who can reach the port can spend your upstream budget.
//!
//! ## Example
//! ```yaml
//! general_settings:
//!   master_key: sk-1234
//! ```
//!
//! ## How to fix
//! Generate a key (`printf 'sk-%s\n' "$(openssl rand -hex 24)"`), keep it in an environment
//! variable and write `master_key: os.environ/LITELLM_MASTER_KEY`.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::secrets::{SecretSource, SecretState, env_reference, inspect};

/// Keys from documentation and examples that must never guard a gateway.
pub const KNOWN_EXAMPLE_KEYS: [&str; 6] = [
    "sk-1234",
    "sk-12345",
    "sk-123456",
    "sk-xxx",
    "sk-my-master-key",
    "sk-master-key",
];

/// Why LiteLLM would refuse `key`, if it would.
pub fn refusal(key: &str) -> Option<&'static str> {
    let key = key.trim();
    if key.is_empty() {
        Some("it is empty")
    } else if KNOWN_EXAMPLE_KEYS.contains(&key) {
        Some("it is a publicly known example key")
    } else {
        None
    }
}

pub fn check(cx: &mut Ctx) {
    let Some(k) = cx
        .model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref())
    else {
        return;
    };
    let (value, via) = match env_reference(k.as_str()) {
        Some(var) => match inspect(&SecretSource::Env(var.to_string())) {
            SecretState::Present(v) => (v, format!(" (the value of {var})")),
            _ => return, // absence is `missing-secret`'s to report
        },
        None => (k.value.clone(), String::new()),
    };
    if let Some(why) = refusal(&value) {
        cx.report(
            Diagnostic::new(Code::MasterKey, format!("the gateway master_key{via} is refused: {why}"))
                .primary(k.span, "LiteLLM will not start with this key")
                .help("generate one: printf 'sk-%s\\n' \"$(openssl rand -hex 24)\", and use os.environ/LITELLM_MASTER_KEY"),
        );
    }
}
