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
//! and `general_settings`, in that order, then LiteLLM's other top-level keys
//! (`environment_variables`, `credential_list`, `guardrails`, ...). Keys fgc does not model
//! pass through as written; `include` is merged (the output is one self-contained file).
//!
//! `routing` (fgc serve's scenario routing) is mapped where LiteLLM can follow it: each
//! Claude Code model id of a routed family becomes a hidden `model_group_alias` entry
//! (unless the file already serves that name); [`warnings`] lists the routes it cannot
//! express (`route-not-in-litellm`).

use serde_json::{Map, Value};

use super::{Emitted, Input};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::model::checked::Block;
use crate::model::view::KeySource;
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
    let view = &input.view;
    let mut secrets_out: Vec<String> = Vec::new();
    let mut unresolved: Vec<Unresolved> = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();

    let mut model_list = Vec::with_capacity(view.deployments().len());
    for d in view.deployments() {
        // `api_key_ref` becomes the `api_key` LiteLLM reads, from where the view says the key
        // comes from.
        let key = match (&d.raw.litellm_params.api_key_ref, &d.key) {
            (None, _) => None,
            (Some(_), KeySource::Env { var, .. }) => Some(format!("{}{var}", secrets::ENV_PREFIX)),
            (
                Some(r),
                KeySource::File {
                    credential, path, ..
                },
            ) => {
                let file_span = file_span(input, credential).unwrap_or(r.span);
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
                                .any(|x: &Diagnostic| x.span() == Some(file_span))
                            {
                                diags.push(unusable(
                                    credential,
                                    path,
                                    &state,
                                    file_span,
                                    Some(r.span),
                                ));
                            }
                            None
                        }
                    }
                } else {
                    let var = credential_env_var(credential);
                    if !unresolved.iter().any(|u| &u.name == credential) {
                        unresolved.push(Unresolved {
                            name: credential.clone(),
                            var: var.clone(),
                            path: path.display().to_string(),
                        });
                    }
                    Some(format!("{}{var}", secrets::ENV_PREFIX))
                }
            }
            // An undefined or malformed credential is an error `fgc check` already reports.
            (Some(_), _) => None,
        };
        let mut params = Map::new();
        for (k, v) in d.raw.litellm_params.entries() {
            match k.as_str() {
                "api_key_ref" => {
                    if let Some(key) = &key {
                        params.insert("api_key".into(), Value::String(key.clone()));
                    }
                }
                // fgc serve's marker for upstreams that also serve /v1/responses; LiteLLM would
                // pass an unknown key on to the upstream as a request parameter.
                "responses_api" => {}
                _ => {
                    params.insert(k.value.clone(), v);
                }
            }
        }
        let mut entry = Map::new();
        entry.insert("model_name".into(), Value::String(d.alias.to_string()));
        entry.insert("litellm_params".into(), Value::Object(params));
        // Entry-level `tpm` / `rpm` (read by LiteLLM's usage-based routing) and `blocked`.
        if let Some(tpm) = &d.raw.tpm {
            entry.insert("tpm".into(), Value::from(tpm.value));
        }
        if let Some(rpm) = &d.raw.rpm {
            entry.insert("rpm".into(), Value::from(rpm.value));
        }
        if let Some(blocked) = d.raw.blocked {
            entry.insert("blocked".into(), Value::Bool(blocked));
        }
        if let Some(info) = &d.raw.model_info {
            entry.insert(
                "model_info".into(),
                Value::Object(
                    info.iter()
                        .map(|(k, v)| (k.value.clone(), v.clone()))
                        .collect(),
                ),
            );
        }
        model_list.push(Value::Object(entry));
    }
    if !diags.is_empty() {
        return Err(diags);
    }

    let mut root = Map::new();
    root.insert("model_list".into(), Value::Array(model_list));
    let families = family_group_aliases(input);
    for (name, block) in [
        ("litellm_settings", Block::Litellm),
        ("router_settings", Block::Router),
    ] {
        let mut b: Map<String, Value> = view.block_entries(block).into_iter().collect();
        if block == Block::Router && !families.is_empty() {
            let mga = b
                .entry("model_group_alias")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(mga) = mga {
                for (id, alias) in &families {
                    mga.insert(
                        id.to_string(),
                        serde_json::json!({"model": alias, "hidden": true}),
                    );
                }
            }
        }
        if !b.is_empty() {
            root.insert(name.into(), Value::Object(b));
        }
    }
    let general: Map<String, Value> = input
        .model()
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .map(|g| {
            g.entries()
                .into_iter()
                .map(|(k, v)| (k.value.clone(), v))
                .collect()
        })
        .unwrap_or_default();
    if !general.is_empty() {
        root.insert("general_settings".into(), Value::Object(general));
    }
    // LiteLLM's other top-level keys (`environment_variables`, `credential_list`,
    // `guardrails`, `mcp_servers`, ...) as written, in file order. `include` is not: the
    // included files are already merged into what is written above.
    if let Some(base) = &input.model().raw.litellm_base {
        for (k, v) in base.entries() {
            if !matches!(
                k.as_str(),
                "model_list" | "litellm_settings" | "router_settings" | "general_settings"
            ) && k.as_str() != crate::include::INCLUDE_KEY
            {
                root.insert(k.value.clone(), v);
            }
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
            // The path is quoted for the shell the line is meant for; a path that could end
            // the comment (a line break) is shown escaped instead, which no shell would run.
            let path = if crate::names::forbidden_char(&u.path).is_some() {
                crate::names::for_comment(&u.path).into_owned()
            } else {
                super::claude_code::shell_quote(&u.path)
            };
            text.push_str(&format!(
                "#   {}=\"$(cat {path})\"   # credential `{}`\n",
                u.var,
                crate::names::for_comment(&u.name)
            ));
        }
        text.push_str("# or write the config with `-o FILE` (mode 0600), which resolves them.\n");
    }
    if !families.is_empty() {
        text.push_str(
            "#\n# routing.families: the Claude Code model ids of each routed family are hidden\n# model_group_alias entries. LiteLLM matches names exactly: other ids of these\n# families, and the other routes (see the warnings), run in fgc serve only.\n",
        );
    }
    text.push('\n');
    text.push_str(&super::yaml::to_string(&Value::Object(root)));
    Ok(Emitted {
        text,
        secrets: secrets_out,
        hidden: Vec::new(),
    })
}

