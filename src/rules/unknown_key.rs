//! ## What it does
//! Reports a key fgc does not know in one of fgc's own sections (`credentials`, `integration`,
//! `services`, `profiles.NAME`, a `model_list` entry, ...), with the closest known key.
//!
//! Inside LiteLLM's blocks (`litellm_params`, `litellm_settings`, `router_settings`,
//! `general_settings`) unknown keys are passed through, because LiteLLM has many; the
//! known-dangerous ones are caught by `misplaced-setting`.
//!
//! ## Why it matters
//! A misspelt key (`default-model`, `fast_modle`) is otherwise ignored, and the setting
//! silently falls back to its default.
//!
//! ## Example
//! ```yaml
//! integration:
//!   default-model: router-default
//! ```
//!
//! ## How to fix
//! Use the key the help suggests, or remove the key. `fgc schema` prints every allowed key.
