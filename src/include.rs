//! LiteLLM's `include`: the files a config names under `include` are read and merged into it
//! the way LiteLLM 1.108–1.110 merges them (`proxy/common_utils/config_includes.py`):
//!
//! - each entry is a path relative to the file that names it (for older configs, a file next
//!   to the root config is read when there is none next to the declaring file);
//! - included files are read breadth first, each once (a file already read is skipped, so a
//!   cycle is harmless), and their own `include` entries are queued after the others;
//! - a key of an included file is added when the config does not have it yet; a list
//!   (`model_list`, `credential_list`, `guardrails`) is appended to the config's list; every
//!   other value replaces the config's whole (a `router_settings` in an include replaces the
//!   root's `router_settings`: no deep merge).
//!
//! Each included file is parsed in the span space of the config ([`SourceFile::file_at`]),
//! so every node of the merged tree still points into the file it came from. What LiteLLM
//! refuses (a missing file, a file that is not a mapping, an `include` that is not a list of
//! paths) is an `invalid-include` error; a section replaced whole is an
//! `include-replaces-section` warning.

use std::collections::{HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::rules;
use crate::source::{LoadError, SourceFile};
use crate::span::Span;
use crate::yaml::{self, Node, NodeKind};

/// The key LiteLLM reads includes from.
pub const INCLUDE_KEY: &str = "include";

/// Included files read for one config at most (a bound for hostile input; real configs have
/// a handful).
pub const MAX_INCLUDES: usize = 256;

/// How included files are read: from disk, or (for `fgc rename`, which checks its result
/// before writing) from edited text in memory.
pub type Reader<'a> = &'a dyn Fn(&Path) -> Result<SourceFile, LoadError>;

/// Read included files from disk.
pub fn read_from_disk(path: &Path) -> Result<SourceFile, LoadError> {
    SourceFile::read(path)
}

/// Merge every file `base` includes (transitively) into `base`, LiteLLM's way. `base` is
/// LiteLLM's config: the root node of a LiteLLM config, the `litellm_base` value of a
/// flowgate.yaml. The included files are added to `source.includes`; problems go to `out`.
pub fn resolve(
    base: &mut Node,
    source: &mut SourceFile,
    read: Reader<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let root_path = absolute(&source.path);
    let mut pending: VecDeque<(String, Span, PathBuf)> = entries(base, false, out)
        .into_iter()
        .map(|(e, span)| (e, span, root_path.clone()))
        .collect();
    if pending.is_empty() {
        return;
    }
    let mut loaded: HashSet<PathBuf> = HashSet::from([root_path.clone()]);
    let mut files: Vec<SourceFile> = Vec::new();
    while let Some((entry, at, declared_in)) = pending.pop_front() {
        let (location, note) = locate(&entry, &declared_in, &root_path);
        if let Some(note) = note {
            out.push(rules::invalid_include::moved(
                at,
                &entry,
                Path::new(&display_name(source, &location)),
                note,
            ));
        }
        if loaded.contains(&location) {
            continue;
        }
        if files.len() >= MAX_INCLUDES {
            out.push(rules::invalid_include::too_many(at));
            break;
        }
        let base_offset = files
            .last()
            .map_or(source.base + source.text.len(), |f| f.base + f.text.len())
            + 1;
        let file = match read(&location) {
            Ok(f) => f,
            Err(LoadError::Io(e)) => {
                out.push(rules::invalid_include::unreadable(
                    at,
                    &entry,
                    Path::new(&display_name(source, &location)),
                    &e.to_string(),
                ));
                continue;
            }
            Err(LoadError::TooLarge { bytes }) => {
                out.push(rules::invalid_include::unreadable(
                    at,
                    &entry,
                    Path::new(&display_name(source, &location)),
                    &format!("it is {bytes} bytes, larger than fgc reads"),
                ));
                continue;
            }
            Err(LoadError::InvalidUtf8 { offset, .. }) => {
                out.push(rules::invalid_include::unreadable(
                    at,
                    &entry,
                    Path::new(&display_name(source, &location)),
                    &format!("it is not UTF-8 (first bad byte at offset {offset})"),
                ));
                continue;
            }
        };
        let mut file = file.at_base(base_offset);
        file.name = display_name(source, &location);
        let bom = file.bom_len();
        let parsed = yaml::parse(&file.text[bom..], file.base + bom);
        loaded.insert(location.clone());
        let node = match parsed {
            Ok(n) => n,
            Err(e) => {
                out.push(rules::yaml_syntax::diagnostic(&e));
                files.push(file);
                continue;
            }
        };
        let mut dups = Vec::new();
        node.duplicate_keys(&mut dups);
        out.extend(dups.iter().map(rules::duplicate_key::diagnostic));
        let mut node = match node.kind {
            // An empty file is an empty mapping (`yaml.safe_load(file) or {}`).
            NodeKind::Null => Node {
                kind: NodeKind::Map(Vec::new()),
                ..node
            },
            NodeKind::Map(_) => node,
            _ => {
                out.push(rules::invalid_include::not_a_mapping(at, &entry, node.span));
                files.push(file);
                continue;
            }
        };
        for (e, span) in entries(&node, true, out) {
            pending.push_back((e, span, location.clone()));
        }
        if let NodeKind::Map(items) = &mut node.kind {
            items.retain(|(k, _)| k.as_str() != Some(INCLUDE_KEY));
        }
        merge(base, node, out);
        files.push(file);
    }
    let mut all: Vec<SourceFile> = source.includes.iter().cloned().collect();
    all.extend(files);
    source.includes = Arc::from(all);
}

/// The string entries of `node`'s `include`. An `include` that is not a list of strings is
/// reported here for included files (LiteLLM refuses to start); the root's own `include` is
/// typed, and the schema reports it there.
fn entries(node: &Node, report: bool, out: &mut Vec<Diagnostic>) -> Vec<(String, Span)> {
    let Some(value) = node.get(INCLUDE_KEY) else {
        return Vec::new();
    };
    match &value.kind {
        NodeKind::Null => Vec::new(),
        NodeKind::Seq(items) => {
            let mut v = Vec::new();
            for item in items {
                match &item.kind {
                    NodeKind::Str(s) => v.push((s.clone(), item.span)),
                    _ if report => out.push(rules::invalid_include::not_a_list(item.span)),
                    _ => {}
                }
            }
            v
        }
        _ => {
            if report {
                out.push(rules::invalid_include::not_a_list(value.span));
            }
            Vec::new()
        }
    }
}

/// Merge the mapping `included` into `base` (`_merged` in LiteLLM): lists on both sides are
/// concatenated, any other value replaces the base's, new keys follow the base's.
fn merge(base: &mut Node, included: Node, out: &mut Vec<Diagnostic>) {
    let NodeKind::Map(new) = included.kind else {
        return;
    };
    if !matches!(base.kind, NodeKind::Map(_)) {
        base.kind = NodeKind::Map(Vec::new());
    }
    let NodeKind::Map(items) = &mut base.kind else {
        return;
    };
    for (k, v) in new {
        let key = k.key_text();
        match items.iter_mut().find(|(bk, _)| bk.key_text() == key) {
            Some((bk, bv)) => {
                if let (NodeKind::Seq(a), NodeKind::Seq(b)) = (&mut bv.kind, &v.kind) {
                    a.extend(b.iter().cloned());
                    continue;
                }
                if key != INCLUDE_KEY && !matches!(bv.kind, NodeKind::Null) {
                    out.push(rules::include_replaces_section::diagnostic(
                        &key, k.span, bk.span,
                    ));
                }
                *bk = k;
                *bv = v;
            }
            None => items.push((k, v)),
        }
    }
}

/// The file an entry names (`resolve_include_file_path`): next to the file that declares it;
/// when there is none there but there is one next to the root config, that one, with a note.
fn locate(entry: &str, declared_in: &Path, root: &Path) -> (PathBuf, Option<&'static str>) {
    let dir = |p: &Path| p.parent().map(Path::to_path_buf).unwrap_or_default();
    let declared = normalise(&dir(declared_in).join(entry));
    let rooted = normalise(&dir(root).join(entry));
    if rooted == declared || !rooted.exists() {
        return (declared, None);
    }
    if !declared.exists() {
        return (rooted, Some("not found next to the file that names it"));
    }
    (
        declared,
        Some("found next to the file that names it and next to the root config"),
    )
}

/// The absolute path of `p`, with `.` and `..` resolved lexically (Python's `abspath`).
fn absolute(p: &Path) -> PathBuf {
    normalise(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
}

fn normalise(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// An included file's name in messages: relative to the root config's folder when it is
/// under it (`models/a.yaml`, as the user wrote it), else its absolute path.
fn display_name(root: &SourceFile, location: &Path) -> String {
    let root_dir = absolute(&root.dir());
    match location.strip_prefix(&root_dir) {
        Ok(rel) => {
            let dir = root.dir();
            if dir == Path::new(".") {
                rel.display().to_string()
            } else {
                dir.join(rel).display().to_string()
            }
        }
        Err(_) => location.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(text: &str) -> Node {
        yaml::parse(text, 0).unwrap()
    }

    #[test]
    fn lists_extend_and_other_values_replace() {
        let mut base = node("model_list: [a]\nrouter_settings: {num_retries: 1}\nx: 1\n");
        let mut out = Vec::new();
        merge(
            &mut base,
            node("model_list: [b]\nrouter_settings: {routing_strategy: least-busy}\ny: 2\n"),
            &mut out,
        );
        assert_eq!(
            base.to_json(),
            serde_json::json!({"model_list": ["a", "b"], "router_settings": {"routing_strategy": "least-busy"}, "x": 1, "y": 2})
        );
        assert_eq!(out.len(), 1, "router_settings replaced whole");
    }

    #[test]
    fn paths_normalise_like_abspath() {
        assert_eq!(
            normalise(Path::new("/a/b/../c/./d.yaml")),
            PathBuf::from("/a/c/d.yaml")
        );
    }
}
