//! Command-line interface: argument parsing. Each subcommand lives in `commands/`, which
//! also maps results to exit codes.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(
    name = "fgc",
    version,
    about = "The FlowGate config compiler: flowgate.yaml as the single source of truth for a local LLM gateway"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check flowgate.yaml files: structure, alias references, secrets, client settings.
    Check(commands::check::Args),
    /// Generate the LiteLLM config, Codex config.toml or Claude Code settings from flowgate.yaml.
    Emit(commands::emit::Args),
    /// Explain a diagnostic code (or list them all).
    Explain(commands::explain::Args),
    /// Print the JSON Schema of flowgate.yaml.
    Schema(commands::schema::Args),
    /// Rename an alias everywhere it is referenced (dry run unless --write).
    Rename(commands::rename::Args),
    /// Map standard model names to each upstream's own model ids (dry run unless --write).
    Redirect(commands::redirect::Args),
    /// Run the built-in forwarding gateway on the checked configuration.
    Serve(commands::serve::Args),
    /// Check a running setup end to end: config, ports, gateway, upstreams, clients, secrets.
    Doctor(commands::doctor::Args),
    /// Usage figures from the store `fgc serve` writes (works with the gateway stopped);
    /// `import` reads JSON-lines logs into it.
    Usage(commands::usage::Args),
    /// Write a small, commented flowgate.yaml that passes `fgc check` (never over a file
    /// without --force, never with a secret in it).
    Init(commands::init::Args),
    /// Start a client (claude, codex) on the gateway for one run: the running gateway, or
    /// `fgc serve` started for the run; no file of yours touched.
    Run(commands::run::Args),
}

pub fn main() -> ExitCode {
    // The matches too: `fgc init` pairs each --model with the --upstream before it.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let code = match cli.command {
        Command::Check(a) => commands::check::run(a),
        Command::Emit(a) => commands::emit::run(a),
        Command::Explain(a) => commands::explain::run(a),
        Command::Schema(a) => commands::schema::run(a),
        Command::Rename(a) => commands::rename::run(a),
        Command::Redirect(a) => commands::redirect::run(a),
        Command::Serve(a) => commands::serve::run(a),
        Command::Doctor(a) => commands::doctor::run(a),
        Command::Usage(a) => commands::usage::run(a),
        Command::Init(a) => commands::init::run(a, matches.subcommand_matches("init")),
        Command::Run(a) => commands::run::run(a),
    };
    ExitCode::from(code)
}
