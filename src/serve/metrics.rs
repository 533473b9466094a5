//! Prometheus metrics of `fgc serve` (`GET /metrics`, text exposition format 0.0.4;
//! docs/usage.md lists every series and a scrape config).
//!
//! Counters and histograms are updated from each finished usage record
//! ([`super::usage::UsageLog::write`]); deployment states and promotions are read from the
//! health table at scrape time; requests in flight are counted by a layer around the model
//! routes. The format is written here (a handful of line shapes) rather than through a client
//! library: half of what is exported is a view of state fgc already holds, not a registry's.
//!
//! Label values come from clients (the model name asked for): past [`MAX_SERIES`] label sets,
//! new ones are counted under `alias="other"` so memory stays bounded.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use super::usage::Record;

/// Upper bounds of the duration histograms, seconds.
pub const BUCKETS: [f64; 12] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
/// Distinct label sets kept per family before folding into `other`.
pub const MAX_SERIES: usize = 5000;

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    in_flight: AtomicI64,
}

#[derive(Debug, Default)]
struct Inner {
    /// (alias, deployment, route, status, outcome) -> count.
    requests: HashMap<[String; 5], u64>,
    /// alias -> histogram.
    ttfb: HashMap<String, Histogram>,
    duration: HashMap<String, Histogram>,
    /// (alias, kind) -> tokens.
    tokens: HashMap<(String, &'static str), u64>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }
}

/// A request in flight; the gauge goes down when it is dropped.
#[derive(Debug)]
pub struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// [`InFlight`] that owns its metrics, to travel with a response body.
#[derive(Debug)]
pub struct InFlightOwned(std::sync::Arc<Metrics>);

impl InFlightOwned {
    pub fn new(m: std::sync::Arc<Metrics>) -> Self {
        m.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlightOwned(m)
    }
}

impl Drop for InFlightOwned {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn bounded<K: std::hash::Hash + Eq, V: Default>(
    map: &mut HashMap<K, V>,
    key: K,
    other: impl FnOnce() -> K,
) -> &mut V {
    if map.len() >= MAX_SERIES && !map.contains_key(&key) {
        return map.entry(other()).or_default();
    }
    map.entry(key).or_default()
}

impl Metrics {
    /// One more request in flight until the guard is dropped.
    pub fn begin(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    /// Count a finished request.
    pub fn observe(&self, rec: &Record) {
        let alias = rec
            .served_alias
            .as_deref()
            .unwrap_or(&rec.alias)
            .to_string();
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let key = [
            alias.clone(),
            rec.deployment.clone().unwrap_or_default(),
            rec.route.unwrap_or("").to_string(),
            rec.status
                .filter(|s| *s > 0)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            rec.outcome.name().to_string(),
        ];
        let other = || {
            let mut k = key.clone();
            k[0] = "other".into();
            k
        };
        *bounded(&mut g.requests, key.clone(), other) += 1;
        let other_alias = || "other".to_string();
        if let Some(t) = rec.ttfb_ms {
            bounded(&mut g.ttfb, alias.clone(), other_alias).observe(t / 1000.0);
        }
        bounded(&mut g.duration, alias.clone(), other_alias).observe(rec.duration_ms / 1000.0);
        if rec.api != "count_tokens" {
            let t = &rec.tokens;
            for (kind, n) in [
                ("input", t.input_tokens),
                ("output", t.output_tokens),
                ("cache_read", t.cache_read_input_tokens),
                ("cache_creation", t.cache_creation_input_tokens),
            ] {
                if let Some(n) = n {
                    *bounded(&mut g.tokens, (alias.clone(), kind), || {
                        ("other".into(), kind)
                    }) += n;
                }
            }
        }
    }

    /// The exposition text. `deployments` is (alias, deployment id, cooling down) for each
    /// deployment; `promoted` is (alias, the fallback answering for it).
    pub fn render(
        &self,
        deployments: &[(String, String, bool)],
        promoted: &[(String, String)],
    ) -> String {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut o = String::with_capacity(4096);
        let _ = writeln!(
            o,
            "# HELP fgc_requests_total Requests answered, by alias that served them, deployment, scenario route, HTTP status and outcome.\n# TYPE fgc_requests_total counter"
        );
        let mut reqs: Vec<_> = g.requests.iter().collect();
        reqs.sort();
        for ([a, d, r, s, oc], n) in reqs {
            let _ = writeln!(
                o,
                "fgc_requests_total{{alias=\"{}\",deployment=\"{}\",route=\"{}\",status=\"{}\",outcome=\"{}\"}} {n}",
                esc(a),
                esc(d),
                esc(r),
                esc(s),
                esc(oc)
            );
        }
        for (name, help, h) in [
            (
                "fgc_time_to_first_byte_seconds",
                "Time from a request's arrival to the first byte of its answer.",
                &g.ttfb,
            ),
            (
                "fgc_request_duration_seconds",
                "Time from a request's arrival to the end of its answer.",
                &g.duration,
            ),
        ] {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} histogram");
            let mut hs: Vec<_> = h.iter().collect();
            hs.sort_by(|a, b| a.0.cmp(b.0));
            for (alias, h) in hs {
                let a = esc(alias);
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        o,
                        "{name}_bucket{{alias=\"{a}\",le=\"{b}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(o, "{name}_bucket{{alias=\"{a}\",le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(o, "{name}_sum{{alias=\"{a}\"}} {}", h.sum);
                let _ = writeln!(o, "{name}_count{{alias=\"{a}\"}} {}", h.count);
            }
        }
        let _ = writeln!(
            o,
            "# HELP fgc_tokens_total Tokens reported by upstreams (count_tokens requests excluded), by alias and type.\n# TYPE fgc_tokens_total counter"
        );
        let mut toks: Vec<_> = g.tokens.iter().collect();
        toks.sort();
        for ((alias, kind), n) in toks {
            let _ = writeln!(
                o,
                "fgc_tokens_total{{alias=\"{}\",type=\"{kind}\"}} {n}",
                esc(alias)
            );
        }
        drop(g);
        let _ = writeln!(
            o,
            "# HELP fgc_requests_in_flight Model requests being answered now.\n# TYPE fgc_requests_in_flight gauge\nfgc_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed).max(0)
        );
        let _ = writeln!(
            o,
            "# HELP fgc_deployment_up Whether a deployment takes requests (1) or is cooling down after failures (0).\n# TYPE fgc_deployment_up gauge"
        );
        for (alias, id, cooling) in deployments {
            let _ = writeln!(
                o,
                "fgc_deployment_up{{alias=\"{}\",deployment=\"{}\"}} {}",
                esc(alias),
                esc(id),
                u8::from(!cooling)
            );
        }
        let _ = writeln!(
            o,
            "# HELP fgc_alias_promoted A fallback promoted to answer for an alias (1 while it lasts).\n# TYPE fgc_alias_promoted gauge"
        );
        for (alias, fb) in promoted {
            let _ = writeln!(
                o,
                "fgc_alias_promoted{{alias=\"{}\",fallback=\"{}\"}} 1",
                esc(alias),
                esc(fb)
            );
        }
        o
    }
}

/// A label value escaped as the text format requires.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_histograms_and_bounds() {
        let m = Metrics::default();
        let mut r = Record::new("chat", "-", false);
        // The label as a record holds it (Record::new shows names escaped; this test is about
        // the escaping of label values).
        r.alias = "a\"b".into();
        r.deployment = Some("d0".into());
        r.tokens.input_tokens = Some(7);
        r.ttfb_ms = Some(70.0);
        r.duration_ms = 300.0;
        r.status = Some(200);
        r.outcome = crate::serve::usage::Outcome::Ok;
        m.observe(&r);
        m.observe(&r);
        let g = m.begin();
        let t = m.render(&[("a".into(), "d0".into(), true)], &[]);
        drop(g);
        assert!(t.contains("fgc_requests_total{alias=\"a\\\"b\",deployment=\"d0\",route=\"\",status=\"200\",outcome=\"ok\"} 2"), "{t}");
        assert!(
            t.contains("fgc_time_to_first_byte_seconds_bucket{alias=\"a\\\"b\",le=\"0.05\"} 0")
        );
        assert!(t.contains("fgc_time_to_first_byte_seconds_bucket{alias=\"a\\\"b\",le=\"0.1\"} 2"));
        assert!(t.contains("fgc_request_duration_seconds_count{alias=\"a\\\"b\"} 2"));
        assert!(t.contains("fgc_tokens_total{alias=\"a\\\"b\",type=\"input\"} 14"));
        assert!(t.contains("fgc_requests_in_flight 1"));
        assert!(t.contains("fgc_deployment_up{alias=\"a\",deployment=\"d0\"} 0"));
        for i in 0..MAX_SERIES + 10 {
            m.observe(&Record::new("chat", &format!("n{i}"), false));
        }
        let g = m.inner.lock().unwrap();
        assert!(g.requests.len() <= MAX_SERIES + 1);
        assert!(g.duration.len() <= MAX_SERIES + 1);
    }
}
