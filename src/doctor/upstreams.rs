//! The upstreams area: every distinct upstream of the profile's deployments (a base URL and a
//! key), asked `GET {api_base}/models` the way `fgc redirect` lists models (OpenAI or
//! Anthropic shape, pages, no redirects, bounded answers), several at once, each within the
//! timeout. One answer tells three things: the upstream is reachable, the key is accepted (a
//! 401 or 403 names the credential), and the model each deployment sends is one the upstream
//! lists, which catches a wrong upstream model name before a client gets a 404.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;

use super::{Area, Check, Context, Status, shell_word};
use crate::model::upstream::UpstreamApi;
use crate::model::view::{DeploymentView, KeySource};
use crate::redirect::fetch::{self, FetchError};
use crate::redirect::upstreams::Api;
use crate::secrets::{self, SecretSource, SecretState};

const A: Area = Area::Upstreams;

/// A key, as an identity (deployments with the same base URL and key are one upstream). No
/// `Debug`: it may hold a literal key.
#[derive(Clone, PartialEq, Eq)]
enum KeyId {
    None,
    Env(String),
    File(PathBuf),
    Literal(String),
    Invalid(String),
}

/// One upstream (a base URL, the protocol it is spoken to in, a key) and the deployments
/// that use it.
struct Upstream<'a> {
    base_url: String,
    api: UpstreamApi,
    key: &'a KeySource,
    id: KeyId,
    /// How the key is named in messages (never its value).
    label: String,
    /// `(alias, upstream model)` of each deployment, in file order.
    uses: Vec<(&'a str, &'a str)>,
    /// The first deployment, for fixes that point at a place in the file.
    first: &'a DeploymentView<'a>,
}

fn key_id(k: &KeySource) -> KeyId {
    match k {
        KeySource::None => KeyId::None,
        KeySource::Env { var, .. } => KeyId::Env(var.clone()),
        KeySource::File { path, .. } => KeyId::File(path.clone()),
        KeySource::Literal { value, .. } => KeyId::Literal(value.clone()),
        KeySource::Invalid { credential, .. } => KeyId::Invalid(credential.clone()),
    }
}

/// `credential `c` (file PATH)`, `` `VAR` (api_key of `a`) ``: the key named, not shown.
fn label(d: &DeploymentView<'_>) -> String {
    let cred = d
        .raw
        .litellm_params
        .api_key_ref
        .as_ref()
        .map(|r| r.as_str());
    match (&d.key, cred) {
        (KeySource::None, _) => "no key".into(),
        (
            KeySource::File {
                credential, path, ..
            },
            _,
        ) => {
            format!("credential `{credential}` (file {})", path.display())
        }
        (KeySource::Env { var, .. }, Some(c)) => format!("credential `{c}` (`{var}`)"),
        (KeySource::Env { var, .. }, None) => format!("`{var}` (api_key of `{}`)", d.alias),
        (KeySource::Literal { .. }, _) => format!("the api_key written for `{}`", d.alias),
        (KeySource::Invalid { credential, .. }, _) => {
            format!("credential `{credential}` (not usable: see fgc check)")
        }
    }
}

/// The key's value, or why it cannot be read here.
fn key_value(k: &KeySource) -> Result<Option<String>, String> {
    let (source, what) = match k {
        KeySource::None => return Ok(None),
        KeySource::Literal { value, .. } => return Ok(Some(value.clone())),
        KeySource::Invalid { credential, .. } => {
            return Err(format!("credential `{credential}` is not usable"));
        }
        KeySource::Env { var, .. } => (SecretSource::Env(var.clone()), format!("`{var}`")),
        KeySource::File { path, .. } => {
            (SecretSource::File(path.clone()), path.display().to_string())
        }
    };
    match secrets::inspect(&source) {
        SecretState::Present(v) | SecretState::TooOpen { value: Some(v), .. } => Ok(Some(v)),
        SecretState::Missing => Err(format!("{what} is not set")),
        SecretState::Empty | SecretState::TooOpen { value: None, .. } => {
            Err(format!("{what} is empty"))
        }
        SecretState::Unreadable(e) => Err(format!("{what} cannot be read: {e}")),
    }
}

/// The fix for a key the upstream refuses.
fn key_fix(k: &KeySource, alias: &str) -> String {
    match k {
        KeySource::File { path, .. } => {
            let q = shell_word(&path.display().to_string());
            format!("put the right key in the file: printf '%s\\n' \"$KEY\" > {q} && chmod 600 {q}")
        }
        KeySource::Env { var, .. } => {
            format!("export {var}=... with the right key, here and where the gateway runs")
        }
        KeySource::Literal { .. } => format!("correct the api_key of `{alias}`"),
        KeySource::None => format!(
            "the upstream wants a key: give `{alias}` an api_key_ref (a credential in credentials.upstream)"
        ),
        KeySource::Invalid { .. } => "fgc check (the credential is not usable)".into(),
    }
}

