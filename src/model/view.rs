//! One typed view of a profile: the configuration as LiteLLM runs it, which `fgc serve` runs
//! the same way and the emitters write out.
//!
//! Every fact about a profile is decided here, once: which profile a command uses, which block
//! a setting is read from when both name it, what the profile's overlay replaces, the fallback
//! graphs, each deployment's protocol, URL, credential and timeouts, and the gateway's address
//! and key. Rules, emitters and the server read this view; none of them reads settings by
//! string key or walks the YAML tree.
//!
//! Keys fgc does not type are kept in order by the raw model (`extra`, `keys`) and rendered
//! back by the LiteLLM emitter through [`View::block_entries`]; nothing reads them.

use indexmap::IndexMap;
use serde_json::Value;

use super::checked::{Block, FallbackKind, Model, Scope};
use super::raw::{self, FamilyRoute, GroupAliasTarget, LitellmSettings, RouterSettings};
use super::upstream::UpstreamApi;
use crate::litellm::provider::{self, Resolution};
use crate::routing::{self, Entry, Family, Key};
use crate::secrets::{self, SecretSource};
use crate::span::{Sp, Span};

/// Where an effective setting was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub scope: Scope,
    pub block: Block,
    /// The key as written.
    pub key: Span,
}

/// An effective setting and where it came from.
#[derive(Clone, Debug)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    pub fn get(&self) -> &T {
        &self.value
    }
}

/// LiteLLM's defaults (LiteLLM 1.108–1.110), which `fgc serve` applies when a setting is not
/// written. docs/serve.md lists them with their sources.
pub mod defaults {
    /// Retries per model group after the first attempt (`openai.DEFAULT_MAX_RETRIES`).
    pub const NUM_RETRIES: u32 = 2;
    /// `litellm.allowed_fails`; a router value equal to it counts as not set.
    pub const ALLOWED_FAILS: u32 = 3;
    /// Seconds a deployment cools down (`DEFAULT_COOLDOWN_TIME_SECONDS`).
    pub const COOLDOWN_SECS: f64 = 5.0;
    /// Seconds a request may take (`litellm.request_timeout`).
    pub const TIMEOUT_SECS: f64 = 6000.0;
    /// Fallback hops along a chain (`ROUTER_MAX_FALLBACKS`).
    pub const MAX_FALLBACKS: u32 = 5;
}

/// The balancing strategy among an alias's deployments (`routing_strategy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoutingStrategy {
    SimpleShuffle,
    LeastBusy,
    /// A strategy LiteLLM has and `fgc serve` runs as `simple-shuffle` (documented).
    Other(String),
}

impl RoutingStrategy {
    pub fn parse(s: &str) -> Self {
        match s {
            "simple-shuffle" => RoutingStrategy::SimpleShuffle,
            "least-busy" => RoutingStrategy::LeastBusy,
            other => RoutingStrategy::Other(other.to_string()),
        }
    }
}

/// A profile's effective router and proxy settings, typed, each where LiteLLM reads it (see
/// `Layers::settings` for which block wins).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub num_retries: Option<Setting<u32>>,
    /// `router_settings.retry_after`: the shortest wait before a retry.
    pub retry_after: Option<Setting<f64>>,
    /// `router_settings.timeout` (0 counts as not set).
    pub timeout: Option<Setting<f64>>,
    /// `litellm_settings.request_timeout` (0 counts as not set).
    pub request_timeout: Option<Setting<f64>>,
    /// `router_settings.stream_timeout` (0 counts as not set).
    pub stream_timeout: Option<Setting<f64>>,
    pub allowed_fails: Option<Setting<u32>>,
    /// `router_settings.cooldown_time` (0 counts as not set: LiteLLM then uses 5 s).
    pub cooldown_time: Option<Setting<f64>>,
    pub disable_cooldowns: Option<Setting<bool>>,
    pub routing_strategy: Option<Setting<RoutingStrategy>>,
    pub retry_policy: Option<Setting<raw::RetryPolicy>>,
    pub allowed_fails_policy: Option<Setting<raw::AllowedFailsPolicy>>,
    pub max_fallbacks: Option<Setting<u32>>,
    pub drop_params: Option<Setting<bool>>,
}

impl Settings {
    pub fn num_retries(&self) -> u32 {
        self.num_retries
            .as_ref()
            .map_or(defaults::NUM_RETRIES, |s| s.value)
    }
    /// The router's `allowed_fails`, when it is set to something else than LiteLLM's default
    /// (a value equal to the default counts as not set: LiteLLM's cooldown then runs by
    /// failure rate, not by count).
    pub fn allowed_fails_count(&self) -> Option<u32> {
        self.allowed_fails
            .as_ref()
            .map(|s| s.value)
            .filter(|n| *n != defaults::ALLOWED_FAILS)
    }
    pub fn allowed_fails(&self) -> u32 {
        self.allowed_fails
            .as_ref()
            .map_or(defaults::ALLOWED_FAILS, |s| s.value)
    }
    pub fn cooldown_secs(&self) -> f64 {
        self.cooldown_time
            .as_ref()
            .map_or(defaults::COOLDOWN_SECS, |s| s.value)
    }
    pub fn cooldowns_disabled(&self) -> bool {
        self.disable_cooldowns.as_ref().is_some_and(|s| s.value)
    }
    pub fn retry_after_secs(&self) -> f64 {
        self.retry_after.as_ref().map_or(0.0, |s| s.value)
    }
    pub fn max_fallbacks(&self) -> u32 {
        self.max_fallbacks
            .as_ref()
            .map_or(defaults::MAX_FALLBACKS, |s| s.value)
    }
    pub fn routing_strategy(&self) -> RoutingStrategy {
        self.routing_strategy
            .as_ref()
            .map_or(RoutingStrategy::SimpleShuffle, |s| s.value.clone())
    }
    /// The router-wide request timeout: `router_settings.timeout`, else
    /// `litellm_settings.request_timeout`, else 6000 s.
    pub fn router_timeout_secs(&self) -> f64 {
        self.timeout
            .as_ref()
            .or(self.request_timeout.as_ref())
            .map_or(defaults::TIMEOUT_SECS, |s| s.value)
    }
}

/// One entry of a fallback list: `{key: [targets]}`.
#[derive(Clone, Debug)]
pub struct FallbackEntry<'m> {
    pub key: &'m Sp<String>,
    pub targets: &'m [Sp<String>],
}

/// The effective list of one fallback kind: the list LiteLLM reads, and where it is written.
#[derive(Clone, Debug, Default)]
pub struct FallbackGraph<'m> {
    pub origin: Option<Origin>,
    pub entries: Vec<FallbackEntry<'m>>,
}

impl<'m> FallbackGraph<'m> {
    /// The targets LiteLLM uses for `alias`: the first entry whose key is `alias`.
    pub fn targets(&self, alias: &str) -> Option<&'m [Sp<String>]> {
        self.entries
            .iter()
            .find(|e| e.key.value == alias)
            .map(|e| e.targets)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A profile's fallbacks, by kind.
#[derive(Clone, Debug, Default)]
pub struct Fallbacks<'m> {
    pub general: FallbackGraph<'m>,
    pub context_window: FallbackGraph<'m>,
    pub content_policy: FallbackGraph<'m>,
    /// `default_fallbacks`: tried for an alias with no entry of its own.
    pub default: Option<Setting<&'m [Sp<String>]>>,
}

