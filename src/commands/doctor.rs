//! `fgc doctor`: check a running setup end to end (config, ports, gateway, upstreams, client
//! files, secrets). Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2 on
//! a usage or I/O error.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::commands::{CONFIG_HELP, exit};
use crate::doctor::{self, Env, Options, render};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per check, marked ✓, ⚠, ✗ (or - when not checked), with the fix below.
    Human,
    /// The report as JSON (versioned; see docs/doctor.md).
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The flowgate.yaml the setup runs.
    #[arg(long, short = 'c', value_name = "FILE", long_help = CONFIG_HELP)]
    pub config: Option<PathBuf>,
    /// The profile the gateway runs. Default: `default_profile`, else the only profile.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: Option<String>,
    /// Check the gateway at this root (default: the root flowgate.yaml gives the clients).
    #[arg(long, value_name = "URL")]
    pub gateway: Option<String>,
    /// Codex's config.toml (or a profile file). Default: $CODEX_HOME/config.toml.
    #[arg(long, value_name = "PATH")]
    pub codex: Option<PathBuf>,
    /// Claude Code's user settings.json. Default: ~/.claude/settings.json.
    #[arg(long, value_name = "PATH")]
    pub claude: Option<PathBuf>,
    /// opencode's opencode.json. Default: ~/.config/opencode/opencode.json.
    #[arg(long, value_name = "PATH")]
    pub opencode: Option<PathBuf>,
    /// Qwen Code's settings.json. Default: ~/.qwen/settings.json.
    #[arg(long, value_name = "PATH")]
    pub qwen: Option<PathBuf>,
    /// Aider's .aider.conf.yml. Default: ~/.aider.conf.yml.
    #[arg(long, value_name = "PATH")]
    pub aider: Option<PathBuf>,
    /// The Continue CLI's config.yaml. Default: ~/.continue/config.yaml.
    #[arg(long = "continue", value_name = "PATH")]
    pub continue_cli: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Run only the checks that need no network (config, ports from /proc, clients, secrets).
    #[arg(long)]
    pub offline: bool,
    /// Also send each alias a minimal chat request through the gateway (spends tokens).
    #[arg(long, conflicts_with = "offline")]
    pub probe_models: bool,
    /// Seconds each network step may take.
    #[arg(long, value_name = "SECONDS", default_value_t = doctor::DEFAULT_TIMEOUT.as_secs_f64())]
    pub timeout: f64,
    /// Seconds each --probe-models request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = doctor::DEFAULT_PROBE_TIMEOUT.as_secs_f64())]
    pub probe_timeout: f64,
}

fn duration(s: f64, flag: &str) -> Result<Duration, String> {
    if s.is_finite() && s > 0.0 && s <= 3600.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(format!("{flag} takes seconds between 0 and 3600, not {s}"))
    }
}

pub fn run(args: Args) -> u8 {
    let timeouts = duration(args.timeout, "--timeout")
        .and_then(|t| Ok((t, duration(args.probe_timeout, "--probe-timeout")?)));
    let (timeout, probe_timeout) = match timeouts {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let config = match crate::commands::config(args.config.clone()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut opts = Options::new(config);
    opts.profile = args.profile.clone();
    opts.gateway = args.gateway.clone();
    opts.offline = args.offline;
    opts.probe_models = args.probe_models;
    opts.timeout = timeout;
    opts.probe_timeout = probe_timeout;
    opts.env = Env::from_process();
    opts.cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    for (id, path) in [
        ("codex", &args.codex),
        ("claude-code", &args.claude),
        ("opencode", &args.opencode),
        ("qwen-code", &args.qwen),
        ("aider", &args.aider),
        ("continue", &args.continue_cli),
    ] {
        if let Some(p) = path {
            opts.client_files.push((id.to_string(), p.clone()));
        }
    }
    let report = match doctor::run(&opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let text = match args.format {
        Format::Human => render::human(&report, crate::render::stdout_colour()),
        Format::Json => render::json(&report) + "\n",
    };
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return exit::USAGE;
    }
    if report.failed() {
        exit::INPUT
    } else {
        exit::OK
    }
}
