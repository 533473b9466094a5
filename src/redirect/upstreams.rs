//! The upstreams `fgc redirect` maps: an `api_base` plus a credential, from
//! `redirect.upstreams` when the file lists them, else every distinct pair in `model_list`.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::model::Model;
use crate::model::upstream::UpstreamApi;
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
        let (what, source) = match &self.credential {
            Credential::None => return Ok(None),
            Credential::Literal(k) => return Ok(Some(k.clone())),
            Credential::Env(v) => (
                format!("environment variable `{v}`"),
                SecretSource::Env(v.clone()),
            ),
            Credential::Ref(r) => {
                let cred = model
                    .raw
                    .credentials
                    .as_ref()
                    .and_then(|c| c.upstream.as_ref())
                    .and_then(|c| c.iter().find(|(k, _)| k.value == *r))
                    .map(|(_, c)| c);
                let source = match cred.map(|c| (&c.file, &c.env)) {
                    Some((Some(f), None)) => {
                        SecretSource::File(secrets::credential_path(&model.config_dir, f.as_str()))
                    }
                    Some((None, Some(e))) => SecretSource::Env(e.value.clone()),
                    _ => return Err(format!("credential `{r}` is not usable (see fgc check)")),
                };
                (format!("credential `{r}` ({})", source.describe()), source)
            }
        };
        match secrets::inspect(&source) {
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

/// The upstream of one `model_list` entry: its listing URL, API and provider prefix.
fn endpoint(model: Option<&str>, api_base: Option<&str>) -> Option<(String, Api, String)> {
    let provider = model
        .and_then(|m| m.split_once('/'))
        .map_or("openai", |(p, _)| p)
        .to_string();
    let (api, kind) = if provider == "anthropic" {
        (Api::Anthropic, UpstreamApi::Anthropic)
    } else {
        (Api::OpenAi, UpstreamApi::OpenAi)
    };
    if api_base.is_none() && !matches!(provider.as_str(), "openai" | "anthropic") {
        return None;
    }
    Some((kind.base_url(api_base), api, provider))
}

/// The upstreams of `model` (see the module comment).
pub fn discover(model: &Model) -> Upstreams {
    let mut out = Upstreams::default();
    let deps = model.deployments();
    let explicit = model
        .raw
        .redirect
        .as_ref()
        .and_then(|r| r.upstreams.as_ref());
    if let Some(list) = explicit {
        for (name, u) in list {
            let provider = u.provider.as_ref().map_or("openai", |p| p.as_str());
            let (base_url, api, provider) =
                endpoint(Some(&format!("{provider}/x")), Some(u.api_base.as_str()))
                    .expect("an api_base is given");
            let credential = Credential::of(
                u.api_key_ref.as_ref().map(|r| r.as_str()),
                u.api_key.as_ref().map(|k| k.as_str()),
            );
            out.list.push(Upstream {
                name: name.value.clone(),
                api_base: Some(u.api_base.value.clone()),
                base_url,
                api,
                credential,
                provider,
                unusable: None,
                hand_written: HashSet::new(),
                generated: Vec::new(),
            });
        }
    } else {
        for dep in deps {
            let p = &dep.litellm_params;
            let api_base = p.api_base.as_ref().map(|b| b.as_str());
            let Some((base_url, api, provider)) =
                endpoint(p.model.as_ref().map(|m| m.as_str()), api_base)
            else {
                let what = format!("`{}`", dep.model_name.value);
                if !out.unlisted.contains(&what) {
                    out.unlisted.push(what);
                }
                continue;
            };
            let credential = Credential::of(
                p.api_key_ref.as_ref().map(|r| r.as_str()),
                p.api_key.as_ref().map(|k| k.as_str()),
            );
            if out
                .list
                .iter()
                .any(|u| u.identity() == (base_url.as_str(), &credential))
            {
                continue;
            }
            out.list.push(Upstream {
                name: String::new(),
                api_base: api_base.map(str::to_string),
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
    for (i, dep) in deps.iter().enumerate() {
        let p = &dep.litellm_params;
        let api_base = p.api_base.as_ref().map(|b| b.as_str());
        let credential = Credential::of(
            p.api_key_ref.as_ref().map(|r| r.as_str()),
            p.api_key.as_ref().map(|k| k.as_str()),
        );
        let by_pair = endpoint(p.model.as_ref().map(|m| m.as_str()), api_base).and_then(
            |(base_url, _, _)| {
                out.list
                    .iter()
                    .position(|u| u.identity() == (base_url.as_str(), &credential))
            },
        );
        match &dep.fgc_redirect {
            Some(marker) => {
                match out
                    .list
                    .iter()
                    .position(|u| u.name == marker.value)
                    .or(by_pair)
                {
                    Some(u) => out.list[u].generated.push(i),
                    None => out.orphans.entry(marker.value.clone()).or_default().push(i),
                }
            }
            None => {
                if let Some(u) = by_pair {
                    out.list[u]
                        .hand_written
                        .insert(dep.model_name.value.clone());
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
