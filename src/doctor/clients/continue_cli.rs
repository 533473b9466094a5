//! Continue CLI: `~/.continue/config.yaml` (`$CONTINUE_GLOBAL_DIR/config.yaml`; another with
//! `--continue`). The chat model entry (the first with the `chat` role, else the first) must
//! post to the gateway (`apiBase` = the root + `/v1`) and be served, and the variable of its
//! `${{ secrets.VAR }}` key must hold the gateway key (when it is unset, cn sends the template
//! text itself).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Client;
use super::file::{self, Expect, Found};
use crate::doctor::{Check, Context};
use crate::emit::client::Syntax;
use crate::emit::continue_cli as emit;
use crate::model::raw::Integration;

pub struct Continue;

impl Client for Continue {
    fn id(&self) -> &'static str {
        "continue"
    }

    fn name(&self) -> &'static str {
        "Continue"
    }

    fn default_file(&self, cx: &Context<'_>) -> Option<PathBuf> {
        let env = &cx.opts.env;
        let dir = env
            .get("CONTINUE_GLOBAL_DIR")
            .map(PathBuf::from)
            .or_else(|| env.home().map(|h| h.join(".continue")))?;
        Some(dir.join("config.yaml"))
    }

    fn declared(&self, i: &Integration) -> bool {
        i.continue_cli.is_some()
    }

    fn check(&self, cx: &Context<'_>, path: &Path, expected: bool) -> Vec<Check> {
        let (fix, v, data) = match file::open(
            cx,
            self,
            path,
            expected,
            Syntax::Yaml,
            emit::values(&cx.input),
        ) {
            Ok(x) => x,
            Err(c) => return vec![c],
        };
        let models = data
            .get("models")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let has_chat = |m: &Value| {
            m.get("roles")
                .and_then(Value::as_array)
                .is_none_or(|r| r.iter().any(|x| x.as_str() == Some("chat")))
        };
        let (i, entry) = match models.iter().enumerate().find(|(_, m)| has_chat(m)) {
            Some((i, m)) => (i, Some(m)),
            None => (0, None),
        };
        let at = format!("models[{i}]");
        let s = |k: &str| {
            entry
                .and_then(|e| e.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let found = Found {
            base_url: s("apiBase").map(|b| (b, format!("{at}.apiBase"))),
            models: vec![(format!("{at}.model"), s("model"), v.entries[0].0.clone())],
            key_var: s("apiKey")
                .and_then(|k| file::continue_secret(&k))
                .map(|var| (var, format!("{at}.apiKey"))),
        };
        let expect = Expect {
            base_url: v.base_url,
            posts: "{base}/chat/completions",
        };
        file::checks(cx, self, &cx.shown(path), found, &expect, expected, &fix)
    }
}
