//! The raw model: `flowgate.yaml` as written, every value with its span.
//!
//! The same types generate the JSON Schema (`schemars`) and receive the typed values
//! (`serde`), so the schema and the checker cannot drift apart. LiteLLM's own blocks
//! (`litellm_params`, `*_settings`) are open: keys fgc does not model are kept in `extra`,
//! in order, and passed through by the emitters.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::span::Sp;

/// Keys fgc does not model, kept in source order with their key spans.
pub type Extra = IndexMap<Sp<String>, Value>;

/// `flowgate.yaml`: the single source of truth for a local LLM gateway.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "flowgate.yaml", extend("$id" = "https://fgc.invalid/flowgate.schema.json"))]
pub struct Config {
    /// The profile used when a command is not given `--profile`.
    pub default_profile: Option<Sp<String>>,
    /// Upstream secrets, by name. Referenced from `litellm_params.api_key_ref`.
    pub credentials: Option<Credentials>,
    /// The LiteLLM proxy configuration every profile starts from.
    pub litellm_base: Option<LitellmBase>,
    /// Named overlays on `litellm_base` (for example `balanced`).
    pub profiles: Option<IndexMap<Sp<String>, Profile>>,
    /// What the client integrations (Codex CLI, Claude Code) are told.
    pub integration: Option<Integration>,
    /// Local services and the address each listens on.
    pub services: Option<IndexMap<Sp<String>, Service>>,
    /// Authentication providers for upstream logins.
    pub auth: Option<Auth>,
    /// Legacy OAuth section. Deprecated: use `auth.providers`.
    pub oauth: Option<Sp<IndexMap<String, Value>>>,
    /// `fgc redirect`: which upstreams to map standard model names on, and which names.
    pub redirect: Option<Redirect>,
    /// Scenario routing for `fgc serve`: which alias serves background jobs, thinking, long
    /// contexts, web searches and images, and requests naming a Claude model family
    /// (docs/routing.md).
    pub routing: Option<Routing>,
    /// `fgc serve`'s usage store and metrics (docs/usage.md).
    pub usage: Option<UsageSettings>,
}

/// `fgc serve`'s usage store and metrics (docs/usage.md).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageSettings {
    /// Days of records the usage store keeps; older ones are deleted when the gateway starts
    /// and hourly. Absent or 0: records are kept until deleted (`DELETE /api/usage`).
    pub retention_days: Option<Sp<u32>>,
    /// Serve `GET /metrics` without the gateway key (for a Prometheus scraping over a trusted
    /// network). Default: false, the key is required as for every other endpoint.
    pub metrics_without_key: Option<Sp<bool>>,
}

impl Config {
    /// flowgate.yaml's top-level sections: a file with one of them is a flowgate.yaml.
    pub const SECTIONS: &'static [&'static str] = &[
        "default_profile",
        "credentials",
        "litellm_base",
        "profiles",
        "integration",
        "services",
        "auth",
        "oauth",
        "redirect",
        "routing",
        "usage",
    ];
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Secrets for upstream providers, by name.
    pub upstream: Option<IndexMap<Sp<String>, Credential>>,
}

/// Where one secret comes from: exactly one of `file` or `env`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// A file holding the secret, relative to the folder of flowgate.yaml. Mode 0600.
    pub file: Option<Sp<String>>,
    /// An environment variable holding the secret.
    pub env: Option<Sp<String>>,
}

/// A value of `environment_variables` (LiteLLM writes `str(value)` into its environment).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// One `credential_list` entry (LiteLLM's `CredentialItem`).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialItem {
    /// The name deployments use in `litellm_params.litellm_credential_name`.
    pub credential_name: Sp<String>,
    /// Keys copied into the `litellm_params` of each deployment that uses the credential,
    /// where the deployment does not set them (`api_key`, `api_base`, `api_version`, ...).
    pub credential_values: CredentialValues,
    /// Required by LiteLLM (it refuses to start without it), even empty: `{}`.
    pub credential_info: IndexMap<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Sp<String>>,
}

/// A port written as a number or as an `os.environ/VAR` reference (LiteLLM passes either to
/// the Redis client).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PortValue {
    Number(u16),
    Text(String),
}

