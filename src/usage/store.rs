//! The usage store: one SQLite file (WAL, so `fgc usage` and the dashboard read while the
//! gateway writes), a versioned schema upgraded in place, batched inserts, retention.
//!
//! The schema version is SQLite's `user_version`. [`MIGRATIONS`] holds every step from an
//! empty file; opening runs the ones a file has not had, in one transaction each. A file
//! from a newer fgc is refused rather than guessed at.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, params};

use super::Row;

/// Every schema step, in order; the schema version is the number of steps applied.
pub const MIGRATIONS: &[&str] = &[
    // 1: the requests table (fgc 0.1 with issue 13).
    "CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        ts_ms INTEGER NOT NULL,
        api TEXT NOT NULL,
        alias TEXT NOT NULL,
        route TEXT,
        served_alias TEXT,
        deployment TEXT,
        upstream_model TEXT,
        stream INTEGER NOT NULL,
        status INTEGER,
        outcome TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cache_read_input_tokens INTEGER,
        cache_creation_input_tokens INTEGER,
        ttfb_ms REAL,
        duration_ms REAL NOT NULL,
        tokens_per_second REAL
    );
    CREATE INDEX requests_ts ON requests(ts_ms);",
    // 2: imported records carry a key (file line digest) so importing a file twice adds
    // nothing; records written by the gateway have none.
    "ALTER TABLE requests ADD COLUMN import_key TEXT;
    CREATE UNIQUE INDEX requests_import_key ON requests(import_key)
        WHERE import_key IS NOT NULL;",
    // 3: the figures per UTC day and label set, kept with every insert and delete, so a
    // summary reads a few thousand rows instead of every request (docs/performance.md:
    // 2 s over a million requests before, milliseconds after). "None" is written '' or 0
    // here so the key can be a primary key. Filled from the requests already stored.
    "CREATE TABLE daily (
        day INTEGER NOT NULL,
        alias TEXT NOT NULL,
        served_alias TEXT NOT NULL,
        deployment TEXT NOT NULL,
        route TEXT NOT NULL,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        counted INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_read_input_tokens INTEGER NOT NULL,
        cache_creation_input_tokens INTEGER NOT NULL,
        ttfb_sum REAL NOT NULL,
        ttfb_n INTEGER NOT NULL,
        tps_sum REAL NOT NULL,
        tps_n INTEGER NOT NULL,
        duration_sum REAL NOT NULL,
        first_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        PRIMARY KEY (day, alias, served_alias, deployment, route, status, outcome, counted)
    ) WITHOUT ROWID;
    INSERT INTO daily SELECT * FROM daily_from_requests;",
];

/// The daily rows of a set of requests (`daily_from_requests` is substituted by the SQL
/// text below with the set's `WHERE`).
const DAILY_FROM_REQUESTS: &str = "SELECT ts_ms / 86400000, alias, coalesce(served_alias, ''),
    coalesce(deployment, ''), coalesce(route, ''), coalesce(status, 0), outcome,
    api <> 'count_tokens',
    count(*),
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN input_tokens END), 0),
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN output_tokens END), 0),
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN cache_read_input_tokens END), 0),
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN cache_creation_input_tokens END), 0),
    coalesce(sum(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN ttfb_ms END), 0.0),
    count(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN ttfb_ms END),
    coalesce(sum(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN tokens_per_second END), 0.0),
    count(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN tokens_per_second END),
    coalesce(sum(duration_ms), 0.0), min(ts_ms), max(ts_ms)
    FROM requests WHERE_CLAUSE GROUP BY 1, 2, 3, 4, 5, 6, 7, 8";

const DAY: i64 = 86_400_000;

/// One daily row's key.
type DayKey = (i64, String, String, String, String, i64, String, bool);

/// One daily row's sums.
#[derive(Default)]
struct DaySums {
    requests: i64,
    tokens: [i64; 4],
    ttfb_sum: f64,
    ttfb_n: i64,
    tps_sum: f64,
    tps_n: i64,
    duration_sum: f64,
    first_ms: i64,
    last_ms: i64,
}

/// The schema version this fgc writes.
pub const VERSION: usize = MIGRATIONS.len();

