//! The served configuration: a snapshot built from a checked `flowgate.yaml` for one profile.
//! A reload builds a new snapshot and swaps it in whole; requests in flight keep theirs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;

use super::health::CooldownParams;
use super::retry::ErrorClass;
use crate::load::Loaded;
use crate::model::checked::FallbackKind;
use crate::model::raw::{AllowedFailsPolicy, RetryPolicy};
use crate::model::upstream::UpstreamApi;
use crate::model::view::{GatewayKey, KeySource, RoutingStrategy, lookup_fallbacks};
use crate::secrets::{self, SecretSource, SecretState};
/// One deployment, ready to call.
#[derive(Debug)]
pub struct Deployment {
    /// Stable id for health and logs: `alias#n` (n counts the alias's deployments from 0).
    pub id: String,
    pub alias: String,
    pub api: UpstreamApi,
    /// `litellm_params.model` without the provider prefix.
    pub upstream_model: String,
    /// Base URL, no trailing slash; for Anthropic it ends in `/v1`.
    pub base: String,
    pub api_key: Option<String>,
    /// Whole-request timeout for non-streaming requests.
    pub timeout: Duration,
    /// For streaming requests: time to the response head, and the longest silence between
    /// chunks.
    pub stream_timeout: Duration,
    /// `litellm_params.responses_api` (fgc only): an OpenAI-compatible upstream that also
    /// serves `/v1/responses`, so Responses requests pass through untranslated.
    pub responses_api: bool,
    /// `litellm_params.num_retries`: retries after a failure of this deployment.
    pub num_retries: Option<u32>,
    /// The deployment's own `cooldown_time` (0: never cools down).
    pub cooldown_time: Option<f64>,
}

/// Balancing among an alias's deployments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// A random healthy deployment (LiteLLM's default).
    SimpleShuffle,
    /// The healthy deployment with the fewest requests in flight.
    LeastBusy,
}

/// A fallback list as LiteLLM's Router holds it: `(key, targets)` in order (see
/// [`crate::model::view::Fallbacks::router_list`]).
pub type FallbackList = Vec<(String, Vec<String>)>;

/// Everything a request needs, immutable once built from the profile's view.
#[derive(Debug)]
pub struct Snapshot {
    pub profile: Option<String>,
    /// Alias -> its deployments, in file order.
    pub aliases: IndexMap<String, Vec<Arc<Deployment>>>,
    /// `model_group_alias` name -> alias.
    pub group_aliases: HashMap<String, String>,
    /// Hidden group names are served but not listed.
    pub hidden: Vec<String>,
    /// `fallbacks`, with `default_fallbacks` as a `*` entry.
    pub fallbacks: Option<FallbackList>,
    /// `None` when not configured: context-window errors then use `fallbacks`.
    pub context_window_fallbacks: Option<FallbackList>,
    pub content_policy_fallbacks: Option<FallbackList>,
    pub num_retries: u32,
    /// `retry_after`: the shortest wait before a retry, in seconds.
    pub retry_after: f64,
    pub retry_policy: Option<RetryPolicy>,
    /// Fallback hops along a chain.
    pub max_fallbacks: u32,
    /// `allowed_fails` when set to something else than LiteLLM's default.
    pub allowed_fails: Option<u32>,
    pub allowed_fails_policy: Option<Arc<AllowedFailsPolicy>>,
    pub cooldown: Duration,
    pub cooldowns_disabled: bool,
    pub strategy: Strategy,
    pub master_key: Option<String>,
    /// Scenario routing, when the profile has a `routing` section.
    pub routing: Option<Arc<crate::routing::Table>>,
    /// `usage.retention_days` (`None`: kept until deleted).
    pub usage_retention_days: Option<u32>,
    /// `usage.metrics_without_key`.
    pub metrics_without_key: bool,
}

