//! `fgc redirect`: map standard model names to the model ids each upstream serves, as
//! `model_list` entries (one deployment per upstream per standard name), merged into
//! flowgate.yaml by span patches. See docs/redirect.md.
//!
//! The steps, each in its own module: the upstreams of the file ([`upstreams`]), their model
//! lists ([`fetch`], or a models file), the standard names ([`names`]), matching per upstream
//! ([`normalise`], [`matching`]) and the edit ([`merge`]). Entries fgc generated carry
//! `fgc_redirect: UPSTREAM`; a run replaces those of each upstream it could list and keeps
//! everything else. The result is checked and compared with the intended edit before anything
//! is written, and written atomically.

// An error is built once per run, on the way out; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod error;
pub mod fetch;
pub mod matching;
pub mod merge;
pub mod names;
pub mod normalise;
pub mod report;
pub mod upstreams;

use std::path::{Path, PathBuf};

pub use error::{ErrorKind, RedirectError};

use crate::check::check_source;
use crate::load::Loaded;
use crate::model::Model;
use crate::rename::error::CheckReport;
use crate::rules::CheckOptions;
use crate::source::{LoadError, SourceFile};
use crate::yaml::Node;
use fetch::{FetchError, ModelsFile};
use matching::{Outcome, Standard};
use merge::{Block, Edit, KeyField, NewEntry};
use report::{Reason, Report, Status, UpstreamReport};
use upstreams::{Credential, Upstream, Upstreams};

