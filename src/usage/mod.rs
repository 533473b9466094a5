//! Usage you can see: the store `fgc serve` writes request records into, and what reads it
//! (`fgc usage`, `/api/usage`, the dashboard). docs/usage.md describes the figures and the
//! JSON shapes.
//!
//! - [`store`]: the SQLite file (WAL, versioned schema and migrations, batched inserts,
//!   retention)
//! - [`query`]: filters, the summary, groups, the daily series and paged records
//! - [`period`]: `7d`, `2026-11-01`, RFC 3339: the times `--since` and `since=` take
//! - [`import`]: fgc's JSON-lines logs and claude-code-router's `usage.jsonl`
//!
//! This module knows nothing of the server: `fgc serve` hands it [`Row`]s in batches from its
//! background writer, and reads it back through its HTTP handlers (`serve/usage_api.rs`).

pub mod import;
pub mod period;
pub mod query;
pub mod store;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use query::{Filter, Group, Summary};
pub use store::{Store, StoreError, StoreSink};

/// Where the gateway's background writer hands each batch of finished records. It runs on
/// that thread only: a request never waits on it.
pub trait Sink: Send {
    fn write_batch(&mut self, rows: &[Row]);
}

/// The default store: `$XDG_STATE_HOME/fgc/usage.db`, else `~/.local/state/fgc/usage.db`.
pub fn default_db_path() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("fgc/usage.db"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/fgc/usage.db"))
}

/// One request as stored: what the gateway's usage record says, owned. Never the prompt, the
/// answer or a key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Unix time in milliseconds when the request arrived.
    pub ts_ms: i64,
    /// The client protocol: `chat`, `responses`, `messages`, `count_tokens` (`import` for
    /// claude-code-router records).
    pub api: String,
    /// The name the client asked for.
    pub alias: String,
    /// Why scenario routing chose the alias (docs/routing.md), when it did.
    pub route: Option<String>,
    /// The alias that answered (differs after a fallback).
    pub served_alias: Option<String>,
    pub deployment: Option<String>,
    pub upstream_model: Option<String>,
    pub stream: bool,
    /// The HTTP status sent to the client, when one was.
    pub status: Option<u16>,
    /// `ok`, `error`, `stream_error`, `client_closed`, ...: only `ok` counts as a success.
    pub outcome: String,
    pub attempts: u32,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_read_input_tokens: Option<u64>,
    pub cache_creation_input_tokens: Option<u64>,
    /// Time to first byte (first token, for a stream), milliseconds.
    pub ttfb_ms: Option<f64>,
    pub duration_ms: f64,
    pub tokens_per_second: Option<f64>,
}

impl Row {
    /// Whether the request succeeded.
    pub fn ok(&self) -> bool {
        self.outcome == "ok"
    }
}
