//! What is read from the store: the summary (the figures of docs/usage.md), the same figures
//! per alias, deployment, route, day or status, and records a page at a time. Every query is
//! one SQL statement over the filtered records.
//!
//! `count_tokens` requests count as requests but not toward tokens or speeds: counting a
//! prompt spends nothing, and Claude Code counts often.

use rusqlite::types::Value as Sql;
use serde::Serialize;

use super::Row;
use super::period;
use super::store::{Store, StoreError};

/// Which records a query reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// From this time on (Unix ms, inclusive).
    pub since_ms: Option<i64>,
    /// Before this time (Unix ms, exclusive).
    pub until_ms: Option<i64>,
    /// The name the client asked for, or the alias that served it.
    pub alias: Option<String>,
    pub deployment: Option<String>,
    pub route: Option<String>,
    pub status: Option<StatusFilter>,
}

/// `status=`: `success` (or `ok`), `error` (everything else), an HTTP status, or an outcome
/// name (`client_closed`, `stream_error`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    Success,
    Error,
    Code(u16),
    Outcome(String),
}

impl StatusFilter {
    pub fn parse(s: &str) -> StatusFilter {
        match s.trim() {
            "success" | "ok" => StatusFilter::Success,
            "error" | "failed" => StatusFilter::Error,
            t => match t.parse::<u16>() {
                Ok(n) => StatusFilter::Code(n),
                Err(_) => StatusFilter::Outcome(t.to_string()),
            },
        }
    }
}

/// Where a filter's records are counted from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    /// One row per request.
    Requests,
    /// One row per UTC day and label set (see `store.rs`, migration 3).
    Daily,
}

impl Filter {
    /// The `WHERE` clause and its parameters, for `table`. On `Daily`, `since_ms`/`until_ms`
    /// must be whole days.
    fn sql(&self, table: Table) -> (String, Vec<Sql>) {
        let mut w = Vec::new();
        let mut p = Vec::new();
        let daily = table == Table::Daily;
        if let Some(s) = self.since_ms {
            w.push(if daily { "day >= ?" } else { "ts_ms >= ?" });
            p.push(Sql::Integer(if daily { s / DAY } else { s }));
        }
        if let Some(u) = self.until_ms {
            w.push(if daily { "day < ?" } else { "ts_ms < ?" });
            p.push(Sql::Integer(if daily { u / DAY } else { u }));
        }
        if let Some(a) = &self.alias {
            w.push("(alias = ? OR served_alias = ?)");
            p.push(Sql::Text(a.clone()));
            p.push(Sql::Text(a.clone()));
        }
        if let Some(d) = &self.deployment {
            w.push("deployment = ?");
            p.push(Sql::Text(d.clone()));
        }
        if let Some(r) = &self.route {
            w.push("route = ?");
            p.push(Sql::Text(r.clone()));
        }
        match &self.status {
            None => {}
            Some(StatusFilter::Success) => w.push("outcome = 'ok'"),
            Some(StatusFilter::Error) => w.push("outcome <> 'ok'"),
            Some(StatusFilter::Code(c)) => {
                w.push("status = ?");
                p.push(Sql::Integer(i64::from(*c)));
            }
            Some(StatusFilter::Outcome(o)) => {
                w.push("outcome = ?");
                p.push(Sql::Text(o.clone()));
            }
        }
        let clause = if w.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", w.join(" AND "))
        };
        (clause, p)
    }

    /// The filter cut into the whole UTC days inside its period (read from the daily
    /// table) and the at most two part-days at its edges (read from the requests).
    fn split(&self) -> (Option<Filter>, Vec<Filter>) {
        let first_day = self
            .since_ms
            .map(|s| s.div_euclid(DAY) + i64::from(s.rem_euclid(DAY) != 0));
        let end_day = self.until_ms.map(|u| u.div_euclid(DAY));
        if let (Some(a), Some(b)) = (first_day, end_day)
            && a >= b
        {
            return (None, vec![self.clone()]);
        }
        let mut edges = Vec::new();
        if let (Some(s), Some(d)) = (self.since_ms, first_day)
            && s < d * DAY
        {
            edges.push(Filter {
                since_ms: Some(s),
                until_ms: Some(d * DAY),
                ..self.clone()
            });
        }
        if let (Some(u), Some(d)) = (self.until_ms, end_day)
            && u > d * DAY
        {
            edges.push(Filter {
                since_ms: Some(d * DAY),
                until_ms: Some(u),
                ..self.clone()
            });
        }
        let days = Filter {
            since_ms: first_day.map(|d| d * DAY),
            until_ms: end_day.map(|d| d * DAY),
            ..self.clone()
        };
        (Some(days), edges)
    }
}

