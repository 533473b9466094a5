//! `fgc emit qwen-code`: Qwen Code's `~/.qwen/settings.json` (or a project's
//! `.qwen/settings.json`) keys for the gateway, or a merge into an existing file.
//!
//! Qwen Code 0.15 lists models under `modelProviders.openai[]` (Chat Completions, base URL
//! root + `/v1`) or `modelProviders.anthropic[]` (Messages, base URL the root), each entry
//! with `id`, `name`, `baseUrl`, `envKey` (the variable holding the key) and
//! `generationConfig.contextWindowSize`; `security.auth.selectedType` picks the protocol and
//! `model.name` the model. A merge replaces fgc's entries (matched by `id`), removes its
//! stale ones (entries with the gateway's `baseUrl` it no longer lists) and keeps the rest.

use serde_json::Value;

use super::Input;
use super::client::{self, ClientFile, Syntax};
use crate::diag::Diagnostic;
use crate::edit::Want;
use crate::edit::json::Dialect;
use crate::model::raw::QwenProtocol;

/// What fgc gives Qwen Code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QwenValues {
    /// `openai` or `anthropic`: the `modelProviders` list and `security.auth.selectedType`.
    pub kind: &'static str,
    pub base_url: String,
    pub env_key: String,
    /// `model.name`.
    pub model: String,
    /// The entries listed: the model, then `fast_model`.
    pub models: Vec<String>,
}

pub fn values(input: &Input) -> Result<QwenValues, Diagnostic> {
    let c = super::integration(input.model()).and_then(|i| i.qwen_code.as_ref());
    let model = client::main_model(input, c.and_then(|c| c.model.as_ref()), "Qwen Code")?;
    let protocol = c
        .and_then(|c| c.protocol.as_ref())
        .map_or(QwenProtocol::Openai, |p| p.value);
    let (kind, v1) = match protocol {
        QwenProtocol::Openai => ("openai", true),
        QwenProtocol::Anthropic => ("anthropic", false),
    };
    let base = client::base_url(input, c.and_then(|c| c.base_url.as_ref()), v1);
    let var = client::env_key(input, c.and_then(|c| c.env_key.as_ref()));
    let fast = client::fast_model(input).map(|f| f.value.as_str());
    let mut names = vec![model.as_str()];
    names.extend(fast);
    Ok(QwenValues {
        kind,
        base_url: base,
        env_key: var,
        models: client::distinct(&names),
        model,
    })
}

pub fn file(input: &Input) -> Result<ClientFile, Diagnostic> {
    let v = values(input)?;
    let (kind, base, var, model) = (v.kind, &v.base_url, &v.env_key, &v.model);
    let items: Vec<(String, Want)> = v
        .models
        .clone()
        .into_iter()
        .map(|alias| {
            let info = client::info(input, &alias);
            let mut members = vec![
                ("id", Want::str(&alias)),
                ("name", Want::str(&alias)),
                ("baseUrl", Want::str(base)),
                ("envKey", Want::str(var)),
            ];
            if let Some(ctx) = info.context_window {
                members.push((
                    "generationConfig",
                    Want::object(vec![("contextWindowSize", Want::Value(Value::from(ctx)))]),
                ));
            }
            (alias, Want::object(members))
        })
        .collect();
    let want = Want::object(vec![
        (
            "modelProviders",
            Want::object(vec![(
                kind,
                Want::Keyed {
                    key: "id",
                    items,
                    owned: Some(("baseUrl", base.clone())),
                },
            )]),
        ),
        (
            "security",
            Want::object(vec![(
                "auth",
                Want::object(vec![("selectedType", Want::str(kind))]),
            )]),
        ),
        ("model", Want::object(vec![("name", Want::str(model))])),
    ]);
    Ok(ClientFile {
        target: "qwen-code",
        want,
        // Qwen Code strips comments before JSON.parse; trailing commas fail there.
        syntax: Syntax::Json(Dialect::WITH_COMMENTS),
        comments: Vec::new(),
    })
}
