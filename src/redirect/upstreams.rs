//! The upstreams `fgc redirect` maps: an `api_base` plus a credential, from
//! `redirect.upstreams` when the file lists them, else every distinct pair in `model_list`.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::model::Model;
use crate::model::upstream::UpstreamApi;
use crate::model::view::DeploymentView;
use crate::secrets::{self, SecretSource, SecretState};

/// How an upstream's key is written, as copied into the entries generated for it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    None,
    /// `api_key_ref: NAME`.
    Ref(String),
    /// `api_key: os.environ/VAR`.
    Env(String),
    /// A literal `api_key`. Never printed; an upstream with one is not mapped.
    Literal(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::None => f.write_str("None"),
            Credential::Ref(r) => write!(f, "Ref({r:?})"),
            Credential::Env(v) => write!(f, "Env({v:?})"),
            Credential::Literal(_) => f.write_str("Literal(<redacted>)"),
        }
    }
}

impl Credential {
    fn of(api_key_ref: Option<&str>, api_key: Option<&str>) -> Credential {
        match (api_key_ref, api_key) {
            (Some(r), _) => Credential::Ref(r.to_string()),
            (None, Some(k)) => match secrets::env_reference(k) {
                Some(var) => Credential::Env(var.to_string()),
                None => Credential::Literal(k.to_string()),
            },
            (None, None) => Credential::None,
        }
    }

    /// A short name for messages and upstream names (never the secret).
    fn label(&self) -> Option<String> {
        match self {
            Credential::Ref(r) => Some(r.clone()),
            Credential::Env(v) => Some(v.clone()),
            Credential::Literal(_) => Some("literal-key".into()),
            Credential::None => None,
        }
    }
}

/// How an upstream lists its models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `Authorization: Bearer KEY`, `{"data": [{"id": ...}]}`.
    OpenAi,
    /// `x-api-key: KEY`, `anthropic-version`, `{"data": [...], "has_more", "last_id"}`.
    Anthropic,
}

/// One upstream.
#[derive(Clone, Debug)]
pub struct Upstream {
    pub name: String,
    /// `api_base` as written (`None`: the provider's default, left out of generated entries).
    pub api_base: Option<String>,
    /// Where `/models` is (no trailing slash).
    pub base_url: String,
    pub api: Api,
    pub credential: Credential,
    /// The LiteLLM provider prefix of generated `litellm_params.model` (`openai`).
    pub provider: String,
    /// Why the upstream is not mapped, when it is not.
    pub unusable: Option<String>,
    /// Aliases written by hand on this upstream (not generated).
    pub hand_written: HashSet<String>,
    /// `model_list` indices of the entries generated for it.
    pub generated: Vec<usize>,
}

impl Upstream {
    fn identity(&self) -> (&str, &Credential) {
        (&self.base_url, &self.credential)
    }

    /// The secret to send, read from where the credential says; `Ok(None)` for no key.
    pub fn secret(&self, model: &Model) -> Result<Option<String>, String> {
        let (what, state) = match &self.credential {
            Credential::None => return Ok(None),
            Credential::Literal(k) => return Ok(Some(k.clone())),
            Credential::Env(v) => (
                format!("environment variable `{v}`"),
                secrets::inspect(&SecretSource::Env(v.clone())),
            ),
            Credential::Ref(r) => (
                format!("credential `{r}`"),
                secrets::resolve_credential(model, &model.config_dir, r)
                    .ok_or_else(|| format!("credential `{r}` is not usable (see fgc check)"))?,
            ),
        };
        match state {
            SecretState::Present(v) => Ok(Some(v)),
            SecretState::Missing => Err(format!("{what} is not set")),
            SecretState::Empty => Err(format!("{what} is empty")),
            SecretState::TooOpen { mode, .. } => Err(format!(
                "{what} has mode {mode:04o}, readable by group or others (chmod 600 it)"
            )),
            SecretState::Unreadable(e) => Err(format!("{what} cannot be read: {e}")),
        }
    }
}

/// The upstreams of a config, and what could not become one.
#[derive(Debug, Default)]
pub struct Upstreams {
    pub list: Vec<Upstream>,
    /// Generated entries whose upstream is not configured any more, by the name they carry.
    pub orphans: IndexMap<String, Vec<usize>>,
    /// Deployments that name no listable upstream, for a note.
    pub unlisted: Vec<String>,
}

/// The listing URL and API of an upstream written with `provider` (a LiteLLM provider prefix)
/// and `api_base`: the protocol fgc speaks to the provider when it speaks it (an Anthropic root
/// gains `/v1`), else OpenAI-compatible at `api_base`. `None` without a URL to ask.
fn endpoint(provider: &str, api_base: Option<&str>) -> Option<(String, Api)> {
    let kind = UpstreamApi::split(&format!("{provider}/x")).map(|(k, _)| k);
    let api = match kind {
        Some(UpstreamApi::Anthropic) => Api::Anthropic,
        _ => Api::OpenAi,
    };
    let url = match (kind, api_base) {
        (Some(k), b) => k.base_url(b),
        (None, Some(b)) => b.trim_end_matches('/').to_string(),
        (None, None) => return None,
    };
    Some((url, api))
}

