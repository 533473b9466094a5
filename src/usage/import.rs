//! `fgc usage import FILE`: JSON-lines usage logs into the store.
//!
//! Two shapes are read, told apart per line:
//! - fgc's own log (`fgc serve --usage-log`): `ts_ms`, `alias`, `outcome`, snake_case tokens;
//! - claude-code-router's `~/.claude-code-router/data/usage.jsonl` (seed 004): camelCase
//!   `inputTokens`, `outputTokens`, `cacheReadInputTokens`, `cacheCreationInputTokens`,
//!   `ttft`, `tokensPerSecond`, `durationMs`, `status` (`success` / `error`), with the time
//!   in `timestamp` (RFC 3339 or Unix ms) and the model in `model` (`provider,model` or a
//!   name) and `provider`.
//!
//! Each imported record is keyed by a digest of its line, so importing a file again (or a
//! rotated copy that overlaps it) adds only the new lines.

use std::io::BufRead;

use serde_json::Value;

use super::Row;
use super::period;
use super::store::{Store, StoreError};

/// Longest line read; longer ones are skipped (and reported).
const MAX_LINE: usize = 1 << 20;
/// Records inserted per transaction.
const BATCH: usize = 10_000;
/// Bad lines listed in the report (the rest are only counted).
const LISTED: usize = 20;

