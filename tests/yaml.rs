//! YAML as LiteLLM reads it: plain scalars as PyYAML's `safe_load` resolves them, and the one
//! "may this string be written unquoted" check that `fgc rename` and `fgc emit` share.

use fgc::yaml::NodeKind;
use proptest::prelude::*;

use crate::common::root;

/// The value of `k` in a one-line document.
fn value_of(doc: &str) -> NodeKind {
    let node = fgc::yaml::parse(doc, 0).expect("parses");
    node.get("k").expect("has k").kind.clone()
}

/// Every scalar of the corpus (`scripts/yaml11-corpus.py`, run with PyYAML) reads as PyYAML
/// reads it.
#[test]
fn scalars_read_as_pyyaml_reads_them() {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/yaml11/pyyaml-scalars.json")).unwrap();
    let corpus: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut wrong = Vec::new();
    for (scalar, want) in corpus["scalars"].as_object().unwrap() {
        let Ok(node) = fgc::yaml::parse(&format!("k: {scalar}"), 0) else {
            wrong.push(format!("{scalar:?}: fgc cannot parse it"));
            continue;
        };
        let have = &node.get("k").unwrap().kind;
        let ok = match (want[0].as_str().unwrap(), have) {
            ("null", NodeKind::Null) => true,
            ("bool", NodeKind::Bool(b)) => want[1].as_bool() == Some(*b),
            ("int", NodeKind::Int(i)) => want[1].as_str() == Some(i.to_string().as_str()),
            // PyYAML has big integers; fgc keeps those as the nearest float.
            ("int", NodeKind::Float(f)) => want[1]
                .as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .is_some_and(|w| (w - f).abs() <= w.abs() * 1e-12),
            ("float", NodeKind::Float(f)) => match want[1].as_str().unwrap() {
                "nan" => f.is_nan(),
                "inf" => *f == f64::INFINITY,
                "-inf" => *f == f64::NEG_INFINITY,
                w => w.parse::<f64>().is_ok_and(|w| w == *f),
            },
            ("timestamp", NodeKind::Timestamp(_)) => true,
            ("str", NodeKind::Str(s)) => want[1].as_str() == Some(s.as_str()),
            _ => false,
        };
        if !ok {
            wrong.push(format!("{scalar:?}: PyYAML {want}, fgc {have:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A string `plain_ok` lets through reads back as that string, in block and in flow
    /// context.
    #[test]
    fn plain_ok_strings_read_back(s in "[-a-zA-Z0-9_.:/+~ #,@&*!|>'\"%`?\\[\\]{}=<]{0,12}") {
        if fgc::yaml::scalar::plain_ok(&s, false) {
            prop_assert_eq!(value_of(&format!("k: {s}")), NodeKind::Str(s.clone()));
        }
        if fgc::yaml::scalar::plain_ok(&s, true) {
            let node = fgc::yaml::parse(&format!("k: [{s}]"), 0).unwrap();
            let NodeKind::Seq(items) = &node.get("k").unwrap().kind else {
                panic!("not a list");
            };
            prop_assert_eq!(items.len(), 1);
            prop_assert_eq!(&items[0].kind, &NodeKind::Str(s.clone()));
        }
    }

    /// What `fgc emit` writes for a string reads back as that string.
    #[test]
    fn emitted_strings_read_back(s in "[-a-zA-Z0-9_.:/+~ #,@&*!|>'\"%`?\\[\\]{}=<\\\\]{0,12}") {
        let doc = format!("k: {}", fgc::emit::yaml::string(&s));
        prop_assert_eq!(value_of(&doc), NodeKind::Str(s.clone()));
    }
}

/// PyYAML's patterns, compiled once.
static PATTERNS: std::sync::LazyLock<[regex::Regex; 3]> = std::sync::LazyLock::new(|| {
    use fgc::yaml::scalar::{FLOAT_11, INT_11, TIMESTAMP_11};
    [FLOAT_11, INT_11, TIMESTAMP_11].map(|p| regex::Regex::new(p).unwrap())
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// The hand-written matchers of PyYAML's int, float and timestamp patterns agree with the
    /// patterns themselves (compiled with the regex crate), on strings made of the characters
    /// those patterns care about.
    #[test]
    fn scalar_matchers_agree_with_pyyaml_patterns(
        s in "[-+0-9_.:eExXbBoOTtZ a-fINnaf\t]{0,14}"
    ) {
        use fgc::yaml::scalar::*;
        let [float, int, timestamp] = &*PATTERNS;
        prop_assert_eq!(is_float_11(&s), float.is_match(&s), "float {:?}", s);
        prop_assert_eq!(is_int_11(&s), int.is_match(&s), "int {:?}", s);
        prop_assert_eq!(is_timestamp_11(&s), timestamp.is_match(&s), "timestamp {:?}", s);
    }

    /// Dates and times, which random strings rarely hit.
    #[test]
    fn timestamp_matcher_agrees_on_date_shapes(
        y in "[0-9]{3,5}", m in "[0-9]{1,3}", d in "[0-9]{1,3}",
        sep in "(T|t| |\t| {2}|x)?", h in "[0-9]{0,3}", rest in "(:[0-9]{1,3}){0,2}(\\.[0-9]{0,3})?( ?(Z|[-+][0-9]{1,3}(:[0-9]{1,3})?))?"
    ) {
        let s = format!("{y}-{m}-{d}{sep}{h}{rest}");
        prop_assert_eq!(
            fgc::yaml::scalar::is_timestamp_11(&s),
            PATTERNS[2].is_match(&s),
            "timestamp {:?}",
            s
        );
    }
}
