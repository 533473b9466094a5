//! The served configuration: a snapshot built from a checked `flowgate.yaml` for one profile.
//! A reload builds a new snapshot and swaps it in whole; requests in flight keep theirs.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;
use serde_json::Value;

use super::protocol::UpstreamApi;
use crate::load::Loaded;
use crate::model::raw::GroupAliasTarget;
use crate::model::settings::effective_block;
use crate::secrets::{self, SecretSource, SecretState};

/// The Anthropic API root used when an `anthropic/` deployment has no `api_base`.
pub const ANTHROPIC_DEFAULT_BASE: &str = "https://api.anthropic.com";
/// Defaults when the settings do not say (`allowed_fails`, `cooldown_time`: seed 004).
pub const DEFAULT_ALLOWED_FAILS: u32 = 3;
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(300);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

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
}

/// Balancing among an alias's deployments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// A random healthy deployment (LiteLLM's default).
    SimpleShuffle,
    /// The healthy deployment with the fewest requests in flight.
    LeastBusy,
}

/// Everything a request needs, immutable once built.
#[derive(Debug)]
pub struct Snapshot {
    pub profile: Option<String>,
    /// Alias -> its deployments, in file order.
    pub aliases: IndexMap<String, Vec<Arc<Deployment>>>,
    /// `model_group_alias` name -> alias.
    pub group_aliases: HashMap<String, String>,
    /// Hidden group names are served but not listed.
    pub hidden: Vec<String>,
    pub fallbacks: HashMap<String, Vec<String>>,
    pub context_window_fallbacks: HashMap<String, Vec<String>>,
    pub default_fallbacks: Vec<String>,
    pub num_retries: u32,
    pub allowed_fails: u32,
    pub cooldown: Duration,
    pub strategy: Strategy,
    pub master_key: Option<String>,
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

    /// The fallback aliases of `alias` for a failure of `kind`.
    pub fn fallbacks_for(&self, alias: &str, context_window: bool) -> &[String] {
        let map = if context_window {
            &self.context_window_fallbacks
        } else {
            &self.fallbacks
        };
        match map.get(alias) {
            Some(v) => v,
            None if !context_window => &self.default_fallbacks,
            None => &[],
        }
    }

    /// All deployments, for readiness.
    pub fn deployments(&self) -> impl Iterator<Item = &Arc<Deployment>> {
        self.aliases.values().flatten()
    }
}

