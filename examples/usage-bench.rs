//! The usage store's costs (bench/usage.sh runs it; docs/performance.md has the figures):
//! batched inserts, the file's size per million records, the summary, groups and pages over
//! N records. Records are synthetic but shaped like real ones (six aliases, three routes,
//! 5% failures, tokens in the thousands), spread over 30 days; generated from a fixed seed.
//!
//!   usage-bench --records 1000000 --db /tmp/usage-bench.db [--keep]

use std::time::Instant;

use fgc::usage::query::{Filter, Group, StatusFilter};
use fgc::usage::{Row, Store, period};

fn arg(name: &str) -> Option<String> {
    let mut it = std::env::args();
    while let Some(a) = it.next() {
        if a == name {
            return it.next();
        }
    }
    None
}

/// A small deterministic generator (xorshift64*): no dependency, same records every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn row(r: &mut Rng, ts_ms: i64) -> Row {
    const ALIASES: [&str; 6] = [
        "router-default",
        "router-fast",
        "router-think",
        "router-long",
        "claude-sonnet-4-6",
        "gpt-5",
    ];
    const ROUTES: [Option<&str>; 4] = [None, Some("background"), Some("think"), None];
    let a = r.below(ALIASES.len() as u64) as usize;
    let ok = r.below(20) != 0;
    let input = 500 + r.below(40_000);
    Row {
        ts_ms,
        api: if a.is_multiple_of(2) {
            "messages"
        } else {
            "chat"
        }
        .into(),
        alias: ALIASES[a].into(),
        route: ROUTES[r.below(4) as usize].map(str::to_string),
        served_alias: None,
        deployment: Some(format!("{}#{}", ALIASES[a], r.below(2))),
        upstream_model: Some(format!("upstream-{a}")),
        stream: true,
        status: Some(if ok { 200 } else { 502 }),
        outcome: if ok { "ok" } else { "error" }.into(),
        attempts: 1,
        input_tokens: ok.then_some(input),
        output_tokens: ok.then(|| 50 + r.below(2000)),
        cache_read_input_tokens: ok.then(|| r.below(input * 3)),
        cache_creation_input_tokens: ok.then(|| r.below(2000)),
        ttfb_ms: Some(80.0 + r.below(2000) as f64 / 3.0),
        duration_ms: 300.0 + r.below(30_000) as f64,
        tokens_per_second: ok.then(|| 20.0 + r.below(1000) as f64 / 10.0),
    }
}

/// Median wall time of `runs` calls, in ms.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    (t[runs / 2] * 10.0).round() / 10.0
}

fn main() {
    let n: usize = arg("--records").map_or(1_000_000, |v| v.parse().expect("--records N"));
    let db = arg("--db").unwrap_or_else(|| "/tmp/fgc-usage-bench.db".into());
    let keep = std::env::args().any(|a| a == "--keep");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{suffix}"));
    }
    let mut store = Store::open(db.as_ref()).expect("store opens");
    let now = period::now_ms();
    let span = 30 * 86_400_000i64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Batches of 500: about what the gateway's writer gathers in 20 ms at 25,000 req/s.
    let batch = 500;
    let start = Instant::now();
    let mut done = 0;
    while done < n {
        let k = batch.min(n - done);
        let rows: Vec<Row> = (0..k)
            .map(|i| row(&mut rng, now - span + ((done + i) as i64 * span / n as i64)))
            .collect();
        store.insert(&rows).expect("insert");
        done += k;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"what\":\"insert {n} records in batches of {batch}\",\"seconds\":{secs:.2},\"records_per_second\":{:.0}}}",
        n as f64 / secs
    );
    drop(store);
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{db}{s}")).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{{\"what\":\"store size\",\"records\":{n},\"bytes\":{size},\"mb_per_million\":{:.1}}}",
        size as f64 / n as f64 * 1e6 / 1e6
    );
    let store = Store::open_existing(db.as_ref()).expect("store opens");
    let all = Filter::default();
    let week = Filter {
        since_ms: Some(now - 7 * 86_400_000),
        ..Filter::default()
    };
    let alias_errors = Filter {
        alias: Some("router-fast".into()),
        status: Some(StatusFilter::Error),
        ..Filter::default()
    };
    let report = |what: &str, ms: f64| {
        println!("{{\"what\":\"{what}\",\"records\":{n},\"median_ms\":{ms}}}");
    };
    report(
        "summary, all records",
        median_ms(5, || {
            store.summary(&all).unwrap();
        }),
    );
    report(
        "summary, last 7 days",
        median_ms(5, || {
            store.summary(&week).unwrap();
        }),
    );
    report(
        "summary, one alias's errors",
        median_ms(5, || {
            store.summary(&alias_errors).unwrap();
        }),
    );
    report(
        "groups by day, all records",
        median_ms(5, || {
            store.groups(&all, Group::Day).unwrap();
        }),
    );
    report(
        "groups by alias, all records",
        median_ms(5, || {
            store.groups(&all, Group::Alias).unwrap();
        }),
    );
    report(
        "page 1 of 50 with its summary",
        median_ms(5, || {
            store.page(&all, 1, 50).unwrap();
        }),
    );
    report(
        "page 1000 of 50 with its summary",
        median_ms(5, || {
            store.page(&all, 1000, 50).unwrap();
        }),
    );
    if !keep {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{db}{suffix}"));
        }
    }
}