/// A deployment's upstream: its listing URL and API, its provider prefix and its credential
/// as written, read from the profile-independent part of the typed view.
fn deployment_upstream(d: &DeploymentView<'_>) -> Option<(String, Api, String, Credential)> {
    let provider = d.provider_name().unwrap_or("openai");
    let api_base = d.api_base.map(|b| b.as_str());
    let (url, api) = match d.base_url() {
        Some(url) => (
            url,
            if d.api == Some(UpstreamApi::Anthropic) {
                Api::Anthropic
            } else {
                Api::OpenAi
            },
        ),
        None => endpoint(provider, api_base)?,
    };
    let p = &d.raw.litellm_params;
    let credential = Credential::of(
        p.api_key_ref.as_ref().map(|r| r.as_str()),
        p.api_key.as_ref().map(|k| k.as_str()),
    );
    Some((url, api, provider.to_string(), credential))
}

/// The upstreams of `model` (see the module comment).
pub fn discover(model: &Model) -> Upstreams {
    let mut out = Upstreams::default();
    let view = model.view(None);
    let deps = view.deployments();
    let explicit = model
        .raw
        .redirect
        .as_ref()
        .and_then(|r| r.upstreams.as_ref());
    if let Some(list) = explicit {
        for (name, u) in list {
            let provider = u.provider.as_ref().map_or("openai", |p| p.as_str());
            let Some((base_url, api)) = endpoint(provider, Some(u.api_base.as_str())) else {
                continue;
            };
            out.list.push(Upstream {
                name: name.value.clone(),
                api_base: Some(u.api_base.value.clone()),
                base_url,
                api,
                credential: Credential::of(
                    u.api_key_ref.as_ref().map(|r| r.as_str()),
                    u.api_key.as_ref().map(|k| k.as_str()),
                ),
                provider: provider.to_string(),
                unusable: None,
                hand_written: HashSet::new(),
                generated: Vec::new(),
            });
        }
    } else {
        for d in deps {
            let Some((base_url, api, provider, credential)) = deployment_upstream(d) else {
                let what = format!("`{}`", d.alias);
                if !out.unlisted.contains(&what) {
                    out.unlisted.push(what);
                }
                continue;
            };
            if out
                .list
                .iter()
                .any(|u| u.identity() == (base_url.as_str(), &credential))
            {
                continue;
            }
            out.list.push(Upstream {
                name: String::new(),
                api_base: d.api_base.map(|b| b.value.clone()),
                base_url,
                api,
                credential,
                provider,
                unusable: None,
                hand_written: HashSet::new(),
                generated: Vec::new(),
            });
        }
        name_upstreams(&mut out.list);
    }
    for u in &mut out.list {
        if matches!(u.credential, Credential::Literal(_)) {
            u.unusable = Some(
                "its api_key is written literally in the file, and the generated entries would copy it; use api_key_ref or os.environ/VAR".into(),
            );
        }
    }
    // Attribute every entry: generated ones to the upstream their marker names (else the one
    // their api_base and key say), hand-written ones by api_base and key.
    for d in deps {
        let by_pair = deployment_upstream(d).and_then(|(base_url, _, _, credential)| {
            out.list
                .iter()
                .position(|u| u.identity() == (base_url.as_str(), &credential))
        });
        match &d.raw.fgc_redirect {
            Some(marker) => {
                match out
                    .list
                    .iter()
                    .position(|u| u.name == marker.value)
                    .or(by_pair)
                {
                    Some(u) => out.list[u].generated.push(d.index),
                    None => out
                        .orphans
                        .entry(marker.value.clone())
                        .or_default()
                        .push(d.index),
                }
            }
            None => {
                if let Some(u) = by_pair {
                    out.list[u].hand_written.insert(d.alias.to_string());
                }
            }
        }
    }
    out
}

/// Names for discovered upstreams: the credential's name, else the host; with the host (then
/// the whole URL) added where that is not enough to tell them apart.
fn name_upstreams(list: &mut [Upstream]) {
    let authority = |u: &Upstream| {
        let rest = u
            .base_url
            .split_once("://")
            .map_or(u.base_url.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest).to_string()
    };
    let whole = |u: &Upstream| {
        u.base_url
            .split_once("://")
            .map_or(u.base_url.as_str(), |(_, r)| r)
            .to_string()
    };
    let candidates: [&dyn Fn(&Upstream) -> String; 3] = [
        &|u: &Upstream| u.credential.label().unwrap_or_else(|| authority(u)),
        &|u: &Upstream| match u.credential.label() {
            Some(l) => format!("{l}@{}", authority(u)),
            None => authority(u),
        },
        &|u: &Upstream| match u.credential.label() {
            Some(l) => format!("{l}@{}", whole(u)),
            None => whole(u),
        },
    ];
    let mut names: Vec<Option<String>> = vec![None; list.len()];
    for make in candidates {
        let proposed: Vec<String> = list.iter().map(make).collect();
        for i in 0..list.len() {
            if names[i].is_none() && proposed.iter().filter(|p| **p == proposed[i]).count() == 1 {
                names[i] = Some(proposed[i].clone());
            }
        }
    }
    for (i, u) in list.iter_mut().enumerate() {
        u.name = names[i]
            .take()
            .unwrap_or_else(|| format!("{}#{}", whole(u), i + 1));
    }
}
