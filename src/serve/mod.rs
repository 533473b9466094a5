//! `fgc serve`: a forwarding gateway serving exactly the checked configuration.
//!
//! - [`config`]: the snapshot of the config a request is served from
//! - [`state`]: loading, the shared state, reload
//! - [`http`]: routes, auth, body limits, parsing
//! - [`body`]: request bodies parsed at the top level only
//! - [`route`]: scenario routing ([`crate::routing`]) before the alias chain
//! - [`router`]: alias chain, deployment choice, retries, fallbacks, promotion
//! - [`health`]: the circuit breaker (injectable clock)
//! - [`forward`]: the pooled upstream client and streaming passthrough
//! - [`protocol`]: client vs upstream protocol, error shapes, the translation hook
//! - [`translation`]: the protocol translators of [`crate::translate`] behind that hook
//! - [`usage`]: usage records, handed in batches to the usage store ([`crate::usage`]) and
//!   optionally written as JSON lines
//! - [`usage_api`]: `/api/usage`, `/api/usage/summary`, `/api/health`, `/metrics`, the `/ui`
//!   dashboard
//! - [`metrics`]: the Prometheus counters and histograms
//! - [`signals`]: SIGINT/SIGTERM drain, SIGHUP reload
//! - [`mock`]: a mock upstream for tests and benchmarks

pub mod auth;
pub mod body;
pub mod config;
pub mod forward;
pub mod health;
pub mod http;
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
use state::AppState;
use usage::UsageLog;

/// The default request body limit (Claude Code sends large bodies with images).
pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;
/// How long requests in flight may take to finish after SIGINT/SIGTERM.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

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
    pub max_body: usize,
    pub drain: Duration,
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
            max_body: DEFAULT_MAX_BODY,
            drain: DEFAULT_DRAIN,
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

/// Load the config, check the address rule and bind.
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
    if loaded.snapshot.master_key.is_none() && !auth::is_loopback(&host) {
        return Err(StartError::Usage(format!(
            "refusing to listen on `{host}` without a gateway key: anyone who can reach it could spend your upstream keys. Set general_settings.master_key (for example os.environ/LITELLM_MASTER_KEY) or listen on 127.0.0.1"
        )));
    }
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
    let usage = UsageLog::start(opts.usage_log.as_deref(), sink).map_err(|e| {
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
        opts.max_body,
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

/// Serve until `stop` turns true, then drain for at most `drain`.
pub async fn serve(
    bound: Bound,
    mut stop: watch::Receiver<bool>,
    drain: Duration,
) -> std::io::Result<()> {
    let app = http::app(Arc::clone(&bound.state));
    let (drain_tx, mut drain_rx) = watch::channel(false);
    let server = axum::serve(bound.listener, app).with_graceful_shutdown(async move {
        let _ = stop.wait_for(|s| *s).await;
        let _ = drain_tx.send(true);
    });
    let server = server.into_future();
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => r,
        _ = async {
            let _ = drain_rx.wait_for(|s| *s).await;
            tokio::time::sleep(drain).await;
        } => {
            tracing::warn!("requests still in flight after {:.0} s; stopping anyway", drain.as_secs_f64());
            Ok(())
        }
    }
}

/// A server running in this process (tests, benchmarks).
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// `http://ADDR`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop and wait for the drain.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        self.state.usage.flush(Duration::from_secs(2));
    }
}

/// Start a server on the current runtime.
pub async fn spawn(opts: Options) -> Result<Running, StartError> {
    let bound = bind(&opts).await?;
    let addr = bound.addr;
    let state = Arc::clone(&bound.state);
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(serve(bound, rx, opts.drain));
    Ok(Running {
        addr,
        state,
        stop,
        task,
    })
}
