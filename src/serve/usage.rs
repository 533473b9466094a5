//! Usage records: one JSON line per request (alias, deployment, status, outcome, tokens when
//! the upstream reports them, time to first byte, duration, tokens per second). Never the
//! prompt, the answer or a key.
//!
//! The pipeline, not the file format, guarantees one record per request: a request that
//! passed authentication holds a [`Pending`] record, and dropping it unfinished (the client
//! went away, the drain deadline cut the stream) still writes it, with the outcome that says
//! so. Unauthenticated requests are counted, not recorded one by one
//! ([`UsageLog::count_unauthenticated`]).
//!
//! Records are written by one background thread, so a request never waits on the disk: in
//! batches into the usage store ([`crate::usage::Store`], through a [`crate::usage::Sink`]),
//! and, when asked for, as JSON lines into a file. Every finished record also updates the
//! Prometheus counters ([`super::metrics`]). The JSON-lines file is opened without following symlinks, mode 0600, whole lines only (a write the
//! disk refuses is taken back and retried, and reported at most once a minute), rotated by
//! size, reopened on SIGHUP.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use super::limits::{USAGE_PENDING_MAX, USAGE_WARN_EVERY};
use super::metrics::Metrics;
use crate::usage::Row;

/// The default usage file: `$XDG_STATE_HOME/fgc/usage.jsonl`, else
/// `~/.local/state/fgc/usage.jsonl`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("fgc/usage.jsonl"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/fgc/usage.jsonl"))
}

/// Token counts, each only when the upstream reported it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tokens {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
}

/// Only the parts of an answer that can hold usage; everything else is skipped unparsed.
#[derive(serde::Deserialize)]
struct UsageOnly {
    usage: Option<Value>,
    response: Option<Inner>,
    message: Option<Inner>,
}

#[derive(serde::Deserialize)]
struct Inner {
    usage: Option<Value>,
}

impl Tokens {
    /// The usage of a whole (non-streaming) answer body.
    pub fn from_answer(body: &[u8]) -> Tokens {
        let mut t = Tokens::default();
        if let Ok(u) = serde_json::from_slice::<UsageOnly>(body) {
            for usage in [
                u.usage,
                u.response.and_then(|r| r.usage),
                u.message.and_then(|m| m.usage),
            ]
            .into_iter()
            .flatten()
            {
                t.absorb(&serde_json::json!({ "usage": usage }));
            }
        }
        t
    }

    /// Take the counts found in one JSON value (an answer or a stream event): the `usage`
    /// object at the top, under `response` (Responses API) or under `message` (Anthropic
    /// `message_start`). OpenAI, Responses and Anthropic field names are all understood.
    pub fn absorb(&mut self, v: &Value) {
        for u in [
            v.get("usage"),
            v.pointer("/response/usage"),
            v.pointer("/message/usage"),
        ]
        .into_iter()
        .flatten()
        {
            let n = |k: &str| u.get(k).and_then(Value::as_u64);
            let p = |k: &str| u.pointer(k).and_then(Value::as_u64);
            let set = |slot: &mut Option<u64>, v: Option<u64>| {
                if let Some(v) = v {
                    *slot = Some(v);
                }
            };
            set(
                &mut self.input_tokens,
                n("prompt_tokens").or(n("input_tokens")),
            );
            set(
                &mut self.output_tokens,
                n("completion_tokens").or(n("output_tokens")),
            );
            set(
                &mut self.cache_read_input_tokens,
                n("cache_read_input_tokens")
                    .or(p("/prompt_tokens_details/cached_tokens"))
                    .or(p("/input_tokens_details/cached_tokens")),
            );
            set(
                &mut self.cache_creation_input_tokens,
                n("cache_creation_input_tokens"),
            );
        }
    }
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The whole answer reached the client.
    Ok,
    /// An error answer, the gateway's or the upstream's.
    Error,
    /// A stream that failed after its first byte and ended with an error event.
    StreamError,
    /// The client went away first: it hung up on a stream, or abandoned a request while the
    /// gateway waited for the upstream.
    ClientClosed,
    /// Cut at the drain deadline of a shutdown.
    Drained,
    /// A summary line: requests refused for a missing or wrong gateway key (see `count`).
    Unauthenticated,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::StreamError => "stream_error",
            Outcome::ClientClosed => "client_closed",
            Outcome::Drained => "drained",
            Outcome::Unauthenticated => "unauthenticated",
        }
    }
}

