//! `fgc rename OLD NEW`: rename an alias everywhere it is referenced and nowhere else.
//!
//! The places come from the checker's symbol table ([`crate::model::Model::refs`]), never
//! from a text search, so `openai/router-default` or a comment mentioning the alias stay as
//! they are. Every file is changed by span patches on its original text ([`patch`]): the
//! result differs from the original only inside the renamed scalars. The renamed config (with
//! the files it includes, renamed too) is checked again in memory before anything is written,
//! and every file is written or none.

// A refusal is built once per process, on the way out; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod clients;
pub mod config;
pub mod error;
pub mod json;
pub mod more_clients;
pub mod name;
pub mod patch;
pub mod yaml_scalar;

use std::path::{Path, PathBuf};

pub use error::{ErrorKind, RenameError};

use crate::check::check_path;
use crate::source::{LoadError, SourceFile};

/// What kind of file a change is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Codex,
    Claude,
    /// opencode, Qwen Code, Aider, Continue.
    Client(more_clients::Kind),
}

/// One file's planned change.
#[derive(Debug)]
pub struct FileChange {
    pub kind: FileKind,
    pub path: PathBuf,
    pub name: String,
    pub before: String,
    pub after: String,
    /// What changed, for the summary.
    pub summary: String,
    /// Places left alone on purpose (legacy Codex profiles), for the user to see.
    pub notes: Vec<String>,
}

impl FileChange {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// Everything a rename would change. Nothing is written until [`Plan::write`].
#[derive(Debug)]
pub struct Plan {
    pub files: Vec<FileChange>,
    /// Values the diff never shows: literal keys in the config, tokens in settings.json.
    pub secrets: Vec<String>,
}

/// What to rename, and in which files.
#[derive(Debug, Clone)]
pub struct Request {
    pub config: PathBuf,
    pub old: String,
    pub new: String,
    pub codex: Vec<PathBuf>,
    pub claude: Vec<PathBuf>,
    /// Files of the other clients, with their kind.
    pub clients: Vec<(more_clients::Kind, PathBuf)>,
    /// Read `config` as this kind of file; default: told by its top-level keys.
    pub dialect: Option<crate::model::checked::Dialect>,
}

/// Compute every change, refusing on the first problem. No file is touched.
pub fn plan(req: &Request) -> Result<Plan, RenameError> {
    let loaded = check_path(&req.config, &config::check_options(req.dialect)).map_err(|e| {
        RenameError::Read {
            path: req.config.clone(),
            source: e.source,
        }
    })?;
    let r = config::rename(&loaded, &req.old, &req.new)?;
    let mut secrets = loaded
        .model
        .as_ref()
        .map(crate::secrets::literal_values)
        .unwrap_or_default();
    let mut files = vec![FileChange {
        kind: FileKind::Config,
        path: req.config.clone(),
        name: loaded.source.name.clone(),
        before: loaded.source.text.to_string(),
        after: r.after,
        summary: format!(
            "{} reference(s), {} scalar(s) rewritten",
            r.references, r.edits
        ),
        notes: Vec::new(),
    }];
    for i in r.included {
        files.push(FileChange {
            kind: FileKind::Config,
            path: i.path,
            summary: format!(
                "{} reference(s), {} scalar(s) rewritten (an include of {})",
                i.references, i.edits, loaded.source.name
            ),
            name: i.name,
            before: i.before,
            after: i.after,
            notes: Vec::new(),
        });
    }
    for (kind, paths) in [
        (FileKind::Codex, &req.codex),
        (FileKind::Claude, &req.claude),
    ] {
        for path in paths {
            let source = read(path)?;
            let c = match kind {
                FileKind::Codex => clients::codex(&source, &req.old, &req.new)?,
                _ => {
                    let c = clients::claude(&source, &req.old, &req.new)?;
                    // The same tokens `emit --merge` keeps out of its diff.
                    if let Ok(v) = serde_json::from_str(source.text.trim_start_matches('\u{feff}'))
                    {
                        secrets.extend(crate::emit::claude_code::tokens_in(&v));
                    }
                    c
                }
            };
            files.push(FileChange {
                kind,
                path: path.clone(),
                name: source.name.clone(),
                before: source.text.to_string(),
                after: c.after,
                summary: if c.changed.is_empty() {
                    format!("no value equal to `{}`", req.old)
                } else {
                    c.changed.join(", ")
                },
                notes: c.notes,
            });
        }
    }
    let gateway = gateway_urls(&loaded);
    for (kind, path) in &req.clients {
        let source = read(path)?;
        let c = more_clients::rename(*kind, &source, &req.old, &req.new, &gateway)?;
        files.push(FileChange {
            kind: FileKind::Client(*kind),
            path: path.clone(),
            name: source.name.clone(),
            before: source.text.to_string(),
            after: c.after,
            summary: if c.changed.is_empty() {
                format!("no model of this gateway named `{}`", req.old)
            } else {
                c.changed.join(", ")
            },
            notes: c.notes,
        });
    }
    let files = one_change_per_file(files)?;
    Ok(Plan { files, secrets })
}

/// One change per file on disk: the same file reached by two paths (a link, an include
/// through a link) is changed once when both changes agree, and refused when they do not.
fn one_change_per_file(files: Vec<FileChange>) -> Result<Vec<FileChange>, RenameError> {
    let mut out: Vec<(PathBuf, FileChange)> = Vec::with_capacity(files.len());
    for f in files {
        let real = crate::write::real_target(&f.path).map_err(|source| RenameError::Read {
            path: f.path.clone(),
            source,
        })?;
        match out.iter().find(|(r, _)| *r == real) {
            Some((_, first)) if first.after == f.after => {}
            Some((_, first)) => {
                return Err(RenameError::SameFile {
                    first: first.name.clone(),
                    second: f.name,
                });
            }
            None => out.push((real, f)),
        }
    }
    Ok(out.into_iter().map(|(_, f)| f).collect())
}

/// The base URLs that mean this gateway in a client file: the root clients use, and every
/// `integration.*.base_url`.
fn gateway_urls(loaded: &crate::load::Loaded) -> more_clients::Gateway {
    let Some(m) = &loaded.model else {
        return more_clients::Gateway::default();
    };
    let view = m.view(m.default_profile());
    let mut urls = vec![view.gateway.root.clone()];
    if let Some(i) = &m.raw.integration {
        let explicit = [
            i.codex.as_ref().and_then(|c| c.base_url.as_ref()),
            i.claude_code.as_ref().and_then(|c| c.base_url.as_ref()),
            i.opencode.as_ref().and_then(|c| c.base_url.as_ref()),
            i.qwen_code.as_ref().and_then(|c| c.base_url.as_ref()),
            i.aider.as_ref().and_then(|c| c.base_url.as_ref()),
            i.continue_cli.as_ref().and_then(|c| c.base_url.as_ref()),
        ];
        urls.extend(explicit.into_iter().flatten().map(|u| u.value.clone()));
    }
    more_clients::Gateway::new(urls)
}

fn read(path: &Path) -> Result<SourceFile, RenameError> {
    SourceFile::read(path).map_err(|e| RenameError::Read {
        path: path.to_path_buf(),
        source: match e {
            LoadError::Io(e) => e,
            LoadError::TooLarge { bytes } => {
                std::io::Error::other(format!("the file is {bytes} bytes, too large"))
            }
            LoadError::InvalidUtf8 { offset, .. } => {
                std::io::Error::other(format!("not UTF-8 text (byte {offset})"))
            }
        },
    })
}

impl Plan {
    /// Write every changed file, all or none, through symlinks, keeping modes; refused when a
    /// file changed after it was read ([`crate::write`]).
    pub fn write(&self) -> Result<usize, RenameError> {
        let files: Vec<_> = self
            .files
            .iter()
            .filter(|f| f.changed())
            .map(|f| crate::write::Replace {
                path: &f.path,
                expect: crate::write::Expect::Text(&f.before),
                text: &f.after,
                secret: false,
            })
            .collect();
        crate::write::replace_all(&files).map_err(|e| match e {
            crate::write::WriteError::Changed { path } => RenameError::Changed { path },
            crate::write::WriteError::Io { path, source } => RenameError::Write { path, source },
        })?;
        Ok(files.len())
    }

