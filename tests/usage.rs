//! Usage you can see (docs/usage.md): `fgc usage` and `fgc usage import` on the real binary,
//! `/api/usage`, `/api/usage/summary`, `DELETE /api/usage`, `/api/health` and `/metrics`
//! through `fgc serve` and the mock upstream, and the `/ui` page in headless chromium.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fgc::serve::mock::{Fault, Mock, MockConfig};
use fgc::serve::{self, Options, Running};
use fgc::usage::{Row, Store};
use serde_json::{Value, json};

use crate::common::{root, run_in, transcript, with_settings};

const KEY: &str = "sk-gw-usage-test-4c8e2a9f1b";

fn fixture() -> PathBuf {
    root().join("tests/fixtures/usage/fgc-and-ccr.jsonl")
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("fgc-usage")
        .tempdir()
        .unwrap()
}

#[test]
fn import_then_figures_in_each_format() {
    let dir = scratch();
    let d = dir.path();
    let f = fixture();
    let f = f.to_str().unwrap();
    let mut out = String::new();
    let mut step = |args: &[&str]| {
        let o = run_in(d, args);
        out.push_str(&format!("$ fgc {}\n{}\n", args.join(" "), transcript(&o)));
        o.status.code()
    };
    // Import twice: the second adds nothing. The unauthenticated summary and the bad line are
    // skipped (and said so); the file still had records, so the exit code is 0.
    assert_eq!(step(&["usage", "import", f, "--db", "u.db"]), Some(0));
    assert_eq!(step(&["usage", "import", f, "--db", "u.db"]), Some(0));
    assert_eq!(step(&["usage", "--db", "u.db"]), Some(0));
    assert_eq!(step(&["usage", "--db", "u.db", "--by", "alias"]), Some(0));
    assert_eq!(
        step(&["usage", "--db", "u.db", "--by", "day", "--format", "csv"]),
        Some(0)
    );
    assert_eq!(
        step(&[
            "usage",
            "--db",
            "u.db",
            "--since",
            "2025-12-01T10:00:00Z",
            "--until",
            "2025-12-03",
            "--by",
            "route",
            "--format",
            "json"
        ]),
        Some(0)
    );
    assert_eq!(
        step(&[
            "usage", "--db", "u.db", "--status", "error", "--by", "status"
        ]),
        Some(0)
    );
    assert_eq!(
        step(&[
            "usage",
            "--db",
            "u.db",
            "--alias",
            "router-fast",
            "--format",
            "csv"
        ]),
        Some(0)
    );
    with_settings(|| insta::assert_snapshot!("usage_cli_figures", out));
}

#[test]
fn usage_cli_errors() {
    let dir = scratch();
    let d = dir.path();
    std::fs::write(d.join("notes.txt"), "hello\n{\"a\": 1}\n").unwrap();
    let mut out = String::new();
    let mut step = |args: &[&str]| {
        let o = run_in(d, args);
        out.push_str(&format!("$ fgc {}\n{}\n", args.join(" "), transcript(&o)));
        o.status.code()
    };
    // No store yet: nothing is created by reading.
    assert_eq!(step(&["usage", "--db", "none.db"]), Some(2));
    assert!(!d.join("none.db").exists());
    assert_eq!(
        step(&["usage", "--db", "u.db", "--since", "yesterday"]),
        Some(2)
    );
    // A file with no usage record at all is the wrong file: exit 1.
    assert_eq!(
        step(&["usage", "import", "notes.txt", "--db", "u.db"]),
        Some(1)
    );
    assert_eq!(
        step(&["usage", "import", "missing.jsonl", "--db", "u.db"]),
        Some(2)
    );
    assert_eq!(
        step(&["usage", "delete", "--before", "2025-12-01", "--db", "u.db"]),
        Some(0)
    );
    with_settings(|| insta::assert_snapshot!("usage_cli_errors", out));
}

