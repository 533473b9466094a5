//! The secrets area: every secret the config names (credential files, `os.environ/VAR`
//! keys, the gateway's master key), each once, with the state [`crate::secrets::inspect`]
//! finds, the same fact the checker's secret rules report. A value is never shown.

use indexmap::IndexMap;

use super::{Area, Check, Context, Status, shell_word};
use crate::load::Loaded;
use crate::secrets::{self, SecretSource, SecretState};

pub fn checks(cx: &Context<'_>, loaded: &Loaded) -> Vec<Check> {
    let model = cx.input.model();
    let mut by_source: IndexMap<SecretSource, Vec<String>> = IndexMap::new();
    for site in secrets::sites(model, &loaded.source.dir()) {
        let whats = by_source.entry(site.source).or_default();
        if !whats.contains(&site.what) {
            whats.push(site.what);
        }
    }
    by_source
        .into_iter()
        .map(|(source, whats)| check(cx, &source, &whats.join(", ")))
        .collect()
}

fn check(cx: &Context<'_>, source: &SecretSource, what: &str) -> Check {
    // A variable as the environment doctor checks has it (`fgc run` passes the client's).
    let state = match source {
        SecretSource::Env(var) => match cx.opts.env.get(var) {
            Some(v) if v.trim().is_empty() => SecretState::Empty,
            Some(v) => SecretState::Present(v.to_string()),
            None => SecretState::Missing,
        },
        SecretSource::File(_) => secrets::inspect(source),
    };
    match source {
        SecretSource::File(path) => {
            let p = path.display().to_string();
            let q = shell_word(&p);
            let c = |status, message: String| {
                Check::new(Area::Secrets, "file", status, message).subject(p.clone())
            };
            match state {
                SecretState::Present(_) => c(
                    Status::Pass,
                    format!("{p} ({what}) is readable by its owner only"),
                ),
                SecretState::TooOpen { mode, .. } => c(
                    Status::Fail,
                    format!("{p} ({what}) has mode {mode:04o}: readable by group or others"),
                )
                .fix(format!("chmod 600 {q}")),
                SecretState::Missing => c(Status::Fail, format!("{p} ({what}) does not exist"))
                    .fix(format!("printf '%s\\n' \"$KEY\" > {q} && chmod 600 {q}")),
                SecretState::Empty => c(Status::Fail, format!("{p} ({what}) is empty"))
                    .fix(format!("printf '%s\\n' \"$KEY\" > {q}")),
                SecretState::Unreadable(e) => {
                    c(Status::Fail, format!("cannot read {p} ({what}): {e}"))
                }
            }
        }
        SecretSource::Env(var) => {
            let c = |status, message: String| {
                Check::new(Area::Secrets, "variable", status, message).subject(var.clone())
            };
            match state {
                SecretState::Present(_) => c(Status::Pass, format!("`{var}` ({what}) is set")),
                SecretState::Empty => c(Status::Fail, format!("`{var}` ({what}) is empty"))
                    .fix(format!("export {var}=...")),
                _ => c(Status::Fail, format!("`{var}` ({what}) is not set"))
                    .fix(format!("export {var}=...")),
            }
        }
    }
}