    /// The unified diff of every changed file, secrets redacted.
    pub fn diff(&self, colour: bool) -> String {
        let mut out = String::new();
        for f in self.files.iter().filter(|f| f.changed()) {
            let d = similar::TextDiff::from_lines(&f.before, &f.after);
            // `a/` and `b/` before a relative name (as git does); an absolute name as it is
            // (as `diff -u` does), not `a//home/...`.
            let (old, new) = if f.name.starts_with('/') {
                (f.name.clone(), f.name.clone())
            } else {
                (format!("a/{}", f.name), format!("b/{}", f.name))
            };
            let text = d.unified_diff().header(&old, &new).to_string();
            let text = crate::secrets::redact(&text, &self.secrets);
            for line in text.split_inclusive('\n') {
                out.push_str(&paint(line, colour));
            }
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }
}

fn paint(line: &str, colour: bool) -> String {
    if !colour {
        return line.to_owned();
    }
    let code = if line.starts_with("+++") || line.starts_with("---") {
        "1"
    } else if line.starts_with('+') {
        "32"
    } else if line.starts_with('-') {
        "31"
    } else if line.starts_with("@@") {
        "36"
    } else {
        return line.to_owned();
    };
    let (body, nl) = match line.strip_suffix('\n') {
        Some(b) => (b, "\n"),
        None => (line, ""),
    };
    format!("\x1b[{code}m{body}\x1b[0m{nl}")
}

#[cfg(test)]
mod tests {
    use super::paint;

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(paint("-old\n", false), "-old\n");
        assert_eq!(paint("-old\n", true), "\x1b[31m-old\x1b[0m\n");
        assert_eq!(paint("+new\n", true), "\x1b[32m+new\x1b[0m\n");
        assert_eq!(paint(" same\n", true), " same\n");
        // File headers are bold, hunk headers cyan.
        assert_eq!(paint("--- a/f\n", true), "\x1b[1m--- a/f\x1b[0m\n");
        assert_eq!(paint("+++ b/f\n", true), "\x1b[1m+++ b/f\x1b[0m\n");
        assert_eq!(paint("@@ -1 +1 @@", true), "\x1b[36m@@ -1 +1 @@\x1b[0m");
    }
}