/// What an import did.
#[derive(Debug, Default, PartialEq, serde::Serialize)]
pub struct Report {
    /// Non-empty lines read.
    pub lines: u64,
    /// Records added to the store.
    pub added: u64,
    /// Lines already in the store.
    pub already_present: u64,
    /// Lines that are not a usage record.
    pub skipped: u64,
    /// The first few skipped lines: line number and why.
    pub problems: Vec<(u64, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Read `input` (named `path` in errors) into `store`.
pub fn import<R: BufRead>(
    store: &mut Store,
    mut input: R,
    path: &str,
) -> Result<Report, ImportError> {
    let mut rep = Report::default();
    let mut batch: Vec<(Row, String)> = Vec::new();
    let mut buf = Vec::new();
    let mut n = 0u64;
    let read_err = |e| ImportError::Read {
        path: path.to_string(),
        source: e,
    };
    loop {
        buf.clear();
        let got = std::io::Read::take(&mut input, MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(read_err)?;
        if got == 0 {
            break;
        }
        n += 1;
        if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
            // Skip the rest of the over-long line.
            let mut rest = Vec::new();
            loop {
                rest.clear();
                let k = std::io::Read::take(&mut input, MAX_LINE as u64)
                    .read_until(b'\n', &mut rest)
                    .map_err(read_err)?;
                if k == 0 || rest.last() == Some(&b'\n') {
                    break;
                }
            }
            rep.lines += 1;
            skip(&mut rep, n, format!("longer than {MAX_LINE} bytes"));
            continue;
        }
        let line = buf.trim_ascii();
        if line.is_empty() {
            continue;
        }
        rep.lines += 1;
        match parse_line(line) {
            Ok(Some(row)) => batch.push((row, key(line))),
            Ok(None) => skip(&mut rep, n, "not a request record".into()),
            Err(why) => skip(&mut rep, n, why),
        }
        if batch.len() >= BATCH {
            flush(store, &mut batch, &mut rep)?;
        }
    }
    flush(store, &mut batch, &mut rep)?;
    Ok(rep)
}

fn skip(rep: &mut Report, line: u64, why: String) {
    rep.skipped += 1;
    if rep.problems.len() < LISTED {
        rep.problems.push((line, why));
    }
}

fn flush(
    store: &mut Store,
    batch: &mut Vec<(Row, String)>,
    rep: &mut Report,
) -> Result<(), StoreError> {
    let added = store.insert_keyed(batch.iter().map(|(r, k)| (r, Some(k.clone()))))? as u64;
    rep.added += added;
    rep.already_present += batch.len() as u64 - added;
    batch.clear();
    Ok(())
}

fn key(line: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, line);
    d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One line as a record: `Ok(None)` for a JSON object that is not a request record (fgc's
/// unauthenticated-request summaries, for example).
pub fn parse_line(line: &[u8]) -> Result<Option<Row>, String> {
    let v: Value = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
    let Some(o) = v.as_object() else {
        return Err("not a JSON object".into());
    };
    if o.contains_key("ts_ms") {
        Ok(fgc_line(&v))
    } else if ["inputTokens", "outputTokens", "durationMs", "ttft"]
        .iter()
        .any(|k| o.contains_key(*k))
    {
        ccr_line(&v).map(Some)
    } else {
        Err("neither an fgc nor a claude-code-router usage record".into())
    }
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k)
        .and_then(Value::as_str)
        .map(|s| s.chars().take(512).collect())
}

fn u(v: &Value, k: &str) -> Option<u64> {
    let x = v.get(k)?;
    x.as_u64()
        .or_else(|| x.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
}

fn f(v: &Value, k: &str) -> Option<f64> {
    v.get(k).and_then(Value::as_f64).filter(|x| x.is_finite())
}

fn fgc_line(v: &Value) -> Option<Row> {
    let alias = s(v, "alias")?;
    let ts_ms = v.get("ts_ms")?.as_i64()?;
    Some(Row {
        ts_ms,
        api: s(v, "api").unwrap_or_else(|| "-".into()),
        alias,
        route: s(v, "route"),
        served_alias: s(v, "served_alias"),
        deployment: s(v, "deployment"),
        upstream_model: s(v, "upstream_model"),
        stream: v.get("stream").and_then(Value::as_bool).unwrap_or(false),
        status: u(v, "status")
            .filter(|n| *n > 0)
            .and_then(|n| u16::try_from(n).ok()),
        outcome: s(v, "outcome").unwrap_or_else(|| "error".into()),
        attempts: u(v, "attempts").map_or(0, |n| n.min(u32::MAX as u64) as u32),
        input_tokens: u(v, "input_tokens"),
        output_tokens: u(v, "output_tokens"),
        cache_read_input_tokens: u(v, "cache_read_input_tokens"),
        cache_creation_input_tokens: u(v, "cache_creation_input_tokens"),
        ttfb_ms: f(v, "ttfb_ms"),
        duration_ms: f(v, "duration_ms").unwrap_or(0.0),
        tokens_per_second: f(v, "tokens_per_second"),
    })
}

fn ccr_line(v: &Value) -> Result<Row, String> {
    let ts_ms = ["timestamp", "time", "createdAt", "startTime", "ts"]
        .iter()
        .find_map(|k| match v.get(*k)? {
            Value::Number(n) => n
                .as_i64()
                .map(|n| if n < 100_000_000_000 { n * 1000 } else { n }),
            Value::String(t) => period::rfc3339(t),
            _ => None,
        })
        .ok_or("no `timestamp` (RFC 3339 or Unix ms)")?;
    let model = s(v, "model").unwrap_or_else(|| "-".into());
    // claude-code-router names a model `provider,model`.
    let (provider, name) = match model.split_once(',') {
        Some((p, m)) => (Some(p.to_string()), m.to_string()),
        None => (s(v, "provider"), model.clone()),
    };
    let ok = match v.get("status") {
        Some(Value::String(st)) => st == "success" || st == "ok",
        Some(Value::Number(n)) => n.as_u64().is_some_and(|n| (200..300).contains(&n)),
        Some(Value::Bool(b)) => *b,
        _ => v.get("error").is_none_or(Value::is_null),
    };
    let status = v
        .get("statusCode")
        .and_then(Value::as_u64)
        .or_else(|| v.get("status").and_then(Value::as_u64))
        .and_then(|n| u16::try_from(n).ok());
    Ok(Row {
        ts_ms,
        api: "import".into(),
        alias: name.clone(),
        route: s(v, "scenario").or_else(|| s(v, "route")),
        served_alias: None,
        deployment: provider,
        upstream_model: Some(name),
        stream: v.get("stream").and_then(Value::as_bool).unwrap_or(true),
        status,
        outcome: if ok { "ok" } else { "error" }.into(),
        attempts: 1,
        input_tokens: u(v, "inputTokens"),
        output_tokens: u(v, "outputTokens"),
        cache_read_input_tokens: u(v, "cacheReadInputTokens"),
        cache_creation_input_tokens: u(v, "cacheCreationInputTokens"),
        ttfb_ms: f(v, "ttft"),
        duration_ms: f(v, "durationMs").unwrap_or(0.0),
        tokens_per_second: f(v, "tokensPerSecond"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_and_bad_lines() {
        let text = br#"{"ts_ms":1000,"api":"messages","alias":"router-default","route":"think","deployment":"router-default#0","stream":true,"status":200,"outcome":"ok","attempts":1,"input_tokens":12,"output_tokens":3,"ttfb_ms":5.5,"duration_ms":9.0}
{"timestamp":"2025-12-01T00:00:00.000Z","model":"deepseek,deepseek-chat","inputTokens":100,"outputTokens":20,"cacheReadInputTokens":50,"ttft":300,"tokensPerSecond":42.5,"durationMs":900,"status":"success"}

not json
{"ts_ms":5,"outcome":"unauthenticated","status":401,"count":3,"since_ms":1}
{"timestamp":1764547200,"model":"glm-5","provider":"zhipu","inputTokens":1,"status":"error"}
"#;
        let mut s = Store::in_memory().unwrap();
        let rep = import(&mut s, &text[..], "usage.jsonl").unwrap();
        assert_eq!((rep.lines, rep.added, rep.skipped), (5, 3, 2));
        assert_eq!(rep.problems[0].0, 4);
        assert_eq!(rep.problems[1], (5, "not a request record".to_string()));
        let again = import(&mut s, &text[..], "usage.jsonl").unwrap();
        assert_eq!((again.added, again.already_present), (0, 3));
        let p = s.page(&super::super::Filter::default(), 1, 10).unwrap();
        let ccr = &p.records[0].row;
        assert_eq!(ccr.ts_ms, 1_764_547_200_000);
        assert_eq!(ccr.alias, "glm-5");
        assert_eq!(ccr.deployment.as_deref(), Some("zhipu"));
        assert_eq!(ccr.outcome, "error");
        let ccr = &p.records[1].row;
        assert_eq!(
            (ccr.alias.as_str(), ccr.deployment.as_deref(), ccr.ttfb_ms),
            ("deepseek-chat", Some("deepseek"), Some(300.0))
        );
        assert_eq!(p.records[2].row.route.as_deref(), Some("think"));
    }

    #[test]
    fn an_endless_line_is_skipped_in_bounded_memory() {
        let mut text = vec![b'x'; MAX_LINE * 3];
        text.extend_from_slice(b"\n{\"ts_ms\":1,\"alias\":\"a\",\"outcome\":\"ok\"}\n");
        let mut s = Store::in_memory().unwrap();
        let rep = import(&mut s, &text[..], "big").unwrap();
        assert_eq!((rep.lines, rep.added, rep.skipped), (2, 1, 1));
    }
}
