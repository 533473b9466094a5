//! `fgc check` on real files: examples, fixtures, formats, exit codes, secrets on disk.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{root, run, run_in, transcript, with_settings};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn examples_check_clean() {
    for entry in fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let out = run(&["check", path.to_str().unwrap()]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}:\n{}",
                path.display(),
                transcript(&out)
            );
            assert!(!stdout(&out).contains('×'), "{}", transcript(&out));
        }
    }
}

#[test]
fn valid_fixtures_check_clean() {
    insta::glob!("fixtures/valid/*.yaml", |path| {
        let rel = path.strip_prefix(root()).unwrap();
        let out = run(&["check", "--deny-warnings", rel.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    });
}

/// Every rule's fixture, rendered as the user sees it (`--deny-warnings` so that warning-only
/// fixtures fail too).
#[test]
fn invalid_fixtures() {
    with_settings(|| {
        insta::glob!("fixtures/invalid/*.yaml", |path| {
            let rel = path.strip_prefix(root()).unwrap();
            let out = run(&["check", "--deny-warnings", rel.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
            insta::assert_snapshot!(transcript(&out));
        });
    });
}

#[test]
fn every_code_has_a_fixture_or_a_test() {
    // Codes reached by the fixtures above or by the tests in this file.
    let mut text = String::new();
    for entry in fs::read_dir(root().join("snapshots")).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("invalid_fixtures")
        {
            text.push_str(&fs::read_to_string(p).unwrap());
        }
    }
    let elsewhere = [
        "file-too-large",
        "invalid-utf8",
        "missing-secret",
        "empty-secret",
        "secret-file-permissions",
        "unknown-profile",
        // Reported by `fgc emit` only (tests/emit.rs).
        "missing-default-model",
    ];
    for code in fgc::diag::Code::ALL {
        let name = code.as_str();
        assert!(
            text.contains(&format!("\n{name}\n")) || elsewhere.contains(&name),
            "no fixture shows `{name}`"
        );
    }
}

#[test]
fn json_format_is_stable() {
    let out = run(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/invalid/self-fallback.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    with_settings(|| insta::assert_snapshot!("check_json", stdout(&out)));
}

#[test]
fn github_format() {
    let out = run(&[
        "check",
        "--format",
        "github",
        "tests/fixtures/invalid/undefined-alias.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    with_settings(|| insta::assert_snapshot!("check_github", stdout(&out)));
}

#[test]
fn exit_codes() {
    // Clean (warnings only) -> 0; --deny-warnings -> 1; missing file -> 2; bad usage -> 2.
    assert_eq!(
        run(&["check", "examples/flowgate.yaml"]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(&["check", "--deny-warnings", "examples/flowgate.yaml"])
            .status
            .code(),
        Some(1)
    );
    let missing = run(&["check", "no/such/flowgate.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read no/such/flowgate.yaml"));
    assert_eq!(run(&["check", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(run(&["explain", "no-such-code"]).status.code(), Some(2));
}

#[test]
fn default_config_path_and_several_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2), "no config/flowgate.yaml here");
    assert!(String::from_utf8_lossy(&out.stderr).contains("config/flowgate.yaml"));
    fs::create_dir(dir.path().join("config")).unwrap();
    fs::copy(
        root().join("examples/router-default.yaml"),
        dir.path().join("config/flowgate.yaml"),
    )
    .unwrap();
    assert_eq!(run_in(dir.path(), &["check"]).status.code(), Some(0));

    let out = run(&[
        "check",
        "examples/router-default.yaml",
        "tests/fixtures/invalid/self-fallback.yaml",
        "tests/fixtures/invalid/duplicate-fallback-key.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).ends_with("2 errors, 3 warnings in 3 files\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn profile_option() {
    let out = run(&["check", "--profile", "balance", "examples/flowgate.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    with_settings(|| insta::assert_snapshot!("check_unknown_profile_option", transcript(&out)));
    // Checking one profile skips the cycle that only another profile has.
    let out = run(&[
        "check",
        "--profile",
        "balanced",
        "--deny-warnings",
        "tests/fixtures/invalid/fallback-cycle.yaml",
    ]);
    assert!(stdout(&out).contains("fallback-cycle"));
}

/// Secrets on disk: relative to the config file, modes, emptiness; never printed.
#[test]
fn credential_files() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config");
    let secrets = dir.path().join(".router/secrets");
    fs::create_dir_all(&cfg).unwrap();
    fs::create_dir_all(&secrets).unwrap();
    let write = |name: &str, body: &str, mode: u32| {
        let p = secrets.join(name);
        fs::write(&p, body).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    };
    write("ok", "sk-local-secret-value-1\n", 0o600);
    write("wide", "sk-local-secret-value-2\n", 0o644);
    write("empty", "", 0o600);
    fs::write(
        cfg.join("flowgate.yaml"),
        r#"credentials:
  upstream:
    ok: {file: ../.router/secrets/ok}
    wide: {file: ../.router/secrets/wide}
    empty: {file: ../.router/secrets/empty}
    gone: {file: ../.router/secrets/gone}
litellm_base:
  model_list:
    - {model_name: a, litellm_params: {model: openai/a, api_key_ref: ok}}
    - {model_name: b, litellm_params: {model: openai/b, api_key_ref: wide}}
    - {model_name: c, litellm_params: {model: openai/c, api_key_ref: empty}}
    - {model_name: d, litellm_params: {model: openai/d, api_key_ref: gone}}
  general_settings: {master_key: os.environ/LITELLM_MASTER_KEY}
"#,
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "config/flowgate.yaml"]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        !text.contains("sk-local-secret-value"),
        "a secret was printed:\n{text}"
    );
    with_settings(|| insta::assert_snapshot!("check_credential_files", text));
}

#[test]
fn explain() {
    let out = run(&["explain", "undefined-alias"]);
    assert_eq!(out.status.code(), Some(0));
    with_settings(|| insta::assert_snapshot!("explain_undefined_alias", stdout(&out)));
    // The list of codes is part of the interface: a code never changes by accident.
    let out = run(&["explain"]);
    with_settings(|| insta::assert_snapshot!("explain_codes", stdout(&out)));
}