/// One deployment of an alias.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// The alias clients request (for example `router-default`).
    pub model_name: Sp<String>,
    pub litellm_params: LitellmParams,
    /// Metadata passed to LiteLLM as is (keys checked against LiteLLM's `ModelInfo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_info: Option<Extra>,
    /// Tokens per minute for this deployment, read by LiteLLM's usage-based routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpm: Option<Sp<u64>>,
    /// Requests per minute for this deployment, read by LiteLLM's usage-based routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpm: Option<Sp<u64>>,
    /// Whether LiteLLM keeps this deployment out of routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// (fgc only) The upstream this entry was generated for by `fgc redirect`, which replaces
    /// or removes such entries on its next run. Delete the key to keep the entry as your own.
    /// Never passed to LiteLLM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fgc_redirect: Option<Sp<String>>,
}

/// `fgc redirect`: standard model names (aliases) mapped to the model ids each upstream
/// serves. See docs/redirect.md.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redirect {
    /// The upstreams to map, by name. Default: every distinct `api_base` and credential of
    /// `model_list`.
    pub upstreams: Option<IndexMap<Sp<String>, RedirectUpstream>>,
    /// The standard names, replacing fgc's built-in list (`fgc redirect --list-names`).
    pub standard_names: Option<Vec<Sp<String>>>,
    /// Standard names added after the built-in list (or after `standard_names`).
    pub extra_standard_names: Option<Vec<Sp<String>>>,
}

/// One upstream `fgc redirect` maps: where it is, and the credential it takes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectUpstream {
    /// The base URL; its models are listed with `GET {api_base}/models`. Written as is into
    /// the generated entries.
    pub api_base: Sp<String>,
    /// The name of a credential in `credentials.upstream`.
    pub api_key_ref: Option<Sp<String>>,
    /// The key as `os.environ/VAR` (a literal key is refused: it would be copied into every
    /// generated entry).
    pub api_key: Option<Sp<String>>,
    /// The LiteLLM provider prefix of the generated `litellm_params.model` (default `openai`).
    /// With `anthropic`, models are listed the Anthropic way (`x-api-key`).
    pub provider: Option<Sp<String>>,
}

/// A profile overlays these blocks on `litellm_base`, key by key.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A sentence on what the profile is for.
    pub description: Option<String>,
    pub litellm_settings: Option<LitellmSettings>,
    pub router_settings: Option<RouterSettings>,
    /// Replaces the top-level `routing` key by key (and `families` family by family).
    pub routing: Option<Routing>,
}

