//! Usage records: one JSON line per request (alias, deployment, status, tokens when the
//! upstream reports them, time to first byte, duration, tokens per second). Never the
//! prompt, the answer or a key. Records are written by one background thread so a request
//! never waits on the disk: in batches into the usage store ([`crate::usage::Store`], through
//! a [`crate::usage::Sink`]) and, when asked for, as JSON lines into a file. Every finished
//! record also updates the Prometheus counters ([`super::metrics`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::metrics::Metrics;
use crate::usage::{Row, Sink};

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

/// Finds usage in a server-sent-event stream without holding the stream: only the partial
/// last line is carried between chunks, and lines are parsed only when they mention usage.
#[derive(Debug, Default)]
pub struct SseScanner {
    carry: Vec<u8>,
    pub tokens: Tokens,
}

impl SseScanner {
    pub fn feed(&mut self, chunk: &[u8]) {
        let Some(last_nl) = chunk.iter().rposition(|b| *b == b'\n') else {
            if self.carry.len() < 1 << 20 {
                self.carry.extend_from_slice(chunk);
            }
            return;
        };
        let (complete, rest) = chunk.split_at(last_nl + 1);
        if self.carry.is_empty() {
            self.scan(complete);
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(complete);
            self.scan(&joined);
        }
        self.carry.clear();
        self.carry.extend_from_slice(rest);
    }

    fn scan(&mut self, lines: &[u8]) {
        if memfind(lines, b"usage").is_none() {
            return;
        }
        for line in lines.split(|b| *b == b'\n') {
            let Some(data) = line.strip_prefix(b"data:") else {
                continue;
            };
            if memfind(data, b"usage").is_none() {
                continue;
            }
            if let Ok(v) = serde_json::from_slice::<Value>(data) {
                self.tokens.absorb(&v);
            }
        }
    }
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One request's record, filled in as the request goes.
#[derive(Debug, Serialize)]
pub struct Record {
    /// Unix time in milliseconds when the request arrived.
    pub ts_ms: u64,
    pub api: &'static str,
    /// The name the client asked for.
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
    pub status: u16,
    /// `ok`, `error`, `stream_error` or `client_closed`.
    pub outcome: &'static str,
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
            ts_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            api,
            alias: alias.to_string(),
            route: None,
            served_alias: None,
            deployment: None,
            upstream_model: None,
            stream,
            status: 0,
            outcome: "error",
            attempts: 0,
            tokens: Tokens::default(),
            ttfb_ms: None,
            duration_ms: 0.0,
            tokens_per_second: None,
            started: Instant::now(),
            first_byte: None,
        }
    }

    /// Close the record: durations and speed from the timestamps.
    pub fn finish(&mut self, status: u16, outcome: &'static str) {
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
            status = self.status,
            outcome = self.outcome,
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
            status: (self.status > 0).then_some(self.status),
            outcome: self.outcome.to_string(),
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

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// How long the writer gathers records before one write.
const BATCH: Duration = Duration::from_millis(20);

/// The writer side: cheap to clone, never blocks a request.
#[derive(Clone, Debug)]
pub struct UsageLog {
    tx: Option<mpsc::UnboundedSender<Msg>>,
    /// Whether records go to the JSON-lines file / to the store.
    lines: bool,
    rows: bool,
    /// The store the records go to, for the readers (`/api/usage`, the dashboard).
    store_path: Option<PathBuf>,
    pub metrics: Arc<Metrics>,
}

#[derive(Debug)]
enum Msg {
    Line(String),
    Row(Box<Row>),
    /// Answered once every line sent before it is on disk.
    Flush(std::sync::mpsc::Sender<()>),
}

impl UsageLog {
    /// No usage file.
    pub fn disabled() -> Self {
        UsageLog {
            tx: None,
            lines: false,
            rows: false,
            store_path: None,
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Append to `path` (created with its folder, mode 0600) from a background task.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        Self::start(Some(path), None)
    }

    /// Write records from a background thread: as JSON lines into `path` when given, and in
    /// batches into `sink` (the usage store at `sink.0`) when given.
    pub fn start(
        path: Option<&Path>,
        sink: Option<(PathBuf, Box<dyn Sink>)>,
    ) -> std::io::Result<Self> {
        let file = match path {
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let mut opts = std::fs::OpenOptions::new();
                opts.create(true).append(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                Some(opts.open(path)?)
            }
            None => None,
        };
        let (store_path, mut sink) = match sink {
            Some((p, s)) => (Some(p), Some(s)),
            None => (None, None),
        };
        let mut log = UsageLog::disabled();
        log.lines = file.is_some();
        log.rows = sink.is_some();
        log.store_path = store_path;
        if file.is_none() && sink.is_none() {
            return Ok(log);
        }
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        std::thread::Builder::new()
            .name("fgc-usage".into())
            .spawn(move || {
                let mut w = file.map(std::io::BufWriter::new);
                let mut rows = Vec::new();
                while let Some(msg) = rx.blocking_recv() {
                    let mut acks = Vec::new();
                    let mut take =
                        |m: Msg, w: &mut Option<std::io::BufWriter<std::fs::File>>| match m {
                            Msg::Line(l) => {
                                if let Some(w) = w {
                                    let _ = w.write_all(l.as_bytes());
                                }
                            }
                            Msg::Row(r) => rows.push(*r),
                            Msg::Flush(ack) => acks.push(ack),
                        };
                    // A flush alone (a reader of the store) need not wait for a batch.
                    let alone = matches!(msg, Msg::Flush(_));
                    take(msg, &mut w);
                    // Gather what arrives in the next few milliseconds into one write, so a
                    // busy gateway does not wake this thread once per request.
                    if !alone {
                        std::thread::sleep(BATCH);
                    }
                    while let Ok(more) = rx.try_recv() {
                        take(more, &mut w);
                    }
                    if let Some(w) = &mut w {
                        let _ = w.flush();
                    }
                    if let Some(sink) = &mut sink {
                        sink.write_batch(&rows);
                    }
                    rows.clear();
                    for a in acks {
                        let _ = a.send(());
                    }
                }
            })?;
        log.tx = Some(tx);
        Ok(log)
    }

    /// The usage store records go to, when there is one.
    pub fn store_path(&self) -> Option<&Path> {
        self.store_path.as_deref()
    }

    pub fn write(&self, rec: &Record) {
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

    /// Wait (at most `limit`) until every record written so far is on disk.
    pub fn flush(&self, limit: Duration) {
        if let Some(tx) = &self.tx {
            let (ack, done) = std::sync::mpsc::channel();
            if tx.send(Msg::Flush(ack)).is_ok() {
                let _ = done.recv_timeout(limit);
            }
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

    #[test]
    fn scanner_joins_lines_split_across_chunks() {
        let mut s = SseScanner::default();
        s.feed(b"data: {\"choices\":[]}\n\ndata: {\"usage\":{\"prompt_");
        s.feed(b"tokens\":11,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n");
        assert_eq!(s.tokens.input_tokens, Some(11));
        assert_eq!(s.tokens.output_tokens, Some(2));
    }
}
