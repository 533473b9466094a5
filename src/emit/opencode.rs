//! `fgc emit opencode`: an `opencode.json` (global `~/.config/opencode/opencode.json` or a
//! project's) with one provider for the gateway, or a merge into an existing file (JSONC:
//! comments and trailing commas kept).
//!
//! opencode 1.18 speaks Chat Completions through `@ai-sdk/openai-compatible`, posts to
//! `{options.baseURL}/chat/completions` (so the base ends in `/v1`), substitutes
//! `{env:VAR}` in `options.apiKey`, and names a model `<provider id>/<model key>`. The title
//! of a session is asked from `small_model`. The provider's `models` are exactly the
//! aliases fgc lists (a merge removes the ones it no longer lists); its other providers and
//! settings stay.

use serde_json::{Value, json};

use super::Input;
use super::client::{self, ClientFile, Syntax};
use crate::diag::Diagnostic;
use crate::edit::Want;
use crate::edit::json::Dialect;

pub const SCHEMA: &str = "https://opencode.ai/config.json";
pub const DEFAULT_PROVIDER_ID: &str = "flowgate";
pub const DEFAULT_PROVIDER_NAME: &str = "FlowGate Local";
/// The AI SDK package for an OpenAI-compatible (Chat Completions) provider.
pub const NPM_OPENAI_COMPATIBLE: &str = "@ai-sdk/openai-compatible";

/// What fgc gives opencode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpencodeValues {
    pub provider_id: String,
    pub provider_name: String,
    pub base_url: String,
    /// The variable holding the gateway key (`{env:VAR}`).
    pub env_key: String,
    pub model: String,
    pub small_model: String,
}

pub fn values(input: &Input) -> Result<OpencodeValues, Diagnostic> {
    let c = super::integration(input.model()).and_then(|i| i.opencode.as_ref());
    let model = client::main_model(input, c.and_then(|c| c.model.as_ref()), "opencode")?;
    let small = client::pick(
        c.and_then(|c| c.small_model.as_ref()),
        client::fast_model(input),
        &model,
    );
    let id = client::pick(
        c.and_then(|c| c.provider_id.as_ref()),
        None,
        DEFAULT_PROVIDER_ID,
    );
    let name = client::pick(
        c.and_then(|c| c.provider_name.as_ref()),
        None,
        DEFAULT_PROVIDER_NAME,
    );
    let base = client::base_url(input, c.and_then(|c| c.base_url.as_ref()), true);
    let var = client::env_key(input, c.and_then(|c| c.env_key.as_ref()));
    Ok(OpencodeValues {
        provider_id: id,
        provider_name: name,
        base_url: base,
        env_key: var,
        model,
        small_model: small,
    })
}

pub fn file(input: &Input) -> Result<ClientFile, Diagnostic> {
    let v = values(input)?;
    let (id, name, base, var, model, small) = (
        &v.provider_id,
        &v.provider_name,
        &v.base_url,
        &v.env_key,
        &v.model,
        &v.small_model,
    );
    let models: Vec<(String, Want)> = client::distinct(&[model, small])
        .into_iter()
        .map(|alias| {
            let info = client::info(input, &alias);
            let limit = client::object(vec![
                ("context", info.context_window.map(Value::from)),
                ("output", info.max_output_tokens.map(Value::from)),
            ]);
            let mut entry = json!({ "name": alias });
            // opencode's model limit needs both numbers.
            if info.context_window.is_some() && info.max_output_tokens.is_some() {
                entry["limit"] = limit;
            }
            (alias, Want::Value(entry))
        })
        .collect();
    let provider = Want::object(vec![
        ("npm", Want::str(NPM_OPENAI_COMPATIBLE)),
        ("name", Want::str(name)),
        (
            "options",
            Want::object(vec![
                ("baseURL", Want::str(base)),
                ("apiKey", Want::str(&format!("{{env:{var}}}"))),
            ]),
        ),
        (
            "models",
            Want::Object {
                members: models,
                exclusive: true,
            },
        ),
    ]);
    let want = Want::Object {
        members: vec![
            (
                "$schema".into(),
                Want::Default(Value::String(SCHEMA.into())),
            ),
            ("provider".into(), Want::object(vec![(id, provider)])),
            ("model".into(), Want::str(&format!("{id}/{model}"))),
            ("small_model".into(), Want::str(&format!("{id}/{small}"))),
        ],
        exclusive: false,
    };
    Ok(ClientFile {
        target: "opencode",
        want,
        syntax: Syntax::Json(Dialect::JSONC),
        comments: Vec::new(),
    })
}
