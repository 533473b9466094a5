//! Loading a configuration file from disk: size limit, BOM, UTF-8, line index.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::span::Span;

/// Files larger than this are refused before parsing: a flowgate.yaml with 100,000 aliases is
/// about 20 MiB, so this leaves room for real configs and bounds time and memory on junk.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One source file as read from disk. `text` is the whole file, BOM included, so that spans
/// index the bytes on disk and edits can be written back byte for byte.
///
/// A LiteLLM config can `include` other files. Their spans share one space with the file
/// that was named (as in a compiler's source map): each included file starts at its own
/// `base`, past the end of the files before it, so a span says by itself which file it is in.
/// The named file keeps the included ones in `includes`; [`SourceFile::file_at`] finds the
/// file of an offset, and reports are rendered against that file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The path as the user wrote it, used in messages.
    pub name: String,
    pub text: Arc<str>,
    line_starts: Arc<[usize]>,
    /// Where this file's bytes start in the span space of the config it belongs to (0 for the
    /// file named on the command line).
    pub base: usize,
    /// The files merged into this one by `include`, in the order they were read.
    pub includes: Arc<[SourceFile]>,
}

/// Why a file could not be turned into text. Each maps to a diagnostic (input problems) or to
/// an I/O error (exit 2).
#[derive(Debug)]
pub enum LoadError {
    Io(std::io::Error),
    TooLarge { bytes: u64 },
    InvalidUtf8 { offset: usize, text: String },
}

impl SourceFile {
    pub fn new(
        name: impl Into<String>,
        path: impl Into<PathBuf>,
        text: impl Into<Arc<str>>,
    ) -> Self {
        let text: Arc<str> = text.into();
        let mut starts = vec![0];
        starts.extend(memchr_newlines(&text));
        Self {
            path: path.into(),
            name: name.into(),
            text,
            line_starts: starts.into(),
            base: 0,
            includes: Arc::from(Vec::new()),
        }
    }

    /// This file placed at `base` in the span space of the config that includes it.
    pub fn at_base(mut self, base: usize) -> Self {
        self.base = base;
        self
    }

    /// Where the next included file starts: past this file and every file it includes.
    pub fn next_base(&self) -> usize {
        self.includes
            .last()
            .map_or(self.base + self.text.len(), |f| f.base + f.text.len())
            + 1
    }

    /// The file (this one or one it includes) that holds `offset`.
    pub fn file_at(&self, offset: usize) -> &SourceFile {
        if offset <= self.base + self.text.len() || self.includes.is_empty() {
            return self;
        }
        let i = self.includes.partition_point(|f| f.base <= offset);
        match i.checked_sub(1).map(|i| &self.includes[i]) {
            Some(f) => f,
            None => self,
        }
    }

    /// The file that holds `span`, and the span within that file's text.
    pub fn locate(&self, span: Span) -> (&SourceFile, Span) {
        let f = self.file_at(span.start);
        let start = span.start.saturating_sub(f.base);
        let end = span.end.saturating_sub(f.base).max(start);
        (f, Span::new(start, end))
    }

    /// Every file of the config: this one, then the included ones.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        std::iter::once(self).chain(self.includes.iter())
    }

    pub fn read(path: &Path) -> Result<Self, LoadError> {
        let meta = std::fs::metadata(path).map_err(LoadError::Io)?;
        if meta.is_dir() {
            return Err(LoadError::Io(std::io::Error::other("is a directory")));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(LoadError::TooLarge { bytes: meta.len() });
        }
        let bytes = std::fs::read(path).map_err(LoadError::Io)?;
        let name = path.display().to_string();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(name, path, text)),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                // Keep the valid prefix plus a lossy rest so the report can point at the byte.
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                Err(LoadError::InvalidUtf8 { offset, text })
            }
        }
    }

    /// Length of a leading UTF-8 byte order mark, which YAML allows and fgc skips.
    pub fn bom_len(&self) -> usize {
        if self.text.starts_with('\u{feff}') {
            3
        } else {
            0
        }
    }

    /// The folder that relative paths in this file are resolved against.
    pub fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// 1-based line and column (in characters) of a byte offset (in the file that holds it,
    /// for a config with included files: see [`SourceFile::file_at`]).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let f = self.file_at(offset);
        f.local_line_col(offset.saturating_sub(f.base))
    }

    fn local_line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of `span` (in whichever file of the config holds it).
    pub fn slice(&self, span: Span) -> &str {
        let (f, local) = self.locate(span);
        f.text.get(local.range()).unwrap_or("")
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Reading snippets for reports through the line index, instead of miette's default scan from
/// the start of the file for every label (which made reports on large files slow).
impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.text.as_bytes();
        let (s, len) = (span.offset(), span.len());
        if s + len > text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let line_of = |off: usize| match self.line_starts.binary_search(&off) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let first = line_of(s);
        let last = line_of((s + len).saturating_sub(1).max(s));
        let lines = self.line_starts.len();
        let start_line = first.saturating_sub(context_lines_before);
        let end_line = (last + context_lines_after).min(lines - 1);
        let (start, column) = if context_lines_before == 0 {
            (s, s - self.line_starts[first])
        } else {
            (self.line_starts[start_line], 0)
        };
        let end = if end_line + 1 < lines {
            self.line_starts[end_line + 1]
        } else {
            text.len()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            &text[start..end],
            (start, end - start).into(),
            start_line,
            column,
            end_line + 1,
        )))
    }
}
