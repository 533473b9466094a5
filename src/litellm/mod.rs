//! What fgc knows about LiteLLM, generated from LiteLLM's own source: the keys of each config
//! block ([`vocab`]), and how LiteLLM picks a provider for a deployment ([`provider`]) and a
//! deployment for a requested name ([`wildcard`]).
//!
//! The data is `data/litellm-vocab.json`, written by `scripts/litellm-vocab.py` from an
//! installed LiteLLM, and compiled into static tables (`vocab_data.rs`, generated from the
//! JSON and checked by a test), so a lookup costs a binary search and nothing is parsed at
//! start-up.

pub mod provider;
pub mod vocab;
#[rustfmt::skip]
mod vocab_data;
pub mod wildcard;

pub use vocab::{Block, VERSION};
