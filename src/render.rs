//! Rendering diagnostics: miette's graphical report (human), a stable JSON format, and
//! GitHub workflow annotations.

use std::fmt;
use std::io::IsTerminal;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use serde::Serialize;

use crate::diag::{Diagnostic, Severity};
use crate::source::SourceFile;

/// The output formats of `--format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
    Github,
}

/// Whether human output uses colour: only on a terminal, and never with `NO_COLOR` set.
pub fn colour_for(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn stdout_colour() -> bool {
    colour_for(std::io::stdout().is_terminal())
}

pub fn stderr_colour() -> bool {
    colour_for(std::io::stderr().is_terminal())
}

/// The graphical handler: unicode, fixed width, no syntax highlighting.
pub fn handler(colour: bool) -> GraphicalReportHandler {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
}

struct Report<'a> {
    d: &'a Diagnostic,
    src: Option<&'a SourceFile>,
    len: usize,
    /// The labels, within `src`'s own text.
    labels: Vec<crate::diag::Label>,
    /// `help`, with the labels that point into another file of the config appended.
    help: Option<String>,
}

impl<'a> Report<'a> {
    /// The report of `d`, against the file of the config that holds its primary span.
    fn new(d: &'a Diagnostic, source: &'a SourceFile) -> Self {
        let file = d.span().map_or(source, |s| source.file_at(s.start));
        let mut labels = Vec::new();
        let mut elsewhere = Vec::new();
        for l in &d.labels {
            let (f, local) = source.locate(l.span);
            if std::ptr::eq(f, file) {
                labels.push(crate::diag::Label {
                    span: local,
                    text: l.text.clone(),
                    primary: l.primary,
                });
            } else {
                let (line, col) = source.line_col(l.span.start);
                elsewhere.push(format!("{}:{line}:{col}: {}", f.name, l.text));
            }
        }
        let help = match (&d.help, elsewhere.is_empty()) {
            (h, true) => h.clone(),
            (None, false) => Some(format!("see {}", elsewhere.join("; "))),
            (Some(h), false) => Some(format!("{h}\nsee {}", elsewhere.join("; "))),
        };
        Report {
            d,
            src: Some(file),
            len: file.text.len(),
            labels,
            help,
        }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.d.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.labels.is_empty() {
            None
        } else {
            self.src.map(|s| s as &dyn SourceCode)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() || self.src.is_none() {
            return None;
        }
        let len = self.len;
        Some(Box::new(self.labels.iter().map(move |l| {
            let start = l.span.start.min(len);
            let end = l.span.end.clamp(start, len);
            let span = (start, end - start);
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            if l.primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}

/// Render the diagnostics of one file as miette reports.
pub fn human(source: &SourceFile, diags: &[Diagnostic], colour: bool) -> String {
    let h = handler(colour);
    let mut out = String::new();
    for d in diags {
        let r = Report::new(d, source);
        let mut s = String::new();
        if h.render_report(&mut s, &r).is_err() {
            s = format!(
                "{}[{}]: {}\n",
                d.severity.as_str(),
                d.code.as_str(),
                d.message
            );
        }
        out.push_str(&s);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// One line per diagnostic (`warning[code]: message (file:line:col)`): for commands whose
/// real output is something else and that only mention the warnings `fgc check` details.
pub fn short(source: &SourceFile, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let at = d.span().map(|s| {
            let (l, c) = source.line_col(s.start);
            format!(" ({}:{l}:{c})", source.file_at(s.start).name)
        });
        out.push_str(&format!(
            "{}[{}]: {}{}\n",
            d.severity.as_str(),
            d.code.as_str(),
            d.message,
            at.unwrap_or_default()
        ));
    }
    out
}

/// Counts across files, and the summary line ("2 errors, 1 warning in 1 file").
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn add(&mut self, diags: &[Diagnostic]) {
        self.files += 1;
        self.errors += diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        self.warnings += diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
    }

    pub fn line(&self) -> String {
        let plural = |n: usize, w: &str| {
            if n == 1 {
                format!("1 {w}")
            } else {
                format!("{n} {w}s")
            }
        };
        if self.errors == 0 && self.warnings == 0 {
            return format!("no problems in {}", plural(self.files, "file"));
        }
        format!(
            "{}, {} in {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.files, "file")
        )
    }
}

#[derive(Serialize)]
pub struct JsonLabel {
    pub message: String,
    pub primary: bool,
    /// When the label is in another file of the config than the diagnostic (an included one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
    pub span: JsonSpan,
}

#[derive(Serialize)]
pub struct JsonSpan {
    pub start: usize,
    pub end: usize,
}

/// One diagnostic in the stable JSON format (version 1).
#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub file: String,
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub span: Option<JsonSpan>,
    pub help: Option<String>,
    pub labels: Vec<JsonLabel>,
}

pub fn json_diagnostics(source: &SourceFile, diags: &[Diagnostic]) -> Vec<JsonDiagnostic> {
    diags
        .iter()
        .map(|d| {
            let global = d.span();
            let file = global.map_or(source, |s| source.file_at(s.start));
            let span = global.map(|s| source.locate(s).1);
            let start = global.map(|s| source.line_col(s.start));
            let end = global.map(|s| source.line_col(s.end));
            JsonDiagnostic {
                file: file.name.clone(),
                code: d.code.as_str(),
                severity: d.severity,
                message: d.message.clone(),
                line: start.map(|p| p.0),
                column: start.map(|p| p.1),
                end_line: end.map(|p| p.0),
                end_column: end.map(|p| p.1),
                span: span.map(|s| JsonSpan {
                    start: s.start,
                    end: s.end,
                }),
                help: d.help.clone(),
                labels: d
                    .labels
                    .iter()
                    .map(|l| {
                        let (line, column) = source.line_col(l.span.start);
                        let (f, local) = source.locate(l.span);
                        JsonLabel {
                            message: l.text.clone(),
                            primary: l.primary,
                            file: (!std::ptr::eq(f, file)).then(|| f.name.clone()),
                            line,
                            column,
                            span: JsonSpan {
                                start: local.start,
                                end: local.end,
                            },
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Serialize)]
pub struct JsonReport {
    pub version: u32,
    pub diagnostics: Vec<JsonDiagnostic>,
    pub summary: Summary,
}

/// GitHub Actions workflow commands, one line per diagnostic.
pub fn github(source: &SourceFile, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let file = d.span().map_or(source, |s| source.file_at(s.start));
        let mut props = format!("file={}", escape_property(&file.name));
        if let Some(s) = d.span() {
            let (l, c) = source.line_col(s.start);
            let (el, ec) = source.line_col(s.end);
            props.push_str(&format!(",line={l},col={c},endLine={el},endColumn={ec}"));
        }
        props.push_str(&format!(
            ",title={}",
            escape_property(&format!("fgc {}", d.code.as_str()))
        ));
        let mut msg = d.message.clone();
        if let Some(h) = &d.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        out.push_str(&format!("::{level} {props}::{}\n", escape_data(&msg)));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