impl Snapshot {
    /// The alias a requested name serves, following `model_group_alias`.
    pub fn resolve<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        if self.aliases.contains_key(name) {
            return Some(name);
        }
        self.group_aliases.get(name).map(String::as_str)
    }

    /// The names `GET /v1/models` lists: aliases, then visible group names.
    pub fn listed_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.aliases.keys().map(String::as_str).collect();
        let mut groups: Vec<&str> = self
            .group_aliases
            .keys()
            .map(String::as_str)
            .filter(|n| !self.aliases.contains_key(*n) && !self.hidden.iter().any(|h| h == n))
            .collect();
        groups.sort_unstable();
        v.extend(groups);
        v
    }

    /// Up to three defined names closest to `name`, for a 404.
    pub fn closest(&self, name: &str) -> Vec<String> {
        // A name longer than any echoed is no typo of a defined one, and comparing a
        // megabyte-long name with every alias would cost the gateway, not the client.
        if name.len() > crate::names::SHOWN_MAX {
            return Vec::new();
        }
        let mut scored: Vec<(f64, &str)> = self
            .aliases
            .keys()
            .chain(self.group_aliases.keys())
            .map(|n| (strsim::jaro_winkler(name, n), n.as_str()))
            .filter(|(s, _)| *s > 0.6)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut out: Vec<String> = Vec::new();
        for (_, n) in scored {
            if !out.iter().any(|o| o == n) && out.len() < 3 {
                out.push(n.to_string());
            }
        }
        out
    }

    /// The fallback list LiteLLM walks after a failure of `class`: the context-window or
    /// content-policy list when that kind is configured, else the general one.
    pub fn fallback_list(&self, class: ErrorClass) -> Option<&FallbackList> {
        match class {
            ErrorClass::ContextWindow if self.context_window_fallbacks.is_some() => {
                self.context_window_fallbacks.as_ref()
            }
            ErrorClass::ContentPolicy if self.content_policy_fallbacks.is_some() => {
                self.content_policy_fallbacks.as_ref()
            }
            _ => self.fallbacks.as_ref(),
        }
    }

    /// Whether a request for `groups` has a general fallback chain.
    pub fn has_fallbacks(&self, groups: &[&str]) -> bool {
        self.fallbacks
            .as_ref()
            .and_then(|l| lookup_fallbacks(l, groups))
            .is_some_and(|t| !t.is_empty())
    }

    /// What decides `dep`'s cooldown for a request for `groups`.
    pub fn cooldown_params(&self, dep: &Deployment, groups: &[&str]) -> CooldownParams {
        CooldownParams {
            group_size: self.aliases.get(&dep.alias).map_or(1, Vec::len),
            has_fallbacks: self.has_fallbacks(groups),
            allowed_fails: self.allowed_fails,
            allowed_fails_policy: self.allowed_fails_policy.clone(),
            disabled: self.cooldowns_disabled,
            deployment_cooldown: dep.cooldown_time,
            router_cooldown: self.cooldown,
        }
    }

    /// All deployments, for readiness.
    pub fn deployments(&self) -> impl Iterator<Item = &Arc<Deployment>> {
        self.aliases.values().flatten()
    }
}

