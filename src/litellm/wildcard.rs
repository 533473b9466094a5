//! Wildcard deployments: a `model_name` with `*` serves every requested name it matches
//! (`PatternMatchRouter` in `litellm/router_utils/pattern_match_deployments.py`: each `*`
//! becomes `(.*)`, matched with Python's `re.match`, anchored at the start only), and a name
//! also matches through its inferred provider (`openai/*` serves `gpt-4o`).

use super::provider;

/// Whether a `model_name` is a wildcard pattern.
pub fn is_pattern(model_name: &str) -> bool {
    model_name.contains('*')
}

/// Whether `pattern` matches `name` as LiteLLM's pattern router matches it.
pub fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    for part in parts {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether a request for `name` reaches one of the wildcard `patterns` (directly, or as
/// `{provider}/{name}` with the provider LiteLLM infers for `name`).
pub fn served_by<'a>(patterns: impl IntoIterator<Item = &'a str> + Clone, name: &str) -> bool {
    if patterns.clone().into_iter().any(|p| matches(p, name)) {
        return true;
    }
    match provider::infer_from_name(name) {
        Some(p) => {
            let prefixed = format!("{p}/{name}");
            patterns.into_iter().any(|pat| matches(pat, &prefixed))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches("*", "anything"));
        assert!(matches("azure/*", "azure/gpt-4o"));
        assert!(!matches("azure/*", "openai/gpt-4o"));
        assert!(matches("*meta.llama3*", "bedrock/meta.llama3-70b"));
        assert!(!matches("*meta.llama3*", "bedrock/meta.llama2"));
        assert!(matches(
            "openai/fo::*::static::*",
            "openai/fo::hi::static::hi"
        ));
        assert!(served_by(["openai/*"], "gpt-4o"));
        assert!(!served_by(["anthropic/*"], "gpt-4o"));
    }
}