/// The routes LiteLLM cannot express (`route-not-in-litellm` warnings), for the command to
/// print.
pub fn warnings(input: &Input) -> Vec<Diagnostic> {
    input
        .view
        .routing()
        .map(crate::rules::route_not_in_litellm::diagnostics)
        .unwrap_or_default()
}

/// `(model id, alias)` for each Claude Code id of a family the routing table maps, when no
/// alias or `model_group_alias` name of the profile is that id already.
fn family_group_aliases(input: &Input) -> Vec<(&'static str, String)> {
    let view = &input.view;
    let Some(routing) = view.routing() else {
        return Vec::new();
    };
    let taken = |id: &str| {
        view.model.aliases.contains_key(id) || view.group_aliases.iter().any(|g| g.name.value == id)
    };
    let mut out = Vec::new();
    for family in crate::routing::Family::ALL {
        let Some(alias) = routing.table.family_alias(family) else {
            continue;
        };
        for id in family.claude_code_ids() {
            if !taken(id) {
                out.push((*id, alias.to_string()));
            }
        }
    }
    out
}

/// The span of a credential's `file:` value, for diagnostics.
fn file_span(input: &Input, credential: &str) -> Option<crate::span::Span> {
    input
        .model()
        .raw
        .credentials
        .as_ref()?
        .upstream
        .as_ref()?
        .iter()
        .find(|(k, _)| k.value == credential)?
        .1
        .file
        .as_ref()
        .map(|f| f.span)
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