/// The deployments grouped into upstreams, in file order, and a line for those whose
/// protocol fgc does not speak (it does not know how they list models).
fn group<'a>(deps: &'a [DeploymentView<'a>]) -> (Vec<Upstream<'a>>, Vec<Check>) {
    let mut ups: Vec<Upstream<'a>> = Vec::new();
    let mut unknown: Vec<(String, Vec<&str>)> = Vec::new();
    for d in deps {
        let (Some(api), Some(base_url), Some(model)) = (d.api, d.base_url(), d.upstream_model)
        else {
            let written = d.model.map(|m| m.as_str()).unwrap_or_default();
            let prefix = written
                .split_once('/')
                .map_or(written, |(p, _)| p)
                .to_string();
            match unknown.iter_mut().find(|(p, _)| *p == prefix) {
                Some((_, aliases)) => aliases.push(d.alias),
                None => unknown.push((prefix, vec![d.alias])),
            }
            continue;
        };
        let id = key_id(&d.key);
        match ups
            .iter_mut()
            .find(|u| u.base_url == base_url && u.api == api && u.id == id)
        {
            Some(u) => u.uses.push((d.alias, model)),
            None => ups.push(Upstream {
                base_url,
                api,
                key: &d.key,
                id,
                label: label(d),
                uses: vec![(d.alias, model)],
                first: d,
            }),
        }
    }
    let skipped = unknown
        .into_iter()
        .map(|(prefix, aliases)| {
            let mut aliases: Vec<String> = aliases.iter().map(|a| format!("`{a}`")).collect();
            aliases.dedup();
            Check::new(
                A,
                "not-checked",
                Status::Skip,
                format!(
                    "{} use `{prefix}/` models: fgc knows how OpenAI-compatible and Anthropic upstreams list their models, not this provider",
                    aliases.join(", ")
                ),
            )
            .subject(prefix)
        })
        .collect();
    (ups, skipped)
}

/// Every upstream's checks, in file order.
pub async fn checks(cx: &Context<'_>, client: &reqwest::Client) -> Vec<Check> {
    let deps = cx.view().deployments();
    let (ups, mut out) = group(deps);
    let timeout = cx.opts.timeout;
    let results: Vec<Vec<Check>> = futures_util::stream::iter(ups.iter())
        .map(|u| one(client, u, timeout))
        .buffered(cx.opts.jobs.max(1))
        .collect()
        .await;
    let mut all: Vec<Check> = results.into_iter().flatten().collect();
    all.append(&mut out);
    all
}

async fn one(client: &reqwest::Client, u: &Upstream<'_>, timeout: Duration) -> Vec<Check> {
    let subject = format!("{} ({})", u.base_url, u.label);
    let c = |name: &'static str, status, message: String| {
        Check::new(A, name, status, format!("{}: {message}", u.base_url)).subject(subject.clone())
    };
    let key = key_value(u.key);
    let request = fetch::Request {
        base_url: u.base_url.clone(),
        api: match u.api {
            UpstreamApi::Anthropic => Api::Anthropic,
            UpstreamApi::OpenAi => Api::OpenAi,
        },
        key: key.clone().ok().flatten(),
    };
    let secret: Vec<&str> = request.key.as_deref().into_iter().collect();
    // The whole listing (every page) within the timeout.
    let listed = match tokio::time::timeout(timeout, fetch::list(client, &request, timeout)).await {
        Ok(r) => r,
        Err(_) => Err(FetchError::Timeout {
            url: format!("{}/models", u.base_url),
            secs: timeout.as_secs(),
        }),
    };
    let aliases = {
        let mut a: Vec<String> = u.uses.iter().map(|(a, _)| format!("`{a}`")).collect();
        a.dedup();
        a.join(", ")
    };
    let alias0 = u.first.alias;
    let mut out = Vec::new();
    let text = |e: &FetchError| super::http::redact(&describe(e, timeout), &secret);
    let reached = !matches!(
        listed,
        Err(FetchError::Transport { .. } | FetchError::Timeout { .. })
    );
    if reached {
        out.push(c(
            "reachable",
            Status::Pass,
            format!("answers ({}, used by {aliases})", u.api.describe()),
        ));
    } else if let Err(e) = &listed {
        out.push(
            c(
                "reachable",
                Status::Fail,
                format!(
                    "{} (used by {aliases}; key and models not checked)",
                    text(e)
                ),
            )
            .fix(format!(
                "start the upstream, or correct the api_base of `{alias0}` ({})",
                u.first
                    .api_base
                    .map_or("not written: the provider's default".to_string(), |b| {
                        format!("now `{}`", b.as_str())
                    })
            )),
        );
        return out;
    }
    match (&listed, &key) {
        (
            Err(FetchError::Status {
                code: 401 | 403, ..
            }),
            Err(why),
        ) => out.push(c(
            "credential",
            Status::Skip,
            format!("the upstream wants a key, and {why} here, so none was sent"),
        )),
        (
            Err(
                e @ FetchError::Status {
                    code: 401 | 403, ..
                },
            ),
            Ok(_),
        ) => out.push(
            c(
                "credential",
                Status::Fail,
                format!("refuses {}: {}", u.label, text(e)),
            )
            .fix(key_fix(u.key, alias0)),
        ),
        (_, Err(why)) => out.push(c(
            "credential",
            Status::Skip,
            format!("{why} here, so no key was sent"),
        )),
        (Ok(_), Ok(Some(_))) => out.push(c(
            "credential",
            Status::Pass,
            format!("accepts {}", u.label),
        )),
        _ => {}
    }
    match listed {
        Ok(ids) => out.push(models(&c, u, &ids)),
        Err(FetchError::Status { code: 401 | 403, .. }) => {}
        Err(e @ FetchError::Status { code: 404, .. }) => out.push(
            c(
                "models",
                Status::Warn,
                format!(
                    "{}: the model names were not checked (if this upstream lists models, the api_base may be wrong; OpenAI-compatible ones usually end in /v1)",
                    text(&e)
                ),
            )
            .fix(format!("check the api_base of `{alias0}`")),
        ),
        Err(e @ FetchError::Status { code: 429, .. })
        | Err(
            e @ (FetchError::NotAList { .. }
            | FetchError::TooLarge { .. }
            | FetchError::Pages { .. }
            | FetchError::Empty { .. }),
        ) => out.push(c(
            "models",
            Status::Warn,
            format!("{}; the model names were not checked", text(&e)),
        )),
        Err(e) => out.push(c("models", Status::Fail, text(&e))),
    }
    out
}

