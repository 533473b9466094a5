//! Writing generated entries into `model_list` by span patches on the original text.
//!
//! Entries are removed and inserted as whole items; every other byte of the file is kept. New
//! entries take the list's style: a block list (`- model_name: ...`) gets block entries at its
//! own indentation, a flow list (`[{...}, ...]`, the JSON-style files of the seed documents)
//! gets one-line flow entries, JSON-quoted when the file quotes its keys. Scalars are quoted
//! only when they must be ([`crate::rename::yaml_scalar`]), and the patches go through
//! [`crate::rename::patch`]. [`verify`] then compares the result's parsed tree with what the
//! edit should give, so a layout this module does not handle is refused, never written wrong.

use std::collections::BTreeSet;

use crate::rename::patch::PatchSet;
use crate::rename::yaml_scalar;
use crate::span::Span;
use crate::yaml::{Node, NodeKind};

/// How a generated entry names its key, as the upstream's entries do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyField {
    None,
    /// `api_key_ref: NAME`.
    Ref(String),
    /// `api_key: os.environ/VAR` (the whole text).
    Env(String),
}

/// One entry to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntry {
    pub model_name: String,
    /// `litellm_params.model`, with the provider prefix.
    pub model: String,
    pub api_base: Option<String>,
    pub key: KeyField,
    /// The `fgc_redirect` marker: the upstream's name.
    pub upstream: String,
}

impl NewEntry {
    /// The fields in the order they are written.
    fn fields(&self) -> (Vec<(&'static str, &str)>, &str) {
        let mut params = vec![("model", self.model.as_str())];
        if let Some(b) = &self.api_base {
            params.push(("api_base", b.as_str()));
        }
        match &self.key {
            KeyField::Ref(r) => params.push(("api_key_ref", r.as_str())),
            KeyField::Env(e) => params.push(("api_key", e.as_str())),
            KeyField::None => {}
        }
        (params, &self.upstream)
    }
}

/// New entries and where they go: in place of the removed item `at`, or (`None`) at the end.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub at: Option<usize>,
    pub entries: Vec<NewEntry>,
}

/// A change to `model_list`: items to remove (indices), and blocks of entries to insert.
#[derive(Clone, Debug, Default)]
pub struct Edit {
    pub remove: BTreeSet<usize>,
    pub blocks: Vec<Block>,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.blocks.iter().all(|b| b.entries.is_empty())
    }
}

/// A file layout the patcher does not handle; nothing is written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Unsupported {
    pub message: String,
    pub at: Span,
}

fn unsupported(message: impl Into<String>, at: Span) -> Unsupported {
    Unsupported {
        message: message.into(),
        at,
    }
}

/// The `model_list` node of a document, if written.
pub fn model_list(root: &Node) -> Option<(&Node, &Node)> {
    root.get("litellm_base")?.entry("model_list")
}

/// Apply `edit` to `text` (whose tree is `root`).
pub fn apply(text: &str, root: &Node, edit: &Edit) -> Result<String, Unsupported> {
    if edit.is_empty() {
        return Ok(text.to_string());
    }
    let t = Text::new(text);
    let mut patches = PatchSet::new();
    match model_list(root) {
        Some((key, list)) => {
            if list.def.is_some() {
                return Err(unsupported(
                    "model_list is a YAML alias (`*name`); write the list out to let fgc redirect edit it",
                    list.span,
                ));
            }
            let NodeKind::Seq(items) = &list.kind else {
                return Err(unsupported(
                    "model_list is not a list; write `model_list: []`",
                    key.span,
                ));
            };
            if let Some(i) = items.iter().find(|i| i.def.is_some()) {
                return Err(unsupported(
                    "a model_list entry is a YAML alias (`*name`); write it out to let fgc redirect edit the list",
                    i.span,
                ));
            }
            if t.at(list.span.start) == Some(b'[') {
                t.flow_list(list, items, edit, &mut patches)?;
            } else {
                t.block_list(key, items, edit, &mut patches)?;
            }
        }
        None => t.new_list(root, edit, &mut patches)?,
    }
    patches
        .apply(text)
        .map_err(|o| unsupported("overlapping edits (internal error)", o.first))
}

