//! `fgc check`: check one or more flowgate.yaml files and report every problem.

use std::io::Write;
use std::path::PathBuf;

use crate::check::check_path;
use crate::commands::{CONFIG_HELP, exit};
use crate::model::checked::Dialect;
use crate::render::{self, Format, Summary};
use crate::rules::{CheckOptions, Secrets};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to check (as pre-commit passes them). Default: --config.
    pub files: Vec<PathBuf>,
    /// The file to check when none are given.
    #[arg(long, short = 'c', value_name = "FILE", long_help = CONFIG_HELP)]
    pub config: Option<PathBuf>,
    /// Check only this profile (and the base settings). Default: all profiles.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Read the files as plain LiteLLM config.yaml files, whatever their top-level keys (by
    /// default a file with `model_list`, `litellm_settings`, `router_settings` or
    /// `general_settings` at the top level, and none of flowgate.yaml's sections, is one).
    #[arg(long)]
    pub litellm: bool,
    /// How many LiteLLM instances run the config behind a load balancer (instead of
    /// `services.litellm.instances`): with more than one, check that they share state.
    #[arg(long, value_name = "N")]
    pub instances: Option<u32>,
}

pub fn run(args: Args) -> u8 {
    let files = if args.files.is_empty() {
        match crate::commands::config(args.config.clone()) {
            Ok(p) => vec![p],
            Err(code) => return code,
        }
    } else {
        args.files.clone()
    };
    let opts = CheckOptions {
        profile: args.profile.clone(),
        secrets: Secrets::Optional,
        dialect: args.litellm.then_some(Dialect::Litellm),
        instances: args.instances,
    };
    let mut summary = Summary::default();
    let mut json = Vec::new();
    let mut io_failed = false;
    let colour = render::stdout_colour();
    let mut out = std::io::stdout().lock();
    for path in &files {
        let loaded = match check_path(path, &opts) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {e}");
                io_failed = true;
                continue;
            }
        };
        summary.add(&loaded.diagnostics);
        let text = match args.format {
            Format::Human => render::human(&loaded.source, &loaded.diagnostics, colour),
            Format::Github => render::github(&loaded.source, &loaded.diagnostics),
            Format::Json => {
                json.extend(render::json_diagnostics(
                    &loaded.source,
                    &loaded.diagnostics,
                ));
                String::new()
            }
        };
        let _ = out.write_all(text.as_bytes());
        // The process is about to exit: freeing a large tree node by node costs time and
        // gains nothing.
        std::mem::forget(loaded);
    }
    match args.format {
        Format::Json => {
            let report = render::JsonReport {
                version: 1,
                diagnostics: json,
                summary,
            };
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        Format::Human | Format::Github => {
            let _ = writeln!(out, "{}", summary.line());
        }
    }
    if io_failed {
        exit::USAGE
    } else if summary.errors > 0 || (args.deny_warnings && summary.warnings > 0) {
        exit::INPUT
    } else {
        exit::OK
    }
}
