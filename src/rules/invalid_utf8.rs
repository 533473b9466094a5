//! ## What it does
//! Reports a file that is not valid UTF-8, at the first byte that is not.
//!
//! ## Why it matters
//! YAML is Unicode text, and LiteLLM, Codex and Claude Code read their configs as UTF-8.
//! A file saved in another encoding (Latin-1, UTF-16) breaks them in ways that are hard to see.
//!
//! ## Example
//! A file saved as Latin-1 with `# café` in a comment.
//!
//! ## How to fix
//! Re-save the file as UTF-8 (`iconv -f latin1 -t utf-8`). A UTF-8 byte order mark is accepted.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::span::Span;

pub fn diagnostic(offset: usize) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidUtf8,
        format!("the file is not valid UTF-8 (first bad byte at offset {offset})"),
    )
    .primary(Span::new(offset, offset + 1), "not UTF-8")
    .help("save the file as UTF-8")
}
