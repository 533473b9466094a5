//! Claude Code: the `env` blocks of its settings files and the environment, read the way
//! Claude Code reads them: `.claude/settings.local.json` and `.claude/settings.json` of the
//! folder it runs in, then `~/.claude/settings.json` (or `--claude PATH`), then exported
//! variables. A settings `env` block wins over an exported variable, so a stale entry there
//! shadows a correct `export`. Values in settings files are literal (no `${VAR}`), and a file
//! that is not valid JSON is ignored whole, its `env` too.
//!
//! Checked: `ANTHROPIC_BASE_URL` is the gateway root (never `/v1`), `ANTHROPIC_MODEL` and the
//! three `ANTHROPIC_DEFAULT_*_MODEL` name served aliases (and `ANTHROPIC_SMALL_FAST_MODEL`,
//! `CLAUDE_CODE_SUBAGENT_MODEL` when set), and a token holds the gateway key. A settings file
//! that holds the token must be mode 0600.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Client, ModelSetting, check, model_check, token_check, trim_url};
use crate::doctor::{Area, Check, Context, Status};
use crate::emit::claude_code::{self as emit, KEYS};
use crate::model::raw::Integration;

pub struct ClaudeCode;

/// Variables that name a model besides the four fgc writes: checked when set.
const OTHER_MODELS: [(&str, &str); 2] = [
    (
        "ANTHROPIC_SMALL_FAST_MODEL",
        "the small fast slot (it wins over the haiku slot there)",
    ),
    ("CLAUDE_CODE_SUBAGENT_MODEL", "every subagent"),
];

/// A variable that also carries a token (`x-api-key`).
const API_KEY: &str = "ANTHROPIC_API_KEY";

/// Where a value was found.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    File(PathBuf),
    Environment,
}

impl Origin {
    fn describe(&self, cx: &Context<'_>) -> String {
        match self {
            Origin::File(p) => format!("env of {}", cx.shown(p)),
            Origin::Environment => "exported".into(),
        }
    }
}

/// A settings file as read.
struct Settings {
    path: PathBuf,
    /// `Ok(None)`: the file does not exist.
    env: Result<Option<serde_json::Map<String, Value>>, String>,
}

impl ClaudeCode {
    /// The settings files, highest precedence first.
    fn files(&self, cx: &Context<'_>, user: &Path) -> Vec<PathBuf> {
        let mut v = vec![
            cx.opts.cwd.join(".claude/settings.local.json"),
            cx.opts.cwd.join(".claude/settings.json"),
        ];
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        };
        if !v.iter().any(|p| same(p, user)) {
            v.push(user.to_path_buf());
        }
        v
    }
}

fn read_settings(path: &Path) -> Settings {
    let env = match super::read(path) {
        Ok(None) => Ok(None),
        Err(e) => Err(e),
        Ok(Some(text)) if text.trim().is_empty() => Ok(Some(Default::default())),
        Ok(Some(text)) => match serde_json::from_str::<Value>(&text) {
            Err(e) => Err(format!("not valid JSON ({e})")),
            Ok(Value::Object(mut o)) => match o.remove("env") {
                None => Ok(Some(Default::default())),
                Some(Value::Object(env)) => Ok(Some(env)),
                Some(_) => Err("its `env` is not a JSON object".into()),
            },
            Ok(_) => Err("its top level is not a JSON object".into()),
        },
    };
    Settings {
        path: path.to_path_buf(),
        env,
    }
}

/// What Claude Code would see for each variable.
struct Effective<'a, 'c> {
    files: &'a [Settings],
    env: &'a crate::doctor::Env,
    cx: &'a Context<'c>,
}

impl Effective<'_, '_> {
    /// The value Claude Code uses and where it comes from (numbers in `env` are coerced).
    fn get(&self, var: &str) -> Option<(String, Origin)> {
        for f in self.files {
            if let Ok(Some(env)) = &f.env
                && let Some(v) = env.get(var)
            {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                return Some((s, Origin::File(f.path.clone())));
            }
        }
        self.env
            .get(var)
            .map(|v| (v.to_string(), Origin::Environment))
    }

    /// An exported value that a settings file shadows, when they differ.
    fn shadowed(&self, var: &str) -> Option<String> {
        match self.get(var) {
            Some((v, Origin::File(p))) => self.env.get(var).filter(|e| *e != v).map(|_| {
                format!(
                    "; the exported {var} is ignored: {} wins",
                    self.cx.shown(&p)
                )
            }),
            _ => None,
        }
    }
}

