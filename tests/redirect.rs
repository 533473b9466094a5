//! `fgc redirect`: the normaliser on real model ids, matching the built-in names against real
//! model lists, property tests, merges that keep hand-written entries (on every example and
//! rename fixture), the command on fixture files (diff and summary snapshots, --write,
//! --clear), and model lists served by the mock upstream, one of them failing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use fgc::redirect::matching::{Outcome, Standard, match_upstream};
use fgc::redirect::normalise::normalise;
use fgc::redirect::{Listing, Session, fetch, names};
use fgc::source::SourceFile;

use crate::common::{fgc, inputs, run_in, settings, transcript, with_settings};

fn fixture(name: &str) -> PathBuf {
    inputs().join("tests/fixtures/redirect").join(name)
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap()
}

/// A scratch folder holding copies of `files` (name in the folder, source path).
fn scratch(files: &[(&str, &Path)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fgc-redirect")
        .tempdir()
        .unwrap();
    for (name, src) in files {
        fs::copy(src, dir.path().join(name)).unwrap();
    }
    dir
}

/// Snapshot settings with the port of the mock (`port`) filtered out.
fn with_port<R>(port: u16, f: impl FnOnce() -> R) -> R {
    let mut s = settings();
    s.add_filter(&format!(r"127\.0\.0\.1:{port}\b"), "127.0.0.1:[PORT]");
    s.bind(f)
}

#[test]
fn normaliser_on_real_ids() {
    let table = read(&fixture("normalise.tsv"));
    let mut wrong = Vec::new();
    let mut rows = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "{line}");
        let opt = |s: &str| (s != "-").then(|| s.to_string());
        let n = normalise(cols[0]);
        if (n.key.as_str(), n.date.clone(), n.tag.clone()) != (cols[1], opt(cols[2]), opt(cols[3]))
        {
            wrong.push(format!("{line}\n  got {n:?}"));
        }
        rows += 1;
    }
    assert!(rows >= 50, "the table has {rows} rows");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The built-in standard names against the real model lists in fixtures/redirect/upstreams.