/// Build the snapshot for `profile` from a checked file without errors. Fails with a message
/// when a value the checker cannot see is unusable (a credential that cannot be read).
pub fn build(loaded: &Loaded, profile: Option<&str>) -> Result<Snapshot, String> {
    let model = loaded
        .model
        .as_ref()
        .ok_or_else(|| "the configuration has no valid structure".to_string())?;
    let dir = loaded
        .source
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let doc = loaded.doc();
    let ls = effective_block(doc, "litellm_settings", profile);
    let rs = effective_block(doc, "router_settings", profile);
    let gs = effective_block(doc, "general_settings", profile);
    // router_settings wins over litellm_settings where both name a key, as in LiteLLM's Router.
    let setting = |key: &str| rs.get(key).or_else(|| ls.get(key)).cloned();
    let secs = |v: Option<Value>| {
        v.and_then(|v| v.as_f64())
            .filter(|s| *s > 0.0)
            .map(Duration::from_secs_f64)
    };
    let request_timeout = secs(setting("timeout").or_else(|| ls.get("request_timeout").cloned()));

    let mut aliases: IndexMap<String, Vec<Arc<Deployment>>> = IndexMap::new();
    for dep in model.deployments() {
        let alias = dep.model_name.value.clone();
        let p = &dep.litellm_params;
        let model_s = p
            .model
            .as_ref()
            .map(|m| m.value.as_str())
            .unwrap_or_default();
        let (api, upstream) = UpstreamApi::split(model_s).ok_or_else(|| {
            format!(
                "`{alias}`: fgc serve speaks only `openai/` and `anthropic/` upstreams, not `{model_s}`"
            )
        })?;
        let base = match (api, p.api_base.as_ref()) {
            (_, Some(b)) => b.value.trim_end_matches('/').to_string(),
            (UpstreamApi::Anthropic, None) => ANTHROPIC_DEFAULT_BASE.to_string(),
            (UpstreamApi::OpenAi, None) => "https://api.openai.com/v1".to_string(),
        };
        let base = match api {
            UpstreamApi::Anthropic if !base.ends_with("/v1") => format!("{base}/v1"),
            _ => base,
        };
        let api_key = deployment_key(model, &dir, &alias, p)?;
        let timeout = secs(p.timeout.as_ref().map(|t| t.value.into()))
            .or(request_timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        let stream_timeout =
            secs(p.stream_timeout.as_ref().map(|t| t.value.into())).unwrap_or(timeout);
        let list = aliases.entry(alias.clone()).or_default();
        list.push(Arc::new(Deployment {
            id: format!("{alias}#{}", list.len()),
            alias,
            api,
            upstream_model: upstream.to_string(),
            base,
            api_key,
            timeout,
            stream_timeout,
            responses_api: p.responses_api.as_ref().is_some_and(|r| r.value),
        }));
    }

    let mut group_aliases = HashMap::new();
    let mut hidden = Vec::new();
    for scope in [crate::model::Scope::Base]
        .into_iter()
        .chain(profile.map(|p| crate::model::Scope::Profile(p.to_string())))
    {
        let (_, rs) = model.settings(&scope);
        for (name, target) in rs
            .and_then(|r| r.model_group_alias.as_ref())
            .into_iter()
            .flatten()
        {
            let (to, hide) = match &target.value {
                GroupAliasTarget::Alias(a) => (a.clone(), false),
                GroupAliasTarget::Detailed { model, hidden } => (model.value.clone(), *hidden),
            };
            if hide {
                hidden.push(name.value.clone());
            }
            group_aliases.insert(name.value.clone(), to);
        }
    }

    let mut fallbacks = HashMap::new();
    let mut context_window_fallbacks = HashMap::new();
    for block in [&ls, &rs] {
        merge_fallbacks(&mut fallbacks, block.get("fallbacks"));
        merge_fallbacks(
            &mut context_window_fallbacks,
            block.get("context_window_fallbacks"),
        );
    }
    let default_fallbacks = setting("default_fallbacks")
        .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
        .unwrap_or_default();
    let strategy = match setting("routing_strategy").as_ref().and_then(Value::as_str) {
        Some("least-busy") => Strategy::LeastBusy,
        _ => Strategy::SimpleShuffle,
    };
    let master_key = match gs.get("master_key").and_then(Value::as_str) {
        None => None,
        Some(k) => Some(secret_value(k, "general_settings.master_key")?),
    };
    Ok(Snapshot {
        profile: profile.map(str::to_string),
        aliases,
        group_aliases,
        hidden,
        fallbacks,
        context_window_fallbacks,
        default_fallbacks,
        num_retries: setting("num_retries").and_then(|v| v.as_u64()).unwrap_or(0) as u32,
        allowed_fails: setting("allowed_fails")
            .and_then(|v| v.as_u64())
            .map_or(DEFAULT_ALLOWED_FAILS, |n| n.max(1) as u32),
        cooldown: secs(setting("cooldown_time")).unwrap_or(DEFAULT_COOLDOWN),
        strategy,
        master_key,
    })
}

fn merge_fallbacks(into: &mut HashMap<String, Vec<String>>, list: Option<&Value>) {
    let Some(Value::Array(items)) = list else {
        return;
    };
    for item in items {
        let Some(map) = item.as_object() else {
            continue;
        };
        for (k, v) in map {
            let targets: Vec<String> = v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect();
            into.entry(k.clone()).or_insert(targets);
        }
    }
}

/// `os.environ/VAR` resolved, or the literal value.
fn secret_value(v: &str, what: &str) -> Result<String, String> {
    match secrets::env_reference(v) {
        Some(var) => match secrets::inspect(&SecretSource::Env(var.to_string())) {
            SecretState::Present(s) => Ok(s),
            _ => Err(format!("{what}: environment variable `{var}` is not set")),
        },
        None => Ok(v.to_string()),
    }
}

fn deployment_key(
    model: &crate::model::Model,
    dir: &Path,
    alias: &str,
    p: &crate::model::raw::LitellmParams,
) -> Result<Option<String>, String> {
    if let Some(k) = &p.api_key {
        return secret_value(k.as_str(), &format!("the api_key of `{alias}`")).map(Some);
    }
    let Some(r) = &p.api_key_ref else {
        return Ok(None);
    };
    match secrets::resolve_credential(model, dir, r.as_str()) {
        Some(SecretState::Present(s)) => Ok(Some(s)),
        Some(SecretState::TooOpen { value: Some(s), .. }) => Ok(Some(s)),
        Some(other) => Err(format!(
            "credential `{}` of `{alias}` is not usable: {other:?}",
            r.as_str()
        )),
        None => Err(format!(
            "credential `{}` of `{alias}` is not defined",
            r.as_str()
        )),
    }
}
