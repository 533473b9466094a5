//! What a run did, per upstream and per standard name, as the summary that ends it.

use super::upstreams::Upstream;

/// Why a standard name was not mapped, worst last (the summary names the worst reason seen on
/// any upstream).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    NotFound,
    AlreadyUsed,
    Ambiguous,
}

impl Reason {
    fn describe(self) -> &'static str {
        match self {
            Reason::NotFound => "not found",
            Reason::AlreadyUsed => "already used",
            Reason::Ambiguous => "ambiguous",
        }
    }
}

/// An upstream that was listed and matched.
#[derive(Clone, Debug, Default)]
pub struct Updated {
    /// Model ids the upstream listed.
    pub listed: usize,
    /// Ids left out because they cannot be a model name (control characters, too long).
    pub ignored: usize,
    /// Entries generated.
    pub mapped: usize,
    /// Of those, standard names the upstream serves as they are.
    pub exact: usize,
    /// Standard names already served by a hand-written entry on this upstream.
    pub hand_written: usize,
    pub not_found: usize,
    /// Standard name and its candidates at the same distance.
    pub ambiguous: Vec<(String, Vec<String>)>,
    /// Standard name, the model it would take, and the standard name that has it.
    pub used: Vec<(String, String, String)>,
    /// Generated entries this run replaces.
    pub replaced: usize,
}

#[derive(Clone, Debug)]
pub enum Status {
    Updated(Updated),
    /// Listing failed; the upstream's `kept` generated entries stay as they are.
    Failed {
        reason: String,
        kept: usize,
    },
    /// Not mapped on purpose (its key is written literally).
    Skipped {
        reason: String,
        kept: usize,
    },
}

#[derive(Clone, Debug)]
pub struct UpstreamReport {
    pub name: String,
    pub url: String,
    pub status: Status,
}

impl UpstreamReport {
    pub fn new(u: &Upstream, status: Status) -> Self {
        UpstreamReport {
            name: u.name.clone(),
            url: u.base_url.clone(),
            status,
        }
    }
}

/// The whole run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub upstreams: Vec<UpstreamReport>,
    /// Standard names mapped on no upstream that was listed, with the worst reason.
    pub unmatched: Vec<(String, Reason)>,
    pub notes: Vec<String>,
    /// Entries written and removed.
    pub added: usize,
    pub removed: usize,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Report {
    /// Upstreams whose models could not be listed.
    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed { .. }))
    }

    pub fn updated(&self) -> usize {
        self.count(|s| matches!(s, Status::Updated(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, Status::Skipped { .. }))
    }

    fn count(&self, f: impl Fn(&Status) -> bool) -> usize {
        self.upstreams.iter().filter(|u| f(&u.status)).count()
    }

    /// The summary, one upstream per paragraph, then the unmatched names and the totals.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for u in &self.upstreams {
            let head = format!("upstream {} ({})", u.name, u.url);
            match &u.status {
                Status::Updated(s) => {
                    let mut line = format!(
                        "{head}: {} listed; {} mapped ({} exact)",
                        plural(s.listed, "model", "models"),
                        s.mapped,
                        s.exact
                    );
                    if s.hand_written > 0 {
                        line.push_str(&format!(", {} already served by hand", s.hand_written));
                    }
                    if s.replaced > 0 {
                        line.push_str(&format!(
                            "; replaces {}",
                            plural(s.replaced, "generated entry", "generated entries")
                        ));
                    }
                    out.push_str(&line);
                    out.push('\n');
                    if s.ignored > 0 {
                        out.push_str(&format!(
                            "  ignored: {} not usable as a model name\n",
                            plural(s.ignored, "id", "ids")
                        ));
                    }
                    for (name, cands) in &s.ambiguous {
                        out.push_str(&format!(
                            "  ambiguous: {name} (candidates: {})\n",
                            cands.join(", ")
                        ));
                    }
                    for (name, actual, by) in &s.used {
                        out.push_str(&format!(
                            "  already used: {name} ({actual} is mapped to {by})\n"
                        ));
                    }
                }
                Status::Failed { reason, kept } | Status::Skipped { reason, kept } => {
                    let verb = if matches!(u.status, Status::Failed { .. }) {
                        "failed"
                    } else {
                        "skipped"
                    };
                    out.push_str(&format!(
                        "{head}: {verb}: {reason}; {} kept\n",
                        plural(*kept, "generated entry", "generated entries")
                    ));
                }
            }
        }
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        if !self.unmatched.is_empty() {
            out.push_str("standard names mapped on no listed upstream:\n");
            for reason in [Reason::Ambiguous, Reason::AlreadyUsed, Reason::NotFound] {
                let names: Vec<&str> = self
                    .unmatched
                    .iter()
                    .filter(|(_, r)| *r == reason)
                    .map(|(n, _)| n.as_str())
                    .collect();
                if !names.is_empty() {
                    out.push_str(&format!(
                        "  {} ({}): {}\n",
                        reason.describe(),
                        names.len(),
                        names.join(", ")
                    ));
                }
            }
        }
        let by = |r: Reason| self.unmatched.iter().filter(|(_, x)| *x == r).count();
        out.push_str(&format!(
            "summary: {} updated, {} failed, {} skipped; {} unmatched ({} not found, {} ambiguous, {} already used)\n",
            plural(self.updated(), "upstream", "upstreams"),
            self.failed(),
            self.skipped(),
            plural(self.unmatched.len(), "standard name", "standard names"),
            by(Reason::NotFound),
            by(Reason::Ambiguous),
            by(Reason::AlreadyUsed),
        ));
        out
    }
}