#[test]
fn builtin_names_on_real_lists() {
    let standards: Vec<Standard> = names::BUILTIN.iter().map(|n| Standard::new(n)).collect();
    for list in ["openai", "anthropic", "gemini", "openrouter"] {
        let v: serde_json::Value =
            serde_json::from_str(&read(&fixture(&format!("upstreams/{list}.json")))).unwrap();
        let models = fetch::parse_page(&v).unwrap().ids;
        let outcomes = match_upstream(&standards, &models, &[]);
        let mut table = String::new();
        let mut not_found = 0;
        for (s, o) in standards.iter().zip(&outcomes) {
            let line = match o {
                Outcome::Exact(a) => format!("= {}", models[*a]),
                Outcome::Normalised(a) => format!("~ {}", models[*a]),
                Outcome::Ambiguous(c) => format!(
                    "ambiguous: {}",
                    c.iter()
                        .map(|a| models[*a].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Outcome::AlreadyUsed { actual, by } => {
                    format!(
                        "already used: {} by {}",
                        models[*actual], standards[*by].name
                    )
                }
                Outcome::NotFound => {
                    not_found += 1;
                    continue;
                }
                Outcome::Skipped => unreachable!(),
            };
            table.push_str(&format!("{:<28} {line}\n", s.name));
        }
        table.push_str(&format!(
            "({} models listed; {not_found} of {} standard names not found)\n",
            models.len(),
            standards.len()
        ));
        with_settings(|| insta::assert_snapshot!(format!("redirect_builtin_on_{list}"), table));
    }
}

mod props {
    use std::collections::HashSet;

    use fgc::redirect::matching::{Standard, match_upstream};
    use fgc::redirect::normalise::normalise;
    use proptest::prelude::*;

    /// The suite's property-test settings: a fixed seed in CI, failures saved to
    /// proptest-regressions/redirect.txt and replayed first (`FGC_PROPTEST_EXPLORE=1` explores).
    use crate::common::proptest_config as config;

    /// Ids built from the pieces real ids are made of, so keys, dates and tags collide.
    fn model_id() -> impl Strategy<Value = String> {
        let vendor = prop_oneof![
            Just(""),
            Just("openai/"),
            Just("anthropic/"),
            Just("models/"),
            Just("Qwen/")
        ];
        let word = prop_oneof![
            Just("gpt"),
            Just("claude"),
            Just("Sonnet"),
            Just("mini"),
            Just("qwen3"),
            Just("4o"),
            Just("o3"),
            Just("4"),
            Just("5"),
            Just("latest"),
            Just("0613"),
            Just("2024"),
            Just("08"),
            Just("06"),
        ];
        let sep = prop_oneof![Just("-"), Just("."), Just("_"), Just("@")];
        let tag = prop_oneof![Just(""), Just(":free"), Just(":beta")];
        (
            vendor,
            proptest::collection::vec((word, sep), 1..6),
            word_last(),
            tag,
        )
            .prop_map(|(v, parts, last, t)| {
                let mut s = v.to_string();
                for (w, sep) in parts {
                    s.push_str(w);
                    s.push_str(sep);
                }
                s.push_str(&last);
                s.push_str(t);
                s
            })
    }

    fn word_last() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("20250929".to_string()),
            Just("2024-08-06".to_string()),
            Just("latest".to_string()),
            "[a-z0-9]{1,4}",
        ]
    }

    proptest! {
        #![proptest_config(config(512))]

        #[test]
        fn normalising_is_idempotent(id in prop_oneof![model_id(), "\\PC{0,40}"]) {
            let n = normalise(&id);
            let again = normalise(&n.key);
            prop_assert_eq!(&again.key, &n.key);
            prop_assert_eq!(again.date, None);
            prop_assert_eq!(again.tag, None);
        }

        #[test]
        fn no_model_used_twice(
            stds in proptest::collection::vec(model_id(), 1..24),
            models in proptest::collection::vec(model_id(), 0..40),
        ) {
            let standards: Vec<Standard> = stds.iter().map(|s| Standard::new(s)).collect();
            let out = match_upstream(&standards, &models, &[]);
            let mut used = HashSet::new();
            for (s, o) in standards.iter().zip(&out) {
                if let Some(a) = o.actual() {
                    prop_assert!(used.insert(a), "{} is used twice", models[a]);
                    let m = normalise(&models[a]);
                    // Exact, or verified by key, with the standard name's own date and tag.
                    if models[a] != s.name {
                        prop_assert_eq!(&m.key, &s.norm.key);
                        if s.norm.date.is_some() {
                            prop_assert_eq!(&m.date, &s.norm.date);
                        }
                        if s.norm.tag.is_some() {
                            prop_assert_eq!(&m.tag, &s.norm.tag);
                        }
                    }
                }
            }
        }
    }
}

/// Model ids for every built-in standard name, written the ways upstreams write them.
fn variant_list() -> Vec<String> {
    names::BUILTIN
        .iter()
        .enumerate()
        .map(|(i, n)| match i % 4 {
            0 => n.to_string(),
            1 => format!("vendor/{n}"),
            2 => n.to_uppercase().replace('-', "_"),
            _ => format!("{n}-2025-01-01"),
        })
        .collect()
}

