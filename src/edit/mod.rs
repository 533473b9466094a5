//! Merges into a user's client file that keep everything fgc does not own: the keys fgc sets
//! are described once as a [`Want`] tree, and [`json`] or [`yaml`] turns it into span patches
//! on the file's own text (the patcher of [`crate::rename::patch`]), so every byte outside the
//! changed values stays as written.
//!
//! A merge reads the file first and refuses what it cannot edit in place (a syntax error, a
//! value of another type than an object where fgc needs one, a YAML anchor at a key fgc
//! sets); the caller checks that the result reads back as the same tree.

pub mod json;
pub mod yaml;

use serde_json::Value;

/// What fgc wants at one place of a client file.
#[derive(Clone, Debug, PartialEq)]
pub enum Want {
    /// This value, replacing what is there when it differs (compared as data, so `1e3` and
    /// `1000` are equal and the text stays).
    Value(Value),
    /// This value where the place is empty; whatever the file already has there is kept
    /// (`$schema`, Continue's `name`).
    Default(Value),
    /// An object (mapping) holding at least these members, each merged in turn; other members
    /// are kept, unless `exclusive` (then they are removed).
    Object {
        members: Vec<(String, Want)>,
        exclusive: bool,
    },
    /// An array (sequence) of objects identified by the string field `key`: an item whose key
    /// is among `items` is merged with it, missing items are appended, items the caller owns
    /// (`owned`: `(field, value)`, for example the gateway's base URL) but no longer wants are
    /// removed, and every other item is kept.
    Keyed {
        key: &'static str,
        items: Vec<(String, Want)>,
        owned: Option<(&'static str, String)>,
    },
}

impl Want {
    /// An object merged key by key, keeping the file's other keys.
    pub fn object(members: Vec<(&str, Want)>) -> Want {
        Want::Object {
            members: members
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            exclusive: false,
        }
    }

    pub fn str(s: &str) -> Want {
        Want::Value(Value::String(s.to_string()))
    }

    /// The whole value this describes, as written into a new file (or where nothing is).
    pub fn to_value(&self) -> Value {
        match self {
            Want::Value(v) | Want::Default(v) => v.clone(),
            Want::Object { members, .. } => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
            Want::Keyed { items, .. } => {
                Value::Array(items.iter().map(|(_, v)| v.to_value()).collect())
            }
        }
    }
}

/// Why a file cannot be merged into.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The file does not parse; `offset` is the byte where the parser stopped.
    #[error("it is not valid {format} (at byte {offset}): {message}")]
    Syntax {
        format: &'static str,
        message: String,
        offset: usize,
    },
    /// A place fgc must write into holds something it cannot merge with.
    #[error("`{path}` is {found}, not {wanted}")]
    Shape {
        path: String,
        found: &'static str,
        wanted: &'static str,
    },
    /// YAML fgc would have to edit through an anchor, an alias or a merge key.
    #[error("`{path}` is written through a YAML anchor or alias; fgc edits only plain values")]
    Alias { path: String },
    /// Block-style YAML fgc cannot edit in place (a flow collection where it needs block
    /// style, a multi-line plain scalar).
    #[error("`{path}`: {why}")]
    Layout { path: String, why: String },
    /// The edited text does not read back as intended (a bug in fgc; nothing is written).
    #[error("the merged file does not read back as intended ({0}); nothing was written")]
    ReadBack(String),
}

/// `a.b.c` for messages.
fn show_path(path: &[String]) -> String {
    if path.is_empty() {
        "(top level)".into()
    } else {
        path.join(".")
    }
}

/// The value at `path` of `v` (object keys; for a keyed array, the item with that key).
#[cfg(test)]
fn lookup<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    Some(cur)
}

/// Whether `have` (the file after the merge, as data) holds everything `want` says.
pub fn satisfied(have: &Value, want: &Want) -> bool {
    match want {
        Want::Value(v) => have == v,
        Want::Default(_) => true,
        Want::Object { members, exclusive } => {
            let Some(obj) = have.as_object() else {
                return false;
            };
            members
                .iter()
                .all(|(k, w)| obj.get(k).is_some_and(|h| satisfied(h, w)))
                && (!exclusive || obj.keys().all(|k| members.iter().any(|(m, _)| m == k)))
        }
        Want::Keyed { key, items, owned } => {
            let Some(arr) = have.as_array() else {
                return false;
            };
            let named = |name: &str| {
                arr.iter()
                    .filter(|i| i.get(*key).and_then(Value::as_str) == Some(name))
                    .collect::<Vec<_>>()
            };
            let all_there = items.iter().all(|(name, w)| {
                let found = named(name);
                found.len() == 1 && satisfied(found[0], w)
            });
            let no_stale = owned.as_ref().is_none_or(|(field, value)| {
                arr.iter().all(|i| {
                    i.get(*field).and_then(Value::as_str) != Some(value.as_str())
                        || i.get(*key)
                            .and_then(Value::as_str)
                            .is_some_and(|n| items.iter().any(|(m, _)| m == n))
                })
            });
            all_there && no_stale
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn satisfied_follows_the_want() {
        let want = Want::object(vec![
            ("a", Want::str("x")),
            (
                "list",
                Want::Keyed {
                    key: "id",
                    items: vec![("m".into(), Want::object(vec![("v", Want::str("1"))]))],
                    owned: Some(("base", "B".into())),
                },
            ),
        ]);
        let ok = json!({"a": "x", "other": 1, "list": [{"id": "m", "v": "1", "base": "B"}, {"id": "n", "base": "C"}]});
        assert!(satisfied(&ok, &want));
        let stale = json!({"a": "x", "list": [{"id": "m", "v": "1"}, {"id": "old", "base": "B"}]});
        assert!(!satisfied(&stale, &want));
        assert_eq!(lookup(&ok, &["list"]).map(|v| v.is_array()), Some(true));
    }
}
