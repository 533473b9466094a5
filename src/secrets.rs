//! Finding secrets: credential files (relative to the config file) and environment variables.
//! Nothing here prints a secret; callers decide where a resolved value may go.

use std::path::{Path, PathBuf};

/// The prefix LiteLLM uses for "read this from the environment".
pub const ENV_PREFIX: &str = "os.environ/";

/// Where a secret comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SecretSource {
    File(PathBuf),
    Env(String),
}

impl SecretSource {
    pub fn describe(&self) -> String {
        match self {
            SecretSource::File(p) => format!("file `{}`", p.display()),
            SecretSource::Env(v) => format!("environment variable `{v}`"),
        }
    }
}

/// What was found at a secret's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretState {
    Present(String),
    Missing,
    Empty,
    /// A file whose mode lets group or others in (the mode is in the value).
    TooOpen {
        mode: u32,
        value: Option<String>,
    },
    Unreadable(String),
}

/// Resolve `file` relative to the folder of the config file.
pub fn credential_path(config_dir: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        normalize(&config_dir.join(p))
    }
}

/// Remove `.` and `dir/..` pairs without touching the file system, so messages show
/// `.router/secrets/key` rather than `config/../.router/secrets/key`.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// The variable named by `os.environ/VAR`, if `value` is such a reference.
pub fn env_reference(value: &str) -> Option<&str> {
    value.strip_prefix(ENV_PREFIX)
}

/// Look at a secret without printing it. Trailing newlines in files are not part of it.
pub fn inspect(source: &SecretSource) -> SecretState {
    match source {
        SecretSource::Env(var) => match std::env::var(var) {
            Ok(v) if v.trim().is_empty() => SecretState::Empty,
            Ok(v) => SecretState::Present(v),
            Err(_) => SecretState::Missing,
        },
        SecretSource::File(path) => {
            let meta = match std::fs::metadata(path) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return SecretState::Missing,
                Err(e) => return SecretState::Unreadable(e.to_string()),
            };
            if meta.is_dir() {
                return SecretState::Unreadable("is a directory".into());
            }
            let value = match std::fs::read_to_string(path) {
                Ok(s) => s.trim_end_matches(['\n', '\r']).to_string(),
                Err(e) => return SecretState::Unreadable(e.to_string()),
            };
            let mode = file_mode(&meta);
            if mode & 0o077 != 0 {
                let value = (!value.trim().is_empty()).then_some(value);
                return SecretState::TooOpen { mode, value };
            }
            if value.trim().is_empty() {
                SecretState::Empty
            } else {
                SecretState::Present(value)
            }
        }
    }
}

#[cfg(unix)]
fn file_mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o777
}

#[cfg(not(unix))]
fn file_mode(_meta: &std::fs::Metadata) -> u32 {
    0o600
}

/// A place in the config that names a secret.
#[derive(Clone, Debug)]
pub struct SecretSite {
    pub source: SecretSource,
    /// The text that names the source (the path, the variable or the `os.environ/VAR`).
    pub span: crate::span::Span,
    /// What the secret is for, for messages.
    pub what: String,
}

/// Every secret the config names: credentials, `os.environ/VAR` api keys, the master key.
pub fn sites(model: &crate::model::Model, config_dir: &Path) -> Vec<SecretSite> {
    let mut out = Vec::new();
    if let Some(creds) = model
        .raw
        .credentials
        .as_ref()
        .and_then(|c| c.upstream.as_ref())
    {
        for (name, c) in creds {
            match (&c.file, &c.env) {
                (Some(f), None) => out.push(SecretSite {
                    source: SecretSource::File(credential_path(config_dir, f.as_str())),
                    span: f.span,
                    what: format!("credential `{}`", crate::names::for_comment(name.as_str())),
                }),
                (None, Some(e)) if crate::names::is_env_name(e.as_str()) => out.push(SecretSite {
                    source: SecretSource::Env(e.value.clone()),
                    span: e.span,
                    what: format!("credential `{}`", crate::names::for_comment(name.as_str())),
                }),
                _ => {}
            }
        }
    }
    for dep in model.deployments() {
        if let Some(k) = &dep.litellm_params.api_key
            && let Some(var) = env_reference(k.as_str()).filter(|v| crate::names::is_env_name(v))
        {
            out.push(SecretSite {
                source: SecretSource::Env(var.to_string()),
                span: k.span,
                what: format!(
                    "the api_key of `{}`",
                    crate::names::for_comment(dep.model_name.as_str())
                ),
            });
        }
    }
    for c in model
        .raw
        .litellm_base
        .iter()
        .flat_map(|b| b.credential_list.iter().flatten())
    {
        if let Some(k) = &c.credential_values.api_key
            && let Some(var) = env_reference(k.as_str()).filter(|v| !v.is_empty())
        {
            out.push(SecretSite {
                source: SecretSource::Env(var.to_string()),
                span: k.span,
                what: format!("the api_key of credential `{}`", c.credential_name),
            });
        }
    }
    let mk = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref());
    if let Some(k) = mk
        && let Some(var) = env_reference(k.as_str()).filter(|v| crate::names::is_env_name(v))
    {
        out.push(SecretSite {
            source: SecretSource::Env(var.to_string()),
            span: k.span,
            what: "the gateway master_key".into(),
        });
    }
    out
}

