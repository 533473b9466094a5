//! `fgc emit litellm`: the LiteLLM proxy `config.yaml` for one profile.
//!
//! `model_list` as written, with `api_key_ref` replaced by an `api_key` LiteLLM reads:
//! - a credential with `env: VAR` becomes `os.environ/VAR` (a reference stays a reference);
//! - a credential with `file: PATH` is resolved to the secret when `resolve` is set (files
//!   written with `-o`, mode 0600, or stdout with `--show-secrets`), else it becomes
//!   `os.environ/FGC_CREDENTIAL_<NAME>` and the header says which variable to export.
//!
//! `responses_api` (an fgc serve marker) is left out.
//!
//! Then the effective `litellm_settings` / `router_settings` (base overlaid by the profile)
//! and `general_settings`, in that order. Keys fgc does not model pass through as written.

use serde_json::{Map, Value};

use super::{Emitted, Input};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::settings::effective_block;
use crate::secrets::{self, SecretSource, SecretState};

/// The environment variable a file credential is read from in an unresolved config.
pub fn credential_env_var(name: &str) -> String {
    let mut v = String::from("FGC_CREDENTIAL_");
    v.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    v
}

/// A file credential left as an environment reference.
struct Unresolved {
    name: String,
    var: String,
    path: String,
}

pub fn emit(input: &Input, resolve: bool) -> Result<Emitted, Vec<Diagnostic>> {
    let model = input.model;
    let mut secrets_out: Vec<String> = Vec::new();
    let mut unresolved: Vec<Unresolved> = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let creds = model
        .raw
        .credentials
        .as_ref()
        .and_then(|c| c.upstream.as_ref());

    let list = input
        .doc()
        .pointer("/litellm_base/model_list")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut model_list = Vec::with_capacity(list.len());
    for (i, dep) in list.into_iter().enumerate() {
        let Value::Object(mut dep) = dep else {
            continue;
        };
        // fgc serve's marker for upstreams that also serve /v1/responses; LiteLLM would pass an
        // unknown key on to the upstream as a request parameter.
        if let Some(Value::Object(p)) = dep.get_mut("litellm_params") {
            p.shift_remove("responses_api");
        }
        let params = dep.get("litellm_params").and_then(Value::as_object);
        let Some(cred_name) = params
            .and_then(|p| p.get("api_key_ref"))
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            model_list.push(Value::Object(dep));
            continue;
        };
        let ref_span = model
            .deployments()
            .get(i)
            .and_then(|d| d.litellm_params.api_key_ref.as_ref())
            .map(|r| r.span);
        let cred = creds.and_then(|c| c.iter().find(|(k, _)| k.as_str() == cred_name));
        let key = match cred.map(|(_, c)| (&c.file, &c.env)) {
            Some((None, Some(env))) => Some(format!("{}{}", secrets::ENV_PREFIX, env.as_str())),
            Some((Some(file), None)) => {
                let path = secrets::credential_path(&input.config_dir, file.as_str());
                if resolve {
                    match secrets::inspect(&SecretSource::File(path.clone())) {
                        SecretState::Present(v) => {
                            if !secrets_out.contains(&v) {
                                secrets_out.push(v.clone());
                            }
                            Some(v)
                        }
                        state => {
                            if !diags
                                .iter()
                                .any(|d: &Diagnostic| d.span() == Some(file.span))
                            {
                                diags
                                    .push(unusable(&cred_name, &path, &state, file.span, ref_span));
                            }
                            None
                        }
                    }
                } else {
                    let var = credential_env_var(&cred_name);
                    if !unresolved.iter().any(|u| u.name == cred_name) {
                        unresolved.push(Unresolved {
                            name: cred_name.clone(),
                            var: var.clone(),
                            path: path.display().to_string(),
                        });
                    }
                    Some(format!("{}{var}", secrets::ENV_PREFIX))
                }
            }
            // An undefined or malformed credential is an error `fgc check` already reports.
            _ => None,
        };
        if let Some(Value::Object(p)) = dep.get_mut("litellm_params") {
            let old = std::mem::take(p);
            for (k, v) in old {
                if k == "api_key_ref" {
                    if let Some(key) = &key {
                        p.insert("api_key".into(), Value::String(key.clone()));
                    }
                } else {
                    p.insert(k, v);
                }
            }
        }
        model_list.push(Value::Object(dep));
    }
    if !diags.is_empty() {
        return Err(diags);
    }

    let mut root = Map::new();
    root.insert("model_list".into(), Value::Array(model_list));
    for block in ["litellm_settings", "router_settings", "general_settings"] {
        let b = effective_block(input.doc(), block, input.profile);
        if !b.is_empty() {
            root.insert(block.into(), Value::Object(b));
        }
    }

    let mut text = String::new();
    for l in input.header_lines("litellm") {
        text.push_str("# ");
        text.push_str(&l);
        text.push('\n');
    }
    if !unresolved.is_empty() {
        text.push_str(
            "#\n# Credential files are not copied to stdout. Before starting LiteLLM, export:\n",
        );
        for u in &unresolved {
            text.push_str(&format!(
                "#   {}=\"$(cat {})\"   # credential `{}`\n",
                u.var, u.path, u.name
            ));
        }
        text.push_str("# or write the config with `-o FILE` (mode 0600), which resolves them.\n");
    }
    text.push('\n');
    text.push_str(&super::yaml::to_string(&Value::Object(root)));
    Ok(Emitted {
        text,
        secrets: secrets_out,
        hidden: Vec::new(),
    })
}

fn unusable(
    name: &str,
    path: &std::path::Path,
    state: &SecretState,
    file_span: crate::span::Span,
    ref_span: Option<crate::span::Span>,
) -> Diagnostic {
    let (code, what) = match state {
        SecretState::Missing => (Code::MissingSecret, "does not exist".to_string()),
        SecretState::Empty => (Code::EmptySecret, "is empty".to_string()),
        SecretState::TooOpen { mode, .. } => (
            Code::SecretFilePermissions,
            format!("has mode {mode:04o}, readable by group or others"),
        ),
        SecretState::Unreadable(e) => (Code::MissingSecret, format!("cannot be read: {e}")),
        SecretState::Present(_) => (Code::MissingSecret, "is unusable".to_string()),
    };
    let mut d = Diagnostic::new(
        code,
        format!(
            "credential `{name}` is needed to write the LiteLLM config, but its file {} {what}",
            path.display()
        ),
    )
    .with_severity(crate::diag::Severity::Error)
    .primary(file_span, "the secret file");
    if let Some(r) = ref_span {
        d = d.secondary(r, "used here");
    }
    d.help(format!(
        "create it: printf '%s\\n' \"$KEY\" > {0} && chmod 600 {0}; or emit to stdout, which leaves it as an environment reference",
        path.display()
    ))
}