impl Client for ClaudeCode {
    fn id(&self) -> &'static str {
        "claude-code"
    }

    fn name(&self) -> &'static str {
        "Claude Code"
    }

    fn default_file(&self, cx: &Context<'_>) -> Option<PathBuf> {
        Some(cx.opts.env.home()?.join(".claude/settings.json"))
    }

    fn declared(&self, i: &Integration) -> bool {
        i.claude_code.is_some()
    }

    fn check(&self, cx: &Context<'_>, file: &Path, expected: bool) -> Vec<Check> {
        let v = match emit::values(&cx.input) {
            Ok(v) => v,
            Err(d) => {
                return vec![
                    check(
                        self,
                        "config",
                        Status::Fail,
                        format!(
                            "flowgate.yaml does not say what Claude Code needs: {}",
                            d.message
                        ),
                    )
                    .fix(d.help.unwrap_or_default()),
                ];
            }
        };
        let files: Vec<Settings> = self
            .files(cx, file)
            .iter()
            .map(|p| read_settings(p))
            .collect();
        let eff = Effective {
            files: &files,
            env: &cx.opts.env,
            cx,
        };
        let merge_fix = |p: &Path| {
            cx.fixes.fgc(
                "emit claude-code",
                &format!("--merge {} --write", cx.path_word(p)),
            )
        };
        let shell_fix = format!(
            "eval \"$({})\"",
            cx.fixes.fgc("emit claude-code", "--format shell")
        );
        // The fix for a variable: where its value comes from is where it is set right.
        let fix_for = |origin: Option<&Origin>| match origin {
            Some(Origin::File(p)) => merge_fix(p),
            Some(Origin::Environment) => shell_fix.clone(),
            None => merge_fix(file),
        };
        let mut out = Vec::new();
        for f in &files {
            if let Err(e) = &f.env {
                out.push(
                    check(
                        self,
                        "settings",
                        Status::Fail,
                        format!(
                            "{} is {e}: Claude Code ignores the whole file, its env too",
                            cx.shown(&f.path)
                        ),
                    )
                    .fix(format!("repair {} by hand", cx.shown(&f.path))),
                );
            }
        }
        let set_up = KEYS.iter().chain(&[API_KEY]).any(|k| eff.get(k).is_some());
        if !set_up {
            let status = if expected { Status::Fail } else { Status::Skip };
            let message = if expected {
                format!(
                    "Claude Code is not pointed at the gateway: no ANTHROPIC_* variable in {} or the environment",
                    cx.shown(file)
                )
            } else {
                format!(
                    "not set up for the gateway: no ANTHROPIC_* variable in {} or the environment",
                    cx.shown(file)
                )
            };
            out.push(check(self, "base-url", status, message).fix(merge_fix(file)));
            return out;
        }
        let read: Vec<String> = files
            .iter()
            .filter(|f| matches!(f.env, Ok(Some(_))))
            .map(|f| cx.shown(&f.path))
            .collect();
        if !read.is_empty() {
            out.push(check(
                self,
                "settings",
                Status::Pass,
                format!(
                    "reads {} (their env wins over exported variables)",
                    read.join(", ")
                ),
            ));
        }

        // ANTHROPIC_BASE_URL
        let base = eff.get(KEYS[0]);
        let ck = |status, message: String| check(self, "base-url", status, message);
        let want = trim_url(&v.base_url);
        out.push(match &base {
            None => ck(
                Status::Fail,
                "ANTHROPIC_BASE_URL is not set: Claude Code talks to api.anthropic.com".into(),
            )
            .fix(fix_for(None)),
            Some((u, origin)) => {
                let got = trim_url(u);
                let shadow = eff.shadowed(KEYS[0]).unwrap_or_default();
                if got == want {
                    ck(
                        Status::Pass,
                        format!("ANTHROPIC_BASE_URL = {u} ({})", origin.describe(cx)),
                    )
                } else if got.strip_suffix("/v1").is_some_and(|r| r == want)
                    || got.ends_with("/v1")
                {
                    ck(
                        Status::Fail,
                        format!(
                            "ANTHROPIC_BASE_URL = {u} ({}) ends in /v1: Claude Code posts to {got}/v1/messages, which the gateway answers 404{shadow}",
                            origin.describe(cx)
                        ),
                    )
                    .fix(fix_for(Some(origin)))
                } else {
                    ck(
                        Status::Fail,
                        format!(
                            "ANTHROPIC_BASE_URL = {u} ({}) is not the gateway ({want}){shadow}",
                            origin.describe(cx)
                        ),
                    )
                    .fix(fix_for(Some(origin)))
                }
            }
        });

        // The four model variables fgc writes, then the others when set.
        let slots = [
            (
                KEYS[2],
                v.model.as_deref(),
                "Claude Code asks for claude-opus-4-8, which the gateway does not serve",
            ),
            (
                KEYS[3],
                v.opus.as_deref(),
                "requests for opus (the default main model) name claude-opus-4-8, which the gateway does not serve",
            ),
            (
                KEYS[4],
                v.sonnet.as_deref(),
                "requests for sonnet name a claude-sonnet-* id, which the gateway does not serve",
            ),
            (
                KEYS[5],
                v.haiku.as_deref(),
                "the Explore subagent and background requests name claude-haiku-4-5-20251001, which the gateway does not serve",
            ),
        ];
        for (var, expected_model, when_unset) in slots {
            let found = eff.get(var);
            let shadow = eff.shadowed(var).unwrap_or_default();
            let mut c = model_check(
                cx,
                self,
                ModelSetting {
                    setting: var,
                    found: found.as_ref().map(|(m, o)| (m.as_str(), o.describe(cx))),
                    expected: expected_model,
                    when_unset,
                    fix: fix_for(found.as_ref().map(|(_, o)| o)),
                },
            );
            if c.status != Status::Pass {
                c.message.push_str(&shadow);
            }
            out.push(c);
        }
        for (var, what) in OTHER_MODELS {
            if let Some((m, origin)) = eff.get(var) {
                let served = cx.served.serves(&m);
                let mut c = check(
                    self,
                    "model",
                    if served { Status::Pass } else { Status::Fail },
                    if served {
                        format!("{var} = `{m}` ({}), served", origin.describe(cx))
                    } else {
                        format!(
                            "{var} = `{m}` ({}) is not served by the gateway, and it names the model of {what}",
                            origin.describe(cx)
                        )
                    },
                )
                .subject(var);
                if !served {
                    c = c.fix(match &origin {
                        Origin::Environment => format!("unset {var}"),
                        Origin::File(p) => format!("remove {var} from the env of {}", cx.shown(p)),
                    });
                }
                out.push(c);
            }
        }

        // The token.
        let tokens: Vec<(String, String, Origin)> = [KEYS[1], API_KEY]
            .iter()
            .filter_map(|var| eff.get(var).map(|(v, o)| (var.to_string(), v, o)))
            .collect();
        let found: Vec<(&str, &str, String)> = tokens
            .iter()
            .map(|(var, v, o)| (var.as_str(), v.as_str(), o.describe(cx)))
            .collect();
        let token_fix = fix_for(tokens.first().map(|(_, _, o)| o));
        out.push(token_check(
            cx,
            self,
            &found,
            "neither ANTHROPIC_AUTH_TOKEN nor ANTHROPIC_API_KEY",
            token_fix,
        ));

        // A settings file that holds a token is a secret file.
        for (var, value, origin) in &tokens {
            let Origin::File(p) = origin else { continue };
            if value == emit::TOKEN_PLACEHOLDER || value.contains("${") {
                continue;
            }
            out.push(secret_file(cx, p, var));
        }
        out
    }
}

fn secret_file(cx: &Context<'_>, p: &Path, var: &str) -> Check {
    let mode = mode_of(p);
    let c = |status, message: String| {
        Check::new(Area::Secrets, "client-file", status, message).subject(cx.shown(p))
    };
    match mode {
        Some(m) if m & 0o077 != 0 => c(
            Status::Fail,
            format!(
                "{} holds {var} and has mode {m:04o}: readable by group or others",
                cx.shown(p)
            ),
        )
        .fix(format!("chmod 600 {}", cx.path_word(p))),
        _ => c(
            Status::Pass,
            format!(
                "{} holds {var} and is readable by its owner only",
                cx.shown(p)
            ),
        ),
    }
}

#[cfg(unix)]
fn mode_of(p: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_of(_p: &Path) -> Option<u32> {
    None
}
