//! `fgc serve`: run the built-in forwarding gateway on the checked configuration.

use std::path::PathBuf;
use std::time::Duration;

use crate::commands::{CONFIG_HELP, exit};
use crate::serve::{self, Options, StartError, state::LoadError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The flowgate.yaml to serve.
    #[arg(long, short = 'c', value_name = "FILE", long_help = CONFIG_HELP)]
    pub config: Option<PathBuf>,
    /// The profile whose settings (fallbacks, retries) apply. Default: `default_profile`.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: Option<String>,
    /// Address to listen on. Default: `services.litellm.host`, else 127.0.0.1.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Port to listen on. Default: `services.litellm.port`, else 4000.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Also append one JSON line per request here (an export: the usage store is the record
    /// `fgc usage` and the dashboard read).
    #[arg(long, value_name = "PATH", conflicts_with = "no_usage_log")]
    pub usage_log: Option<PathBuf>,
    /// Record no usage at all: no store, no JSON lines.
    #[arg(long)]
    pub no_usage_log: bool,
    /// The usage store (SQLite). Default: $XDG_STATE_HOME/fgc/usage.db
    /// (~/.local/state/fgc/usage.db).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["no_usage_db", "no_usage_log"])]
    pub usage_db: Option<PathBuf>,
    /// Keep no usage store (`--usage-log` still writes JSON lines).
    #[arg(long)]
    pub no_usage_db: bool,
    /// Largest request body accepted (413 above).
    #[arg(long, value_name = "BYTES", default_value_t = serve::DEFAULT_MAX_BODY)]
    pub max_body_bytes: usize,
    /// Seconds requests in flight may take to finish after SIGINT/SIGTERM.
    #[arg(long, value_name = "SECONDS", default_value_t = serve::DEFAULT_DRAIN.as_secs_f64())]
    pub drain_timeout: f64,
    /// Worker threads of the runtime (default: one per CPU).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Log level (`error`, `warn`, `info`, `debug`, `trace`); RUST_LOG wins when set.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    pub log_level: String,
}

pub fn run(args: Args) -> u8 {
    let config = match crate::commands::config(args.config.clone()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    init_tracing(&args.log_level);
    let usage_log = if args.no_usage_log {
        None
    } else {
        args.usage_log.clone()
    };
    let usage_db = if args.no_usage_log || args.no_usage_db {
        None
    } else {
        args.usage_db.clone().or_else(crate::usage::default_db_path)
    };
    let mut opts = Options::new(&config);
    opts.profile = args.profile.clone();
    opts.host = args.host.clone();
    opts.port = args.port;
    opts.usage_log = usage_log.clone();
    opts.usage_db = usage_db.clone();
    opts.max_body = args.max_body_bytes;
    opts.drain = Duration::from_secs_f64(args.drain_timeout.max(0.0));
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return exit::USAGE;
        }
    };
    rt.block_on(async move {
        let bound = match serve::bind(&opts).await {
            Ok(b) => b,
            Err(StartError::Load(LoadError::Invalid { rendered, summary })) => {
                eprint!("{rendered}");
                eprintln!("error: {summary}");
                return exit::INPUT;
            }
            Err(StartError::Load(LoadError::Read(e)))
            | Err(StartError::Load(LoadError::Usage(e)))
            | Err(StartError::Usage(e)) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
        if !bound.warnings.is_empty() {
            eprint!("{}", bound.warnings);
        }
        let snap = bound.state.snapshot();
        tracing::info!(
            "listening on http://{} ({} aliases, profile {}, gateway key {}, usage store {}, usage log {}); dashboard at /ui",
            bound.addr,
            snap.aliases.len(),
            snap.profile.as_deref().unwrap_or("none"),
            if snap.master_key.is_some() {
                "required"
            } else {
                "not set: loopback only"
            },
            usage_db
                .as_ref()
                .map_or("off".to_string(), |p| p.display().to_string()),
            usage_log
                .as_ref()
                .map_or("off".to_string(), |p| p.display().to_string()),
        );
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let state = std::sync::Arc::clone(&bound.state);
        tokio::spawn(serve::signals::handle(
            std::sync::Arc::clone(&state),
            stop_tx,
        ));
        let result = serve::serve(bound, stop_rx, opts.drain).await;
        // Records of requests that finished while draining must reach the file.
        state.usage.flush(Duration::from_secs(2));
        match result {
            Ok(()) => {
                tracing::info!("stopped");
                exit::OK
            }
            Err(e) => {
                eprintln!("error: the server failed: {e}");
                exit::USAGE
            }
        }
    })
}

fn init_tracing(level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .with_target(false)
        .try_init();
}
