//! ## What it does
//! Reports a value of the wrong type: a list where a mapping is expected, a number where an
//! alias name is expected, and so on.
//!
//! ## Why it matters
//! LiteLLM and the clients would reject the value at start-up or, worse, read it differently.
//! fgc reads YAML as LiteLLM's PyYAML does (YAML 1.1): unquoted `yes`, `no`, `on`, `off` are
//! booleans and `2024-01-01` is a date, so a name written that way must be quoted.
//!
//! ## Example
//! ```yaml
//! profiles:
//!   balanced:
//!     litellm_settings:
//!       fallbacks: {router-default: [router-backup]}   # must be a list of mappings
//! ```
//!
//! ## How to fix
//! Write the value with the type named in the message.
