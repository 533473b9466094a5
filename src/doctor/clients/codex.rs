//! Codex CLI: `$CODEX_HOME/config.toml` (default `~/.codex/config.toml`; a profile file
//! `NAME.config.toml` with `--codex`). The provider named by `model_provider` must post to
//! the gateway (`base_url` = the root + `/v1`, `wire_api = "responses"`), the `model` must be
//! served, and the variable named by `env_key` must hold the gateway key.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, TableLike};

use super::{Client, ModelSetting, check, model_check, token_check, trim_url};
use crate::doctor::{Check, Context, Status};
use crate::emit::codex::{self as emit, CodexValues};
use crate::model::raw::Integration;

pub struct Codex;

/// Providers built into Codex (reserved ids): they do not go through the gateway.
const BUILT_IN: [&str; 3] = ["openai", "ollama", "lmstudio"];

impl Client for Codex {
    fn id(&self) -> &'static str {
        "codex"
    }

    fn name(&self) -> &'static str {
        "Codex"
    }

    fn default_file(&self, cx: &Context<'_>) -> Option<PathBuf> {
        let env = &cx.opts.env;
        let home = env
            .get("CODEX_HOME")
            .map(PathBuf::from)
            .or_else(|| env.home().map(|h| h.join(".codex")))?;
        Some(home.join("config.toml"))
    }

    fn declared(&self, i: &Integration) -> bool {
        i.codex.is_some()
    }

    fn check(&self, cx: &Context<'_>, file: &Path, expected: bool) -> Vec<Check> {
        let path = cx.shown(file);
        let fix = cx.fixes.fgc(
            "emit codex",
            &format!("--merge {} --write", cx.path_word(file)),
        );
        let v = match emit::values(&cx.input) {
            Ok(v) => v,
            Err(d) => {
                return vec![
                    check(
                        self,
                        "config",
                        Status::Fail,
                        format!("flowgate.yaml does not say what Codex needs: {}", d.message),
                    )
                    .fix(d.help.unwrap_or_default()),
                ];
            }
        };
        let text = match super::read(file) {
            Ok(Some(t)) => t,
            Ok(None) if expected => {
                return vec![
                    check(self, "file", Status::Fail, format!("{path} does not exist")).fix(fix),
                ];
            }
            Ok(None) => {
                return vec![
                    check(
                        self,
                        "file",
                        Status::Skip,
                        format!("not set up: {path} does not exist"),
                    )
                    .fix(fix),
                ];
            }
            Err(e) => {
                return vec![check(self, "file", Status::Fail, format!("{path}: {e}"))];
            }
        };
        let doc: DocumentMut = match text.parse() {
            Ok(d) => d,
            Err(e) => {
                return vec![
                    check(
                        self,
                        "file",
                        Status::Fail,
                        format!(
                            "{path} is not valid TOML, and Codex refuses to start: {}",
                            e.message()
                        ),
                    )
                    .fix(format!("repair {path} by hand, then: {fix}")),
                ];
            }
        };
        let root = doc.as_table();
        let str_of =
            |t: &dyn TableLike, k: &str| t.get(k).and_then(Item::as_str).map(str::to_string);
        let provider_id = str_of(root, "model_provider");
        let providers = root.get("model_providers").and_then(Item::as_table_like);
        let ours = providers.is_some_and(|p| p.contains_key(&v.provider_id));
        let Some(provider_id) = provider_id else {
            let status = if expected || ours {
                Status::Fail
            } else {
                Status::Skip
            };
            let message = if status == Status::Skip {
                format!("not set up for the gateway: {path} sets no model_provider")
            } else {
                format!("{path} sets no model_provider: Codex talks to OpenAI, not the gateway")
            };
            return vec![check(self, "provider", status, message).fix(fix)];
        };
        if BUILT_IN.contains(&provider_id.as_str()) {
            let status = if expected { Status::Fail } else { Status::Skip };
            return vec![
                check(
                    self,
                    "provider",
                    status,
                    format!(
                        "{path}: model_provider = \"{provider_id}\", Codex's built-in provider, not the gateway"
                    ),
                )
                .fix(fix),
            ];
        }
        let Some(provider) = providers
            .and_then(|p| p.get(&provider_id))
            .and_then(Item::as_table_like)
        else {
            return vec![
                check(
                    self,
                    "provider",
                    Status::Fail,
                    format!(
                        "{path}: model_provider = \"{provider_id}\", but [model_providers.{provider_id}] is not defined (Codex refuses to start)"
                    ),
                )
                .fix(fix),
            ];
        };
        let at = format!("[model_providers.{provider_id}] in {path}");
        let mut out = vec![check(
            self,
            "provider",
            Status::Pass,
            format!("model_provider = \"{provider_id}\" ({path})"),
        )];
        out.push(base_url(self, &v, str_of(provider, "base_url"), &at, &fix));
        out.push(wire_api(self, str_of(provider, "wire_api"), &at, &fix));
        let model = str_of(root, "model");
        out.push(model_check(
            cx,
            self,
            ModelSetting {
                setting: "model",
                found: model.as_deref().map(|m| (m, format!("in {path}"))),
                expected: Some(&v.model),
                when_unset: "Codex asks for its own default model, which the gateway does not serve",
                fix: fix.clone(),
            },
        ));
        out.push(env_key(cx, self, str_of(provider, "env_key"), &at, &fix));
        out
    }
}

