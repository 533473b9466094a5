//! `fgc check` on real files: examples, fixtures, formats, exit codes, secrets on disk.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{inputs, root, run, run_in, transcript, with_settings};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn examples_check_clean() {
    for entry in fs::read_dir(inputs().join("examples")).unwrap() {
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
        "route-not-in-litellm",
        // Reported by `fgc serve` only (tests/litellm_config.rs).
        "serve-unsupported",
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
        inputs().join("examples/router-default.yaml"),
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

/// LiteLLM's own example configs (proxy/example_config_yaml/ in the litellm 1.108.7 wheel,
/// wrapped in `litellm_base`; and as they are in the 1.110.2 wheel, plain LiteLLM configs) and the config snippets of the seed documents (JSON, as they are)
/// check clean: exit 0, and nothing but absent secrets and the master key LiteLLM needs
/// (LiteLLM refuses to start without one, so that warning names a real problem).
#[test]
fn documented_examples_check_clean() {
    for dir in [
        "tests/fixtures/litellm-examples",
        "tests/fixtures/litellm-plain",
        "tests/fixtures/seeds",
    ] {
        let mut n = 0;
        for entry in fs::read_dir(inputs().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(inputs())
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let out = run(&["check", "--format", "json", &rel]);
            assert_eq!(out.status.code(), Some(0), "{rel}:\n{}", transcript(&out));
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            for d in v["diagnostics"].as_array().unwrap() {
                let code = d["code"].as_str().unwrap();
                assert!(
                    matches!(code, "missing-secret" | "missing-master-key"),
                    "{rel}: {code}: {}",
                    d["message"]
                );
            }
            n += 1;
        }
        assert!(n > 0, "no fixtures in {dir}");
    }
}

fn codes_in(out: &std::process::Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A profile that sets another kind of fallback list, or the same kind in router_settings but
/// empty, keeps the base's context-window cycle; one that sets a router_settings list replaces
/// it (LiteLLM uses `router_settings` when set: `context_window_fallbacks or
/// litellm.context_window_fallbacks`).
#[test]
fn fallback_cycle_follows_the_list_litellm_uses() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("flowgate.yaml");
    fs::write(
        &cfg,
        r#"litellm_base:
  model_list:
    - {model_name: a, litellm_params: {model: openai/a}}
    - {model_name: b, litellm_params: {model: openai/b}}
  litellm_settings:
    context_window_fallbacks: [{a: [b]}, {b: [a]}]
  general_settings: {master_key: sk-fgc-fixture-key}
profiles:
  other-kind: {litellm_settings: {fallbacks: [{a: [b]}]}}
  other-block: {router_settings: {content_policy_fallbacks: [{a: [b]}]}}
  empty-router: {router_settings: {context_window_fallbacks: []}}
  router-list: {router_settings: {context_window_fallbacks: [{a: [b]}]}}
"#,
    )
    .unwrap();
    let path = cfg.to_str().unwrap();
    for (profile, cycle) in [
        ("other-kind", true),
        ("other-block", true),
        ("empty-router", true),
        ("router-list", false),
    ] {
        let out = run(&["check", "--format", "json", "--profile", profile, path]);
        let found = codes_in(&out)
            .iter()
            .filter(|c| *c == "fallback-cycle")
            .count();
        assert_eq!(
            found,
            usize::from(cycle),
            "profile {profile}: {}",
            transcript(&out)
        );
    }
    // Without --profile the base cycle, seen from three profiles, is reported once.
    let out = run(&["check", "--format", "json", path]);
    let found = codes_in(&out)
        .iter()
        .filter(|c| *c == "fallback-cycle")
        .count();
    assert_eq!(found, 1, "{}", transcript(&out));
}

/// A `"*"` entry is every alias's list unless it has its own; an alias is never its own step.
#[test]
fn fallback_cycle_through_the_generic_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.yaml");
    let cycles = |list: &str| {
        fs::write(
            &cfg,
            format!(
                "model_list:\n  - {{model_name: small, litellm_params: {{model: openai/s}}}}\n  - {{model_name: big, litellm_params: {{model: openai/b}}}}\nrouter_settings:\n  context_window_fallbacks: {list}\ngeneral_settings: {{master_key: sk-fgc-fixture-key}}\n"
            ),
        )
        .unwrap();
        let out = run(&["check", "--format", "json", cfg.to_str().unwrap()]);
        codes_in(&out)
            .iter()
            .filter(|c| *c == "fallback-cycle")
            .count()
    };
    // small -> big by "*", big -> small by its own entry.
    assert_eq!(cycles(r#"[{"*": [big]}, {big: [small]}]"#), 1);
    // big's "*" list holds only itself: no step, no cycle.
    assert_eq!(cycles(r#"[{"*": [big]}]"#), 0);
    // small -> big and big -> small, both by "*".
    assert_eq!(cycles(r#"[{"*": [small, big]}]"#), 1);
}

/// A cycle of eight: named in full in the message, six labels (five steps and the closing one).
#[test]
fn long_fallback_cycle_labels() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("flowgate.yaml");
    let names: Vec<String> = (0..8).map(|i| format!("m{i}")).collect();
    let mut text = String::from("litellm_base:\n  model_list:\n");
    for n in &names {
        text.push_str(&format!(
            "    - {{model_name: {n}, litellm_params: {{model: openai/x}}}}\n"
        ));
    }
    text.push_str("  router_settings:\n    context_window_fallbacks:\n");
    for (i, n) in names.iter().enumerate() {
        text.push_str(&format!("      - {{{n}: [{}]}}\n", names[(i + 1) % 8]));
    }
    text.push_str("  general_settings: {master_key: sk-fgc-fixture-key}\n");
    fs::write(&cfg, text).unwrap();
    let out = run(&["check", "--format", "json", cfg.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "fallback-cycle", "{}", transcript(&out));
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("m0 -> m1 -> m2 -> m3 -> m4 -> m5 -> m6 -> m7 -> m0"),
        "{}",
        d["message"]
    );
    let labels = d["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 6);
    assert_eq!(labels.iter().filter(|l| l["primary"] == true).count(), 1);
    assert_eq!(labels[5]["message"], "and back to the start");
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1);
}

/// `LITELLM_MASTER_KEY` in the environment is the key LiteLLM uses when the config has none.
#[test]
fn master_key_from_the_environment() {
    let file = "tests/fixtures/seeds/000-0.yaml";
    let out = run(&["check", "--format", "json", file]);
    assert!(codes_in(&out).contains(&"missing-master-key".to_owned()));
    let mut c = crate::common::fgc();
    c.args(["check", "--format", "json", file])
        .env("LITELLM_MASTER_KEY", "sk-fgc-test-environment-key");
    let out = c.output().unwrap();
    assert!(
        !codes_in(&out).contains(&"missing-master-key".to_owned()),
        "{}",
        transcript(&out)
    );
    let mut c = crate::common::fgc();
    c.args(["check", "--format", "json", file]).env(
        "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY",
        "True",
    );
    let out = c.output().unwrap();
    assert!(
        !codes_in(&out).contains(&"missing-master-key".to_owned()),
        "{}",
        transcript(&out)
    );
}

/// Tests run `fgc` on a copy of the committed inputs outside the checkout, with a fresh HOME
/// per run: what a user creates in the checkout by following the docs (`config/`, a secret
/// under `.router/`) or has in their HOME cannot change a result.
#[test]
fn tests_are_isolated_from_the_checkout_and_home() {
    assert!(!inputs().starts_with(root()));
    assert!(!inputs().join(".router").exists() && !inputs().join("config").exists());
    let homes: Vec<_> = (0..2)
        .map(|_| {
            let c = crate::common::fgc();
            let home = c.get_envs().find(|(k, _)| *k == "HOME").unwrap().1.unwrap();
            std::path::PathBuf::from(home)
        })
        .collect();
    assert_ne!(homes[0], homes[1]);
    assert!(homes.iter().all(|h| !h.starts_with(root()) && h.is_dir()));
    // The example's secret file is outside it (`../.router/…`): absent here, whatever the
    // checkout holds.
    let out = run(&["check", "--format", "json", "examples/flowgate.yaml"]);
    assert!(
        stdout(&out).contains("\"missing-secret\""),
        "{}",
        transcript(&out)
    );
}
