//! LiteLLM's config vocabulary: the keys each block accepts, deprecated keys, providers.

use super::vocab_data as data;
use crate::diag::did_you_mean;

/// The LiteLLM version the vocabulary was generated from.
pub const VERSION: &str = data::VERSION;

/// Where a key sits in LiteLLM's config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Block {
    TopLevel,
    /// A `model_list` entry (beside `litellm_params`).
    ModelListEntry,
    LitellmParams,
    ModelInfo,
    RouterSettings,
    LitellmSettings,
    GeneralSettings,
    /// `litellm_settings.cache_params` (`litellm.Cache` and the Redis client's arguments).
    CacheParams,
    /// `general_settings.coordination_redis`.
    CoordinationRedis,
    /// A `credential_list` entry.
    CredentialItem,
}

impl Block {
    pub const ALL: [Block; 10] = [
        Block::TopLevel,
        Block::ModelListEntry,
        Block::LitellmParams,
        Block::ModelInfo,
        Block::RouterSettings,
        Block::LitellmSettings,
        Block::GeneralSettings,
        Block::CacheParams,
        Block::CoordinationRedis,
        Block::CredentialItem,
    ];

    /// The block's name as LiteLLM's docs write it.
    pub fn name(self) -> &'static str {
        match self {
            Block::TopLevel => "the top level",
            Block::ModelListEntry => "a model_list entry",
            Block::LitellmParams => "litellm_params",
            Block::ModelInfo => "model_info",
            Block::RouterSettings => "router_settings",
            Block::LitellmSettings => "litellm_settings",
            Block::GeneralSettings => "general_settings",
            Block::CacheParams => "cache_params",
            Block::CoordinationRedis => "coordination_redis",
            Block::CredentialItem => "a credential_list entry",
        }
    }

    /// The key of the block in `data/litellm-vocab.json` and in the deprecation table.
    fn data_key(self) -> &'static str {
        match self {
            Block::TopLevel => "top_level",
            Block::ModelListEntry => "model_list_entry",
            Block::LitellmParams => "litellm_params",
            Block::ModelInfo => "model_info",
            Block::RouterSettings => "router_settings",
            Block::LitellmSettings => "litellm_settings",
            Block::GeneralSettings => "general_settings",
            Block::CacheParams => "cache_params",
            Block::CoordinationRedis => "coordination_redis",
            Block::CredentialItem => "credential_item",
        }
    }

    /// Every key LiteLLM reads in this block, sorted.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Block::TopLevel => data::TOP_LEVEL,
            Block::ModelListEntry => data::MODEL_LIST_ENTRY,
            Block::LitellmParams => data::LITELLM_PARAMS,
            Block::ModelInfo => data::MODEL_INFO,
            Block::RouterSettings => data::ROUTER_SETTINGS,
            Block::LitellmSettings => data::LITELLM_SETTINGS,
            Block::GeneralSettings => data::GENERAL_SETTINGS,
            Block::CacheParams => data::CACHE_PARAMS,
            Block::CoordinationRedis => data::COORDINATION_REDIS,
            Block::CredentialItem => data::CREDENTIAL_ITEM,
        }
    }

    pub fn knows(self, key: &str) -> bool {
        self.keys().binary_search(&key).is_ok()
    }

    /// The known key closest to `key`, if close enough to be a typo of it.
    pub fn closest(self, key: &str) -> Option<&'static str> {
        did_you_mean(key, self.keys().iter().copied())
    }

    /// For a deprecated key: `Some(replacement)` (the replacement may be unknown).
    pub fn deprecated(self, key: &str) -> Option<Option<&'static str>> {
        let block = self.data_key();
        data::DEPRECATED
            .iter()
            .find(|(b, k, _)| *b == block && *k == key)
            .map(|(_, _, r)| *r)
    }
}

/// Settings LiteLLM's router reads per deployment (from `litellm_params` or `model_info`),
/// such as `cooldown_time`.
pub fn is_per_deployment(key: &str) -> bool {
    data::PER_DEPLOYMENT.binary_search(&key).is_ok()
}

/// Every provider prefix LiteLLM accepts (`openai`, `anthropic`, ...), sorted.
pub fn providers() -> &'static [&'static str] {
    data::PROVIDERS
}

pub fn is_provider(p: &str) -> bool {
    data::PROVIDERS.binary_search(&p).is_ok()
}

/// The provider LiteLLM infers for a bare model name it lists (`gpt-4o` -> `openai`).
pub fn listed_model_provider(model: &str) -> Option<&'static str> {
    data::MODEL_PROVIDERS
        .binary_search_by(|(m, _)| (*m).cmp(model))
        .ok()
        .map(|i| data::MODEL_PROVIDERS[i].1)
}