/// One request's record, filled in as the request goes.
#[derive(Debug, Serialize)]
pub struct Record {
    /// Unix time in milliseconds when the request arrived.
    pub ts_ms: u64,
    pub api: &'static str,
    /// The name the client asked for ([`crate::names::shown`]: capped, escaped).
    pub alias: String,
    /// Why scenario routing chose the alias (`background`, `think`, ...; docs/routing.md),
    /// when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<&'static str>,
    /// The alias that answered (differs after a fallback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_model: Option<String>,
    pub stream: bool,
    /// The status sent to the client; `null` when none was (abandoned, cut).
    pub status: Option<u16>,
    pub outcome: Outcome,
    pub attempts: u32,
    #[serde(flatten)]
    pub tokens: Tokens,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttfb_ms: Option<f64>,
    pub duration_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_second: Option<f64>,
    #[serde(skip)]
    pub started: Instant,
    #[serde(skip)]
    pub first_byte: Option<Instant>,
}

impl Record {
    pub fn new(api: &'static str, alias: &str, stream: bool) -> Self {
        Record {
            ts_ms: now_ms(),
            api,
            alias: crate::names::shown(alias).into_owned(),
            route: None,
            served_alias: None,
            deployment: None,
            upstream_model: None,
            stream,
            status: None,
            outcome: Outcome::Error,
            attempts: 0,
            tokens: Tokens::default(),
            ttfb_ms: None,
            duration_ms: 0.0,
            tokens_per_second: None,
            started: Instant::now(),
            first_byte: None,
        }
    }

    /// The name the client asked for, capped and escaped for the log.
    pub fn set_alias(&mut self, name: &str) {
        self.alias = crate::names::shown(name).into_owned();
    }

    /// Close the record: durations and speed from the timestamps.
    fn close(&mut self, status: Option<u16>, outcome: Outcome) {
        let end = Instant::now();
        self.status = status;
        self.outcome = outcome;
        self.duration_ms = ms(end - self.started);
        if let Some(fb) = self.first_byte {
            self.ttfb_ms = Some(ms(fb - self.started));
            let gen_time = (end - fb).as_secs_f64();
            if let Some(out) = self.tokens.output_tokens.filter(|_| gen_time > 0.0) {
                self.tokens_per_second = Some((out as f64 / gen_time * 10.0).round() / 10.0);
            }
        }
        tracing::info!(
            api = self.api,
            alias = %self.alias,
            deployment = self.deployment.as_deref().unwrap_or("-"),
            status = self.status.unwrap_or(0),
            outcome = self.outcome.name(),
            attempts = self.attempts,
            duration_ms = self.duration_ms,
            "request"
        );
    }
}