impl<'m> Fallbacks<'m> {
    pub fn graph(&self, kind: FallbackKind) -> &FallbackGraph<'m> {
        match kind {
            FallbackKind::Fallbacks => &self.general,
            FallbackKind::ContextWindow => &self.context_window,
            FallbackKind::ContentPolicy => &self.content_policy,
        }
    }

    /// The list of `kind` as LiteLLM's Router holds it: `(key, targets)` in order, with
    /// `default_fallbacks` appended as a `*` entry to the general list. `None` when the kind is
    /// not configured (LiteLLM then sends context-window and content-policy errors to the
    /// general list).
    pub fn router_list(&self, kind: FallbackKind) -> Option<Vec<(String, Vec<String>)>> {
        let mut out: Vec<(String, Vec<String>)> = self
            .graph(kind)
            .entries
            .iter()
            .map(|e| {
                (
                    e.key.value.clone(),
                    e.targets.iter().map(|t| t.value.clone()).collect(),
                )
            })
            .collect();
        if let (FallbackKind::Fallbacks, Some(d)) = (kind, &self.default) {
            out.push((
                GENERIC_FALLBACK.to_string(),
                d.value.iter().map(|t| t.value.clone()).collect(),
            ));
        }
        (!out.is_empty()).then_some(out)
    }

    /// The aliases tried after `groups[0]` fails with an error of `kind`
    /// ([`lookup_fallbacks`] over [`Fallbacks::router_list`]).
    pub fn for_alias(&self, groups: &[&str], kind: FallbackKind) -> Vec<String> {
        let list = match self.router_list(kind) {
            Some(l) => l,
            None if kind != FallbackKind::Fallbacks => {
                match self.router_list(FallbackKind::Fallbacks) {
                    Some(l) => l,
                    None => return Vec::new(),
                }
            }
            None => return Vec::new(),
        };
        lookup_fallbacks(&list, groups)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }
}

/// The fallback key that applies to every alias without an entry of its own.
pub const GENERIC_FALLBACK: &str = "*";

/// LiteLLM's fallback lookup (`get_fallback_model_group_for_lookup_groups`): for the first of
/// `groups` (the routed alias, then the name the client asked for) with an entry of its own,
/// the first entry with that key; else the generic `*` entry (the last one, so
/// `default_fallbacks`, appended last, wins over a `*` written in `fallbacks`).
pub fn lookup_fallbacks<'a, T>(list: &'a [(String, Vec<T>)], groups: &[&str]) -> Option<&'a [T]> {
    for g in groups {
        if let Some((_, t)) = list.iter().find(|(k, _)| k == g) {
            return Some(t);
        }
    }
    list.iter()
        .rev()
        .find(|(k, _)| k == GENERIC_FALLBACK)
        .map(|(_, t)| t.as_slice())
}

/// Where a deployment's upstream key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// No key is configured.
    None,
    /// `api_key: os.environ/VAR`, or a credential with `env: VAR`.
    Env { var: String, span: Span },
    /// A credential with `file:` (the path resolved against the config's folder).
    File {
        credential: String,
        path: std::path::PathBuf,
        span: Span,
    },
    /// A literal `api_key` written in the file.
    Literal { value: String, span: Span },
    /// `api_key_ref` names a credential that is not usable (undefined, or neither or both of
    /// `file` and `env`): `fgc check` reports it.
    Invalid { credential: String, span: Span },
}

impl KeySource {
    /// Where to read the secret, for sources that are read.
    pub fn secret_source(&self) -> Option<SecretSource> {
        match self {
            KeySource::Env { var, .. } => Some(SecretSource::Env(var.clone())),
            KeySource::File { path, .. } => Some(SecretSource::File(path.clone())),
            _ => None,
        }
    }
}

/// One deployment of an alias, resolved.
#[derive(Clone, Debug)]
pub struct DeploymentView<'m> {
    /// Index into `model_list`.
    pub index: usize,
    /// Stable id for health, logs and usage: `alias#n` (n counts the alias's deployments).
    pub id: String,
    pub alias: &'m str,
    pub raw: &'m raw::Deployment,
    /// `litellm_params.model` as written.
    pub model: Option<&'m Sp<String>>,
    /// The provider LiteLLM gives it ([`Model::provider_of`]): the model's prefix, the
    /// `custom_llm_provider`, or inferred from a bare name or the `api_base` host (`gpt-4o` is
    /// OpenAI's, `claude-*` Anthropic's). `None` without a `model`.
    pub provider: Option<Resolution<'m>>,
    /// The protocol `fgc serve` speaks to it, when it speaks it (from `provider`).
    pub api: Option<UpstreamApi>,
    /// The model name sent upstream (without the provider prefix). For a wildcard
    /// deployment, a template whose `*`s take the parts of the requested name.
    pub upstream_model: Option<&'m str>,
    /// `litellm_params.api_base`, else the one of its `litellm_credential_name`.
    pub api_base: Option<&'m Sp<String>>,
    pub key: KeySource,
    /// The `credential_list` entry `litellm_credential_name` names, when it exists.
    pub credential: Option<&'m raw::CredentialItem>,
    /// `model_name` is a pattern (`*`, `openai/*`): the deployment serves every requested
    /// name it matches that no alias has ([`crate::litellm::wildcard`]). LiteLLM never cools
    /// such a deployment down.
    pub wildcard: bool,
    /// `litellm_params.weight`: its share of the alias's traffic (simple-shuffle).
    pub weight: Option<f64>,
    /// Requests per minute (`litellm_params.rpm`, else the entry's): simple-shuffle's weight
    /// without a `weight`, and usage-based routing's limit.
    pub rpm: Option<u64>,
    /// Tokens per minute (`litellm_params.tpm`, else the entry's): simple-shuffle's weight
    /// without `weight` and `rpm`.
    pub tpm: Option<u64>,
    /// Seconds, per deployment (`litellm_params.timeout`).
    pub timeout: Option<f64>,
    /// Seconds for streaming requests (`litellm_params.stream_timeout`).
    pub stream_timeout: Option<f64>,
    /// `litellm_params.num_retries`: retries after a failure of this deployment, over the
    /// router's.
    pub num_retries: Option<u32>,
    /// Seconds this deployment cools down (`model_info.cooldown_time`, else
    /// `litellm_params.cooldown_time`); 0: never.
    pub cooldown_time: Option<f64>,
    /// `litellm_params.responses_api` (fgc only).
    pub responses_api: bool,
    /// `model_info.max_input_tokens`: the context window the deployment declares.
    pub max_input_tokens: Option<u64>,
    /// `model_info.max_output_tokens`, else `model_info.max_tokens` (LiteLLM's older name).
    pub max_output_tokens: Option<u64>,
    /// `model_info.supports_reasoning`.
    pub supports_reasoning: Option<bool>,
}

