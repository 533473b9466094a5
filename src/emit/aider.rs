//! `fgc emit aider`: Aider's `.aider.conf.yml` keys for the gateway (`--format conf`, the
//! default) and its `.aider.model.metadata.json` (`--format metadata`), whole or merged.
//!
//! Aider 0.86 reaches an OpenAI-compatible server through LiteLLM's `openai/` provider:
//! `model: openai/<alias>` with `openai-api-base` (root + `/v1`). It reads the key only from
//! `OPENAI_API_KEY` (or a literal option), so fgc writes no key and says which variable to
//! export. Without a metadata entry for a model Aider downloads LiteLLM's price list at
//! start; the metadata file gives every alias it uses a context and output limit (from
//! `model_info`) and zero prices.

use serde_json::{Value, json};

use super::Input;
use super::client::{self, ClientFile, Syntax};
use crate::diag::Diagnostic;
use crate::edit::Want;
use crate::edit::json::Dialect;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `.aider.conf.yml`: the models and the gateway's base URL.
    Conf,
    /// `.aider.model.metadata.json`: context and output limits of the aliases.
    Metadata,
}

/// The three model slots: `model`, `weak-model`, `editor-model`.
pub fn models(input: &Input) -> Result<[String; 3], Diagnostic> {
    let c = super::integration(input.model()).and_then(|i| i.aider.as_ref());
    let model = client::main_model(input, c.and_then(|c| c.model.as_ref()), "Aider")?;
    let weak = client::pick(
        c.and_then(|c| c.weak_model.as_ref()),
        client::fast_model(input),
        &model,
    );
    let editor = client::pick(c.and_then(|c| c.editor_model.as_ref()), None, &model);
    Ok([model, weak, editor])
}

/// The name Aider uses for an alias (LiteLLM's `openai/` provider).
pub fn aider_name(alias: &str) -> String {
    format!("openai/{alias}")
}

/// `openai-api-base`.
pub fn base_url(input: &Input) -> String {
    let c = super::integration(input.model()).and_then(|i| i.aider.as_ref());
    client::base_url(input, c.and_then(|c| c.base_url.as_ref()), true)
}

pub fn file(input: &Input, format: Format) -> Result<ClientFile, Diagnostic> {
    let [model, weak, editor] = models(input)?;
    match format {
        Format::Conf => {
            let base = base_url(input);
            let var = client::env_key(input, None);
            let want = Want::object(vec![
                ("model", Want::str(&aider_name(&model))),
                ("weak-model", Want::str(&aider_name(&weak))),
                ("editor-model", Want::str(&aider_name(&editor))),
                ("openai-api-base", Want::str(&base)),
            ]);
            let key_note = if var == "OPENAI_API_KEY" {
                "Aider sends the gateway key from OPENAI_API_KEY.".to_string()
            } else {
                format!(
                    "Aider reads the gateway key from OPENAI_API_KEY: export OPENAI_API_KEY=\"${var}\"."
                )
            };
            Ok(ClientFile {
                target: "aider",
                want,
                syntax: Syntax::Yaml,
                comments: vec![
                    key_note,
                    "Limits: `fgc emit aider --format metadata -o .aider.model.metadata.json`."
                        .into(),
                ],
            })
        }
        Format::Metadata => {
            let members: Vec<(String, Want)> = client::distinct(&[&model, &weak, &editor])
                .into_iter()
                .map(|alias| {
                    let info = client::info(input, &alias);
                    let mut entry = client::object(vec![
                        ("max_input_tokens", info.context_window.map(Value::from)),
                        ("max_output_tokens", info.max_output_tokens.map(Value::from)),
                        ("max_tokens", info.max_output_tokens.map(Value::from)),
                    ]);
                    let rest = json!({
                        "input_cost_per_token": 0,
                        "output_cost_per_token": 0,
                        "litellm_provider": "openai",
                        "mode": "chat",
                    });
                    if let (Value::Object(e), Value::Object(r)) = (&mut entry, rest) {
                        e.extend(r);
                    }
                    (aider_name(&alias), Want::Value(entry))
                })
                .collect();
            Ok(ClientFile {
                target: "aider",
                want: Want::Object {
                    members,
                    exclusive: false,
                },
                // Aider reads it with Python's json module.
                syntax: Syntax::Json(Dialect::JSON),
                comments: Vec::new(),
            })
        }
    }
}
