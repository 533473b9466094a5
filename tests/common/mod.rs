//! Helpers shared by the integration tests: run the real binary, snapshot settings.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `fgc` binary built for these tests.
pub fn fgc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fgc"));
    c.current_dir(root());
    // A clean environment: no secrets or settings of the machine running the tests leak in.
    c.env_clear();
    c.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c.env("HOME", root().join("target/test-home"));
    c.env("NO_COLOR", "1");
    c
}

/// Run `fgc` with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    let mut c = fgc();
    c.current_dir(dir).args(args);
    c.output().expect("fgc runs")
}

/// Run `fgc` with `args` from the repository root.
pub fn run(args: &[&str]) -> Output {
    run_in(&root(), args)
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
        .env("HOME", root().join("target/test-home"))
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs fgc");
    assert!(!gone.exists(), "the shell did not remove the directory");
    out
}