/// A listing failure without the URL (the line starts with the base URL).
fn describe(e: &FetchError, timeout: Duration) -> String {
    match e {
        FetchError::Transport { reason, .. } => {
            format!("cannot connect: {}", super::http::root_cause(reason))
        }
        FetchError::Timeout { .. } => format!(
            "GET /models: no answer within {}",
            super::http::secs(timeout)
        ),
        FetchError::Status {
            status, message, ..
        } => format!(
            "GET /models answered {status}{}",
            message
                .as_ref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        other => other.to_string(),
    }
}

/// Whether the upstream lists `model`. Anthropic serves undated aliases
/// (`claude-sonnet-4-5`) of the dated ids it lists (`claude-sonnet-4-5-20250929`).
fn lists(api: UpstreamApi, ids: &[String], model: &str) -> bool {
    if ids.iter().any(|i| i == model) {
        return true;
    }
    if api != UpstreamApi::Anthropic {
        return false;
    }
    let base = model.strip_suffix("-latest").unwrap_or(model);
    ids.iter().any(|i| {
        i.strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|date| date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn models(
    c: &impl Fn(&'static str, Status, String) -> Check,
    u: &Upstream<'_>,
    ids: &[String],
) -> Check {
    let mut wrong: Vec<(&str, &str)> = Vec::new();
    let mut right: Vec<&str> = Vec::new();
    for (alias, model) in &u.uses {
        if lists(u.api, ids, model) {
            if !right.contains(model) {
                right.push(model);
            }
        } else if !wrong.iter().any(|(_, m)| m == model) {
            wrong.push((alias, model));
        }
    }
    if wrong.is_empty() {
        let names: Vec<String> = right.iter().map(|m| format!("`{m}`")).collect();
        return c(
            "models",
            Status::Pass,
            format!("GET /models lists {}", names.join(", ")),
        );
    }
    let parts: Vec<String> = wrong
        .iter()
        .map(|(alias, model)| {
            let near = crate::diag::did_you_mean(model, ids.iter().map(String::as_str))
                .map(|n| format!(", did you mean `{n}`?"))
                .unwrap_or_default();
            format!("`{model}` (of `{alias}`{near})")
        })
        .collect();
    c(
        "models",
        Status::Fail,
        format!(
            "GET /models ({} models) does not list {}: requests for it would fail with 404",
            ids.len(),
            parts.join(", ")
        ),
    )
    .fix(format!(
        "correct litellm_params.model of `{}` to a model the upstream lists (fgc redirect maps standard names to the upstream's ids)",
        wrong[0].0
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anthropic_lists_undated_aliases() {
        let ids = vec!["claude-sonnet-4-5-20250929".to_string()];
        assert!(lists(UpstreamApi::Anthropic, &ids, "claude-sonnet-4-5"));
        assert!(lists(
            UpstreamApi::Anthropic,
            &ids,
            "claude-sonnet-4-5-latest"
        ));
        assert!(lists(
            UpstreamApi::Anthropic,
            &ids,
            "claude-sonnet-4-5-20250929"
        ));
        assert!(!lists(UpstreamApi::Anthropic, &ids, "claude-sonnet-4"));
        assert!(!lists(UpstreamApi::OpenAi, &ids, "claude-sonnet-4-5"));
    }
}
