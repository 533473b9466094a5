//! Effective settings for a profile: the base blocks with the profile's blocks laid over
//! them, key by key (a key set in the profile replaces the base value whole).

use serde_json::{Map, Value};

/// The settings blocks a profile may overlay.
pub const OVERLAY_BLOCKS: [&str; 2] = ["litellm_settings", "router_settings"];

/// The effective `block` (`litellm_settings`, `router_settings`, `general_settings`) of the
/// document `doc` (the whole flowgate.yaml as JSON) for `profile`.
pub fn effective_block(doc: &Value, block: &str, profile: Option<&str>) -> Map<String, Value> {
    let mut out = doc
        .pointer(&format!("/litellm_base/{block}"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(p) = profile
        && let Some(over) = doc
            .get("profiles")
            .and_then(|ps| ps.get(p))
            .and_then(|p| p.get(block))
            .and_then(Value::as_object)
    {
        for (k, v) in over {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_keys_replace_base_keys() {
        let doc = serde_json::json!({
            "litellm_base": {"litellm_settings": {"num_retries": 1, "fallbacks": [{"a": ["b"]}]}},
            "profiles": {"p": {"litellm_settings": {"fallbacks": [{"a": ["c"]}]}}}
        });
        let e = effective_block(&doc, "litellm_settings", Some("p"));
        assert_eq!(e["num_retries"], 1);
        assert_eq!(e["fallbacks"], serde_json::json!([{"a": ["c"]}]));
        let b = effective_block(&doc, "litellm_settings", None);
        assert_eq!(b["fallbacks"], serde_json::json!([{"a": ["b"]}]));
    }
}