fn base_url(c: &Codex, v: &CodexValues, found: Option<String>, at: &str, fix: &str) -> Check {
    let ck = |status, message: String| check(c, "base-url", status, message);
    let want = trim_url(&v.base_url);
    let Some(found) = found else {
        return ck(
            Status::Fail,
            format!("{at} has no base_url: Codex posts to OpenAI"),
        )
        .fix(fix.to_string());
    };
    let got = trim_url(&found);
    if got == want {
        return ck(Status::Pass, format!("base_url = {found}"));
    }
    let why = if format!("{got}/v1") == want {
        format!(
            "base_url = {found} lacks /v1: Codex posts to {got}/responses, which the gateway answers 404"
        )
    } else {
        format!("base_url = {found} ({at}) is not the gateway ({want})")
    };
    ck(Status::Fail, why).fix(fix.to_string())
}

fn wire_api(c: &Codex, found: Option<String>, at: &str, fix: &str) -> Check {
    let ck = |status, message: String| check(c, "wire-api", status, message);
    match found.as_deref() {
        Some("responses") => ck(Status::Pass, "wire_api = \"responses\"".into()),
        Some(other) => ck(
            Status::Fail,
            format!(
                "wire_api = \"{other}\" ({at}): Codex speaks only the Responses API and refuses to start"
            ),
        )
        .fix(fix.to_string()),
        None => ck(
            Status::Warn,
            format!("{at} does not set wire_api; fgc writes \"responses\", the only API Codex speaks"),
        )
        .fix(fix.to_string()),
    }
}

fn env_key(cx: &Context<'_>, c: &Codex, found: Option<String>, at: &str, fix: &str) -> Check {
    let Some(var) = found else {
        let status = match cx.key {
            crate::doctor::GatewayKeyState::NotConfigured => Status::Pass,
            _ => Status::Fail,
        };
        let mut ck = check(
            c,
            "token",
            status,
            format!("{at} has no env_key: Codex sends no key"),
        );
        if status == Status::Fail {
            ck = ck.fix(fix.to_string());
        }
        return ck;
    };
    let export = match &cx.input.view.gateway.key {
        crate::model::view::GatewayKey::Env { var: k, .. } => format!("export {var}=\"${k}\""),
        _ => format!("export {var}=<the gateway key>"),
    };
    let Some(value) = cx.opts.env.get(&var) else {
        return check(
            c,
            "token",
            Status::Fail,
            format!("`{var}` (env_key of {at}) is not set: Codex refuses to start"),
        )
        .fix(export);
    };
    let found = [(var.as_str(), value, "env_key".to_string())];
    token_check(cx, c, &found, &format!("`{var}`"), export)
}