/// `{alias: [fallback, ...]}`: when `alias` fails, try these in order.
pub type FallbackMap = IndexMap<Sp<String>, Vec<Sp<String>>>;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// The alias clients use by default (Codex `model`, Claude `ANTHROPIC_MODEL`).
    pub default_model: Option<Sp<String>>,
    /// The alias for quick background work (Claude's haiku slot).
    pub fast_model: Option<Sp<String>>,
    /// The gateway root the clients talk to, without `/v1` (default: from `services.litellm`).
    pub base_url: Option<Sp<String>>,
    pub codex: Option<CodexIntegration>,
    pub claude_code: Option<ClaudeCodeIntegration>,
    /// opencode (`opencode.json`): `fgc emit opencode`.
    pub opencode: Option<OpencodeIntegration>,
    /// Qwen Code (`~/.qwen/settings.json`): `fgc emit qwen-code`.
    pub qwen_code: Option<QwenCodeIntegration>,
    /// Aider (`.aider.conf.yml` and `.aider.model.metadata.json`): `fgc emit aider`.
    pub aider: Option<AiderIntegration>,
    /// Continue CLI (`~/.continue/config.yaml`): `fgc emit continue`.
    #[serde(rename = "continue")]
    pub continue_cli: Option<ContinueIntegration>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpencodeIntegration {
    /// The `provider` id the aliases are listed under (default `flowgate`); the model is
    /// `<provider_id>/<alias>`.
    pub provider_id: Option<Sp<String>>,
    /// Display name of the provider (default `FlowGate Local`).
    pub provider_name: Option<Sp<String>>,
    /// `options.baseURL`; must end in `/v1` (default: gateway root + `/v1`).
    pub base_url: Option<Sp<String>>,
    /// The environment variable holding the gateway key, written `{env:VAR}` (default: the
    /// variable of `general_settings.master_key`).
    pub env_key: Option<Sp<String>>,
    /// `model` (default: `integration.default_model`).
    pub model: Option<Sp<String>>,
    /// `small_model`, used for titles (default: `integration.fast_model`, else the model).
    pub small_model: Option<Sp<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QwenCodeIntegration {
    /// The protocol Qwen Code speaks to the gateway: `openai` (Chat Completions, default) or
    /// `anthropic` (Messages).
    pub protocol: Option<Sp<QwenProtocol>>,
    /// `baseUrl`: gateway root + `/v1` for `openai`, the root for `anthropic` (default:
    /// derived from the gateway root).
    pub base_url: Option<Sp<String>>,
    /// `envKey`: the environment variable holding the gateway key (default: the variable of
    /// `general_settings.master_key`).
    pub env_key: Option<Sp<String>>,
    /// `model.name` (default: `integration.default_model`).
    pub model: Option<Sp<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QwenProtocol {
    Openai,
    Anthropic,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AiderIntegration {
    /// `openai-api-base`; must end in `/v1` (default: gateway root + `/v1`).
    pub base_url: Option<Sp<String>>,
    /// `model` (written `openai/<alias>`; default: `integration.default_model`).
    pub model: Option<Sp<String>>,
    /// `weak-model`, for commit messages and summaries (default: `integration.fast_model`,
    /// else the model).
    pub weak_model: Option<Sp<String>>,
    /// `editor-model`, the editor in architect mode (default: the model).
    pub editor_model: Option<Sp<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContinueIntegration {
    /// `apiBase`; must end in `/v1` (default: gateway root + `/v1`).
    pub base_url: Option<Sp<String>>,
    /// The environment variable (a Continue secret, `${{ secrets.VAR }}`) holding the gateway
    /// key (default: the variable of `general_settings.master_key`).
    pub env_key: Option<Sp<String>>,
    /// The chat, edit and apply model (default: `integration.default_model`).
    pub model: Option<Sp<String>>,
    /// The summarize model (default: `integration.fast_model`; none when it is the model).
    pub fast_model: Option<Sp<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodexIntegration {
    /// The `model_providers` id (default `flowgate`). `openai`, `ollama`, `lmstudio` are reserved.
    pub provider_id: Option<Sp<String>>,
    /// Display name of the provider (default `FlowGate Local`).
    pub provider_name: Option<Sp<String>>,
    /// The URL Codex posts `/responses` to; must end in `/v1` (default: gateway root + `/v1`).
    pub base_url: Option<Sp<String>>,
    /// The environment variable holding the gateway token (default: the variable of
    /// `general_settings.master_key: os.environ/VAR`, else `FGC_GATEWAY_KEY`).
    pub env_key: Option<Sp<String>>,
    /// Must be `responses`: current Codex rejects `chat`.
    pub wire_api: Option<Sp<String>>,
    /// The alias Codex requests (default: `integration.default_model`).
    pub model: Option<Sp<String>>,
    /// The Codex model whose catalog entry (instructions, tools, reasoning levels) an alias
    /// copies in `fgc emit codex --catalog` (default: the entry whose slug starts the
    /// upstream model's name, else `gpt-5.5`).
    pub catalog_template: Option<Sp<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaudeCodeIntegration {
    /// `ANTHROPIC_BASE_URL`: the gateway root, never ending in `/v1` (default: gateway root).
    pub base_url: Option<Sp<String>>,
    /// `ANTHROPIC_AUTH_TOKEN`: the gateway token, as `os.environ/VAR` or a placeholder.
    pub auth_token: Option<Sp<String>>,
    /// `ANTHROPIC_MODEL` (default: `integration.default_model`).
    pub model: Option<Sp<String>>,
    /// `ANTHROPIC_DEFAULT_OPUS_MODEL` (default: `integration.default_model`).
    pub opus_model: Option<Sp<String>>,
    /// `ANTHROPIC_DEFAULT_SONNET_MODEL` (default: `integration.default_model`).
    pub sonnet_model: Option<Sp<String>>,
    /// `ANTHROPIC_DEFAULT_HAIKU_MODEL` (default: `integration.fast_model`).
    pub haiku_model: Option<Sp<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub host: Option<Sp<String>>,
    pub port: Option<Sp<u16>>,
    /// Whether FlowGate starts this service (default true).
    pub enabled: Option<bool>,
    /// (`litellm` only) How many LiteLLM instances run this config behind a load balancer
    /// (default 1). With more than one, the router's state (cooldowns, usage counts) must be
    /// shared through Redis: see docs/scale.md.
    pub instances: Option<Sp<u32>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// Login providers (for example `codex`, `copilot`), each a mapping of settings.
    pub providers: Option<IndexMap<Sp<String>, IndexMap<String, Value>>>,
}

/// `routing`: which alias serves a request that does not name one, by what the request is.
/// Every route names an alias. Only `fgc serve` runs it (LiteLLM has no such routing;
/// `fgc emit litellm` maps the families and warns about the rest).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// Requests whose model is not a served name and that no other route takes (with it,
    /// every such name is routed; without it only Claude family ids are).
    pub default: Option<Sp<String>>,
    /// Background jobs: requests naming the haiku family, or whose system prompt starts
    /// with one of `background_prompts`.
    pub background: Option<Sp<String>>,
    /// Requests asking for at least `think_effort` of reasoning.
    pub think: Option<Sp<String>>,
    /// Requests of more than `long_context_threshold` tokens.
    pub long_context: Option<Sp<String>>,
    /// Requests that offer a server-side web-search tool.
    pub web_search: Option<Sp<String>>,
    /// Requests whose latest user turn carries an image.
    pub image: Option<Sp<String>>,
    /// Tokens above which a request is long context (default 60000).
    pub long_context_threshold: Option<Sp<u64>>,
    /// The lowest reasoning effort that makes a request a `think` request (default
    /// `xhigh`: above Claude Code's default `high`). A thinking budget counts by its level.
    pub think_effort: Option<Sp<crate::routing::Effort>>,
    /// System prompt starts that make a request a background request (default: the start
    /// of Claude Code's title prompt). `[]` turns prompt matching off.
    pub background_prompts: Option<Sp<Vec<Sp<String>>>>,
    /// Claude model families: requests naming `claude-opus-*`, `claude-sonnet-*`,
    /// `claude-haiku-*` (dated ids included) or `claude-fable-*` go to these aliases.
    pub families: Option<Families>,
}

/// The Claude model families Claude Code names.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Families {
    pub opus: Option<Sp<FamilyRoute>>,
    pub sonnet: Option<Sp<FamilyRoute>>,
    /// Haiku requests are background requests: `routing.background` takes them first.
    pub haiku: Option<Sp<FamilyRoute>>,
    pub fable: Option<Sp<FamilyRoute>>,
}

impl Families {
    pub fn get(&self, f: crate::routing::Family) -> Option<&Sp<FamilyRoute>> {
        use crate::routing::Family as F;
        match f {
            F::Opus => self.opus.as_ref(),
            F::Sonnet => self.sonnet.as_ref(),
            F::Haiku => self.haiku.as_ref(),
            F::Fable => self.fable.as_ref(),
        }
    }
}

/// A family's alias, or its own routes (`default` being its alias), which come before the
/// top-level ones for its requests.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum FamilyRoute {
    Alias(String),
    Routes(Box<RouteSet>),
}

/// The routes of one family.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSet {
    /// The family's alias, for its requests no scenario takes.
    pub default: Option<Sp<String>>,
    pub background: Option<Sp<String>>,
    pub think: Option<Sp<String>>,
    pub long_context: Option<Sp<String>>,
    pub web_search: Option<Sp<String>>,
    pub image: Option<Sp<String>>,
}

macro_rules! route_keys {
    ($($t:ty),*) => {$(
        impl $t {
            /// The route written for `key`.
            pub fn route(&self, key: crate::routing::Key) -> Option<&Sp<String>> {
                use crate::routing::Key as K;
                match key {
                    K::Default => self.default.as_ref(),
                    K::Background => self.background.as_ref(),
                    K::Think => self.think.as_ref(),
                    K::LongContext => self.long_context.as_ref(),
                    K::WebSearch => self.web_search.as_ref(),
                    K::Image => self.image.as_ref(),
                }
            }
        }
    )*};
}
route_keys!(Routing, RouteSet);

impl<'de> Deserialize<'de> for FamilyRoute {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FamilyRoute;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an alias or a mapping of routes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FamilyRoute::Alias(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RouteSet::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|r| FamilyRoute::Routes(Box::new(r)))
            }
        }
        d.deserialize_any(V)
    }
}

