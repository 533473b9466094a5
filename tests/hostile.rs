//! Hostile input is bounded: no panic, a clear error, quickly, in bounded memory.

use std::fs;
use std::time::{Duration, Instant};

use fgc::rules::CheckOptions;
use fgc::source::SourceFile;
use proptest::prelude::*;

use crate::common::{run, run_in, transcript};

fn check_text(text: &str) -> fgc::load::Loaded {
    fgc::check::check_source(
        SourceFile::new("input.yaml", "input.yaml", text),
        &CheckOptions::default(),
    )
}

fn codes(l: &fgc::load::Loaded) -> Vec<&'static str> {
    l.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let mut y = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, c) in "bcdefghijk".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        y.push_str(&format!(
            "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    // Expanding the aliases would take minutes and gigabytes: the bound only says "did not
    // expand", generous enough for a loaded CI machine.
    let t = Instant::now();
    let l = check_text(&y);
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(codes(&l), ["yaml-syntax"]);
    assert!(
        l.diagnostics[0].message.contains("alias"),
        "{}",
        l.diagnostics[0].message
    );
}

#[test]
fn deep_nesting_is_refused() {
    for y in [
        "[".repeat(100_000),
        "a:\n".to_string() + &"  - ".repeat(2000) + "x",
        "{a: ".repeat(10_000),
    ] {
        let l = check_text(&y);
        assert_eq!(codes(&l), ["yaml-syntax"], "{}", l.diagnostics[0].message);
    }
}

#[test]
fn a_100_mb_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.yaml");
    let f = fs::File::create(&p).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap(); // sparse: cheap to make
    // The size is read from the metadata: the bound only says "did not parse 100 MB", generous
    // enough for a loaded CI machine.
    let t = Instant::now();
    let out = run_in(dir.path(), &["check", "big.yaml"]);
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("file-too-large"));
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("latin1.yaml"),
        b"# caf\xe9\nlitellm_base: {}\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "latin1.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("invalid-utf8") && text.contains("offset 5"),
        "{text}"
    );
}

#[test]
fn bom_is_accepted_and_spans_stay_right() {
    let l = check_text("\u{feff}integration: {default_model: nope}\n");
    assert_eq!(codes(&l), ["undefined-alias"]);
    let span = l.diagnostics[0].span().unwrap();
    assert_eq!(&l.source.text[span.range()], "nope");
}

#[test]
fn multiple_documents_are_refused() {
    let l = check_text("a: 1\n---\nb: 2\n");
    assert_eq!(codes(&l), ["yaml-syntax"]);
}

#[test]
fn the_cli_survives_garbage() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("g.yaml"), [0u8, 159, 146, 150, 10, 255]).unwrap();
    let out = run_in(dir.path(), &["check", "g.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let _ = run(&["check", "--format", "json", "Cargo.toml"]);
}

/// YAML built from the keys fgc knows, nested at random, with random scalars.
fn yamlish() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "litellm_base",
        "model_list",
        "model_name",
        "litellm_params",
        "model",
        "profiles",
        "p",
        "litellm_settings",
        "router_settings",
        "fallbacks",
        "default_fallbacks",
        "integration",
        "default_model",
        "credentials",
        "upstream",
        "file",
        "env",
        "services",
        "port",
        "host",
        "api_key_ref",
        "api_key",
        "general_settings",
        "master_key",
        "model_group_alias",
        "<<",
    ]);
    let scalar = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("os.environ/X".to_string()),
        Just("''".to_string()),
        Just("~".to_string()),
        Just("12".to_string()),
        Just("*x".to_string()),
        Just("&x v".to_string()),
        "[a-z/:.{}\\[\\],&*!|>'\" -]{0,8}",
    ];
    let leaf = scalar.prop_map(|s| s);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|kv| {
                let body: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", body.join(", "))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(crate::common::proptest_config(512))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = check_text(&s);
    }

    #[test]
    fn arbitrary_yaml_never_panics(y in yamlish()) {
        let l = check_text(&y);
        // Every span a diagnostic reports lies inside the file.
        for d in &l.diagnostics {
            for label in &d.labels {
                prop_assert!(label.span.end <= l.source.text.len());
            }
        }
        let _ = fgc::render::human(&l.source, &l.diagnostics, false);
        let _ = fgc::render::json_diagnostics(&l.source, &l.diagnostics);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = check_text(&text);
    }
}

/// A fallback chain thousands of aliases long, with a context-window cycle through all of them,
/// is checked on a thread with the 2 MiB stack of `fgc serve`'s loader threads: nothing
/// recurses along a chain (a recursive strongly-connected-components walk overflowed here).
#[test]
fn a_long_fallback_chain_does_not_overflow_a_small_stack() {
    let n = 10_000;
    let mut y = String::from("model_list:\n");
    for i in 0..n {
        y.push_str(&format!(
            "  - {{model_name: m{i}, litellm_params: {{model: openai/x, api_base: \"http://127.0.0.1:1/v1\"}}}}\n"
        ));
    }
    y.push_str(
        "general_settings: {master_key: sk-fgc-fixture-key}\nrouter_settings:\n  fallbacks:\n",
    );
    for i in 0..n - 1 {
        y.push_str(&format!("    - {{m{i}: [m{}]}}\n", i + 1));
    }
    y.push_str("  context_window_fallbacks:\n");
    for i in 0..n {
        y.push_str(&format!("    - {{m{i}: [m{}]}}\n", (i + 1) % n));
    }
    let l = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || check_text(&y))
        .unwrap()
        .join()
        .expect("the check ran to the end on a 2 MiB stack");
    assert_eq!(
        l.diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "fallback-cycle")
            .count(),
        1,
        "{:?}",
        codes(&l)
    );
    assert!(!l.has_errors(), "{:?}", codes(&l));
}