#[test]
fn the_default_store_is_under_xdg_state_home() {
    let dir = scratch();
    let d = dir.path();
    let o = crate::common::fgc()
        .current_dir(d)
        .env("XDG_STATE_HOME", d.join("state"))
        .args(["usage", "import", fixture().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
    assert!(d.join("state/fgc/usage.db").exists());
    let o = crate::common::fgc()
        .current_dir(d)
        .env("XDG_STATE_HOME", d.join("state"))
        .args(["usage", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["requests"], 6);
}

// ---- the HTTP side ----

fn config(mock: &Mock, key: Option<&str>) -> String {
    let key = key.map_or(String::new(), |k| {
        format!("  general_settings:\n    master_key: {k}\n")
    });
    format!(
        "litellm_base:\n  model_list:\n    - model_name: gpt\n      litellm_params:\n        model: openai/up-gpt\n        api_base: {base}\n        api_key: sk-upstream-usage-1\n    - model_name: other\n      litellm_params:\n        model: openai/up-other\n        api_base: {base}\n        api_key: sk-upstream-usage-1\n  litellm_settings:\n    num_retries: 0\n{key}",
        base = mock.openai_base()
    )
}

async fn start(dir: &Path, yaml: &str) -> Running {
    std::fs::write(dir.join("flowgate.yaml"), yaml).unwrap();
    let mut o = Options::new(dir.join("flowgate.yaml"));
    o.port = Some(0);
    o.usage_db = Some(dir.join("usage.db"));
    serve::spawn(o).await.expect("server starts")
}

fn http() -> reqwest::Client {
    fgc::serve::forward::install_crypto();
    reqwest::Client::new()
}

async fn get(srv: &Running, path: &str, key: Option<&str>) -> (u16, String) {
    let mut r = http().get(format!("{}{path}", srv.url()));
    if let Some(k) = key {
        r = r.header("x-api-key", k);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn get_json(srv: &Running, path: &str) -> Value {
    let (s, t) = get(srv, path, Some(KEY)).await;
    assert_eq!(s, 200, "{path}: {t}");
    serde_json::from_str(&t).unwrap()
}

async fn chat(srv: &Running, model: &str) -> u16 {
    http()
        .post(format!("{}/v1/chat/completions", srv.url()))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(json!({"model": model, "messages": [{"role": "user", "content": "hi"}]}).to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `name{labels} value` lines of the exposition text, checked against the format's grammar.
fn parse_metrics(text: &str) -> Vec<(String, HashMap<String, String>, f64)> {
    let line_re =
        regex::Regex::new(r#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+]+|\+Inf|NaN)$"#)
            .unwrap();
    let label_re = regex::Regex::new(r#"([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)""#).unwrap();
    let mut out = Vec::new();
    for l in text.lines() {
        if l.starts_with("# HELP ") || l.starts_with("# TYPE ") {
            continue;
        }
        let c = line_re
            .captures(l)
            .unwrap_or_else(|| panic!("not exposition format: {l}"));
        let labels = c
            .get(3)
            .map(|m| {
                label_re
                    .captures_iter(m.as_str())
                    .map(|c| (c[1].to_string(), c[2].to_string()))
                    .collect()
            })
            .unwrap_or_default();
        out.push((c[1].to_string(), labels, c[4].parse().unwrap()));
    }
    out
}

fn sum(m: &[(String, HashMap<String, String>, f64)], name: &str, want: &[(&str, &str)]) -> f64 {
    m.iter()
        .filter(|(n, l, _)| {
            n == name
                && want
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| v)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_paging_filters_auth_delete_and_metrics() {
    let m = Mock::start(MockConfig::default()).await.unwrap();
    let dir = scratch();
    let srv = start(dir.path(), &config(&m, Some(KEY))).await;
    for _ in 0..3 {
        assert_eq!(chat(&srv, "gpt").await, 200);
    }
    assert_eq!(chat(&srv, "other").await, 200);
    m.push(Fault::Status(500));
    assert_eq!(chat(&srv, "gpt").await, 500);
    assert_eq!(chat(&srv, "nope").await, 404);

    // Behind the key, every one of them.
    for path in [
        "/api/usage",
        "/api/usage/summary",
        "/api/health",
        "/metrics",
    ] {
        assert_eq!(get(&srv, path, None).await.0, 401, "{path}");
        assert_eq!(get(&srv, path, Some("sk-wrong")).await.0, 401, "{path}");
    }
    let r = http()
        .delete(format!("{}/api/usage?before=1d", srv.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Paging: 6 requests, newest first.
    let p = get_json(&srv, "/api/usage?page=1&page_size=4").await;
    assert_eq!(
        p["page"],
        json!({"page": 1, "page_size": 4, "total": 6, "pages": 2})
    );
    let recs = p["records"].as_array().unwrap();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[0]["alias"], "nope");
    assert_eq!(recs[0]["status"], 404);
    assert_eq!(recs[1]["outcome"], "error");
    let p2 = get_json(&srv, "/api/usage?page=2&page_size=4").await;
    assert_eq!(p2["records"].as_array().unwrap().len(), 2);
    assert!(recs[3]["id"].as_i64() > p2["records"][0]["id"].as_i64());
    assert_eq!(p["summary"]["requests"], 6);
    assert_eq!(p["summary"]["succeeded"], 4);

    // Filters.
    let f = get_json(&srv, "/api/usage?alias=gpt").await;
    assert_eq!(f["page"]["total"], 4);
    let f = get_json(&srv, "/api/usage?alias=gpt&status=success").await;
    assert_eq!(f["page"]["total"], 3);
    let f = get_json(&srv, "/api/usage?status=error").await;
    assert_eq!(f["page"]["total"], 2);
    let f = get_json(&srv, "/api/usage?status=404").await;
    assert_eq!(f["records"][0]["alias"], "nope");
    let f = get_json(&srv, "/api/usage?since=1h&until=2099-01-01").await;
    assert_eq!(f["page"]["total"], 6);
    let f = get_json(&srv, "/api/usage?until=2020-01-01").await;
    assert_eq!(f["page"]["total"], 0);
    for bad in [
        "/api/usage?since=soon",
        "/api/usage?page=0",
        "/api/usage/summary?group=week",
    ] {
        let (s, t) = get(&srv, bad, Some(KEY)).await;
        assert_eq!(s, 400, "{bad}: {t}");
        assert!(t.contains("invalid_request"), "{t}");
    }

    // The summary with groups.
    let s = get_json(&srv, "/api/usage/summary?group=alias,day,status").await;
    let input = s["summary"]["input_tokens"].as_u64().unwrap();
    assert!(input > 0);
    let aliases: Vec<_> = s["groups"]["alias"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                g["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        aliases,
        [("gpt".into(), 4), ("nope".into(), 1), ("other".into(), 1)]
    );
    assert_eq!(s["groups"]["day"].as_array().unwrap().len(), 1);

    // The metrics agree with what was asked.
    let (st, text) = get(&srv, "/metrics", Some(KEY)).await;
    assert_eq!(st, 200);
    let mm = parse_metrics(&text);
    assert_eq!(sum(&mm, "fgc_requests_total", &[]), 6.0);
    assert_eq!(
        sum(
            &mm,
            "fgc_requests_total",
            &[("alias", "gpt"), ("status", "200")]
        ),
        3.0
    );
    assert_eq!(
        sum(
            &mm,
            "fgc_requests_total",
            &[("alias", "gpt"), ("outcome", "error")]
        ),
        1.0
    );
    assert_eq!(sum(&mm, "fgc_request_duration_seconds_count", &[]), 6.0);
    assert_eq!(
        sum(
            &mm,
            "fgc_request_duration_seconds_bucket",
            &[("le", "+Inf")]
        ),
        6.0
    );
    assert_eq!(
        sum(&mm, "fgc_tokens_total", &[("type", "input")]),
        input as f64
    );
    assert_eq!(sum(&mm, "fgc_requests_in_flight", &[]), 0.0);
    assert_eq!(
        sum(&mm, "fgc_deployment_up", &[("deployment", "gpt#0")]),
        1.0,
        "{text}"
    );

    // Health for the dashboard.
    let h = get_json(&srv, "/api/health").await;
    assert_eq!(h["deployments"].as_array().unwrap().len(), 2);

    // Delete: `before` is required; then what is older goes.
    let del = |q: &'static str| {
        let url = format!("{}/api/usage{q}", srv.url());
        async move {
            let r = http()
                .delete(url)
                .header("x-api-key", KEY)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json_text().await)
        }
    };
    let (s400, _) = del("").await;
    assert_eq!(s400, 400);
    let (s200, body) = del("?before=2020-01-01").await;
    assert_eq!((s200, body["deleted"].as_u64()), (200, Some(0)));
    let (_, body) = del("?before=2099-01-01").await;
    assert_eq!(body["deleted"], 6);
    let p = get_json(&srv, "/api/usage").await;
    assert_eq!(p["page"]["total"], 0);
    assert_eq!(p["summary"]["success_rate"], Value::Null);
    srv.stop().await;
}

trait JsonText {
    async fn json_text(self) -> Value;
}

impl JsonText for reqwest::Response {
    async fn json_text(self) -> Value {
        serde_json::from_str(&self.text().await.unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_without_the_key_when_configured_and_no_store() {
    let m = Mock::start(MockConfig::default()).await.unwrap();
    let dir = scratch();
    let yaml = format!(
        "{}usage:\n  metrics_without_key: true\n",
        config(&m, Some(KEY))
    );
    std::fs::write(dir.path().join("flowgate.yaml"), yaml).unwrap();
    let mut o = Options::new(dir.path().join("flowgate.yaml"));
    o.port = Some(0);
    let srv = serve::spawn(o).await.unwrap();
    assert_eq!(get(&srv, "/metrics", None).await.0, 200);
    assert_eq!(get(&srv, "/api/usage", None).await.0, 401);
    // No store: the API says so.
    let (s, t) = get(&srv, "/api/usage", Some(KEY)).await;
    assert_eq!(s, 503, "{t}");
    assert!(t.contains("no_usage_store"));
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_prunes_old_records_at_start() {
    let m = Mock::start(MockConfig::default()).await.unwrap();
    let dir = scratch();
    let now = fgc::usage::period::now_ms();
    {
        let mut s = Store::open(&dir.path().join("usage.db")).unwrap();
        let row = |age_days: i64| Row {
            ts_ms: now - age_days * 86_400_000,
            api: "chat".into(),
            alias: "gpt".into(),
            outcome: "ok".into(),
            ..Row::default()
        };
        s.insert(&[row(40), row(31), row(29), row(1)]).unwrap();
    }
    let yaml = format!("{}usage:\n  retention_days: 30\n", config(&m, None));
    let srv = start(dir.path(), &yaml).await;
    let p = get_json(&srv, "/api/usage").await;
    assert_eq!(p["page"]["total"], 2);
    srv.stop().await;
}

// ---- the page ----

/// Debian's `chromium` (CI installs it; see .ci/run), or `CHROMIUM` naming another build.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// The page's DOM once it has rendered (or given up).
fn dump_dom(browser: &Path, url: &str, profile: &Path) -> String {
    let out = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text_of(dom: &str, id: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_in_headless_chromium() {
    let Some(browser) = chromium() else {
        // CI installs Debian's chromium (.ci/run); a developer machine may not have it.
        eprintln!(
            "SKIPPED the_page_in_headless_chromium: no chromium on PATH (apt-get install chromium, or set CHROMIUM)"
        );
        return;
    };
    let m = Mock::start(MockConfig::default()).await.unwrap();
    let dir = scratch();
    let now = fgc::usage::period::now_ms();
    {
        // Known records: 12 in the last 7 days (3 failed), and one older that the page's
        // default period leaves out.
        let mut s = Store::open(&dir.path().join("usage.db")).unwrap();
        let mut rows = Vec::new();
        for i in 0..12i64 {
            rows.push(Row {
                ts_ms: now - i * 10 * 3_600_000,
                api: "messages".into(),
                alias: if i % 2 == 0 { "gpt" } else { "other" }.into(),
                status: Some(if i % 4 == 3 { 502 } else { 200 }),
                outcome: if i % 4 == 3 { "error" } else { "ok" }.into(),
                attempts: 1,
                input_tokens: Some(1000),
                output_tokens: Some(250),
                cache_read_input_tokens: Some(3000),
                ttfb_ms: Some(120.0),
                duration_ms: 900.0,
                tokens_per_second: Some(80.0),
                ..Row::default()
            });
        }
        rows.push(Row {
            ts_ms: now - 20 * 86_400_000,
            api: "messages".into(),
            alias: "gpt".into(),
            outcome: "ok".into(),
            input_tokens: Some(5_000_000),
            ..Row::default()
        });
        s.insert(&rows).unwrap();
    }
    let srv = start(dir.path(), &config(&m, None)).await;
    let url = format!("{}/ui", srv.url());
    let profile = dir.path().join("chromium");
    let b = browser.clone();
    let dom = tokio::task::spawn_blocking(move || dump_dom(&b, &url, &profile))
        .await
        .unwrap();
    assert!(
        dom.contains("data-rendered=\"1\""),
        "the page did not render:\n{dom}"
    );
    assert_eq!(text_of(&dom, "card-requests"), "12");
    assert_eq!(text_of(&dom, "card-input"), "12,000");
    assert_eq!(text_of(&dom, "card-output"), "3,000");
    assert_eq!(text_of(&dom, "card-cache"), "75.0%");
    assert_eq!(text_of(&dom, "card-ttft"), "120.0 ms");
    assert_eq!(text_of(&dom, "card-tps"), "80.0");
    assert_eq!(text_of(&dom, "card-success"), "75.0%");
    assert!(dom.contains(">page 1 of 1 (12 requests)<"), "{dom}");
    assert!(dom.contains("class=\"state healthy\""));
    srv.stop().await;

    // With a gateway key the page asks for it, and shows no figure.
    let dir2 = scratch();
    let srv = start(dir2.path(), &config(&m, Some(KEY))).await;
    let url = format!("{}/ui", srv.url());
    let profile = dir2.path().join("chromium");
    let dom = tokio::task::spawn_blocking(move || dump_dom(&browser, &url, &profile))
        .await
        .unwrap();
    assert!(dom.contains("data-rendered=\"login\""), "{dom}");
    assert_eq!(text_of(&dom, "card-requests"), "-");
    srv.stop().await;
}