/// The target of a `model_group_alias` entry: an alias, or `{model: alias, hidden: bool}`.
#[derive(Debug, JsonSchema, Serialize)]
#[serde(untagged)]
pub enum GroupAliasTarget {
    Alias(String),
    /// `hidden` is required: LiteLLM 1.106 fails to start without it (`KeyError: 'hidden'`).
    Detailed {
        model: Sp<String>,
        hidden: bool,
    },
}

impl<'de> Deserialize<'de> for GroupAliasTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = GroupAliasTarget;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an alias or {model: alias, hidden: bool}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(GroupAliasTarget::Alias(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut model = None;
                let mut hidden = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "model" => model = Some(map.next_value()?),
                        "hidden" => hidden = Some(map.next_value()?),
                        other => return Err(de::Error::unknown_field(other, &["model", "hidden"])),
                    }
                }
                let model = model.ok_or_else(|| de::Error::missing_field("model"))?;
                let hidden = hidden.ok_or_else(|| de::Error::missing_field("hidden"))?;
                Ok(GroupAliasTarget::Detailed { model, hidden })
            }
        }
        d.deserialize_any(V)
    }
}

/// Defines an open LiteLLM block: known keys typed, other keys kept in `extra`, and every key
/// as written, in order (`keys`), so a block can be rendered back in the user's order.
macro_rules! open_block {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident $([$key:literal])? : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, JsonSchema)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )*
            /// Other LiteLLM keys, passed through as written.
            #[serde(flatten)]
            pub extra: Extra,
            /// Every key as written (typed and not), in file order, with its span.
            #[serde(skip)]
            #[schemars(skip)]
            pub keys: Vec<Sp<String>>,
        }

        impl $name {
            /// The keys fgc models in this block.
            pub const KNOWN: &'static [&'static str] = &[$(open_block!(@key $field $($key)?)),*];

            /// Every key with its value as JSON, in file order: what the block says, for the
            /// emitters that render it back.
            pub fn entries(&self) -> Vec<(&Sp<String>, Value)> {
                let mut out = Vec::with_capacity(self.keys.len());
                for key in &self.keys {
                    let value = match key.value.as_str() {
                        $( open_block!(@key $field $($key)?) => self.$field.as_ref().map(to_json), )*
                        _ => self.extra.get(key).cloned(),
                    };
                    if let Some(v) = value {
                        out.push((key, v));
                    }
                }
                out
            }

            /// The span of `key` as written in this block.
            pub fn key_span(&self, key: &str) -> Option<crate::span::Span> {
                self.keys.iter().find(|k| k.value == key).map(|k| k.span)
            }
        }

        /// Serializes as what the block says: every key in file order.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let entries = self.entries();
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k.as_str(), &v)?;
                }
                m.end()
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " mapping"))
                    }
                    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                        Ok($name::default())
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                        let mut out = $name::default();
                        while let Some(key) = map.next_key::<Sp<String>>()? {
                            out.keys.push(key.clone());
                            match key.value.as_str() {
                                $( open_block!(@key $field $($key)?) => out.$field = map.next_value()?, )*
                                _ => {
                                    let v: Value = map.next_value()?;
                                    out.extra.insert(key, v);
                                }
                            }
                        }
                        Ok(out)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
    (@key $field:ident) => { stringify!($field) };
    (@key $field:ident $key:literal) => { $key };
}

