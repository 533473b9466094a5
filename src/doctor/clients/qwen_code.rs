//! Qwen Code: `~/.qwen/settings.json` (a project's `.qwen/settings.json` with `--qwen`). The
//! `modelProviders` entry `model.name` picks must post to the gateway (`baseUrl`: the root +
//! `/v1` for openai, the root for anthropic), the model must be served, and its `envKey` must
//! hold the gateway key.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Client;
use super::file::{self, Expect, Found, str_at};
use crate::doctor::{Check, Context};
use crate::edit::json::Dialect;
use crate::emit::client::Syntax;
use crate::emit::qwen_code as emit;
use crate::model::raw::Integration;

pub struct QwenCode;

impl Client for QwenCode {
    fn id(&self) -> &'static str {
        "qwen-code"
    }

    fn name(&self) -> &'static str {
        "Qwen Code"
    }

    fn default_file(&self, cx: &Context<'_>) -> Option<PathBuf> {
        Some(cx.opts.env.home()?.join(".qwen/settings.json"))
    }

    fn declared(&self, i: &Integration) -> bool {
        i.qwen_code.is_some()
    }

    fn check(&self, cx: &Context<'_>, path: &Path, expected: bool) -> Vec<Check> {
        let (fix, v, data) = match file::open(
            cx,
            self,
            path,
            expected,
            Syntax::Json(Dialect::WITH_COMMENTS),
            emit::values(&cx.input),
        ) {
            Ok(x) => x,
            Err(c) => return vec![c],
        };
        let kind =
            str_at(&data, "/security/auth/selectedType").unwrap_or_else(|| v.kind.to_string());
        let model = str_at(&data, "/model/name");
        // The entry `model.name` picks; else (a model no entry lists) the gateway's entry.
        let list = data
            .pointer(&format!("/modelProviders/{kind}"))
            .and_then(Value::as_array);
        let id = |e: &Value| e.get("id").and_then(Value::as_str).map(str::to_string);
        let entry = list.and_then(|l| {
            l.iter()
                .find(|e| model.is_some() && id(e) == model)
                .or_else(|| {
                    l.iter().find(|e| {
                        e.get("baseUrl")
                            .and_then(Value::as_str)
                            .map(super::trim_url)
                            == Some(super::trim_url(&v.base_url))
                    })
                })
        });
        let at = format!(
            "modelProviders.{kind}[id={}]",
            entry.and_then(id).as_deref().unwrap_or("?")
        );
        let found = Found {
            base_url: entry
                .and_then(|e| e.get("baseUrl"))
                .and_then(Value::as_str)
                .map(|b| (b.to_string(), format!("{at}.baseUrl"))),
            models: vec![("model.name".into(), model.clone(), v.model.clone())],
            key_var: entry
                .and_then(|e| e.get("envKey"))
                .and_then(Value::as_str)
                .map(|k| (k.to_string(), format!("{at}.envKey"))),
        };
        let expect = Expect {
            base_url: v.base_url,
            posts: if v.kind == "anthropic" {
                "{base}/v1/messages"
            } else {
                "{base}/chat/completions"
            },
        };
        file::checks(cx, self, &cx.shown(path), found, &expect, expected, &fix)
    }
}