const DAY: i64 = 86_400_000;

/// The figures of a set of records (docs/usage.md, "The figures").
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub requests: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// `succeeded / requests`; `null` with no requests.
    pub success_rate: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_input_tokens: u64,
    pub cache_creation_input_tokens: u64,
    /// `cache_read / (input + cache_read + cache_creation)`, the share of prompt tokens read
    /// from a cache, counted Anthropic's way (its `input_tokens` leaves both cache counts
    /// out); `null` with no input tokens.
    pub cache_hit_rate: Option<f64>,
    /// Mean time to first byte of successful requests, ms.
    pub avg_ttfb_ms: Option<f64>,
    /// Mean output speed of the successful requests that report one.
    pub avg_tokens_per_second: Option<f64>,
    pub avg_duration_ms: Option<f64>,
    /// The first and last record's time (Unix ms).
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// Sums from which a [`Summary`] is made; sums of parts add up.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Partial {
    requests: u64,
    succeeded: u64,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    ttfb_sum: f64,
    ttfb_n: u64,
    tps_sum: f64,
    tps_n: u64,
    duration_sum: f64,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
}

impl Partial {
    fn add(&mut self, o: &Partial) {
        self.requests += o.requests;
        self.succeeded += o.succeeded;
        self.input += o.input;
        self.output += o.output;
        self.cache_read += o.cache_read;
        self.cache_creation += o.cache_creation;
        self.ttfb_sum += o.ttfb_sum;
        self.ttfb_n += o.ttfb_n;
        self.tps_sum += o.tps_sum;
        self.tps_n += o.tps_n;
        self.duration_sum += o.duration_sum;
        self.first_ms = [self.first_ms, o.first_ms].into_iter().flatten().min();
        self.last_ms = [self.last_ms, o.last_ms].into_iter().flatten().max();
    }

    fn read(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Partial> {
        let n = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(at + i)?.max(0) as u64) };
        Ok(Partial {
            requests: n(0)?,
            succeeded: n(1)?,
            input: n(2)?,
            output: n(3)?,
            cache_read: n(4)?,
            cache_creation: n(5)?,
            ttfb_sum: r.get(at + 6)?,
            ttfb_n: n(7)?,
            tps_sum: r.get(at + 8)?,
            tps_n: n(9)?,
            duration_sum: r.get(at + 10)?,
            first_ms: r.get(at + 11)?,
            last_ms: r.get(at + 12)?,
        })
    }

    fn summary(&self) -> Summary {
        let round = |v: Option<f64>, places: i32| {
            let k = 10f64.powi(places);
            v.map(|v| (v * k).round() / k)
        };
        let avg = |sum: f64, n: u64| (n > 0).then(|| sum / n as f64);
        let prompt = self.input + self.cache_read + self.cache_creation;
        Summary {
            requests: self.requests,
            succeeded: self.succeeded,
            failed: self.requests - self.succeeded,
            success_rate: round(
                (self.requests > 0).then(|| self.succeeded as f64 / self.requests as f64),
                4,
            ),
            input_tokens: self.input,
            output_tokens: self.output,
            cache_read_input_tokens: self.cache_read,
            cache_creation_input_tokens: self.cache_creation,
            cache_hit_rate: round(
                (prompt > 0).then(|| self.cache_read as f64 / prompt as f64),
                4,
            ),
            avg_ttfb_ms: round(avg(self.ttfb_sum, self.ttfb_n), 1),
            avg_tokens_per_second: round(avg(self.tps_sum, self.tps_n), 1),
            avg_duration_ms: round(avg(self.duration_sum, self.requests), 1),
            first_ms: self.first_ms,
            last_ms: self.last_ms,
        }
    }
}

/// [`Partial`]'s columns over the requests table.
pub(super) const REQUEST_SUMS: &str = "count(*), \
    coalesce(sum(outcome = 'ok'), 0), \
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN input_tokens END), 0), \
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN output_tokens END), 0), \
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN cache_read_input_tokens END), 0), \
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN cache_creation_input_tokens END), 0), \
    coalesce(sum(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN ttfb_ms END), 0.0), \
    count(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN ttfb_ms END), \
    coalesce(sum(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN tokens_per_second END), 0.0), \
    count(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN tokens_per_second END), \
    coalesce(sum(duration_ms), 0.0), min(ts_ms), max(ts_ms)";

