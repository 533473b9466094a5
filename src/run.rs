//! `fgc run <client>`: how each client is started on the gateway, for one process only. A
//! client is one row in [`CLIENTS`]: its program, the `fgc doctor` client it is checked as,
//! and how its environment, arguments and temporary files are made from what `fgc emit`
//! would write for it. Nothing here touches a user's file.

use std::ffi::OsString;
use std::io::Write;

use crate::diag::Diagnostic;
use crate::emit::{Input, claude_code, codex};

/// The gateway a client is pointed at for the run.
#[derive(Clone)]
pub struct Gateway {
    /// The root clients use (no `/v1`).
    pub root: String,
    /// The key the gateway requires (`None`: it requires none).
    pub key: Option<String>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("root", &self.root)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// How to start a client: program, arguments before the user's, environment changes, and
/// the temporary files that must live as long as it runs (removed on drop).
pub struct Launch {
    pub program: &'static str,
    pub args: Vec<OsString>,
    pub env: Vec<(String, String)>,
    /// Variables removed from the client's environment.
    pub unset: Vec<&'static str>,
    pub files: Vec<tempfile::NamedTempFile>,
}

/// One client `fgc run` starts.
pub struct Client {
    /// The name on the command line (`fgc run claude`).
    pub name: &'static str,
    /// The `fgc doctor` client whose checks run first.
    pub doctor: &'static str,
    pub prepare: fn(&Input, &Gateway) -> Result<Launch, PrepareError>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("{0:?}")]
    Config(Box<Diagnostic>),
    #[error("cannot write a temporary file: {0}")]
    Io(#[from] std::io::Error),
}

/// Every client `fgc run` knows.
pub static CLIENTS: &[Client] = &[
    Client {
        name: "claude",
        doctor: "claude-code",
        prepare: claude,
    },
    Client {
        name: "codex",
        doctor: "codex",
        prepare: codex,
    },
];

/// The client named `name`.
pub fn find(name: &str) -> Option<&'static Client> {
    CLIENTS.iter().find(|c| c.name == name)
}

/// The token a client sends to a gateway that requires no key (Claude Code wants one).
const NO_KEY: &str = "fgc-run-no-gateway-key";

/// Claude Code: its six variables in the environment and, because the `env` block of a
/// settings file wins over the environment, also in a temporary settings file (mode 0600)
/// passed with `--settings`, which wins over the user's and the project's settings.
fn claude(input: &Input, gw: &Gateway) -> Result<Launch, PrepareError> {
    let mut v = claude_code::values(input).map_err(|d| PrepareError::Config(Box::new(d)))?;
    // The gateway started or found for the run, not a root of the config's choosing.
    v.base_url = gw.root.clone();
    let token = gw.key.clone().unwrap_or_else(|| NO_KEY.to_string());
    let env: Vec<(String, String)> = v
        .pairs(&token)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let map: serde_json::Map<String, serde_json::Value> = env
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let settings = serde_json::json!({ "env": map });
    let mut file = tempfile::Builder::new()
        .prefix("fgc-run-claude-")
        .suffix(".json")
        .tempfile()?;
    file.write_all(settings.to_string().as_bytes())?;
    file.flush()?;
    Ok(Launch {
        program: "claude",
        args: vec!["--settings".into(), file.path().as_os_str().to_owned()],
        env,
        // An API key would be sent instead of the gateway token.
        unset: vec!["ANTHROPIC_API_KEY"],
        files: vec![file],
    })
}

/// Codex CLI: the provider fgc emits, as `-c key=value` overrides on its command line (no
/// config.toml touched), and the gateway key in the provider's `env_key` variable.
fn codex(input: &Input, gw: &Gateway) -> Result<Launch, PrepareError> {
    let v = codex::values(input).map_err(|d| PrepareError::Config(Box::new(d)))?;
    let toml = |s: &str| toml_edit::Value::from(s).to_string();
    let id = &v.provider_id;
    let mut args = Vec::new();
    for (key, value) in [
        ("model".to_string(), v.model.as_str()),
        ("model_provider".to_string(), id.as_str()),
        (
            format!("model_providers.{id}.name"),
            v.provider_name.as_str(),
        ),
        (
            format!("model_providers.{id}.base_url"),
            &format!("{}/v1", gw.root),
        ),
        (format!("model_providers.{id}.env_key"), v.env_key.as_str()),
        (
            format!("model_providers.{id}.wire_api"),
            v.wire_api.as_str(),
        ),
    ] {
        args.push("-c".into());
        args.push(format!("{key}={}", toml(value).trim()).into());
    }
    Ok(Launch {
        program: "codex",
        args,
        env: vec![(v.env_key, gw.key.clone().unwrap_or_else(|| NO_KEY.into()))],
        unset: Vec::new(),
        files: Vec::new(),
    })
}
