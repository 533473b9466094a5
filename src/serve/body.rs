//! A request body parsed only at the top level: each field stays the bytes the client sent,
//! so forwarding replaces `model` without building (and re-serialising) the whole tree.
//! Claude Code's bodies run to hundreds of kilobytes; this keeps the cost near a copy.
//!
//! Nesting is bounded ([`MAX_DEPTH`]) when the body is parsed, so the whole tree can always
//! be built later (translation, local token counts) instead of failing (serde_json stops at
//! 128 levels) after the request was accepted.

use std::ops::Range;

use bytes::Bytes;
use indexmap::IndexMap;
use serde_json::Value;
use serde_json::value::RawValue;

/// A JSON object body: its bytes and the range of each top-level value.
#[derive(Debug, Clone)]
pub struct JsonBody {
    bytes: Bytes,
    fields: Vec<(String, Range<usize>)>,
}

impl JsonBody {
    /// Parse `bytes` as a JSON object (the message says what is wrong otherwise).
    pub fn parse(bytes: Bytes) -> Result<JsonBody, String> {
        if let Some(at) = too_deep(&bytes, MAX_DEPTH) {
            return Err(format!(
                "the request body nests arrays and objects deeper than {MAX_DEPTH} levels (at byte {at})"
            ));
        }
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
        let map: IndexMap<String, &RawValue> = match serde_json::from_slice(&bytes) {
            Ok(m) => m,
            Err(e) if first == Some(b'{') || e.is_syntax() || e.is_eof() => {
                return Err(format!("malformed JSON in the request body: {e}"));
            }
            Err(_) => return Err("the request body must be a JSON object".into()),
        };
        let base = bytes.as_ptr() as usize;
        let fields = map
            .into_iter()
            .map(|(k, v)| {
                let start = v.get().as_ptr() as usize - base;
                (k, start..start + v.get().len())
            })
            .collect();
        Ok(JsonBody { bytes, fields })
    }

    /// The raw JSON text of field `key`.
    pub fn raw(&self, key: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, r)| &self.bytes[r.clone()])
    }

    /// Field `key` when it is a string.
    pub fn get_str(&self, key: &str) -> Option<String> {
        self.raw(key)
            .and_then(|r| serde_json::from_slice::<String>(r).ok())
    }

    /// Field `key` when it is a boolean.
    pub fn get_bool(&self, key: &str) -> Option<bool> {
        match self.raw(key)? {
            b"true" => Some(true),
            b"false" => Some(false),
            _ => None,
        }
    }

    /// The body with `model` set to `model` (added when missing), other fields as sent.
    pub fn with_model(&self, model: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len() + model.len() + 16);
        out.push(b'{');
        let mut seen = false;
        for (i, (k, r)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_string(&mut out, k);
            out.push(b':');
            if k == "model" {
                seen = true;
                write_string(&mut out, model);
            } else {
                out.extend_from_slice(&self.bytes[r.clone()]);
            }
        }
        if !seen {
            if !self.fields.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(b"\"model\":");
            write_string(&mut out, model);
        }
        out.push(b'}');
        out
    }

    /// The body with field `key`'s value replaced by `raw` (valid JSON text), the other
    /// fields as sent.
    pub fn with_field(&self, key: &str, raw: &[u8]) -> JsonBody {
        let mut out = Vec::with_capacity(self.bytes.len() + raw.len());
        let mut fields = Vec::with_capacity(self.fields.len());
        out.push(b'{');
        for (i, (k, r)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_string(&mut out, k);
            out.push(b':');
            let start = out.len();
            out.extend_from_slice(if k == key {
                raw
            } else {
                &self.bytes[r.clone()]
            });
            fields.push((k.clone(), start..out.len()));
        }
        out.push(b'}');
        JsonBody {
            bytes: Bytes::from(out),
            fields,
        }
    }

    /// The body as the client sent it.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The whole body as a JSON value (for translation, which rewrites it, and local token
    /// counts). It parsed at the top level and its depth is bounded, so this fails only on
    /// a malformed value inside a field.
    pub fn to_value(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.bytes)
            .map_err(|e| format!("malformed JSON in the request body: {e}"))
    }
}

/// The deepest nesting of arrays and objects accepted in a request body. Real requests (Claude
/// Code's, Codex's, with tool schemas) stay under 20.
pub const MAX_DEPTH: usize = 100;

/// The byte offset where `bytes` first nests deeper than `max`, if it does (strings skipped).
fn too_deep(bytes: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &str) -> JsonBody {
        JsonBody::parse(Bytes::from(s.to_string())).unwrap()
    }

    #[test]
    fn replaces_model_and_keeps_the_rest_byte_for_byte() {
        let b = body(
            r#"{"model": "alias", "stream" : true, "messages":[{"role":"user","content":"h\u00e9"}]}"#,
        );
        assert_eq!(b.get_str("model").as_deref(), Some("alias"));
        assert_eq!(b.get_bool("stream"), Some(true));
        let out = String::from_utf8(b.with_model("up/\"x\"")).unwrap();
        assert_eq!(
            out,
            r#"{"model":"up/\"x\"","stream":true,"messages":[{"role":"user","content":"h\u00e9"}]}"#
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["messages"][0]["content"], "hé");
    }

    #[test]
    fn adds_a_missing_model() {
        assert_eq!(body("{}").with_model("m"), br#"{"model":"m"}"#);
        assert_eq!(
            body(r#"{"a":1}"#).with_model("m"),
            br#"{"a":1,"model":"m"}"#
        );
    }

    #[test]
    fn replaces_one_field() {
        let b = body(r#"{"model":"m", "system" : "<tag>x", "n":1}"#);
        let c = b.with_field("system", br#""x""#);
        assert_eq!(c.bytes(), br#"{"model":"m","system":"x","n":1}"#);
        assert_eq!(c.raw("n"), Some(&b"1"[..]));
        assert_eq!(c.get_str("system").as_deref(), Some("x"));
        assert_eq!(
            c.with_model("u").as_slice(),
            br#"{"model":"u","system":"x","n":1}"#
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_lost() {
        let deep = format!(
            "{{\"model\":\"m\",\"x\":{}1{}}}",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let e = JsonBody::parse(Bytes::from(deep)).unwrap_err();
        assert!(e.contains("deeper than 100 levels"), "{e}");
        let ok = format!(
            "{{\"model\":\"m\",\"x\":{}1{},\"s\":\"[[[[\\\"{{\"}}",
            "[".repeat(98),
            "]".repeat(98)
        );
        let b = JsonBody::parse(Bytes::from(ok)).unwrap();
        assert!(b.to_value().unwrap()["x"].is_array());
    }

    #[test]
    fn errors() {
        let e = JsonBody::parse(Bytes::from_static(b"{\"model\": ")).unwrap_err();
        assert!(e.starts_with("malformed JSON"), "{e}");
        let e = JsonBody::parse(Bytes::from_static(b"[1, 2]")).unwrap_err();
        assert_eq!(e, "the request body must be a JSON object");
        assert!(
            JsonBody::parse(Bytes::from_static(b"nope"))
                .unwrap_err()
                .starts_with("malformed")
        );
    }
}
