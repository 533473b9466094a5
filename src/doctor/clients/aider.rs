//! Aider: `~/.aider.conf.yml` (another with `--aider`). `openai-api-base` must be the gateway
//! (the root + `/v1`), `model`, `weak-model` and `editor-model` (`openai/<alias>`) must be
//! served, `OPENAI_API_KEY` must hold the gateway key, and `.aider.model.metadata.json` next
//! to it must exist (without it Aider downloads LiteLLM's price list at start).

use std::path::{Path, PathBuf};

use super::file::{self, Expect, Found, str_at};
use super::{Client, check};
use crate::doctor::{Check, Context, Status};
use crate::emit::aider as emit;
use crate::emit::client::Syntax;
use crate::model::raw::Integration;

pub struct Aider;

impl Client for Aider {
    fn id(&self) -> &'static str {
        "aider"
    }

    fn name(&self) -> &'static str {
        "Aider"
    }

    fn default_file(&self, cx: &Context<'_>) -> Option<PathBuf> {
        Some(cx.opts.env.home()?.join(".aider.conf.yml"))
    }

    fn declared(&self, i: &Integration) -> bool {
        i.aider.is_some()
    }

    fn check(&self, cx: &Context<'_>, path: &Path, expected: bool) -> Vec<Check> {
        let (fix, [model, weak, editor], data) = match file::open(
            cx,
            self,
            path,
            expected,
            Syntax::Yaml,
            emit::models(&cx.input),
        ) {
            Ok(x) => x,
            Err(c) => return vec![c],
        };
        let alias = |key: &str| {
            str_at(&data, &format!("/{key}"))
                .map(|m| m.strip_prefix("openai/").map_or(m.clone(), str::to_string))
        };
        let found = Found {
            base_url: str_at(&data, "/openai-api-base").map(|b| (b, "openai-api-base".to_string())),
            models: vec![
                ("model".into(), alias("model"), model),
                ("weak-model".into(), alias("weak-model"), weak),
                ("editor-model".into(), alias("editor-model"), editor),
            ],
            key_var: Some(("OPENAI_API_KEY".into(), "the variable Aider reads".into())),
        };
        let expect = Expect {
            base_url: emit::base_url(&cx.input),
            posts: "{base}/chat/completions",
        };
        let mut out = file::checks(cx, self, &cx.shown(path), found, &expect, expected, &fix);
        if out.iter().any(|c| c.status != Status::Skip) {
            let meta = path.with_file_name(".aider.model.metadata.json");
            let meta_fix = cx.fixes.fgc(
                "emit aider",
                &format!("--format metadata --merge {} --write", cx.path_word(&meta)),
            );
            out.push(if meta.exists() {
                check(self, "metadata", Status::Pass, format!("{} exists", cx.shown(&meta)))
            } else {
                check(
                    self,
                    "metadata",
                    Status::Warn,
                    format!(
                        "{} does not exist: Aider downloads LiteLLM's price list at start and warns about unknown models",
                        cx.shown(&meta)
                    ),
                )
                .fix(meta_fix)
            });
        }
        out
    }
}
