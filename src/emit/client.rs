//! What the emitters of the other coding clients share (opencode, Qwen Code, Aider,
//! Continue): each describes the keys it owns in its client's file once, as a [`Want`] tree
//! built from the profile's view; this module writes that tree as a whole file or merges it
//! into the user's file by span edits ([`crate::edit`]).
//!
//! The gateway key is never written into these files: each names the environment variable
//! that holds it, in the client's own reference syntax (`{env:VAR}`, `envKey`,
//! `${{ secrets.VAR }}`); Aider has no such syntax and reads `OPENAI_API_KEY`.

use serde_json::Value;

use super::{Emitted, Input, integration};
use crate::diag::Diagnostic;
use crate::edit::json::Dialect;
use crate::edit::{MergeError, Want};
use crate::model::view::{AliasInfo, GatewayKey};
use crate::span::Sp;

/// The variable a client reads the gateway key from when neither the client's `env_key` nor
/// `general_settings.master_key: os.environ/VAR` names one.
pub const DEFAULT_ENV_KEY: &str = "FLOWGATE_API_KEY";

/// How a client file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Json(Dialect),
    Yaml,
}

/// One client file: the keys fgc owns in it, and notes for the user (stderr).
#[derive(Clone, Debug)]
pub struct ClientFile {
    /// `fgc emit TARGET` (for the header of a YAML file).
    pub target: &'static str,
    pub want: Want,
    pub syntax: Syntax,
    /// Comment lines for a whole YAML file, after the generated-by header.
    pub comments: Vec<String>,
}

/// A whole file.
pub fn emit(
    input: &Input,
    file: Result<ClientFile, Diagnostic>,
) -> Result<Emitted, Vec<Diagnostic>> {
    let f = file.map_err(|d| vec![d])?;
    let text = match f.syntax {
        Syntax::Json(_) => crate::edit::json::pretty(&f.want.to_value(), "", "  ") + "\n",
        Syntax::Yaml => {
            let mut t = String::new();
            // Header lines come escaped; the notes may name config values (a key variable):
            // escaped here, so none can end its comment (issue 11, item 1).
            let notes = f.comments.iter().map(|c| crate::names::for_comment(c));
            for l in input
                .header_lines(f.target)
                .into_iter()
                .map(std::borrow::Cow::Owned)
                .chain(notes)
            {
                t.push_str("# ");
                t.push_str(&l);
                t.push('\n');
            }
            t.push('\n');
            t.push_str(&super::yaml::to_string(&f.want.to_value()));
            t
        }
    };
    Ok(Emitted {
        text,
        secrets: Vec::new(),
        hidden: Vec::new(),
    })
}

/// `existing` with fgc's keys set and everything else kept.
pub fn merge(existing: &str, f: &ClientFile) -> Result<Emitted, MergeError> {
    let text = match f.syntax {
        Syntax::Json(d) => crate::edit::json::merge(existing, &f.want, d)?,
        Syntax::Yaml => crate::edit::yaml::merge(existing, &f.want)?,
    };
    Ok(Emitted {
        text,
        secrets: Vec::new(),
        hidden: Vec::new(),
    })
}

/// The file as its client reads it (for doctor-style checks and tests).
pub fn read(text: &str, syntax: Syntax) -> Result<Value, MergeError> {
    match syntax {
        Syntax::Json(d) => crate::edit::json::to_data(text, d),
        Syntax::Yaml => crate::edit::yaml::to_data(text),
    }
}

/// The environment variable holding the gateway key: the client's `env_key`, else the
/// variable of `general_settings.master_key`, else [`DEFAULT_ENV_KEY`].
pub fn env_key(input: &Input, explicit: Option<&Sp<String>>) -> String {
    if let Some(v) = explicit {
        return v.value.clone();
    }
    match &input.view.gateway.key {
        GatewayKey::Env { var, .. } if !var.is_empty() => var.clone(),
        _ => DEFAULT_ENV_KEY.to_string(),
    }
}

/// The base URL a client is given: `explicit` (without a trailing `/`), else the gateway
/// root, plus `/v1` for OpenAI-protocol clients.
pub fn base_url(input: &Input, explicit: Option<&Sp<String>>, v1: bool) -> String {
    match explicit {
        Some(u) => u.as_str().trim_end_matches('/').to_string(),
        None if v1 => format!("{}/v1", input.view.gateway.root),
        None => input.view.gateway.root.clone(),
    }
}

/// `explicit`, else `fallback` (an `integration` key such as `fast_model`), else `default`.
pub fn pick(explicit: Option<&Sp<String>>, fallback: Option<&Sp<String>>, default: &str) -> String {
    explicit
        .or(fallback)
        .map_or_else(|| default.to_string(), |v| v.value.clone())
}

/// The client's main model: `explicit`, else `integration.default_model`; the
/// missing-default-model diagnostic when neither is set.
pub fn main_model(
    input: &Input,
    explicit: Option<&Sp<String>>,
    client: &str,
) -> Result<String, Diagnostic> {
    let mut missing = Vec::new();
    super::alias_or_default(input.model(), explicit, "`model`", &mut missing)
        .ok_or_else(|| super::missing_default_model(input, client, &missing))
}

/// `integration.fast_model`.
pub fn fast_model<'a>(input: &'a Input) -> Option<&'a Sp<String>> {
    integration(input.model()).and_then(|i| i.fast_model.as_ref())
}

/// The names in order, each once.
pub fn distinct(names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.iter().any(|o| o == n) {
            out.push((*n).to_string());
        }
    }
    out
}

/// What `model_info` declares for `name`.
pub fn info(input: &Input, name: &str) -> AliasInfo {
    input.view.alias_info(name)
}

/// A JSON object from the pairs whose value is known.
pub fn object(pairs: Vec<(&str, Option<Value>)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect(),
    )
}
