//! `fgc serve`: run the built-in forwarding gateway on the checked configuration.

use std::path::PathBuf;
use std::time::Duration;

use crate::commands::{CONFIG_HELP, exit};
use crate::serve::{self, Limits, Options, StartError, state::LoadError};

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
    /// Rotate the usage log when it would grow past this many bytes.
    #[arg(long, value_name = "BYTES", default_value = "67108864", value_parser = bytes(4096, 1 << 40))]
    pub usage_log_max_bytes: u64,
    /// Rotated usage logs kept (PATH.1 is the newest).
    #[arg(long, value_name = "N", default_value = "5", value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub usage_log_keep: u32,
    /// Largest request body accepted (413 above).
    #[arg(long, value_name = "BYTES", default_value = "33554432", value_parser = bytes(1024, 1 << 30))]
    pub max_body_bytes: u64,
    /// Connections open at once; past it a new one replaces the one idle longest.
    #[arg(long, value_name = "N", default_value = "512", value_parser = bytes(1, 1_000_000))]
    pub max_connections: u64,
    /// Seconds from the first byte of a request to the end of its head.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds(0.1, 3600.0))]
    pub header_timeout: Duration,
    /// Seconds from the end of a request head to the end of its body (408 after).
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = seconds(0.1, 3600.0))]
    pub body_timeout: Duration,
    /// Seconds a connection may stay open with no request in flight.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = seconds(0.1, 86400.0))]
    pub idle_timeout: Duration,
    /// Largest non-streaming upstream answer read (502 above).
    #[arg(long, value_name = "BYTES", default_value = "16777216", value_parser = bytes(1024, 1 << 30))]
    pub max_upstream_body_bytes: u64,
    /// Largest part of an upstream error body read.
    #[arg(long, value_name = "BYTES", default_value = "65536", value_parser = bytes(1024, 16 << 20))]
    pub max_error_body_bytes: u64,
    /// Longest unfinished server-sent event held from an upstream stream (an error event
    /// ends the stream above).
    #[arg(long, value_name = "BYTES", default_value = "8388608", value_parser = bytes(1024, 1 << 30))]
    pub max_sse_event_bytes: u64,
    /// Seconds requests in flight may take to finish after SIGINT/SIGTERM.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds(0.0, 3600.0))]
    pub drain_timeout: Duration,
    /// Worker threads of the runtime (default: one per CPU).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Log level (`error`, `warn`, `info`, `debug`, `trace`); RUST_LOG wins when set.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    pub log_level: String,
}

/// A number of seconds from `min` to `max` (a clap value parser: outside, or not a finite
/// number, is a usage error).
fn seconds(min: f64, max: f64) -> impl Fn(&str) -> Result<Duration, String> + Clone + Send + Sync {
    move |s: &str| {
        let v: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a number of seconds"))?;
        if !(min..=max).contains(&v) {
            return Err(format!("must be a number of seconds from {min} to {max}"));
        }
        crate::model::duration::seconds(v).map_err(|e| e.to_string())
    }
}

/// A whole number from `min` to `max`.
fn bytes(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |s: &str| {
        let v: u64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a whole number"))?;
        if !(min..=max).contains(&v) {
            return Err(format!("must be from {min} to {max}"));
        }
        Ok(v)
    }
}

impl Args {
    /// The server's limits from the flags.
    pub fn limits(&self) -> Limits {
        Limits {
            max_body: self.max_body_bytes as usize,
            max_connections: self.max_connections as usize,
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            idle_timeout: self.idle_timeout,
            max_upstream_body: self.max_upstream_body_bytes as usize,
            max_error_body: self.max_error_body_bytes as usize,
            max_sse_event: self.max_sse_event_bytes as usize,
            usage_max_bytes: self.usage_log_max_bytes,
            usage_keep: self.usage_log_keep,
            drain: self.drain_timeout,
        }
    }
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
    opts.limits = args.limits();
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        rt.worker_threads(usize::from(n));
    }
    let rt = match rt.enable_all().build() {
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
        serve::serve(bound, stop_rx).await;
        // Records of requests that finished (or were cut) while draining must reach the file.
        let usage = state.usage.clone();
        let _ = tokio::task::spawn_blocking(move || usage.flush(Duration::from_secs(2))).await;
        tracing::info!("stopped");
        exit::OK
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn the_flag_defaults_are_the_library_defaults() {
        let cli = Cli::try_parse_from(["serve"]).unwrap();
        assert_eq!(cli.args.limits(), Limits::default());
    }

    #[test]
    fn numbers_out_of_bounds_are_usage_errors() {
        for bad in [
            ["--drain-timeout", "inf"],
            ["--drain-timeout", "NaN"],
            ["--drain-timeout", "-1"],
            ["--drain-timeout", "1e20"],
            ["--header-timeout", "0"],
            ["--max-body-bytes", "12"],
            ["--max-connections", "0"],
            ["--threads", "0"],
            ["--usage-log-keep", "100000"],
        ] {
            let e = Cli::try_parse_from(["serve", bad[0], bad[1]]).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
        let ok =
            Cli::try_parse_from(["serve", "--drain-timeout", "0.5", "--threads", "3"]).unwrap();
        assert_eq!(ok.args.drain_timeout, Duration::from_millis(500));
    }
}