/// A checked flowgate.yaml and what `fgc redirect` reads from it.
pub struct Session {
    pub path: PathBuf,
    loaded: Loaded,
    pub upstreams: Upstreams,
    pub standards: Vec<Standard>,
    /// Notes for the summary (names left out and why, deployments without an upstream).
    pub notes: Vec<String>,
    /// Literal secrets in the file, taken out of every diff.
    literal_secrets: Vec<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.path)
            .field("upstreams", &self.upstreams)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Read and check `path`. A file with errors is refused.
    pub fn load(path: &Path) -> Result<Session, RedirectError> {
        let source = SourceFile::read(path).map_err(|e| RedirectError::Read {
            path: path.to_path_buf(),
            error: match e {
                LoadError::Io(e) => e,
                LoadError::TooLarge { bytes } => {
                    std::io::Error::other(format!("the file is {bytes} bytes, too large"))
                }
                LoadError::InvalidUtf8 { offset, .. } => {
                    std::io::Error::other(format!("not UTF-8 text (byte {offset})"))
                }
            },
        })?;
        Self::from_source(source)
    }

    /// [`Session::load`] on text already read.
    pub fn from_source(source: SourceFile) -> Result<Session, RedirectError> {
        let path = source.path.clone();
        let loaded = check_source(source, &CheckOptions::default());
        if loaded.has_errors() || loaded.model.is_none() || loaded.node.is_none() {
            let errors: Vec<_> = loaded
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            return Err(RedirectError::NotClean {
                file: loaded.source.name.clone(),
                errors: errors.len(),
                report: Box::new(CheckReport {
                    source: loaded.source.clone(),
                    diagnostics: errors,
                }),
            });
        }
        let model = loaded.model.as_ref().expect("checked above");
        if model.dialect == crate::model::checked::Dialect::Litellm {
            return Err(RedirectError::LitellmConfig {
                file: loaded.source.name.clone(),
            });
        }
        let upstreams = upstreams::discover(model);
        let mut notes = Vec::new();
        let (standards, excluded) = standards(model);
        notes.extend(excluded);
        if !upstreams.unlisted.is_empty() {
            notes.push(format!(
                "not mapped: {} (no api_base, and a provider whose model list fgc does not know how to read); list their upstream under redirect.upstreams",
                upstreams.unlisted.join(", ")
            ));
        }
        let literal_secrets = literal_secrets(model);
        Ok(Session {
            path,
            loaded,
            upstreams,
            standards,
            notes,
            literal_secrets,
        })
    }

    fn model(&self) -> &Model {
        self.loaded.model.as_ref().expect("a session has a model")
    }

    fn node(&self) -> &Node {
        self.loaded.node.as_ref().expect("a session has a tree")
    }

    pub fn source(&self) -> &SourceFile {
        &self.loaded.source
    }

    /// The upstreams named by `names` (all when empty), as indices. For `--clear`, generated
    /// entries of upstreams no longer configured (`orphans`) may be named too.
    pub fn select(&self, names: &[String], orphans: bool) -> Result<Vec<Sel>, RedirectError> {
        let all: Vec<Sel> = (0..self.upstreams.list.len())
            .map(Sel::Upstream)
            .chain(
                self.upstreams
                    .orphans
                    .keys()
                    .filter(|_| orphans)
                    .map(|k| Sel::Orphan(k.clone())),
            )
            .collect();
        if names.is_empty() {
            if self.upstreams.list.is_empty() && (!orphans || self.upstreams.orphans.is_empty()) {
                return Err(RedirectError::NoUpstreams {
                    file: self.source().name.clone(),
                });
            }
            return Ok(all);
        }
        let mut out = Vec::new();
        for n in names {
            let found = all.iter().find(|s| self.sel_name(s) == n.as_str());
            match found {
                Some(s) if !out.contains(s) => out.push(s.clone()),
                Some(_) => {}
                None => {
                    return Err(RedirectError::UnknownUpstream {
                        name: n.clone(),
                        known: if all.is_empty() {
                            "(none)".into()
                        } else {
                            all.iter()
                                .map(|s| self.sel_name(s).to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    });
                }
            }
        }
        Ok(out)
    }

    fn sel_name<'a>(&'a self, s: &'a Sel) -> &'a str {
        match s {
            Sel::Upstream(i) => &self.upstreams.list[*i].name,
            Sel::Orphan(n) => n,
        }
    }

    /// The model lists of the selected upstreams from the network. An upstream that is
    /// skipped, or whose key cannot be read, is not asked.
    pub fn fetch(&self, sel: &[Sel], limits: fetch::Limits) -> Vec<Listing> {
        // Each upstream: its result now, or its place among the requests sent.
        let mut slots: Vec<Result<usize, FetchError>> = Vec::new();
        let mut asked = Vec::new();
        for u in self.selected(sel) {
            if let Some(reason) = &u.unusable {
                slots.push(Err(FetchError::Credential(reason.clone())));
                continue;
            }
            match u.secret(self.model()) {
                Ok(key) => {
                    slots.push(Ok(asked.len()));
                    asked.push(fetch::Request {
                        base_url: u.base_url.clone(),
                        api: u.api,
                        key,
                    });
                }
                Err(e) => slots.push(Err(FetchError::Credential(e))),
            }
        }
        let mut got: Vec<Option<Listing>> = fetch::list_all_blocking(&asked, limits)
            .into_iter()
            .map(Some)
            .collect();
        slots
            .into_iter()
            .map(|s| match s {
                Ok(i) => got[i].take().unwrap_or_else(|| {
                    Err(FetchError::Credential("not asked (internal error)".into()))
                }),
                Err(e) => Err(e),
            })
            .collect()
    }

    /// The model lists of the selected upstreams from a models file.
    pub fn from_file(&self, sel: &[Sel], file: &ModelsFile) -> Vec<Listing> {
        self.selected(sel)
            .iter()
            .map(|u| file.lookup(&u.name, u.api_base.as_deref(), &u.base_url))
            .collect()
    }

    fn selected(&self, sel: &[Sel]) -> Vec<&Upstream> {
        sel.iter()
            .filter_map(|s| match s {
                Sel::Upstream(i) => Some(&self.upstreams.list[*i]),
                Sel::Orphan(_) => None,
            })
            .collect()
    }

    /// Match, merge and check: the change to flowgate.yaml and its report. `listings` has one
    /// entry per selected upstream (as [`Session::fetch`] returns them).
    pub fn plan(&self, sel: &[Sel], listings: Vec<Listing>) -> Result<Plan, RedirectError> {
        let ups = self.selected(sel);
        let mut edit = Edit::default();
        let mut reports = Vec::new();
        // Per standard name: mapped somewhere, or the reasons it was not.
        let mut best: Vec<Option<Reason>> = vec![Some(Reason::NotFound); self.standards.len()];
        let mut any_updated = false;
        for (u, listing) in ups.iter().zip(listings) {
            let kept = u.generated.len();
            if let Some(reason) = &u.unusable {
                reports.push(UpstreamReport::new(
                    u,
                    Status::Skipped {
                        reason: reason.clone(),
                        kept,
                    },
                ));
                continue;
            }
            let models = match listing {
                Ok(m) => m,
                Err(e) => {
                    reports.push(UpstreamReport::new(
                        u,
                        Status::Failed {
                            reason: e.to_string(),
                            kept,
                        },
                    ));
                    continue;
                }
            };
            any_updated = true;
            let listed = models.len();
            let (models, ignored): (Vec<String>, Vec<String>) = models
                .into_iter()
                .partition(|m| crate::rename::name::validate(m).is_none());
            let skip: Vec<bool> = self
                .standards
                .iter()
                .map(|s| u.hand_written.contains(&s.name))
                .collect();
            let outcomes = matching::match_upstream(&self.standards, &models, &skip);
            let mut st = report::Updated {
                listed,
                ignored: ignored.len(),
                replaced: kept,
                ..Default::default()
            };
            let mut entries = Vec::new();
            for (i, o) in outcomes.iter().enumerate() {
                let name = &self.standards[i].name;
                match o {
                    Outcome::Skipped => {
                        st.hand_written += 1;
                        best[i] = None;
                    }
                    Outcome::Exact(a) | Outcome::Normalised(a) => {
                        if matches!(o, Outcome::Exact(_)) {
                            st.exact += 1;
                        }
                        best[i] = None;
                        entries.push(NewEntry {
                            model_name: name.clone(),
                            model: format!("{}/{}", u.provider, models[*a]),
                            api_base: u.api_base.clone(),
                            key: match &u.credential {
                                Credential::Ref(r) => KeyField::Ref(r.clone()),
                                Credential::Env(v) => {
                                    KeyField::Env(format!("{}{v}", crate::secrets::ENV_PREFIX))
                                }
                                _ => KeyField::None,
                            },
                            upstream: u.name.clone(),
                        });
                    }
                    Outcome::NotFound => st.not_found += 1,
                    Outcome::Ambiguous(c) => {
                        st.ambiguous
                            .push((name.clone(), c.iter().map(|a| models[*a].clone()).collect()));
                        if let Some(r) = &mut best[i] {
                            *r = (*r).max(Reason::Ambiguous);
                        }
                    }
                    Outcome::AlreadyUsed { actual, by } => {
                        st.used.push((
                            name.clone(),
                            models[*actual].clone(),
                            self.standards[*by].name.clone(),
                        ));
                        if let Some(r) = &mut best[i] {
                            *r = (*r).max(Reason::AlreadyUsed);
                        }
                    }
                }
            }
            st.mapped = entries.len();
            edit.remove.extend(u.generated.iter().copied());
            if !entries.is_empty() {
                edit.blocks.push(Block {
                    at: u.generated.first().copied(),
                    entries,
                });
            }
            reports.push(UpstreamReport::new(u, Status::Updated(st)));
        }
        let unmatched = if any_updated {
            self.standards
                .iter()
                .zip(best)
                .filter_map(|(s, r)| r.map(|r| (s.name.clone(), r)))
                .collect()
        } else {
            Vec::new()
        };
        let mut notes = self.notes.clone();
        for (name, idx) in &self.upstreams.orphans {
            notes.push(format!(
                "{} generated entr{} name the upstream `{name}`, which is not configured; `fgc redirect --clear --upstream {name}` removes them",
                idx.len(),
                if idx.len() == 1 { "y" } else { "ies" }
            ));
        }
        let change = self.change(&edit)?;
        Ok(Plan {
            report: Report {
                upstreams: reports,
                unmatched,
                notes,
                added: edit.blocks.iter().map(|b| b.entries.len()).sum(),
                removed: edit.remove.len(),
            },
            change,
        })
    }

    /// Remove the generated entries of the selected upstreams.
    pub fn plan_clear(&self, sel: &[Sel]) -> Result<ClearPlan, RedirectError> {
        let mut edit = Edit::default();
        let mut counts = Vec::new();
        for s in sel {
            let idx: &[usize] = match s {
                Sel::Upstream(i) => &self.upstreams.list[*i].generated,
                Sel::Orphan(n) => &self.upstreams.orphans[n],
            };
            counts.push((self.sel_name(s).to_string(), idx.len()));
            edit.remove.extend(idx.iter().copied());
        }
        let change = self.change(&edit)?;
        Ok(ClearPlan { counts, change })
    }

    /// Apply `edit` to the file, check the result and compare it with the edit.
    fn change(&self, edit: &Edit) -> Result<Change, RedirectError> {
        let timer = crate::load::Timer::start();
        let source = self.source();
        let text: &str = &source.text;
        let after =
            merge::apply(text, self.node(), edit).map_err(|u| RedirectError::Unsupported {
                message: u.message,
                src: crate::rename::error::named(source),
                at: u.at.into(),
            })?;
        timer.mark("redirect: patch");
        if after != text {
            let checked = check_source(
                SourceFile::new(source.name.clone(), source.path.clone(), after.as_str()),
                &CheckOptions::default(),
            );
            let errors: Vec<_> = checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            if !errors.is_empty() {
                return Err(RedirectError::ResultNotClean {
                    errors: errors.len(),
                    report: Box::new(CheckReport {
                        source: checked.source.clone(),
                        diagnostics: errors,
                    }),
                });
            }
            let node = checked
                .node
                .as_ref()
                .ok_or_else(|| RedirectError::Internal("the result did not parse".into()))?;
            timer.mark("redirect: check");
            merge::verify(self.node(), node, edit).map_err(RedirectError::Internal)?;
            timer.mark("redirect: verify");
        }
        Ok(Change {
            path: self.path.clone(),
            name: source.name.clone(),
            before: text.to_string(),
            after,
            redact: self.literal_secrets.clone(),
        })
    }
}

/// One selected upstream: configured, or only named by generated entries (`--clear`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sel {
    Upstream(usize),
    Orphan(String),
}