impl Record {
    /// The record as the store keeps it.
    pub fn row(&self) -> Row {
        Row {
            ts_ms: self.ts_ms as i64,
            api: self.api.to_string(),
            alias: self.alias.clone(),
            route: self.route.map(str::to_string),
            served_alias: self.served_alias.clone(),
            deployment: self.deployment.clone(),
            upstream_model: self.upstream_model.clone(),
            stream: self.stream,
            status: self.status.filter(|s| *s > 0),
            outcome: self.outcome.name().to_string(),
            attempts: self.attempts,
            input_tokens: self.tokens.input_tokens,
            output_tokens: self.tokens.output_tokens,
            cache_read_input_tokens: self.tokens.cache_read_input_tokens,
            cache_creation_input_tokens: self.tokens.cache_creation_input_tokens,
            ttfb_ms: self.ttfb_ms,
            duration_ms: self.duration_ms,
            tokens_per_second: self.tokens_per_second,
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// A request's record on its way to the log. Exactly one line is written for it: by
/// [`Pending::finish`], or, when the request is dropped before that (the client hung up, the
/// drain deadline cut it), by `Drop`, with outcome `client_closed` or `drained`.
#[derive(Debug)]
pub struct Pending {
    rec: Option<Record>,
    log: UsageLog,
}

impl Pending {
    /// The record, to fill in.
    pub fn record(&mut self) -> &mut Record {
        self.rec
            .as_mut()
            .expect("a pending record is only finished once, by value")
    }

    /// Write the record with the status sent and its outcome.
    pub fn finish(mut self, status: u16, outcome: Outcome) {
        if let Some(mut rec) = self.rec.take() {
            rec.close(Some(status), outcome);
            self.log.write(&rec);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(mut rec) = self.rec.take() {
            let outcome = if self.log.past_drain_deadline() {
                Outcome::Drained
            } else {
                Outcome::ClientClosed
            };
            // A stream's status went out with its head; an abandoned request sent none.
            let status = rec.first_byte.map(|_| 200).filter(|_| rec.stream);
            rec.close(status, outcome);
            self.log.write(&rec);
        }
    }
}

/// The summary of unauthenticated requests, written instead of one record each.
#[derive(Debug, Serialize)]
struct Unauthenticated {
    ts_ms: u64,
    outcome: Outcome,
    status: u16,
    /// Requests refused since `since_ms`.
    count: u64,
    since_ms: u64,
}

/// How long the writer gathers records before one write.
const BATCH: Duration = Duration::from_millis(20);
/// How often the writer retries while the disk refuses its lines.
const RETRY: Duration = Duration::from_secs(1);

/// The writer side: cheap to clone, never blocks a request.
#[derive(Clone, Debug)]
pub struct UsageLog {
    tx: Option<mpsc::Sender<Msg>>,
    shared: Arc<Shared>,
    /// Whether records go to the JSON-lines file / to the store.
    lines: bool,
    rows: bool,
    /// The store the records go to, for the readers (`/api/usage`, the dashboard).
    store_path: Option<PathBuf>,
    pub metrics: Arc<Metrics>,
}

#[derive(Debug)]
struct Shared {
    drain_deadline_passed: AtomicBool,
    unauthenticated: AtomicU64,
    unauthenticated_since: AtomicU64,
}

#[derive(Debug)]
enum Msg {
    Line(String),
    Row(Box<Row>),
    /// Open the file again (after SIGHUP: an outside logrotate may have moved it).
    Reopen,
    /// Answered once every line sent before it is on disk (or known not to be).
    Flush(mpsc::Sender<()>),
}

/// Where the usage file is and how big it may grow.
#[derive(Clone, Debug)]
pub struct FileOptions {
    pub path: PathBuf,
    /// Rotate when a write would take the file past this.
    pub max_bytes: u64,
    /// Rotated files kept (`PATH.1` is the newest).
    pub keep: u32,
}

impl UsageLog {
    /// No usage file (requests are still counted and logged with `tracing`).
    pub fn disabled() -> Self {
        UsageLog {
            tx: None,
            shared: Arc::new(Shared {
                drain_deadline_passed: AtomicBool::new(false),
                unauthenticated: AtomicU64::new(0),
                unauthenticated_since: AtomicU64::new(now_ms()),
            }),
            lines: false,
            rows: false,
            store_path: None,
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Append to `opts.path` from a background thread (the folder is created; the file is
    /// created or made mode 0600; a symlink or a non-regular file is refused).
    pub fn open(opts: FileOptions) -> std::io::Result<Self> {
        Self::start(Some(opts), None)
    }

    /// Write records from a background thread: as JSON lines into `file` when given, and in
    /// batches into `store` (the usage store at `store.0`) when given.
    pub fn start(
        file: Option<FileOptions>,
        store: Option<(PathBuf, Box<dyn crate::usage::Sink>)>,
    ) -> std::io::Result<Self> {
        let file = file.map(FileSink::open).transpose()?;
        let (store_path, store) = match store {
            Some((p, s)) => (Some(p), Some(s)),
            None => (None, None),
        };
        let mut log = UsageLog::disabled();
        log.lines = file.is_some();
        log.rows = store.is_some();
        log.store_path = store_path;
        if file.is_none() && store.is_none() {
            return Ok(log);
        }
        let writer = Writer {
            file,
            store,
            rows: Vec::new(),
        };
        let (tx, rx) = mpsc::channel::<Msg>();
        std::thread::Builder::new()
            .name("fgc-usage".into())
            .spawn(move || writer.run(&rx))?;
        log.tx = Some(tx);
        Ok(log)
    }

    /// The usage store records go to, when there is one.
    pub fn store_path(&self) -> Option<&Path> {
        self.store_path.as_deref()
    }

    /// A record for a request that passed authentication; see [`Pending`].
    pub fn begin(&self, api: &'static str) -> Pending {
        Pending {
            rec: Some(Record::new(api, "-", false)),
            log: self.clone(),
        }
    }

    fn write(&self, rec: &Record) {
        self.metrics.observe(rec);
        let Some(tx) = &self.tx else { return };
        if self.lines
            && let Ok(mut s) = serde_json::to_string(rec)
        {
            s.push('\n');
            let _ = tx.send(Msg::Line(s));
        }
        if self.rows {
            let _ = tx.send(Msg::Row(Box::new(rec.row())));
        }
    }

    /// One more request refused for its gateway key.
    pub fn count_unauthenticated(&self) {
        self.shared.unauthenticated.fetch_add(1, Ordering::Relaxed);
    }

    /// Write (and log) how many requests were refused since the last summary, if any.
    pub fn summarize_unauthenticated(&self) {
        let n = self.shared.unauthenticated.swap(0, Ordering::Relaxed);
        let now = now_ms();
        let since = self
            .shared
            .unauthenticated_since
            .swap(now, Ordering::Relaxed);
        if n == 0 {
            return;
        }
        tracing::warn!(
            count = n,
            seconds = (now.saturating_sub(since)) / 1000,
            "requests refused for a missing or wrong gateway key"
        );
        if let Some(tx) = self.tx.as_ref().filter(|_| self.lines) {
            let line = Unauthenticated {
                ts_ms: now,
                outcome: Outcome::Unauthenticated,
                status: 401,
                count: n,
                since_ms: since,
            };
            if let Ok(mut s) = serde_json::to_string(&line) {
                s.push('\n');
                let _ = tx.send(Msg::Line(s));
            }
        }
    }

    /// From now on, records dropped unfinished were cut by the drain deadline.
    pub fn mark_drain_deadline(&self) {
        self.shared
            .drain_deadline_passed
            .store(true, Ordering::SeqCst);
    }

    fn past_drain_deadline(&self) -> bool {
        self.shared.drain_deadline_passed.load(Ordering::SeqCst)
    }

    /// Open the file again (SIGHUP).
    pub fn reopen(&self) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Reopen);
        }
    }

    /// Wait (at most `limit`) until every record written so far is on disk.
    pub fn flush(&self, limit: Duration) {
        if let Some(tx) = &self.tx {
            let (ack, done) = mpsc::channel();
            if tx.send(Msg::Flush(ack)).is_ok() {
                let _ = done.recv_timeout(limit);
            }
        }
    }
}

/// Open `path` for appending without following a symlink, mode 0600, a regular file.
fn open_file(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(std::io::Error::other(
                "it is a symlink; the usage log is not written through links (give the real path)",
            ));
        }
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o777 != 0o600 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// The writer thread: the JSON-lines file and the store, each when asked for.
struct Writer {
    file: Option<FileSink>,
    store: Option<Box<dyn crate::usage::Sink>>,
    /// Rows gathered for the store's next batch.
    rows: Vec<Row>,
}

impl Writer {
    fn waiting(&self) -> bool {
        self.file.as_ref().is_some_and(|f| !f.pending.is_empty())
    }

    fn run(mut self, rx: &mpsc::Receiver<Msg>) {
        loop {
            let wait = if self.waiting() {
                RETRY
            } else {
                Duration::from_secs(3600)
            };
            let msg = match rx.recv_timeout(wait) {
                Ok(m) => Some(m),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.write();
                    return;
                }
            };
            let mut acks = Vec::new();
            let mut reopen = false;
            if let Some(msg) = msg {
                // A flush alone (a reader of the store) need not wait for a batch.
                let alone = matches!(msg, Msg::Flush(_));
                self.take(msg, &mut acks, &mut reopen);
                // Gather what arrives in the next few milliseconds into one write, so a busy
                // gateway does not wake this thread once per request.
                if !alone {
                    std::thread::sleep(BATCH);
                }
                while let Ok(more) = rx.try_recv() {
                    self.take(more, &mut acks, &mut reopen);
                }
            }
            self.write();
            if reopen && let Some(f) = &mut self.file {
                f.reopen();
            }
            for a in acks {
                let _ = a.send(());
            }
        }
    }

    fn take(&mut self, m: Msg, acks: &mut Vec<mpsc::Sender<()>>, reopen: &mut bool) {
        match m {
            Msg::Line(l) => {
                if let Some(f) = &mut self.file {
                    f.pending.extend_from_slice(l.as_bytes());
                    f.bound_pending();
                }
            }
            Msg::Row(r) => self.rows.push(*r),
            Msg::Reopen => *reopen = true,
            Msg::Flush(ack) => acks.push(ack),
        }
    }

    fn write(&mut self) {
        if let Some(f) = &mut self.file {
            f.write_pending();
        }
        if let Some(store) = &mut self.store
            && !self.rows.is_empty()
        {
            store.write_batch(&self.rows);
        }
        self.rows.clear();
    }
}

/// The JSON-lines file: the open file, its length, and the lines not yet on disk.
struct FileSink {
    opts: FileOptions,
    file: std::fs::File,
    len: u64,
    /// Whole lines waiting to be written (a write the disk refused is kept here).
    pending: Vec<u8>,
    dropped: u64,
    last_warn: Option<Instant>,
}

impl FileSink {
    fn open(opts: FileOptions) -> std::io::Result<FileSink> {
        let file = open_file(&opts.path)?;
        let len = file.metadata()?.len();
        Ok(FileSink {
            opts,
            file,
            len,
            pending: Vec::new(),
            dropped: 0,
            last_warn: None,
        })
    }

    /// Drop the oldest whole lines while more than [`USAGE_PENDING_MAX`] bytes wait.
    fn bound_pending(&mut self) {
        while self.pending.len() > USAGE_PENDING_MAX {
            let cut = self
                .pending
                .iter()
                .position(|b| *b == b'\n')
                .map_or(self.pending.len(), |i| i + 1);
            self.pending.drain(..cut);
            self.dropped += 1;
        }
    }

    /// Write the waiting lines, whole or not at all.
    fn write_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if self.len > 0 && self.len + self.pending.len() as u64 > self.opts.max_bytes {
            self.rotate();
        }
        match write_whole(&mut self.file, self.len, &self.pending) {
            Ok(()) => {
                self.len += self.pending.len() as u64;
                self.pending.clear();
                if self.dropped > 0 {
                    tracing::warn!(
                        dropped = self.dropped,
                        "usage log: records were dropped while the file could not be written"
                    );
                    self.dropped = 0;
                }
            }
            Err(e) => {
                let lines = self.pending.iter().filter(|b| **b == b'\n').count();
                self.warn(&format!(
                    "cannot write {} usage record(s) to {}: {e}; keeping them and retrying",
                    lines,
                    self.opts.path.display()
                ));
            }
        }
    }

    /// Log `msg` unless a warning was logged less than [`USAGE_WARN_EVERY`] ago; whether it
    /// was logged.
    fn warn(&mut self, msg: &str) -> bool {
        let now = Instant::now();
        if self
            .last_warn
            .is_none_or(|t| now.duration_since(t) >= USAGE_WARN_EVERY)
        {
            self.last_warn = Some(now);
            tracing::warn!("{msg}");
            return true;
        }
        false
    }

    /// `PATH` becomes `PATH.1`, `PATH.1` becomes `PATH.2`, ... (the oldest past `keep` is
    /// removed), and a new `PATH` is opened.
    fn rotate(&mut self) {
        let p = &self.opts.path;
        let numbered = |n: u32| {
            let mut s = p.as_os_str().to_owned();
            s.push(format!(".{n}"));
            PathBuf::from(s)
        };
        let result = (|| -> std::io::Result<()> {
            if self.opts.keep == 0 {
                std::fs::remove_file(p)?;
            } else {
                let _ = std::fs::remove_file(numbered(self.opts.keep));
                for n in (1..self.opts.keep).rev() {
                    match std::fs::rename(numbered(n), numbered(n + 1)) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                        _ => {}
                    }
                }
                std::fs::rename(p, numbered(1))?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.reopen(),
            Err(e) => {
                self.warn(&format!(
                    "cannot rotate the usage log {}: {e}; writing on past --usage-log-max-bytes",
                    p.display()
                ));
            }
        }
    }

    fn reopen(&mut self) {
        match open_file(&self.opts.path).and_then(|f| Ok((f.metadata()?.len(), f))) {
            Ok((len, file)) => {
                self.file = file;
                self.len = len;
            }
            Err(e) => {
                let msg = format!(
                    "cannot reopen the usage log {}: {e}; still writing to the file open before",
                    self.opts.path.display()
                );
                self.warn(&msg);
            }
        }
    }
}

/// Something the writer appends to and can cut back (the file; a failing disk in tests).
trait Append {
    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    fn truncate(&mut self, len: u64) -> std::io::Result<()>;
}

impl Append for std::fs::File {
    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write_all(bytes)
    }
    fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.set_len(len)
    }
}

/// Append `bytes` (whole lines) to a file `len` bytes long, or leave it `len` bytes long: a
/// write cut short by a full disk is taken back, so the file never ends in half a line.
fn write_whole(f: &mut impl Append, len: u64, bytes: &[u8]) -> std::io::Result<()> {
    match f.append(bytes) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = f.truncate(len);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_from_each_protocol() {
        let mut t = Tokens::default();
        t.absorb(
            &serde_json::json!({"usage": {"prompt_tokens": 10, "completion_tokens": 3,
            "prompt_tokens_details": {"cached_tokens": 4}}}),
        );
        assert_eq!(
            (t.input_tokens, t.output_tokens, t.cache_read_input_tokens),
            (Some(10), Some(3), Some(4))
        );
        let mut t = Tokens::default();
        t.absorb(
            &serde_json::json!({"type": "message_start", "message": {"usage": {"input_tokens": 7,
            "cache_read_input_tokens": 2, "cache_creation_input_tokens": 1}}}),
        );
        t.absorb(&serde_json::json!({"type": "message_delta", "usage": {"output_tokens": 9}}));
        assert_eq!(t.input_tokens, Some(7));
        assert_eq!(t.output_tokens, Some(9));
        assert_eq!(t.cache_creation_input_tokens, Some(1));
        let mut t = Tokens::default();
        t.absorb(&serde_json::json!({"type": "response.completed", "response": {"usage": {"input_tokens": 5, "output_tokens": 6}}}));
        assert_eq!((t.input_tokens, t.output_tokens), (Some(5), Some(6)));
    }

    /// A disk that takes `room` more bytes, then fails mid-write (as a full disk does).
    struct FullDisk {
        data: Vec<u8>,
        room: usize,
    }

    impl Append for FullDisk {
        fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            let n = bytes.len().min(self.room);
            self.data.extend_from_slice(&bytes[..n]);
            self.room -= n;
            if n < bytes.len() {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            Ok(())
        }
        fn truncate(&mut self, len: u64) -> std::io::Result<()> {
            self.data.truncate(len as usize);
            Ok(())
        }
    }

    #[test]
    fn a_full_disk_leaves_whole_lines_only() {
        let mut d = FullDisk {
            data: b"{\"a\":1}\n".to_vec(),
            room: 5,
        };
        let e = write_whole(&mut d, 8, b"{\"b\":2}\n{\"c\":3}\n").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(28));
        assert_eq!(d.data, b"{\"a\":1}\n");
        d.room = 100;
        write_whole(&mut d, 8, b"{\"b\":2}\n").unwrap();
        assert_eq!(d.data, b"{\"a\":1}\n{\"b\":2}\n");
    }

    #[test]
    fn write_failures_are_reported_once_per_interval() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = FileSink::open(FileOptions {
            path: dir.path().join("u.jsonl"),
            max_bytes: u64::MAX,
            keep: 1,
        })
        .unwrap();
        assert!(sink.warn("first"));
        assert!(!sink.warn("second, at once"));
        sink.last_warn = Instant::now().checked_sub(USAGE_WARN_EVERY);
        assert!(sink.warn("after the interval"));
    }

    #[test]
    fn pending_lines_are_bounded_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = FileSink::open(FileOptions {
            path: dir.path().join("u.jsonl"),
            max_bytes: u64::MAX,
            keep: 1,
        })
        .unwrap();
        let line = format!("{}\n", "x".repeat(1023));
        for _ in 0..(USAGE_PENDING_MAX / 1024 + 10) {
            sink.pending.extend_from_slice(line.as_bytes());
            sink.bound_pending();
        }
        assert!(sink.pending.len() <= USAGE_PENDING_MAX);
        assert_eq!(sink.dropped, 10);
        assert!(sink.pending.ends_with(b"x\n") && sink.pending.starts_with(b"x"));
    }
}
