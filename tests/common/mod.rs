//! Helpers shared by the integration tests: run the real binary, snapshot settings.
//!
//! Tests are isolated from the working tree, the user's HOME and the environment: the
//! committed inputs (`examples/`, `tests/fixtures/`) are copied once per test process into a
//! scratch folder outside the checkout ([`inputs`]), so a secret file or a
//! `config/flowgate.yaml` a user created by following the docs changes nothing, and every
//! `fgc` run gets an empty environment, its own HOME and XDG folders, and its own empty working
//! directory unless the test chooses one.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository root: for snapshots and generated files. Run `fgc` on [`inputs`], not here.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The folders copied into [`inputs`]: what the tests run `fgc` on.
const INPUTS: &[&str] = &["examples", "tests/fixtures", "Cargo.toml"];

/// This process's scratch folder, in the system temp folder (outside the checkout, so that
/// walking up for a config never reaches the repository). Removed again by the next run once
/// this process has ended.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = std::env::temp_dir();
        remove_stale(&tmp);
        let dir = tempfile::Builder::new()
            .prefix(&format!("fgc-tests-{}-", std::process::id()))
            .tempdir_in(&tmp)
            .expect("a scratch folder")
            .keep();
        let inputs = dir.join("repo");
        for rel in INPUTS {
            copy(&root().join(rel), &inputs.join(rel));
        }
        dir
    })
}

/// A copy of the repository's committed inputs (`examples/`, `tests/fixtures/`), the same
/// relative paths as in the checkout, with nothing the user added around them (no `.router/`,
/// no `config/`).
pub fn inputs() -> PathBuf {
    scratch().join("repo")
}

/// A fresh empty folder in this process's scratch folder.
pub fn fresh(kind: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch().join(format!("{kind}-{}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&dir).expect("a fresh folder");
    dir
}

/// Scratch folders of test processes that have ended.
fn remove_stale(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("fgc-tests-"))
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

/// The `fgc` binary built for these tests: an empty environment (PATH and NO_COLOR only), a
/// fresh HOME (no XDG variable is set, so the XDG folders are the defaults inside it, and a
/// test that sets HOME moves them too), and a fresh empty working directory.
pub fn fgc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fgc"));
    c.current_dir(fresh("cwd"));
    // A clean environment: no secrets or settings of the machine running the tests leak in.
    c.env_clear();
    c.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    let home = fresh("home");
    c.env("HOME", home);
    c.env("NO_COLOR", "1");
    c
}

/// Run `fgc` with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    let mut c = fgc();
    c.current_dir(dir).args(args);
    c.output().expect("fgc runs")
}

/// Run `fgc` with `args` from (a copy of) the repository root: [`inputs`].
pub fn run(args: &[&str]) -> Output {
    run_in(&inputs(), args)
}

/// Exit code, stdout and stderr as one text for a snapshot.
pub fn transcript(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// insta settings: snapshots in the top-level `snapshots/` folder, temp paths filtered.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(&regex_escape(&inputs().display().to_string()), "[ROOT]");
    s.add_filter(&regex_escape(&root().display().to_string()), "[ROOT]");
    s.add_filter(r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]");
    s.add_filter(r"/tmp/[A-Za-z0-9_.-]*fgc[A-Za-z0-9_.-]*", "[TMP]");
    s
}

/// Run `f` with the snapshot settings bound.
pub fn with_settings<R>(f: impl FnOnce() -> R) -> R {
    settings().bind(f)
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

/// The seed every property test starts from in CI. Any value works; a fixed one makes every
/// run draw the same cases, so CI passes or fails on the code, never on the draw.
pub const PROPTEST_SEED: u64 = 0x6667_6331_3921_0001;

/// How many more cases an exploration run draws (see docs/testing.md).
pub const PROPTEST_EXPLORE_FACTOR: u32 = 20;

/// Settings for every property test in the suite.
///
/// By default (CI): `cases` cases from [`PROPTEST_SEED`], after replaying every failure saved
/// in `proptest-regressions/<test file>.txt` (proptest's own convention; the files are
/// committed, so a failure found once is tested on every run). With `FGC_PROPTEST_EXPLORE=1`
/// (`scripts/proptest-explore.sh`): a random seed and [`PROPTEST_EXPLORE_FACTOR`] times as many
/// cases; a failure it finds is saved to the same file. proptest's `PROPTEST_CASES` and
/// `PROPTEST_RNG_SEED` override both.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
    let explore = std::env::var("FGC_PROPTEST_EXPLORE").is_ok_and(|v| !v.is_empty() && v != "0");
    Config {
        cases: if explore {
            cases.saturating_mul(PROPTEST_EXPLORE_FACTOR)
        } else {
            cases
        },
        rng_seed: if explore {
            RngSeed::Random
        } else {
            RngSeed::Fixed(PROPTEST_SEED)
        },
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

/// Run `fgc` with `args` from a current directory that no longer exists (removed by the shell
/// that starts it): anything fgc creates relative to the current directory fails, so paths in
/// `args` must be absolute. Shows that atomic writes make their temporary file beside the target.
pub fn run_from_a_removed_dir(args: &[&std::ffi::OsStr]) -> Output {
    let parent = tempfile::Builder::new()
        .prefix("fgc-gone")
        .tempdir()
        .expect("temp dir");
    let gone = parent.path().join("gone");
    std::fs::create_dir(&gone).expect("create dir");
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"cd "$1" && rmdir "$1" && shift && exec "$@""#)
        .arg("sh")
        .arg(&gone)
        .arg(env!("CARGO_BIN_EXE_fgc"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", fresh("home"))
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs fgc");
    assert!(!gone.exists(), "the shell did not remove the directory");
    out
}
