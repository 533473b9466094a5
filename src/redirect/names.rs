//! The standard names: the aliases `fgc redirect` maps on every upstream.
//!
//! The built-in list names the current models of OpenAI, Anthropic, Google, Mistral, DeepSeek,
//! Zhipu (GLM) and Alibaba (Qwen) by their vendors' own undated ids, newest first within a
//! family. It was taken from the chat models of LiteLLM's model catalog
//! (`model_prices_and_context_window_backup.json` in LiteLLM 1.110.2) and is versioned:
//! [`VERSION`] changes whenever the list does, and `fgc redirect --list-names` prints both.
//! flowgate.yaml replaces it (`redirect.standard_names`) or extends it
//! (`redirect.extra_standard_names`).

/// The version of [`BUILTIN`].
pub const VERSION: &str = "2026.12.1";

/// The built-in standard names, by family.
pub const BUILTIN: &[&str] = &[
    // OpenAI
    "gpt-6.1-sol",
    "gpt-6.1-terra",
    "gpt-6-astra",
    "gpt-6-sol",
    "gpt-6-luna",
    "gpt-5.6",
    "gpt-5.6-sol",
    "gpt-5.6-terra",
    "gpt-5.6-luna",
    "gpt-5.5",
    "gpt-5.5-pro",
    "gpt-5.4",
    "gpt-5.4-pro",
    "gpt-5.4-mini",
    "gpt-5.4-nano",
    "gpt-5.3-codex",
    "gpt-5.2",
    "gpt-5.2-pro",
    "gpt-5.2-codex",
    "gpt-5.1",
    "gpt-5.1-codex",
    "gpt-5.1-codex-mini",
    "gpt-5.1-codex-max",
    "gpt-5",
    "gpt-5-pro",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-5-codex",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-4o",
    "gpt-4o-mini",
    "o3",
    "o3-pro",
    "o3-mini",
    "o4-mini",
    "o1",
    "gpt-oss-120b",
    "gpt-oss-20b",
    // Anthropic
    "claude-mythos-5-1",
    "claude-mythos-5",
    "claude-fable-5-1",
    "claude-fable-5",
    "claude-opus-5-5",
    "claude-opus-5",
    "claude-sonnet-5-5",
    "claude-sonnet-5",
    "claude-haiku-5-5",
    "claude-opus-4-8",
    "claude-opus-4-7",
    "claude-opus-4-6",
    "claude-opus-4-5",
    "claude-opus-4-1",
    "claude-opus-4",
    "claude-sonnet-4-6",
    "claude-sonnet-4-5",
    "claude-sonnet-4",
    "claude-haiku-4-5",
    // Google
    "gemini-4-argon",
    "gemini-4-hydrogen",
    "gemini-3.8-flash",
    "gemini-3.7-flash",
    "gemini-3.6-flash",
    "gemini-3.5-flash",
    "gemini-3.5-flash-lite",
    "gemini-3.1-pro-preview",
    "gemini-3.1-flash-lite",
    "gemini-3-pro-preview",
    "gemini-3-flash-preview",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-2.0-flash",
    "gemma-4-31b-it",
    // Mistral
    "mistral-large-4",
    "mistral-large-3",
    "mistral-large",
    "mistral-medium-3.5",
    "mistral-medium-3",
    "mistral-medium",
    "mistral-small",
    "magistral-medium",
    "magistral-small",
    "devstral",
    "devstral-medium",
    "devstral-small",
    "codestral",
    "ministral-14b",
    "ministral-8b",
    "ministral-3b",
    "pixtral-large",
    // DeepSeek
    "deepseek-v4-pro",
    "deepseek-v4-flash",
    "deepseek-v3.2",
    "deepseek-v3.1",
    "deepseek-v3",
    "deepseek-r1",
    "deepseek-chat",
    "deepseek-reasoner",
    // Zhipu GLM
    "glm-5.3",
    "glm-5.3-flash",
    "glm-5.2",
    "glm-5.1",
    "glm-5",
    "glm-5v-turbo",
    "glm-4.7",
    "glm-4.7-flash",
    "glm-4.6",
    "glm-4.5",
    "glm-4.5-air",
    "glm-4.5v",
    // Qwen
    "qwen3.8-max",
    "qwen3.8-flash",
    "qwen3.7-max",
    "qwen3.7-plus",
    "qwen3.5-plus",
    "qwen3-max",
    "qwen3-coder-plus",
    "qwen3-coder-flash",
    "qwen3-coder",
    "qwen3-235b-a22b",
    "qwen3-30b-a3b",
    "qwen3-next-80b-a3b-instruct",
    "qwen-max",
    "qwen-plus",
    "qwen-flash",
    "qwen-turbo",
    "qwq-plus",
];

/// The standard names of a config: `replace` (or the built-in list) followed by `extra`,
/// in order, each name once.
pub fn effective(replace: Option<&[String]>, extra: &[String]) -> Vec<String> {
    let base: Vec<String> = match replace {
        Some(r) => r.to_vec(),
        None => BUILTIN.iter().map(|s| s.to_string()).collect(),
    };
    let mut seen = std::collections::HashSet::new();
    base.into_iter()
        .chain(extra.iter().cloned())
        .filter(|n| seen.insert(n.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redirect::normalise::normalise;

    #[test]
    fn builtin_names_are_distinct_after_normalising() {
        let mut seen = std::collections::HashMap::new();
        for n in BUILTIN {
            assert!(crate::rename::name::validate(n).is_none(), "{n}");
            let m = normalise(n);
            if let Some(other) = seen.insert((m.key, m.date, m.tag), n) {
                panic!("{n} and {other} normalise alike");
            }
        }
    }

    #[test]
    fn replace_and_extend() {
        let r = vec!["a".to_string(), "b".to_string()];
        let e = vec!["b".to_string(), "c".to_string()];
        assert_eq!(effective(Some(&r), &e), ["a", "b", "c"]);
        assert_eq!(effective(None, &[]).len(), BUILTIN.len());
    }
}