impl DeploymentView<'_> {
    /// The LiteLLM provider of the deployment (`openai`, `anthropic`, `bedrock`), when LiteLLM
    /// can tell it.
    pub fn provider_name(&self) -> Option<&str> {
        match self.provider? {
            Resolution::Prefix(p) | Resolution::Explicit(p) => Some(p),
            Resolution::Inferred(p) => Some(p),
            Resolution::UnknownPrefix(_) | Resolution::Unresolved => None,
        }
    }

    /// The base URL `fgc serve` sends to (no trailing slash), when fgc serve speaks the
    /// deployment's protocol.
    pub fn base_url(&self) -> Option<String> {
        self.api
            .map(|a| a.base_url(self.api_base.map(|b| b.value.as_str())))
    }
}

/// What `model_info` declares for a name a client asks for, over every deployment of the
/// alias it reaches: the smallest limit (any deployment may answer a request), and whether
/// the model reasons (`false` only when every deployment says so).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AliasInfo {
    /// `max_input_tokens`: the context window.
    pub context_window: Option<u64>,
    /// `max_output_tokens` (or `max_tokens`).
    pub max_output_tokens: Option<u64>,
    /// `supports_reasoning`, when every deployment declares it.
    pub supports_reasoning: Option<bool>,
    /// The upstream model names (`litellm_params.model` without the provider prefix), in
    /// file order.
    pub upstream_models: Vec<String>,
}

/// An extra name for an alias (`router_settings.model_group_alias`).
#[derive(Clone, Debug)]
pub struct GroupAlias<'m> {
    pub name: &'m Sp<String>,
    pub target: &'m str,
    /// Served but not listed by `/v1/models`.
    pub hidden: bool,
}

/// A setting written in both `litellm_settings` and `router_settings` of a profile: LiteLLM
/// reads one and ignores the other.
#[derive(Clone, Debug)]
pub struct Shadowed {
    pub key: &'static str,
    pub used: Origin,
    pub ignored: Origin,
}

/// Where the gateway key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GatewayKey {
    /// No key: the gateway is open (fgc serve then binds to loopback only).
    None,
    /// `general_settings.master_key: os.environ/VAR`.
    Env { var: String, span: Span },
    /// A literal `general_settings.master_key`.
    Literal { value: String, span: Span },
}

/// The gateway: where it listens, the root clients use, and its key.
#[derive(Clone, Debug)]
pub struct Gateway {
    /// `services.litellm.host` (default 127.0.0.1).
    pub host: String,
    /// `services.litellm.port` (default 4000).
    pub port: u16,
    /// The root clients talk to, without `/v1`: `integration.base_url`, else the listen
    /// address (a wildcard host becomes 127.0.0.1).
    pub root: String,
    pub key: GatewayKey,
    /// `services.litellm.instances`: how many LiteLLM instances run the config.
    pub instances: Option<Sp<u32>>,
}

/// A route as the profile runs it, with where it is written.
#[derive(Clone, Debug)]
pub struct WrittenRoute {
    pub entry: Entry,
    /// The alias, with the span of its text.
    pub alias: Sp<String>,
    pub scope: Scope,
}

/// A routing setting and where it is written.
#[derive(Clone, Debug)]
pub struct Written<'m, T> {
    pub value: &'m Sp<T>,
    pub scope: Scope,
}

/// The profile's `routing`: the top-level section with the profile's `routing` laid over it
/// key by key (and `families` family by family), defaults applied. `table` is what `fgc
/// serve` runs and `fgc emit` asks; the rest says where each part is written.
#[derive(Clone, Debug)]
pub struct RoutingView<'m> {
    pub table: routing::Table,
    /// Every route in effect, top level first, then the families.
    pub routes: Vec<WrittenRoute>,
    pub threshold: Option<Written<'m, u64>>,
    pub think_effort: Option<Written<'m, routing::Effort>>,
    pub background_prompts: Option<Written<'m, Vec<Sp<String>>>>,
}

impl RoutingView<'_> {
    /// Where the route at `entry` is written.
    pub fn written(&self, entry: Entry) -> Option<&WrittenRoute> {
        self.routes.iter().find(|r| r.entry == entry)
    }
}

/// Why a command could not choose a profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error(
        "the file defines several profiles ({}) and no `default_profile`: choose one with --profile NAME",
        .0.join(", ")
    )]
    Ambiguous(Vec<String>),
}

/// The effective configuration of one profile (or of the base settings, for a file without
/// profiles).
#[derive(Debug)]
pub struct View<'m> {
    pub model: &'m Model,
    /// `None`: the base settings alone.
    pub profile: Option<&'m str>,
    pub settings: Settings,
    pub fallbacks: Fallbacks<'m>,
    /// Resolved on first use (rules that read settings alone never pay for them).
    deployments: std::sync::OnceLock<Vec<DeploymentView<'m>>>,
    pub group_aliases: Vec<GroupAlias<'m>>,
    pub gateway: Gateway,
    /// The usage store and metrics settings (`usage`).
    pub usage: UsageView,
    /// Settings written in both blocks, and which one LiteLLM uses.
    pub shadowed: Vec<Shadowed>,
    /// Scenario routing, resolved on first use (see [`View::routing`]).
    routing: std::sync::OnceLock<Option<RoutingView<'m>>>,
}

impl Model {
    /// The profile a command runs when given `requested` (`--profile`): that one, else
    /// `default_profile`, else the only profile, else the base settings when there are no
    /// profiles. Several profiles and no choice is an error listing them. Every command
    /// chooses this way; `fgc check` without `--profile` checks every profile instead.
    pub fn select_profile<'a>(
        &'a self,
        requested: Option<&'a str>,
    ) -> Result<Option<&'a str>, ProfileError> {
        if let Some(p) = requested {
            return Ok(Some(p));
        }
        if let Some(p) = self.default_profile() {
            return Ok(Some(p));
        }
        let names = self.profile_names();
        if names.is_empty() {
            Ok(None)
        } else {
            Err(ProfileError::Ambiguous(
                names.into_iter().map(str::to_string).collect(),
            ))
        }
    }

    /// The view of `profile` (`None`: the base settings). A profile name that does not exist
    /// gives the base settings; commands check names first (`unknown-profile`).
    pub fn view(&self, profile: Option<&str>) -> View<'_> {
        let profile = profile.and_then(|p| self.profiles.get_key_value(p).map(|(k, _)| k.as_str()));
        let layers = Layers::new(self, profile);
        View {
            model: self,
            profile,
            settings: layers.settings(),
            fallbacks: layers.fallbacks(),
            deployments: std::sync::OnceLock::new(),
            group_aliases: layers.group_aliases(),
            gateway: gateway(self),
            usage: usage(self),
            shadowed: layers.shadowed(),
            routing: std::sync::OnceLock::new(),
        }
    }

    /// The views `fgc check` covers: each profile (only `selected` when given), or the base
    /// settings when the file has no profiles.
    pub fn views(&self, selected: Option<&str>) -> Vec<View<'_>> {
        if self.profiles.is_empty() {
            return vec![self.view(None)];
        }
        self.profiles
            .keys()
            .filter(|p| selected.is_none_or(|s| s == p.as_str()))
            .map(|p| self.view(Some(p)))
            .collect()
    }
}

