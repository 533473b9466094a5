//! `fgc emit continue`: the Continue CLI's (`cn`) `~/.continue/config.yaml` with the
//! gateway's models, or a merge into an existing one.
//!
//! Continue 1.5 lists models under `models[]` (`name`, `provider: openai`, `model`,
//! `apiBase` = root + `/v1`, `apiKey`, `roles`); `${{ secrets.VAR }}` in `apiKey` is read
//! from the environment (when `VAR` is unset, cn sends the template text itself as the key).
//! The main model gets the chat, edit and apply roles, `integration.fast_model` the
//! summarize role. A merge replaces fgc's entries (matched by `name`), removes its stale
//! ones (entries with the gateway's `apiBase` it no longer lists) and keeps the rest.

use serde_json::{Value, json};

use super::Input;
use super::client::{self, ClientFile, Syntax};
use crate::diag::Diagnostic;
use crate::edit::Want;

/// What fgc gives Continue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContinueValues {
    pub base_url: String,
    pub env_key: String,
    /// Each entry: the alias and its roles (the chat model first).
    pub entries: Vec<(String, Vec<&'static str>)>,
}

pub fn values(input: &Input) -> Result<ContinueValues, Diagnostic> {
    let c = super::integration(input.model()).and_then(|i| i.continue_cli.as_ref());
    let model = client::main_model(input, c.and_then(|c| c.model.as_ref()), "Continue")?;
    let fast = c
        .and_then(|c| c.fast_model.as_ref())
        .or(client::fast_model(input))
        .map(|f| f.value.clone());
    let base = client::base_url(input, c.and_then(|c| c.base_url.as_ref()), true);
    let var = client::env_key(input, c.and_then(|c| c.env_key.as_ref()));
    let mut entries: Vec<(String, Vec<&str>)> =
        vec![(model.clone(), vec!["chat", "edit", "apply"])];
    match fast {
        Some(f) if f == model => entries[0].1.push("summarize"),
        Some(f) => entries.push((f, vec!["summarize"])),
        None => entries[0].1.push("summarize"),
    }
    Ok(ContinueValues {
        base_url: base,
        env_key: var,
        entries,
    })
}

pub fn file(input: &Input) -> Result<ClientFile, Diagnostic> {
    let v = values(input)?;
    let (base, var) = (&v.base_url, &v.env_key);
    let items: Vec<(String, Want)> = v
        .entries
        .clone()
        .into_iter()
        .map(|(alias, roles)| {
            let info = client::info(input, &alias);
            let mut members = vec![
                ("name", Want::str(&alias)),
                ("provider", Want::str("openai")),
                ("model", Want::str(&alias)),
                ("apiBase", Want::str(base)),
                ("apiKey", Want::str(&format!("${{{{ secrets.{var} }}}}"))),
                ("roles", Want::Value(json!(roles))),
            ];
            let opts = client::object(vec![
                ("contextLength", info.context_window.map(Value::from)),
                ("maxTokens", info.max_output_tokens.map(Value::from)),
            ]);
            if opts.as_object().is_some_and(|o| !o.is_empty()) {
                members.push(("defaultCompletionOptions", Want::Value(opts)));
            }
            (alias, Want::object(members))
        })
        .collect();
    let want = Want::object(vec![
        ("name", Want::Default(json!("FlowGate"))),
        ("version", Want::Default(json!("1.0.0"))),
        ("schema", Want::Default(json!("v1"))),
        (
            "models",
            Want::Keyed {
                key: "name",
                items,
                owned: Some(("apiBase", base.clone())),
            },
        ),
    ]);
    Ok(ClientFile {
        target: "continue",
        want,
        syntax: Syntax::Yaml,
        comments: vec![format!(
            "cn reads the gateway key from the environment variable {var}."
        )],
    })
}
