//! `fgc init`: the file it writes checks clean, holds no secret, is never written over
//! without --force; --discover asks the upstream (the in-process mock) for its models.

use std::path::Path;
use std::process::Output;

use fgc::serve::mock::{Mock, MockConfig, ModelList};

use crate::common::{fgc, transcript};

const UP_SECRET: &str = "sk-upstream-init-secret-9";

fn init(dir: &Path, args: &[&str]) -> Output {
    let mut c = fgc();
    c.current_dir(dir)
        .arg("init")
        .args(args)
        .env("UP_KEY", UP_SECRET);
    c.output().unwrap()
}

fn check(dir: &Path) -> Output {
    let mut c = fgc();
    c.current_dir(dir)
        .args(["check", "--deny-warnings"])
        .env("UP_KEY", UP_SECRET)
        .env("FGC_GATEWAY_KEY", "sk-gateway-init-0123456789");
    c.output().unwrap()
}

#[test]
fn writes_a_config_that_checks_clean_and_never_overwrites() {
    let t = tempfile::tempdir().unwrap();
    let args = [
        "--upstream",
        "http://127.0.0.1:9/v1",
        "--key-env",
        "UP_KEY",
        "--model",
        "gpt-x",
        "--model",
        "yes",
        "--upstream",
        "http://127.0.0.1:8/v1",
        "--model",
        "local-y",
    ];
    let out = init(t.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = std::fs::read_to_string(t.path().join("flowgate.yaml")).unwrap();
    assert!(!text.contains(UP_SECRET));
    // Each --key-env and --model belongs to the --upstream before it.
    let second = &text[text.find("http://127.0.0.1:8/v1").unwrap()..];
    assert!(
        !second.contains("UP_KEY") && text.contains("model_name: \"yes\""),
        "{text}"
    );
    assert!(text.contains(
        "model_name: router-default\n      litellm_params:\n        model: openai/gpt-x\n"
    ));
    let c = check(t.path());
    assert_eq!(c.status.code(), Some(0), "{}\n{text}", transcript(&c));

    // Never over an existing file without --force; with it, replaced.
    let again = init(
        t.path(),
        &["--upstream", "http://127.0.0.1:7/v1", "--model", "z"],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(t.path().join("flowgate.yaml")).unwrap(),
        text
    );
    let forced = init(
        t.path(),
        &[
            "--upstream",
            "http://127.0.0.1:7/v1",
            "--model",
            "z",
            "--force",
        ],
    );
    assert_eq!(forced.status.code(), Some(0), "{}", transcript(&forced));
    assert!(
        std::fs::read_to_string(t.path().join("flowgate.yaml"))
            .unwrap()
            .contains(":7/v1")
    );

    // No flags and no terminal: a usage error, no file.
    let u = tempfile::tempdir().unwrap();
    let out = init(u.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(!u.path().join("flowgate.yaml").exists());
    let bad = init(u.path(), &["--upstream", "ftp://x", "--model", "m"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!u.path().join("flowgate.yaml").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_lists_the_upstream_models_with_its_key() {
    let mock = Mock::start(MockConfig::default()).await.unwrap();
    mock.set_models(
        "v1",
        ModelList::OpenAi(vec!["model-a".into(), "model-b".into()]),
    );
    let t = tempfile::tempdir().unwrap();
    let base = mock.openai_base();
    let dir = t.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        init(
            &dir,
            &[
                "--upstream",
                &base,
                "--key-env",
                "UP_KEY",
                "--discover",
                "-o",
                "config/flowgate.yaml",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = std::fs::read_to_string(t.path().join("config/flowgate.yaml")).unwrap();
    assert!(
        text.contains("model: openai/model-a") && text.contains("model_name: model-b"),
        "{text}"
    );
    let auth = mock
        .requests()
        .iter()
        .find(|r| r.path.ends_with("/models"))
        .map(|r| {
            r.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_string())
        });
    assert_eq!(auth, Some(Some(format!("Bearer {UP_SECRET}"))));
    let c = check(t.path());
    assert_eq!(c.status.code(), Some(0), "{}", transcript(&c));
}
