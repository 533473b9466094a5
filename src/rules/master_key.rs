//! ## What it does
//! Reports a gateway key (`general_settings.master_key`) that is empty or publicly known:
//! `sk-1234`, which LiteLLM itself refuses, and other keys from documentation and examples
//! (`sk-12345`, `sk-my-master-key`, ...). For `os.environ/VAR`, the variable's value is
//! checked when it is set.
//!
//! ## Why it matters
//! LiteLLM (1.108) refuses to start with an empty key or `sk-1234` (it compares the key's
//! SHA-256 with the digests it knows). It accepts the other example keys, but a key from the
//! docs is no protection: anyone who can reach the port can spend your upstream budget.
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

/// Why `key` is no protection, if it is not, and whether LiteLLM refuses to start with it.
pub fn refusal(key: &str) -> Option<(&'static str, bool)> {
    let key = key.trim();
    if key.is_empty() {
        Some(("it is empty", true))
    } else if crate::litellm::vocab::is_publicly_known_master_key(key) {
        Some(("it is a publicly known default key", true))
    } else if KNOWN_EXAMPLE_KEYS.contains(&key) {
        Some(("it is a publicly known example key", false))
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
    if let Some((why, refused)) = refusal(&value) {
        let (verb, label) = if refused {
            ("is refused", "LiteLLM will not start with this key")
        } else {
            (
                "is no protection",
                "anyone who has read the docs can use this key",
            )
        };
        cx.report(
            Diagnostic::new(Code::MasterKey, format!("the gateway master_key{via} {verb}: {why}"))
                .primary(k.span, label)
                .help("generate one: printf 'sk-%s\\n' \"$(openssl rand -hex 24)\", and use os.environ/LITELLM_MASTER_KEY"),
        );
    }
}
