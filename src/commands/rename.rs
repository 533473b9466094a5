//! `fgc rename OLD NEW`: rename an alias in flowgate.yaml (and client files), dry run by
//! default. See docs/rename.md.

use std::io::Write;
use std::path::PathBuf;

use crate::commands::{CONFIG_HELP, exit};
use crate::rename::more_clients::Kind;
use crate::rename::{self, FileKind, Request};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The alias to rename (a `model_list[].model_name`).
    pub old: String,
    /// The new name.
    pub new: String,
    /// The flowgate.yaml (or plain LiteLLM config.yaml) to change.
    #[arg(long, short = 'c', value_name = "FILE", long_help = CONFIG_HELP)]
    pub config: Option<PathBuf>,
    /// Read --config as a plain LiteLLM config.yaml, whatever its top-level keys.
    #[arg(long)]
    pub litellm: bool,
    /// A Codex config.toml or profile file whose top-level `model` to rename (repeatable).
    #[arg(long, value_name = "PATH")]
    pub codex: Vec<PathBuf>,
    /// A Claude Code settings.json whose model settings to rename (repeatable).
    #[arg(long, value_name = "PATH")]
    pub claude: Vec<PathBuf>,
    /// An opencode.json whose gateway provider's models to rename (repeatable).
    #[arg(long, value_name = "PATH")]
    pub opencode: Vec<PathBuf>,
    /// A Qwen Code settings.json whose gateway entries and model to rename (repeatable).
    #[arg(long, value_name = "PATH")]
    pub qwen: Vec<PathBuf>,
    /// An .aider.conf.yml or .aider.model.metadata.json to rename in (repeatable).
    #[arg(long, value_name = "PATH")]
    pub aider: Vec<PathBuf>,
    /// A Continue config.yaml whose gateway models to rename (repeatable).
    #[arg(long = "continue", value_name = "PATH")]
    pub continue_cli: Vec<PathBuf>,
    /// Write the changes (all files or none). Without it, print the diff only.
    #[arg(long)]
    pub write: bool,
}

pub fn run(args: Args) -> u8 {
    let config = match crate::commands::config(args.config) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let req = Request {
        config,
        old: args.old,
        new: args.new,
        codex: args.codex,
        claude: args.claude,
        clients: [
            (Kind::Opencode, args.opencode),
            (Kind::Qwen, args.qwen),
            (Kind::Aider, args.aider),
            (Kind::Continue, args.continue_cli),
        ]
        .into_iter()
        .flat_map(|(k, paths)| paths.into_iter().map(move |p| (k, p)))
        .collect(),
        dialect: args
            .litellm
            .then_some(crate::model::checked::Dialect::Litellm),
    };
    let plan = match rename::plan(&req) {
        Ok(p) => p,
        Err(e) => return refuse(&e),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(plan.diff(render::stdout_colour()).as_bytes());
    let mut err = std::io::stderr().lock();
    for f in &plan.files {
        for note in &f.notes {
            let _ = writeln!(err, "note: {}: {note}", f.name);
        }
    }
    let changed = plan.files.iter().filter(|f| f.changed()).count();
    let verb = if args.write {
        "renamed"
    } else {
        "would rename"
    };
    for f in &plan.files {
        let kind = match f.kind {
            FileKind::Config => "config",
            FileKind::Codex => "codex",
            FileKind::Claude => "claude",
            FileKind::Client(Kind::Opencode) => "opencode",
            FileKind::Client(Kind::Qwen) => "qwen",
            FileKind::Client(Kind::Aider) => "aider",
            FileKind::Client(Kind::Continue) => "continue",
        };
        let _ = writeln!(err, "{kind} {}: {}", f.name, f.summary);
    }
    if args.write {
        if let Err(e) = plan.write() {
            return refuse(&e);
        }
        let _ = writeln!(
            err,
            "{verb} `{}` to `{}` in {changed} file(s)",
            req.old, req.new
        );
    } else {
        let _ = writeln!(
            err,
            "{verb} `{}` to `{}` in {changed} file(s); dry run, run again with --write to apply",
            req.old, req.new
        );
    }
    exit::OK
}

fn refuse(e: &rename::RenameError) -> u8 {
    let code = match e.kind() {
        rename::ErrorKind::Io => exit::USAGE,
        rename::ErrorKind::Input => exit::INPUT,
    };
    super::refuse(e, e.check_report(), code)
}
