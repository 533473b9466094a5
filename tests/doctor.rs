//! `fgc doctor`: the real binary against the in-process mock upstream and a gateway started by
//! the test (`fgc serve` in process, or the real `fgc serve` binary), with a scratch HOME for
//! the client files. Each failure class of issue 14 is induced once: a stale alias in the
//! Codex config, `/v1` at the end of ANTHROPIC_BASE_URL, an upstream that is down, an upstream
//! that rejects the key, a port taken by another process, a world-readable secret, a gateway
//! that answers without the key. Human output and JSON are snapshotted with ports, pids,
//! process names, times and temp paths filtered.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use fgc::serve::mock::{Fault, Mock, MockConfig, ModelList};
use fgc::serve::{self, Running};
use serde_json::Value;

use crate::common::{fgc, settings, transcript};

/// The gateway key, literal in the served copy, `os.environ/FGC_GATEWAY_KEY` in doctor's.
const KEY: &str = "sk-gw-doctor-5f1e9a3c7b2d4e60";
const UPSTREAM_KEY: &str = "sk-up-doctor-91ab";

/// A scratch setup: the config doctor reads, a secret file, HOME with the client files.
struct Setup {
    dir: tempfile::TempDir,
    mock: Mock,
    /// Extra `model_list` entries.
    extra: String,
    /// Replaces the `general_settings` line of the served copy.
    served_key_line: String,
    /// Extra variables for doctor.
    env: Vec<(String, String)>,
}

