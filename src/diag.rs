//! Diagnostics: what fgc reports, independent of how it is rendered.

use crate::rules::Code;
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A labelled span. The primary label is the text the diagnostic is about; secondary labels
/// show the other side (the definition, the first duplicate, the rest of a cycle).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
    pub primary: bool,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn primary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
            primary: true,
        });
        self
    }

    pub fn secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
            primary: false,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The span the diagnostic is about (the first primary label), if any.
    pub fn span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map(|l| l.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The closest candidate to `name` by edit distance, if it is close enough to be a typo.
///
/// Cheap enough for large configs: candidates whose length differs too much are skipped
/// before the distance is computed, so a miss costs a length compare per candidate.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let n = name.chars().count();
    let max = (n / 4).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        let c = cand.len();
        if c.abs_diff(name.len()) > max * 4 || cand == name {
            continue;
        }
        if cand.chars().count().abs_diff(n) > max {
            continue;
        }
        let d = strsim::damerau_levenshtein(name, cand);
        if d <= max && best.is_none_or(|(bd, bc)| d < bd || (d == bd && cand < bc)) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos_only() {
        let c = ["router-main", "router-fast", "gpt"];
        assert_eq!(did_you_mean("router-mian", c), Some("router-main"));
        assert_eq!(did_you_mean("router-default", c), None);
        assert_eq!(did_you_mean("gtp", c), Some("gpt"));
    }
}
