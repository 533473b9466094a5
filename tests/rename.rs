//! `fgc rename`: fixtures with diff snapshots, the seed examples, client files, refusals,
//! atomic writes, and property tests of the rename itself.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use fgc::check::{check_path, check_source};
use fgc::rename::config::{check_options, rename};
use fgc::source::SourceFile;
use fgc::span::Span;

use crate::common::{inputs, root, run, run_in, transcript, with_settings};

fn fixture(name: &str) -> PathBuf {
    inputs().join("tests/fixtures/rename").join(name)
}

/// A scratch folder holding copies of `files` (name in the folder, source path).
fn scratch(files: &[(&str, &Path)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fgc-rename")
        .tempdir()
        .unwrap();
    for (name, src) in files {
        fs::copy(src, dir.path().join(name)).unwrap();
    }
    dir
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap()
}

#[test]
fn rename_fixtures_dry_run() {
    with_settings(|| {
        insta::glob!("fixtures/rename/*.yaml", |path| {
            let rel = path.strip_prefix(root()).unwrap().to_str().unwrap();
            let copy = inputs().join(rel);
            let before = read(&copy);
            let out = run(&["rename", "router-default", "router-main", "-c", rel]);
            assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
            assert_eq!(read(&copy), before, "a dry run changed the file");
            insta::assert_snapshot!(transcript(&out));
        });
    });
}

#[test]
fn fixtures_write_check_clean() {
    for entry in fs::read_dir(fixture("")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let dir = scratch(&[("flowgate.yaml", &path)]);
        let out = run_in(
            dir.path(),
            &[
                "rename",
                "router-default",
                "router-main",
                "-c",
                "flowgate.yaml",
                "--write",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
        assert_only_new(
            &dir.path().join("flowgate.yaml"),
            "router-default",
            "router-main",
        );
    }
}

/// The renamed file checks clean, no reference to `old` is left and `new` is an alias.
fn assert_only_new(path: &Path, old: &str, new: &str) {
    let out = run(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let loaded = check_path(path, &check_options(None)).unwrap();
    let model = loaded.model.unwrap();
    assert!(model.refs.iter().all(|r| r.name != old), "{old} left");
    assert!(model.aliases.contains_key(new));
}

#[test]
fn examples_every_alias() {
    for entry in fs::read_dir(inputs().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let loaded = check_path(&path, &check_options(None)).unwrap();
        let model = loaded.model.unwrap();
        for (i, alias) in model.aliases.keys().enumerate() {
            let new = if alias == "router-default" {
                "router-main".to_string()
            } else {
                format!("renamed-{i}")
            };
            let refs = model.refs.iter().filter(|r| &r.name == alias).count();
            // Same folder layout so relative secret paths still resolve.
            let dir = scratch(&[]);
            let ex = dir.path().join("examples");
            fs::create_dir(&ex).unwrap();
            let file = ex.join(path.file_name().unwrap());
            fs::copy(&path, &file).unwrap();
            let out = run_in(
                dir.path(),
                &[
                    "rename",
                    alias,
                    &new,
                    "-c",
                    file.to_str().unwrap(),
                    "--write",
                ],
            );
            assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
            assert_only_new(&file, alias, &new);
            let after = check_path(&file, &check_options(None))
                .unwrap()
                .model
                .unwrap();
            assert_eq!(after.refs.iter().filter(|r| r.name == new).count(), refs);
        }
    }
}

#[test]
fn clients_dry_run_and_write() {
    let c = |n: &str| fixture(&format!("clients/{n}"));
    let dir = scratch(&[
        ("flowgate.yaml", &fixture("block.yaml")),
        ("config.toml", &c("config.toml")),
        ("fast.config.toml", &c("fast.config.toml")),
        ("settings.json", &c("settings.json")),
    ]);
    let args = [
        "rename",
        "router-default",
        "router-main",
        "-c",
        "flowgate.yaml",
        "--codex",
        "config.toml",
        "--codex",
        "fast.config.toml",
        "--claude",
        "settings.json",
    ];
    let out = run_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    with_settings(|| insta::assert_snapshot!("rename_clients_dry_run", transcript(&out)));

    let mut write = args.to_vec();
    write.push("--write");
    let out = run_in(dir.path(), &write);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let toml = read(&dir.path().join("config.toml"));
    assert!(toml.starts_with("# Codex config written by hand: comments and layout must survive.\nmodel = \"router-main\"   # the gateway alias\n"));
    assert!(toml.ends_with("[profiles.fast]\nmodel = \"router-default\"\n"));
    assert_eq!(
        read(&dir.path().join("fast.config.toml")),
        "model = 'router-main'\nmodel_provider = \"flowgate\"\n"
    );
    let json = read(&dir.path().join("settings.json"));
    assert_eq!(json.matches("\"router-main\"").count(), 3);
    assert!(json.contains("\"NOTE\": \"router-default\""));
    assert_eq!(
        json.replace("router-main", "router-default"),
        read(&c("settings.json"))
    );
    // A second run finds nothing to rename and says so.
    let out = run_in(dir.path(), &write);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
}

#[test]
fn refusals() {
    let good = fixture("block.yaml");
    let bad_toml = tempfile::NamedTempFile::new().unwrap();
    fs::write(bad_toml.path(), "model = \"router-default\n").unwrap();
    let bad_json = tempfile::NamedTempFile::new().unwrap();
    fs::write(
        bad_json.path(),
        "{\"env\": {\"ANTHROPIC_MODEL\": \"router-default\",}}\n",
    )
    .unwrap();
    let unclean = tempfile::NamedTempFile::new().unwrap();
    fs::write(
        unclean.path(),
        "litellm_base:\n  model_list:\n    - model_name: router-default\n      litellm_params: {model: openai/x}\nintegration: {default_model: router-defualt}\n",
    )
    .unwrap();
    let shared = tempfile::NamedTempFile::new().unwrap();
    fs::write(
        shared.path(),
        "litellm_base:\n  model_list:\n    - model_name: &m router-default\n      litellm_params: {model: openai/x}\n      model_info: {description: *m}\n",
    )
    .unwrap();
    let folded = tempfile::NamedTempFile::new().unwrap();
    fs::write(
        folded.path(),
        "litellm_base:\n  model_list:\n    - model_name: router\n        default\n      litellm_params: {model: openai/x}\n",
    )
    .unwrap();
    // Relative to the repository root (where `run` runs): an absolute path would change where
    // the report wraps from one checkout to another.
    let g = "tests/fixtures/rename/block.yaml";
    assert!(good.ends_with(g));
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("not_an_alias", vec!["router-defualt", "x", "-c", g]),
        (
            "name_taken",
            vec!["router-default", "router-backup", "-c", g],
        ),
        (
            "group_alias_taken",
            vec!["router-default", "gpt-5.2", "-c", g],
        ),
        ("empty_name", vec!["router-default", "", "-c", g]),
        ("env_name", vec!["router-default", "os.environ/X", "-c", g]),
        ("space_name", vec!["router-default", "x ", "-c", g]),
        ("newline_name", vec!["router-default", "a\nb", "-c", g]),
        (
            "not_clean",
            vec![
                "router-default",
                "x",
                "-c",
                unclean.path().to_str().unwrap(),
            ],
        ),
        (
            "shared_anchor",
            vec!["router-default", "x", "-c", shared.path().to_str().unwrap()],
        ),
        (
            "multi_line_scalar",
            vec!["router default", "x", "-c", folded.path().to_str().unwrap()],
        ),
        (
            "bad_codex",
            vec![
                "router-default",
                "x",
                "-c",
                g,
                "--codex",
                bad_toml.path().to_str().unwrap(),
            ],
        ),
        (
            "bad_claude",
            vec![
                "router-default",
                "x",
                "-c",
                g,
                "--claude",
                bad_json.path().to_str().unwrap(),
            ],
        ),
    ];
    let before = read(&good);
    for (name, args) in cases {
        let mut full = vec!["rename"];
        full.extend(args);
        full.push("--write");
        let out = run(&full);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", transcript(&out));
        assert!(out.stdout.is_empty(), "{name}: printed a diff");
        with_settings(|| {
            insta::assert_snapshot!(format!("rename_refuse_{name}"), transcript(&out))
        });
    }
    assert_eq!(read(&good), before);
    let out = run(&["rename", "a", "b", "-c", "/nonexistent/flowgate.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
}

#[test]
fn write_is_all_or_nothing_and_keeps_mode() {
    let dir = scratch(&[
        ("flowgate.yaml", &fixture("block.yaml")),
        ("settings.json", &fixture("clients/settings.json")),
    ]);
    let cfg = dir.path().join("flowgate.yaml");
    let settings = dir.path().join("settings.json");
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o640)).unwrap();
    fs::set_permissions(&settings, fs::Permissions::from_mode(0o600)).unwrap();
    let original = read(&cfg);
    // An unparsable second file: nothing is written, not even the config.
    fs::write(dir.path().join("broken.toml"), "model = [\n").unwrap();
    let out = run_in(
        dir.path(),
        &[
            "rename",
            "router-default",
            "router-main",
            "-c",
            "flowgate.yaml",
            "--claude",
            "settings.json",
            "--codex",
            "broken.toml",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert_eq!(read(&cfg), original);

    let out = run_in(
        dir.path(),
        &[
            "rename",
            "router-default",
            "router-main",
            "-c",
            "flowgate.yaml",
            "--claude",
            "settings.json",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_ne!(read(&cfg), original);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cfg), 0o640);
    assert_eq!(mode(&settings), 0o600);
    // No temporary file is left behind.
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["broken.toml", "flowgate.yaml", "settings.json"]);
}

/// The temporary files of `--write` are made beside each target, never in the current
/// directory (here a directory that no longer exists).
#[test]
fn write_stages_beside_each_target() {
    let dir = scratch(&[("flowgate.yaml", &fixture("block.yaml"))]);
    fs::create_dir(dir.path().join("claude")).unwrap();
    let (cfg, settings) = (
        dir.path().join("flowgate.yaml"),
        dir.path().join("claude/settings.json"),
    );
    fs::copy(fixture("clients/settings.json"), &settings).unwrap();
    let mut args: Vec<&std::ffi::OsStr> = ["rename", "router-default", "router-main", "-c"]
        .map(std::ffi::OsStr::new)
        .to_vec();
    args.extend([
        cfg.as_os_str(),
        "--claude".as_ref(),
        settings.as_os_str(),
        "--write".as_ref(),
    ]);
    let out = crate::common::run_from_a_removed_dir(&args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_only_new(&cfg, "router-default", "router-main");
    assert!(read(&settings).contains("\"router-main\""));
    assert_eq!(fs::read_dir(dir.path().join("claude")).unwrap().count(), 1);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Copy, Debug)]
    enum Q {
        Plain,
        Single,
        Double,
    }

    fn q(s: &str, style: Q) -> String {
        match style {
            Q::Plain => s.to_string(),
            Q::Single => format!("'{s}'"),
            Q::Double => format!("\"{s}\""),
        }
    }

    /// A generated flowgate.yaml: `n` aliases named `a0…`, fallbacks only to later aliases
    /// (no cycles), in block or flow style with mixed quoting and comments.
    #[derive(Clone, Debug)]
    struct Gen {
        n: usize,
        quotes: Vec<Q>,
        flow: Vec<bool>,
        fallbacks: Vec<Vec<usize>>,
        default_model: usize,
        group: Option<usize>,
        /// Aliases whose `model_name` is anchored (`&aN`) and referenced as `*aN`.
        anchored: Vec<bool>,
    }

    fn gen_config() -> impl Strategy<Value = Gen> {
        (2usize..6).prop_flat_map(|n| {
            (
                proptest::collection::vec(
                    prop_oneof![Just(Q::Plain), Just(Q::Single), Just(Q::Double)],
                    64,
                ),
                proptest::collection::vec(any::<bool>(), 16),
                proptest::collection::vec(proptest::collection::vec(0usize..n, 0..3), n),
                0..n,
                proptest::option::of(0..n),
                proptest::collection::vec(any::<bool>(), n),
            )
                .prop_map(
                    move |(quotes, flow, fallbacks, default_model, group, anchored)| Gen {
                        n,
                        quotes,
                        flow,
                        fallbacks,
                        default_model,
                        group,
                        anchored,
                    },
                )
        })
    }

    impl Gen {
        fn text(&self) -> String {
            let mut k = 0;
            let anchored = self.anchored.clone();
            // A reference: `*aN ` for an anchored alias (the space keeps `*aN :` a key).
            let mut next = |s: &str| {
                k += 1;
                match s
                    .strip_prefix("router-")
                    .and_then(|i| i.parse::<usize>().ok())
                {
                    Some(i) if anchored[i] => format!("*a{i} "),
                    _ => q(s, self.quotes[k % self.quotes.len()]),
                }
            };
            let name = |i: usize| format!("router-{i}");
            let mut t = String::from("# generated\nlitellm_base:\n  model_list:\n");
            for i in 0..self.n {
                let m = if self.anchored[i] {
                    format!("&a{i} {}", q(&name(i), self.quotes[i % self.quotes.len()]))
                } else {
                    next(&name(i))
                };
                if self.flow[i % self.flow.len()] {
                    t += &format!(
                        "    - {{model_name: {m}, litellm_params: {{model: openai/{}}}}}\n",
                        name(i)
                    );
                } else {
                    t += &format!(
                        "    - model_name: {m} # router-{i}\n      litellm_params:\n        model: openai/{}\n",
                        name(i)
                    );
                }
            }
            t += "  litellm_settings:\n    fallbacks:\n";
            for (i, targets) in self.fallbacks.iter().enumerate() {
                let mut ts: Vec<usize> = targets.iter().filter(|&&j| j > i).copied().collect();
                ts.dedup();
                if ts.is_empty() {
                    continue;
                }
                let key = next(&name(i));
                let list: Vec<String> = ts.iter().map(|&j| next(&name(j))).collect();
                if self.flow[(i + 3) % self.flow.len()] {
                    t += &format!("      - {{{key}: [{}]}}\n", list.join(", "));
                } else {
                    t += &format!("      - {key}:\n");
                    for l in list {
                        t += &format!("          - {l}  # fallback\n");
                    }
                }
            }
            if let Some(g) = self.group {
                t += &format!(
                    "  router_settings:\n    model_group_alias: {{extra-name: {}}}\n",
                    next(&name(g))
                );
            }
            t += &format!(
                "integration:\n  default_model: {}\n",
                next(&name(self.default_model))
            );
            t
        }
    }

    fn load(text: &str) -> fgc::load::Loaded {
        check_source(
            SourceFile::new("f.yaml", "f.yaml", text),
            &check_options(None),
        )
    }

    /// The text outside the given spans, piece by piece.
    fn gaps(text: &str, mut spans: Vec<Span>) -> Vec<String> {
        spans.sort();
        spans.dedup();
        let mut out = Vec::new();
        let mut at = 0;
        for s in spans {
            out.push(text[at..s.start].to_string());
            at = s.end;
        }
        out.push(text[at..].to_string());
        out
    }

    fn name_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9-]{0,10}",
            "[a-zA-Z][ -~]{0,12}[a-z]",
            "[a-z]{1,3}[:,#'\"\\[\\]{}] ?[a-z]{1,3}",
            Just("yes".to_string()),
            Just("1.5".to_string()),
            Just("模型-主".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(crate::common::proptest_config(192))]

        #[test]
        fn rename_changes_only_alias_scalars(g in gen_config(), pick in 0usize..6, new in name_strategy()) {
            let text = g.text();
            let before = load(&text);
            prop_assert!(!before.has_errors(), "{text}\n{:?}", before.diagnostics);
            let model = before.model.as_ref().unwrap();
            let old = format!("router-{}", pick % g.n);
            prop_assume!(!model.is_served(&new) && fgc::rename::name::validate(&new).is_none());
            let r = rename(&before, &old, &new).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;

            // No old reference is left, every one now names `new`.
            let after = load(&r.after);
            prop_assert!(!after.has_errors());
            let am = after.model.as_ref().unwrap();
            prop_assert!(am.refs.iter().all(|x| x.name != old));
            let count = |m: &fgc::model::Model, n: &str| m.refs.iter().filter(|x| x.name == n).count();
            prop_assert_eq!(count(model, &old), count(am, &new));

            // Outside the alias scalars, not a byte changed.
            let spans = |m: &fgc::model::Model, n: &str| m.refs.iter().filter(|x| x.name == n).map(|x| x.text_span).collect::<Vec<_>>();
            prop_assert_eq!(gaps(&text, spans(model, &old)), gaps(&r.after, spans(am, &new)));

            // And back: byte for byte, when `new` fits every scalar's own style (a plain scalar
            // that had to be quoted stays quoted).
            let fits = fgc::rename::yaml_scalar::plain_ok(&new, true);
            let back = rename(&after, &new, &old).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            if fits {
                prop_assert_eq!(&back.after, &text);
            } else {
                let b = load(&back.after);
                prop_assert_eq!(count(b.model.as_ref().unwrap(), &old), count(model, &old));
            }
        }
    }
}

/// The four other clients: files made by `fgc emit --merge` into realistic user files, then
/// renamed; afterwards each is exactly what `fgc emit` gives for the renamed config, and the
/// user's own entries (other providers, other base URLs) are untouched.
#[test]
fn other_clients_follow_a_rename() {
    let e = |n: &str| root().join("tests/fixtures/emit").join(n);
    let dir = scratch(&[
        ("flowgate.yaml", &root().join("examples/clients.yaml")),
        ("opencode.json", &e("opencode.jsonc")),
        ("settings.json", &e("qwen-settings.json")),
        (".aider.conf.yml", &e("aider.conf.yml")),
        (
            ".aider.model.metadata.json",
            &e("aider.model.metadata.json"),
        ),
        ("config.yaml", &e("continue-config.yaml")),
    ]);
    let d = dir.path();
    let files: [(&[&str], &str, &str); 5] = [
        (&["opencode"], "opencode.json", "--opencode"),
        (&["qwen-code"], "settings.json", "--qwen"),
        (&["aider"], ".aider.conf.yml", "--aider"),
        (
            &["aider", "--format", "metadata"],
            ".aider.model.metadata.json",
            "--aider",
        ),
        (&["continue"], "config.yaml", "--continue"),
    ];
    let emit = |target: &[&str], file: &str, extra: &str| {
        let mut a = vec!["emit"];
        a.extend(target);
        a.extend(["-q", "-c", "flowgate.yaml", "--merge", file, extra]);
        run_in(d, &a)
    };
    for (target, file, _) in files {
        let out = emit(target, file, "--write");
        assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    }
    // The user's own entries that name the alias on another server.
    let qwen = read(&d.join("settings.json"))
        .replace("\"id\": \"qwen3-coder-plus\"", "\"id\": \"router-default\"");
    fs::write(d.join("settings.json"), &qwen).unwrap();
    let mut args = vec![
        "rename",
        "router-default",
        "router-main",
        "-c",
        "flowgate.yaml",
    ];
    for (_, file, opt) in files {
        args.extend([opt, file]);
    }
    let out = run_in(d, &args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    with_settings(|| insta::assert_snapshot!("rename_other_clients_dry_run", transcript(&out)));
    args.push("--write");
    let out = run_in(d, &args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    for (target, file, _) in files {
        let out = emit(target, file, "--check");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file} after the rename: {}",
            transcript(&out)
        );
    }
    let qwen = read(&d.join("settings.json"));
    assert!(
        qwen.contains("\"id\": \"router-default\",\n        \"name\": \"Qwen3 Coder Plus"),
        "{qwen}"
    );
    assert!(read(&d.join("opencode.json")).contains("\"ollama\""));
    // A file that cannot be read as its client reads it is refused, and nothing is written.
    fs::write(d.join("broken.json"), "{\"provider\": ").unwrap();
    let out = run_in(
        d,
        &[
            "rename",
            "router-main",
            "router-x",
            "-c",
            "flowgate.yaml",
            "--opencode",
            "broken.json",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(read(&d.join("flowgate.yaml")).contains("router-main"));
}

/// Issue 11, item 8: the gateway token in settings.json and a literal key in the config are
/// redacted from the diff, as `emit --merge` does.
#[test]
fn the_diff_never_shows_a_token() {
    let token = "sk-gw-0123456789abcdef0123456789";
    let key = "sk-live-upstream-9f8e7d6c5b4a39281706";
    let dir = scratch(&[("flowgate.yaml", &fixture("block.yaml"))]);
    let cfg = dir.path().join("flowgate.yaml");
    let text = read(&cfg).replacen(
        "model: openai/router-default\n",
        &format!("model: openai/router-default\n        api_key: {key}\n"),
        1,
    );
    fs::write(&cfg, text).unwrap();
    let settings = format!(
        "{{\n  \"env\": {{\n    \"ANTHROPIC_AUTH_TOKEN\": \"{token}\",\n    \"ANTHROPIC_MODEL\": \"router-default\"\n  }}\n}}\n"
    );
    fs::write(dir.path().join("settings.json"), &settings).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "rename",
            "router-default",
            "router-main",
            "-c",
            "flowgate.yaml",
            "--claude",
            "settings.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let shown = transcript(&out);
    assert!(
        shown.contains("+    \"ANTHROPIC_MODEL\": \"router-main\""),
        "{shown}"
    );
    assert!(
        shown.contains("\"ANTHROPIC_AUTH_TOKEN\": \"<redacted>\""),
        "{shown}"
    );
    assert!(!shown.contains(token) && !shown.contains(key), "{shown}");
}

/// Issue 11, item 8: `--write` replaces the files symlinks point to, keeping links and modes.
#[test]
fn write_goes_through_symlinks() {
    let dir = scratch(&[
        ("real-flowgate.yaml", &fixture("block.yaml")),
        ("real-settings.json", &fixture("clients/settings.json")),
    ]);
    let d = dir.path();
    fs::create_dir(d.join("home")).unwrap();
    std::os::unix::fs::symlink(d.join("real-flowgate.yaml"), d.join("home/flowgate.yaml")).unwrap();
    // A relative link, as dotfile managers make them.
    std::os::unix::fs::symlink("../real-settings.json", d.join("home/settings.json")).unwrap();
    fs::set_permissions(
        d.join("real-settings.json"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let out = run_in(
        &d.join("home"),
        &[
            "rename",
            "router-default",
            "router-main",
            "-c",
            "flowgate.yaml",
            "--claude",
            "settings.json",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    for link in ["home/flowgate.yaml", "home/settings.json"] {
        assert!(
            fs::symlink_metadata(d.join(link))
                .unwrap()
                .file_type()
                .is_symlink(),
            "{link}"
        );
    }
    assert!(read(&d.join("real-flowgate.yaml")).contains("router-main"));
    assert!(read(&d.join("real-settings.json")).contains("\"router-main\""));
    let mode = fs::metadata(d.join("real-settings.json"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with(".fgc-")), "{names:?}");
}

/// Issue 11, item 8: an edit saved between the read and the write is not overwritten.
#[test]
fn write_refuses_when_a_file_changed_after_it_was_read() {
    let dir = scratch(&[
        ("flowgate.yaml", &fixture("block.yaml")),
        ("settings.json", &fixture("clients/settings.json")),
    ]);
    let cfg = dir.path().join("flowgate.yaml");
    let settings = dir.path().join("settings.json");
    let req = fgc::rename::Request {
        config: cfg.clone(),
        old: "router-default".into(),
        new: "router-main".into(),
        codex: Vec::new(),
        claude: vec![settings.clone()],
        clients: Vec::new(),
        dialect: None,
    };
    let plan = fgc::rename::plan(&req).unwrap();
    let edited = read(&settings).replace("{", "{\n  \"theme\": \"dark\",");
    fs::write(&settings, &edited).unwrap();
    let before = read(&cfg);
    let e = plan.write().unwrap_err();
    assert!(matches!(e, fgc::rename::RenameError::Changed { .. }), "{e}");
    assert_eq!(e.kind(), fgc::rename::ErrorKind::Io);
    assert_eq!(read(&settings), edited, "the edit is kept");
    assert_eq!(read(&cfg), before, "all or nothing");
}

/// Diff headers: `a/NAME` for a name relative to the working directory, an absolute path as
/// it is (no `--- a//home/...`).
#[test]
fn diff_headers_of_absolute_paths() {
    let dir = scratch(&[
        ("flowgate.yaml", &fixture("block.yaml")),
        ("settings.json", &fixture("clients/settings.json")),
    ]);
    let settings = dir.path().join("settings.json");
    let out = run_in(
        dir.path(),
        &[
            "rename",
            "router-default",
            "router-main",
            "-c",
            "flowgate.yaml",
            "--claude",
            settings.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--- a/flowgate.yaml\n+++ b/flowgate.yaml\n"),
        "{text}"
    );
    let abs = settings.display();
    assert!(text.contains(&format!("--- {abs}\n+++ {abs}\n")), "{text}");
    assert!(!text.contains("a//"), "{text}");
}
