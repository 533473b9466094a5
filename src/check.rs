//! Checking a file end to end: load, then run the semantic rules on a valid structure.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::load::Loaded;
use crate::rules::{self, CheckOptions};
use crate::source::{LoadError, SourceFile};

/// A file that could not be read at all (exit 2), as opposed to one with diagnostics.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct ReadError {
    pub path: String,
    #[source]
    pub source: std::io::Error,
}

/// Read `path` and check it. Encoding and size problems are diagnostics on the file;
/// only I/O failures are errors.
pub fn check_path(path: &Path, opts: &CheckOptions) -> Result<Loaded, ReadError> {
    let name = path.display().to_string();
    match SourceFile::read(path) {
        Ok(source) => Ok(check_source(source, opts)),
        Err(LoadError::Io(e)) => Err(ReadError {
            path: name,
            source: e,
        }),
        Err(LoadError::TooLarge { bytes }) => Ok(unreadable(
            SourceFile::new(name.clone(), path, ""),
            rules::file_too_large::diagnostic(&name, bytes),
        )),
        Err(LoadError::InvalidUtf8 { offset, text }) => Ok(unreadable(
            SourceFile::new(name, path, text),
            rules::invalid_utf8::diagnostic(offset),
        )),
    }
}

fn unreadable(source: SourceFile, d: Diagnostic) -> Loaded {
    Loaded::new(source, None, None, vec![d])
}

/// Check text that is already in memory.
pub fn check_source(source: SourceFile, opts: &CheckOptions) -> Loaded {
    check_loaded(
        crate::load::load_with(source, opts.dialect, &crate::include::read_from_disk),
        opts,
    )
}

/// Run the semantic rules on a file already loaded (for commands that need the model to
/// choose the options, such as the profile `fgc emit` uses).
pub fn check_loaded(mut loaded: Loaded, opts: &CheckOptions) -> Loaded {
    if let Some(model) = &loaded.model {
        let timer = crate::load::Timer::start();
        let found = rules::run(model, &loaded.source, opts, &loaded.pruned);
        timer.mark("rules");
        loaded.diagnostics.extend(found);
    }
    // Report in file order, errors before warnings at the same place.
    loaded.diagnostics.sort_by_key(|d| {
        (
            d.span().map_or(0, |s| s.start),
            std::cmp::Reverse(d.severity),
        )
    });
    loaded
}
