//! The config area: the file checked as `fgc check --profile P` does, with the secrets
//! required (doctor checks a setup that runs). Each diagnostic is one line; the secret
//! diagnostics (absent, empty or too open) are listed under secrets instead, where the fixes
//! for files and variables are.

use super::{Area, Check, DoctorError, Options, Status};
use crate::check::{check_loaded, check_path};
use crate::diag::{Code, Diagnostic, Severity};
use crate::load::{self, Loaded};
use crate::rules::{CheckOptions, Secrets};
use crate::source::SourceFile;

/// The codes the secrets area lists.
pub const SECRET_CODES: [Code; 3] = [
    Code::MissingSecret,
    Code::EmptySecret,
    Code::SecretFilePermissions,
];

/// Read and check the config for the profile doctor uses (`--profile`, else the default
/// one). An unreadable file or an ambiguous profile is an error (exit 2).
pub fn load(opts: &Options) -> Result<(Loaded, Option<String>), DoctorError> {
    let path = &opts.config;
    let loaded = match SourceFile::read(path) {
        Ok(source) => load::load(source),
        // Too large or not UTF-8: the diagnostics `fgc check` gives; I/O: an error.
        Err(_) => return Ok((check_path(path, &CheckOptions::default())?, None)),
    };
    let profile = match &loaded.model {
        Some(m) => match m.select_profile(opts.profile.as_deref()) {
            // An unknown `default_profile` is reported by the checks as such.
            Ok(p) if opts.profile.is_none() && p.is_some_and(|p| !m.profiles.contains_key(p)) => {
                None
            }
            Ok(p) => p.map(str::to_string),
            Err(source) => {
                return Err(DoctorError::Profile {
                    file: loaded.source.name.clone(),
                    source,
                });
            }
        },
        None => opts.profile.clone(),
    };
    let check = CheckOptions {
        profile: profile.clone(),
        secrets: Secrets::Required,
        ..CheckOptions::default()
    };
    Ok((check_loaded(loaded, &check), profile))
}

/// One check per diagnostic outside [`SECRET_CODES`], or one passing check.
pub fn checks(loaded: &Loaded) -> Vec<Check> {
    let mut out: Vec<Check> = loaded
        .diagnostics
        .iter()
        .filter(|d| !SECRET_CODES.contains(&d.code))
        .map(|d| diagnostic(loaded, d))
        .collect();
    if out.is_empty() {
        out.push(Check::new(
            Area::Config,
            "check",
            Status::Pass,
            format!("{} checks clean", loaded.source.name),
        ));
    }
    out
}

/// A diagnostic as a check: the code is the subject, the location follows the message, and
/// the checker's help is the fix.
fn diagnostic(loaded: &Loaded, d: &Diagnostic) -> Check {
    let at = d
        .span()
        .map(|s| {
            let (l, c) = loaded.source.line_col(s.start);
            format!(" ({}:{l}:{c})", loaded.source.name)
        })
        .unwrap_or_default();
    let status = match d.severity {
        Severity::Error => Status::Fail,
        Severity::Warning => Status::Warn,
    };
    Check::new(Area::Config, "check", status, format!("{}{at}", d.message))
        .subject(d.code.as_str())
        .fix(
            d.help
                .clone()
                .unwrap_or_else(|| format!("fgc explain {}", d.code.as_str())),
        )
}
