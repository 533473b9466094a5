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

impl Filter {
    /// The `WHERE` clause and its parameters.
    fn sql(&self) -> (String, Vec<Sql>) {
        let mut w = Vec::new();
        let mut p = Vec::new();
        if let Some(s) = self.since_ms {
            w.push("ts_ms >= ?");
            p.push(Sql::Integer(s));
        }
        if let Some(u) = self.until_ms {
            w.push("ts_ms < ?");
            p.push(Sql::Integer(u));
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
}

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

/// The aggregate columns, in [`Summary`]'s order (see `summary_from`).
const AGGREGATES: &str = "count(*), \
    coalesce(sum(outcome = 'ok'), 0), \
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN input_tokens END), 0), \
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN output_tokens END), 0), \
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN cache_read_input_tokens END), 0), \
    coalesce(sum(CASE WHEN api <> 'count_tokens' THEN cache_creation_input_tokens END), 0), \
    avg(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN ttfb_ms END), \
    avg(CASE WHEN outcome = 'ok' AND api <> 'count_tokens' THEN tokens_per_second END), \
    avg(duration_ms), min(ts_ms), max(ts_ms)";

fn summary_from(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Summary> {
    let n = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(at + i)?.max(0) as u64) };
    let requests = n(0)?;
    let succeeded = n(1)?;
    let input = n(2)?;
    let cache_read = n(4)?;
    let cache_creation = n(5)?;
    let prompt = input + cache_read + cache_creation;
    let round = |v: Option<f64>, places: i32| {
        let k = 10f64.powi(places);
        v.map(|v| (v * k).round() / k)
    };
    Ok(Summary {
        requests,
        succeeded,
        failed: requests - succeeded,
        success_rate: round(
            (requests > 0).then(|| succeeded as f64 / requests as f64),
            4,
        ),
        input_tokens: input,
        output_tokens: n(3)?,
        cache_read_input_tokens: cache_read,
        cache_creation_input_tokens: cache_creation,
        cache_hit_rate: round((prompt > 0).then(|| cache_read as f64 / prompt as f64), 4),
        avg_ttfb_ms: round(r.get(at + 6)?, 1),
        avg_tokens_per_second: round(r.get(at + 7)?, 1),
        avg_duration_ms: round(r.get(at + 8)?, 1),
        first_ms: r.get(at + 9)?,
        last_ms: r.get(at + 10)?,
    })
}

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
    fn column(self) -> &'static str {
        match self {
            Group::Alias => "alias",
            Group::Deployment => "deployment",
            Group::Route => "route",
            Group::Day => "ts_ms / 86400000",
            Group::Status => "status",
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
    /// The figures of the records `f` selects.
    pub fn summary(&self, f: &Filter) -> Result<Summary, StoreError> {
        let (w, p) = f.sql();
        let sql = format!("SELECT {AGGREGATES} FROM requests{w}");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(p), |r| summary_from(r, 0))?)
    }

    /// The figures per group: days in order, the rest by requests (most first).
    pub fn groups(&self, f: &Filter, by: Group) -> Result<Vec<GroupRow>, StoreError> {
        let (w, p) = f.sql();
        let col = by.column();
        let order = if by == Group::Day {
            "1 ASC"
        } else {
            "2 DESC, 1 ASC"
        };
        let sql =
            format!("SELECT {col}, {AGGREGATES} FROM requests{w} GROUP BY 1 ORDER BY {order}");
        let mut st = self.conn().prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(p), |r| {
            let key = match r.get_ref(0)? {
                rusqlite::types::ValueRef::Null => "-".to_string(),
                rusqlite::types::ValueRef::Integer(i) if by == Group::Day => {
                    period::day_label(i * 86_400_000)
                }
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => format!("{other:?}"),
            };
            Ok(GroupRow {
                key,
                summary: summary_from(r, 1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Page `page` (1-based) of `page_size` records, newest first, with the summary of all
    /// that match.
    pub fn page(&self, f: &Filter, page: u64, page_size: u64) -> Result<Page, StoreError> {
        let page = page.max(1);
        let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        let summary = self.summary(f)?;
        let (w, mut p) = f.sql();
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