/// The settings blocks in effect for a profile, highest precedence first within a block kind:
/// the profile's block over the base's, key by key.
struct Layers<'m> {
    base: (Option<&'m LitellmSettings>, Option<&'m RouterSettings>),
    profile: Option<(
        Scope,
        Option<&'m LitellmSettings>,
        Option<&'m RouterSettings>,
    )>,
}

/// A key found in one block, with where.
struct Found<'m, V> {
    value: &'m V,
    origin: Origin,
}

impl<'m> Layers<'m> {
    fn new(model: &'m Model, profile: Option<&str>) -> Self {
        let base = model.settings(&Scope::Base);
        let profile = profile.map(|p| {
            let scope = Scope::Profile(p.to_string());
            let (l, r) = model.settings(&scope);
            (scope, l, r)
        });
        Layers { base, profile }
    }

    /// `key` in `block`: the profile's value when it sets the key, else the base's.
    fn find<V: 'm>(
        &self,
        block: Block,
        key: &str,
        get_l: impl Fn(&'m LitellmSettings) -> Option<&'m V>,
        get_r: impl Fn(&'m RouterSettings) -> Option<&'m V>,
    ) -> Option<Found<'m, V>> {
        let layer =
            |scope: Scope, l: Option<&'m LitellmSettings>, r: Option<&'m RouterSettings>| {
                let (value, key_span) = match block {
                    Block::Litellm => l.and_then(|l| get_l(l).map(|v| (v, l.key_span(key)))),
                    Block::Router => r.and_then(|r| get_r(r).map(|v| (v, r.key_span(key)))),
                }?;
                Some(Found {
                    value,
                    origin: Origin {
                        scope,
                        block,
                        key: key_span.unwrap_or_default(),
                    },
                })
            };
        self.profile
            .as_ref()
            .and_then(|(s, l, r)| layer(s.clone(), *l, *r))
            .or_else(|| layer(Scope::Base, self.base.0, self.base.1))
    }

    /// A setting both blocks accept: the Router reads `router_settings` first and falls back
    /// to the `litellm` module setting (`litellm_settings`).
    fn either<T: Clone + 'm>(
        &self,
        key: &str,
        get_l: impl Fn(&'m LitellmSettings) -> Option<&'m Sp<T>>,
        get_r: impl Fn(&'m RouterSettings) -> Option<&'m Sp<T>>,
    ) -> Option<Setting<T>> {
        self.find(Block::Router, key, &get_l, &get_r)
            .or_else(|| self.find(Block::Litellm, key, &get_l, &get_r))
            .map(|f| Setting {
                value: f.value.value.clone(),
                origin: f.origin,
            })
    }

    fn router_only<T: Clone + 'm>(
        &self,
        key: &str,
        get_r: impl Fn(&'m RouterSettings) -> Option<&'m Sp<T>>,
    ) -> Option<Setting<T>> {
        self.find(Block::Router, key, |_: &'m LitellmSettings| None, get_r)
            .map(|f| Setting {
                value: f.value.value.clone(),
                origin: f.origin,
            })
    }

    fn litellm_only<T: Clone + 'm>(
        &self,
        key: &str,
        get_l: impl Fn(&'m LitellmSettings) -> Option<&'m Sp<T>>,
    ) -> Option<Setting<T>> {
        self.find(Block::Litellm, key, get_l, |_: &'m RouterSettings| None)
            .map(|f| Setting {
                value: f.value.value.clone(),
                origin: f.origin,
            })
    }

    /// LiteLLM's Router reads these (`router.py`, `Router.__init__`): `num_retries`,
    /// `max_fallbacks` and `allowed_fails` from `router_settings` when set, else from
    /// `litellm_settings`; `timeout`, `stream_timeout`, `cooldown_time`, `retry_after`,
    /// `retry_policy`, `allowed_fails_policy`, `routing_strategy` and `disable_cooldowns`
    /// only from `router_settings`; `request_timeout` and `drop_params` only from
    /// `litellm_settings`. A zero timeout or cooldown counts as not set (LiteLLM's `or`).
    fn settings(&self) -> Settings {
        let nonzero = |s: Option<Setting<f64>>| s.filter(|s| s.value != 0.0);
        Settings {
            num_retries: self.either(
                "num_retries",
                |l| l.num_retries.as_ref(),
                |r| r.num_retries.as_ref(),
            ),
            retry_after: self.router_only("retry_after", |r| r.retry_after.as_ref()),
            timeout: nonzero(self.router_only("timeout", |r| r.timeout.as_ref())),
            request_timeout: nonzero(
                self.litellm_only("request_timeout", |l| l.request_timeout.as_ref()),
            ),
            stream_timeout: nonzero(
                self.router_only("stream_timeout", |r| r.stream_timeout.as_ref()),
            ),
            allowed_fails: self.either(
                "allowed_fails",
                |l| l.allowed_fails.as_ref(),
                |r| r.allowed_fails.as_ref(),
            ),
            cooldown_time: nonzero(self.router_only("cooldown_time", |r| r.cooldown_time.as_ref())),
            disable_cooldowns: self
                .router_only("disable_cooldowns", |r| r.disable_cooldowns.as_ref()),
            routing_strategy: self
                .router_only("routing_strategy", |r| r.routing_strategy.as_ref())
                .map(|s| Setting {
                    value: RoutingStrategy::parse(&s.value),
                    origin: s.origin,
                }),
            retry_policy: self.router_only("retry_policy", |r| r.retry_policy.as_ref()),
            allowed_fails_policy: self
                .router_only("allowed_fails_policy", |r| r.allowed_fails_policy.as_ref()),
            max_fallbacks: self.either(
                "max_fallbacks",
                |l| l.max_fallbacks.as_ref(),
                |r| r.max_fallbacks.as_ref(),
            ),
            drop_params: self.litellm_only("drop_params", |l| l.drop_params.as_ref()),
        }
    }

    fn graph(&self, kind: FallbackKind) -> FallbackGraph<'m> {
        let key = kind.key();
        // `fallbacks or litellm.fallbacks`: an empty router list gives way to the other block.
        let found = self
            .find(
                Block::Router,
                key,
                |l| l.fallback_list(kind),
                |r| r.fallback_list(kind),
            )
            .filter(|f| !f.value.value.is_empty())
            .or_else(|| {
                self.find(
                    Block::Litellm,
                    key,
                    |l| l.fallback_list(kind),
                    |r| r.fallback_list(kind),
                )
            });
        let Some(found) = found else {
            return FallbackGraph::default();
        };
        let mut entries = Vec::new();
        for map in &found.value.value {
            // LiteLLM reads the first key of each entry (`multi-key-fallback` reports others).
            if let Some((key, targets)) = map.iter().next() {
                entries.push(FallbackEntry {
                    key,
                    targets: targets.as_slice(),
                });
            }
        }
        FallbackGraph {
            origin: Some(found.origin),
            entries,
        }
    }

    fn fallbacks(&self) -> Fallbacks<'m> {
        let default = self
            .find(
                Block::Router,
                "default_fallbacks",
                |l| l.default_fallbacks.as_ref(),
                |r| r.default_fallbacks.as_ref(),
            )
            .filter(|f| !f.value.value.is_empty())
            .or_else(|| {
                self.find(
                    Block::Litellm,
                    "default_fallbacks",
                    |l| l.default_fallbacks.as_ref(),
                    |r| r.default_fallbacks.as_ref(),
                )
            })
            .map(|f| Setting {
                value: f.value.value.as_slice(),
                origin: f.origin,
            });
        Fallbacks {
            general: self.graph(FallbackKind::Fallbacks),
            context_window: self.graph(FallbackKind::ContextWindow),
            content_policy: self.graph(FallbackKind::ContentPolicy),
            default,
        }
    }

    /// Keys both blocks accept and this profile writes in both: which one the Router uses
    /// (the same rules as [`Layers::settings`] and [`Layers::graph`]).
    fn shadowed(&self) -> Vec<Shadowed> {
        let mut out = Vec::new();
        let mut pair = |key: &'static str, r: Option<(Origin, bool)>, l: Option<(Origin, bool)>| {
            if let (Some((r, r_set)), Some((l, _))) = (r, l) {
                let (used, ignored) = if r_set { (r, l) } else { (l, r) };
                out.push(Shadowed { key, used, ignored });
            }
        };
        macro_rules! scalar {
            ($key:literal, $field:ident) => {
                pair(
                    $key,
                    self.find(
                        Block::Router,
                        $key,
                        |l| l.$field.as_ref(),
                        |r| r.$field.as_ref(),
                    )
                    .map(|f| (f.origin, true)),
                    self.find(
                        Block::Litellm,
                        $key,
                        |l| l.$field.as_ref(),
                        |r| r.$field.as_ref(),
                    )
                    .map(|f| (f.origin, true)),
                )
            };
        }
        scalar!("num_retries", num_retries);
        scalar!("allowed_fails", allowed_fails);
        scalar!("max_fallbacks", max_fallbacks);
        for kind in FallbackKind::ALL {
            let key = kind.key();
            let r = self
                .find(
                    Block::Router,
                    key,
                    |l| l.fallback_list(kind),
                    |r| r.fallback_list(kind),
                )
                .map(|f| (f.origin, !f.value.value.is_empty()));
            let l = self
                .find(
                    Block::Litellm,
                    key,
                    |l| l.fallback_list(kind),
                    |r| r.fallback_list(kind),
                )
                .map(|f| (f.origin, true));
            pair(key, r, l);
        }
        let r = self
            .find(
                Block::Router,
                "default_fallbacks",
                |l| l.default_fallbacks.as_ref(),
                |r| r.default_fallbacks.as_ref(),
            )
            .map(|f| (f.origin, !f.value.value.is_empty()));
        let l = self
            .find(
                Block::Litellm,
                "default_fallbacks",
                |l| l.default_fallbacks.as_ref(),
                |r| r.default_fallbacks.as_ref(),
            )
            .map(|f| (f.origin, true));
        pair("default_fallbacks", r, l);
        out
    }

