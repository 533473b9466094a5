//! ## What it does
//! Reports a key written twice in one mapping.
//!
//! ## Why it matters
//! YAML forbids duplicate keys, but most parsers silently keep one of the values (LiteLLM's
//! keeps the last). Two `fallbacks:` under one profile means one of them is ignored.
//!
//! ## Example
//! ```yaml
//! litellm_settings:
//!   fallbacks: [{router-default: [router-backup]}]
//!   fallbacks: [{router-default: [router-cheap]}]
//! ```
//!
//! ## How to fix
//! Merge the two entries into one, or delete the one you do not mean.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::yaml::DuplicateKey;

pub fn diagnostic(d: &DuplicateKey) -> Diagnostic {
    Diagnostic::new(Code::DuplicateKey, format!("duplicate key `{}`", d.key))
        .primary(d.second, "written again here")
        .secondary(d.first, "first written here")
        .help("keep one of the two; YAML parsers silently drop the other")
}
