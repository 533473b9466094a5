//! The JSON Schema of flowgate.yaml, generated from the raw model, and structural validation.

use std::sync::OnceLock;

use serde_json::Value;

use crate::model::raw::Config;

/// The schema as a JSON value.
pub fn schema_value() -> Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Config>();
    let mut v = serde_json::to_value(schema).expect("a schema is always JSON");
    // `key:` with no value means the same as leaving the key out; the validator is given the
    // document with such entries pruned (see `prune_nulls`), so optional fields need no
    // `null` alternative, and errors inside them are reported where they are, not as an
    // `anyOf` mismatch of the whole block.
    strip_null(&mut v);
    v
}

fn strip_null(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(any)) = m.get("anyOf") {
                let non_null: Vec<Value> = any
                    .iter()
                    .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
                    .cloned()
                    .collect();
                if non_null.len() == 1 && any.len() == 2 {
                    m.remove("anyOf");
                    if let Value::Object(inner) = &non_null[0] {
                        for (k, val) in inner {
                            m.entry(k.clone()).or_insert_with(|| val.clone());
                        }
                    }
                }
            }
            if let Some(Value::Array(types)) = m.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let t = types[0].clone();
                    m.insert("type".into(), t);
                }
            }
            m.values_mut().for_each(strip_null);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// The schema as committed at `schema/flowgate.schema.json` (pretty, newline at the end).
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&schema_value()).expect("a schema is always JSON");
    s.push('\n');
    s
}

/// The compiled validator, built once per process.
pub fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        jsonschema::validator_for(&schema_value()).expect("the generated schema is valid")
    })
}

/// The document without mapping entries whose value is null (`key:` with nothing after it),
/// which fgc reads as absent.
pub fn prune_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), prune_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(prune_nulls).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod sections_tests {
    /// The sections that make a file a flowgate.yaml ([`Config::SECTIONS`], read by the
    /// dialect detection) are exactly the top-level keys of its schema.
    #[test]
    fn sections_are_the_schema_top_level_keys() {
        let v = super::schema_value();
        let mut keys: Vec<&str> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sections = super::Config::SECTIONS.to_vec();
        keys.sort_unstable();
        sections.sort_unstable();
        assert_eq!(keys, sections);
    }
}