open_block! {
    /// LiteLLM's config: in flowgate.yaml the `litellm_base` section, in a plain LiteLLM
    /// `config.yaml` the whole file. LiteLLM's other top-level keys (`guardrails`,
    /// `mcp_servers`, `callback_settings`, ...) are kept in order and passed through.
    pub struct LitellmBase {
        /// The aliases clients may request. Several entries with one `model_name` are one alias
        /// with several deployments, balanced by LiteLLM.
        model_list: Vec<Deployment>,
        litellm_settings: LitellmSettings,
        router_settings: RouterSettings,
        general_settings: GeneralSettings,
        /// Variables LiteLLM sets in its environment at start-up, after it has resolved the
        /// `os.environ/` references of the file: a reference to a variable set only here
        /// resolves to nothing. Values are written as Python's `str()` of what YAML read.
        environment_variables: IndexMap<Sp<String>, Option<Sp<EnvValue>>>,
        /// Other LiteLLM config files merged into this one, each relative to the file that
        /// names it: lists (`model_list`) are extended, every other key is replaced whole.
        include: Vec<Sp<String>>,
        /// Named credentials a deployment uses with `litellm_params.litellm_credential_name`.
        credential_list: Vec<CredentialItem>,
    }
}

/// A typed value back as JSON (for rendering; typed values always serialize). A whole
/// number read into a float field (`timeout: 600`) is written back as the integer it was.
fn to_json<T: Serialize>(v: &T) -> Value {
    match serde_json::to_value(v).unwrap_or(Value::Null) {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        other => other,
    }
}