/// How long a connection waits for another one's write lock before giving up.
const BUSY: Duration = Duration::from_secs(5);

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the usage store {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(
        "the usage store {path} has schema version {found}, newer than this fgc knows ({VERSION}): upgrade fgc, or point --db at another file"
    )]
    Newer { path: PathBuf, found: usize },
    #[error("no usage store at {0} (fgc serve creates it when it starts; --db names another file)")]
    Missing(PathBuf),
    #[error("usage store: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open `path`, creating it (and its folder, mode 0600) when absent, and bring its schema
    /// up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            path: path.to_path_buf(),
            source: e,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.into()))?;
        }
        // Create it 0600 first: SQLite gives the -wal and -shm files the same mode.
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(path).map_err(|e| open_err(e.into()))?;
        let conn = Connection::open(path).map_err(|e| open_err(e.into()))?;
        Self::setup(conn, path, true)
    }

    /// Open an existing store to read (`fgc usage`): never creates a file.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            source: e.into(),
        })?;
        Self::setup(conn, path, true)
    }

    /// A store in memory (tests, benchmarks).
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::setup(Connection::open_in_memory()?, Path::new(":memory:"), true)
    }

    /// Open `path` and apply only the first `version` migrations (tests of the upgrade path).
    pub fn open_at_version(path: &Path, version: usize) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        let mut s = Store {
            conn,
            path: path.to_path_buf(),
        };
        s.migrate_to(version)?;
        Ok(s)
    }

    fn setup(conn: Connection, path: &Path, migrate: bool) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY)?;
        // WAL: readers never block the writer; NORMAL sync is durable across process
        // crashes (a power cut may lose the last batch, never corrupt the file).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut s = Store {
            conn,
            path: path.to_path_buf(),
        };
        if migrate {
            s.migrate_to(VERSION)?;
        }
        Ok(s)
    }

    /// Where the store is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file.
    pub fn version(&self) -> Result<usize, StoreError> {
        let v: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok(v.max(0) as usize)
    }

    fn migrate_to(&mut self, target: usize) -> Result<(), StoreError> {
        let found = self.version()?;
        if found > VERSION {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found,
            });
        }
        for (i, step) in MIGRATIONS.iter().enumerate().take(target).skip(found) {
            // IMMEDIATE: take the write lock first (waiting up to the busy timeout), then read
            // the version again: two processes opening a new file at once (a gateway and
            // `fgc usage import`) must not both run a step.
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if now as usize > i {
                continue;
            }
            let step = step.replace(
                "SELECT * FROM daily_from_requests",
                &DAILY_FROM_REQUESTS.replace("WHERE_CLAUSE", ""),
            );
            tx.execute_batch(&step)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Insert `rows` in one transaction. Returns how many were added.
    pub fn insert(&mut self, rows: &[Row]) -> Result<usize, StoreError> {
        self.insert_keyed(rows.iter().map(|r| (r, None)))
    }

    /// Insert rows with an import key each; a key already present is skipped.
    pub fn insert_keyed<'a>(
        &mut self,
        rows: impl IntoIterator<Item = (&'a Row, Option<String>)>,
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut added = 0;
        let mut days: std::collections::HashMap<DayKey, DaySums> = Default::default();
        {
            let mut st = tx.prepare_cached(
                "INSERT OR IGNORE INTO requests (ts_ms, api, alias, route, served_alias,
                 deployment, upstream_model, stream, status, outcome, attempts, input_tokens,
                 output_tokens, cache_read_input_tokens, cache_creation_input_tokens, ttfb_ms,
                 duration_ms, tokens_per_second, import_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19)",
            )?;
            for (r, key) in rows {
                let tok = |v: Option<u64>| v.map(|n| n.min(i64::MAX as u64) as i64);
                let inserted = st.execute(params![
                    r.ts_ms,
                    r.api,
                    r.alias,
                    r.route,
                    r.served_alias,
                    r.deployment,
                    r.upstream_model,
                    r.stream,
                    r.status,
                    r.outcome,
                    r.attempts,
                    tok(r.input_tokens),
                    tok(r.output_tokens),
                    tok(r.cache_read_input_tokens),
                    tok(r.cache_creation_input_tokens),
                    r.ttfb_ms,
                    r.duration_ms,
                    r.tokens_per_second,
                    key,
                ])?;
                if inserted == 1 {
                    add_to_day(&mut days, r);
                }
                added += inserted;
            }
            let mut up = tx.prepare_cached(
                "INSERT INTO daily VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
                 ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
                 ON CONFLICT (day, alias, served_alias, deployment, route, status, outcome,
                 counted) DO UPDATE SET requests = requests + excluded.requests,
                 input_tokens = input_tokens + excluded.input_tokens,
                 output_tokens = output_tokens + excluded.output_tokens,
                 cache_read_input_tokens = cache_read_input_tokens + excluded.cache_read_input_tokens,
                 cache_creation_input_tokens = cache_creation_input_tokens + excluded.cache_creation_input_tokens,
                 ttfb_sum = ttfb_sum + excluded.ttfb_sum, ttfb_n = ttfb_n + excluded.ttfb_n,
                 tps_sum = tps_sum + excluded.tps_sum, tps_n = tps_n + excluded.tps_n,
                 duration_sum = duration_sum + excluded.duration_sum,
                 first_ms = min(first_ms, excluded.first_ms),
                 last_ms = max(last_ms, excluded.last_ms)",
            )?;
            for (k, v) in days {
                up.execute(params![
                    k.0,
                    k.1,
                    k.2,
                    k.3,
                    k.4,
                    k.5,
                    k.6,
                    k.7,
                    v.requests,
                    v.tokens[0],
                    v.tokens[1],
                    v.tokens[2],
                    v.tokens[3],
                    v.ttfb_sum,
                    v.ttfb_n,
                    v.tps_sum,
                    v.tps_n,
                    v.duration_sum,
                    v.first_ms,
                    v.last_ms
                ])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Delete the records from before `before_ms`, and their share of the daily figures.
    /// Returns how many went.
    pub fn delete_before(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let n = tx.execute("DELETE FROM requests WHERE ts_ms < ?1", [before_ms])?;
        let day = before_ms.div_euclid(DAY);
        tx.execute("DELETE FROM daily WHERE day < ?1", [day])?;
        if n > 0 && before_ms.rem_euclid(DAY) != 0 {
            // The day the cut falls in: counted again from what is left of it.
            tx.execute("DELETE FROM daily WHERE day = ?1", [day])?;
            let refill = format!(
                "INSERT INTO daily {}",
                DAILY_FROM_REQUESTS.replace("WHERE_CLAUSE", "WHERE ts_ms >= ?1 AND ts_ms < ?2")
            );
            tx.execute(&refill, [day * DAY, (day + 1) * DAY])?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Retention: delete what is older than `days` before `now_ms`.
    pub fn prune(&mut self, days: u32, now_ms: i64) -> Result<usize, StoreError> {
        self.delete_before(now_ms - i64::from(days) * 86_400_000)
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }
}

fn add_to_day(days: &mut std::collections::HashMap<DayKey, DaySums>, r: &Row) {
    let counted = r.api != "count_tokens";
    let key = (
        r.ts_ms.div_euclid(DAY),
        r.alias.clone(),
        r.served_alias.clone().unwrap_or_default(),
        r.deployment.clone().unwrap_or_default(),
        r.route.clone().unwrap_or_default(),
        i64::from(r.status.unwrap_or(0)),
        r.outcome.clone(),
        counted,
    );
    let d = days.entry(key).or_insert_with(|| DaySums {
        first_ms: r.ts_ms,
        last_ms: r.ts_ms,
        ..DaySums::default()
    });
    d.requests += 1;
    if counted {
        let tok = |v: Option<u64>| v.map_or(0, |n| n.min(i64::MAX as u64) as i64);
        for (slot, v) in d.tokens.iter_mut().zip([
            r.input_tokens,
            r.output_tokens,
            r.cache_read_input_tokens,
            r.cache_creation_input_tokens,
        ]) {
            *slot = slot.saturating_add(tok(v));
        }
        if r.ok() {
            if let Some(t) = r.ttfb_ms {
                d.ttfb_sum += t;
                d.ttfb_n += 1;
            }
            if let Some(t) = r.tokens_per_second {
                d.tps_sum += t;
                d.tps_n += 1;
            }
        }
    }
    d.duration_sum += r.duration_ms;
    d.first_ms = d.first_ms.min(r.ts_ms);
    d.last_ms = d.last_ms.max(r.ts_ms);
}

/// Records held while the store refuses writes (disk full, locked past the busy timeout),
/// retried with the next batch; past this the oldest are dropped and counted.
const PENDING_MAX: usize = 100_000;
/// How often retention runs while the gateway is up.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The store as the gateway's writer sees it: batches in, retention applied at start and
/// hourly, failures retried and reported (at most once a minute) instead of lost silently.
pub struct StoreSink {
    store: Store,
    retention_days: Option<u32>,
    last_prune: Option<std::time::Instant>,
    pending: Vec<Row>,
    dropped: u64,
    last_warning: Option<std::time::Instant>,
}

impl StoreSink {
    pub fn new(store: Store, retention_days: Option<u32>) -> Self {
        let mut s = StoreSink {
            store,
            retention_days,
            last_prune: None,
            pending: Vec::new(),
            dropped: 0,
            last_warning: None,
        };
        s.prune_if_due();
        s
    }

    fn prune_if_due(&mut self) {
        let Some(days) = self.retention_days else {
            return;
        };
        if self.last_prune.is_some_and(|t| t.elapsed() < PRUNE_EVERY) {
            return;
        }
        self.last_prune = Some(std::time::Instant::now());
        match self.store.prune(days, super::period::now_ms()) {
            Ok(0) => {}
            Ok(n) => tracing::info!("usage store: {n} record(s) older than {days} days removed"),
            Err(e) => self.warn(&e.to_string()),
        }
    }

    fn warn(&mut self, msg: &str) {
        if self
            .last_warning
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(60))
        {
            self.last_warning = Some(std::time::Instant::now());
            tracing::warn!(
                "usage store {}: {msg} ({} record(s) waiting, {} dropped)",
                self.store.path().display(),
                self.pending.len(),
                self.dropped
            );
        }
    }
}

impl super::Sink for StoreSink {
    fn write_batch(&mut self, rows: &[Row]) {
        self.prune_if_due();
        if rows.is_empty() && self.pending.is_empty() {
            return;
        }
        let result = if self.pending.is_empty() {
            self.store.insert(rows)
        } else {
            self.pending.extend_from_slice(rows);
            let r = self.store.insert(&self.pending);
            if r.is_ok() {
                self.pending.clear();
            }
            r
        };
        if let Err(e) = result {
            if self.pending.is_empty() {
                self.pending.extend_from_slice(rows);
            }
            if self.pending.len() > PENDING_MAX {
                let over = self.pending.len() - PENDING_MAX;
                self.pending.drain(..over);
                self.dropped += over as u64;
            }
            self.warn(&e.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn row(ts_ms: i64, alias: &str, outcome: &str) -> Row {
        Row {
            ts_ms,
            api: "messages".into(),
            alias: alias.into(),
            status: Some(if outcome == "ok" { 200 } else { 502 }),
            outcome: outcome.into(),
            attempts: 1,
            input_tokens: Some(100),
            output_tokens: Some(10),
            duration_ms: 50.0,
            ..Row::default()
        }
    }

    #[test]
    fn insert_prune_delete() {
        let mut s = Store::in_memory().unwrap();
        assert_eq!(s.version().unwrap(), VERSION);
        let rows: Vec<Row> = (0..10).map(|i| row(i * 86_400_000, "a", "ok")).collect();
        assert_eq!(s.insert(&rows).unwrap(), 10);
        // Keep 3 days before day 9: days 6..=9 stay.
        assert_eq!(s.prune(3, 9 * 86_400_000).unwrap(), 6);
        assert_eq!(s.delete_before(8 * 86_400_000).unwrap(), 2);
        let n: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM requests", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn import_keys_skip_duplicates() {
        let mut s = Store::in_memory().unwrap();
        let r = row(1, "a", "ok");
        let once = s.insert_keyed([(&r, Some("k1".into()))]).unwrap();
        let twice = s
            .insert_keyed([(&r, Some("k1".into())), (&r, None), (&r, None)])
            .unwrap();
        assert_eq!((once, twice), (1, 2));
    }

    #[test]
    fn a_version_1_file_is_upgraded_and_keeps_its_records() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("old.db");
        {
            let old = Store::open_at_version(&p, 1).unwrap();
            assert_eq!(old.version().unwrap(), 1);
            old.conn
                .execute(
                    "INSERT INTO requests (ts_ms, api, alias, stream, outcome, attempts,
                     duration_ms) VALUES (5, 'chat', 'old-alias', 0, 'ok', 1, 12.5)",
                    [],
                )
                .unwrap();
        }
        let mut s = Store::open(&p).unwrap();
        assert_eq!(s.version().unwrap(), VERSION);
        let r = row(6, "new", "ok");
        assert_eq!(s.insert_keyed([(&r, Some("x".into()))]).unwrap(), 1);
        assert_eq!(s.insert_keyed([(&r, Some("x".into()))]).unwrap(), 0);
        let aliases: Vec<String> = s
            .conn
            .prepare("SELECT alias FROM requests ORDER BY ts_ms")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(aliases, ["old-alias", "new"]);
    }

    #[test]
    fn a_newer_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.db");
        {
            let s = Store::open(&p).unwrap();
            s.conn
                .pragma_update(None, "user_version", (VERSION + 1) as i64)
                .unwrap();
        }
        let e = Store::open(&p).unwrap_err();
        assert!(matches!(e, StoreError::Newer { .. }), "{e}");
    }

    #[test]
    fn processes_opening_a_new_file_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("race.db");
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let p = p.clone();
                std::thread::spawn(move || {
                    let mut s = Store::open(&p)?;
                    s.insert(&[row(i, "a", "ok")])
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap().unwrap(), 1);
        }
        assert_eq!(Store::open(&p).unwrap().version().unwrap(), VERSION);
    }

    #[cfg(unix)]
    #[test]
    fn created_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/usage.db");
        let mut s = Store::open(&p).unwrap();
        s.insert(&[row(1, "a", "ok")]).unwrap();
        for f in ["usage.db", "usage.db-wal"] {
            let mode = std::fs::metadata(dir.path().join("sub").join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
}