/// The text with the line helpers the patcher needs.
struct Text<'a> {
    s: &'a str,
    nl: &'static str,
}

impl<'a> Text<'a> {
    fn new(s: &'a str) -> Self {
        Text {
            s,
            nl: if s.contains("\r\n") { "\r\n" } else { "\n" },
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.s.as_bytes().get(i).copied()
    }

    fn line_start(&self, pos: usize) -> usize {
        self.s[..pos].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The end of the line holding `pos`, before its line break.
    fn line_end(&self, pos: usize) -> usize {
        let e = self.s[pos..].find('\n').map_or(self.s.len(), |i| pos + i);
        if e > pos && self.s.as_bytes()[e - 1] == b'\r' {
            e - 1
        } else {
            e
        }
    }

    /// The start of the line after the one holding `pos` (the text's end on the last line).
    fn next_line(&self, pos: usize) -> usize {
        self.s[pos..]
            .find('\n')
            .map_or(self.s.len(), |i| pos + i + 1)
    }

    fn column(&self, pos: usize) -> usize {
        pos - self.line_start(pos)
    }

    /// The end of the content of a block node that starts on the line of `first_line_pos` and
    /// whose lines are indented more than `col`: the end of its last such line that is not
    /// blank or a comment.
    fn block_end(&self, first_line_pos: usize, col: usize) -> usize {
        let mut end = self.line_end(first_line_pos);
        let mut pos = self.next_line(first_line_pos);
        while pos < self.s.len() {
            let le = self.line_end(pos);
            let line = &self.s[pos..le];
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                pos = self.next_line(pos);
                continue;
            }
            let indent = line.len() - line.trim_start_matches(' ').len();
            if indent <= col {
                break;
            }
            end = le;
            pos = self.next_line(pos);
        }
        end
    }

    /// Where a flow collection starting at `start` (`[` or `{`) ends, after its bracket.
    fn flow_end(&self, start: usize) -> Option<usize> {
        let b = self.s.as_bytes();
        let mut depth = 0usize;
        let mut i = start;
        let mut prev = b' ';
        while i < b.len() {
            let c = b[i];
            match c {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                b'"' | b'\'' if prev.is_ascii_whitespace() || b"[{,:".contains(&prev) => {
                    i += 1;
                    while i < b.len() {
                        if c == b'"' && b[i] == b'\\' {
                            i += 2;
                            continue;
                        }
                        if b[i] == c {
                            if c == b'\'' && b.get(i + 1) == Some(&b'\'') {
                                i += 2;
                                continue;
                            }
                            break;
                        }
                        i += 1;
                    }
                }
                b'#' if prev.is_ascii_whitespace() => {
                    i = self.line_end(i);
                    prev = b' ';
                    continue;
                }
                _ => {}
            }
            prev = c;
            i += 1;
        }
        None
    }

    /// The end of a flow list item: after its bracket, or its scalar.
    fn flow_item_end(&self, item: &Node) -> Result<usize, Unsupported> {
        match self.at(item.span.start) {
            Some(b'{' | b'[') => self
                .flow_end(item.span.start)
                .ok_or_else(|| unsupported("cannot find the end of this entry", item.span)),
            _ => Ok(item.span.end),
        }
    }

    fn flow_list(
        &self,
        list: &Node,
        items: &[Node],
        edit: &Edit,
        patches: &mut PatchSet,
    ) -> Result<(), Unsupported> {
        let spans: Vec<Span> = items
            .iter()
            .map(|it| Ok(Span::new(it.span.start, self.flow_item_end(it)?)))
            .collect::<Result<_, Unsupported>>()?;
        let json = match items.first() {
            Some(first) => match &first.kind {
                NodeKind::Map(es) => es
                    .first()
                    .is_some_and(|(k, _)| self.at(k.span.start) == Some(b'"')),
                _ => false,
            },
            None => self.quoted_key_before(list.span.start),
        };
        let sep = match spans.len() {
            0 => ", ".to_string(),
            1 => {
                if self.line_start(list.span.start) == self.line_start(spans[0].start) {
                    ", ".to_string()
                } else {
                    format!(",{}{}", self.nl, " ".repeat(self.column(spans[0].start)))
                }
            }
            _ => {
                let between = &self.s[spans[0].end..spans[1].start];
                if between.matches(',').count() == 1
                    && between.chars().all(|c| c == ',' || c.is_whitespace())
                {
                    between.to_string()
                } else {
                    ", ".to_string()
                }
            }
        };
        // The new list, unit by unit: kept items' text as written, new entries rendered.
        enum Unit {
            Keep(usize),
            New(String),
        }
        let mut units = Vec::new();
        for i in 0..items.len() {
            for b in edit.blocks.iter().filter(|b| b.at == Some(i)) {
                units.extend(b.entries.iter().map(|e| Unit::New(flow_entry(e, json))));
            }
            if !edit.remove.contains(&i) {
                units.push(Unit::Keep(i));
            }
        }
        for b in edit.blocks.iter().filter(|b| b.at.is_none()) {
            units.extend(b.entries.iter().map(|e| Unit::New(flow_entry(e, json))));
        }
        let mut out = String::new();
        for (n, u) in units.iter().enumerate() {
            if n > 0 {
                match (&units[n - 1], u) {
                    (Unit::Keep(a), Unit::Keep(b)) if *b == a + 1 => {
                        out.push_str(&self.s[spans[*a].end..spans[*b].start]);
                    }
                    _ => out.push_str(&sep),
                }
            }
            match u {
                Unit::Keep(i) => out.push_str(&self.s[spans[*i].range()]),
                Unit::New(t) => out.push_str(t),
            }
        }
        let range = match (spans.first(), spans.last()) {
            (Some(f), Some(l)) if !units.is_empty() => Span::new(f.start, l.end),
            _ => {
                let end = self
                    .flow_end(list.span.start)
                    .ok_or_else(|| unsupported("cannot find the end of model_list", list.span))?;
                Span::new(list.span.start + 1, end - 1)
            }
        };
        patches.push(range, out);
        Ok(())
    }

    /// Whether the mapping key just before `pos` (`"model_list": [`) is double-quoted.
    fn quoted_key_before(&self, pos: usize) -> bool {
        let before = self.s[..pos].trim_end();
        let before = before.strip_suffix(':').unwrap_or(before).trim_end();
        before.ends_with('"')
    }

    fn block_list(
        &self,
        key: &Node,
        items: &[Node],
        edit: &Edit,
        patches: &mut PatchSet,
    ) -> Result<(), Unsupported> {
        // Each item: from the start of its dash's line to the end of its last content line.
        let mut regions = Vec::with_capacity(items.len());
        for it in items {
            let dash = self.s[..it.span.start]
                .trim_end_matches([' ', '\t', '\r', '\n'])
                .len()
                .checked_sub(1)
                .filter(|&d| self.at(d) == Some(b'-'))
                .ok_or_else(|| unsupported("cannot find the `-` of this entry", it.span))?;
            let ls = self.line_start(dash);
            if !self.s[ls..dash].bytes().all(|c| c == b' ') {
                return Err(unsupported(
                    "this entry does not start its own line",
                    it.span,
                ));
            }
            regions.push((ls, self.block_end(dash, dash - ls), dash - ls));
        }
        let style = self.block_style(items, &regions);
        let kept_last = (0..items.len())
            .rev()
            .find(|i| !edit.remove.contains(i) || edit.blocks.iter().any(|b| b.at == Some(*i)));
        for (i, &(ls, end, _)) in regions.iter().enumerate() {
            let replaced: Vec<&NewEntry> = edit
                .blocks
                .iter()
                .filter(|b| b.at == Some(i))
                .flat_map(|b| &b.entries)
                .collect();
            if !replaced.is_empty() {
                let mut lines = self.block_entries(&replaced, style);
                if !edit.remove.contains(&i) {
                    lines.push_str(self.nl);
                    lines.push_str(&self.s[ls..end]);
                }
                patches.push(Span::new(ls, end), lines);
            } else if edit.remove.contains(&i) {
                let next = self.next_line(end);
                let span = if next > end {
                    Span::new(ls, next)
                } else {
                    // The last line of the file, without a line break: take the one before.
                    Span::new(
                        self.s[..ls].trim_end_matches(['\r', '\n']).len().min(ls),
                        end,
                    )
                };
                patches.push(span, "");
            }
        }
        let appended: Vec<&NewEntry> = edit
            .blocks
            .iter()
            .filter(|b| b.at.is_none())
            .flat_map(|b| &b.entries)
            .collect();
        if !appended.is_empty() {
            let lines = self.block_entries(&appended, style);
            match kept_last {
                Some(i) => {
                    let end = regions[i].1;
                    patches.push(Span::new(end, end), format!("{}{lines}", self.nl));
                }
                None => {
                    let ls = regions[0].0;
                    patches.push(Span::new(ls, ls), format!("{lines}{}", self.nl));
                }
            }
        } else if kept_last.is_none() {
            // Every entry goes: leave an empty list rather than `model_list:` (null).
            let colon = self.s[key.span.end..]
                .find(':')
                .map(|i| key.span.end + i + 1);
            let colon = colon.ok_or_else(|| unsupported("cannot find `model_list:`", key.span))?;
            patches.push(Span::new(colon, colon), " []");
        }
        Ok(())
    }

    /// The indentation of a block list: its dash column, the column of an entry's keys, and
    /// the step of nested blocks (from an entry's `litellm_params`).
    fn block_style(&self, items: &[Node], regions: &[(usize, usize, usize)]) -> BlockStyle {
        let dash = regions.first().map_or(2, |r| r.2);
        let key = items
            .first()
            .map(|it| self.column(it.span.start))
            .filter(|&c| c > dash && self.line_start(items[0].span.start) == regions[0].0)
            .unwrap_or(dash + 2);
        let step = items
            .iter()
            .find_map(|it| {
                let (k, v) = it.entry("litellm_params")?;
                let NodeKind::Map(es) = &v.kind else {
                    return None;
                };
                let (first, _) = es.first()?;
                let (kc, vc) = (self.column(k.span.start), self.column(first.span.start));
                (self.at(v.span.start) != Some(b'{') && vc > kc).then_some(vc - kc)
            })
            .unwrap_or(2);
        BlockStyle { dash, key, step }
    }

    fn block_entries(&self, entries: &[&NewEntry], st: BlockStyle) -> String {
        let mut lines: Vec<String> = Vec::new();
        let key = " ".repeat(st.key);
        let sub = " ".repeat(st.key + st.step);
        for e in entries {
            let (params, upstream) = e.fields();
            lines.push(format!(
                "{}-{}model_name: {}",
                " ".repeat(st.dash),
                " ".repeat(st.key - st.dash - 1),
                plain_or_quoted(&e.model_name, false)
            ));
            lines.push(format!("{key}litellm_params:"));
            for (k, v) in params {
                lines.push(format!("{sub}{k}: {}", plain_or_quoted(v, false)));
            }
            lines.push(format!(
                "{key}fgc_redirect: {}",
                plain_or_quoted(upstream, false)
            ));
        }
        lines.join(self.nl)
    }

    /// A file without `litellm_base.model_list`: add it, in the file's style.
    fn new_list(
        &self,
        root: &Node,
        edit: &Edit,
        patches: &mut PatchSet,
    ) -> Result<(), Unsupported> {
        let entries: Vec<&NewEntry> = edit.blocks.iter().flat_map(|b| &b.entries).collect();
        if entries.is_empty() {
            return Ok(());
        }
        let NodeKind::Map(top) = &root.kind else {
            return Err(unsupported(
                "the file is not a mapping; add `litellm_base: {model_list: []}` first",
                root.span,
            ));
        };
        let flow_root = self.at(root.span.start) == Some(b'{');
        let json = top
            .first()
            .is_some_and(|(k, _)| self.at(k.span.start) == Some(b'"'));
        let q = |k: &str| {
            if json {
                format!("\"{k}\"")
            } else {
                k.to_string()
            }
        };
        let flow_items = || {
            entries
                .iter()
                .map(|e| flow_entry(e, json))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match root.entry("litellm_base") {
            Some((k, base)) => {
                let NodeKind::Map(es) = &base.kind else {
                    return Err(unsupported(
                        "litellm_base is not a mapping; write `litellm_base: {model_list: []}`",
                        k.span,
                    ));
                };
                if self.at(base.span.start) == Some(b'{') {
                    let end = self.flow_end(base.span.start).ok_or_else(|| {
                        unsupported("cannot find the end of litellm_base", k.span)
                    })?;
                    let comma = if es.is_empty() { "" } else { ", " };
                    patches.push(
                        Span::new(end - 1, end - 1),
                        format!("{comma}{}: [{}]", q("model_list"), flow_items()),
                    );
                } else if let Some((first, _)) = es.first() {
                    let col = self.column(first.span.start);
                    let end = self.block_end(k.span.start, self.column(k.span.start));
                    let st = BlockStyle {
                        dash: col + 2,
                        key: col + 4,
                        step: 2,
                    };
                    patches.push(
                        Span::new(end, end),
                        format!(
                            "{nl}{}model_list:{nl}{}",
                            " ".repeat(col),
                            self.block_entries(&entries, st),
                            nl = self.nl
                        ),
                    );
                } else {
                    return Err(unsupported(
                        "litellm_base is empty; write `litellm_base: {model_list: []}`",
                        k.span,
                    ));
                }
            }
            None if flow_root => {
                let end = self
                    .flow_end(root.span.start)
                    .ok_or_else(|| unsupported("cannot find the end of the document", root.span))?;
                let comma = if top.is_empty() { "" } else { ", " };
                patches.push(
                    Span::new(end - 1, end - 1),
                    format!(
                        "{comma}{}: {{{}: [{}]}}",
                        q("litellm_base"),
                        q("model_list"),
                        flow_items()
                    ),
                );
            }
            None => {
                let end = self.s.trim_end().len();
                let st = BlockStyle {
                    dash: 4,
                    key: 6,
                    step: 2,
                };
                patches.push(
                    Span::new(end, end),
                    format!(
                        "{nl}litellm_base:{nl}  model_list:{nl}{}",
                        self.block_entries(&entries, st),
                        nl = self.nl
                    ),
                );
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug)]
struct BlockStyle {
    dash: usize,
    key: usize,
    step: usize,
}

/// A scalar written plain when that reads back as the same string, else double-quoted.
fn plain_or_quoted(s: &str, flow: bool) -> String {
    if yaml_scalar::plain_ok(s, flow) {
        s.to_string()
    } else {
        yaml_scalar::double_quoted(s)
    }
}

/// One entry as a one-line flow mapping (JSON when `json`).
fn flow_entry(e: &NewEntry, json: bool) -> String {
    let (params, upstream) = e.fields();
    let k = |s: &str| {
        if json {
            format!("\"{s}\"")
        } else {
            s.to_string()
        }
    };
    let v = |s: &str| {
        if json {
            serde_json::to_string(s).unwrap_or_else(|_| yaml_scalar::double_quoted(s))
        } else {
            plain_or_quoted(s, true)
        }
    };
    let params: Vec<String> = params
        .iter()
        .map(|(pk, pv)| format!("{}: {}", k(pk), v(pv)))
        .collect();
    format!(
        "{{{}: {}, {}: {{{}}}, {}: {}}}",
        k("model_name"),
        v(&e.model_name),
        k("litellm_params"),
        params.join(", "),
        k("fgc_redirect"),
        v(upstream)
    )
}

/// Check the edited document against the original: `model_list` is what the edit should
/// give, and nothing else changed. Compares the parsed trees value by value (spans aside).
pub fn verify(before: &Node, after: &Node, edit: &Edit) -> Result<(), String> {
    fn items(root: &Node) -> &[Node] {
        match model_list(root).map(|(_, l)| &l.kind) {
            Some(NodeKind::Seq(items)) => items,
            _ => &[],
        }
    }
    let (old, got) = (items(before), items(after));
    let mut expected: Vec<Result<&Node, &NewEntry>> = Vec::with_capacity(got.len());
    for (i, item) in old.iter().enumerate() {
        for b in edit.blocks.iter().filter(|b| b.at == Some(i)) {
            expected.extend(b.entries.iter().map(Err));
        }
        if !edit.remove.contains(&i) {
            expected.push(Ok(item));
        }
    }
    for b in edit.blocks.iter().filter(|b| b.at.is_none()) {
        expected.extend(b.entries.iter().map(Err));
    }
    if got.len() != expected.len() {
        return Err(format!(
            "model_list has {} entries, {} expected",
            got.len(),
            expected.len()
        ));
    }
    for (at, (g, e)) in got.iter().zip(&expected).enumerate() {
        let same = match e {
            Ok(old) => same_value(old, g),
            Err(new) => is_entry(g, new),
        };
        if !same {
            return Err(format!(
                "model_list entry {at} does not read back as intended"
            ));
        }
    }
    if !same_outside_list(before, after) {
        return Err("a value outside model_list changed".into());
    }
    Ok(())
}

/// Whether two nodes hold the same value (spans aside).
fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ak, av), (bk, bv))| same_value(ak, bk) && same_value(av, bv))
        }
        (NodeKind::Float(x), NodeKind::Float(y)) => x.to_bits() == y.to_bits(),
        (x, y) => x == y,
    }
}