open_block! {
    /// Parameters of one deployment, passed to LiteLLM. fgc-only keys (`api_key_ref`) are
    /// resolved and removed when emitting.
    pub struct LitellmParams {
        /// The upstream model, with a provider prefix (`openai/gpt-5.2`).
        model: Sp<String>,
        /// The upstream's base URL (for OpenAI-compatible upstreams, ending in `/v1`).
        api_base: Sp<String>,
        /// The upstream key: `os.environ/VAR`, never a literal secret in a committed file.
        api_key: Sp<String>,
        /// The name of a credential in `credentials.upstream` (fgc only).
        api_key_ref: Sp<String>,
        rpm: Sp<u64>,
        tpm: Sp<u64>,
        /// Seconds before a request to this deployment times out.
        timeout: Sp<f64>,
        /// Seconds before a streaming request times out.
        stream_timeout: Sp<f64>,
        max_retries: Sp<u32>,
        /// Retries for a failure of this deployment (over the router's `num_retries`).
        num_retries: Sp<u32>,
        /// Seconds this deployment cools down after a failure that cools it down (0: never).
        cooldown_time: Sp<f64>,
        /// (fgc only) This OpenAI-compatible upstream also serves `/v1/responses`: `fgc serve`
        /// passes Responses requests through instead of translating them to Chat Completions.
        /// `fgc emit litellm` leaves it out.
        responses_api: Sp<bool>,
        /// Relative share of traffic among the alias's deployments (simple-shuffle reads
        /// `weight`, else `rpm`, else `tpm`).
        weight: Sp<f64>,
        /// A `credential_list` entry whose values fill in the keys this deployment does not set.
        litellm_credential_name: Sp<String>,
    }
}

open_block! {
    /// `credential_values` of a `credential_list` entry: `litellm_params` keys.
    pub struct CredentialValues {
        api_key: Sp<String>,
        api_base: Sp<String>,
    }
}

open_block! {
    /// Settings applied to the `litellm` module.
    pub struct LitellmSettings {
        fallbacks: Sp<Vec<FallbackMap>>,
        context_window_fallbacks: Sp<Vec<FallbackMap>>,
        content_policy_fallbacks: Sp<Vec<FallbackMap>>,
        /// Aliases tried for any alias without a fallback of its own.
        default_fallbacks: Sp<Vec<Sp<String>>>,
        num_retries: Sp<u32>,
        /// Seconds before a request times out (LiteLLM reads it only here).
        request_timeout: Sp<f64>,
        allowed_fails: Sp<u32>,
        drop_params: Sp<bool>,
        /// Fallback model groups tried for one request.
        max_fallbacks: Sp<u32>,
        /// Turns on LiteLLM's response cache (`cache_params`); with a Redis cache, the proxy
        /// also shares router state (cooldowns, usage counts) through that Redis.
        cache: Sp<bool>,
        /// `litellm.Cache(**cache_params)`: `type` (default `redis`), `host`, `port`,
        /// `password`; other keys reach the cache backend.
        cache_params: CacheParams,
    }
}

open_block! {
    /// `litellm_settings.cache_params`, passed to `litellm.Cache`.
    pub struct CacheParams {
        /// `local`, `redis` (the default), `redis-semantic`, `s3`, `disk`, ...
        #[serde(rename = "type")]
        cache_type ["type"]: Sp<String>,
        host: Sp<String>,
        port: Sp<PortValue>,
        password: Sp<String>,
        /// Seconds a cached response is kept.
        ttl: Sp<f64>,
    }
}