/// [`Partial`]'s columns over the daily table.
const DAILY_SUMS: &str = "coalesce(sum(requests), 0), \
    coalesce(sum(CASE WHEN outcome = 'ok' THEN requests END), 0), \
    coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), \
    coalesce(sum(cache_read_input_tokens), 0), coalesce(sum(cache_creation_input_tokens), 0), \
    coalesce(sum(ttfb_sum), 0.0), coalesce(sum(ttfb_n), 0), \
    coalesce(sum(tps_sum), 0.0), coalesce(sum(tps_n), 0), \
    coalesce(sum(duration_sum), 0.0), min(first_ms), max(last_ms)";

/// What `fgc usage --by` and `group=` group on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The name the client asked for.
    Alias,
    /// The deployment that answered (`-`: none did).
    Deployment,
    /// The scenario route (`-`: not routed).
    Route,
    /// The UTC day.
    Day,
    /// The HTTP status sent (`-`: none was).
    Status,
}

impl Group {
    /// The grouped expression; the daily table writes "none" as `''` and status 0.
    fn column(self, table: Table) -> &'static str {
        match (self, table) {
            (Group::Alias, _) => "alias",
            (Group::Deployment, Table::Requests) => "deployment",
            (Group::Deployment, Table::Daily) => "nullif(deployment, '')",
            (Group::Route, Table::Requests) => "route",
            (Group::Route, Table::Daily) => "nullif(route, '')",
            (Group::Day, Table::Requests) => "ts_ms / 86400000",
            (Group::Day, Table::Daily) => "day",
            (Group::Status, Table::Requests) => "status",
            (Group::Status, Table::Daily) => "nullif(status, 0)",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Group::Alias => "alias",
            Group::Deployment => "deployment",
            Group::Route => "route",
            Group::Day => "day",
            Group::Status => "status",
        }
    }
}

/// One group's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupRow {
    /// The alias, deployment, route, day (`YYYY-MM-DD`) or status; `-` for none.
    pub key: String,
    #[serde(flatten)]
    pub summary: Summary,
}

/// A stored record with its id.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    pub id: i64,
    #[serde(flatten)]
    pub row: Row,
}

/// One page of records, newest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page {
    pub records: Vec<Record>,
    pub summary: Summary,
    pub page: PageInfo,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PageInfo {
    /// 1-based.
    pub page: u64,
    pub page_size: u64,
    /// Records matching the filter.
    pub total: u64,
    pub pages: u64,
}

/// The largest page served.
pub const MAX_PAGE_SIZE: u64 = 1000;

impl Store {
    /// The figures of the records `f` selects: whole days from the daily table, the
    /// part-days at the period's edges from the requests (through the time index).
    pub fn summary(&self, f: &Filter) -> Result<Summary, StoreError> {
        let (days, edges) = f.split();
        let mut total = Partial::default();
        if let Some(d) = days {
            total.add(&self.sums(&d, Table::Daily)?);
        }
        for e in edges {
            total.add(&self.sums(&e, Table::Requests)?);
        }
        Ok(total.summary())
    }

    /// The figures of `f` counted from the requests alone (tests check the daily table
    /// against it).
    pub fn summary_from_requests(&self, f: &Filter) -> Result<Summary, StoreError> {
        Ok(self.sums(f, Table::Requests)?.summary())
    }

