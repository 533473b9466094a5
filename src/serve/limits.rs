//! Every bound the gateway puts on clients, upstreams and its own files, with its default.
//! The `fgc serve` flags set the fields of [`Limits`]; the constants below are fixed.
//! docs/serve.md ("Limits and hardening") lists them all.

use std::time::Duration;

/// The bounds of one server. `Default` is what `fgc serve` runs with when no flag is given.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Largest request body (413 above).
    pub max_body: usize,
    /// Connections open at once. At the cap, a new connection takes the place of the one
    /// idle longest; when none is idle it gets a 503 and is closed.
    pub max_connections: usize,
    /// From the first byte of a request to the end of its head (slow headers are cut).
    pub header_timeout: Duration,
    /// From the end of a request head to the end of its body (408 after).
    pub body_timeout: Duration,
    /// A connection with no request in flight and no byte received is closed after this.
    pub idle_timeout: Duration,
    /// Largest non-streaming upstream answer read (502 above).
    pub max_upstream_body: usize,
    /// Largest upstream error body read; the rest is not read.
    pub max_error_body: usize,
    /// Longest unfinished server-sent event (a line, or the lines of one event) held from
    /// an upstream stream; past it the stream ends with an error event.
    pub max_sse_event: usize,
    /// The usage log is rotated when a write would take it past this many bytes.
    pub usage_max_bytes: u64,
    /// Rotated usage logs kept (`usage.jsonl.1` newest ... `.N` oldest).
    pub usage_keep: u32,
    /// How long requests in flight may finish after SIGINT/SIGTERM.
    pub drain: Duration,
}

/// 32 MiB: Claude Code sends large bodies with images.
pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;
/// 512: below the usual 1,024 open files of a process, which upstream connections share.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// 16 MiB: a whole answer is held (and translated) in memory; real ones are kilobytes, a
/// few generated images make megabytes. A refused one is read up to here on each attempt.
pub const DEFAULT_MAX_UPSTREAM_BODY: usize = 16 * 1024 * 1024;
/// 64 KiB: error bodies are cut down to a message anyway.
pub const DEFAULT_MAX_ERROR_BODY: usize = 64 * 1024;
/// 8 MiB: one event of a stream (a Responses `response.completed` repeats the whole answer).
pub const DEFAULT_MAX_SSE_EVENT: usize = 8 * 1024 * 1024;
pub const DEFAULT_USAGE_MAX_BYTES: u64 = 64 * 1024 * 1024;
pub const DEFAULT_USAGE_KEEP: u32 = 5;
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// Unauthenticated requests are counted, and the count written (one usage line, one log
/// line) at most this often.
pub const UNAUTHENTICATED_SUMMARY: Duration = Duration::from_secs(60);
/// A failing usage-log write is reported at most this often.
pub const USAGE_WARN_EVERY: Duration = Duration::from_secs(60);
/// Usage records kept in memory while the disk refuses them (full, read-only); older ones are
/// dropped, and counted, past it.
pub const USAGE_PENDING_MAX: usize = 4 * 1024 * 1024;
/// After the drain deadline, how long connections get to close before they are cut.
pub const CUT_GRACE: Duration = Duration::from_secs(1);

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: DEFAULT_MAX_BODY,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_upstream_body: DEFAULT_MAX_UPSTREAM_BODY,
            max_error_body: DEFAULT_MAX_ERROR_BODY,
            max_sse_event: DEFAULT_MAX_SSE_EVENT,
            usage_max_bytes: DEFAULT_USAGE_MAX_BYTES,
            usage_keep: DEFAULT_USAGE_KEEP,
            drain: DEFAULT_DRAIN,
        }
    }
}
