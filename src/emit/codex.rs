//! `fgc emit codex`: Codex CLI's `config.toml` keys for the gateway, as a whole file or merged
//! into an existing one with `toml_edit` (comments, other providers and settings kept).
//!
//! Codex (0.169) speaks only the Responses API (`wire_api = "responses"`), posts to
//! `{base_url}/responses` (so `base_url` ends in `/v1`), reserves the provider ids `openai`,
//! `ollama` and `lmstudio`, and reads a profile from `$CODEX_HOME/NAME.config.toml`.

use toml_edit::{DocumentMut, Item, Table, TableLike, Value, value};

use super::{Emitted, Input, alias_or_default, integration};
use crate::diag::Diagnostic;

/// The keys fgc owns in a Codex config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodexValues {
    pub model: String,
    pub provider_id: String,
    pub provider_name: String,
    pub base_url: String,
    pub env_key: String,
    pub wire_api: String,
    /// `model_context_window`: the model's `model_info.max_input_tokens`, when declared.
    pub context_window: Option<u64>,
    /// `model_catalog_json`: the absolute path of the catalog `--catalog` writes.
    pub catalog: Option<String>,
}

pub const DEFAULT_PROVIDER_ID: &str = "flowgate";
pub const DEFAULT_PROVIDER_NAME: &str = "FlowGate Local";
/// The variable holding the gateway key when the config names none (`codex.env_key`, or
/// `general_settings.master_key: os.environ/VAR`): fgc's own, so it never clashes with a real
/// `OPENAI_API_KEY`. `fgc init` writes it and `fgc run` sets it.
pub const DEFAULT_ENV_KEY: &str = "FGC_GATEWAY_KEY";

/// The values Codex is given, derived from `integration`.
pub fn values(input: &Input) -> Result<CodexValues, Diagnostic> {
    let int = integration(input.model());
    let c = int.and_then(|i| i.codex.as_ref());
    let mut missing = Vec::new();
    let model = alias_or_default(
        input.model(),
        c.and_then(|c| c.model.as_ref()),
        "`model`",
        &mut missing,
    );
    let Some(model) = model else {
        return Err(super::missing_default_model(input, "Codex", &missing));
    };
    let get = |f: fn(&crate::model::raw::CodexIntegration) -> &Option<crate::span::Sp<String>>,
               d: &str| {
        c.and_then(|c| f(c).as_ref())
            .map_or_else(|| d.to_string(), |v| v.value.clone())
    };
    let base_url = match c.and_then(|c| c.base_url.as_ref()) {
        Some(u) => u.as_str().trim_end_matches('/').to_string(),
        None => format!("{}/v1", input.view.gateway.root),
    };
    Ok(CodexValues {
        provider_id: get(|c| &c.provider_id, DEFAULT_PROVIDER_ID),
        provider_name: get(|c| &c.provider_name, DEFAULT_PROVIDER_NAME),
        base_url,
        env_key: match &input.view.gateway.key {
            crate::model::view::GatewayKey::Env { var, .. } => get(|c| &c.env_key, var),
            _ => get(|c| &c.env_key, DEFAULT_ENV_KEY),
        },
        wire_api: get(|c| &c.wire_api, "responses"),
        context_window: input.view.alias_info(&model).context_window,
        catalog: None,
        model,
    })
}

/// A whole `config.toml` (or profile file) with the header comment; `catalog`: the path
/// for `model_catalog_json`.
pub fn emit(input: &Input, catalog: Option<&str>) -> Result<Emitted, Vec<Diagnostic>> {
    let mut v = values(input).map_err(|d| vec![d])?;
    v.catalog = catalog.map(str::to_string);
    let mut text = String::new();
    for l in input.header_lines("codex") {
        text.push_str("# ");
        text.push_str(&l);
        text.push('\n');
    }
    text.push_str(&format!(
        "# Codex sends the gateway token from the environment variable {}.\n\n",
        crate::names::for_comment(&v.env_key)
    ));
    let mut doc = DocumentMut::new();
    set_keys(&mut doc, &v);
    text.push_str(&doc.to_string());
    Ok(Emitted {
        text,
        secrets: Vec::new(),
        hidden: Vec::new(),
    })
}

/// `existing` with exactly fgc's keys set; everything else (comments, order, other tables)
/// kept as it was.
pub fn merge(existing: &str, v: &CodexValues) -> Result<String, toml_edit::TomlError> {
    let mut doc: DocumentMut = existing.parse()?;
    set_keys(&mut doc, v);
    Ok(doc.to_string())
}

fn set_keys(doc: &mut DocumentMut, v: &CodexValues) {
    let root = doc.as_table_mut();
    set(root, "model", &v.model);
    set(root, "model_provider", &v.provider_id);
    if let Some(ctx) = v.context_window {
        set_int(root, "model_context_window", ctx);
    }
    if let Some(path) = &v.catalog {
        set(root, "model_catalog_json", path);
    }
    if !root.contains_key("model_providers") || root["model_providers"].as_table_like().is_none() {
        let mut t = Table::new();
        t.set_implicit(true);
        root.insert("model_providers", Item::Table(t));
    }
    match &mut root["model_providers"] {
        Item::Table(t)
            if t.get(&v.provider_id)
                .is_none_or(|i| i.as_table_like().is_none()) =>
        {
            t.insert(&v.provider_id, Item::Table(Table::new()));
        }
        // Inside an inline `model_providers = {...}` the provider must be inline too.
        Item::Value(Value::InlineTable(t))
            if !t.get(&v.provider_id).is_some_and(Value::is_inline_table) =>
        {
            t.insert(&v.provider_id, Value::InlineTable(Default::default()));
        }
        _ => {}
    }
    let p = root["model_providers"]
        .as_table_like_mut()
        .and_then(|t| t.get_mut(&v.provider_id))
        .and_then(Item::as_table_like_mut)
        .expect("the provider table was just ensured");
    set(p, "name", &v.provider_name);
    set(p, "base_url", &v.base_url);
    set(p, "env_key", &v.env_key);
    set(p, "wire_api", &v.wire_api);
}

/// Set `key` to the integer `val` (as [`set`] does for strings).
fn set_int(t: &mut dyn TableLike, key: &str, val: u64) {
    let val = i64::try_from(val).unwrap_or(i64::MAX);
    match t.get_mut(key) {
        Some(Item::Value(old)) => {
            if old.as_integer() == Some(val) {
                return;
            }
            let decor = old.decor().clone();
            let mut new = Value::from(val);
            *new.decor_mut() = decor;
            *old = new;
        }
        Some(item) => *item = value(val),
        None => {
            t.insert(key, value(val));
        }
    }
}

/// Set `key` to the string `val`, keeping the comments and spacing around an existing value.
fn set(t: &mut dyn TableLike, key: &str, val: &str) {
    match t.get_mut(key) {
        Some(Item::Value(old)) => {
            if old.as_str() == Some(val) {
                return;
            }
            let decor = old.decor().clone();
            let mut new = Value::from(val);
            *new.decor_mut() = decor;
            *old = new;
        }
        Some(item) => *item = value(val),
        None => {
            t.insert(key, value(val));
        }
    }
}