impl Setup {
    async fn new() -> Setup {
        let dir = tempfile::Builder::new()
            .prefix("fgc-doctor")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let secret = dir.path().join("secrets/upstream");
        std::fs::write(&secret, format!("{UPSTREAM_KEY}\n")).unwrap();
        set_mode(&secret, 0o600);
        let mock = Mock::start(MockConfig::default()).await.unwrap();
        mock.set_models(
            "a",
            ModelList::OpenAi(vec!["gpt-main".into(), "gpt-mini".into()]),
        );
        mock.set_models(
            "c",
            ModelList::Anthropic {
                ids: vec!["claude-haiku-4-5-20251001".into()],
                page: 100,
            },
        );
        Setup {
            dir,
            mock,
            extra: String::new(),
            served_key_line: format!("master_key: {KEY}"),
            env: Vec::new(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// flowgate.yaml with the gateway on `port`; `key_line` is the `general_settings` body.
    fn yaml(&self, port: u16, key_line: &str) -> String {
        let m = self.mock.url();
        format!(
            r#"credentials:
  upstream:
    mock-key: {{file: secrets/upstream}}
litellm_base:
  model_list:
    - model_name: router-default
      litellm_params: {{model: openai/gpt-main, api_base: "{m}/a/v1", api_key_ref: mock-key}}
    - model_name: router-fast
      litellm_params: {{model: anthropic/claude-haiku-4-5, api_base: "{m}/c", api_key_ref: mock-key}}
{extra}  router_settings:
    model_group_alias: {{gpt-5.2: router-default}}
  general_settings:
    {key_line}
integration:
  default_model: router-default
  fast_model: router-fast
services:
  litellm: {{host: 127.0.0.1, port: {port}}}
"#,
            extra = self.extra
        )
    }

    /// Write doctor's config for a gateway on `port`.
    fn write_config(&self, port: u16) {
        let y = self.yaml(port, "master_key: os.environ/FGC_GATEWAY_KEY");
        std::fs::write(self.path("flowgate.yaml"), y).unwrap();
    }

    /// Start `fgc serve` in this process on a free port, from a copy of the config with
    /// `served_key_line`, and write doctor's config for it.
    async fn serve(&self) -> Running {
        let y = self.yaml(0, &self.served_key_line);
        std::fs::write(self.path("served.yaml"), y).unwrap();
        let mut o = serve::Options::new(self.path("served.yaml"));
        o.port = Some(0);
        let srv = serve::spawn(o).await.expect("fgc serve starts");
        self.write_config(srv.addr.port());
        srv
    }

    /// The client files as `fgc emit` writes them.
    fn emit_clients(&self) {
        let home = self.home();
        for (target, file) in [
            ("codex", ".codex/config.toml"),
            ("claude-code", ".claude/settings.json"),
        ] {
            let path = home.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let out = self
                .cmd()
                .args(["emit", target, "-c", "flowgate.yaml", "--merge"])
                .arg(&path)
                .arg("--write")
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", transcript(&out));
        }
    }

    fn cmd(&self) -> std::process::Command {
        let mut c = fgc();
        c.current_dir(self.dir.path())
            .env("HOME", self.home())
            .env("FGC_GATEWAY_KEY", KEY)
            .env("OPENAI_API_KEY", KEY);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// `fgc doctor -c flowgate.yaml ARGS`, off the runtime's threads.
    async fn doctor(&self, args: &[&str]) -> Output {
        let mut c = self.cmd();
        c.args(["doctor", "-c", "flowgate.yaml"]).args(args);
        if !args.contains(&"--timeout") {
            c.args(["--timeout", "2"]);
        }
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap()
    }

    /// Snapshot settings: this setup's ports, paths, pids, process names and times filtered.
    fn settings(&self, gateway_port: u16) -> insta::Settings {
        let mut s = settings();
        s.add_filter(
            &format!(r"127\.0\.0\.1:{}\b", self.mock.addr.port()),
            "127.0.0.1:[UPSTREAM]",
        );
        s.add_filter(&format!(r"\b{gateway_port}\b"), "[GATEWAY]");
        s.add_filter(r"pid \d+", "pid [PID]");
        s.add_filter(r"kill \d+", "kill [PID]");
        s.add_filter(r"kill -HUP \d+", "kill -HUP [PID]");
        s.add_filter(r"\(main-[0-9a-f]*\)", "([TEST])");
        s.add_filter(r"\d+ ms\b", "[N] ms");
        s.add_filter(r"\b\d+ input tokens", "[N] input tokens");
        s
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The lines of `o`'s human report that mark a check (✓ ⚠ ✗ -), with their fix lines.
fn lines_with(o: &Output, needle: &str) -> String {
    let text = stdout(o);
    let mut out = String::new();
    let mut keep = false;
    for l in text.lines() {
        let is_check = l.starts_with("  ") && !l.starts_with("      ");
        if is_check {
            keep = l.contains(needle);
        } else if !l.starts_with("      ") {
            keep = false;
        }
        if keep {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// Everything in order: the real `fgc serve` binary, client files from `fgc emit`. Exit 0,
/// and the process on the port is named and recognised as fgc serve.
#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_setup_passes_with_the_real_binary() {
    let s = Setup::new().await;
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    s.write_config(port);
    s.emit_clients();
    let mut child = s
        .cmd()
        .args(["serve", "-c", "flowgate.yaml", "--no-usage-log"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let up = wait_up(port).await;
    // The gateway's first local count_tokens loads the tokenizer: over a second in a debug
    // build when the rest of the suite (the serve floods among it) shares the two cores.
    let human = s.doctor(&["--timeout", "10"]).await;
    let json = s.doctor(&["--format", "json", "--timeout", "10"]).await;
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "fgc serve came up");
    assert_eq!(human.status.code(), Some(0), "{}", transcript(&human));
    assert!(
        stdout(&human).contains("(fgc): fgc serve"),
        "{}",
        stdout(&human)
    );
    s.settings(port).bind(|| {
        insta::assert_snapshot!("doctor_healthy", transcript(&human));
        insta::assert_snapshot!("doctor_healthy_json", stdout(&json));
    });
    let v: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["failed"], 0);
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in [
        "config.check",
        "ports.listen",
        "gateway.reachable",
        "gateway.readiness",
        "gateway.key-accepted",
        "gateway.key-required",
        "gateway.aliases-listed",
        "gateway.no-stale",
        "gateway.count-tokens",
        "upstreams.reachable",
        "upstreams.credential",
        "upstreams.models",
        "clients.codex.base-url",
        "clients.codex.wire-api",
        "clients.codex.model",
        "clients.codex.token",
        "clients.claude-code.base-url",
        "clients.claude-code.model",
        "clients.claude-code.token",
        "secrets.file",
        "secrets.variable",
        "secrets.client-file",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let text = stdout(&human) + &stdout(&json);
    assert!(
        !text.contains(KEY) && !text.contains(UPSTREAM_KEY),
        "a secret was printed"
    );
}

async fn wait_up(port: u16) -> bool {
    fgc::serve::forward::install_crypto();
    let c = reqwest::Client::new();
    for _ in 0..250 {
        let r = c
            .get(format!("http://127.0.0.1:{port}/health/liveness"))
            .send()
            .await;
        if r.is_ok_and(|r| r.status() == 200) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// The same setup with an in-process `fgc serve`: the process on the port is this test, which
/// answers as fgc serve.
#[tokio::test(flavor = "multi_thread")]
async fn an_in_process_gateway_is_recognised_over_http() {
    let s = Setup::new().await;
    let srv = s.serve().await;
    s.emit_clients();
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!(
            "doctor_ports_in_process",
            lines_with(&out, "services.litellm")
        );
    });
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_alias_in_the_codex_config() {
    let s = Setup::new().await;
    let srv = s.serve().await;
    s.emit_clients();
    let codex = s.home().join(".codex/config.toml");
    let text = std::fs::read_to_string(&codex).unwrap();
    std::fs::write(
        &codex,
        text.replace("\"router-default\"", "\"router-main\""),
    )
    .unwrap();
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!("doctor_stale_codex_alias", lines_with(&out, "Codex"));
    });
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v1_at_the_end_of_anthropic_base_url() {
    let mut s = Setup::new().await;
    let srv = s.serve().await;
    let port = srv.addr.port();
    // Exported, with no settings.json: the environment is what Claude Code reads.
    for (k, v) in [
        ("ANTHROPIC_BASE_URL", format!("http://127.0.0.1:{port}/v1")),
        ("ANTHROPIC_AUTH_TOKEN", KEY.to_string()),
        ("ANTHROPIC_MODEL", "router-default".into()),
        ("ANTHROPIC_DEFAULT_OPUS_MODEL", "router-default".into()),
        ("ANTHROPIC_DEFAULT_SONNET_MODEL", "router-default".into()),
        ("ANTHROPIC_DEFAULT_HAIKU_MODEL", "router-fast".into()),
    ] {
        s.env.push((k.into(), v));
    }
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    s.settings(port).bind(|| {
        insta::assert_snapshot!("doctor_claude_base_url_v1", lines_with(&out, "Claude Code"));
    });
    srv.stop().await;
}

/// A settings.json `env` entry wins over the exported variable: the stale file value is
/// reported, with the exported one named as ignored.
#[tokio::test(flavor = "multi_thread")]
async fn a_settings_env_block_shadows_the_environment() {
    let mut s = Setup::new().await;
    let srv = s.serve().await;
    s.emit_clients();
    let settings_json = s.home().join(".claude/settings.json");
    let text = std::fs::read_to_string(&settings_json).unwrap();
    std::fs::write(
        &settings_json,
        text.replace(
            "\"ANTHROPIC_MODEL\": \"router-default\"",
            "\"ANTHROPIC_MODEL\": \"router-old\"",
        ),
    )
    .unwrap();
    s.env
        .push(("ANTHROPIC_MODEL".into(), "router-default".into()));
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!(
            "doctor_claude_settings_shadow",
            lines_with(&out, "ANTHROPIC_MODEL =")
        );
    });
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_that_is_down() {
    let mut s = Setup::new().await;
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    s.extra = format!(
        "    - model_name: router-down\n      litellm_params: {{model: openai/gpt-down, api_base: \"http://127.0.0.1:{closed}/v1\", api_key_ref: mock-key}}\n"
    );
    let srv = s.serve().await;
    s.emit_clients();
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let mut st = s.settings(srv.addr.port());
    st.add_filter(&format!(r"127\.0\.0\.1:{closed}\b"), "127.0.0.1:[CLOSED]");
    st.bind(|| {
        insta::assert_snapshot!(
            "doctor_upstream_down",
            lines_with(&out, &format!(":{closed}"))
        );
    });
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_that_rejects_the_key() {
    let s = Setup::new().await;
    let srv = s.serve().await;
    s.emit_clients();
    // Only doctor's GET /models reaches prefix `c` (count_tokens goes to router-default).
    s.mock.push_for("c", Fault::Status(401));
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let text = stdout(&out);
    assert!(
        text.contains("refuses credential `mock-key` (file secrets/upstream)"),
        "{text}"
    );
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!("doctor_upstream_rejects_key", lines_with(&out, "/c/v1"));
    });
    srv.stop().await;
}

/// An upstream that lists models, but not the one a deployment sends.
#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_model_name_the_upstream_does_not_list() {
    let mut s = Setup::new().await;
    s.extra = format!(
        "    - model_name: router-typo\n      litellm_params: {{model: openai/gpt-mian, api_base: \"{}/a/v1\", api_key_ref: mock-key}}\n",
        s.mock.url()
    );
    let srv = s.serve().await;
    s.emit_clients();
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!(
            "doctor_upstream_model_not_listed",
            lines_with(&out, "/a/v1")
        );
    });
    srv.stop().await;
}

/// A server that answers every request with 404, like some other web app on the port.
fn other_server() -> (
    u16,
    std::thread::JoinHandle<()>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let port = l.local_addr().unwrap().port();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let t = std::thread::spawn(move || {
        while !flag.load(Ordering::SeqCst) {
            match l.accept() {
                Ok((mut sock, _)) => {
                    sock.set_nonblocking(false).unwrap();
                    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf);
                    let _ = sock.write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot here\n",
                    );
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    (port, t, stop)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_port_taken_by_another_process() {
    let s = Setup::new().await;
    let (port, thread, stop) = other_server();
    s.write_config(port);
    s.emit_clients();
    let out = s.doctor(&[]).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    thread.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("pid {}", std::process::id())),
        "the test process is named as the holder: {text}"
    );
    s.settings(port).bind(|| {
        insta::assert_snapshot!("doctor_port_taken", lines_with(&out, "services.litellm"));
        insta::assert_snapshot!("doctor_port_taken_gateway", lines_with(&out, "answer"));
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_world_readable_secret() {
    let s = Setup::new().await;
    let srv = s.serve().await;
    s.emit_clients();
    set_mode(&s.path("secrets/upstream"), 0o644);
    set_mode(&s.home().join(".claude/settings.json"), 0o644);
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!("doctor_world_readable_secret", lines_with(&out, "0644"));
    });
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_that_answers_without_the_key() {
    let mut s = Setup::new().await;
    // The served copy has no master_key; doctor's config requires one.
    s.served_key_line = "{}".into();
    let srv = s.serve().await;
    s.emit_clients();
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!("doctor_gateway_without_key", lines_with(&out, "key"));
    });
    srv.stop().await;
}

/// The gateway runs another config: an alias flowgate.yaml no longer has, and one it has
/// missing.
#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_serving_a_stale_alias() {
    let s = Setup::new().await;
    let srv = s.serve().await;
    let y = std::fs::read_to_string(s.path("flowgate.yaml")).unwrap();
    std::fs::write(
        s.path("flowgate.yaml"),
        y.replace("model_name: router-fast", "model_name: router-quick")
            .replace("fast_model: router-fast", "fast_model: router-quick"),
    )
    .unwrap();
    s.emit_clients();
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!(
            "doctor_gateway_stale_alias",
            lines_with(&out, "/v1/models lists")
        );
        insta::assert_snapshot!(
            "doctor_gateway_missing_alias",
            lines_with(&out, "does not list")
        );
    });
    srv.stop().await;
}

/// Nothing listens: the port and the gateway fail, nothing waits.
#[tokio::test(flavor = "multi_thread")]
async fn no_gateway_running() {
    let s = Setup::new().await;
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    s.write_config(port);
    s.emit_clients();
    let out = s.doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    s.settings(port).bind(|| {
        insta::assert_snapshot!("doctor_no_gateway", lines_with(&out, &format!(":{port}")));
    });
}

/// A gateway that accepts the connection and never answers: doctor gives up after the
/// timeout instead of hanging.
#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_gateway_does_not_hang_doctor() {
    let s = Setup::new().await;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    s.write_config(port);
    let start = Instant::now();
    let out = s.doctor(&["--timeout", "0.5"]).await;
    let took = start.elapsed();
    drop(l);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    // A hang guard, not a speed claim: generous for a loaded CI machine.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(
        stdout(&out).contains("no answer within 0.5 s"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_runs_no_network_check() {
    let s = Setup::new().await;
    let srv = s.serve().await;
    s.emit_clients();
    let hits = s.mock.hits();
    let out = s.doctor(&["--offline"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_eq!(s.mock.hits(), hits, "no upstream request");
    s.settings(srv.addr.port()).bind(|| {
        insta::assert_snapshot!("doctor_offline", transcript(&out));
    });
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_models_sends_each_alias_a_request() {
    let mut s = Setup::new().await;
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // An alias whose only deployment is down (and not retried): its probe fails.
    s.extra = format!(
        "    - model_name: router-down\n      litellm_params: {{model: openai/gpt-down, api_base: \"http://127.0.0.1:{closed}/v1\", api_key_ref: mock-key, num_retries: 0}}\n"
    );
    let srv = s.serve().await;
    s.emit_clients();
    let before = s.mock.requests().len();
    let out = s.doctor(&["--probe-models"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let chats = s.mock.requests()[before..]
        .iter()
        .filter(|r| r.path.ends_with("/chat/completions") || r.path.ends_with("/messages"))
        .count();
    assert_eq!(chats, 2, "one request for each alias that is up");
    let mut st = s.settings(srv.addr.port());
    st.add_filter(&format!(r"127\.0\.0\.1:{closed}\b"), "127.0.0.1:[CLOSED]");
    st.bind(|| {
        insta::assert_snapshot!(
            "doctor_probe_models",
            lines_with(&out, "minimal chat request")
        );
    });
    srv.stop().await;
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::Builder::new()
        .prefix("fgc-doctor")
        .tempdir()
        .unwrap();
    let run = |args: &[&str]| {
        let mut c = fgc();
        c.current_dir(dir.path()).arg("doctor").args(args);
        c.output().unwrap()
    };
    let missing = run(&["-c", "nope.yaml"]);
    assert_eq!(missing.status.code(), Some(2), "{}", transcript(&missing));
    std::fs::write(
        dir.path().join("f.yaml"),
        "litellm_base: {model_list: []}\n",
    )
    .unwrap();
    let bad_url = run(&["-c", "f.yaml", "--gateway", "localhost:4000"]);
    assert_eq!(bad_url.status.code(), Some(2), "{}", transcript(&bad_url));
    let bad_timeout = run(&["-c", "f.yaml", "--timeout", "0"]);
    assert_eq!(bad_timeout.status.code(), Some(2));
    std::fs::write(
        dir.path().join("p.yaml"),
        "litellm_base: {model_list: []}\nprofiles: {a: {}, b: {}}\n",
    )
    .unwrap();
    let ambiguous = run(&["-c", "p.yaml", "--offline"]);
    assert_eq!(
        ambiguous.status.code(),
        Some(2),
        "{}",
        transcript(&ambiguous)
    );
    let conflict = run(&["-c", "f.yaml", "--offline", "--probe-models"]);
    assert_eq!(conflict.status.code(), Some(2));
    crate::common::with_settings(|| {
        insta::assert_snapshot!(
            "doctor_usage_errors",
            [missing, bad_url, ambiguous]
                .iter()
                .map(transcript)
                .collect::<Vec<_>>()
                .join("\n")
        );
    });
}

/// A config with errors: each is a line, the rest still runs where it can; a file without a
/// valid structure stops there.
#[test]
fn config_errors_are_checks() {
    let dir = tempfile::Builder::new()
        .prefix("fgc-doctor")
        .tempdir()
        .unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "litellm_base:\n  model_list: 5\n",
    )
    .unwrap();
    let mut c = fgc();
    c.current_dir(dir.path()).env("HOME", dir.path()).args([
        "doctor",
        "-c",
        "broken.yaml",
        "--offline",
    ]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    crate::common::with_settings(|| {
        insta::assert_snapshot!("doctor_config_broken", transcript(&out));
    });
}

/// The library entry point `fgc run` uses: one client's checks, with the environment passed
/// in (no process environment involved).
#[tokio::test(flavor = "multi_thread")]
async fn run_client_checks_one_client() {
    let s = Setup::new().await;
    s.write_config(4000);
    s.emit_clients();
    let mut o = fgc::doctor::Options::new(s.path("flowgate.yaml"));
    o.env = fgc::doctor::Env::default()
        .set("HOME", s.home().to_str().unwrap())
        .set("OPENAI_API_KEY", "sk-something-else")
        .set("FGC_GATEWAY_KEY", KEY);
    o.cwd = s.dir.path().to_path_buf();
    let r = tokio::task::spawn_blocking(move || fgc::doctor::run_client(&o, "codex"))
        .await
        .unwrap()
        .unwrap();
    let areas: Vec<&str> = r.checks.iter().map(|c| c.area.as_str()).collect();
    assert!(!areas.contains(&"gateway") && !areas.contains(&"ports"));
    assert!(
        r.checks
            .iter()
            .all(|c| !c.id().starts_with("clients.claude-code"))
    );
    let token = r
        .checks
        .iter()
        .find(|c| c.id() == "clients.codex.token")
        .unwrap();
    // Codex's env_key is the gateway key's own variable (not OPENAI_API_KEY), set here.
    assert_eq!(token.status, fgc::doctor::Status::Pass, "{token:?}");
    assert!(matches!(
        fgc::doctor::run_client(&fgc::doctor::Options::new("x"), "nope"),
        Err(fgc::doctor::DoctorError::UnknownClient(_))
    ));
}

/// A config for the client checks alone (no gateway, no upstream is asked).
fn client_setup(extra_integration: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fgc-doctor")
        .tempdir()
        .unwrap();
    std::fs::create_dir_all(dir.path().join("home/.claude")).unwrap();
    std::fs::write(
        dir.path().join("flowgate.yaml"),
        format!(
            "litellm_base:\n  model_list:\n    - {{model_name: router-default, litellm_params: {{model: openai/m, api_base: 'http://127.0.0.1:9/v1'}}}}\n    - {{model_name: router-fast, litellm_params: {{model: openai/f, api_base: 'http://127.0.0.1:9/v1'}}}}\n  general_settings: {{master_key: {KEY}}}\nintegration:\n  default_model: router-default\n  fast_model: router-fast\n{extra_integration}services:\n  litellm: {{port: 4555}}\n"
        ),
    )
    .unwrap();
    dir
}

fn claude_checks(dir: &Path, env: &[(&str, &str)]) -> Vec<fgc::doctor::Check> {
    let mut o = fgc::doctor::Options::new(dir.join("flowgate.yaml"));
    let mut e = fgc::doctor::Env::default().set("HOME", dir.join("home").to_str().unwrap());
    for (k, v) in env {
        e = e.set(k, v);
    }
    o.env = e;
    o.cwd = dir.join("project");
    let r = fgc::doctor::run_client(&o, "claude-code").unwrap();
    r.checks
        .into_iter()
        .filter(|c| c.id().starts_with("clients.") || c.id() == "secrets.client-file")
        .collect()
}

fn find<'a>(
    checks: &'a [fgc::doctor::Check],
    id: &str,
    subject: Option<&str>,
) -> &'a fgc::doctor::Check {
    checks
        .iter()
        .find(|c| c.id() == id && (subject.is_none() || c.subject.as_deref() == subject))
        .unwrap_or_else(|| panic!("no {id} {subject:?} in {checks:#?}"))
}

/// Claude Code's sources: project files over the user's, settings over the environment, the
/// literal `${VAR}`, a broken file, and a client that is not set up.
#[test]
fn claude_code_sources() {
    use fgc::doctor::Status;
    let good = [
        ("ANTHROPIC_BASE_URL", "http://127.0.0.1:4555"),
        ("ANTHROPIC_AUTH_TOKEN", KEY),
        ("ANTHROPIC_MODEL", "router-default"),
        ("ANTHROPIC_DEFAULT_OPUS_MODEL", "router-default"),
        ("ANTHROPIC_DEFAULT_SONNET_MODEL", "router-default"),
        ("ANTHROPIC_DEFAULT_HAIKU_MODEL", "router-fast"),
    ];
    let dir = client_setup("");
    let d = dir.path();

    // Not set up, not declared: skipped.
    let c = claude_checks(d, &[]);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].status, Status::Skip, "{c:#?}");

    // Everything exported: passes.
    let c = claude_checks(d, &good);
    assert!(c.iter().all(|c| c.status == Status::Pass), "{c:#?}");

    // A project settings.local.json wins over the user's file and the environment.
    std::fs::create_dir_all(d.join("project/.claude")).unwrap();
    std::fs::write(
        d.join("project/.claude/settings.local.json"),
        r#"{"env": {"ANTHROPIC_MODEL": "router-old"}}"#,
    )
    .unwrap();
    let c = claude_checks(d, &good);
    let m = find(&c, "clients.claude-code.model", Some("ANTHROPIC_MODEL"));
    assert_eq!(m.status, Status::Fail);
    assert!(
        m.message.contains("router-old") && m.message.contains("settings.local.json"),
        "{m:?}"
    );
    assert!(
        m.message
            .contains("the exported ANTHROPIC_MODEL is ignored"),
        "{m:?}"
    );
    assert!(
        m.fix.as_deref().unwrap().contains("--merge")
            && m.fix
                .as_deref()
                .unwrap()
                .contains("project/.claude/settings.local.json"),
        "{m:?}"
    );
    std::fs::remove_file(d.join("project/.claude/settings.local.json")).unwrap();

    // settings.json values are literal: `${VAR}` is sent as it is. The file holds no real
    // token, so it is not a secret file.
    std::fs::write(
        d.join("home/.claude/settings.json"),
        r#"{"env": {"ANTHROPIC_AUTH_TOKEN": "${LITELLM_MASTER_KEY}"}}"#,
    )
    .unwrap();
    let c = claude_checks(d, &good);
    let t = find(&c, "clients.claude-code.token", None);
    assert_eq!(t.status, Status::Fail, "{t:?}");
    assert!(t.message.contains("`${...}` reference"), "{t:?}");
    assert!(c.iter().all(|c| c.id() != "secrets.client-file"));

    // Another token than the gateway key, in a file readable by others.
    std::fs::write(
        d.join("home/.claude/settings.json"),
        r#"{"env": {"ANTHROPIC_AUTH_TOKEN": "sk-not-the-gateway-key"}}"#,
    )
    .unwrap();
    set_mode(&d.join("home/.claude/settings.json"), 0o644);
    let c = claude_checks(d, &good);
    let t = find(&c, "clients.claude-code.token", None);
    assert_eq!(t.status, Status::Fail);
    assert!(t.message.contains("is not the gateway key"), "{t:?}");
    assert!(
        !t.message.contains("sk-not-the-gateway-key"),
        "a token was printed"
    );
    assert_eq!(find(&c, "secrets.client-file", None).status, Status::Fail);

    // A file that is not JSON is ignored whole by Claude Code: the environment applies.
    std::fs::write(d.join("home/.claude/settings.json"), "{\"env\": {").unwrap();
    let c = claude_checks(d, &good);
    assert_eq!(
        find(&c, "clients.claude-code.settings", None).status,
        Status::Fail
    );
    assert_eq!(
        find(&c, "clients.claude-code.token", None).status,
        Status::Pass
    );

    // Declared in flowgate.yaml: not being set up fails.
    let dir = client_setup("  claude_code: {haiku_model: router-fast}\n");
    let c = claude_checks(dir.path(), &[]);
    assert_eq!(c[0].status, Status::Fail, "{c:#?}");
}

/// With routing covering the Claude families, `fgc emit claude-code` leaves the model
/// variables out; doctor agrees that unset is right, and still checks a value that is set.
#[test]
fn claude_code_model_variables_left_to_routing() {
    use fgc::doctor::Status;
    let dir = client_setup("");
    let d = dir.path();
    let text = std::fs::read_to_string(d.join("flowgate.yaml")).unwrap();
    std::fs::write(
        d.join("flowgate.yaml"),
        text.replace(
            "integration:\n",
            "routing:\n  background: router-fast\n  families: {opus: router-default, sonnet: router-default}\nintegration:\n",
        ),
    )
    .unwrap();
    let base = [
        ("ANTHROPIC_BASE_URL", "http://127.0.0.1:4555"),
        ("ANTHROPIC_AUTH_TOKEN", KEY),
    ];
    let c = claude_checks(d, &base);
    for var in [
        "ANTHROPIC_MODEL",
        "ANTHROPIC_DEFAULT_OPUS_MODEL",
        "ANTHROPIC_DEFAULT_SONNET_MODEL",
    ] {
        let m = find(&c, "clients.claude-code.model", Some(var));
        assert_eq!(m.status, Status::Pass, "{m:?}");
        assert!(m.message.contains("routing"), "{m:?}");
    }
    let mut set = base.to_vec();
    set.push(("ANTHROPIC_DEFAULT_SONNET_MODEL", "router-gone"));
    let c = claude_checks(d, &set);
    let m = find(
        &c,
        "clients.claude-code.model",
        Some("ANTHROPIC_DEFAULT_SONNET_MODEL"),
    );
    assert_eq!(m.status, Status::Fail, "{m:?}");
}

/// opencode, Qwen Code, Aider and Continue: files from `fgc emit` pass; then each broken the
/// way it breaks in practice (a base URL without `/v1`, an unserved model, a key variable
/// that is not set, no Aider metadata file) fails or warns with the fix.
#[tokio::test(flavor = "multi_thread")]
async fn the_other_clients_files_are_checked() {
    let s = Setup::new().await;
    let srv = s.serve().await;
    let home = s.home();
    for (target, file) in [
        (&["opencode"][..], ".config/opencode/opencode.json"),
        (&["qwen-code"][..], ".qwen/settings.json"),
        (&["aider"][..], ".aider.conf.yml"),
        (
            &["aider", "--format", "metadata"][..],
            ".aider.model.metadata.json",
        ),
        (&["continue"][..], ".continue/config.yaml"),
    ] {
        let path = home.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let out = s
            .cmd()
            .arg("emit")
            .args(target)
            .args(["-q", "-c", "flowgate.yaml", "--merge"])
            .arg(&path)
            .arg("--write")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", transcript(&out));
    }
    let clients = ["opencode", "Qwen Code", "Aider", "Continue"];
    let out = s.doctor(&["--offline"]).await;
    for c in clients {
        let lines = lines_with(&out, &format!("{c}:"));
        assert!(lines.lines().count() >= 4, "{c}: {}", transcript(&out));
        assert!(lines.lines().all(|l| l.starts_with("  ✓")), "{lines}");
    }
    let edit = |file: &str, from: &str, to: &str| {
        let p = home.join(file);
        let t = std::fs::read_to_string(&p).unwrap();
        assert!(t.contains(from), "{file}: {t}");
        std::fs::write(&p, t.replace(from, to)).unwrap();
    };
    let port = srv.addr.port();
    edit(
        ".config/opencode/opencode.json",
        &format!("127.0.0.1:{port}/v1"),
        &format!("127.0.0.1:{port}"),
    );
    edit(
        ".qwen/settings.json",
        "\"name\": \"router-default\"\n",
        "\"name\": \"router-main\"\n",
    );
    edit(
        ".continue/config.yaml",
        "secrets.FGC_GATEWAY_KEY",
        "secrets.FGC_NOT_SET",
    );
    std::fs::remove_file(home.join(".aider.model.metadata.json")).unwrap();
    let out = s.doctor(&["--offline"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let mut text = String::new();
    for c in clients {
        text.push_str(&lines_with(&out, &format!("{c}:")));
    }
    s.settings(port)
        .bind(|| insta::assert_snapshot!("doctor_other_clients_broken", text));
    srv.stop().await;
}
