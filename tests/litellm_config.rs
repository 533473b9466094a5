//! A plain LiteLLM config.yaml as the input of every command: dialect detection and
//! `--litellm`, rename, emit, and the included files.

use std::fs;

use crate::common::{root, run, run_in, transcript, with_settings};

const PLAIN: &str = "tests/fixtures/valid/litellm-plain.yaml";

fn codes(out: &std::process::Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A file with only LiteLLM keys is a LiteLLM config; one that has none of them needs
/// `--litellm` to be read as one (else its keys are unknown flowgate.yaml sections).
#[test]
fn dialect_by_keys_or_flag() {
    let dir = tempfile::tempdir().unwrap();
    // Only keys both dialects lack at the top level besides LiteLLM's `guardrails`.
    fs::write(
        dir.path().join("c.yaml"),
        "guardrails: []\nmcp_servers: {}\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "c.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let out = run_in(dir.path(), &["check", "--format", "json", "x.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    // A LiteLLM config that starts with an unknown key only: flowgate.yaml says unknown-key,
    // --litellm reads it as LiteLLM does (an unknown top-level key LiteLLM ignores).
    fs::write(dir.path().join("d.yaml"), "my_notes: hello\n").unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "d.yaml"]);
    assert_eq!(codes(&out), ["unknown-key"], "{}", transcript(&out));
    let out = run_in(
        dir.path(),
        &["check", "--litellm", "--format", "json", "d.yaml"],
    );
    assert_eq!(
        codes(&out),
        ["unknown-litellm-key", "missing-master-key"],
        "{}",
        transcript(&out)
    );
}

#[test]
fn emit_clients_from_a_litellm_config() {
    // Without --model: a clear refusal that says what to pass.
    let out = run(&["emit", "codex", "-c", PLAIN]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pass --model ALIAS"),
        "{}",
        transcript(&out)
    );
    let out = run(&["emit", "codex", "--model", "router-defaul", "-c", PLAIN]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    with_settings(|| {
        for (name, args) in [
            (
                "litellm_config_emit_codex",
                vec!["emit", "codex", "--model", "router-default", "-c", PLAIN],
            ),
            (
                "litellm_config_emit_claude_code",
                vec![
                    "emit",
                    "claude-code",
                    "--model",
                    "router-default",
                    "--fast-model",
                    "router-fast",
                    "-c",
                    PLAIN,
                ],
            ),
            (
                "litellm_config_emit_litellm",
                vec!["emit", "litellm", "-c", PLAIN],
            ),
        ] {
            let out = run(&args);
            assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
            insta::assert_snapshot!(name, transcript(&out));
        }
    });
}

/// `fgc emit litellm` on a LiteLLM config with includes writes one self-contained file that
/// keeps LiteLLM's other top-level keys, and that file checks clean.
#[test]
fn emitted_litellm_config_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("config.yaml");
    let out = run(&[
        "emit",
        "litellm",
        "-c",
        PLAIN,
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = fs::read_to_string(&out_path).unwrap();
    for key in [
        "credential_list:",
        "environment_variables:",
        "guardrails:",
        "mcp_servers:",
        "callback_settings:",
        "router-fast",
    ] {
        assert!(text.contains(key), "{key} missing:\n{text}");
    }
    assert!(!text.contains("include:"), "{text}");
    let out = run(&["check", "--deny-warnings", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
}

/// A scratch copy of [`PLAIN`] as `config.yaml`, with the file it includes.
fn plain_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(root().join(PLAIN), dir.path().join("config.yaml")).unwrap();
    fs::create_dir(dir.path().join("litellm-plain")).unwrap();
    fs::copy(
        root().join("tests/fixtures/valid/litellm-plain/models.yaml"),
        dir.path().join("litellm-plain/models.yaml"),
    )
    .unwrap();
    dir
}

/// An alias named in an included file is renamed there too: the dry run shows both files,
/// `--write` changes both (all or none) and the result checks clean.
#[test]
fn rename_reaches_the_included_files() {
    let out = run(&["rename", "router-fast", "router-quick", "-c", PLAIN]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    with_settings(|| insta::assert_snapshot!("litellm_config_rename_included", transcript(&out)));
    let dir = plain_copy();
    let out = run_in(
        dir.path(),
        &[
            "rename",
            "router-fast",
            "router-quick",
            "-c",
            "config.yaml",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let root_text = fs::read_to_string(dir.path().join("config.yaml")).unwrap();
    assert!(
        root_text.contains("fallbacks: [{router-default: [router-quick]}]"),
        "{root_text}"
    );
    let models = fs::read_to_string(dir.path().join("litellm-plain/models.yaml")).unwrap();
    assert!(models.contains("- model_name: router-quick\n"), "{models}");
    assert!(!models.contains("router-fast"), "{models}");
    let out = run_in(dir.path(), &["check", "--deny-warnings", "config.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    // Back again.
    let out = run_in(
        dir.path(),
        &[
            "rename",
            "router-quick",
            "router-fast",
            "-c",
            "config.yaml",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_eq!(
        fs::read_to_string(dir.path().join("litellm-plain/models.yaml")).unwrap(),
        fs::read_to_string(root().join("tests/fixtures/valid/litellm-plain/models.yaml")).unwrap()
    );
}

/// A literal key next to the renamed name in an included file never shows in the diff.
#[test]
fn rename_diff_of_an_included_file_hides_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("config.yaml"),
        "include: [models.yaml]\nmodel_list:\n  - model_name: main\n    litellm_params: {model: openai/a, api_base: http://127.0.0.1:1/v1}\nrouter_settings:\n  fallbacks: [{main: [side]}]\ngeneral_settings: {master_key: sk-fgc-fixture-key}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("models.yaml"),
        "model_list:\n  - model_name: side\n    litellm_params: {model: openai/b, api_base: http://127.0.0.1:1/v1, api_key: sk-literal-included-123456}\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["rename", "side", "backup", "-c", "config.yaml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = transcript(&out);
    assert!(text.contains("+  - model_name: backup"), "{text}");
    assert!(!text.contains("sk-literal-included-123456"), "{text}");
}

/// A name only the root file holds is renamed there alone, and the result checks clean.
#[test]
fn rename_of_a_name_only_the_root_file_holds() {
    let dir = plain_copy();
    let out = run_in(
        dir.path(),
        &[
            "rename",
            "router-default",
            "router-main",
            "-c",
            "config.yaml",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = fs::read_to_string(dir.path().join("config.yaml")).unwrap();
    assert!(
        text.contains("fallbacks: [{router-main: [router-fast]}]"),
        "{text}"
    );
    let out = run_in(dir.path(), &["check", "--deny-warnings", "config.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
}

// ---- fgc serve on a LiteLLM config ----

const KEY: &str = "sk-gw-test-7f3a9c2e5b1d4f6a";
const UPSTREAM_KEY: &str = "sk-upstream-test-1b2c3d";

/// A plain LiteLLM config (with an include and a named credential) served against the mock:
/// each alias answers, the credential's key goes upstream, the included alias is served and
/// router_settings.fallbacks is followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_a_litellm_config_against_the_mock() {
    use fgc::serve::mock::{Fault, Mock, MockConfig};
    let m = Mock::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::Builder::new()
        .prefix("fgc-serve")
        .tempdir()
        .unwrap();
    let base = m.url();
    fs::write(
        dir.path().join("config.yaml"),
        format!(
            r#"include: [more.yaml]
model_list:
  - model_name: router-default
    litellm_params:
      model: openai/up-default
      api_base: {base}/main/v1
      litellm_credential_name: mock
  - model_name: router-claude
    litellm_params: {{model: anthropic/claude-up, api_base: {base}, api_key: {UPSTREAM_KEY}}}
credential_list:
  - credential_name: mock
    credential_values: {{api_key: {UPSTREAM_KEY}}}
    credential_info: {{}}
router_settings:
  num_retries: 0
  fallbacks: [{{router-default: [router-extra]}}]
general_settings:
  master_key: {KEY}
"#
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("more.yaml"),
        format!(
            "model_list:\n  - model_name: router-extra\n    litellm_params: {{model: openai/up-extra, api_base: {base}/extra/v1, api_key: {UPSTREAM_KEY}}}\n"
        ),
    )
    .unwrap();
    let mut o = fgc::serve::Options::new(dir.path().join("config.yaml"));
    o.port = Some(0);
    let srv = fgc::serve::spawn(o).await.expect("server starts");
    fgc::serve::forward::install_crypto();
    let client = reqwest::Client::new();
    let post = |model: &str, path: &str| {
        let body = if path.ends_with("messages") {
            serde_json::json!({"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]})
        } else {
            serde_json::json!({"model": model, "messages": [{"role": "user", "content": "hi"}]})
        };
        client
            .post(format!("{}{path}", srv.url()))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    for (model, path) in [
        ("router-default", "/v1/chat/completions"),
        ("router-extra", "/v1/chat/completions"),
        ("router-claude", "/v1/messages"),
    ] {
        let r = post(model, path).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{model}");
    }
    let reqs = m.requests();
    assert_eq!(reqs[0].path, "/main/v1/chat/completions");
    assert_eq!(reqs[0].body["model"], "up-default");
    assert_eq!(
        reqs[0].headers["authorization"].to_str().unwrap(),
        format!("Bearer {UPSTREAM_KEY}"),
        "the key of the credential_list entry"
    );
    assert_eq!(reqs[1].path, "/extra/v1/chat/completions");
    // router-default fails: LiteLLM's fallbacks send the request to router-extra.
    m.push_for("main", Fault::Status(500));
    let r = post("router-default", "/v1/chat/completions")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let last = m.requests().pop().unwrap();
    assert_eq!(last.path, "/extra/v1/chat/completions");
    srv.stop().await;
}

/// What fgc serve does not carry out is listed, each at its place, and it does not start
/// (exit 1); what it approximates is a warning.
#[test]
fn serve_refuses_listing_what_it_does_not_support() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("config.yaml"),
        r#"model_list:
  - model_name: router-default
    litellm_params: {model: openai/gpt-5.2, api_base: http://127.0.0.1:9/v1, api_version: "2024-06-01"}
  - model_name: router-default
    litellm_params: {model: openai/gpt-5.2-mini, api_base: http://127.0.0.1:9/v1, weight: 3}
  - model_name: router-bedrock
    litellm_params: {model: bedrock/anthropic.claude-sonnet-4-6}
  - model_name: "openai/*"
    litellm_params: {model: "openai/*"}
litellm_settings:
  cache: true
  success_callback: [langfuse]
router_settings:
  routing_strategy: latency-based-routing
  redis_host: 127.0.0.1
  redis_port: 6379
general_settings:
  master_key: sk-fgc-fixture-key
  database_url: postgresql://127.0.0.1/litellm
guardrails:
  - guardrail_name: pii
    litellm_params: {guardrail: presidio, mode: pre_call}
environment_variables:
  LITELLM_LOG: INFO
"#,
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "serve",
            "-c",
            "config.yaml",
            "--port",
            "0",
            "--no-usage-log",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    with_settings(|| insta::assert_snapshot!("litellm_config_serve_refused", transcript(&out)));
}

/// `--instances N` says how many LiteLLM instances run a plain LiteLLM config: without a
/// shared Redis that is a warning; with LiteLLM's router Redis settings it is not.
#[test]
fn instances_without_shared_state() {
    let simple = "tests/fixtures/litellm-plain/simple_config.yaml";
    let out = run(&["check", "--format", "json", "--instances", "2", simple]);
    assert!(
        codes(&out).contains(&"no-shared-state".to_string()),
        "{}",
        transcript(&out)
    );
    let out = run(&["check", "--format", "json", "--instances", "1", simple]);
    assert!(
        !codes(&out).contains(&"no-shared-state".to_string()),
        "{}",
        transcript(&out)
    );
    let out = run(&["check", "--format", "json", "--instances", "4", PLAIN]);
    assert_eq!(codes(&out), Vec::<String>::new(), "{}", transcript(&out));
}

/// `fgc redirect` writes `model_list` entries into a flowgate.yaml: on a plain LiteLLM config
/// it refuses (exit 2) and says what to do, without touching the file.
#[test]
fn redirect_refuses_a_litellm_config() {
    let before = fs::read_to_string(crate::common::inputs().join(PLAIN)).unwrap();
    let out = run(&["redirect", "-c", PLAIN]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("plain LiteLLM config"),
        "{}",
        transcript(&out)
    );
    assert_eq!(
        fs::read_to_string(crate::common::inputs().join(PLAIN)).unwrap(),
        before
    );
}

/// A new name an included file already defines is refused, shown in that file.
#[test]
fn rename_to_a_name_an_included_file_defines() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("config.yaml"),
        "include: [models.yaml]\nmodel_list:\n  - model_name: main\n    litellm_params: {model: openai/a, api_base: http://127.0.0.1:1/v1}\ngeneral_settings: {master_key: sk-fgc-fixture-key}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("models.yaml"),
        "model_list:\n  - model_name: side\n    litellm_params: {model: openai/b, api_base: http://127.0.0.1:1/v1}\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["rename", "main", "side", "-c", "config.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    with_settings(|| {
        insta::assert_snapshot!("litellm_config_rename_taken_in_include", transcript(&out))
    });
}

/// One file included by two paths (through a link): changed once when both agree, refused
/// when a later copy replaces a section the first one had, so the two would differ.
#[test]
fn rename_changes_a_file_reached_by_two_paths_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = "    litellm_params: {model: openai/b, api_base: http://127.0.0.1:1/v1}\n";
    fs::write(
        d.join("config.yaml"),
        "include: [models.yaml, again.yaml]\nmodel_list:\n  - model_name: main\n    litellm_params: {model: openai/a, api_base: http://127.0.0.1:1/v1}\nrouter_settings:\n  fallbacks: [{main: [side]}]\ngeneral_settings: {master_key: sk-fgc-fixture-key}\n",
    )
    .unwrap();
    fs::write(
        d.join("models.yaml"),
        format!("model_list:\n  - model_name: side\n{model}"),
    )
    .unwrap();
    std::os::unix::fs::symlink("models.yaml", d.join("again.yaml")).unwrap();
    let out = run_in(
        d,
        &["rename", "side", "standby", "-c", "config.yaml", "--write"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in 2 file(s)"),
        "{}",
        transcript(&out)
    );
    assert_eq!(
        fs::read_to_string(d.join("models.yaml")).unwrap(),
        format!("model_list:\n  - model_name: standby\n{model}")
    );
    assert!(
        fs::symlink_metadata(d.join("again.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // The second copy's router_settings replaces the root's: its fallbacks are what LiteLLM
    // reads there, the first copy's are not, so the two renamed texts differ.
    fs::write(
        d.join("config.yaml"),
        "include: [models.yaml, other.yaml]\nmodel_list:\n  - model_name: main\n    litellm_params: {model: openai/a, api_base: http://127.0.0.1:1/v1}\ngeneral_settings: {master_key: sk-fgc-fixture-key}\n",
    )
    .unwrap();
    fs::write(
        d.join("models.yaml"),
        format!("model_list:\n  - model_name: side\n{model}router_settings:\n  fallbacks: [{{main: [side]}}]\n"),
    )
    .unwrap();
    fs::write(
        d.join("other.yaml"),
        "include: [again.yaml]\nmodel_list:\n  - model_name: third\n    litellm_params: {model: openai/c, api_base: http://127.0.0.1:1/v1}\n",
    )
    .unwrap();
    let before = fs::read_to_string(d.join("models.yaml")).unwrap();
    let out = run_in(
        d,
        &["rename", "side", "standby", "-c", "config.yaml", "--write"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rename::same-file"),
        "{}",
        transcript(&out)
    );
    assert_eq!(fs::read_to_string(d.join("models.yaml")).unwrap(), before);
}

/// A new name is written plain where YAML allows it (a comma is fine in a block mapping) and
/// quoted inside a flow collection; a client file that does not name the alias is reported
/// and neither counted nor written.
#[test]
fn rename_quotes_by_context_and_counts_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("config.yaml"),
        "model_list:\n  - model_name: main\n    litellm_params: {model: openai/a, api_base: \"http://127.0.0.1:1/v1\"}\n  - model_name: side\n    litellm_params: {model: openai/b, api_base: \"http://127.0.0.1:1/v1\"}\nrouter_settings:\n  fallbacks: [{main: [side]}]\ngeneral_settings: {master_key: sk-fgc-fixture-key}\n",
    )
    .unwrap();
    fs::write(d.join("codex.toml"), "model = \"other\"\n").unwrap();
    let args = [
        "rename",
        "main",
        "main,v2",
        "-c",
        "config.yaml",
        "--codex",
        "codex.toml",
        "--write",
    ];
    let out = run_in(d, &args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = fs::read_to_string(d.join("config.yaml")).unwrap();
    assert!(text.contains("  - model_name: main,v2\n"), "{text}");
    assert!(
        text.contains("fallbacks: [{\"main,v2\": [side]}]"),
        "{text}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("codex codex.toml: no value equal to `main`"),
        "{err}"
    );
    assert!(err.contains("in 1 file(s)"), "{err}");
    let out = run_in(d, &["check", "--deny-warnings", "config.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
}

/// `--litellm` reads the file as a LiteLLM config whatever its keys, in rename's first check
/// and in the check of the renamed text.
#[test]
fn rename_with_litellm_reads_the_file_as_litellm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `profiles` is a flowgate.yaml section: told by its keys, this is a flowgate.yaml.
    fs::write(
        d.join("mixed.yaml"),
        "model_list:\n  - model_name: main\n    litellm_params: {model: openai/a, api_base: \"http://127.0.0.1:1/v1\"}\ngeneral_settings: {master_key: sk-fgc-fixture-key}\nprofiles: {}\n",
    )
    .unwrap();
    let out = run_in(d, &["rename", "main", "main2", "-c", "mixed.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let out = run_in(
        d,
        &[
            "rename",
            "main",
            "main2",
            "--litellm",
            "-c",
            "mixed.yaml",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert!(
        fs::read_to_string(d.join("mixed.yaml"))
            .unwrap()
            .contains("- model_name: main2\n")
    );
}

/// Values that merely equal the old or the new name and are not references stay as they are,
/// and do not make the check of the result refuse.
#[test]
fn rename_leaves_values_that_only_look_like_the_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "model_list:\n  - model_name: main\n    litellm_params: {model: openai/a, api_base: \"http://127.0.0.1:1/v1\"}\nenvironment_variables: {NOTE: main2, OTHER: main}\ngeneral_settings: {master_key: sk-fgc-fixture-key}\n";
    fs::write(d.join("same.yaml"), text).unwrap();
    let out = run_in(
        d,
        &["rename", "main", "main2", "-c", "same.yaml", "--write"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_eq!(
        fs::read_to_string(d.join("same.yaml")).unwrap(),
        text.replacen("model_name: main\n", "model_name: main2\n", 1)
    );
}
