//! `fgc usage`: the usage store's figures, read straight from the file (the gateway may be
//! stopped); `fgc usage import` and `fgc usage delete`.

use std::io::Write;
use std::path::PathBuf;

use crate::commands::exit;
use crate::usage::query::{Filter, Group, GroupRow, StatusFilter, Summary};
use crate::usage::{Store, import, period};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
    #[command(flatten)]
    pub show: Show,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Read JSON-lines usage logs (fgc's `--usage-log`, claude-code-router's usage.jsonl) into
    /// the store. Lines already imported are skipped.
    Import {
        /// The files to read (`-`: standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Delete the records from before a time.
    Delete {
        /// `30d`, `2026-11-01`, an RFC 3339 time or Unix ms.
        #[arg(long, value_name = "TIME")]
        before: String,
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct Show {
    /// The usage store. Default: $XDG_STATE_HOME/fgc/usage.db (~/.local/state/fgc/usage.db),
    /// where `fgc serve` writes.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// From this time: `7d`, `24h`, `2026-11-01`, an RFC 3339 time or Unix ms. Default: the
    /// first record.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Before this time (same forms). Default: now.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only requests for this alias (asked for, or served after a fallback).
    #[arg(long, value_name = "NAME")]
    pub alias: Option<String>,
    /// Only these requests: `success`, `error`, an HTTP status, or an outcome name.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// The figures per alias, deployment, route, day (UTC) or status.
    #[arg(long, value_enum, value_name = "GROUP")]
    pub by: Option<Group>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

fn db_path(db: Option<PathBuf>) -> Option<PathBuf> {
    db.or_else(crate::usage::default_db_path)
}

pub fn run(args: Args) -> u8 {
    match args.command {
        None => show(args.show),
        Some(Sub::Import { files, db }) => import_files(&files, db),
        Some(Sub::Delete { before, db }) => delete(&before, db),
    }
}

fn no_home() -> u8 {
    eprintln!("error: no usage store path: set HOME or XDG_STATE_HOME, or pass --db");
    exit::USAGE
}

fn show(a: Show) -> u8 {
    let now = period::now_ms();
    let parse = |t: &Option<String>| t.as_deref().map(|t| period::parse(t, now)).transpose();
    let (since, until) = match (parse(&a.since), parse(&a.until)) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let Some(path) = db_path(a.db) else {
        return no_home();
    };
    let filter = Filter {
        since_ms: since,
        until_ms: until,
        alias: a.alias,
        status: a.status.as_deref().map(StatusFilter::parse),
        ..Filter::default()
    };
    let result = Store::open_existing(&path).and_then(|s| {
        let summary = s.summary(&filter)?;
        let groups = a.by.map(|by| s.groups(&filter, by)).transpose()?;
        Ok((summary, groups))
    });
    let (summary, groups) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let text = match a.format {
        Format::Json => {
            let mut by = serde_json::Map::new();
            if let (Some(g), Some(rows)) = (a.by, &groups) {
                by.insert(
                    g.name().into(),
                    serde_json::to_value(rows).unwrap_or_default(),
                );
            }
            let v = serde_json::json!({
                "since_ms": since,
                "until_ms": until,
                "summary": summary,
                "groups": by,
            });
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Csv => csv(a.by, &summary, groups.as_deref()),
        Format::Table => table(since, until, a.by, &summary, groups.as_deref()),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    exit::OK
}

/// The columns of CSV output, after the group key.
const CSV_COLUMNS: &str = "requests,succeeded,failed,success_rate,input_tokens,output_tokens,cache_read_input_tokens,cache_creation_input_tokens,cache_hit_rate,avg_ttfb_ms,avg_tokens_per_second,avg_duration_ms";

fn csv_row(s: &Summary) -> String {
    let o = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{}",
        s.requests,
        s.succeeded,
        s.failed,
        o(s.success_rate),
        s.input_tokens,
        s.output_tokens,
        s.cache_read_input_tokens,
        s.cache_creation_input_tokens,
        o(s.cache_hit_rate),
        o(s.avg_ttfb_ms),
        o(s.avg_tokens_per_second),
        o(s.avg_duration_ms)
    )
}

/// A CSV field, quoted when it needs to be (RFC 4180), and never read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-`, `@` gets a `'`).
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) && s != "-" {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv(by: Option<Group>, summary: &Summary, groups: Option<&[GroupRow]>) -> String {
    match (by, groups) {
        (Some(by), Some(rows)) => {
            let mut o = format!("{},{CSV_COLUMNS}\n", by.name());
            for r in rows {
                o.push_str(&format!("{},{}\n", csv_field(&r.key), csv_row(&r.summary)));
            }
            o
        }
        _ => format!("{CSV_COLUMNS}\n{}\n", csv_row(summary)),
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(c);
    }
    o
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn num(v: Option<f64>, unit: &str) -> String {
    v.map_or("-".into(), |v| format!("{v:.1}{unit}"))
}

fn table(
    since: Option<i64>,
    until: Option<i64>,
    by: Option<Group>,
    s: &Summary,
    groups: Option<&[GroupRow]>,
) -> String {
    let from = since.map_or("the first record".into(), period::rfc3339_label);
    let to = until.map_or("now".into(), period::rfc3339_label);
    let mut o = format!("Usage from {from} to {to}\n\n");
    if let (Some(by), Some(rows)) = (by, groups) {
        let head = [
            by.name().to_uppercase(),
            "REQUESTS".into(),
            "SUCCESS".into(),
            "INPUT".into(),
            "OUTPUT".into(),
            "CACHE HIT".into(),
            "TTFT".into(),
            "TOK/S".into(),
        ];
        let mut cells: Vec<[String; 8]> = vec![head];
        for r in rows
            .iter()
            .map(|r| (r.key.clone(), &r.summary))
            .chain([("total".to_string(), s)])
        {
            let (k, g) = r;
            cells.push([
                k.chars().take(60).collect(),
                thousands(g.requests),
                pct(g.success_rate),
                thousands(g.input_tokens),
                thousands(g.output_tokens),
                pct(g.cache_hit_rate),
                num(g.avg_ttfb_ms, " ms"),
                num(g.avg_tokens_per_second, ""),
            ]);
        }
        let widths: Vec<usize> = (0..8)
            .map(|i| {
                cells
                    .iter()
                    .map(|c| c[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let last = cells.len() - 1;
        for (n, row) in cells.iter().enumerate() {
            if n == last {
                let rule: usize = widths.iter().sum::<usize>() + 2 * 7;
                o.push_str(&"-".repeat(rule));
                o.push('\n');
            }
            let mut line = String::new();
            for (i, c) in row.iter().enumerate() {
                if i == 0 {
                    line.push_str(&format!("{c:<w$}", w = widths[0]));
                } else {
                    line.push_str(&format!("  {c:>w$}", w = widths[i]));
                }
            }
            o.push_str(line.trim_end());
            o.push('\n');
        }
        return o;
    }
    let rows = [
        (
            "Requests",
            format!(
                "{} ({} succeeded, {} failed)",
                thousands(s.requests),
                thousands(s.succeeded),
                thousands(s.failed)
            ),
        ),
        ("Success rate", pct(s.success_rate)),
        ("Input tokens", thousands(s.input_tokens)),
        ("Output tokens", thousands(s.output_tokens)),
        ("Cache read tokens", thousands(s.cache_read_input_tokens)),
        (
            "Cache write tokens",
            thousands(s.cache_creation_input_tokens),
        ),
        ("Cache hit rate", pct(s.cache_hit_rate)),
        ("Avg time to first token", num(s.avg_ttfb_ms, " ms")),
        ("Avg tokens per second", num(s.avg_tokens_per_second, "")),
        ("Avg duration", num(s.avg_duration_ms, " ms")),
    ];
    for (k, v) in rows {
        o.push_str(&format!("{k:<24} {v}\n"));
    }
    o
}

fn import_files(files: &[PathBuf], db: Option<PathBuf>) -> u8 {
    let Some(path) = db_path(db) else {
        return no_home();
    };
    let mut store = match Store::open(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut code = exit::OK;
    for f in files {
        let name = f.display().to_string();
        let result = if name == "-" {
            import::import(&mut store, std::io::stdin().lock(), "-")
        } else {
            match std::fs::File::open(f) {
                Ok(file) => import::import(&mut store, std::io::BufReader::new(file), &name),
                Err(e) => {
                    eprintln!("error: cannot read {name}: {e}");
                    code = exit::USAGE;
                    continue;
                }
            }
        };
        match result {
            Ok(r) => {
                println!(
                    "{name}: {} record(s) added, {} already in the store, {} line(s) skipped",
                    r.added, r.already_present, r.skipped
                );
                for (line, why) in &r.problems {
                    eprintln!("  {name}:{line}: {why}");
                }
                if r.skipped > r.problems.len() as u64 {
                    eprintln!("  ... and {} more", r.skipped - r.problems.len() as u64);
                }
                if r.lines > 0 && r.added + r.already_present == 0 {
                    // Nothing in the file was a usage record: the wrong file, most likely.
                    code = code.max(exit::INPUT);
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                code = exit::USAGE;
            }
        }
    }
    code
}

fn delete(before: &str, db: Option<PathBuf>) -> u8 {
    let before = match period::parse(before, period::now_ms()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let Some(path) = db_path(db) else {
        return no_home();
    };
    match Store::open_existing(&path).and_then(|mut s| s.delete_before(before)) {
        Ok(n) => {
            println!(
                "{n} record(s) from before {} deleted",
                period::rfc3339_label(before)
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}
