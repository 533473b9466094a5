//! The environment the clients run in: their variables (`ANTHROPIC_BASE_URL`, Codex's
//! `env_key`), `HOME` and `CODEX_HOME`. Taken from the process by `fgc doctor`; tests pass
//! their own, so no test touches the process environment.
//!
//! Secrets the gateway needs (`os.environ/VAR` in the config) are read where the checker reads
//! them, [`crate::secrets::inspect`]; in `fgc doctor` both are the same process environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A snapshot of environment variables. `Debug` shows the names only: values may be keys.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.vars.keys()).finish()
    }
}

impl Env {
    /// The variables of this process (those that are valid UTF-8).
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn set(mut self, name: &str, value: &str) -> Env {
        self.vars.insert(name.to_string(), value.to_string());
        self
    }

    /// The value of `name` when it is set and not blank (an empty variable counts as unset,
    /// as the clients treat it).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// `$HOME`.
    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from)
    }
}
