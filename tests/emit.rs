//! `fgc emit` on real files: every example x every target, merges into realistic client
//! files, round trips, `-o` / `--check`, modes and secrets.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{fgc, inputs, run_from_a_removed_dir, transcript, with_settings};

const SECRET: &str = "sk-cliproxy-SECRET-42";
const MASTER: &str = "sk-master-SECRET-77";

/// Run fgc in `dir` with a clean secret environment plus `env`.
fn emit(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = fgc();
    c.current_dir(dir).arg("emit").args(args);
    for v in [
        "LITELLM_MASTER_KEY",
        "CUSTOM_API_KEY",
        "UPSTREAM_OPENAI_API_KEY",
        "CODEX_HOME",
    ] {
        c.env_remove(v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("fgc runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", transcript(o));
    stdout(o)
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(inputs().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

/// A scratch FlowGate checkout: `config/flowgate.yaml` (a copy of `example`) and the
/// credential file the examples name, mode 0600.
fn scratch(example: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fgc-emit")
        .tempdir()
        .unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::copy(
        inputs().join(example),
        dir.path().join("config/flowgate.yaml"),
    )
    .unwrap();
    let secrets = dir.path().join(".router/secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    let f = secrets.join("upstream_cliproxyapi_api_key");
    std::fs::write(&f, format!("{SECRET}\n")).unwrap();
    set_mode(&f, 0o600);
    dir
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

const TARGETS: &[(&str, &[&str])] = &[
    ("litellm", &["litellm"]),
    ("codex", &["codex"]),
    ("claude-env", &["claude-code"]),
    ("claude-shell", &["claude-code", "--format", "shell"]),
    ("claude-settings", &["claude-code", "--format", "settings"]),
    ("opencode", &["opencode"]),
    ("qwen-code", &["qwen-code"]),
    ("aider", &["aider"]),
    ("aider-metadata", &["aider", "--format", "metadata"]),
    ("continue", &["continue"]),
];

#[test]
fn every_example_every_target() {
    with_settings(|| {
        for ex in examples() {
            let rel = ex
                .strip_prefix(inputs())
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let stem = ex.file_stem().unwrap().to_str().unwrap().to_string();
            for (name, args) in TARGETS {
                let mut a: Vec<&str> = args.to_vec();
                a.extend(["-q", "-c", &rel]);
                let out = emit(&inputs(), &a, &[]);
                insta::assert_snapshot!(format!("emit__{stem}__{name}"), transcript(&out));
                // Deterministic: the same input gives byte-identical output.
                assert_eq!(emit(&inputs(), &a, &[]).stdout, out.stdout);
            }
        }
    });
}

#[test]
fn missing_default_model_is_an_error_for_clients_only() {
    with_settings(|| {
        let cfg = "tests/fixtures/emit/no-default-model.yaml";
        ok(&emit(&inputs(), &["litellm", "-q", "-c", cfg], &[]));
        for target in [
            "codex",
            "claude-code",
            "opencode",
            "qwen-code",
            "aider",
            "continue",
        ] {
            let out = emit(&inputs(), &[target, "-q", "-c", cfg], &[]);
            assert_eq!(out.status.code(), Some(1));
            assert!(out.stdout.is_empty());
            insta::assert_snapshot!(
                format!("emit__missing_default_model__{target}"),
                transcript(&out)
            );
        }
    });
}

#[test]
fn profile_selection() {
    let cfg = "tests/fixtures/emit/two-profiles.yaml";
    // Several profiles, no default: an error that lists them.
    let out = emit(&inputs(), &["litellm", "-c", cfg], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fast, safe") && err.contains("--profile"),
        "{err}"
    );
    // An explicit profile overlays its settings.
    let safe = ok(&emit(&inputs(), &["litellm", "-c", cfg, "-p", "safe"], &[]));
    let v: serde_json::Value = serde_saphyr::from_str(&safe).unwrap();
    assert_eq!(v["litellm_settings"]["num_retries"], 3);
    assert_eq!(
        v["litellm_settings"]["fallbacks"],
        serde_json::json!([{"b": ["a"]}])
    );
    assert!(safe.contains("(profile `safe`)"));
    // An unknown profile is a diagnostic, exit 1.
    let out = emit(&inputs(), &["litellm", "-c", cfg, "-p", "saf"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `safe`"));
    assert!(out.stdout.is_empty());
    // The gateway root comes from services.litellm, with the wildcard host made local.
    let codex = ok(&emit(&inputs(), &["codex", "-c", cfg, "-p", "fast"], &[]));
    assert!(
        codex.contains("base_url = \"http://127.0.0.1:4100/v1\""),
        "{codex}"
    );
    // No profiles at all: the base settings.
    let base = ok(&emit(
        &inputs(),
        &["litellm", "-c", "examples/router-default.yaml"],
        &[],
    ));
    assert!(base.contains("(base settings, no profile)"));
}

#[test]
fn refuses_a_config_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("f.yaml"),
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params: {model: openai/a}\n  litellm_settings:\n    fallbacks: [{a: [nope]}]\nintegration: {default_model: a}\n",
    )
    .unwrap();
    for t in ["litellm", "codex", "claude-code"] {
        let out = emit(dir.path(), &[t, "-c", "f.yaml"], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("undefined-alias") && err.contains("nothing was emitted"),
            "{err}"
        );
    }
}

#[test]
fn litellm_leaves_out_the_fgc_serve_responses_api_marker() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("f.yaml"),
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params: {model: openai/a, api_base: 'http://127.0.0.1:9/v1', responses_api: true}\nintegration: {default_model: a}\n",
    )
    .unwrap();
    let out = emit(dir.path(), &["litellm", "-c", "f.yaml"], &[]);
    let text = ok(&out);
    assert!(text.contains("model: openai/a"), "{text}");
    assert!(!text.contains("responses_api"), "{text}");
}

/// What LiteLLM reads beside litellm_params (`tpm`, `rpm`, `blocked`), model_info, and YAML 1.1
/// values (`20_000`, `yes`) reach the LiteLLM config with the meaning LiteLLM gives them.
#[test]
fn litellm_keeps_entry_level_keys_and_yaml11_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("f.yaml"),
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params: {model: openai/a, cooldown_time: 30}\n      tpm: 20_000\n      rpm: 600\n      blocked: no\n      model_info: {max_input_tokens: 128_000, team: core}\n  litellm_settings: {drop_params: yes}\n",
    )
    .unwrap();
    let out = emit(dir.path(), &["litellm", "-c", "f.yaml"], &[]);
    let text = ok(&out);
    for want in [
        "\n    tpm: 20000\n",
        "\n    rpm: 600\n",
        "\n    blocked: false\n",
        "max_input_tokens: 128000",
        "team: core",
        "cooldown_time: 30",
        "drop_params: true",
    ] {
        assert!(text.contains(want), "{want:?} in:\n{text}");
    }
}

#[test]
fn litellm_round_trip_and_secrets() {
    let dir = scratch("examples/flowgate.yaml");
    let d = dir.path();
    // stdout: credential files stay environment references, no secret anywhere.
    let out = emit(d, &["litellm"], &[]);
    let text = ok(&out);
    assert!(!text.contains(SECRET) && !String::from_utf8_lossy(&out.stderr).contains(SECRET));
    assert!(text.contains("api_key: os.environ/FGC_CREDENTIAL_CLIPROXY_DEFAULT"));
    assert!(!text.contains("api_key_ref"));

    // The YAML reads back as the intended config.
    let v: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let names: Vec<&str> = v["model_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["model_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "router-default",
            "router-default",
            "router-copilot",
            "router-claude-sonnet",
            "router-claude-haiku",
            "router-long-context"
        ]
    );
    assert_eq!(v["model_list"][0]["litellm_params"]["rpm"], 500);
    assert_eq!(
        v["model_list"][0]["model_info"]["description"],
        "OpenAI direct"
    );
    // An `env:` credential becomes the variable's reference.
    assert_eq!(
        v["model_list"][3]["litellm_params"]["api_key"],
        "os.environ/CUSTOM_API_KEY"
    );
    // Base settings overlaid by the default profile (balanced), fallbacks as single-key maps.
    assert_eq!(v["litellm_settings"]["num_retries"], 2);
    assert_eq!(v["litellm_settings"]["drop_params"], true);
    assert_eq!(
        v["litellm_settings"]["fallbacks"],
        serde_json::json!([
            {"router-default": ["router-copilot", "router-claude-sonnet"]},
            {"router-claude-sonnet": ["router-claude-haiku"]}
        ])
    );
    assert_eq!(v["router_settings"]["routing_strategy"], "simple-shuffle");
    assert_eq!(
        v["router_settings"]["model_group_alias"]["router-fast"],
        serde_json::json!({"model": "router-claude-haiku", "hidden": true})
    );
    assert_eq!(
        v["general_settings"]["master_key"],
        "os.environ/LITELLM_MASTER_KEY"
    );
    let cheap: serde_json::Value =
        serde_saphyr::from_str(&ok(&emit(d, &["litellm", "-p", "cheap"], &[]))).unwrap();
    assert_eq!(cheap["router_settings"]["routing_strategy"], "least-busy");
    assert_eq!(cheap["litellm_settings"]["num_retries"], 1);
    assert!(
        cheap["litellm_settings"]
            .get("context_window_fallbacks")
            .is_none()
    );

    // --show-secrets on stdout resolves the credential.
    let shown = ok(&emit(d, &["litellm", "--show-secrets"], &[]));
    assert!(shown.contains(&format!("api_key: {SECRET}")));

    // -o resolves into a 0600 file; --check passes right after.
    let out = emit(d, &["litellm", "-o", "litellm.yaml"], &[]);
    ok(&out);
    assert!(out.stdout.is_empty());
    let file = d.join("litellm.yaml");
    assert_eq!(mode(&file), 0o600);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains(SECRET));
    assert_eq!(written, shown);
    ok(&emit(d, &["litellm", "-o", "litellm.yaml", "--check"], &[]));

    // A stale file: exit 1 and a diff, with the secret redacted.
    std::fs::write(&file, written.replace("num_retries: 2", "num_retries: 5")).unwrap();
    let out = emit(d, &["litellm", "-o", "litellm.yaml", "--check"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let diff = stdout(&out);
    assert!(
        diff.contains("-  num_retries: 5\n+  num_retries: 2\n"),
        "{diff}"
    );
    assert!(!diff.contains(SECRET) && !String::from_utf8_lossy(&out.stderr).contains(SECRET));
    // The file is only compared, never written, by --check.
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("num_retries: 5")
    );

    // Writing needs the secret: a missing credential file is an error, nothing written.
    std::fs::remove_file(d.join(".router/secrets/upstream_cliproxyapi_api_key")).unwrap();
    let out = emit(d, &["litellm", "-o", "other.yaml"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing-secret"));
    assert!(!d.join("other.yaml").exists());
    // stdout does not need it.
    ok(&emit(d, &["litellm"], &[]));
}

#[test]
fn files_without_secrets_keep_their_mode() {
    let dir = scratch("examples/flowgate.yaml");
    let d = dir.path();
    ok(&emit(d, &["codex", "-o", "codex.toml"], &[]));
    assert_eq!(mode(&d.join("codex.toml")), 0o644);
    set_mode(&d.join("codex.toml"), 0o640);
    std::fs::write(d.join("codex.toml"), "stale").unwrap();
    ok(&emit(d, &["codex", "-o", "codex.toml"], &[]));
    assert_eq!(mode(&d.join("codex.toml")), 0o640);
    // An up-to-date file is not rewritten (same inode: no temp file was renamed over it).
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata(d.join("codex.toml")).unwrap().ino();
    let out = emit(d, &["codex", "-o", "codex.toml"], &[]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("up to date"));
    assert_eq!(std::fs::metadata(d.join("codex.toml")).unwrap().ino(), ino);
    ok(&emit(d, &["codex", "-o", "codex.toml", "--check"], &[]));
    // --check without a file to compare with is a usage error.
    assert_eq!(emit(d, &["codex", "--check"], &[]).status.code(), Some(2));
}

#[test]
fn codex_round_trip() {
    let text = ok(&emit(
        &inputs(),
        &["codex", "-c", "examples/flowgate.yaml"],
        &[],
    ));
    let doc: toml_edit::DocumentMut = text.parse().unwrap();
    assert_eq!(doc["model"].as_str(), Some("router-default"));
    assert_eq!(doc["model_provider"].as_str(), Some("flowgate"));
    let p = &doc["model_providers"]["flowgate"];
    assert_eq!(p["name"].as_str(), Some("FlowGate Local"));
    assert_eq!(p["base_url"].as_str(), Some("http://127.0.0.1:4000/v1"));
    assert_eq!(p["env_key"].as_str(), Some("OPENAI_API_KEY"));
    assert_eq!(p["wire_api"].as_str(), Some("responses"));
    assert!(
        text.starts_with("# Generated by fgc from examples/flowgate.yaml (profile `balanced`).")
    );
}

#[test]
fn codex_profile_file() {
    let dir = scratch("examples/codex-openai-copilot.yaml");
    let d = dir.path();
    let home = d.join("codex-home");
    let h = home.to_str().unwrap();
    ok(&emit(
        d,
        &["codex", "--profile-file", "flowgate", "--codex-home", h],
        &[],
    ));
    let file = home.join("flowgate.config.toml");
    let doc: toml_edit::DocumentMut = std::fs::read_to_string(&file).unwrap().parse().unwrap();
    assert_eq!(doc["model"].as_str(), Some("router-gpt52-openai"));
    // CODEX_HOME is the default home; --check compares with the same file.
    ok(&emit(
        d,
        &["codex", "--profile-file", "flowgate", "--check"],
        &[("CODEX_HOME", h)],
    ));
    assert_eq!(
        emit(
            d,
            &["codex", "--profile-file", "../x", "--codex-home", h],
            &[]
        )
        .status
        .code(),
        Some(2)
    );
    // --profile-file and -o name the same thing: one or the other.
    assert_eq!(
        emit(d, &["codex", "--profile-file", "a", "-o", "b"], &[])
            .status
            .code(),
        Some(2)
    );
}

/// Remove fgc's Codex keys so the rest of two documents can be compared.
fn strip_codex(text: &str) -> String {
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    doc.remove("model");
    doc.remove("model_provider");
    let p = doc["model_providers"]["flowgate"]
        .as_table_like_mut()
        .unwrap();
    for k in ["name", "base_url", "env_key", "wire_api"] {
        p.remove(k);
    }
    doc.to_string()
}

#[test]
fn codex_merge_keeps_everything_else() {
    with_settings(|| {
        let dir = scratch("examples/flowgate.yaml");
        let d = dir.path();
        let original =
            std::fs::read_to_string(inputs().join("tests/fixtures/emit/codex-config.toml"))
                .unwrap();
        let path = d.join("config.toml");
        std::fs::write(&path, &original).unwrap();
        set_mode(&path, 0o640);

        // Without --write: the diff, the file untouched.
        let out = emit(d, &["codex", "--merge", "config.toml"], &[]);
        let diff = ok(&out);
        insta::assert_snapshot!("emit__codex_merge_diff", diff);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
        assert_eq!(
            emit(d, &["codex", "--merge", "config.toml", "--check"], &[])
                .status
                .code(),
            Some(1)
        );

        ok(&emit(
            d,
            &["codex", "--merge", "config.toml", "--write"],
            &[],
        ));
        let merged = std::fs::read_to_string(&path).unwrap();
        assert_eq!(mode(&path), 0o640);
        // Exactly fgc's keys changed: without them both files are the same, byte for byte.
        assert_eq!(strip_codex(&merged), strip_codex(&original));
        let doc: toml_edit::DocumentMut = merged.parse().unwrap();
        assert_eq!(doc["model"].as_str(), Some("router-default"));
        assert_eq!(doc["model_provider"].as_str(), Some("flowgate"));
        let p = &doc["model_providers"]["flowgate"];
        assert_eq!(p["base_url"].as_str(), Some("http://127.0.0.1:4000/v1"));
        assert_eq!(p["wire_api"].as_str(), Some("responses"));
        assert_eq!(p["stream_idle_timeout_ms"].as_integer(), Some(300000));
        assert_eq!(
            doc["model_providers"]["work"]["base_url"].as_str(),
            Some("https://llm.work.example/v1")
        );
        assert!(
            merged.contains("# A second gateway at work; must not move.\n[model_providers.work]")
        );
        assert!(merged.contains("model = \"router-default\"   # what I used before the gateway"));

        // Merging again changes nothing.
        let again = emit(d, &["codex", "--merge", "config.toml", "--write"], &[]);
        assert!(ok(&again).is_empty());
        ok(&emit(
            d,
            &["codex", "--merge", "config.toml", "--check"],
            &[],
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), merged);

        // A missing file is created with only fgc's keys; a broken one is refused.
        ok(&emit(d, &["codex", "--merge", "new.toml", "--write"], &[]));
        let fresh: toml_edit::DocumentMut = std::fs::read_to_string(d.join("new.toml"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(fresh.len(), 3);
        std::fs::write(d.join("bad.toml"), "model = [").unwrap();
        assert_eq!(
            emit(d, &["codex", "--merge", "bad.toml"], &[])
                .status
                .code(),
            Some(1)
        );
    });
}

#[test]
fn claude_merge_keeps_everything_else() {
    with_settings(|| {
        let dir = scratch("examples/claude-code-three-slots.yaml");
        let d = dir.path();
        let original =
            std::fs::read_to_string(inputs().join("tests/fixtures/emit/claude-settings.json"))
                .unwrap();
        let path = d.join("settings.json");
        std::fs::write(&path, &original).unwrap();
        set_mode(&path, 0o644);

        let out = emit(d, &["claude-code", "--merge", "settings.json"], &[]);
        let diff = ok(&out);
        assert!(!diff.contains("sk-old-token"), "{diff}");
        insta::assert_snapshot!("emit__claude_merge_diff", diff);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), original);

        ok(&emit(
            d,
            &["claude-code", "--merge", "settings.json", "--write"],
            &[],
        ));
        let merged = std::fs::read_to_string(&path).unwrap();
        // Every line of the original that is not one of the six keys is still there, in order.
        let mut rest = merged.lines();
        for line in original.lines() {
            if [
                "ANTHROPIC_MODEL",
                "ANTHROPIC_AUTH_TOKEN",
                "DISABLE_TELEMETRY",
            ]
            .iter()
            .any(|k| line.contains(k))
            {
                continue;
            }
            assert!(
                rest.any(|l| l == line),
                "line moved or changed: {line}\n{merged}"
            );
        }
        let before: serde_json::Value = serde_json::from_str(&original).unwrap();
        let mut after: serde_json::Value = serde_json::from_str(&merged).unwrap();
        let env = after["env"].as_object_mut().unwrap();
        assert_eq!(env["ANTHROPIC_BASE_URL"], "http://127.0.0.1:4000");
        assert_eq!(env["ANTHROPIC_MODEL"], "router-claude-sonnet-4-5-custom");
        assert_eq!(
            env["ANTHROPIC_DEFAULT_OPUS_MODEL"],
            "router-claude-sonnet-4-5-custom"
        );
        assert_eq!(
            env["ANTHROPIC_DEFAULT_HAIKU_MODEL"],
            "router-claude-haiku-4-5-custom"
        );
        // The config names no gateway token: the user's token is kept, not replaced by the
        // placeholder, and the diff did not show it.
        assert_eq!(env["ANTHROPIC_AUTH_TOKEN"], "sk-old-token");
        // Without the new keys (and with the replaced one put back), the same JSON, in the
        // same order.
        for k in [
            "ANTHROPIC_BASE_URL",
            "ANTHROPIC_DEFAULT_OPUS_MODEL",
            "ANTHROPIC_DEFAULT_SONNET_MODEL",
            "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        ] {
            env.shift_remove(k);
        }
        env["ANTHROPIC_MODEL"] = before["env"]["ANTHROPIC_MODEL"].clone();
        assert_eq!(
            serde_json::to_string(&after).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
        assert_eq!(mode(&path), 0o644);
        ok(&emit(
            d,
            &["claude-code", "--merge", "settings.json", "--check"],
            &[],
        ));
    });
}

#[test]
fn claude_token_is_a_reference_or_resolved_into_files_only() {
    let dir = scratch("examples/flowgate.yaml");
    let d = dir.path();
    let env = [("LITELLM_MASTER_KEY", MASTER)];
    // env and shell keep the reference.
    let e = ok(&emit(d, &["claude-code"], &env));
    assert!(e.contains("ANTHROPIC_AUTH_TOKEN=${LITELLM_MASTER_KEY}\n"));
    let s = ok(&emit(d, &["claude-code", "--format", "shell"], &env));
    // The shell format evaluates in a POSIX shell to the intended values.
    let script = format!(
        "eval \"$(cat <<'EOF'\n{s}EOF\n)\"; printf '%s|%s|%s|%s' \"$ANTHROPIC_BASE_URL\" \"$ANTHROPIC_AUTH_TOKEN\" \"$ANTHROPIC_MODEL\" \"$ANTHROPIC_DEFAULT_HAIKU_MODEL\""
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("LITELLM_MASTER_KEY", MASTER)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("http://127.0.0.1:4000|{MASTER}|router-default|router-claude-haiku")
    );
    // settings.json on stdout: a placeholder, never the token.
    let out = emit(d, &["claude-code", "--format", "settings"], &env);
    let j: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(j["env"]["ANTHROPIC_AUTH_TOKEN"], "${LITELLM_MASTER_KEY}");
    assert_eq!(
        j["env"]["ANTHROPIC_DEFAULT_SONNET_MODEL"],
        "router-claude-sonnet"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(MASTER));
    // Written to a file: the value, mode 0600; --check passes right after.
    ok(&emit(
        d,
        &["claude-code", "--format", "settings", "-o", "s.json"],
        &env,
    ));
    assert_eq!(mode(&d.join("s.json")), 0o600);
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("s.json")).unwrap()).unwrap();
    assert_eq!(j["env"]["ANTHROPIC_AUTH_TOKEN"], MASTER);
    let out = emit(
        d,
        &[
            "claude-code",
            "--format",
            "settings",
            "-o",
            "s.json",
            "--check",
        ],
        &env,
    );
    ok(&out);
    // Unset variable: writing the file is an error.
    let out = emit(
        d,
        &["claude-code", "--format", "settings", "-o", "t.json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.join("t.json").exists());
    // The env file written with -o has no secret, so no 0600 needed.
    ok(&emit(d, &["claude-code", "-o", "claude.env"], &env));
    assert_eq!(mode(&d.join("claude.env")), 0o644);
    ok(&emit(
        d,
        &["claude-code", "-o", "claude.env", "--check"],
        &env,
    ));
    // --merge works on settings.json only.
    assert_eq!(
        emit(
            d,
            &["claude-code", "--format", "env", "--merge", "x.json"],
            &env
        )
        .status
        .code(),
        Some(2)
    );
}

/// Warnings do not drown the output: one line each on stderr, the emitted file on stdout.
#[test]
fn warnings_are_one_line_each() {
    let out = crate::common::run(&["emit", "codex", "-c", "examples/flowgate.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.lines().all(|l| l.starts_with("warning[")), "{err}");
    assert!(
        err.contains("warning[missing-secret]: environment variable `CUSTOM_API_KEY`"),
        "{err}"
    );
}

/// A config with routing: the families and scenarios of examples/claude-code-routing.yaml.
fn routing_scratch() -> tempfile::TempDir {
    scratch("examples/claude-code-routing.yaml")
}

#[test]
fn litellm_maps_routed_families_and_warns_about_the_rest() {
    with_settings(|| {
        let dir = routing_scratch();
        let out = emit(dir.path(), &["litellm"], &[]);
        let text = ok(&out);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        let warnings: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("route-not-in-litellm"))
            .collect();
        insta::assert_snapshot!("emit__routing_litellm_warnings", warnings.join("\n"));
        let v: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let mga = &v["router_settings"]["model_group_alias"];
        assert_eq!(
            mga["claude-opus-4-8"],
            serde_json::json!({"model": "router-main", "hidden": true})
        );
        assert_eq!(mga["claude-sonnet-4-6"]["model"], "router-main");
        assert_eq!(
            mga["claude-haiku-4-5-20251001"]["model"], "router-fast",
            "a haiku request is a background request"
        );
        assert!(mga.get("claude-fable-5").is_none(), "fable is not routed");
        // The user's own router settings are kept.
        assert_eq!(
            v["router_settings"]["fallbacks"],
            serde_json::json!([{"router-think": ["router-main"]}])
        );
        // -q: no warnings.
        let quiet = emit(dir.path(), &["litellm", "-q"], &[]);
        assert!(quiet.stderr.is_empty(), "{}", transcript(&quiet));
    });
}

#[test]
fn litellm_keeps_a_served_name_that_is_also_a_claude_id() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("f.yaml"),
        "litellm_base:\n  model_list:\n    - {model_name: claude-opus-4-8, litellm_params: {model: anthropic/claude-opus-4-8}}\n    - {model_name: main, litellm_params: {model: openai/m, api_base: 'http://127.0.0.1:9/v1'}}\n  router_settings:\n    model_group_alias: {claude-opus-4-7: claude-opus-4-8}\nrouting:\n  families: {opus: main}\n",
    )
    .unwrap();
    let text = ok(&emit(dir.path(), &["litellm", "-q", "-c", "f.yaml"], &[]));
    let v: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let mga = &v["router_settings"]["model_group_alias"];
    assert_eq!(mga["claude-opus-4-7"], "claude-opus-4-8", "as written");
    assert!(
        mga.get("claude-opus-4-8").is_none(),
        "an alias of that name"
    );
    assert_eq!(mga["claude-opus-4-6"]["model"], "main");
}

#[test]
fn claude_code_leaves_out_the_slots_routing_covers() {
    let dir = routing_scratch();
    let d = dir.path();
    let env = ok(&emit(d, &["claude-code", "-q"], &[]));
    assert!(!env.contains("ANTHROPIC_MODEL="), "{env}");
    assert!(!env.contains("_MODEL="), "{env}");
    assert!(
        env.contains("# ANTHROPIC_DEFAULT_HAIKU_MODEL is left out"),
        "{env}"
    );
    let shell = ok(&emit(d, &["claude-code", "-q", "--format", "shell"], &[]));
    for k in [
        "ANTHROPIC_MODEL",
        "ANTHROPIC_DEFAULT_OPUS_MODEL",
        "ANTHROPIC_DEFAULT_SONNET_MODEL",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    ] {
        assert!(shell.contains(&format!("\nunset {k}\n")), "{shell}");
    }
    // The shell output runs: the variables are gone afterwards.
    let script = format!(
        "export ANTHROPIC_MODEL=stale ANTHROPIC_DEFAULT_HAIKU_MODEL=stale\n{shell}\necho \"[${{ANTHROPIC_MODEL-unset}}][${{ANTHROPIC_DEFAULT_HAIKU_MODEL-unset}}][$ANTHROPIC_BASE_URL]\"\n"
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "[unset][unset][http://127.0.0.1:4000]"
    );
    // settings.json: the two keys, and the notes on stderr.
    let out = emit(
        d,
        &["claude-code", "--format", "settings"],
        &[("LITELLM_MASTER_KEY", MASTER)],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys: Vec<&String> = v["env"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: ANTHROPIC_MODEL is left out: Claude Code then names its own claude-opus-* models, which fgc serve routes (`router-main` unless a scenario applies)"),
        "{err}"
    );
}

#[test]
fn claude_code_merge_removes_stale_slot_keys() {
    with_settings(|| {
        let dir = routing_scratch();
        let d = dir.path();
        let original = std::fs::read_to_string(
            inputs().join("tests/fixtures/emit/claude-settings.json"),
        )
        .unwrap()
        .replace(
            "\"DISABLE_TELEMETRY\": \"1\"",
            "\"DISABLE_TELEMETRY\": \"1\",\n    \"ANTHROPIC_DEFAULT_HAIKU_MODEL\": \"router-fast\"",
        );
        let path = d.join("settings.json");
        std::fs::write(&path, &original).unwrap();
        let out = emit(
            d,
            &["claude-code", "-q", "--merge", "settings.json", "--write"],
            &[("LITELLM_MASTER_KEY", MASTER)],
        );
        let diff = ok(&out);
        insta::assert_snapshot!("emit__claude_merge_routing_diff", diff);
        let merged: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let env = merged["env"].as_object().unwrap();
        assert!(!env.contains_key("ANTHROPIC_MODEL"));
        assert!(!env.contains_key("ANTHROPIC_DEFAULT_HAIKU_MODEL"));
        assert_eq!(env["BASH_DEFAULT_TIMEOUT_MS"], "120000");
        assert_eq!(env["DISABLE_TELEMETRY"], "1");
        assert_eq!(merged["hooks"]["PostToolUse"][0]["matcher"], "Edit");
        // Again: nothing left to change.
        let again = emit(
            d,
            &["claude-code", "--merge", "settings.json", "--check"],
            &[],
        );
        assert_eq!(again.status.code(), Some(0), "{}", transcript(&again));
        // Every key removed, none added: an empty env object.
        std::fs::write(
            &path,
            "{\"env\": {\"ANTHROPIC_MODEL\": \"x\", \"ANTHROPIC_DEFAULT_OPUS_MODEL\": \"y\"}, \"a\": 1}\n",
        )
        .unwrap();
        ok(&emit(
            d,
            &["claude-code", "-q", "--merge", "settings.json", "--write"],
            &[("LITELLM_MASTER_KEY", MASTER)],
        ));
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let keys: Vec<&String> = v["env"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"]);
        assert_eq!(v["a"], 1);
    });
}

#[test]
fn claude_code_keeps_explicit_slots_and_needs_no_default_model_when_routed() {
    let dir = tempfile::tempdir().unwrap();
    let base = "litellm_base:\n  model_list:\n    - {model_name: main, litellm_params: {model: openai/m, api_base: 'http://127.0.0.1:9/v1'}}\n    - {model_name: fast, litellm_params: {model: openai/f, api_base: 'http://127.0.0.1:9/v1'}}\n";
    // Routing covers every family: no default_model needed.
    std::fs::write(
        dir.path().join("all.yaml"),
        format!("{base}routing:\n  default: main\n  background: fast\n"),
    )
    .unwrap();
    let env = ok(&emit(
        dir.path(),
        &["claude-code", "-q", "-c", "all.yaml"],
        &[],
    ));
    assert!(!env.contains("_MODEL="), "{env}");
    // Only haiku routed; an explicit haiku slot is kept and said so.
    std::fs::write(
        dir.path().join("haiku.yaml"),
        format!(
            "{base}routing:\n  families: {{haiku: fast}}\nintegration:\n  default_model: main\n  claude_code: {{opus_model: main}}\n"
        ),
    )
    .unwrap();
    let env = ok(&emit(
        dir.path(),
        &["claude-code", "-q", "-c", "haiku.yaml"],
        &[],
    ));
    assert!(env.contains("\nANTHROPIC_MODEL=main\n"), "{env}");
    assert!(
        env.contains("\nANTHROPIC_DEFAULT_OPUS_MODEL=main\n"),
        "{env}"
    );
    assert!(
        env.contains("\nANTHROPIC_DEFAULT_SONNET_MODEL=main\n"),
        "{env}"
    );
    assert!(!env.contains("ANTHROPIC_DEFAULT_HAIKU_MODEL="), "{env}");
    std::fs::write(
        dir.path().join("explicit.yaml"),
        format!(
            "{base}routing:\n  families: {{haiku: fast}}\nintegration:\n  default_model: main\n  claude_code: {{haiku_model: main}}\n"
        ),
    )
    .unwrap();
    let env = ok(&emit(
        dir.path(),
        &["claude-code", "-q", "-c", "explicit.yaml"],
        &[],
    ));
    assert!(
        env.contains("\nANTHROPIC_DEFAULT_HAIKU_MODEL=main\n"),
        "{env}"
    );
    assert!(
        env.contains("# ANTHROPIC_DEFAULT_HAIKU_MODEL is kept: integration.claude_code.haiku_model sets it to `main`"),
        "{env}"
    );
}

/// How a file that `--merge` / `--check` must read can be unreadable.
#[derive(Clone, Copy, Debug)]
enum Unreadable {
    InvalidUtf8,
    Directory,
    NoPermission,
}

impl Unreadable {
    /// Make `path` unreadable this way.
    fn make(self, path: &Path) {
        match self {
            Unreadable::InvalidUtf8 => std::fs::write(path, b"model = \"\xff\xfe\"\n").unwrap(),
            Unreadable::Directory => {
                std::fs::create_dir(path).unwrap();
                std::fs::write(path.join("keep"), "x").unwrap();
            }
            Unreadable::NoPermission => {
                std::fs::write(path, "model = \"mine\"\n").unwrap();
                set_mode(path, 0o000);
            }
        }
    }
}

/// What a path holds, to show it was left alone: its bytes (or its entries) and its inode.
fn snapshot_of(path: &Path) -> (Vec<u8>, u64) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).unwrap();
    let content = if meta.is_dir() {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.join("\n").into_bytes()
    } else {
        let mut b = Vec::new();
        // Root reads a mode-000 file; others compare the mode and size only.
        if let Ok(x) = std::fs::read(path) {
            b = x;
        }
        b.extend_from_slice(format!("{:o}:{}", meta.mode(), meta.len()).as_bytes());
        b
    };
    (content, meta.ino())
}

/// `fgc emit` in `dir`, with file permissions applying to it. Root reads any file, so when the
/// tests run as root, fgc runs without the capabilities that bypass permissions
/// (`setpriv`, util-linux).
fn emit_without_override(dir: &Path, args: &[&str]) -> Output {
    let probe = dir.join(".probe");
    std::fs::write(&probe, "x").unwrap();
    set_mode(&probe, 0o000);
    let privileged = std::fs::read(&probe).is_ok();
    std::fs::remove_file(&probe).unwrap();
    let mut c = fgc();
    if privileged {
        let exe = c.get_program().to_owned();
        c = std::process::Command::new("setpriv");
        c.args(["--bounding-set=-dac_override,-dac_read_search", "--"])
            .arg(exe)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", crate::common::fresh("home"))
            .env("NO_COLOR", "1");
    }
    c.current_dir(dir).arg("emit").args(args);
    c.output().expect("fgc runs")
}

#[test]
fn merge_and_check_refuse_a_file_they_cannot_read() {
    for how in [
        Unreadable::InvalidUtf8,
        Unreadable::Directory,
        Unreadable::NoPermission,
    ] {
        let runs: &[&[&str]] = &[
            &["codex", "--merge", "target", "--write"],
            &["codex", "--merge", "target"],
            &["codex", "--merge", "target", "--check"],
            &["codex", "-o", "target", "--check"],
            &["claude-code", "--merge", "target", "--write"],
            &["claude-code", "--merge", "target", "--check"],
        ];
        for args in runs {
            let example = if args[0] == "codex" {
                "examples/flowgate.yaml"
            } else {
                "examples/claude-code-three-slots.yaml"
            };
            let dir = scratch(example);
            let target = dir.path().join("target");
            how.make(&target);
            let before = snapshot_of(&target);
            let out = match how {
                Unreadable::NoPermission => emit_without_override(dir.path(), args),
                _ => emit(dir.path(), args, &[]),
            };
            let t = transcript(&out);
            // An I/O error (exit 2) that names the file, not "missing" or "stale" (exit 0 / 1).
            assert_eq!(out.status.code(), Some(2), "{how:?} {args:?}\n{t}");
            assert!(
                t.contains("error:") && t.contains("target"),
                "{how:?} {args:?}\n{t}"
            );
            assert_eq!(snapshot_of(&target), before, "{how:?} {args:?}: changed");
        }
    }
}

#[test]
fn writes_through_a_symlink_keep_the_link() {
    let dir = scratch("examples/flowgate.yaml");
    let d = dir.path();
    std::fs::create_dir(d.join("dotfiles")).unwrap();
    std::fs::write(d.join("dotfiles/codex.toml"), "# old\n").unwrap();
    set_mode(&d.join("dotfiles/codex.toml"), 0o640);
    std::os::unix::fs::symlink("dotfiles/codex.toml", d.join("codex.toml")).unwrap();
    ok(&emit(d, &["codex", "-o", "codex.toml"], &[]));
    let link = std::fs::symlink_metadata(d.join("codex.toml")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(d.join("dotfiles/codex.toml")).unwrap();
    assert!(text.contains("model_provider"), "{text}");
    assert_eq!(mode(&d.join("dotfiles/codex.toml")), 0o640);
    // --merge --write follows it the same way.
    std::fs::write(d.join("dotfiles/codex.toml"), "# mine\n").unwrap();
    ok(&emit(
        d,
        &["codex", "--merge", "codex.toml", "--write"],
        &[],
    ));
    assert!(
        std::fs::symlink_metadata(d.join("codex.toml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let merged = std::fs::read_to_string(d.join("dotfiles/codex.toml")).unwrap();
    assert!(
        merged.contains("# mine\n") && merged.contains("model_provider"),
        "{merged}"
    );
}

/// A diff on stdout ends with exactly one newline, also when the old file's last line has none.
#[test]
fn diffs_end_with_one_newline() {
    let dir = scratch("examples/flowgate.yaml");
    let d = dir.path();
    for old in ["# stale", "# stale\n"] {
        std::fs::write(d.join("codex.toml"), old).unwrap();
        let out = emit(d, &["codex", "-o", "codex.toml", "--check"], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
        let diff = stdout(&out);
        assert!(diff.starts_with("--- codex.toml\n"), "{diff}");
        assert!(diff.ends_with('\n') && !diff.ends_with("\n\n"), "{diff:?}");
    }
}

/// The temporary file of an atomic write is made beside the target, never in the current
/// directory: here the current directory no longer exists, so a temporary file there fails.
#[test]
fn the_temporary_file_is_made_beside_the_target() {
    let dir = scratch("examples/flowgate.yaml");
    let d = dir.path();
    std::fs::create_dir(d.join("out")).unwrap();
    let (config, out) = (d.join("config/flowgate.yaml"), d.join("out/codex.toml"));
    let args = ["emit", "codex", "-c"].map(OsStr::new);
    let args = [
        &args[..],
        &[config.as_os_str(), OsStr::new("-o"), out.as_os_str()],
    ]
    .concat();
    ok(&run_from_a_removed_dir(&args));
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("model_provider")
    );
    let names: Vec<_> = std::fs::read_dir(d.join("out")).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left beside the target");
}

/// A merge into a realistic client file: the diff (snapshot), the file untouched without
/// --write, --check stale then fresh, the mode kept, idempotent, and `kept` (JSON pointers
/// into the file as data) unchanged. Returns the merged file as data.
fn client_merge(
    target: &[&str],
    fixture: &str,
    file: &str,
    kept: &[&str],
    read: fn(&str) -> serde_json::Value,
) -> serde_json::Value {
    let dir = scratch("examples/clients.yaml");
    let d = dir.path();
    let original =
        std::fs::read_to_string(inputs().join("tests/fixtures/emit").join(fixture)).unwrap();
    let path = d.join(file);
    std::fs::write(&path, &original).unwrap();
    set_mode(&path, 0o640);
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = target.iter().map(|s| s.to_string()).collect();
        a.extend(["-q".to_string(), "--merge".to_string(), file.to_string()]);
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&'static str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        emit(d, &a, &[])
    };
    let diff = ok(&run(&[]));
    insta::assert_snapshot!(format!("emit__merge__{fixture}"), diff);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    assert_eq!(run(&["--check"]).status.code(), Some(1));
    ok(&run(&["--write"]));
    let merged = std::fs::read_to_string(&path).unwrap();
    assert_eq!(mode(&path), 0o640);
    let (before, after) = (read(&original), read(&merged));
    for p in kept {
        assert_eq!(before.pointer(p), after.pointer(p), "{p} kept");
        assert!(after.pointer(p).is_some(), "{p} is there");
    }
    assert!(ok(&run(&["--write"])).is_empty(), "idempotent");
    ok(&run(&["--check"]));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), merged);
    // A symlinked file stays a symlink; its target gets the change.
    let real = d.join("real-target");
    std::fs::write(&real, &original).unwrap();
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&real, &path).unwrap();
    ok(&run(&["--write"]));
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), merged);
    after
}

fn jsonc(text: &str) -> serde_json::Value {
    fgc::edit::json::to_data(text, fgc::edit::json::Dialect::JSONC).unwrap()
}

fn yaml(text: &str) -> serde_json::Value {
    fgc::edit::yaml::to_data(text).unwrap()
}

#[test]
fn opencode_merge_keeps_everything_else() {
    with_settings(|| {
        let v = client_merge(
            &["opencode"],
            "opencode.jsonc",
            "opencode.json",
            &[
                "/theme",
                "/autoupdate",
                "/provider/ollama",
                "/mcp",
                "/provider/fgc/options/timeout",
                "/$schema",
            ],
            jsonc,
        );
        assert_eq!(v["model"], "fgc/router-default");
        assert_eq!(v["small_model"], "fgc/router-fast");
        let p = &v["provider"]["fgc"];
        assert_eq!(p["options"]["baseURL"], "http://127.0.0.1:4000/v1");
        assert_eq!(p["options"]["apiKey"], "{env:FGC_API_KEY}");
        // The provider's models are exactly fgc's.
        let models: Vec<&String> = p["models"].as_object().unwrap().keys().collect();
        assert_eq!(models, ["router-default", "router-fast"]);
        assert_eq!(p["models"]["router-default"]["limit"]["context"], 272000);
    });
}

#[test]
fn qwen_merge_keeps_everything_else() {
    with_settings(|| {
        let v = client_merge(
            &["qwen-code"],
            "qwen-settings.json",
            "settings.json",
            &[
                "/ui",
                "/privacy",
                "/general",
                "/model/maxSessionTurns",
                "/modelProviders/openai/0",
            ],
            jsonc,
        );
        let ids: Vec<&str> = v["modelProviders"]["openai"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        // The stale entry on the gateway's URL is gone, the user's DashScope entry stays.
        assert_eq!(ids, ["qwen3-coder-plus", "router-default", "router-fast"]);
        let e = &v["modelProviders"]["openai"][1];
        assert_eq!(e["envKey"], "FGC_API_KEY");
        assert_eq!(e["generationConfig"]["timeout"], 120000);
        assert_eq!(e["generationConfig"]["contextWindowSize"], 272000);
        assert_eq!(v["security"]["auth"]["selectedType"], "openai");
        assert_eq!(v["model"]["name"], "router-default");
    });
}

#[test]
fn aider_merges_keep_everything_else() {
    with_settings(|| {
        let v = client_merge(
            &["aider"],
            "aider.conf.yml",
            ".aider.conf.yml",
            &["/analytics-disable", "/check-update", "/dark-mode", "/read"],
            yaml,
        );
        assert_eq!(v["model"], "openai/router-default");
        assert_eq!(v["weak-model"], "openai/router-fast");
        assert_eq!(v["openai-api-base"], "http://127.0.0.1:4000/v1");
        let v = client_merge(
            &["aider", "--format", "metadata"],
            "aider.model.metadata.json",
            ".aider.model.metadata.json",
            &["/ollama~1qwen3:8b"],
            jsonc,
        );
        assert_eq!(v["openai/router-default"]["max_input_tokens"], 272000);
        assert_eq!(v["openai/router-fast"]["max_output_tokens"], 16384);
    });
}

#[test]
fn continue_merge_keeps_everything_else() {
    with_settings(|| {
        let v = client_merge(
            &["continue"],
            "continue-config.yaml",
            "config.yaml",
            &["/name", "/version", "/context", "/rules", "/models/0"],
            yaml,
        );
        let names: Vec<&str> = v["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        // router-old pointed at the gateway: fgc's own stale entry, removed.
        assert_eq!(names, ["Local Qwen", "router-default", "router-fast"]);
        let m = &v["models"][1];
        assert_eq!(m["apiBase"], "http://127.0.0.1:4000/v1");
        assert_eq!(m["apiKey"], "${{ secrets.FGC_API_KEY }}");
        assert_eq!(m["roles"], serde_json::json!(["chat", "edit", "apply"]));
        // The user's own keys in fgc's entry stay.
        assert_eq!(m["requestOptions"]["timeout"], 600);
    });
}

#[test]
fn client_merges_refuse_broken_files_and_create_missing_ones() {
    let dir = scratch("examples/clients.yaml");
    let d = dir.path();
    for (target, bad) in [
        ("opencode", "{\"model\": "),
        ("qwen-code", "{\"a\": 1,}"),
        ("aider", "model: [\n"),
        ("continue", "- just a list\n"),
    ] {
        std::fs::write(d.join("bad"), bad).unwrap();
        let out = emit(d, &[target, "-q", "--merge", "bad", "--write"], &[]);
        assert_eq!(out.status.code(), Some(1), "{target}: {}", transcript(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot merge into bad"));
        assert_eq!(std::fs::read_to_string(d.join("bad")).unwrap(), bad);
        let fresh = format!("new-{target}");
        ok(&emit(d, &[target, "-q", "--merge", &fresh, "--write"], &[]));
        let whole = ok(&emit(d, &[target, "-q"], &[]));
        let merged = std::fs::read_to_string(d.join(&fresh)).unwrap();
        // A merge into nothing is the file's keys without the header comments.
        let data = |t: &str| match target {
            "aider" | "continue" => yaml(t),
            _ => jsonc(t),
        };
        assert_eq!(data(&merged), data(&whole), "{target}");
    }
}

/// A stand-in for the Codex binary: prints the fixture catalog for `debug models --bundled`.
fn fake_codex(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join(format!(
        "fake-codex-{:x}",
        body.len() * 7919 + body.bytes().map(usize::from).sum::<usize>()
    ));
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\n[ \"$1 $2 $3\" = \"debug models --bundled\" ] || {{ echo \"unexpected: $*\" >&2; exit 3; }}\n{body}\n"
        ),
    )
    .unwrap();
    set_mode(&p, 0o755);
    p
}

#[test]
fn codex_catalog_gives_every_alias_metadata() {
    with_settings(|| {
        let dir = scratch("examples/clients.yaml");
        let d = dir.path();
        let fixture = inputs().join("tests/fixtures/emit/codex-bundled-catalog.json");
        let codex = fake_codex(d, &format!("cat '{}'", fixture.display()));
        let codex = codex.to_str().unwrap();
        let args = [
            "codex",
            "-q",
            "--catalog",
            "cat/models.json",
            "--codex-bin",
            codex,
        ];
        std::fs::create_dir_all(d.join("cat")).unwrap();
        let out = emit(d, &[&args[..], &["-o", "config.toml"]].concat(), &[]);
        ok(&out);
        let config = std::fs::read_to_string(d.join("config.toml")).unwrap();
        let catalog_path = d.join("cat/models.json");
        let doc: toml_edit::DocumentMut = config.parse().unwrap();
        assert_eq!(
            doc["model_catalog_json"].as_str(),
            Some(catalog_path.to_str().unwrap())
        );
        assert_eq!(doc["model_context_window"].as_integer(), Some(272000));
        let cat: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&catalog_path).unwrap()).unwrap();
        let models = cat["models"].as_array().unwrap();
        let slugs: Vec<&str> = models.iter().map(|m| m["slug"].as_str().unwrap()).collect();
        // The aliases first, then Codex's own entries (the file replaces its catalog).
        assert_eq!(
            slugs,
            [
                "router-default",
                "router-fast",
                "gpt-5.5",
                "gpt-5.2",
                "codex-auto-review"
            ]
        );
        let (def, fast) = (&models[0], &models[1]);
        // router-default's upstream is gpt-5.2: that entry is its template.
        assert!(
            def["description"].as_str().unwrap().contains("gpt-5.2"),
            "{def}"
        );
        assert_eq!(def["base_instructions"], models[3]["base_instructions"]);
        assert_eq!(def["context_window"], 272000);
        assert_eq!(def["upgrade"], serde_json::Value::Null);
        assert_eq!(def["service_tiers"], serde_json::json!([]));
        assert_eq!(def["visibility"], "list");
        assert!(
            !def["supported_reasoning_levels"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        // router-fast declares supports_reasoning: false.
        assert_eq!(fast["context_window"], 128000);
        assert_eq!(fast["supported_reasoning_levels"], serde_json::json!([]));
        assert!(fast.get("default_reasoning_level").is_none());
        // Every entry has what Codex 0.171 requires.
        for m in models {
            for k in [
                "slug",
                "display_name",
                "supported_reasoning_levels",
                "shell_type",
                "visibility",
                "supported_in_api",
                "priority",
                "support_verbosity",
                "truncation_policy",
                "experimental_supported_tools",
            ] {
                assert!(m.get(k).is_some(), "{k} in {}", m["slug"]);
            }
            assert!(
                m["base_instructions"].is_string()
                    || m["model_messages"]["instructions_template"].is_string()
            );
        }

        // --check: fresh, then stale when the catalog changed.
        ok(&emit(
            d,
            &[&args[..], &["-o", "config.toml", "--check"]].concat(),
            &[],
        ));
        std::fs::write(&catalog_path, "{}").unwrap();
        let out = emit(
            d,
            &[&args[..], &["-o", "config.toml", "--check"]].concat(),
            &[],
        );
        assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("is stale"));
        assert_eq!(std::fs::read_to_string(&catalog_path).unwrap(), "{}");

        // A merge points the user's config at the catalog; the catalog is written with --write.
        std::fs::write(d.join("user.toml"), "# mine\nmodel = \"gpt-5.5\"\n").unwrap();
        let out = emit(d, &[&args[..], &["--merge", "user.toml"]].concat(), &[]);
        assert!(ok(&out).contains("+model_catalog_json"));
        assert_eq!(std::fs::read_to_string(&catalog_path).unwrap(), "{}");
        ok(&emit(
            d,
            &[&args[..], &["--merge", "user.toml", "--write"]].concat(),
            &[],
        ));
        assert!(
            std::fs::read_to_string(&catalog_path)
                .unwrap()
                .contains("router-fast")
        );
        assert!(
            std::fs::read_to_string(d.join("user.toml"))
                .unwrap()
                .starts_with("# mine\n")
        );
    });
}

#[test]
fn codex_catalog_failures_are_clear() {
    let dir = scratch("examples/clients.yaml");
    let d = dir.path();
    let run = |codex: &str| {
        emit(
            d,
            &[
                "codex",
                "-q",
                "--catalog",
                "m.json",
                "--codex-bin",
                codex,
                "-o",
                "c.toml",
            ],
            &[],
        )
    };
    let cases = [
        ("no-such-codex".to_string(), "cannot run"),
        (
            fake_codex(d, "echo 'not json'").display().to_string(),
            "not JSON",
        ),
        (
            fake_codex(d, "echo boom >&2; exit 4").display().to_string(),
            "boom",
        ),
        (
            fake_codex(d, "echo '{\"data\": []}'").display().to_string(),
            "no `models` list",
        ),
    ];
    for (codex, says) in cases {
        let out = run(&codex);
        assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{}",
            transcript(&out)
        );
        assert!(!d.join("m.json").exists() && !d.join("c.toml").exists());
    }
}
