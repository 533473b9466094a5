//! ## What it does
//! Reports a key LiteLLM does not know in one of its open blocks: `litellm_params`,
//! `model_info`, `litellm_settings`, `router_settings` (in the base and in each profile) and
//! `general_settings`. The vocabulary is generated from LiteLLM 1.108.7's source
//! (`scripts/litellm-vocab.py`, `data/litellm-vocab.json`): its parameter types, the
//! arguments its router and `completion` take, and the keys its proxy and providers read.
//!
//! In `model_info`, which holds a deployment's metadata (LiteLLM returns it from
//! `/model/info`), only a near miss of a key LiteLLM reads is reported.
//!
//! A key close to one LiteLLM knows is reported with that key. It is an error when the key it
//! is close to matters for where a request goes or whether it succeeds: the upstream URL and
//! key, the provider, fallbacks, retries, routing and timeouts. Anything else is a warning:
//! LiteLLM passes unknown `litellm_params` on to the provider, and many providers take
//! parameters of their own.
//!
//! ## Why it matters
//! LiteLLM accepts any key in these blocks without a word. `api_bse` leaves the deployment on
//! the provider's default URL, `api_kye` sends the request without the key, `num_retires`
//! leaves retries at their default, and nothing at start-up says so.
//!
//! ## Example
//! ```yaml
//! litellm_params:
//!   model: openai/gpt-5.2
//!   api_bse: http://127.0.0.1:8317/v1
//! ```
//!
//! ## How to fix
//! Use the key the help suggests. A provider-specific parameter LiteLLM does not list can stay
//! (the warning names it so that a typo does not go unseen).

use super::Ctx;
use crate::diag::{Code, Diagnostic, Severity};
use crate::litellm::Block;

/// Keys whose misspelling changes where a request goes or whether it succeeds.
fn matters(block: Block, key: &str) -> bool {
    match block {
        Block::LitellmParams => matches!(
            key,
            "model"
                | "api_base"
                | "base_url"
                | "api_key"
                | "api_version"
                | "custom_llm_provider"
                | "max_retries"
                | "num_retries"
                | "timeout"
                | "stream_timeout"
                | "organization"
        ),
        Block::RouterSettings | Block::LitellmSettings => matches!(
            key,
            "fallbacks"
                | "context_window_fallbacks"
                | "content_policy_fallbacks"
                | "default_fallbacks"
                | "max_fallbacks"
                | "num_retries"
                | "retry_policy"
                | "allowed_fails"
                | "allowed_fails_policy"
                | "cooldown_time"
                | "routing_strategy"
                | "routing_strategy_args"
                | "model_group_alias"
                | "timeout"
                | "request_timeout"
                | "stream_timeout"
                | "drop_params"
        ),
        Block::GeneralSettings => matches!(
            key,
            "master_key"
                | "database_url"
                | "dangerously_permit_weak_or_unset_master_key"
                | "coordination_redis"
        ),
        Block::TopLevel => matches!(
            key,
            "model_list"
                | "litellm_settings"
                | "router_settings"
                | "general_settings"
                | "include"
                | "environment_variables"
                | "credential_list"
        ),
        Block::CacheParams | Block::CoordinationRedis => {
            matches!(key, "type" | "host" | "port" | "password" | "url")
        }
        Block::CredentialItem => true,
        Block::ModelListEntry | Block::ModelInfo => false,
    }
}

/// What LiteLLM does with a key it does not know, by block.
fn fate(block: Block) -> &'static str {
    match block {
        Block::LitellmParams => "LiteLLM passes it to the provider as it is",
        Block::ModelInfo => "LiteLLM keeps it as metadata that nothing reads",
        Block::RouterSettings => {
            "LiteLLM ignores it (its log says the key is not a Router argument)"
        }
        Block::LitellmSettings => "LiteLLM sets it on the litellm module, where nothing reads it",
        Block::GeneralSettings => "LiteLLM ignores it",
        Block::CacheParams => "LiteLLM passes it to the cache backend (the Redis client) as it is",
        Block::CoordinationRedis | Block::CredentialItem => "LiteLLM ignores it",
        Block::TopLevel | Block::ModelListEntry => "LiteLLM ignores it",
    }
}

/// The other blocks where LiteLLM reads `key`, if it reads it somewhere else.
fn read_elsewhere(block: Block, key: &str) -> Option<Block> {
    [
        Block::LitellmParams,
        Block::RouterSettings,
        Block::LitellmSettings,
        Block::GeneralSettings,
        Block::TopLevel,
    ]
    .into_iter()
    .find(|b| *b != block && b.knows(key))
}

pub fn check(cx: &mut Ctx) {
    for b in cx.open_blocks() {
        let (block, extra) = (b.block, b.extra);
        for key in extra.keys() {
            let k = key.as_str();
            if block.knows(k) || super::misplaced_setting::home(k).is_some() {
                continue;
            }
            let at = &b.place();
            let d = match (block.closest(k), read_elsewhere(block, k)) {
                (Some(near), _) => {
                    let sev = if matters(block, near) {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    Diagnostic::new(
                        Code::UnknownLitellmKey,
                        format!("unknown key `{k}` in {at}: did you mean `{near}`?"),
                    )
                    .with_severity(sev)
                    .primary(
                        key.span,
                        format!("not a {} key LiteLLM knows", block.name()),
                    )
                    .help(format!("write `{near}`; as written, {}", fate(block)))
                }
                (None, Some(other)) => {
                    let sev = if matters(other, k) {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    Diagnostic::new(
                        Code::UnknownLitellmKey,
                        format!(
                            "`{k}` is not a {} key ({at}); LiteLLM reads it in {}",
                            block.name(),
                            other.name()
                        ),
                    )
                    .with_severity(sev)
                    .primary(key.span, format!("{} here", fate(block)))
                    .help(format!("move `{k}` to {}", other.name()))
                }
                // model_info is the deployment's metadata, shown by /model/info: keys of the
                // user's own are normal there. Only a near miss of LiteLLM's is worth a word.
                (None, None) if block == Block::ModelInfo => continue,
                (None, None) => Diagnostic::new(
                    Code::UnknownLitellmKey,
                    format!("unknown key `{k}` in {at}"),
                )
                .primary(key.span, fate(block))
                .help(match block {
                    Block::LitellmParams => format!(
                        "not a {} key in LiteLLM {}; keep it only if your provider takes it",
                        block.name(),
                        crate::litellm::VERSION
                    ),
                    Block::TopLevel => format!(
                        "LiteLLM {} reads no top-level key of this name; remove it or correct it",
                        crate::litellm::VERSION
                    ),
                    _ => format!(
                        "not a {} key in LiteLLM {}; remove it or correct it",
                        block.name(),
                        crate::litellm::VERSION
                    ),
                }),
            };
            cx.report(d);
        }
    }
}