/// Every `os.environ/VAR` reference of LiteLLM's config that fgc models, with its span: the
/// keys and bases of deployments and of `credential_list` entries, the master key, the cache
/// and Redis settings, and the string values of keys fgc keeps as they are (labelled at the
/// key). LiteLLM resolves every one of them when it reads the file.
pub fn env_references(model: &crate::model::Model) -> Vec<(&str, crate::span::Span)> {
    use crate::span::Sp;
    fn add<'m>(out: &mut Vec<(&'m str, crate::span::Span)>, v: Option<&'m Sp<String>>) {
        if let Some(v) = v
            && let Some(var) = env_reference(v.as_str()).filter(|v| !v.is_empty())
        {
            out.push((var, v.span));
        }
    }
    let mut out = Vec::new();
    let mut push = |v| add(&mut out, v);
    for dep in model.deployments() {
        push(dep.litellm_params.api_key.as_ref());
        push(dep.litellm_params.api_base.as_ref());
    }
    let Some(base) = model.raw.litellm_base.as_ref() else {
        return out;
    };
    for c in base.credential_list.iter().flatten() {
        push(c.credential_values.api_key.as_ref());
        push(c.credential_values.api_base.as_ref());
    }
    if let Some(g) = &base.general_settings {
        push(g.master_key.as_ref());
        if let Some(r) = &g.coordination_redis {
            push(r.host.as_ref());
            push(r.password.as_ref());
            push(r.url.as_ref());
        }
    }
    for scope in model.scopes() {
        let (ls, rs) = model.settings(&scope);
        if let Some(c) = ls.and_then(|l| l.cache_params.as_ref()) {
            push(c.host.as_ref());
            push(c.password.as_ref());
        }
        if let Some(r) = rs {
            push(r.redis_host.as_ref());
            push(r.redis_password.as_ref());
            push(r.redis_url.as_ref());
        }
    }
    out
}

/// The secret of a credential by name, for commands that need it (emit to a file, serve).
pub fn resolve_credential(
    model: &crate::model::Model,
    config_dir: &Path,
    name: &str,
) -> Option<SecretState> {
    let c = model
        .raw
        .credentials
        .as_ref()?
        .upstream
        .as_ref()?
        .iter()
        .find(|(k, _)| k.value == name)?
        .1;
    let source = match (&c.file, &c.env) {
        (Some(f), None) => SecretSource::File(credential_path(config_dir, f.as_str())),
        (None, Some(e)) => SecretSource::Env(e.value.clone()),
        _ => return None,
    };
    Some(inspect(&source))
}

/// `text` with every secret in `secrets` replaced by `<redacted>` (also in JSON/YAML
/// escaped form), for output a user did not ask to see secrets in.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    let mut all: Vec<String> = Vec::new();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        all.push(s.clone());
        if let Ok(q) = serde_json::to_string(s) {
            all.push(q[1..q.len() - 1].to_string());
        }
    }
    // Longest first, so a secret that contains another is replaced whole.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    all.dedup();
    for s in all {
        out = out.replace(&s, "<redacted>");
    }
    out
}

/// The shortest literal key [`literal_values`] reports: shorter literals are placeholders
/// (`none`, `x`), and replacing every occurrence of them would garble a diff.
const MIN_LITERAL_SECRET: usize = 8;

/// Keys written as literals in the config (`api_key`, `master_key` that are not
/// `os.environ/` references), for redacting text that shows parts of the file (a diff).
pub fn literal_values(model: &crate::model::Model) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let deps = model.deployments().iter();
    let keys = deps.filter_map(|d| d.litellm_params.api_key.as_ref());
    let mk = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref());
    for k in keys.chain(mk) {
        let v = k.as_str().trim();
        if env_reference(v).is_none()
            && v.len() >= MIN_LITERAL_SECRET
            && !out.iter().any(|o| o == v)
        {
            out.push(v.to_string());
        }
    }
    out
}
