//! Renaming an alias inside a config (flowgate.yaml or a LiteLLM config, with the files it
//! includes), driven by the checker's symbol table.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::error::{CheckReport, RenameError, named};
use super::name;
use super::patch::PatchSet;
use super::yaml_scalar;
use crate::check::check_loaded;
use crate::diag::did_you_mean;
use crate::load::{Loaded, load_with};
use crate::model::Model;
use crate::rules::CheckOptions;
use crate::source::SourceFile;
use crate::span::Span;
use crate::yaml::{Node, NodeKind};

/// The renamed text of a config and what changed.
#[derive(Debug)]
pub struct ConfigRename {
    /// The file named on the command line.
    pub after: String,
    /// The files it includes (LiteLLM's `include`) that name the alias, renamed too.
    pub included: Vec<IncludedRename>,
    /// How many places in it name the alias (anchored values reached through `*x` count each
    /// time).
    pub references: usize,
    /// How many scalars in it were rewritten.
    pub edits: usize,
    /// Warnings of the renamed file (it has no errors).
    pub warnings: usize,
}

/// An included file the rename changes.
#[derive(Debug)]
pub struct IncludedRename {
    pub path: std::path::PathBuf,
    pub name: String,
    pub before: String,
    pub after: String,
    /// How many places in it name the alias, and how many scalars were rewritten.
    pub references: usize,
    pub edits: usize,
}

/// The checker options `rename` uses: every profile, secrets optional (a rename reads none).
pub fn check_options(dialect: Option<crate::model::checked::Dialect>) -> CheckOptions {
    CheckOptions {
        dialect,
        ..CheckOptions::default()
    }
}

/// Rename `old` to `new` in a loaded, checked file.
pub fn rename(loaded: &Loaded, old: &str, new: &str) -> Result<ConfigRename, RenameError> {
    let source = &loaded.source;
    let file = source.name.clone();
    let (Some(model), Some(node), false) = (&loaded.model, &loaded.node, loaded.has_errors())
    else {
        return Err(RenameError::NotClean {
            errors: loaded.diagnostics.iter().filter(|d| d.is_error()).count(),
            file,
            report: Box::new(CheckReport {
                source: source.clone(),
                diagnostics: loaded
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .cloned()
                    .collect(),
            }),
        });
    };
    if !model.aliases.contains_key(old) {
        let help = if model.group_aliases.contains_key(old) {
            Some(format!(
                "`{old}` is a `model_group_alias` name (an extra name for an alias), not a `model_name`; edit it in router_settings.model_group_alias"
            ))
        } else {
            did_you_mean(old, model.aliases.keys().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"))
        };
        return Err(RenameError::NotAnAlias {
            old: old.into(),
            file,
            help,
        });
    }
    if let Some(reason) = name::validate(new) {
        return Err(RenameError::InvalidName {
            new: new.into(),
            reason,
        });
    }
    if let Some((what, at)) = taken(model, new) {
        let (f, at) = source.locate(at);
        return Err(RenameError::NameTaken {
            new: new.into(),
            what,
            file: f.name.clone(),
            src: named(f),
            at: at.into(),
        });
    }

    let flow = flow_scalars(source, node);
    let olds: Vec<_> = model.refs.iter().filter(|r| r.name == old).collect();
    // One patch set per file (the named one and the files it includes), in local offsets.
    let mut patches: BTreeMap<usize, PatchSet> = BTreeMap::new();
    let mut edited = HashSet::new();
    // Per file: (references, scalars rewritten).
    let mut counts: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for r in &olds {
        let (f, local) = source.locate(r.text_span);
        let c = counts.entry(f.base).or_default();
        c.0 += 1;
        c.1 += usize::from(!edited.contains(&r.text_span));
        let Some((style, span)) = yaml_scalar::style_of(&f.text, local, old) else {
            return Err(RenameError::UnsupportedScalar {
                old: old.into(),
                src: named(f),
                at: local.into(),
            });
        };
        // Unknown context: assume flow, whose plain scalars are the stricter.
        let in_flow = flow.get(&r.text_span.start).copied().unwrap_or(true);
        patches
            .entry(f.base)
            .or_default()
            .push(span, yaml_scalar::write(new, style, in_flow));
        edited.insert(r.text_span);
    }
    let mut texts: BTreeMap<usize, String> = BTreeMap::new();
    for f in source.files() {
        let Some(p) = patches.remove(&f.base) else {
            continue;
        };
        let after = p.apply(&f.text).map_err(|o| {
            RenameError::Internal(format!(
                "overlapping edits in {} at {:?} and {:?}",
                f.name, o.first, o.second
            ))
        })?;
        texts.insert(f.base, after);
    }
    let after = texts
        .remove(&source.base)
        .unwrap_or_else(|| source.text.to_string());
    let included: Vec<IncludedRename> = source
        .includes
        .iter()
        .filter_map(|f| {
            let (references, edits) = counts.get(&f.base).copied().unwrap_or_default();
            texts.remove(&f.base).map(|after| IncludedRename {
                path: f.path.clone(),
                name: f.name.clone(),
                before: f.text.to_string(),
                after,
                references,
                edits,
            })
        })
        .collect();

    // Check the renamed config in memory: the renamed included files are read from here,
    // the others from disk.
    let read = |path: &std::path::Path| match included.iter().find(|i| i.path == path) {
        Some(i) => Ok(SourceFile::new(
            i.name.clone(),
            i.path.clone(),
            i.after.as_str(),
        )),
        None => crate::include::read_from_disk(path),
    };
    let opts = check_options(Some(model.dialect));
    let renamed = check_loaded(
        load_with(
            SourceFile::new(source.name.clone(), source.path.clone(), after.as_str()),
            opts.dialect,
            &read,
        ),
        &opts,
    );
    let errors = renamed.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        return Err(RenameError::ResultNotClean {
            old: old.into(),
            new: new.into(),
            file,
            errors,
            report: Box::new(CheckReport {
                source: renamed.source.clone(),
                diagnostics: renamed
                    .diagnostics
                    .into_iter()
                    .filter(|d| d.is_error())
                    .collect(),
            }),
        });
    }
    verify(source, node, &renamed, &olds, old, new)?;
    let (references, edits) = counts.get(&source.base).copied().unwrap_or_default();
    Ok(ConfigRename {
        after,
        included,
        references,
        edits,
        warnings: renamed.diagnostics.len(),
    })
}

