//! A small block-style YAML writer for JSON values, made for configs a person reads.
//!
//! Deterministic (map order as given), two-space indentation, sequences of mappings as
//! `- key: value`, and scalars quoted exactly when a YAML 1.1 or 1.2 loader (PyYAML, which
//! LiteLLM uses) could read them as something other than the string: `yes`, `on`, `1e3`,
//! `0x1F`, `12:30`, leading indicators and so on. Quoted strings use JSON escapes, which are
//! valid YAML double-quoted scalars.

use serde_json::{Map, Value};

/// Write `value` (normally a mapping) as a YAML document body.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(m, 0, false, &mut out),
        Value::Array(a) if !a.is_empty() => write_seq(a, 0, &mut out),
        v => {
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
    out
}

fn indent(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// `first_inline`: the first key goes on the current line (after `- `).
fn write_map(m: &Map<String, Value>, ind: usize, first_inline: bool, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !first_inline {
            indent(ind, out);
        }
        out.push_str(&string(k));
        out.push(':');
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                write_map(m, ind + 2, false, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                write_seq(a, ind + 2, out);
            }
            v => {
                out.push(' ');
                out.push_str(&scalar(v));
                out.push('\n');
            }
        }
    }
}

fn write_seq(a: &[Value], ind: usize, out: &mut String) {
    for v in a {
        indent(ind, out);
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                write_map(m, ind + 2, true, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                write_seq(a, ind + 2, out);
            }
            v => {
                out.push(' ');
                out.push_str(&scalar(v));
                out.push('\n');
            }
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as a plain scalar when that reads back as the same string, else double-quoted.
pub fn string(s: &str) -> String {
    if crate::yaml::scalar::plain_ok(s, false) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_a_loader_would_misread() {
        for s in [
            "",
            "yes",
            "No",
            "on",
            "null",
            "~",
            "1",
            "1.5",
            "1e3",
            "0x1F",
            "12:30",
            "2026-01-01",
            "-1",
            "- x",
            "-",
            "a: b",
            "a #b",
            "#x",
            "*x",
            "&x",
            "!x",
            "|",
            ">",
            "'",
            "\"",
            "%x",
            "@x",
            "`x",
            " x",
            "x ",
            "x:",
            "{a}",
            "[a]",
            "a\nb",
            "?",
            ",",
            ".5",
        ] {
            assert!(string(s).starts_with('"'), "{s:?} must be quoted");
        }
        for s in [
            "router-default",
            "openai/gpt-5.2",
            "http://127.0.0.1:4000/v1",
            "os.environ/KEY",
            "-x",
            "gpt-5.2",
            "a b",
            "sk-abc",
            "simple-shuffle",
        ] {
            assert_eq!(string(s), s, "{s:?} can stay plain");
        }
    }

    #[test]
    fn block_layout() {
        let v = serde_json::json!({
            "model_list": [{"model_name": "a", "litellm_params": {"model": "openai/x", "rpm": 5}}],
            "litellm_settings": {"fallbacks": [{"a": ["b", "c"]}], "empty": {}, "none": []},
        });
        assert_eq!(
            to_string(&v),
            "model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/x\n      rpm: 5\n\
             litellm_settings:\n  fallbacks:\n    - a:\n        - b\n        - c\n  empty: {}\n  none: []\n"
        );
    }
}
