//! Generated files are committed and must be current. `FGC_BLESS=1 cargo test` rewrites them.

use std::fs;

use crate::common::root;

fn check_generated(rel: &str, want: &str) {
    let path = root().join(rel);
    let have = fs::read_to_string(&path).unwrap_or_default();
    if have == want {
        return;
    }
    if std::env::var_os("FGC_BLESS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, want).unwrap();
        return;
    }
    let diff = similar::TextDiff::from_lines(&have, want)
        .unified_diff()
        .header(rel, "generated")
        .to_string();
    panic!("{rel} is stale; run `FGC_BLESS=1 cargo test` to regenerate it:\n{diff}");
}

#[test]
fn schema_is_current() {
    check_generated("schema/flowgate.schema.json", &fgc::schema::schema_text());
    check_generated(
        "schema/litellm.schema.json",
        &fgc::schema::litellm_schema_text(),
    );
}

/// `text` as `cargo fmt` leaves it, so a generated file stays in the formatter's reach.
fn rustfmt(text: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rustfmt (rustup component add rustfmt)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "rustfmt failed on the generated tables"
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The LiteLLM vocabulary tables compiled into fgc are the committed JSON's
/// (`scripts/litellm-vocab.py` writes the JSON from an installed LiteLLM).
#[test]
fn litellm_vocab_tables_are_current() {
    let json = fs::read_to_string(root().join("data/litellm-vocab.json")).unwrap();
    let rust = fgc::litellm::vocab::generate_rust(&json).unwrap();
    check_generated("src/litellm/vocab_data.rs", &rustfmt(&rust));
}

#[test]
fn rules_reference_is_current() {
    check_generated("docs/rules.md", &fgc::commands::explain::markdown());
}

#[test]
fn fgc_schema_prints_the_committed_schema() {
    let out = crate::common::run(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        fgc::schema::schema_text()
    );
    let out = crate::common::run(&["schema", "--litellm"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        fgc::schema::litellm_schema_text()
    );
}

/// The schema and the typed model agree: every valid file passes the schema too.
#[test]
fn schema_accepts_every_valid_file() {
    let mut files: Vec<_> = fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for dir in ["tests/fixtures/valid", "tests/fixtures/litellm-plain"] {
        files.extend(
            fs::read_dir(root().join(dir))
                .unwrap()
                .map(|e| e.unwrap().path()),
        );
    }
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let text = fs::read_to_string(path).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        let node = fgc::yaml::parse(text, 0).unwrap();
        let doc = fgc::schema::prune_nulls(&node.to_json());
        let doc = if doc.is_null() {
            serde_json::json!({})
        } else {
            doc
        };
        // A plain LiteLLM config is validated by the LiteLLM schema (`fgc schema --litellm`).
        let validator = match fgc::model::checked::Dialect::detect(&node) {
            fgc::model::checked::Dialect::Litellm => fgc::schema::litellm_validator(),
            fgc::model::checked::Dialect::Flowgate => fgc::schema::validator(),
        };
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

/// The rules built on the generated vocabulary name the LiteLLM version it came from (in
/// `fgc explain` and docs/rules.md): regenerating the vocabulary for another version fails
/// here until their documentation says so.
#[test]
fn vocabulary_rules_name_the_litellm_version() {
    for code in [
        "unknown-litellm-key",
        "deprecated-litellm-key",
        "unknown-provider",
        "missing-provider-prefix",
    ] {
        let doc = fgc::diag::Code::from_name(code).unwrap().doc();
        assert!(
            doc.contains(&format!("LiteLLM {}", fgc::litellm::VERSION)),
            "{code}: its doc does not name LiteLLM {}",
            fgc::litellm::VERSION
        );
    }
}
