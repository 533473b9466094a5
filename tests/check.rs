//! `fgc check` on real files: examples, fixtures, formats, exit codes.

use crate::common::{run, transcript, with_settings};

#[test]
fn examples_check_clean() {
    for entry in std::fs::read_dir(crate::common::root().join("examples")).unwrap() {
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
        }
    }
}

#[test]
fn invalid_fixtures() {
    with_settings(|| {
        insta::glob!("fixtures/invalid/*.yaml", |path| {
            let rel = path.strip_prefix(crate::common::root()).unwrap();
            let out = run(&["check", rel.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
            insta::assert_snapshot!(transcript(&out));
        });
    });
}
