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
    let out = run_in(dir.path(), &["check", "--litellm", "--format", "json", "d.yaml"]);
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

/// An alias named in an included file: rename refuses (it edits one file) and says where.
#[test]
fn rename_refuses_a_name_in_an_included_file() {
    let out = run(&["rename", "router-fast", "router-quick", "-c", PLAIN]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    with_settings(|| insta::assert_snapshot!("litellm_config_rename_included", transcript(&out)));
    // A name only the root file holds is renamed, and the result checks clean.
    let dir = tempfile::tempdir().unwrap();
    fs::copy(root().join(PLAIN), dir.path().join("config.yaml")).unwrap();
    fs::create_dir(dir.path().join("litellm-plain")).unwrap();
    fs::copy(
        root().join("tests/fixtures/valid/litellm-plain/models.yaml"),
        dir.path().join("litellm-plain/models.yaml"),
    )
    .unwrap();
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
    assert!(text.contains("fallbacks: [{router-main: [router-fast]}]"), "{text}");
    let out = run_in(dir.path(), &["check", "--deny-warnings", "config.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
}
