//! The report as text (one line per check under its area, the fix on the line below) and as
//! JSON (versioned: [`super::FORMAT_VERSION`]).

use serde::Serialize;

use super::{Area, Report, Status, Summary};

/// The report for a terminal or a log. `colour`: ANSI colours on the marks.
pub fn human(r: &Report, colour: bool) -> String {
    let mut out = String::new();
    let profile = match &r.profile {
        Some(p) => format!("profile {p}"),
        None => "no profile".to_string(),
    };
    out.push_str(&format!("fgc doctor: {} ({profile})", r.config));
    if let Some(g) = &r.gateway {
        out.push_str(&format!(", gateway {g}"));
    }
    if r.offline {
        out.push_str(", offline");
    }
    out.push('\n');
    for area in Area::ALL {
        let mut checks = r.checks.iter().filter(|c| c.area == area).peekable();
        if checks.peek().is_none() {
            continue;
        }
        out.push('\n');
        out.push_str(area.as_str());
        out.push('\n');
        for c in checks {
            out.push_str(&format!("  {} {}\n", mark(c.status, colour), c.message));
            if let (Some(fix), Status::Fail | Status::Warn) = (&c.fix, c.status) {
                out.push_str(&format!("      fix: {fix}\n"));
            }
        }
    }
    out.push('\n');
    out.push_str(&summary_line(&r.summary));
    out.push('\n');
    out
}

fn mark(s: Status, colour: bool) -> String {
    if !colour {
        return s.mark().to_string();
    }
    let code = match s {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Fail => "31",
        Status::Skip => "2",
    };
    format!("\x1b[{code}m{}\x1b[0m", s.mark())
}

/// `12 passed, 1 warning, 2 failed, 3 skipped`.
pub fn summary_line(s: &Summary) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    format!(
        "{} passed, {}, {} failed, {} skipped",
        s.passed,
        plural(s.warnings, "warning", "warnings"),
        s.failed,
        s.skipped
    )
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    config: &'a str,
    profile: Option<&'a str>,
    gateway: Option<&'a str>,
    offline: bool,
    checks: Vec<JsonCheck<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    id: String,
    area: Area,
    subject: Option<&'a str>,
    status: Status,
    message: &'a str,
    fix: Option<&'a str>,
}

/// The report as pretty-printed JSON: `version`, `config`, `profile`, `gateway`, `offline`,
/// `checks` (`id`, `area`, `subject`, `status`: pass/warn/fail/skip, `message`, `fix`) and
/// `summary` (`passed`, `warnings`, `failed`, `skipped`).
pub fn json(r: &Report) -> String {
    let report = JsonReport {
        version: r.version,
        config: &r.config,
        profile: r.profile.as_deref(),
        gateway: r.gateway.as_deref(),
        offline: r.offline,
        checks: r
            .checks
            .iter()
            .map(|c| JsonCheck {
                id: c.id(),
                area: c.area,
                subject: c.subject.as_deref(),
                status: c.status,
                message: &c.message,
                fix: c.fix.as_deref(),
            })
            .collect(),
        summary: r.summary,
    };
    serde_json::to_string_pretty(&report).expect("a report serialises")
}
