//! ## What it does
//! Reports a value of the wrong type: a list where a mapping is expected, a number where an
//! alias name is expected, and so on.
//!
//! ## Why it matters
//! LiteLLM and the clients would reject the value at start-up or, worse, read it differently.
//! fgc reads YAML 1.2: only `true`/`false` are booleans, so `no` or `on` stay strings.
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