open_block! {
    /// Settings passed to LiteLLM's Router.
    pub struct RouterSettings {
        fallbacks: Sp<Vec<FallbackMap>>,
        context_window_fallbacks: Sp<Vec<FallbackMap>>,
        content_policy_fallbacks: Sp<Vec<FallbackMap>>,
        default_fallbacks: Sp<Vec<Sp<String>>>,
        /// `simple-shuffle` (default), `least-busy`, `usage-based-routing`,
        /// `usage-based-routing-v2`, `latency-based-routing`, `cost-based-routing`.
        routing_strategy: Sp<String>,
        /// Extra names for aliases: `{name: alias}` or `{name: {model: alias, hidden: true}}`.
        model_group_alias: IndexMap<Sp<String>, Sp<GroupAliasTarget>>,
        num_retries: Sp<u32>,
        timeout: Sp<f64>,
        /// Seconds before a streaming request times out.
        stream_timeout: Sp<f64>,
        allowed_fails: Sp<u32>,
        cooldown_time: Sp<f64>,
        /// Seconds to wait at least before a retry.
        retry_after: Sp<f64>,
        /// Retries per error class, replacing `num_retries` for that class.
        retry_policy: Sp<RetryPolicy>,
        /// Failures per error class a deployment may have before it cools down.
        allowed_fails_policy: Sp<AllowedFailsPolicy>,
        /// Fallback model groups tried for one request.
        max_fallbacks: Sp<u32>,
        /// Never cool a deployment down.
        disable_cooldowns: Sp<bool>,
        /// The Redis the Router keeps its state in (cooldowns, failure and usage counts),
        /// shared by every LiteLLM instance that names it. Needs `redis_port` (or `redis_url`).
        redis_host: Sp<String>,
        redis_port: Sp<PortValue>,
        redis_password: Sp<String>,
        /// `redis://[:password@]host:port`, instead of `redis_host` and `redis_port`.
        redis_url: Sp<String>,
    }
}

/// `router_settings.retry_policy`: retries per error class (LiteLLM's `RetryPolicy`).
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct RetryPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub BadRequestErrorRetries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub AuthenticationErrorRetries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub TimeoutErrorRetries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub RateLimitErrorRetries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ContentPolicyViolationErrorRetries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub InternalServerErrorRetries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ServiceUnavailableErrorRetries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub NotFoundErrorRetries: Option<u32>,
    /// Retries for every error class without an entry of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub DefaultRetries: Option<u32>,
}

/// `router_settings.allowed_fails_policy`: failures per error class before a cooldown
/// (LiteLLM's `AllowedFailsPolicy`).
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct AllowedFailsPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub BadRequestErrorAllowedFails: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub AuthenticationErrorAllowedFails: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub TimeoutErrorAllowedFails: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub RateLimitErrorAllowedFails: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ContentPolicyViolationErrorAllowedFails: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub InternalServerErrorAllowedFails: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ServiceUnavailableErrorAllowedFails: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub BadGatewayErrorAllowedFails: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub NotFoundErrorAllowedFails: Option<u32>,
}

/// The fallback list of each kind, for the blocks that hold them.
macro_rules! fallback_lists {
    ($($t:ty),*) => {$(
        impl $t {
            pub fn fallback_list(&self, kind: crate::model::checked::FallbackKind) -> Option<&Sp<Vec<FallbackMap>>> {
                use crate::model::checked::FallbackKind as K;
                match kind {
                    K::Fallbacks => self.fallbacks.as_ref(),
                    K::ContextWindow => self.context_window_fallbacks.as_ref(),
                    K::ContentPolicy => self.content_policy_fallbacks.as_ref(),
                }
            }
        }
    )*};
}
fallback_lists!(LitellmSettings, RouterSettings);

open_block! {
    /// Proxy-wide settings.
    pub struct GeneralSettings {
        /// The gateway key clients must send; `os.environ/VAR`. Must start with `sk-`.
        master_key: Sp<String>,
        /// The Redis LiteLLM instances coordinate through (usage, rate limits, router state).
        coordination_redis: CoordinationRedis,
    }
}

open_block! {
    /// `general_settings.coordination_redis` (LiteLLM's `CoordinationRedisParams`).
    pub struct CoordinationRedis {
        host: Sp<String>,
        port: Sp<PortValue>,
        password: Sp<String>,
        url: Sp<String>,
    }
}