    /// `model_group_alias` of the base and the profile, the profile's names replacing the
    /// base's when it sets the key.
    fn group_aliases(&self) -> Vec<GroupAlias<'m>> {
        let Some(found) = self.find(
            Block::Router,
            "model_group_alias",
            |_: &'m LitellmSettings| None,
            |r| r.model_group_alias.as_ref(),
        ) else {
            return Vec::new();
        };
        found
            .value
            .iter()
            .map(|(name, target)| {
                let (target, hidden) = match &target.value {
                    GroupAliasTarget::Alias(a) => (a.as_str(), false),
                    GroupAliasTarget::Detailed { model, hidden } => (model.as_str(), *hidden),
                };
                GroupAlias {
                    name,
                    target,
                    hidden,
                }
            })
            .collect()
    }
}

/// The routing of `profile`: its `routing` over the top-level one.
fn routing_view<'m>(model: &'m Model, profile: Option<&str>) -> Option<RoutingView<'m>> {
    let own = profile.and_then(|p| {
        let (name, prof) = model
            .raw
            .profiles
            .as_ref()?
            .iter()
            .find(|(k, _)| k.value == p)?;
        Some((prof.routing.as_ref()?, Scope::Profile(name.value.clone())))
    });
    let base = model.raw.routing.as_ref().map(|r| (r, Scope::Routing));
    let layers: Vec<(&'m raw::Routing, Scope)> = own.into_iter().chain(base).collect();
    if layers.is_empty() {
        return None;
    }
    fn first<'m, T: 'm>(
        layers: &[(&'m raw::Routing, Scope)],
        get: impl Fn(&'m raw::Routing) -> Option<&'m Sp<T>>,
    ) -> Option<Written<'m, T>> {
        layers.iter().find_map(|(r, scope)| {
            get(r).map(|value| Written {
                value,
                scope: scope.clone(),
            })
        })
    }
    let mut routes = Vec::new();
    for key in Key::ALL {
        if let Some(w) = first(&layers, |r| r.route(key)) {
            routes.push(WrittenRoute {
                entry: Entry::top(key),
                alias: w.value.clone(),
                scope: w.scope,
            });
        }
    }
    for family in Family::ALL {
        let Some(w) = first(&layers, |r| r.families.as_ref()?.get(family)) else {
            continue;
        };
        let entry = |key| Entry {
            family: Some(family),
            key,
        };
        match &w.value.value {
            FamilyRoute::Alias(a) => routes.push(WrittenRoute {
                entry: entry(Key::Default),
                alias: Sp {
                    value: a.clone(),
                    span: w.value.span,
                    def: w.value.def,
                },
                scope: w.scope,
            }),
            FamilyRoute::Routes(set) => {
                for key in Key::ALL {
                    if let Some(v) = set.route(key) {
                        routes.push(WrittenRoute {
                            entry: entry(key),
                            alias: v.clone(),
                            scope: w.scope.clone(),
                        });
                    }
                }
            }
        }
    }
    let threshold = first(&layers, |r| r.long_context_threshold.as_ref());
    let think_effort = first(&layers, |r| r.think_effort.as_ref());
    let background_prompts = first(&layers, |r| r.background_prompts.as_ref());
    let mut top = routing::Routes::default();
    let mut families: [routing::Routes; 4] = Default::default();
    for r in &routes {
        let slot = match r.entry.family {
            None => &mut top,
            Some(f) => &mut families[f.index()],
        };
        slot[r.entry.key.index()] = Some(r.alias.value.clone());
    }
    let table = routing::Table::new(
        top,
        families,
        threshold
            .as_ref()
            .map_or(routing::DEFAULT_THRESHOLD, |t| t.value.value),
        think_effort
            .as_ref()
            .map_or(routing::DEFAULT_THINK_EFFORT, |t| t.value.value),
        match &background_prompts {
            Some(p) => p.value.value.iter().map(|s| s.value.clone()).collect(),
            None => routing::DEFAULT_BACKGROUND_PROMPTS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        },
    );
    Some(RoutingView {
        table,
        routes,
        threshold,
        think_effort,
        background_prompts,
    })
}

impl Model {
    /// The provider names the config registers (`litellm_settings.custom_provider_map[]
    /// .provider`), in the base and every profile.
    pub fn custom_providers(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for scope in self.scopes() {
            let (ls, _) = self.settings(&scope);
            let Some(map) = ls.and_then(|l| {
                l.extra
                    .iter()
                    .find(|(k, _)| k.as_str() == "custom_provider_map")
            }) else {
                continue;
            };
            for item in map.1.as_array().into_iter().flatten() {
                if let Some(p) = item.get("provider").and_then(|p| p.as_str()) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// How LiteLLM resolves the provider of `dep` (`get_llm_provider`, see
    /// [`crate::litellm::provider::resolve`]), `custom` being [`Model::custom_providers`].
    /// `None` without a `model`. Rules, the view and so the server, the emitters and
    /// `redirect` all take a deployment's provider from here.
    pub fn provider_of<'m>(
        &'m self,
        dep: &'m raw::Deployment,
        custom: &[&str],
    ) -> Option<Resolution<'m>> {
        let lp = &dep.litellm_params;
        let m = lp.model.as_ref()?;
        Some(provider::resolve(
            provider::Deployment {
                model: m.as_str(),
                api_base: lp.api_base.as_ref().map(|b| b.as_str()),
                custom_llm_provider: custom_llm_provider(dep).and_then(|(_, v)| v.as_str()),
            },
            custom,
        ))
    }

    /// The `credential_list` entry named `name`.
    pub fn credential_item(&self, name: &str) -> Option<&raw::CredentialItem> {
        self.raw
            .litellm_base
            .as_ref()?
            .credential_list
            .as_ref()?
            .iter()
            .find(|c| c.credential_name.value == name)
    }
}

/// `litellm_params.custom_llm_provider`, with its key.
pub fn custom_llm_provider(dep: &raw::Deployment) -> Option<(&Sp<String>, &Value)> {
    dep.litellm_params
        .extra
        .iter()
        .find(|(k, _)| k.as_str() == "custom_llm_provider")
}

/// The protocol and upstream model name of a deployment LiteLLM resolves to `res`.
fn protocol<'m>(res: Resolution<'m>, model: &'m str) -> Option<(UpstreamApi, &'m str)> {
    match res {
        Resolution::Prefix(p) | Resolution::Explicit(p) => {
            let rest = model
                .strip_prefix(p)
                .and_then(|r| r.strip_prefix('/'))
                .unwrap_or(model);
            Some((UpstreamApi::for_provider(p)?, rest))
        }
        Resolution::Inferred(p) => Some((UpstreamApi::for_provider(p)?, model)),
        Resolution::UnknownPrefix(_) | Resolution::Unresolved => None,
    }
}

fn deployments(model: &Model) -> Vec<DeploymentView<'_>> {
    let dir = model.config_dir.clone();
    let custom = model.custom_providers();
    let mut counts: IndexMap<&str, usize> = IndexMap::new();
    model
        .deployments()
        .iter()
        .enumerate()
        .map(|(index, dep)| {
            let alias = dep.model_name.as_str();
            let n = counts.entry(alias).or_default();
            let id = format!("{alias}#{n}");
            *n += 1;
            let p = &dep.litellm_params;
            let provider = model.provider_of(dep, &custom);
            let resolved = match (provider, &p.model) {
                (Some(r), Some(m)) => protocol(r, m.as_str()),
                _ => None,
            };
            let credential = p
                .litellm_credential_name
                .as_ref()
                .and_then(|c| model.credential_item(c.as_str()));
            let from_credential = credential.map(|c| &c.credential_values);
            DeploymentView {
                index,
                id,
                alias,
                raw: dep,
                model: p.model.as_ref(),
                provider,
                api: resolved.map(|(a, _)| a),
                upstream_model: resolved.map(|(_, m)| m),
                api_base: p
                    .api_base
                    .as_ref()
                    .or(from_credential.and_then(|c| c.api_base.as_ref())),
                key: key_source(model, &dir, p, from_credential),
                credential,
                wildcard: crate::litellm::wildcard::is_pattern(alias),
                weight: p.weight.as_ref().map(|w| w.value),
                rpm: p.rpm.as_ref().or(dep.rpm.as_ref()).map(|r| r.value),
                tpm: p.tpm.as_ref().or(dep.tpm.as_ref()).map(|t| t.value),
                timeout: p.timeout.as_ref().map(|t| t.value).filter(|t| *t != 0.0),
                stream_timeout: p
                    .stream_timeout
                    .as_ref()
                    .map(|t| t.value)
                    .filter(|t| *t != 0.0),
                num_retries: p.num_retries.as_ref().map(|n| n.value),
                cooldown_time: dep
                    .model_info
                    .as_ref()
                    .and_then(|i| i.iter().find(|(k, _)| k.as_str() == "cooldown_time"))
                    .and_then(|(_, v)| v.as_f64())
                    .or(p.cooldown_time.as_ref().map(|c| c.value)),
                responses_api: p.responses_api.as_ref().is_some_and(|r| r.value),
                max_input_tokens: info(dep, "max_input_tokens").and_then(Value::as_u64),
                max_output_tokens: info(dep, "max_output_tokens")
                    .or_else(|| info(dep, "max_tokens"))
                    .and_then(Value::as_u64),
                supports_reasoning: info(dep, "supports_reasoning").and_then(Value::as_bool),
            }
        })
        .collect()
}

/// A key of a deployment's `model_info`.
fn info<'a>(dep: &'a raw::Deployment, key: &str) -> Option<&'a Value> {
    dep.model_info
        .as_ref()
        .and_then(|i| i.iter().find(|(k, _)| k.as_str() == key))
        .map(|(_, v)| v)
}