/// Where `new` is already a name clients can request.
fn taken(model: &Model, new: &str) -> Option<(&'static str, Span)> {
    if let Some(a) = model.aliases.get(new) {
        return Some(("an alias", a.defs.first().copied().unwrap_or_default()));
    }
    model
        .group_aliases
        .get(new)
        .map(|s| ("a `model_group_alias` name", *s))
}

/// The start offset of every scalar written in the config (not reached through `*alias`), and
/// whether it sits inside a flow collection.
fn flow_scalars(source: &SourceFile, root: &Node) -> HashMap<usize, bool> {
    let mut out = HashMap::new();
    let mut stack = vec![(root, false)];
    while let Some((n, in_flow)) = stack.pop() {
        if n.def.is_some() {
            continue;
        }
        match &n.kind {
            NodeKind::Seq(items) => {
                let f = in_flow || is_flow(source, n);
                stack.extend(items.iter().map(|i| (i, f)));
            }
            NodeKind::Map(entries) => {
                let f = in_flow || is_flow(source, n);
                for (k, v) in entries {
                    stack.push((k, f));
                    stack.push((v, f));
                }
            }
            _ => {
                out.insert(n.span.start, in_flow);
            }
        }
    }
    out
}

/// The parser spans a flow collection from its bracket, a block one from its first entry.
fn is_flow(source: &SourceFile, n: &Node) -> bool {
    let (f, local) = source.locate(n.span);
    matches!(f.text.as_bytes().get(local.start), Some(b'[' | b'{'))
}

/// Check the renamed file against the original: every reference moved to `new`, none left
/// on `old`, and no value changed except at a reference (an anchor shared with a non-alias
/// value would otherwise change that value too).
fn verify(
    source: &SourceFile,
    before: &Node,
    renamed: &Loaded,
    olds: &[&crate::model::checked::AliasRef],
    old: &str,
    new: &str,
) -> Result<(), RenameError> {
    let (Some(model), Some(after)) = (&renamed.model, &renamed.node) else {
        return Err(RenameError::Internal(
            "the renamed file did not load".into(),
        ));
    };
    if let Some(r) = model.refs.iter().find(|r| r.name == old) {
        return Err(RenameError::Internal(format!(
            "a reference to the old name is left at {}",
            r.site.describe()
        )));
    }
    let news = model.refs.iter().filter(|r| r.name == new).count();
    if news != olds.len() {
        return Err(RenameError::Internal(format!(
            "{} references to the old name became {news} to the new one",
            olds.len()
        )));
    }
    let uses: HashSet<Span> = olds.iter().map(|r| r.span).collect();
    let mut stack = vec![(before, after)];
    while let Some((b, a)) = stack.pop() {
        match (&b.kind, &a.kind) {
            (NodeKind::Seq(x), NodeKind::Seq(y)) if x.len() == y.len() => {
                stack.extend(x.iter().zip(y));
            }
            (NodeKind::Map(x), NodeKind::Map(y)) if x.len() == y.len() => {
                for ((bk, bv), (ak, av)) in x.iter().zip(y) {
                    stack.push((bk, ak));
                    stack.push((bv, av));
                }
            }
            (NodeKind::Str(x), NodeKind::Str(y)) if x == old && y == new => {
                if !uses.contains(&b.span) {
                    let (f, at) = source.locate(b.span);
                    let (_, anchor) = source.locate(b.def.unwrap_or(b.span));
                    return Err(RenameError::SharedAnchor {
                        old: old.into(),
                        src: named(f),
                        at: at.into(),
                        anchor: anchor.into(),
                    });
                }
            }
            (NodeKind::Seq(_) | NodeKind::Map(_), _) => {
                return Err(RenameError::Internal(format!(
                    "the collection at byte {} changed shape",
                    b.span.start
                )));
            }
            (x, y) if x == y => {}
            _ => {
                return Err(RenameError::Internal(format!(
                    "the value at byte {} changed shape",
                    b.span.start
                )));
            }
        }
    }
    Ok(())
}
