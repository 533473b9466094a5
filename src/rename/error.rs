//! Why `fgc rename` refuses. Every refusal leaves every file untouched.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::diag;
use crate::source::SourceFile;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum RenameError {
    #[error("`{old}` is not an alias in {file}")]
    #[diagnostic(code("rename::not-an-alias"))]
    NotAnAlias {
        old: String,
        file: String,
        #[help]
        help: Option<String>,
    },

    #[error("`{new}` is already {what} in {file}")]
    #[diagnostic(
        code("rename::name-taken"),
        help(
            "pick a name no `model_list` entry or `model_group_alias` uses; merging two aliases is an edit, not a rename"
        )
    )]
    NameTaken {
        new: String,
        what: &'static str,
        file: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("`{new}` is defined here")]
        at: SourceSpan,
    },

    #[error("{new:?} is not a valid alias name: {reason}")]
    #[diagnostic(
        code("rename::invalid-name"),
        help(
            "an alias name is 1 to 256 bytes, has no control characters, does not start or end with whitespace and does not start with `os.environ/`"
        )
    )]
    InvalidName { new: String, reason: String },

    #[error("{file} does not check clean ({errors} error(s)); fix it before renaming")]
    #[diagnostic(code("rename::not-clean"), help("run `fgc check {file}`"))]
    NotClean {
        file: String,
        errors: usize,
        report: Box<CheckReport>,
    },

    #[error(
        "renaming `{old}` to `{new}` would leave {file} with {errors} error(s); nothing was changed"
    )]
    #[diagnostic(code("rename::result-not-clean"))]
    ResultNotClean {
        old: String,
        new: String,
        file: String,
        errors: usize,
        report: Box<CheckReport>,
    },

    #[error("this reference to `{old}` is written in a way fgc cannot rewrite in place")]
    #[diagnostic(
        code("rename::unsupported-scalar"),
        help(
            "write the name on one line (plain, 'single' or \"double\" quoted) and run the rename again"
        )
    )]
    UnsupportedScalar {
        old: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("multi-line scalar")]
        at: SourceSpan,
    },

    #[error("the YAML anchor holding `{old}` is also used where it is not an alias reference")]
    #[diagnostic(
        code("rename::shared-anchor"),
        help(
            "renaming the anchor would change this value too; write the value out instead of `*alias`"
        )
    )]
    SharedAnchor {
        old: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("this value would change too")]
        at: SourceSpan,
        #[label("the anchor")]
        anchor: SourceSpan,
    },

    #[error("cannot parse {file}: {message}")]
    #[diagnostic(
        code("rename::client-parse"),
        help("fix the file or leave out the option that names it")
    )]
    ClientParse {
        file: String,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        at: SourceSpan,
    },

    #[error("internal error: {0}; nothing was changed")]
    #[diagnostic(code("rename::internal"))]
    Internal(String),

    #[error(
        "{first} and {second} are one file, and the rename would change it in two different ways"
    )]
    #[diagnostic(
        code("rename::same-file"),
        help(
            "name the file once (a file included twice through a link is read twice by LiteLLM too: include it by one path)"
        )
    )]
    SameFile { first: String, second: String },

    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code("rename::io"))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{} changed after fgc read it; no file was changed", path.display())]
    #[diagnostic(code("rename::changed"), help("run the rename again"))]
    Changed { path: PathBuf },

    #[error("cannot write {}: {source}; no file was changed", path.display())]
    #[diagnostic(code("rename::io"))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What kind of failure a refusal is: a problem with the input, or with reading and writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The files or the names given are wrong; diagnostics say why.
    Input,
    /// A file could not be read or written.
    Io,
}

impl RenameError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            RenameError::Read { .. } | RenameError::Write { .. } | RenameError::Changed { .. } => {
                ErrorKind::Io
            }
            _ => ErrorKind::Input,
        }
    }
}

/// The check diagnostics behind a `NotClean` / `ResultNotClean` refusal, printed before it.
#[derive(Debug)]
pub struct CheckReport {
    pub source: SourceFile,
    pub diagnostics: Vec<diag::Diagnostic>,
}

impl RenameError {
    pub fn check_report(&self) -> Option<&CheckReport> {
        match self {
            RenameError::NotClean { report, .. } | RenameError::ResultNotClean { report, .. } => {
                Some(report)
            }
            _ => None,
        }
    }
}

pub fn named(source: &SourceFile) -> NamedSource<String> {
    NamedSource::new(source.name.clone(), source.text.to_string())
}
