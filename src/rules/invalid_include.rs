//! ## What it does
//! Reports an `include` LiteLLM cannot load: an entry that is not a path (LiteLLM wants a list
//! of file paths), a file that does not exist or cannot be read, a file that is not a YAML
//! mapping, or more included files than fgc reads (256). Each path is relative to the file
//! that names it. A file LiteLLM finds only next to the root config (the way older LiteLLM
//! versions resolved nested includes) is a warning: LiteLLM reads it and logs that it should
//! move.
//!
//! ## Why it matters
//! LiteLLM reads includes at start-up and refuses to start when one of them is missing or is
//! not a mapping (`Included file not found: ...`). The included files are checked like the
//! config itself, with diagnostics in those files.
//!
//! ## Example
//! ```yaml
//! include:
//!   - models/openai.yaml     # no such file next to this config
//! model_list: []
//! ```
//!
//! ## How to fix
//! Correct the path (relative to the file that names it), or create the file with a mapping
//! in it (`model_list: [...]`).

use std::path::Path;

use crate::diag::{Code, Diagnostic, Severity};
use crate::span::Span;

pub fn not_a_list(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidInclude,
        "`include` must be a list of file paths",
    )
    .primary(span, "not a file path")
    .help("write `include: [path/to/file.yaml, ...]`; LiteLLM refuses to start otherwise")
}

pub fn unreadable(at: Span, entry: &str, location: &Path, why: &str) -> Diagnostic {
    let what = if why.contains("No such file") {
        format!("included file `{entry}` not found: {}", location.display())
    } else {
        format!(
            "cannot read included file `{entry}` ({}): {why}",
            location.display()
        )
    };
    Diagnostic::new(Code::InvalidInclude, what)
        .primary(at, "LiteLLM refuses to start without it")
        .help("the path is relative to the file that names it")
}

pub fn not_a_mapping(at: Span, entry: &str, content: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidInclude,
        format!("included file `{entry}` is not a YAML mapping"),
    )
    .primary(
        content,
        "LiteLLM needs a mapping here (model_list: [...], ...)",
    )
    .secondary(at, "included here")
}

pub fn moved(at: Span, entry: &str, location: &Path, why: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidInclude,
        format!(
            "included file `{entry}` is {why}; LiteLLM reads {}",
            location.display()
        ),
    )
    .with_severity(Severity::Warning)
    .primary(at, "LiteLLM logs a warning for this entry")
    .help("move the file next to the config that names it, or rename one of the two")
}

pub fn too_many(at: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidInclude,
        format!(
            "more than {} included files; fgc reads no more",
            crate::include::MAX_INCLUDES
        ),
    )
    .primary(at, "not read")
}
