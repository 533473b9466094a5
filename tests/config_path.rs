//! Config discovery in every command: `-c`, `FGC_CONFIG`, walking up for
//! `config/flowgate.yaml` or `flowgate.yaml`, the user default; the error lists where fgc
//! looked; credential files stay relative to the config file wherever the command runs.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use crate::common::{fgc, inputs, transcript};

const SECRET: &str = "sk-walk-up-secret-1";

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = fgc();
    c.current_dir(dir).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A FlowGate checkout (`config/flowgate.yaml` = examples/flowgate.yaml, its secret under
/// `.router/`) and a folder two levels down in it.
fn checkout() -> (tempfile::TempDir, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("config")).unwrap();
    std::fs::copy(
        inputs().join("examples/flowgate.yaml"),
        t.path().join("config/flowgate.yaml"),
    )
    .unwrap();
    let secrets = t.path().join(".router/secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    let f = secrets.join("upstream_cliproxyapi_api_key");
    std::fs::write(&f, format!("{SECRET}\n")).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    let deep = t.path().join("src/deep");
    std::fs::create_dir_all(&deep).unwrap();
    (t, deep)
}

/// Every command finds the checkout's config from a folder below, and the credential file
/// is read relative to the config (no missing-secret, the resolved key in the LiteLLM file).
#[test]
fn every_command_walks_up_and_reads_secrets_relative_to_the_config() {
    let (t, deep) = checkout();
    let env = [
        ("CUSTOM_API_KEY", "x"),
        ("UPSTREAM_OPENAI_API_KEY", "y"),
        ("LITELLM_MASTER_KEY", "sk-master-walk-up-0123456789"),
    ];
    let check = run(&deep, &["check", "--format", "json"], &env);
    assert_eq!(check.status.code(), Some(0), "{}", transcript(&check));
    assert!(!out(&check).contains("missing-secret"), "{}", out(&check));

    let emit = run(&deep, &["emit", "litellm", "-q", "-o", "l.yaml"], &env);
    assert_eq!(emit.status.code(), Some(0), "{}", transcript(&emit));
    assert!(
        std::fs::read_to_string(deep.join("l.yaml"))
            .unwrap()
            .contains(SECRET)
    );

    for args in [
        &["emit", "codex", "-q"][..],
        &["rename", "router-default", "router-main"],
        &["redirect", "--list-names"],
        &["doctor", "--offline", "--format", "json"],
    ] {
        let o = run(&deep, args, &env);
        assert!(
            !err(&o).contains("no flowgate.yaml found") && o.status.code() != Some(2),
            "{args:?}: {}",
            transcript(&o)
        );
    }
    let rename = run(&deep, &["rename", "router-default", "router-main"], &env);
    assert!(
        out(&rename).contains("../../config/flowgate.yaml"),
        "{}",
        transcript(&rename)
    );
    drop(t);
}

/// No config anywhere: exit 2 and every place fgc looked, nearest first, with the way out.
#[test]
fn not_found_lists_where_fgc_looked() {
    let t = tempfile::tempdir().unwrap();
    for args in [
        &["check"][..],
        &["emit", "litellm"],
        &["serve"],
        &["doctor"],
        &["rename", "a", "b"],
        &["redirect"],
    ] {
        let o = run(t.path(), args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", transcript(&o));
        let e = err(&o);
        let here = t.path().display();
        assert!(
            e.contains(&format!(
                "  {here}/config/flowgate.yaml\n  {here}/flowgate.yaml\n"
            )),
            "{e}"
        );
        assert!(e.contains("/.config/fgc/flowgate.yaml"), "{e}");
        assert!(
            e.contains("-c FILE") && e.contains("FGC_CONFIG") && e.contains("fgc init"),
            "{e}"
        );
        assert!(o.stdout.is_empty());
    }
}

/// `FGC_CONFIG` names the config; `-c` wins over it; the user default comes last.
#[test]
fn flag_then_env_then_user_default() {
    let (t, deep) = checkout();
    let cfg = t.path().join("config/flowgate.yaml");
    let empty = tempfile::tempdir().unwrap();
    // FGC_CONFIG, from a folder with no config above it.
    let o = run(
        empty.path(),
        &["check"],
        &[("FGC_CONFIG", cfg.to_str().unwrap())],
    );
    assert!(out(&o).contains("warning"), "{}", transcript(&o));
    assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
    // -c wins over FGC_CONFIG (and over what walking up would find).
    let o = run(
        &deep,
        &["check", "-c", "nope.yaml"],
        &[("FGC_CONFIG", cfg.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("nope.yaml"), "{}", transcript(&o));
    // A FGC_CONFIG naming a missing file is an error that names it (no silent fallback).
    let o = run(&deep, &["check"], &[("FGC_CONFIG", "/no/such.yaml")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("/no/such.yaml"), "{}", transcript(&o));
    // The user default.
    let xdg = empty.path().join("xdg");
    std::fs::create_dir_all(xdg.join("fgc")).unwrap();
    std::fs::copy(
        inputs().join("examples/router-default.yaml"),
        xdg.join("fgc/flowgate.yaml"),
    )
    .unwrap();
    let o = run(
        empty.path(),
        &["check"],
        &[("XDG_CONFIG_HOME", xdg.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", transcript(&o));
}