/// On every example and rename fixture: mapping every upstream keeps each hand-written entry
/// and every other byte, checks clean, is idempotent, and clearing gives the file back.
#[test]
fn merge_round_trip_on_real_files() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        "examples",
        "tests/fixtures/rename",
        "tests/fixtures/redirect",
    ] {
        for e in fs::read_dir(inputs().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 8);
    for path in files {
        let original = read(&path);
        let session = match Session::load(&path) {
            // fgc redirect writes into a flowgate.yaml: a plain LiteLLM config is refused.
            Err(fgc::redirect::RedirectError::LitellmConfig { .. }) => continue,
            other => other.unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        };
        let Ok(sel) = session.select(&[], false) else {
            // No upstream (an empty file, a file without model_list).
            continue;
        };
        let listings: Vec<Listing> = sel.iter().map(|_| Ok(variant_list())).collect();
        let plan = session
            .plan(&sel, listings)
            .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let after = plan.change.after.clone();
        assert!(plan.report.added > 0, "{}", path.display());
        // Every line of the original is still there, in order (a flow item followed by a new
        // one gains its comma).
        let mut lines = after.lines();
        let generated_before = original.contains("fgc_redirect");
        for l in original.lines().filter(|_| !generated_before) {
            assert!(
                lines.any(|a| a == l || a.strip_suffix(',') == Some(l)),
                "{}: line {l:?} lost\n{after}",
                path.display()
            );
        }
        // Again on the result: nothing to change.
        let again = Session::from_source(SourceFile::new("f", &path, after.as_str())).unwrap();
        let sel2 = again.select(&[], false).unwrap();
        let listings: Vec<Listing> = sel2.iter().map(|_| Ok(variant_list())).collect();
        let plan2 = again.plan(&sel2, listings).unwrap();
        assert_eq!(
            plan2.change.after,
            after,
            "{}: a second run changed the file",
            path.display()
        );
        // Clearing every generated entry gives the original back, byte for byte.
        let sel3 = again.select(&[], true).unwrap();
        let cleared = again.plan_clear(&sel3).unwrap();
        if generated_before {
            continue;
        }
        assert_eq!(cleared.change.after, original, "{}", path.display());
    }
}