fn key_source(
    model: &Model,
    dir: &std::path::Path,
    p: &raw::LitellmParams,
    credential: Option<&raw::CredentialValues>,
) -> KeySource {
    // The deployment's own key, else its `api_key_ref`, else its `credential_list` entry's
    // (LiteLLM copies a credential's values only where the deployment sets none).
    let own = p.api_key.as_ref().or(if p.api_key_ref.is_none() {
        credential.and_then(|c| c.api_key.as_ref())
    } else {
        None
    });
    if let Some(k) = own {
        return match secrets::env_reference(k.as_str()) {
            Some(var) => KeySource::Env {
                var: var.to_string(),
                span: k.span,
            },
            None => KeySource::Literal {
                value: k.value.clone(),
                span: k.span,
            },
        };
    }
    let Some(r) = &p.api_key_ref else {
        return KeySource::None;
    };
    let cred = model
        .raw
        .credentials
        .as_ref()
        .and_then(|c| c.upstream.as_ref())
        .and_then(|c| c.iter().find(|(k, _)| k.value == r.value))
        .map(|(_, c)| c);
    match cred.map(|c| (&c.file, &c.env)) {
        Some((Some(f), None)) => KeySource::File {
            credential: r.value.clone(),
            path: secrets::credential_path(dir, f.as_str()),
            span: r.span,
        },
        Some((None, Some(e))) => KeySource::Env {
            var: e.value.clone(),
            span: r.span,
        },
        _ => KeySource::Invalid {
            credential: r.value.clone(),
            span: r.span,
        },
    }
}

/// The service in `services` that is the gateway (LiteLLM, or `fgc serve` in its place).
pub const GATEWAY_SERVICE: &str = "litellm";

/// A local service of `services` (`litellm`, `cliproxyapi_plus`, ...) and where it listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service<'m> {
    pub name: &'m str,
    /// `host`, else 127.0.0.1.
    pub host: &'m str,
    pub port: Option<u16>,
    /// `enabled` (default true).
    pub enabled: bool,
}

