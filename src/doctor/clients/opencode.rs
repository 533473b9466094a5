//! opencode: `~/.config/opencode/opencode.json` (`$XDG_CONFIG_HOME/opencode`; a project's
//! `opencode.json` with `--opencode`). The provider `model` names must post to the gateway
//! (`options.baseURL` = the root + `/v1`), `model` and `small_model` must be served, and the
//! `{env:VAR}` of `options.apiKey` must hold the gateway key.

use std::path::{Path, PathBuf};

use super::Client;
use super::file::{self, Expect, Found, str_at};
use crate::doctor::{Check, Context};
use crate::edit::json::Dialect;
use crate::emit::client::Syntax;
use crate::emit::opencode as emit;
use crate::model::raw::Integration;

pub struct Opencode;

impl Client for Opencode {
    fn id(&self) -> &'static str {
        "opencode"
    }

    fn name(&self) -> &'static str {
        "opencode"
    }

    fn default_file(&self, cx: &Context<'_>) -> Option<PathBuf> {
        let env = &cx.opts.env;
        let dir = env
            .get("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| env.home().map(|h| h.join(".config")))?;
        Some(dir.join("opencode/opencode.json"))
    }

    fn declared(&self, i: &Integration) -> bool {
        i.opencode.is_some()
    }

    fn check(&self, cx: &Context<'_>, path: &Path, expected: bool) -> Vec<Check> {
        let (fix, v, data) = match file::open(
            cx,
            self,
            path,
            expected,
            Syntax::Json(Dialect::JSONC),
            emit::values(&cx.input),
        ) {
            Ok(x) => x,
            Err(c) => return vec![c],
        };
        // The provider `model` names (`<provider>/<model>`).
        let model = str_at(&data, "/model");
        let provider = model
            .as_deref()
            .and_then(|m| m.split_once('/'))
            .map_or(v.provider_id.clone(), |(p, _)| p.to_string());
        let at = format!("provider.{provider}.options");
        let options = data.pointer(&format!(
            "/provider/{}/options",
            provider.replace('~', "~0").replace('/', "~1")
        ));
        let base = options
            .and_then(|o| o.get("baseURL"))
            .and_then(|b| b.as_str());
        let key = options
            .and_then(|o| o.get("apiKey"))
            .and_then(|b| b.as_str());
        let strip = |m: Option<String>| {
            m.map(|m| m.split_once('/').map_or(m.clone(), |(_, a)| a.to_string()))
        };
        let found = Found {
            base_url: base.map(|b| (b.to_string(), format!("{at}.baseURL"))),
            models: vec![
                ("model".into(), strip(model.clone()), v.model.clone()),
                (
                    "small_model".into(),
                    strip(str_at(&data, "/small_model").or(model)),
                    v.small_model.clone(),
                ),
            ],
            key_var: key
                .and_then(file::opencode_env)
                .map(|var| (var, format!("{at}.apiKey"))),
        };
        let expect = Expect {
            base_url: v.base_url,
            posts: "{base}/chat/completions",
        };
        file::checks(cx, self, &cx.shown(path), found, &expect, expected, &fix)
    }
}
