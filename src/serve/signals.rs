//! Signals: SIGINT/SIGTERM stop accepting and drain; SIGHUP reloads the config.

use std::sync::Arc;

use tokio::sync::watch;

use super::state::{AppState, LoadError, ReloadError};

/// Handle signals until a stop signal, then set `stop`. Reload errors keep the old config
/// and print the diagnostics.
pub async fn handle(state: Arc<AppState>, stop: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        loop {
            tokio::select! {
                _ = term.recv() => { tracing::info!("SIGTERM: draining"); break; }
                _ = int.recv() => { tracing::info!("SIGINT: draining"); break; }
                _ = hup.recv() => reload(&state).await,
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = &state;
        let _ = tokio::signal::ctrl_c().await;
    }
    let _ = stop.send(true);
}

/// Reload and report; reopen the usage log (an outside logrotate may have moved it).
pub async fn reload(state: &Arc<AppState>) {
    state.usage.reopen();
    match state.reload().await {
        Ok(n) => tracing::info!(aliases = n, "SIGHUP: configuration reloaded"),
        Err(ReloadError::Load(LoadError::Invalid { rendered, summary })) => {
            eprint!("{rendered}");
            tracing::error!("SIGHUP: {summary}; keeping the previous configuration");
        }
        Err(ReloadError::Load(LoadError::Read(e) | LoadError::Usage(e))) => {
            tracing::error!("SIGHUP: {e}; keeping the previous configuration");
        }
        Err(ReloadError::Refused(why)) => {
            tracing::error!("SIGHUP: {why}; keeping the previous configuration");
        }
    }
}