/// Inference rules of `get_llm_provider` that are not lists: (kind, text, provider), kind one
/// of `prefix`, `contains`, `exact`.
pub fn model_rules() -> &'static [(&'static str, &'static str, &'static str)] {
    data::MODEL_RULES
}

/// The cost map's routing rules: (regex, provider), first match wins.
pub fn routing_rules() -> &'static [(&'static str, &'static str)] {
    data::ROUTING_RULES
}

/// `api_base` endpoints that name a provider on their own.
pub fn provider_endpoints() -> &'static [(&'static str, &'static str)] {
    data::PROVIDER_ENDPOINTS
}

/// The routing strategies LiteLLM's router accepts.
pub fn routing_strategies() -> &'static [&'static str] {
    data::ROUTING_STRATEGIES
}

/// The cache types `litellm_settings.cache_params.type` takes (`LiteLLMCacheType`).
pub fn cache_types() -> &'static [&'static str] {
    data::CACHE_TYPES
}

/// `environment_variables` keys LiteLLM refuses to set (it logs a warning and skips them).
pub fn is_blocked_environment_variable(key: &str) -> bool {
    data::BLOCKED_ENVIRONMENT_VARIABLES
        .binary_search(&key)
        .is_ok()
}

/// The environment variable LiteLLM reads the master key from.
pub const MASTER_KEY_ENV: &str = data::MASTER_KEY_ENV;
/// `general_settings` key that lets LiteLLM start with a weak or unset master key.
pub const MASTER_KEY_OVERRIDE_SETTING: &str = data::MASTER_KEY_OVERRIDE_SETTING;
/// Environment variable that does the same.
pub const MASTER_KEY_OVERRIDE_ENV: &str = data::MASTER_KEY_OVERRIDE_ENV;
/// LiteLLM's default `max_fallbacks` (`ROUTER_MAX_FALLBACKS`).
pub const ROUTER_MAX_FALLBACKS: u32 = data::ROUTER_MAX_FALLBACKS;

/// Whether LiteLLM refuses `key` as publicly known (it compares SHA-256 digests).
pub fn is_publicly_known_master_key(key: &str) -> bool {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.trim().as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    data::PUBLICLY_KNOWN_MASTER_KEY_SHA256.contains(&hex.as_str())
}