impl Model {
    /// The services of the file, in file order. The gateway's own address is
    /// [`View::gateway`].
    pub fn services(&self) -> Vec<Service<'_>> {
        self.raw
            .services
            .iter()
            .flatten()
            .map(|(name, s)| Service {
                name: name.as_str(),
                host: s.host.as_ref().map_or("127.0.0.1", |h| h.as_str()),
                port: s.port.as_ref().map(|p| p.value),
                enabled: s.enabled != Some(false),
            })
            .collect()
    }
}

/// `usage`: how long the store keeps records, and whether `/metrics` needs the key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageView {
    /// `None`: kept until deleted.
    pub retention_days: Option<u32>,
    pub metrics_without_key: bool,
}

fn usage(model: &Model) -> UsageView {
    let u = model.raw.usage.as_ref();
    UsageView {
        retention_days: u
            .and_then(|u| u.retention_days.as_ref())
            .map(|d| d.value)
            .filter(|d| *d > 0),
        metrics_without_key: u
            .and_then(|u| u.metrics_without_key.as_ref())
            .is_some_and(|b| b.value),
    }
}

fn gateway(model: &Model) -> Gateway {
    let svc = model
        .raw
        .services
        .as_ref()
        .and_then(|s| s.iter().find(|(k, _)| k.as_str() == GATEWAY_SERVICE))
        .map(|(_, v)| v);
    let host = svc
        .and_then(|s| s.host.as_ref())
        .map_or("127.0.0.1", |h| h.as_str())
        .to_string();
    let port = svc.and_then(|s| s.port.as_ref()).map_or(4000, |p| p.value);
    let root = match model
        .raw
        .integration
        .as_ref()
        .and_then(|i| i.base_url.as_ref())
    {
        Some(u) => u.as_str().trim_end_matches('/').to_string(),
        None => {
            let h = match host.as_str() {
                "0.0.0.0" | "::" | "[::]" | "" => "127.0.0.1".to_string(),
                h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
                h => h.to_string(),
            };
            format!("http://{h}:{port}")
        }
    };
    let key = match model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref())
    {
        None => GatewayKey::None,
        Some(k) => match secrets::env_reference(k.as_str()) {
            Some(var) => GatewayKey::Env {
                var: var.to_string(),
                span: k.span,
            },
            None => GatewayKey::Literal {
                value: k.value.clone(),
                span: k.span,
            },
        },
    };
    Gateway {
        host,
        port,
        root,
        key,
        instances: svc.and_then(|s| s.instances.clone()),
    }
}

