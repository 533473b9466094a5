//! The server's shared state: the current config snapshot (swapped whole on reload), the
//! health table that outlives reloads, the HTTP client and the usage log.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::auth;
use super::config::{self, Snapshot};
use super::health::Health;
use super::limits::Limits;
use super::usage::UsageLog;
use crate::check::check_path;
use crate::render;
use crate::rules::{CheckOptions, Secrets};

/// Why a config could not be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read (exit 2).
    #[error("{0}")]
    Read(String),
    /// The command line does not say enough (several profiles, no `--profile`) (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The checker found errors; `rendered` is the report (exit 1).
    #[error("{summary}")]
    Invalid { rendered: String, summary: String },
}

/// A loaded config: the snapshot and the rendered warnings (empty when none).
pub struct Loaded {
    pub snapshot: Snapshot,
    pub warnings: String,
    /// Host and port from `services.litellm`, when set.
    pub service: (Option<String>, Option<u16>),
}

/// Read, check (secrets required) and build the snapshot of `path` for `profile` (default:
/// the file's default profile).
pub fn load(path: &Path, profile: Option<&str>) -> Result<Loaded, LoadError> {
    let opts = CheckOptions {
        profile: profile.map(str::to_string),
        secrets: Secrets::Required,
        ..CheckOptions::default()
    };
    let loaded = check_path(path, &opts).map_err(|e| LoadError::Read(e.to_string()))?;
    let colour = render::stderr_colour();
    if loaded.has_errors() {
        let n = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(LoadError::Invalid {
            rendered: render::human(&loaded.source, &loaded.diagnostics, colour),
            summary: format!("{}: {n} error(s); not serving it", path.display()),
        });
    }
    let warnings = if loaded.diagnostics.is_empty() {
        String::new()
    } else {
        render::human(&loaded.source, &loaded.diagnostics, colour)
    };
    let model = loaded
        .model
        .as_ref()
        .ok_or_else(|| LoadError::Read("no model".into()))?;
    let profile = model
        .select_profile(profile)
        .map_err(|e| LoadError::Usage(e.to_string()))?;
    let view = model.view(profile);
    let unsupported = crate::rules::serve_unsupported::find(model, &view);
    let refused = unsupported.iter().filter(|d| d.is_error()).count();
    if refused > 0 {
        return Err(LoadError::Invalid {
            rendered: render::human(&loaded.source, &unsupported, colour),
            summary: format!(
                "{}: fgc serve does not support {refused} part(s) of this config (listed above); not serving it. Run it with LiteLLM (`litellm --config FILE`) or remove them",
                path.display()
            ),
        });
    }
    let mut warnings = warnings;
    if !unsupported.is_empty() {
        warnings.push_str(&render::human(&loaded.source, &unsupported, colour));
    }
    let gateway = view.gateway;
    let service = (Some(gateway.host), Some(gateway.port));
    let snapshot = config::build(&loaded, profile).map_err(|e| LoadError::Invalid {
        rendered: format!("error: {e}\n"),
        summary: format!("{}: {e}", path.display()),
    })?;
    Ok(Loaded {
        snapshot,
        warnings,
        service,
    })
}

/// The rules a config must pass to be served on `host`, at start-up and on every reload
/// (beyond `fgc check` with secrets required, which [`load`] applies).
pub fn admit(snapshot: &Snapshot, host: &str) -> Result<(), String> {
    if snapshot.master_key.is_none() && !auth::is_loopback(host) {
        return Err(format!(
            "refusing to listen on `{host}` without a gateway key: anyone who can reach it could spend your upstream keys. Set general_settings.master_key (for example os.environ/LITELLM_MASTER_KEY) or listen on 127.0.0.1"
        ));
    }
    Ok(())
}

/// Where the server listens, and the `services.litellm` address it started with.
#[derive(Debug, Clone)]
pub struct Listening {
    pub host: String,
    pub service: (Option<String>, Option<u16>),
}

/// Why a reload was refused (the old configuration keeps serving).
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The new configuration breaks a rule start-up applies ([`admit`]).
    #[error("{0}")]
    Refused(String),
}

#[derive(Debug)]
pub struct AppState {
    snapshot: RwLock<Arc<Snapshot>>,
    pub health: Arc<Health>,
    pub client: reqwest::Client,
    pub usage: UsageLog,
    pub limits: Limits,
    pub listening: Listening,
    pub config_path: PathBuf,
    /// The profile asked for on the command line (reload keeps following the default).
    pub profile_arg: Option<String>,
}

impl AppState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        snapshot: Snapshot,
        health: Arc<Health>,
        client: reqwest::Client,
        usage: UsageLog,
        limits: Limits,
        listening: Listening,
        config_path: PathBuf,
        profile_arg: Option<String>,
    ) -> Self {
        AppState {
            snapshot: RwLock::new(Arc::new(snapshot)),
            health,
            client,
            usage,
            limits,
            listening,
            config_path,
            profile_arg,
        }
    }

    /// The config requests start with now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Re-read and re-check the file; swap it in when it passes every rule start-up applies,
    /// else keep the old one. Health state carries over (by deployment id).
    pub async fn reload(self: &Arc<Self>) -> Result<usize, ReloadError> {
        let path = self.config_path.clone();
        let profile = self.profile_arg.clone();
        let loaded = tokio::task::spawn_blocking(move || load(&path, profile.as_deref()))
            .await
            .map_err(|e| LoadError::Read(e.to_string()))??;
        admit(&loaded.snapshot, &self.listening.host).map_err(ReloadError::Refused)?;
        if !loaded.warnings.is_empty() {
            eprint!("{}", loaded.warnings);
        }
        if loaded.service != self.listening.service {
            tracing::warn!(
                "services.litellm changed: fgc serve keeps listening on its current address until it is restarted"
            );
        }
        let n = loaded.snapshot.aliases.len();
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(loaded.snapshot);
        Ok(n)
    }
}