/// One upstream's models, or why there are none.
pub type Listing = Result<Vec<String>, FetchError>;

/// The standard names of the config, and notes on those left out.
fn standards(model: &Model) -> (Vec<Standard>, Vec<String>) {
    let r = model.raw.redirect.as_ref();
    let list = |v: Option<&Vec<crate::span::Sp<String>>>| {
        v.map(|v| v.iter().map(|s| s.value.clone()).collect::<Vec<_>>())
    };
    let replace = list(r.and_then(|r| r.standard_names.as_ref()));
    let extra = list(r.and_then(|r| r.extra_standard_names.as_ref())).unwrap_or_default();
    let mut notes = Vec::new();
    let mut out = Vec::new();
    for n in names::effective(replace.as_deref(), &extra) {
        if let Some(why) = crate::rename::name::validate(&n) {
            notes.push(format!("standard name {n:?} left out: {why}"));
        } else if model.group_aliases.contains_key(&n) && !model.aliases.contains_key(&n) {
            notes.push(format!(
                "standard name `{n}` left out: it is a model_group_alias name, which would hide its entries"
            ));
        } else {
            out.push(Standard::new(&n));
        }
    }
    (out, notes)
}

/// Literal keys written in the file (never shown in a diff).
fn literal_secrets(model: &Model) -> Vec<String> {
    let mut out: Vec<String> = model
        .deployments()
        .iter()
        .filter_map(|d| d.litellm_params.api_key.as_ref())
        .map(|k| k.value.clone())
        .filter(|k| crate::secrets::env_reference(k).is_none())
        .collect();
    if let Some(k) = model
        .raw
        .litellm_base
        .as_ref()
        .and_then(|b| b.general_settings.as_ref())
        .and_then(|g| g.master_key.as_ref())
        .filter(|k| crate::secrets::env_reference(k.as_str()).is_none())
    {
        out.push(k.value.clone());
    }
    if let Some(ups) = model
        .raw
        .redirect
        .as_ref()
        .and_then(|r| r.upstreams.as_ref())
    {
        out.extend(
            ups.values()
                .filter_map(|u| u.api_key.as_ref())
                .map(|k| k.value.clone())
                .filter(|k| crate::secrets::env_reference(k).is_none()),
        );
    }
    out
}

