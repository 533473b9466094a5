//! One integration-test binary (one link on 2 cores), a module per area.

mod common;

mod check;
mod config_path;
mod docs;
mod doctor;
mod emit;
mod generated;
mod hostile;
mod init;
mod injection;
mod litellm_config;
mod redirect;
mod rename;
mod run;
mod serve;
mod serve_hostile;
mod serve_routing;
mod serve_translate;
mod translate;
mod usage;
mod yaml;
