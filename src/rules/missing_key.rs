//! ## What it does
//! Reports a required key that is missing, such as `model_name` or `litellm_params` in a
//! `model_list` entry.
//!
//! ## Why it matters
//! LiteLLM refuses or misroutes a deployment without them.
//!
//! ## Example
//! ```yaml
//! model_list:
//!   - litellm_params: {model: openai/gpt-5.2}
//! ```
//!
//! ## How to fix
//! Add the key named in the message.