    fn sums(&self, f: &Filter, table: Table) -> Result<Partial, StoreError> {
        let (w, p) = f.sql(table);
        let (cols, from) = match table {
            Table::Requests => (REQUEST_SUMS, "requests"),
            Table::Daily => (DAILY_SUMS, "daily"),
        };
        let sql = format!("SELECT {cols} FROM {from}{w}");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(p), |r| Partial::read(r, 0))?)
    }

    /// The figures per group: days in order, the rest by requests (most first).
    pub fn groups(&self, f: &Filter, by: Group) -> Result<Vec<GroupRow>, StoreError> {
        let (days, edges) = f.split();
        let mut merged: std::collections::HashMap<String, Partial> = Default::default();
        let parts = days
            .map(|d| (d, Table::Daily))
            .into_iter()
            .chain(edges.into_iter().map(|e| (e, Table::Requests)));
        for (part, table) in parts {
            let (w, p) = part.sql(table);
            let col = by.column(table);
            let (cols, from) = match table {
                Table::Requests => (REQUEST_SUMS, "requests"),
                Table::Daily => (DAILY_SUMS, "daily"),
            };
            let sql = format!("SELECT {col}, {cols} FROM {from}{w} GROUP BY 1");
            let mut st = self.conn().prepare_cached(&sql)?;
            let rows = st.query_map(rusqlite::params_from_iter(p), |r| {
                let key = match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Null => "-".to_string(),
                    rusqlite::types::ValueRef::Integer(i) if by == Group::Day => {
                        period::day_label(i * DAY)
                    }
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => format!("{other:?}"),
                };
                Ok((key, Partial::read(r, 1)?))
            })?;
            for row in rows {
                let (k, part) = row?;
                merged.entry(k).or_default().add(&part);
            }
        }
        let mut out: Vec<GroupRow> = merged
            .into_iter()
            .map(|(key, p)| GroupRow {
                key,
                summary: p.summary(),
            })
            .collect();
        if by == Group::Day {
            out.sort_by(|a, b| a.key.cmp(&b.key));
        } else {
            out.sort_by(|a, b| {
                b.summary
                    .requests
                    .cmp(&a.summary.requests)
                    .then_with(|| a.key.cmp(&b.key))
            });
        }
        Ok(out)
    }

    /// Page `page` (1-based) of `page_size` records, newest first, with the summary of all
    /// that match.
    pub fn page(&self, f: &Filter, page: u64, page_size: u64) -> Result<Page, StoreError> {
        let page = page.max(1);
        let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        let summary = self.summary(f)?;
        let (w, mut p) = f.sql(Table::Requests);
        let sql = format!(
            "SELECT id, ts_ms, api, alias, route, served_alias, deployment, upstream_model,
             stream, status, outcome, attempts, input_tokens, output_tokens,
             cache_read_input_tokens, cache_creation_input_tokens, ttfb_ms, duration_ms,
             tokens_per_second FROM requests{w} ORDER BY ts_ms DESC, id DESC LIMIT ? OFFSET ?"
        );
        p.push(Sql::Integer(page_size as i64));
        p.push(Sql::Integer(
            ((page - 1) * page_size).min(i64::MAX as u64) as i64
        ));
        let mut st = self.conn().prepare_cached(&sql)?;
        let tok = |v: Option<i64>| v.map(|n| n.max(0) as u64);
        let records = st
            .query_map(rusqlite::params_from_iter(p), |r| {
                Ok(Record {
                    id: r.get(0)?,
                    row: Row {
                        ts_ms: r.get(1)?,
                        api: r.get(2)?,
                        alias: r.get(3)?,
                        route: r.get(4)?,
                        served_alias: r.get(5)?,
                        deployment: r.get(6)?,
                        upstream_model: r.get(7)?,
                        stream: r.get(8)?,
                        status: r.get(9)?,
                        outcome: r.get(10)?,
                        attempts: r.get(11)?,
                        input_tokens: tok(r.get(12)?),
                        output_tokens: tok(r.get(13)?),
                        cache_read_input_tokens: tok(r.get(14)?),
                        cache_creation_input_tokens: tok(r.get(15)?),
                        ttfb_ms: r.get(16)?,
                        duration_ms: r.get(17)?,
                        tokens_per_second: r.get(18)?,
                    },
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let total = summary.requests;
        Ok(Page {
            records,
            summary,
            page: PageInfo {
                page,
                page_size,
                total,
                pages: total.div_ceil(page_size),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ts_ms: i64, alias: &str, outcome: &str) -> Row {
        Row {
            ts_ms,
            api: "messages".into(),
            alias: alias.into(),
            deployment: Some(format!("{alias}#0")),
            status: Some(if outcome == "ok" { 200 } else { 502 }),
            outcome: outcome.into(),
            attempts: 1,
            input_tokens: Some(100),
            output_tokens: Some(10),
            cache_read_input_tokens: Some(300),
            ttfb_ms: Some(20.0),
            duration_ms: 50.0,
            tokens_per_second: Some(40.0),
            ..Row::default()
        }
    }

    fn store() -> Store {
        let mut s = Store::in_memory().unwrap();
        let day = 86_400_000;
        let mut rows = vec![
            row(0, "a", "ok"),
            row(1, "a", "ok"),
            row(day, "b", "ok"),
            row(day + 1, "b", "error"),
        ];
        rows[3].ttfb_ms = Some(1000.0);
        rows[3].route = Some("background".into());
        rows.push(Row {
            api: "count_tokens".into(),
            ..row(day + 2, "a", "ok")
        });
        s.insert(&rows).unwrap();
        s
    }

    #[test]
    fn the_figures() {
        let s = store();
        let sum = s.summary(&Filter::default()).unwrap();
        assert_eq!(sum.requests, 5);
        assert_eq!(sum.succeeded, 4);
        assert_eq!(sum.success_rate, Some(0.8));
        // count_tokens counts as a request, not toward tokens.
        assert_eq!(sum.input_tokens, 400);
        assert_eq!(sum.cache_hit_rate, Some(0.75));
        // The failed request's 1000 ms is not a time to first token.
        assert_eq!(sum.avg_ttfb_ms, Some(20.0));
        let none = s
            .summary(&Filter {
                alias: Some("zzz".into()),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!((none.requests, none.success_rate), (0, None));
    }

    #[test]
    fn groups_and_filters() {
        let s = store();
        let days = s.groups(&Filter::default(), Group::Day).unwrap();
        let keys: Vec<_> = days
            .iter()
            .map(|g| (g.key.as_str(), g.summary.requests))
            .collect();
        assert_eq!(keys, [("1970-01-01", 2), ("1970-01-02", 3)]);
        let routes = s.groups(&Filter::default(), Group::Route).unwrap();
        assert_eq!(routes[0].key, "-");
        assert_eq!(routes[1].key, "background");
        let status = s.groups(&Filter::default(), Group::Status).unwrap();
        assert_eq!(status[0].key, "200");
        let f = Filter {
            status: Some(StatusFilter::parse("error")),
            ..Filter::default()
        };
        assert_eq!(s.summary(&f).unwrap().requests, 1);
        let f = Filter {
            since_ms: Some(1),
            until_ms: Some(86_400_001),
            ..Filter::default()
        };
        assert_eq!(s.summary(&f).unwrap().requests, 2);
    }

    /// The daily table agrees with the requests for any period, filter and deletion.
    #[test]
    fn daily_figures_match_the_requests() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut s = Store::in_memory().unwrap();
        let day = 86_400_000;
        let outcomes = ["ok", "ok", "ok", "error", "client_closed"];
        let mut rows = Vec::new();
        for i in 0..800 {
            let ok = outcomes[next(5) as usize];
            let mut r = row(
                i * 29_719_000 % (20 * day),
                ["a", "b", "c"][next(3) as usize],
                ok,
            );
            r.api = ["messages", "chat", "count_tokens"][next(3) as usize].into();
            r.route = [None, Some("think".to_string())][next(2) as usize].clone();
            r.served_alias = [None, Some("b".to_string())][next(2) as usize].clone();
            r.status = [None, Some(200), Some(502)][next(3) as usize];
            r.ttfb_ms = [None, Some(next(900) as f64)][next(2) as usize];
            r.cache_creation_input_tokens = Some(next(50));
            rows.push(r);
        }
        for chunk in rows.chunks(100) {
            s.insert(chunk).unwrap();
        }
        let check = |s: &Store, round: u64| {
            for k in 0..16u64 {
                let t = |x: u64| (x * 3_600_000 + x * 1234) as i64;
                let f = Filter {
                    since_ms: (k % 3 != 0).then(|| t(k * 11 % 480)),
                    until_ms: (k % 4 != 0).then(|| t(k * 11 % 480 + 1 + k * 37 % 200)),
                    alias: (k % 5 == 0).then(|| "b".to_string()),
                    route: (k % 7 == 0).then(|| "think".to_string()),
                    status: [
                        None,
                        Some(StatusFilter::Success),
                        Some(StatusFilter::Error),
                        Some(StatusFilter::Code(502)),
                    ][(k % 4) as usize]
                        .clone(),
                    ..Filter::default()
                };
                let a = s.summary(&f).unwrap();
                let b = s.summary_from_requests(&f).unwrap();
                assert_eq!(a, b, "round {round}, filter {f:?}");
                for by in [Group::Alias, Group::Day, Group::Status, Group::Route] {
                    let g = s.groups(&f, by).unwrap();
                    let n: u64 = g.iter().map(|g| g.summary.requests).sum();
                    assert_eq!(n, b.requests, "{by:?} {f:?}");
                }
            }
        };
        check(&s, 0);
        s.delete_before(3 * day + 5_000_000).unwrap();
        check(&s, 1);
        s.delete_before(9 * day).unwrap();
        check(&s, 2);
    }

    #[test]
    fn pages_newest_first() {
        let s = store();
        let p = s.page(&Filter::default(), 2, 2).unwrap();
        assert_eq!(p.page.total, 5);
        assert_eq!(p.page.pages, 3);
        let ts: Vec<i64> = p.records.iter().map(|r| r.row.ts_ms).collect();
        assert_eq!(ts, [86_400_000, 1]);
        assert_eq!(p.records[0].row.deployment.as_deref(), Some("b#0"));
        let empty = s.page(&Filter::default(), 9, 2).unwrap();
        assert!(empty.records.is_empty());
    }
}
