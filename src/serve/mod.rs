//! `fgc serve`: a forwarding gateway serving exactly the checked configuration.
//!
//! - [`config`]: the snapshot of the config a request is served from
//! - [`state`]: loading, the shared state, reload (and the rules every config must pass)
//! - [`limits`]: every bound on clients, upstreams and files, with its default
//! - [`conn`]: connections: accept, timeouts, the cap, drain and cut
//! - [`http`]: routes, auth, body limits, parsing
//! - [`body`]: request bodies parsed at the top level only
//! - [`route`]: scenario routing ([`crate::routing`]) before the alias chain
//! - [`router`]: alias chain, deployment choice, retries, fallbacks, promotion
//! - [`health`]: the circuit breaker (injectable clock)
//! - [`forward`]: the pooled upstream client, bounded reads, streaming passthrough
//! - [`events`]: upstream event streams cut into whole, bounded events
//! - [`errors`]: every error a client sees, in its protocol's shape
//! - [`protocol`]: client vs upstream protocol, the translation hook
//! - [`translation`]: the protocol translators of [`crate::translate`] behind that hook
//! - [`usage`]: usage records (one per request), handed in batches to the usage store
//!   ([`crate::usage`]) and optionally written as JSON lines
//! - [`usage_api`]: `/api/usage`, `/api/usage/summary`, `/api/health`, `/metrics`, the `/ui`
//!   dashboard
//! - [`metrics`]: the Prometheus counters and histograms
//! - [`signals`]: SIGINT/SIGTERM drain, SIGHUP reload
//! - [`mock`]: a mock upstream for tests and benchmarks

pub mod auth;
pub mod body;
pub mod config;
pub mod conn;
pub mod errors;
pub mod events;
pub mod forward;
pub mod health;
pub mod http;
pub mod limits;
pub mod metrics;
pub mod mock;
pub mod protocol;
pub mod retry;
pub mod route;
pub mod router;
pub mod signals;
pub mod state;
pub mod translation;
pub mod usage;
pub mod usage_api;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use health::{Clock, Health, SystemClock};
pub use limits::{DEFAULT_DRAIN, DEFAULT_MAX_BODY, Limits};
use state::AppState;
use usage::{FileOptions, UsageLog};

/// How to start a server.
#[derive(Debug, Clone)]
pub struct Options {
    pub config: PathBuf,
    pub profile: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `None`: no usage file.
    pub usage_log: Option<PathBuf>,
    /// The usage store (`None`: none).
    pub usage_db: Option<PathBuf>,
    pub limits: Limits,
    pub clock: Arc<dyn Clock>,
}

impl Options {
    pub fn new(config: impl Into<PathBuf>) -> Self {
        Options {
            config: config.into(),
            profile: None,
            host: None,
            port: None,
            usage_log: None,
            usage_db: None,
            limits: Limits::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Load(#[from] state::LoadError),
    /// Usage or I/O problem (exit 2), one line.
    #[error("{0}")]
    Usage(String),
}

/// A bound, not yet running server.
pub struct Bound {
    pub state: Arc<AppState>,
    pub listener: TcpListener,
    pub addr: SocketAddr,
    pub warnings: String,
}

/// Load the config, check the rules a served config must pass, and bind.
pub async fn bind(opts: &Options) -> Result<Bound, StartError> {
    let path = opts.config.clone();
    let profile = opts.profile.clone();
    let loaded = tokio::task::spawn_blocking(move || state::load(&path, profile.as_deref()))
        .await
        .map_err(|e| StartError::Usage(e.to_string()))??;
    let host = opts
        .host
        .clone()
        .or(loaded.service.0.clone())
        .unwrap_or_else(|| "127.0.0.1".into());
    let port = opts.port.or(loaded.service.1).unwrap_or(4000);
    state::admit(&loaded.snapshot, &host).map_err(StartError::Usage)?;
    let listener = match TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            return Err(StartError::Usage(format!(
                "port {port} on {host} is already in use: stop the other server (for example LiteLLM) or pick another port with --port"
            )));
        }
        Err(e) => {
            return Err(StartError::Usage(format!(
                "cannot listen on {host}:{port}: {e}"
            )));
        }
    };
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Usage(e.to_string()))?;
    let sink = match &opts.usage_db {
        Some(p) => {
            let p = p.clone();
            let days = loaded.snapshot.usage_retention_days;
            let store =
                tokio::task::spawn_blocking(move || crate::usage::Store::open(&p).map(|s| (p, s)))
                    .await
                    .map_err(|e| StartError::Usage(e.to_string()))?
                    .map_err(|e| StartError::Usage(e.to_string()))?;
            let sink: Box<dyn crate::usage::Sink> =
                Box::new(crate::usage::StoreSink::new(store.1, days));
            Some((store.0, sink))
        }
        None => None,
    };
    let file = opts.usage_log.as_ref().map(|p| FileOptions {
        path: p.clone(),
        max_bytes: opts.limits.usage_max_bytes,
        keep: opts.limits.usage_keep,
    });
    let usage = UsageLog::start(file, sink).map_err(|e| {
        let p = opts
            .usage_log
            .as_deref()
            .unwrap_or(std::path::Path::new("-"));
        StartError::Usage(format!("cannot open the usage log {}: {e}", p.display()))
    })?;
    let client = forward::client()
        .map_err(|e| StartError::Usage(format!("cannot build the HTTP client: {e}")))?;
    let health = Arc::new(Health::new(Arc::clone(&opts.clock)));
    let state = Arc::new(AppState::new(
        loaded.snapshot,
        health,
        client,
        usage,
        opts.limits.clone(),
        state::Listening {
            host,
            service: loaded.service,
        },
        opts.config.clone(),
        opts.profile.clone(),
    ));
    Ok(Bound {
        state,
        listener,
        addr,
        warnings: loaded.warnings,
    })
}

/// Serve until `stop` turns true, then drain for at most `--drain-timeout` and cut what is
/// left ([`conn`]). Unauthenticated requests are summed up once a minute, and at the end.
pub async fn serve(bound: Bound, stop: watch::Receiver<bool>) {
    let app = http::app(Arc::clone(&bound.state));
    let usage = bound.state.usage.clone();
    let summaries = tokio::spawn({
        let usage = usage.clone();
        async move {
            let mut every = tokio::time::interval(limits::UNAUTHENTICATED_SUMMARY);
            every.tick().await;
            loop {
                every.tick().await;
                usage.summarize_unauthenticated();
            }
        }
    });
    conn::serve(
        bound.listener,
        app,
        &bound.state.limits,
        stop,
        usage.clone(),
    )
    .await;
    summaries.abort();
    usage.summarize_unauthenticated();
}

/// A server running in this process (tests, benchmarks).
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://ADDR`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop, drain, and wait until every usage record is on disk.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let usage = self.state.usage.clone();
        let _ = tokio::task::spawn_blocking(move || usage.flush(Duration::from_secs(2))).await;
    }
}

/// Start a server on the current runtime.
pub async fn spawn(opts: Options) -> Result<Running, StartError> {
    let bound = bind(&opts).await?;
    let addr = bound.addr;
    let state = Arc::clone(&bound.state);
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(serve(bound, rx));
    Ok(Running {
        addr,
        state,
        stop,
        task,
    })
}
