//! How LiteLLM picks the provider of a deployment (`get_llm_provider` in
//! `litellm/litellm_core_utils/get_llm_provider_logic.py`): the prefix of
//! `litellm_params.model` when it names a provider, else `custom_llm_provider`, else the
//! `api_base` host when it is a provider's, else the name itself when LiteLLM lists it, matches
//! one of its inference rules, or matches a routing rule of its cost map.

use std::sync::OnceLock;

use regex::Regex;

use super::vocab;

/// What LiteLLM makes of a deployment's `model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution<'a> {
    /// `provider/name` with a provider LiteLLM has (or one the config registers in
    /// `litellm_settings.custom_provider_map`).
    Prefix(&'a str),
    /// `litellm_params.custom_llm_provider` names it.
    Explicit(&'a str),
    /// No prefix; LiteLLM infers this provider from the name or the `api_base`.
    Inferred(&'static str),
    /// `prefix/name` where `prefix` is no provider LiteLLM has, and the whole name is not one
    /// it can infer: every request fails.
    UnknownPrefix(&'a str),
    /// No prefix, and LiteLLM cannot infer one: every request fails.
    Unresolved,
}

/// A deployment as far as provider inference is concerned.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deployment<'a> {
    pub model: &'a str,
    pub api_base: Option<&'a str>,
    pub custom_llm_provider: Option<&'a str>,
}

/// Resolve the provider of `dep`. `custom` are the provider names the config registers itself
/// (`litellm_settings.custom_provider_map[].provider`).
pub fn resolve<'a>(dep: Deployment<'a>, custom: &[&str]) -> Resolution<'a> {
    if let Some(p) = dep.custom_llm_provider.filter(|p| !p.is_empty()) {
        return Resolution::Explicit(p);
    }
    let prefix = dep.model.split_once('/').map(|(p, _)| p);
    if let Some(p) = prefix
        && (vocab::is_provider(p) || custom.contains(&p))
    {
        return Resolution::Prefix(p);
    }
    if let Some(base) = dep.api_base
        && let Some(p) = endpoint_provider(base)
    {
        return Resolution::Inferred(p);
    }
    if let Some(p) = infer_from_name(dep.model) {
        return Resolution::Inferred(p);
    }
    match prefix {
        Some(p) => Resolution::UnknownPrefix(p),
        None => Resolution::Unresolved,
    }
}

/// The provider LiteLLM infers from a model name alone (`inferred_provider`), if any.
pub fn infer_from_name(model: &str) -> Option<&'static str> {
    if let Some(p) = vocab::listed_model_provider(model) {
        return Some(p);
    }
    for (kind, text, p) in vocab::model_rules() {
        let hit = match *kind {
            "prefix" => model.starts_with(text),
            "contains" => model.contains(text),
            "exact" => model == *text,
            _ => false,
        };
        if hit {
            return Some(p);
        }
    }
    routing_rules()
        .iter()
        .find(|(re, _)| re.is_match(model))
        .map(|(_, p)| *p)
}

/// The cost map's routing rules, compiled on first use (Python `re.search`, case-insensitive).
fn routing_rules() -> &'static [(Regex, &'static str)] {
    static RULES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    RULES.get_or_init(|| {
        vocab::routing_rules()
            .iter()
            .filter_map(|(pat, p)| Regex::new(&format!("(?i){pat}")).ok().map(|r| (r, *p)))
            .collect()
    })
}

/// The provider an `api_base` names by its host (`_endpoint_matches_api_base`: same host,
/// and the endpoint's path, if any, a segment prefix of the URL's path).
pub fn endpoint_provider(api_base: &str) -> Option<&'static str> {
    let (host, path) = host_and_path(api_base)?;
    vocab::provider_endpoints()
        .iter()
        .find(|(e, _)| {
            host_and_path(e).is_some_and(|(eh, ep)| {
                eh.eq_ignore_ascii_case(&host)
                    && (ep.is_empty() || path == ep || path.starts_with(&format!("{ep}/")))
            })
        })
        .map(|(_, p)| *p)
}

/// Lower-case host and the path without a trailing `/`, of a URL or a bare `host/path`.
fn host_and_path(url: &str) -> Option<(String, String)> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next()?;
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host.split(':').next()?,
    };
    if host.is_empty() {
        return None;
    }
    Some((
        host.to_ascii_lowercase(),
        path.trim_end_matches('/').to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(model: &str, api_base: Option<&str>) -> Resolution<'static> {
        let model: &'static str = Box::leak(model.to_owned().into_boxed_str());
        let api_base = api_base.map(|b| &*Box::leak(b.to_owned().into_boxed_str()));
        resolve(
            Deployment {
                model,
                api_base,
                custom_llm_provider: None,
            },
            &[],
        )
    }

    /// Each case as LiteLLM 1.108's `get_llm_provider` answers it.
    #[test]
    fn inference_matches_litellm() {
        assert_eq!(r("openai/gpt-5.2", None), Resolution::Prefix("openai"));
        assert_eq!(
            r("gpt-4o", Some("http://127.0.0.1:8317/v1")),
            Resolution::Inferred("openai")
        );
        assert_eq!(
            r("amazon.titan-text-express-v1", None),
            Resolution::Inferred("bedrock")
        );
        assert_eq!(r("*", None), Resolution::Inferred("openai"));
        assert_eq!(
            r("claude-sonnet-4-5", None),
            Resolution::Inferred("anthropic")
        );
        assert_eq!(
            r("claude-newfamily-7", None),
            Resolution::Inferred("anthropic")
        );
        assert_eq!(
            r("us.anthropic.claude-x", None),
            Resolution::Inferred("bedrock")
        );
        assert_eq!(r("ft:gpt-4o:org:x", None), Resolution::Inferred("openai"));
        assert_eq!(r("opnai/gpt-5.2", None), Resolution::UnknownPrefix("opnai"));
        assert_eq!(
            r("siliconflow/qwen", None),
            Resolution::UnknownPrefix("siliconflow")
        );
        assert_eq!(r("claude-sonnet-4.5x", None), Resolution::Unresolved);
        assert_eq!(
            r("router-model", Some("http://127.0.0.1:8317/v1")),
            Resolution::Unresolved
        );
        assert_eq!(
            r("some-model", Some("https://api.groq.com/openai/v1")),
            Resolution::Inferred("groq")
        );
        assert_eq!(
            r("x", Some("https://attacker.example/api.groq.com/openai/v1")),
            Resolution::Unresolved
        );
    }
}