/// Build the snapshot for `profile` from a checked file without errors, reading only the
/// profile's view ([`crate::model::view`]). Fails with a message when a value the checker
/// cannot see is unusable (a credential that cannot be read).
pub fn build(loaded: &Loaded, profile: Option<&str>) -> Result<Snapshot, String> {
    let model = loaded
        .model
        .as_ref()
        .ok_or_else(|| "the configuration has no valid structure".to_string())?;
    let view = model.view(profile);
    let s = &view.settings;
    // Bounded so a huge value cannot overflow a `Duration` (`fgc check` flags absurd ones).
    let secs = |v: f64| Duration::from_secs_f64(v.clamp(0.001, 1e9));

    let mut aliases: IndexMap<String, Vec<Arc<Deployment>>> = IndexMap::new();
    for d in view.deployments() {
        let alias = d.alias.to_string();
        let (Some(api), Some(upstream)) = (d.api, d.upstream_model) else {
            let written = d.model.map(|m| m.as_str()).unwrap_or_default();
            return Err(format!(
                "`{alias}`: fgc serve speaks only `openai/` and `anthropic/` upstreams, not `{written}`"
            ));
        };
        let api_key = deployment_key(&d.key, &alias)?;
        let timeout = secs(view.attempt_timeout_secs(d, false));
        let stream_timeout = secs(view.attempt_timeout_secs(d, true));
        aliases
            .entry(alias.clone())
            .or_default()
            .push(Arc::new(Deployment {
                id: d.id.clone(),
                alias,
                api,
                upstream_model: upstream.to_string(),
                base: d.base_url().unwrap_or_default(),
                api_key,
                timeout,
                stream_timeout,
                responses_api: d.responses_api,
                num_retries: d.num_retries,
                cooldown_time: d.cooldown_time,
            }));
    }

    let mut group_aliases = HashMap::new();
    let mut hidden = Vec::new();
    for g in &view.group_aliases {
        if g.hidden {
            hidden.push(g.name.value.clone());
        }
        group_aliases.insert(g.name.value.clone(), g.target.to_string());
    }

    let strategy = match s.routing_strategy() {
        RoutingStrategy::LeastBusy => Strategy::LeastBusy,
        _ => Strategy::SimpleShuffle,
    };
    let master_key = match &view.gateway.key {
        GatewayKey::None => None,
        GatewayKey::Literal { value, .. } => Some(value.clone()),
        GatewayKey::Env { var, .. } => Some(env_secret(var, "general_settings.master_key")?),
    };
    Ok(Snapshot {
        profile: view.profile.map(str::to_string),
        aliases,
        group_aliases,
        hidden,
        fallbacks: view.fallbacks.router_list(FallbackKind::Fallbacks),
        context_window_fallbacks: view.fallbacks.router_list(FallbackKind::ContextWindow),
        content_policy_fallbacks: view.fallbacks.router_list(FallbackKind::ContentPolicy),
        num_retries: s.num_retries(),
        retry_after: s.retry_after_secs().max(0.0),
        retry_policy: s.retry_policy.as_ref().map(|p| p.value.clone()),
        max_fallbacks: s.max_fallbacks(),
        allowed_fails: s.allowed_fails_count(),
        allowed_fails_policy: s
            .allowed_fails_policy
            .as_ref()
            .map(|p| Arc::new(p.value.clone())),
        cooldown: secs(s.cooldown_secs()),
        cooldowns_disabled: s.cooldowns_disabled(),
        strategy,
        master_key,
        routing: view.routing().map(|r| Arc::new(r.table.clone())),
        usage_retention_days: view.usage.retention_days,
        metrics_without_key: view.usage.metrics_without_key,
    })
}

/// The value of environment variable `var`, which must be set.
fn env_secret(var: &str, what: &str) -> Result<String, String> {
    match secrets::inspect(&SecretSource::Env(var.to_string())) {
        SecretState::Present(s) => Ok(s),
        _ => Err(format!("{what}: environment variable `{var}` is not set")),
    }
}

/// The upstream key of a deployment, read from where the view says it comes from.
fn deployment_key(key: &KeySource, alias: &str) -> Result<Option<String>, String> {
    match key {
        KeySource::None => Ok(None),
        KeySource::Literal { value, .. } => Ok(Some(value.clone())),
        KeySource::Env { var, .. } => {
            env_secret(var, &format!("the api_key of `{alias}`")).map(Some)
        }
        KeySource::File {
            credential, path, ..
        } => match secrets::inspect(&SecretSource::File(path.clone())) {
            SecretState::Present(s) | SecretState::TooOpen { value: Some(s), .. } => Ok(Some(s)),
            other => Err(format!(
                "credential `{credential}` of `{alias}` is not usable: {other:?}"
            )),
        },
        KeySource::Invalid { credential, .. } => Err(format!(
            "credential `{credential}` of `{alias}` is not defined"
        )),
    }
}