impl<'m> View<'m> {
    /// Scenario routing (`None`: no `routing` section in the file or the profile).
    pub fn routing(&self) -> Option<&RoutingView<'m>> {
        self.routing
            .get_or_init(|| routing_view(self.model, self.profile))
            .as_ref()
    }

    /// Every deployment of `model_list`, resolved, in file order.
    pub fn deployments(&self) -> &[DeploymentView<'m>] {
        self.deployments.get_or_init(|| deployments(self.model))
    }

    /// Seconds one attempt on `d` may take, as LiteLLM's Router decides
    /// (`_get_non_stream_timeout` / `_get_stream_timeout`): the deployment's `timeout`
    /// (`stream_timeout` for streams, then `router_settings.stream_timeout`), then
    /// `litellm_settings.request_timeout`, then `router_settings.timeout`, then 6000 s. When
    /// both `request_timeout` and the router `timeout` are set, `request_timeout` wins.
    pub fn attempt_timeout_secs(&self, d: &DeploymentView<'_>, stream: bool) -> f64 {
        let s = &self.settings;
        let value = |x: &Option<Setting<f64>>| x.as_ref().map(|x| x.value);
        let explicit_request = value(&s.timeout).and(value(&s.request_timeout));
        if stream
            && let Some(t) = d
                .stream_timeout
                .or(value(&s.stream_timeout))
                .or(explicit_request)
        {
            return t;
        }
        d.timeout
            .or(explicit_request)
            .or(value(&s.timeout))
            .or(value(&s.request_timeout))
            .unwrap_or(defaults::TIMEOUT_SECS)
    }

    /// The alias a client name reaches: itself, or the target of a `model_group_alias` name.
    pub fn resolve_name<'a>(&'a self, name: &'a str) -> &'a str {
        if self.model.aliases.contains_key(name) {
            return name;
        }
        self.group_aliases
            .iter()
            .find(|g| g.name.value == name)
            .map_or(name, |g| g.target)
    }

    /// What `model_info` says about the model a client gets for `name` (see [`AliasInfo`]).
    pub fn alias_info(&self, name: &str) -> AliasInfo {
        let alias = self.resolve_name(name);
        let deps: Vec<_> = self.deployments_of(alias).collect();
        let min =
            |f: fn(&DeploymentView<'_>) -> Option<u64>| deps.iter().filter_map(|d| f(d)).min();
        let reasoning: Vec<Option<bool>> = deps.iter().map(|d| d.supports_reasoning).collect();
        let supports_reasoning = if reasoning.is_empty() || reasoning.iter().any(Option::is_none) {
            None
        } else {
            Some(reasoning.contains(&Some(true)))
        };
        let mut upstream_models: Vec<String> = Vec::new();
        for d in &deps {
            let m = d.upstream_model.map(str::to_string).or_else(|| {
                d.model.map(|m| {
                    m.value
                        .split_once('/')
                        .map_or(m.value.as_str(), |x| x.1)
                        .to_string()
                })
            });
            if let Some(m) = m
                && !upstream_models.contains(&m)
            {
                upstream_models.push(m);
            }
        }
        AliasInfo {
            context_window: min(|d| d.max_input_tokens),
            max_output_tokens: min(|d| d.max_output_tokens),
            supports_reasoning,
            upstream_models,
        }
    }

    /// The deployments of `alias`, in file order.
    pub fn deployments_of<'a>(
        &'a self,
        alias: &'a str,
    ) -> impl Iterator<Item = &'a DeploymentView<'m>> + 'a {
        self.deployments().iter().filter(move |d| d.alias == alias)
    }

    /// A settings block of this profile as LiteLLM reads it, every key in order with its value
    /// (`block` is `litellm_settings` or `router_settings`): the base block with the profile's
    /// keys laid over it (a key the profile sets replaces the base value whole, in place;
    /// new keys follow). For the LiteLLM emitter.
    pub fn block_entries(&self, block: Block) -> Vec<(String, Value)> {
        let (bl, br) = self.model.settings(&Scope::Base);
        let (pl, pr) = match self.profile {
            Some(p) => self.model.settings(&Scope::Profile(p.to_string())),
            None => (None, None),
        };
        fn entries<'a>(
            block: Block,
            l: Option<&'a LitellmSettings>,
            r: Option<&'a RouterSettings>,
        ) -> Vec<(&'a Sp<String>, Value)> {
            match block {
                Block::Litellm => l.map(|l| l.entries()).unwrap_or_default(),
                Block::Router => r.map(|r| r.entries()).unwrap_or_default(),
            }
        }
        let mut out: IndexMap<String, Value> = entries(block, bl, br)
            .into_iter()
            .map(|(k, v)| (k.value.clone(), v))
            .collect();
        for (k, v) in entries(block, pl, pr) {
            out.insert(k.value.clone(), v);
        }
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(yaml: &str) -> Model {
        let loaded = crate::check::check_source(
            crate::source::SourceFile::new("t.yaml", "t.yaml", yaml),
            &Default::default(),
        );
        loaded.model.expect("valid structure")
    }

    const DEPS: &str = "  model_list:\n    - {model_name: a, litellm_params: {model: openai/x, timeout: 7}}\n    - {model_name: b, litellm_params: {model: anthropic/y}}\n";

    #[test]
    fn router_settings_win_where_both_blocks_are_read() {
        let m = model(&format!(
            "litellm_base:\n{DEPS}  litellm_settings: {{num_retries: 4, fallbacks: [{{a: [b]}}], max_fallbacks: 2}}\n  router_settings: {{num_retries: 0, fallbacks: []}}\n"
        ));
        let v = m.view(None);
        assert_eq!(
            v.settings.num_retries(),
            0,
            "0 in router_settings is a value"
        );
        assert_eq!(v.settings.max_fallbacks(), 2, "from litellm_settings");
        assert_eq!(
            v.fallbacks.for_alias(&["a"], FallbackKind::Fallbacks),
            vec!["b"],
            "an empty router list gives way"
        );
        assert_eq!(v.shadowed.len(), 2);
        let fb = v.shadowed.iter().find(|s| s.key == "fallbacks").unwrap();
        assert_eq!(fb.used.block, Block::Litellm);
    }

    #[test]
    fn defaults_are_litellm_s() {
        let m = model(&format!("litellm_base:\n{DEPS}"));
        let v = m.view(None);
        assert_eq!(v.settings.num_retries(), 2);
        assert_eq!(v.settings.cooldown_secs(), 5.0);
        assert_eq!(v.settings.max_fallbacks(), 5);
        assert_eq!(v.settings.allowed_fails_count(), None);
        assert_eq!(v.attempt_timeout_secs(&v.deployments()[1], false), 6000.0);
        assert_eq!(v.attempt_timeout_secs(&v.deployments()[0], false), 7.0);
        assert_eq!(v.attempt_timeout_secs(&v.deployments()[0], true), 7.0);
    }

    #[test]
    fn zero_means_not_set_for_timeouts_and_cooldowns() {
        let m = model(&format!(
            "litellm_base:\n{DEPS}  litellm_settings: {{request_timeout: 0}}\n  router_settings: {{timeout: 0, cooldown_time: 0, allowed_fails: 3}}\n"
        ));
        let v = m.view(None);
        assert_eq!(v.settings.cooldown_secs(), 5.0);
        assert_eq!(v.settings.router_timeout_secs(), 6000.0);
        assert_eq!(
            v.settings.allowed_fails_count(),
            None,
            "3 is LiteLLM's default: counts as not set"
        );
    }

    #[test]
    fn request_timeout_wins_over_the_router_timeout_per_attempt() {
        let m = model(&format!(
            "litellm_base:\n{DEPS}  litellm_settings: {{request_timeout: 2}}\n  router_settings: {{timeout: 4, stream_timeout: 9}}\n"
        ));
        let v = m.view(None);
        assert_eq!(v.attempt_timeout_secs(&v.deployments()[1], false), 2.0);
        assert_eq!(v.attempt_timeout_secs(&v.deployments()[1], true), 9.0);
    }

    #[test]
    fn a_profile_replaces_base_keys_and_keeps_the_rest() {
        let m = model(&format!(
            "litellm_base:\n{DEPS}  router_settings: {{num_retries: 1, routing_strategy: least-busy}}\nprofiles:\n  p:\n    router_settings: {{num_retries: 3}}\n  q: {{}}\ndefault_profile: p\n"
        ));
        let v = m.view(Some("p"));
        assert_eq!(v.settings.num_retries(), 3);
        assert_eq!(v.settings.routing_strategy(), RoutingStrategy::LeastBusy);
        let origin = &v.settings.num_retries.as_ref().unwrap().origin;
        assert_eq!(origin.scope, Scope::Profile("p".into()));
        assert_eq!(m.view(Some("q")).settings.num_retries(), 1);
        assert_eq!(m.select_profile(None), Ok(Some("p")));
        let entries = v.block_entries(Block::Router);
        assert_eq!(
            entries,
            vec![
                ("num_retries".to_string(), serde_json::json!(3)),
                (
                    "routing_strategy".to_string(),
                    serde_json::json!("least-busy")
                )
            ]
        );
    }

    #[test]
    fn several_profiles_and_no_default_is_ambiguous() {
        let m = model(&format!(
            "litellm_base:\n{DEPS}profiles: {{p: {{}}, q: {{}}}}\n"
        ));
        assert_eq!(
            m.select_profile(None),
            Err(ProfileError::Ambiguous(vec!["p".into(), "q".into()]))
        );
        assert_eq!(m.select_profile(Some("q")), Ok(Some("q")));
    }

    #[test]
    fn default_fallbacks_are_the_generic_entry_and_win_over_a_written_star() {
        let m = model(&format!(
            "litellm_base:\n{DEPS}  router_settings: {{fallbacks: [{{'*': [a]}}, {{a: [b]}}], default_fallbacks: [b]}}\n"
        ));
        let v = m.view(None);
        assert_eq!(
            v.fallbacks.for_alias(&["a"], FallbackKind::Fallbacks),
            vec!["b"]
        );
        assert_eq!(
            v.fallbacks.for_alias(&["zzz"], FallbackKind::Fallbacks),
            vec!["b"]
        );
        assert_eq!(
            v.fallbacks
                .for_alias(&["zzz", "a"], FallbackKind::Fallbacks),
            vec!["b"],
            "the requested name's own entry comes before the generic one"
        );
        assert!(
            v.fallbacks
                .router_list(FallbackKind::ContextWindow)
                .is_none()
        );
    }

    #[test]
    fn deployments_resolve_protocol_url_and_key_source() {
        let m = model(
            "credentials: {upstream: {c: {env: UP_KEY}}}\nlitellm_base:\n  model_list:\n    - {model_name: a, litellm_params: {model: anthropic/claude, api_key_ref: c}}\n    - {model_name: a, litellm_params: {model: openai/gpt, api_base: 'http://h/v1/', api_key: os.environ/K}}\n",
        );
        let v = m.view(None);
        let d: Vec<_> = v.deployments_of("a").collect();
        assert_eq!(d[0].id, "a#0");
        assert_eq!(d[1].id, "a#1");
        assert_eq!(
            d[0].base_url().as_deref(),
            Some("https://api.anthropic.com/v1")
        );
        assert_eq!(d[1].base_url().as_deref(), Some("http://h/v1"));
        assert!(matches!(&d[0].key, KeySource::Env { var, .. } if var == "UP_KEY"));
        assert!(matches!(&d[1].key, KeySource::Env { var, .. } if var == "K"));
        assert_eq!(v.gateway.root, "http://127.0.0.1:4000");
        assert_eq!(v.gateway.key, GatewayKey::None);
    }
}
