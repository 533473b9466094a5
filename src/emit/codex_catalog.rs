//! `fgc emit codex --catalog FILE`: a model catalog (`model_catalog_json`) that tells Codex
//! the metadata of every gateway alias, so Codex stops warning "Model metadata for `X` not
//! found" and runs an alias with its full tool set and its own instructions.
//!
//! Codex 0.171 reads `{"models": [ModelInfo…]}` from the file named by `model_catalog_json`,
//! and that file replaces its built-in catalog, looked up by slug prefix. Each entry needs
//! instructions (`base_instructions` or `model_messages.instructions_template`), and fgc
//! ships no copy of Codex's prompt: the catalog is derived at emit time from the one bundled
//! with the user's own Codex (`codex debug models --bundled`). Each alias copies a template
//! entry (`integration.codex.catalog_template`, else the entry whose slug starts the
//! upstream model's name, else `gpt-5.5`, else the first listed API model) with its slug,
//! name and description replaced, no upgrade prompt and no extra service tiers, the context
//! window from `model_info.max_input_tokens`, and no reasoning levels when every deployment
//! declares `supports_reasoning: false`. Codex's own entries follow unchanged.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::Input;

/// The largest catalog read from Codex (its bundled one is under 1 MB).
const MAX_CATALOG_BYTES: u64 = 64 * 1024 * 1024;
/// How long `codex debug models --bundled` may take: 0.2 s on an idle machine, but 25 s was
/// seen here with both cores busy (it loads a 315 MB binary).
const CODEX_TIMEOUT: Duration = Duration::from_secs(120);
/// The template when neither the config nor the upstream model names one.
pub const DEFAULT_TEMPLATE: &str = "gpt-5.5";

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "cannot run `{bin} debug models --bundled` to read Codex's model catalog: {source} (install Codex 0.171 or later, or name its binary with --codex-bin)"
    )]
    Spawn { bin: String, source: std::io::Error },
    #[error("`{bin} debug models --bundled` failed ({status}): {stderr}")]
    Failed {
        bin: String,
        status: String,
        stderr: String,
    },
    #[error("`{bin} debug models --bundled` did not finish within {0} s", CODEX_TIMEOUT.as_secs())]
    Timeout { bin: String },
    #[error("Codex's model catalog is not what fgc expects: {0}")]
    Shape(String),
    #[error(
        "integration.codex.catalog_template `{0}` is not in this Codex's catalog (it has: {1})"
    )]
    UnknownTemplate(String, String),
}

/// Codex's bundled catalog, as its binary `bin` prints it.
pub fn bundled(bin: &Path) -> Result<Value, CatalogError> {
    let name = bin.display().to_string();
    let mut child = std::process::Command::new(bin)
        .args(["debug", "models", "--bundled"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|source| CatalogError::Spawn {
            bin: name.clone(),
            source,
        })?;
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut out).take(MAX_CATALOG_BYTES).read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut err).take(64 * 1024).read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > CODEX_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CatalogError::Timeout { bin: name });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(source) => return Err(CatalogError::Spawn { bin: name, source }),
        }
    };
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        return Err(CatalogError::Failed {
            bin: name,
            status: status.to_string(),
            stderr: stderr.trim().chars().take(500).collect(),
        });
    }
    let v: Value = serde_json::from_slice(&stdout)
        .map_err(|e| CatalogError::Shape(format!("not JSON ({e})")))?;
    models(&v)?;
    Ok(v)
}

fn models(v: &Value) -> Result<&Vec<Value>, CatalogError> {
    let list = v
        .get("models")
        .and_then(Value::as_array)
        .ok_or_else(|| CatalogError::Shape("no `models` list".into()))?;
    if list
        .iter()
        .any(|m| m.get("slug").and_then(Value::as_str).is_none())
    {
        return Err(CatalogError::Shape("an entry without a `slug`".into()));
    }
    Ok(list)
}

fn slug(m: &Value) -> &str {
    m.get("slug").and_then(Value::as_str).unwrap_or("")
}

/// The names Codex may be asked for: every alias and `model_group_alias` name (wildcards
/// left out), in file order.
pub fn names(input: &Input) -> Vec<String> {
    input
        .model()
        .served_names()
        .filter(|n| !n.contains('*'))
        .map(str::to_string)
        .collect()
}

/// The catalog for the aliases of `input`, derived from Codex's `bundled` catalog.
pub fn derive(input: &Input, bundled: &Value) -> Result<Value, CatalogError> {
    let own = models(bundled)?;
    let explicit = super::integration(input.model())
        .and_then(|i| i.codex.as_ref())
        .and_then(|c| c.catalog_template.as_ref())
        .map(|t| t.value.clone());
    let by_slug = |s: &str| own.iter().find(|m| slug(m) == s);
    if let Some(t) = &explicit
        && by_slug(t).is_none()
    {
        let have: Vec<&str> = own.iter().map(slug).collect();
        return Err(CatalogError::UnknownTemplate(t.clone(), have.join(", ")));
    }
    let fallback = by_slug(DEFAULT_TEMPLATE)
        .or_else(|| {
            own.iter().find(|m| {
                m.get("visibility").and_then(Value::as_str) == Some("list")
                    && m.get("supported_in_api").and_then(Value::as_bool) == Some(true)
            })
        })
        .or(own.first())
        .ok_or_else(|| CatalogError::Shape("the catalog lists no model".into()))?;
    let mut out: Vec<Value> = Vec::new();
    for name in names(input) {
        let info = input.view.alias_info(&name);
        let template = match &explicit {
            Some(t) => by_slug(t).expect("checked above"),
            None => info
                .upstream_models
                .iter()
                .find_map(|u| {
                    // The longest slug that starts the upstream name (`gpt-5.5-pro` → gpt-5.5).
                    own.iter()
                        .filter(|m| !slug(m).is_empty() && u.starts_with(slug(m)))
                        .max_by_key(|m| slug(m).len())
                })
                .unwrap_or(fallback),
        };
        let mut m: Map<String, Value> = template.as_object().cloned().unwrap_or_default();
        m.insert("slug".into(), Value::String(name.clone()));
        m.insert("display_name".into(), Value::String(name.clone()));
        m.insert(
            "description".into(),
            Value::String(format!(
                "FlowGate alias (metadata from Codex's {})",
                slug(template)
            )),
        );
        m.insert("visibility".into(), Value::String("list".into()));
        m.insert("supported_in_api".into(), Value::Bool(true));
        m.insert("upgrade".into(), Value::Null);
        m.insert("availability_nux".into(), Value::Null);
        m.insert("additional_speed_tiers".into(), Value::Array(Vec::new()));
        m.insert("service_tiers".into(), Value::Array(Vec::new()));
        if let Some(ctx) = info.context_window {
            m.insert("context_window".into(), Value::from(ctx));
            m.insert("max_context_window".into(), Value::from(ctx));
        }
        if info.supports_reasoning == Some(false) {
            m.insert(
                "supported_reasoning_levels".into(),
                Value::Array(Vec::new()),
            );
            m.remove("default_reasoning_level");
        }
        out.push(Value::Object(m));
    }
    // The file replaces Codex's catalog: keep its own models findable.
    for m in own {
        if !out.iter().any(|o| slug(o) == slug(m)) {
            out.push(m.clone());
        }
    }
    let mut root = Map::new();
    root.insert("models".into(), Value::Array(out));
    Ok(Value::Object(root))
}

/// The catalog file's text.
pub fn render(catalog: &Value) -> String {
    let mut s = serde_json::to_string_pretty(catalog).expect("JSON values serialise");
    s.push('\n');
    s
}