/// The Rust tables (`vocab_data.rs`) for the JSON written by `scripts/litellm-vocab.py`.
/// `FGC_BLESS=1 cargo test` rewrites the committed file; a test checks that it is current.
pub fn generate_rust(json: &str) -> Result<String, String> {
    use serde_json::Value;
    use std::fmt::Write;
    let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let s = |k: &str| -> Result<String, String> {
        v[k].as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("`{k}` is not a string"))
    };
    let list = |k: &str| -> Result<Vec<String>, String> {
        let mut out: Vec<String> = v[k]
            .as_array()
            .ok_or_else(|| format!("`{k}` is not a list"))?
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or(format!("`{k}` holds a non-string"))
            })
            .collect::<Result<_, _>>()?;
        out.sort();
        out.dedup();
        Ok(out)
    };
    let lit = |s: &str| format!("{s:?}");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Generated from data/litellm-vocab.json by fgc::litellm::vocab::generate_rust (the\n\
         // test formats it with rustfmt, so `cargo fmt` keeps it as it is).\n\
         // Regenerate: FGC_BLESS=1 cargo test --test main generated\n"
    );
    let _ = writeln!(
        out,
        "pub(super) const VERSION: &str = {};",
        lit(&s("litellm_version")?)
    );
    for (name, key) in [
        ("TOP_LEVEL", "top_level"),
        ("MODEL_LIST_ENTRY", "model_list_entry"),
        ("LITELLM_PARAMS", "litellm_params"),
        ("MODEL_INFO", "model_info"),
        ("ROUTER_SETTINGS", "router_settings"),
        ("LITELLM_SETTINGS", "litellm_settings"),
        ("GENERAL_SETTINGS", "general_settings"),
        ("CACHE_PARAMS", "cache_params"),
        ("COORDINATION_REDIS", "coordination_redis"),
        ("CREDENTIAL_ITEM", "credential_item"),
        ("PER_DEPLOYMENT", "per_deployment"),
        ("PROVIDERS", "providers"),
        ("ROUTING_STRATEGIES", "routing_strategies"),
        ("CACHE_TYPES", "cache_types"),
        (
            "BLOCKED_ENVIRONMENT_VARIABLES",
            "blocked_environment_variables",
        ),
        (
            "PUBLICLY_KNOWN_MASTER_KEY_SHA256",
            "publicly_known_master_key_sha256",
        ),
    ] {
        let items = list(key)?;
        let _ = writeln!(out, "pub(super) static {name}: &[&str] = &[");
        for i in items {
            let _ = writeln!(out, "    {},", lit(&i));
        }
        let _ = writeln!(out, "];");
    }
    let _ = writeln!(
        out,
        "/// (block, key, replacement)\npub(super) static DEPRECATED: &[(&str, &str, Option<&str>)] = &["
    );
    for (path, repl) in v["deprecated"]
        .as_object()
        .ok_or("`deprecated` is not a map")?
    {
        let (block, key) = path
            .split_once('.')
            .ok_or_else(|| format!("deprecated key `{path}` has no block"))?;
        let repl = match repl.as_str() {
            Some(r) => format!("Some({})", lit(r)),
            None => "None".into(),
        };
        let _ = writeln!(out, "    ({}, {}, {repl}),", lit(block), lit(key));
    }
    let _ = writeln!(out, "];");
    let pairs = |k: &str| -> Result<Vec<(String, String)>, String> {
        let mut p: Vec<(String, String)> = v[k]
            .as_object()
            .ok_or_else(|| format!("`{k}` is not a map"))?
            .iter()
            .map(|(a, b)| (a.clone(), b.as_str().unwrap_or_default().to_owned()))
            .collect();
        p.sort();
        Ok(p)
    };
    for (name, key) in [
        ("MODEL_PROVIDERS", "model_providers"),
        ("PROVIDER_ENDPOINTS", "provider_endpoints"),
    ] {
        let _ = writeln!(out, "pub(super) static {name}: &[(&str, &str)] = &[");
        for (a, b) in pairs(key)? {
            let _ = writeln!(out, "    ({}, {}),", lit(&a), lit(&b));
        }
        let _ = writeln!(out, "];");
    }
    let _ = writeln!(
        out,
        "pub(super) static MODEL_RULES: &[(&str, &str, &str)] = &["
    );
    for r in v["model_rules"]
        .as_array()
        .ok_or("`model_rules` is not a list")?
    {
        let f = |i: usize| r[i].as_str().unwrap_or_default().to_owned();
        let _ = writeln!(out, "    ({}, {}, {}),", lit(&f(0)), lit(&f(1)), lit(&f(2)));
    }
    let _ = writeln!(out, "];");
    let _ = writeln!(out, "pub(super) static ROUTING_RULES: &[(&str, &str)] = &[");
    for r in v["routing_rules"]
        .as_array()
        .ok_or("`routing_rules` is not a list")?
    {
        let f = |i: usize| r[i].as_str().unwrap_or_default().to_owned();
        let _ = writeln!(out, "    ({}, {}),", lit(&f(0)), lit(&f(1)));
    }
    let _ = writeln!(out, "];");
    for (name, key) in [
        ("MASTER_KEY_ENV", "master_key_env"),
        ("MASTER_KEY_OVERRIDE_SETTING", "master_key_override_setting"),
        ("MASTER_KEY_OVERRIDE_ENV", "master_key_override_env"),
    ] {
        let _ = writeln!(out, "pub(super) const {name}: &str = {};", lit(&s(key)?));
    }
    let _ = writeln!(
        out,
        "pub(super) const ROUTER_MAX_FALLBACKS: u32 = {};",
        v["router_max_fallbacks"]
            .as_u64()
            .ok_or("`router_max_fallbacks` is not a number")?
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for b in Block::ALL {
            assert!(b.keys().windows(2).all(|w| w[0] < w[1]), "{b:?}");
        }
        assert!(providers().windows(2).all(|w| w[0] < w[1]));
        assert!(data::MODEL_PROVIDERS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn lookups() {
        assert!(Block::LitellmParams.knows("api_base"));
        assert!(Block::LitellmParams.knows("cooldown_time"));
        assert_eq!(Block::LitellmParams.closest("api_bse"), Some("api_base"));
        assert!(Block::ModelListEntry.knows("tpm"));
        assert_eq!(
            Block::RouterSettings.closest("num_retires"),
            Some("num_retries")
        );
        assert_eq!(
            Block::ModelInfo.closest("max_input_tokns"),
            Some("max_input_tokens")
        );
        assert!(is_provider("openai"));
        assert!(!is_provider("opnai"));
        assert_eq!(listed_model_provider("gpt-4o"), Some("openai"));
        assert!(is_publicly_known_master_key("sk-1234"));
        assert!(!is_publicly_known_master_key("sk-12345"));
    }
}
