//! fgc, the FlowGate config compiler: `flowgate.yaml` as the single source of truth for a
//! local LLM gateway and its clients.
//!
//! See `docs/architecture.md` for the map of modules and how a config flows through them.

pub mod check;
pub mod cli;
pub mod commands;
pub mod config_path;
pub mod diag;
pub mod doctor;
pub mod edit;
pub mod emit;
pub mod include;
pub mod init;
pub mod litellm;
pub mod load;
pub mod model;
pub mod names;
pub mod redirect;
pub mod rename;
pub mod render;
pub mod routing;
pub mod rules;
pub mod run;
pub mod schema;
pub mod secrets;
pub mod serve;
pub mod source;
pub mod span;
pub mod translate;
pub mod usage;
pub mod write;
pub mod yaml;
