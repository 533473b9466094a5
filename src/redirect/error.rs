//! Why `fgc redirect` stops. Every one of these leaves flowgate.yaml untouched.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};

pub use crate::rename::error::CheckReport;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum RedirectError {
    #[error("cannot read {}: {error}", path.display())]
    #[diagnostic(code("redirect::io"))]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("cannot write {}: {error}; the file was not changed", path.display())]
    #[diagnostic(code("redirect::io"))]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{} changed while fgc redirect ran; nothing was written", path.display())]
    #[diagnostic(code("redirect::changed"), help("run the command again"))]
    Changed { path: PathBuf },

    #[error("{file} is a plain LiteLLM config; fgc redirect writes into a flowgate.yaml")]
    #[diagnostic(
        code("redirect::litellm-config"),
        help(
            "put the LiteLLM config under `litellm_base:` in a flowgate.yaml, run fgc redirect there, and `fgc emit litellm` the result"
        )
    )]
    LitellmConfig { file: String },

    #[error("{file} does not check clean ({errors} error(s)); fix it before running fgc redirect")]
    #[diagnostic(code("redirect::not-clean"), help("run `fgc check {file}`"))]
    NotClean {
        file: String,
        errors: usize,
        report: Box<CheckReport>,
    },

    #[error("the result would not check clean ({errors} error(s)); nothing was written")]
    #[diagnostic(code("redirect::result-not-clean"))]
    ResultNotClean {
        errors: usize,
        report: Box<CheckReport>,
    },

    #[error("no upstream is named `{name}`")]
    #[diagnostic(code("redirect::unknown-upstream"), help("the upstreams are: {known}"))]
    UnknownUpstream { name: String, known: String },

    #[error("{file} names no upstream to map")]
    #[diagnostic(
        code("redirect::no-upstreams"),
        help(
            "add model_list entries with an api_base (or provider openai/anthropic), or list the upstreams under redirect.upstreams"
        )
    )]
    NoUpstreams { file: String },

    #[error("cannot use the models file {}: {message}", path.display())]
    #[diagnostic(code("redirect::models-file"))]
    ModelsFile { path: PathBuf, message: String },

    #[error("fgc redirect cannot edit model_list here: {message}")]
    #[diagnostic(code("redirect::unsupported-layout"))]
    Unsupported {
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        at: SourceSpan,
    },

    #[error("internal error: {0}; nothing was written")]
    #[diagnostic(code("redirect::internal"))]
    Internal(String),
}

/// What kind of failure an error is, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// flowgate.yaml (or what it would become) is wrong; diagnostics say why.
    Input,
    /// The command line names something that does not exist, or a file cannot be used.
    Usage,
    /// A file could not be read or written.
    Io,
}

impl RedirectError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            RedirectError::Read { .. }
            | RedirectError::Write { .. }
            | RedirectError::Changed { .. } => ErrorKind::Io,
            RedirectError::UnknownUpstream { .. }
            | RedirectError::ModelsFile { .. }
            | RedirectError::LitellmConfig { .. } => ErrorKind::Usage,
            _ => ErrorKind::Input,
        }
    }

    /// The check diagnostics to print before the error.
    pub fn check_report(&self) -> Option<&CheckReport> {
        match self {
            RedirectError::NotClean { report, .. }
            | RedirectError::ResultNotClean { report, .. } => Some(report),
            _ => None,
        }
    }
}
