//! `fgc init`: a small, commented flowgate.yaml that passes `fgc check`, from a list of
//! upstreams (base URL, the variable holding its key, its model names).
//!
//! The file never holds a secret: each upstream key is `os.environ/VAR`, and the gateway key
//! is `os.environ/FGC_GATEWAY_KEY` (the variable `fgc emit codex` and `fgc run` use). Values
//! from the user appear only as YAML scalars, quoted where YAML needs it, never in comments.

use crate::names::is_env_name;

/// The variable holding the gateway key in a config `fgc init` writes.
pub const GATEWAY_KEY_ENV: &str = crate::emit::codex::DEFAULT_ENV_KEY;
/// The alias of the first model: what the clients ask for.
pub const DEFAULT_ALIAS: &str = "router-default";
/// The port `fgc serve` listens on.
pub const DEFAULT_PORT: u16 = 4000;

/// One upstream: an OpenAI-compatible (or Anthropic) API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// Its base URL, `https://api.openai.com/v1`.
    pub url: String,
    /// The variable holding its key (none for a local server that wants none).
    pub key_env: Option<String>,
    /// Its model names, as it calls them.
    pub models: Vec<String>,
}

/// What to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub upstreams: Vec<Upstream>,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InitError {
    #[error("give at least one upstream (--upstream URL)")]
    NoUpstream,
    #[error("{0}: not an http:// or https:// URL")]
    BadUrl(String),
    #[error("`{0}` is not an environment variable name (letters, digits and _, not first a digit)")]
    BadEnv(String),
    #[error("{0}: no model names (give --model NAME, or --discover to ask the upstream)")]
    NoModels(String),
    #[error("model name {0:?}: empty, or holds a control character")]
    BadModel(String),
}

/// Whether `url` is an Anthropic API (`anthropic/` deployments), else OpenAI-compatible.
pub fn is_anthropic(url: &str) -> bool {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .is_some_and(|host| host == "anthropic.com" || host.ends_with(".anthropic.com"))
}

/// `s` as a YAML scalar: plain where PyYAML and fgc read it back as the same string, else
/// double-quoted (JSON's escapes are YAML's).
fn scalar(s: &str) -> String {
    if crate::yaml::scalar::plain_ok(s, false) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// Check the plan's values.
pub fn validate(plan: &Plan) -> Result<(), InitError> {
    validate_urls(plan)?;
    for u in &plan.upstreams {
        if u.models.is_empty() {
            return Err(InitError::NoModels(u.url.clone()));
        }
        if let Some(m) = u
            .models
            .iter()
            .find(|m| m.trim().is_empty() || m.chars().any(char::is_control))
        {
            return Err(InitError::BadModel(m.clone()));
        }
    }
    Ok(())
}

/// Check the upstreams' URLs and key variable names (before asking them for models).
pub fn validate_urls(plan: &Plan) -> Result<(), InitError> {
    if plan.upstreams.is_empty() {
        return Err(InitError::NoUpstream);
    }
    for u in &plan.upstreams {
        let scheme_ok = u.url.starts_with("http://") || u.url.starts_with("https://");
        if !scheme_ok || u.url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(InitError::BadUrl(u.url.clone()));
        }
        if let Some(v) = &u.key_env
            && !is_env_name(v)
        {
            return Err(InitError::BadEnv(v.clone()));
        }
    }
    Ok(())
}

/// The flowgate.yaml text.
pub fn render(plan: &Plan) -> Result<String, InitError> {
    validate(plan)?;
    let mut y = String::new();
    y.push_str(
        "# flowgate.yaml, written by `fgc init`: the single source of truth for the gateway\n\
         # and its clients. `fgc check` checks it; `fgc run claude` / `fgc run codex` start a\n\
         # client on it (and `fgc serve` when no gateway is running).\n\
         # No secret is written here: every key is read from the environment variable after\n\
         # `os.environ/`.\n\n",
    );
    y.push_str("litellm_base:\n  model_list:\n");
    y.push_str(
        "    # Each entry: an alias clients ask for (model_name) and the upstream model that\n\
         \x20   # serves it. Entries with the same alias share the load.\n",
    );
    let mut first = true;
    for u in &plan.upstreams {
        let prefix = if is_anthropic(&u.url) {
            "anthropic"
        } else {
            "openai"
        };
        let base = u.url.trim_end_matches('/');
        for m in &u.models {
            let alias = if first { DEFAULT_ALIAS } else { m.as_str() };
            first = false;
            y.push_str(&format!("    - model_name: {}\n", scalar(alias)));
            y.push_str("      litellm_params:\n");
            y.push_str(&format!(
                "        model: {}\n",
                scalar(&format!("{prefix}/{m}"))
            ));
            y.push_str(&format!("        api_base: {}\n", scalar(base)));
            if let Some(v) = &u.key_env {
                y.push_str(&format!("        api_key: os.environ/{v}\n"));
            }
        }
    }
    y.push_str(&format!(
        "  general_settings:\n\
         \x20   # The key clients send to the gateway. `fgc run` makes a one-time key for a\n\
         \x20   # gateway it starts when this variable is unset.\n\
         \x20   master_key: os.environ/{GATEWAY_KEY_ENV}\n\n"
    ));
    y.push_str(&format!(
        "# Where `fgc serve` (or LiteLLM) listens; the clients are pointed here.\n\
         services:\n  litellm:\n    host: 127.0.0.1\n    port: {}\n\n",
        plan.port
    ));
    y.push_str(&format!(
        "# What Codex and Claude Code ask for (`fgc emit`, `fgc run`).\n\
         integration:\n  default_model: {DEFAULT_ALIAS}\n"
    ));
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(url: &str, models: &[&str]) -> Plan {
        Plan {
            upstreams: vec![Upstream {
                url: url.into(),
                key_env: Some("UP_KEY".into()),
                models: models.iter().map(|m| m.to_string()).collect(),
            }],
            port: DEFAULT_PORT,
        }
    }

    #[test]
    fn renders_a_file_that_checks_clean() {
        let p = plan("https://api.example.com/v1/", &["gpt-5.2", "no", "a: b #c"]);
        let text = render(&p).unwrap();
        assert!(text.contains("model: openai/gpt-5.2\n"));
        assert!(text.contains("model_name: \"no\"\n"), "{text}");
        assert!(text.contains("model_name: \"a: b #c\"\n"), "{text}");
        assert!(text.contains("api_base: https://api.example.com/v1\n"));
        let loaded = crate::check::check_source(
            crate::source::SourceFile::new(
                "flowgate.yaml",
                std::path::Path::new("flowgate.yaml"),
                text.as_str(),
            ),
            &Default::default(),
        );
        let errors: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{text}");
    }

    #[test]
    fn anthropic_hosts_and_bad_input() {
        assert!(is_anthropic("https://api.anthropic.com/v1"));
        assert!(!is_anthropic("https://anthropic.com.evil.example/v1"));
        let text = render(&plan("https://api.anthropic.com", &["claude-x"])).unwrap();
        assert!(text.contains("model: anthropic/claude-x"));
        assert_eq!(
            render(&plan("ftp://x", &["m"])),
            Err(InitError::BadUrl("ftp://x".into()))
        );
        assert!(matches!(
            render(&plan("http://x", &[])),
            Err(InitError::NoModels(_))
        ));
        let mut p = plan("http://x", &["m"]);
        p.upstreams[0].key_env = Some("A-B $(x)".into());
        assert!(matches!(render(&p), Err(InitError::BadEnv(_))));
    }
}