/// The planned change to flowgate.yaml. Nothing is written until [`Change::write`].
#[derive(Debug)]
pub struct Change {
    pub path: PathBuf,
    pub name: String,
    pub before: String,
    pub after: String,
    redact: Vec<String>,
}

impl Change {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }

    /// The unified diff (empty when nothing changes), literal secrets taken out.
    pub fn diff(&self, colour: bool) -> String {
        let plan = crate::rename::Plan {
            files: vec![crate::rename::FileChange {
                kind: crate::rename::FileKind::Config,
                path: self.path.clone(),
                name: self.name.clone(),
                before: self.before.clone(),
                after: self.after.clone(),
                summary: String::new(),
                notes: Vec::new(),
            }],
            secrets: self.redact.clone(),
        };
        plan.diff(colour)
    }

    /// Write the new text atomically (mode kept, symlinks followed), unless the file changed
    /// since it was read: the one writer of emit and rename ([`crate::write`]).
    pub fn write(&self) -> Result<(), RedirectError> {
        let file = crate::write::Replace {
            path: &self.path,
            expect: crate::write::Expect::Text(&self.before),
            text: &self.after,
            secret: false,
        };
        crate::write::replace_all(&[file]).map_err(|e| match e {
            crate::write::WriteError::Changed { path } => RedirectError::Changed { path },
            crate::write::WriteError::Io { path, source } => RedirectError::Write {
                path,
                error: source,
            },
        })
    }
}

/// A run's change and report.
#[derive(Debug)]
pub struct Plan {
    pub change: Change,
    pub report: Report,
}

/// A `--clear`: the change, and how many generated entries go per upstream.
#[derive(Debug)]
pub struct ClearPlan {
    pub change: Change,
    pub counts: Vec<(String, usize)>,
}

impl ClearPlan {
    pub fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// The preview: entries per upstream.
    pub fn preview(&self) -> String {
        let mut out = String::new();
        for (name, n) in &self.counts {
            out.push_str(&format!(
                "{name}: {n} generated entr{}\n",
                if *n == 1 { "y" } else { "ies" }
            ));
        }
        out
    }
}
