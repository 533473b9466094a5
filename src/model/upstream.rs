//! What an upstream speaks, decided from a deployment's `litellm_params.model`.

/// The wire protocol of an upstream, from the `litellm_params.model` prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UpstreamApi {
    /// `openai/` (and OpenAI-compatible prefixes): `/chat/completions`, `/responses`.
    OpenAi,
    /// `anthropic/`: the Anthropic Messages API.
    Anthropic,
}

/// Default roots when a deployment has no `api_base`.
pub const OPENAI_DEFAULT_BASE: &str = "https://api.openai.com/v1";
pub const ANTHROPIC_DEFAULT_BASE: &str = "https://api.anthropic.com";

impl UpstreamApi {
    /// The upstream kind and the model name without its prefix, or `None` for a provider
    /// fgc serve does not speak.
    pub fn split(model: &str) -> Option<(UpstreamApi, &str)> {
        let (prefix, rest) = model.split_once('/')?;
        Some((UpstreamApi::for_provider(prefix)?, rest))
    }

    /// The protocol fgc serve speaks to a deployment of LiteLLM provider `provider`, if it
    /// speaks it.
    pub fn for_provider(provider: &str) -> Option<UpstreamApi> {
        match provider {
            "openai" | "openai_compatible" | "custom_openai" | "hosted_vllm" => {
                Some(UpstreamApi::OpenAi)
            }
            "anthropic" => Some(UpstreamApi::Anthropic),
            _ => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            UpstreamApi::OpenAi => "OpenAI-compatible",
            UpstreamApi::Anthropic => "Anthropic Messages",
        }
    }

    /// The base URL requests go under (no trailing slash; Anthropic's ends in `/v1`), from
    /// `api_base` or the provider's default.
    pub fn base_url(self, api_base: Option<&str>) -> String {
        let base = match (self, api_base) {
            (_, Some(b)) => b.trim_end_matches('/').to_string(),
            (UpstreamApi::Anthropic, None) => ANTHROPIC_DEFAULT_BASE.to_string(),
            (UpstreamApi::OpenAi, None) => OPENAI_DEFAULT_BASE.to_string(),
        };
        match self {
            UpstreamApi::Anthropic if !base.ends_with("/v1") => format!("{base}/v1"),
            _ => base,
        }
    }
}