/// Whether `n` reads back as the entry `e`, key by key in order.
fn is_entry(n: &Node, e: &NewEntry) -> bool {
    let str_pairs = |n: &Node, want: &[(&str, &str)]| match &n.kind {
        NodeKind::Map(es) => {
            es.len() == want.len()
                && es
                    .iter()
                    .zip(want)
                    .all(|((k, v), (wk, wv))| k.as_str() == Some(wk) && v.as_str() == Some(wv))
        }
        _ => false,
    };
    let (params, upstream) = e.fields();
    match &n.kind {
        NodeKind::Map(es) if es.len() == 3 => {
            es[0].0.as_str() == Some("model_name")
                && es[0].1.as_str() == Some(e.model_name.as_str())
                && es[1].0.as_str() == Some("litellm_params")
                && str_pairs(&es[1].1, &params)
                && es[2].0.as_str() == Some("fgc_redirect")
                && es[2].1.as_str() == Some(upstream)
        }
        _ => false,
    }
}

/// Whether the documents are the same apart from `litellm_base.model_list` (and a
/// `litellm_base` that only holds a new `model_list`).
fn same_outside_list(before: &Node, after: &Node) -> bool {
    let entries = |root: &Node| -> Vec<(Node, Node)> {
        match &root.kind {
            NodeKind::Map(es) => es
                .iter()
                .filter_map(|(k, v)| {
                    if k.as_str() != Some("litellm_base") {
                        return Some((k.clone(), v.clone()));
                    }
                    let NodeKind::Map(inner) = &v.kind else {
                        return Some((k.clone(), v.clone()));
                    };
                    let kept: Vec<(Node, Node)> = inner
                        .iter()
                        .filter(|(ik, _)| ik.as_str() != Some("model_list"))
                        .cloned()
                        .collect();
                    (!kept.is_empty()).then(|| {
                        let v = Node {
                            span: v.span,
                            def: v.def,
                            kind: NodeKind::Map(kept),
                        };
                        (k.clone(), v)
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    match (&before.kind, &after.kind) {
        (NodeKind::Map(_), NodeKind::Map(_)) => {
            let (b, a) = (entries(before), entries(after));
            b.len() == a.len()
                && b.iter()
                    .zip(&a)
                    .all(|((bk, bv), (ak, av))| same_value(bk, ak) && same_value(bv, av))
        }
        _ => same_value(before, after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> NewEntry {
        NewEntry {
            model_name: name.into(),
            model: format!("openai/{name}-x"),
            api_base: Some("https://relay.example/v1".into()),
            key: KeyField::Ref("relay".into()),
            upstream: "relay".into(),
        }
    }

    fn run(text: &str, edit: &Edit) -> String {
        let root = crate::yaml::parse(text, 0).unwrap();
        let out = apply(text, &root, edit).unwrap();
        let after = crate::yaml::parse(&out, 0).unwrap_or_else(|e| panic!("{out}\n{e:?}"));
        verify(&root, &after, edit).unwrap_or_else(|e| panic!("{out}\n{e}"));
        out
    }

    fn edit(remove: &[usize], blocks: Vec<(Option<usize>, Vec<NewEntry>)>) -> Edit {
        Edit {
            remove: remove.iter().copied().collect(),
            blocks: blocks
                .into_iter()
                .map(|(at, entries)| Block { at, entries })
                .collect(),
        }
    }

    const BLOCK: &str = "# top\nlitellm_base:\n  model_list:\n    # hand\n    - model_name: a\n      litellm_params:\n          model: openai/a   # c\n    - model_name: g\n      litellm_params: {model: openai/g}\n      fgc_redirect: relay\n  router_settings: {}\n";

    #[test]
    fn block_replace_keeps_the_rest() {
        let out = run(
            BLOCK,
            &edit(&[1], vec![(Some(1), vec![entry("b"), entry("c")])]),
        );
        assert!(out.starts_with("# top\nlitellm_base:\n  model_list:\n    # hand\n    - model_name: a\n      litellm_params:\n          model: openai/a   # c\n    - model_name: b\n      litellm_params:\n          model: openai/b-x\n"), "{out}");
        assert!(
            out.ends_with("      fgc_redirect: relay\n  router_settings: {}\n"),
            "{out}"
        );
    }

    #[test]
    fn block_remove_all_and_append() {
        let out = run(BLOCK, &edit(&[0, 1], vec![]));
        assert!(
            out.contains("model_list: []\n    # hand\n  router_settings"),
            "{out}"
        );
        let out = run(BLOCK, &edit(&[1], vec![(None, vec![entry("b")])]));
        assert!(out.contains("# c\n    - model_name: b\n"), "{out}");
        let out = run(BLOCK, &edit(&[0, 1], vec![(None, vec![entry("b")])]));
        assert!(out.contains("    # hand\n    - model_name: b\n"), "{out}");
        let crlf = BLOCK.replace('\n', "\r\n");
        let out = run(&crlf, &edit(&[1], vec![(None, vec![entry("b")])]));
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    }

    #[test]
    fn flow_json() {
        let text = "{\n  \"litellm_base\": {\n    \"model_list\": [\n      {\"model_name\": \"a\", \"litellm_params\": {\"model\": \"openai/a\"}},\n      {\"model_name\": \"g\", \"litellm_params\": {\"model\": \"openai/g\"}, \"fgc_redirect\": \"relay\"}\n    ]\n  }\n}\n";
        let out = run(text, &edit(&[1], vec![(Some(1), vec![entry("b")])]));
        assert!(out.contains("\"openai/a\"}},\n      {\"model_name\": \"b\", \"litellm_params\": {\"model\": \"openai/b-x\", \"api_base\": \"https://relay.example/v1\", \"api_key_ref\": \"relay\"}, \"fgc_redirect\": \"relay\"}\n    ]"), "{out}");
        let out = run(text, &edit(&[1], vec![]));
        assert!(out.contains("\"openai/a\"}}\n    ]"), "{out}");
        let out = run(text, &edit(&[0, 1], vec![]));
        assert!(out.contains("\"model_list\": []\n  }"), "{out}");
        let out = run(text, &edit(&[], vec![(None, vec![entry("b"), entry("c")])]));
        assert_eq!(out.matches("\n      {").count(), 4, "{out}");
    }

    #[test]
    fn flow_yaml_and_new_lists() {
        let text = "litellm_base: {model_list: []}\n";
        let out = run(text, &edit(&[], vec![(None, vec![entry("b")])]));
        assert_eq!(
            out,
            "litellm_base: {model_list: [{model_name: b, litellm_params: {model: openai/b-x, api_base: \"https://relay.example/v1\", api_key_ref: relay}, fgc_redirect: relay}]}\n"
        );
        let out = run(
            "litellm_base:\n  router_settings: {}\nx: 1\n",
            &edit(&[], vec![(None, vec![entry("b")])]),
        );
        assert!(
            out.starts_with(
                "litellm_base:\n  router_settings: {}\n  model_list:\n    - model_name: b\n"
            ),
            "{out}"
        );
        let out = run("{\"x\": 1}", &edit(&[], vec![(None, vec![entry("b")])]));
        assert!(
            out.starts_with(
                "{\"x\": 1, \"litellm_base\": {\"model_list\": [{\"model_name\": \"b\""
            ),
            "{out}"
        );
        let out = run("x: 1\n", &edit(&[], vec![(None, vec![entry("b")])]));
        assert!(
            out.starts_with("x: 1\nlitellm_base:\n  model_list:\n    - model_name: b\n"),
            "{out}"
        );
    }
}