fn fgc_in(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut c = fgc();
    c.current_dir(dir).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn block_file_dry_run_write_and_rerun() {
    let dir = scratch(&[
        ("flowgate.yaml", &fixture("block.yaml")),
        ("models.json", &fixture("models.json")),
    ]);
    let cfg = dir.path().join("flowgate.yaml");
    let before = read(&cfg);
    let args = [
        "redirect",
        "-c",
        "flowgate.yaml",
        "--models-file",
        "models.json",
    ];
    let out = run_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_eq!(read(&cfg), before, "a dry run changed the file");
    with_settings(|| insta::assert_snapshot!("redirect_block_dry_run", transcript(&out)));

    let out = run_in(dir.path(), &[&args[..], &["--write"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let after = read(&cfg);
    // Hand-written entries and everything around them are as they were.
    for kept in [
        "    - model_name: router-default\n      litellm_params:\n        model: openai/gpt-5.2\n        api_base: https://relay.example/v1\n        api_key_ref: relay\n    - model_name: claude-direct\n",
        "    # A standard name written by hand on the relay: fgc redirect leaves it to you.\n    - model_name: gpt-5.2\n",
        "    # Generated by an earlier run: replaced by this one.\n    - model_name: gpt-4o\n",
        "  router_settings:\n    routing_strategy: simple-shuffle\nintegration:\n",
    ] {
        assert!(after.contains(kept), "{kept:?} missing from\n{after}");
    }
    let check = run_in(dir.path(), &["check", "flowgate.yaml"]);
    assert_eq!(check.status.code(), Some(0), "{}", transcript(&check));
    // The marker is fgc's own: LiteLLM's config gets the entries without it.
    let emit = run_in(dir.path(), &["emit", "litellm", "-c", "flowgate.yaml"]);
    assert_eq!(emit.status.code(), Some(0), "{}", transcript(&emit));
    let litellm = String::from_utf8(emit.stdout).unwrap();
    assert!(
        litellm.contains("model: openai/anthropic/claude-sonnet-4.5"),
        "{litellm}"
    );
    assert!(!litellm.contains("fgc_redirect"), "{litellm}");

    // A second run has nothing to do.
    let out = run_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "{}", transcript(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("flowgate.yaml is up to date"));
}

#[test]
fn json_style_file_gets_json_entries() {
    let dir = scratch(&[
        ("flowgate.yaml", &fixture("flow.yaml")),
        ("models.json", &fixture("flow-models.json")),
    ]);
    let args = [
        "redirect",
        "-c",
        "flowgate.yaml",
        "--models-file",
        "models.json",
    ];
    let out = run_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    with_settings(|| insta::assert_snapshot!("redirect_flow_dry_run", transcript(&out)));
    let out = run_in(dir.path(), &[&args[..], &["--write"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = read(&dir.path().join("flowgate.yaml"));
    // Still JSON: every generated entry is a JSON object on its line.
    let v: serde_json::Value = serde_json::from_str(
        &text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .expect("the file is still JSON");
    assert_eq!(
        v["litellm_base"]["model_list"].as_array().unwrap().len(),
        10
    );
}

#[test]
fn clear_previews_asks_and_selects() {
    let dir = scratch(&[
        ("flowgate.yaml", &fixture("block.yaml")),
        ("models.json", &fixture("models.json")),
    ]);
    let cfg = dir.path().join("flowgate.yaml");
    let original = read(&cfg);
    let out = run_in(
        dir.path(),
        &[
            "redirect",
            "--models-file",
            "models.json",
            "-c",
            "flowgate.yaml",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let mapped = read(&cfg);
    let clear = ["redirect", "-c", "flowgate.yaml", "--clear"];

    // No answer: nothing changes, exit 2.
    let out = fgc_in(dir.path(), &clear, &[], None);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert_eq!(read(&cfg), mapped);
    // "n": nothing changes.
    let out = fgc_in(dir.path(), &clear, &[], Some("n\n"));
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_eq!(read(&cfg), mapped);

    // One upstream: the other's entries stay.
    let out = fgc_in(
        dir.path(),
        &[&clear[..], &["--upstream", "ANTHROPIC_API_KEY"]].concat(),
        &[],
        Some("y\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    with_settings(|| insta::assert_snapshot!("redirect_clear_one_upstream", transcript(&out)));
    let partly = read(&cfg);
    assert!(partly.contains("fgc_redirect: relay"));
    assert!(!partly.contains("fgc_redirect: ANTHROPIC_API_KEY"));

    // The rest, without asking: the hand-written file is back (the earlier run's generated
    // glm-4.6 entry went with the first mapping run).
    let out = fgc_in(dir.path(), &[&clear[..], &["--yes"]].concat(), &[], None);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let cleared = read(&cfg);
    assert!(!cleared.contains("fgc_redirect"), "{cleared}");
    let without_old: String = original.replace(
        "    # Generated by an earlier run: replaced by this one.\n    - model_name: glm-4.6\n      litellm_params:\n        model: openai/z-ai/glm-4.6\n        api_base: https://relay.example/v1\n        api_key_ref: relay\n      fgc_redirect: relay\n",
        "    # Generated by an earlier run: replaced by this one.\n",
    );
    assert_eq!(cleared, without_old);
    let out = fgc_in(dir.path(), &[&clear[..], &["--yes"]].concat(), &[], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to clear"));
}

#[test]
fn refusals() {
    let dir = scratch(&[
        ("flowgate.yaml", &fixture("block.yaml")),
        ("models.json", &fixture("models.json")),
    ]);
    let cfg = dir.path().join("flowgate.yaml");
    let before = read(&cfg);
    let mut transcripts = String::new();
    for (args, code) in [
        (
            vec![
                "redirect",
                "-c",
                "flowgate.yaml",
                "--models-file",
                "models.json",
                "--upstream",
                "nope",
            ],
            2,
        ),
        (
            vec![
                "redirect",
                "-c",
                "flowgate.yaml",
                "--models-file",
                "missing.json",
            ],
            2,
        ),
        (
            vec![
                "redirect",
                "-c",
                "flowgate.yaml",
                "--models-file",
                "flowgate.yaml",
            ],
            2,
        ),
        (vec!["redirect", "-c", "absent.yaml"], 2),
        (vec!["redirect", "-c", "flowgate.yaml", "--yes"], 2),
    ] {
        let out = run_in(dir.path(), &args);
        assert_eq!(out.status.code(), Some(code), "{}", transcript(&out));
        transcripts.push_str(&format!("$ fgc {}\n{}\n", args.join(" "), transcript(&out)));
    }
    assert_eq!(read(&cfg), before);
    // A file with errors is refused before anything is asked.
    fs::write(
        dir.path().join("bad.yaml"),
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params: {model: openai/a, api_base: http://h/v1}\nintegration: {default_model: b}\n",
    )
    .unwrap();
    let args = ["redirect", "-c", "bad.yaml", "--models-file", "models.json"];
    let out = run_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    transcripts.push_str(&format!("$ fgc {}\n{}\n", args.join(" "), transcript(&out)));
    with_settings(|| insta::assert_snapshot!("redirect_refusals", transcripts));
}

#[test]
fn literal_keys_are_skipped_and_never_shown() {
    let dir = scratch(&[]);
    let secret = "sk-live-0123456789abcdef";
    fs::write(
        dir.path().join("flowgate.yaml"),
        format!(
            "litellm_base:\n  model_list:\n    - model_name: b\n      litellm_params:\n        model: openai/gpt-5.2\n        api_base: http://two.example/v1\n        api_key: os.environ/TWO_KEY\n    - model_name: a\n      litellm_params:\n        model: openai/gpt-5.2\n        api_base: http://one.example/v1\n        api_key: {secret}\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("models.json"),
        r#"{"http://one.example/v1": ["gpt-4o"], "TWO_KEY": ["gpt-4o"]}"#,
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "redirect",
            "-c",
            "flowgate.yaml",
            "--models-file",
            "models.json",
        ],
    );
    let t = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(!t.contains(secret), "{t}");
    assert!(
        t.contains("skipped: its api_key is written literally"),
        "{t}"
    );
    assert!(t.contains("+      fgc_redirect: TWO_KEY"), "{t}");
    // The context lines of the diff hold the literal key's line: redacted.
    assert!(t.contains("api_key: <redacted>"), "{t}");
}

#[cfg(unix)]
#[test]
fn write_keeps_mode_and_follows_symlinks() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch(&[
        ("real.yaml", &fixture("block.yaml")),
        ("models.json", &fixture("models.json")),
    ]);
    let real = dir.path().join("real.yaml");
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real.yaml", dir.path().join("flowgate.yaml")).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "redirect",
            "-c",
            "flowgate.yaml",
            "--models-file",
            "models.json",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let link = fs::symlink_metadata(dir.path().join("flowgate.yaml")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert!(read(&real).contains("fgc_redirect: ANTHROPIC_API_KEY"));
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn list_names_prints_the_version() {
    let dir = scratch(&[]);
    fs::write(
        dir.path().join("flowgate.yaml"),
        "litellm_base: {model_list: []}\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["redirect", "-c", "flowgate.yaml", "--list-names"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(&format!(
        "# fgc built-in standard names, version {}\n",
        names::VERSION
    )));
    assert_eq!(text.lines().count(), names::BUILTIN.len() + 1);
}

/// Four upstreams behind the mock: OpenAI's shape, Anthropic's shape over three pages, one
/// answering 500 and one answering garbage, plus one that hangs past the timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_upstreams_one_failing() {
    use fgc::serve::mock::{Fault, Mock, MockConfig, ModelList};
    let mock = Mock::start(MockConfig::default()).await.unwrap();
    mock.set_models(
        "a",
        ModelList::OpenAi(vec![
            "gpt-5.2".into(),
            "openai/gpt-4o-2024-08-06".into(),
            "anthropic/claude-sonnet-4.5".into(),
        ]),
    );
    mock.set_models(
        "b",
        ModelList::Anthropic {
            ids: vec![
                "claude-opus-4-8".into(),
                "claude-sonnet-4-5-20250929".into(),
                "claude-haiku-4-5-20251001".into(),
                "claude-haiku-4-5-20241001".into(),
                "claude-3-haiku-20240307".into(),
            ],
            page: 2,
        },
    );
    mock.set_models("c", ModelList::OpenAi(vec!["gpt-4o".into()]));
    mock.push_for("c", Fault::Status(500));
    mock.set_models("d", ModelList::Raw("<html>502 Bad Gateway</html>".into()));
    mock.set_models("e", ModelList::OpenAi(vec!["gpt-4o".into()]));
    mock.push_for("e", Fault::Hang);
    let base = mock.url();
    let config = format!(
        "litellm_base:
  model_list:
    - model_name: main
      litellm_params: {{model: openai/gpt-5.2, api_base: '{base}/a/v1', api_key: os.environ/KEY_A}}
    - model_name: claude
      litellm_params: {{model: anthropic/claude-opus-4-8, api_base: '{base}/b', api_key: os.environ/KEY_B}}
    - model_name: gpt-4o
      litellm_params: {{model: openai/gpt-4o, api_base: '{base}/c/v1', api_key: os.environ/KEY_C}}
      fgc_redirect: KEY_C
    - model_name: other
      litellm_params: {{model: openai/x, api_base: '{base}/d/v1', api_key: os.environ/KEY_D}}
    - model_name: slow
      litellm_params: {{model: openai/x, api_base: '{base}/e/v1', api_key: os.environ/KEY_E}}
redirect:
  standard_names: [gpt-5.2, gpt-4o, claude-opus-4-8, claude-sonnet-4-5, claude-haiku-4-5, claude-3-haiku]
"
    );
    let dir = scratch(&[]);
    fs::write(dir.path().join("flowgate.yaml"), &config).unwrap();
    let path = dir.path().to_path_buf();
    let keys = [
        ("KEY_A", "key-aaaa"),
        ("KEY_B", "key-bbbb"),
        ("KEY_C", "key-cccc"),
        ("KEY_D", "key-dddd"),
        ("KEY_E", "key-eeee"),
    ];
    let out = tokio::task::spawn_blocking(move || {
        fgc_in(
            &path,
            &[
                "redirect",
                "-c",
                "flowgate.yaml",
                "--timeout",
                "1",
                "--write",
            ],
            &keys,
            None,
        )
    })
    .await
    .unwrap();
    let t = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "partial failure exits 1\n{t}");
    for (_, k) in keys {
        assert!(!t.contains(k), "a key was printed\n{t}");
    }
    with_port(mock.addr.port(), || {
        insta::assert_snapshot!("redirect_mock_upstreams", t)
    });
    // Each key went to its own upstream only, the way its API takes it.
    for r in mock.requests() {
        let prefix = r
            .path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let own = format!("key-{}", prefix.repeat(4));
        for (name, value) in &r.headers {
            let v = value.to_str().unwrap_or_default();
            for (_, k) in keys {
                if v.contains(k) {
                    assert!(v.contains(&own), "{k} sent to /{prefix} in {name}");
                }
            }
        }
        match prefix.as_str() {
            "b" => {
                assert_eq!(r.headers["x-api-key"], own.as_str());
                assert_eq!(r.headers["anthropic-version"], "2023-06-01");
                assert!(r.path.starts_with("/b/v1/models?limit=1000"), "{}", r.path);
            }
            _ => {
                assert_eq!(r.headers["authorization"], format!("Bearer {own}").as_str());
                assert_eq!(r.path, format!("/{prefix}/v1/models"));
            }
        }
    }
    // Three pages of Anthropic's list.
    assert_eq!(mock.hits_by_prefix().get("b"), Some(&3));
    let after = read(&dir.path().join("flowgate.yaml"));
    assert!(
        after.contains(&format!("    - model_name: gpt-4o\n      litellm_params: {{model: openai/gpt-4o, api_base: '{base}/c/v1', api_key: os.environ/KEY_C}}\n      fgc_redirect: KEY_C\n")),
        "the failing upstream's generated entry is kept\n{after}"
    );
    let check = run_in(dir.path(), &["check", "flowgate.yaml"]);
    assert_eq!(check.status.code(), Some(0), "{}", transcript(&check));
}

/// Upstreams listed under `redirect.upstreams`, in a file without `model_list`: the list is
/// created; the credentials they name count as used and must exist.
#[test]
fn explicit_upstreams_create_the_list() {
    let dir = scratch(&[]);
    let cfg = dir.path().join("flowgate.yaml");
    let text = "credentials:\n  upstream:\n    relay: {env: RELAY_KEY}\nlitellm_base:\n  router_settings:\n    routing_strategy: simple-shuffle\nredirect:\n  upstreams:\n    relay:\n      api_base: https://relay.example/v1\n      api_key_ref: relay\n    claude:\n      api_base: https://api.anthropic.com\n      api_key: os.environ/ANTHROPIC_API_KEY\n      provider: anthropic\n  standard_names: [gpt-5.2, claude-opus-4-8]\n";
    fs::write(&cfg, text).unwrap();
    fs::write(
        dir.path().join("models.json"),
        r#"{"relay": ["openai/gpt-5.2"], "claude": {"data": [{"type": "model", "id": "claude-opus-4-8"}]}}"#,
    )
    .unwrap();
    let check = run_in(dir.path(), &["check", "flowgate.yaml"]);
    let t = transcript(&check);
    assert_eq!(check.status.code(), Some(0), "{t}");
    assert!(!t.contains("unused-credential"), "{t}");
    let out = run_in(
        dir.path(),
        &[
            "redirect",
            "-c",
            "flowgate.yaml",
            "--models-file",
            "models.json",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let after = read(&cfg);
    assert!(after.starts_with(text.split("redirect:").next().unwrap().trim_end()));
    assert!(
        after.contains("  model_list:\n    - model_name: gpt-5.2\n      litellm_params:\n        model: openai/openai/gpt-5.2\n        api_base: https://relay.example/v1\n        api_key_ref: relay\n      fgc_redirect: relay\n    - model_name: claude-opus-4-8\n      litellm_params:\n        model: anthropic/claude-opus-4-8\n        api_base: https://api.anthropic.com\n        api_key: os.environ/ANTHROPIC_API_KEY\n      fgc_redirect: claude\n"),
        "{after}"
    );
    let check = run_in(dir.path(), &["check", "flowgate.yaml"]);
    assert_eq!(check.status.code(), Some(0), "{}", transcript(&check));
    // A credential the list names must exist.
    fs::write(
        &cfg,
        text.replace("api_key_ref: relay", "api_key_ref: rely"),
    )
    .unwrap();
    let check = run_in(dir.path(), &["check", "flowgate.yaml"]);
    let t = transcript(&check);
    assert_eq!(check.status.code(), Some(1), "{t}");
    assert!(
        t.contains("undefined-credential") && t.contains("did you mean `relay`?"),
        "{t}"
    );
}

/// A key that cannot be read fails its upstream before anything is sent.
#[test]
fn unreadable_key_fails_the_upstream() {
    let dir = scratch(&[]);
    fs::write(
        dir.path().join("flowgate.yaml"),
        "litellm_base:\n  model_list:\n    - model_name: a\n      litellm_params: {model: openai/x, api_base: 'http://127.0.0.1:9/v1', api_key: os.environ/ABSENT_KEY}\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["redirect", "-c", "flowgate.yaml"]);
    let t = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("upstream ABSENT_KEY (http://127.0.0.1:9/v1): failed: environment variable `ABSENT_KEY` is not set; 0 generated entries kept"),
        "{t}"
    );
}
