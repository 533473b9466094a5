//! Where emitted text goes: atomic file writes that keep (or tighten) the mode (the one
//! writer, [`crate::write`], shared with `fgc rename`), `--check` comparisons with a unified
//! diff, and redaction of secrets in what is shown ([`crate::secrets::redact`]).

pub use crate::secrets::redact;
pub use crate::write::{SECRET_MODE, mode_of, read_optional, write_atomic};
// The writer's helpers, where this module's callers and tests have always found them.
#[allow(unused_imports)]
pub(crate) use crate::write::{existing_mode, real_target, set_mode};

/// A unified diff from `old` to `new`, empty when they are equal.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_plain_and_escaped() {
        let r = redact("a sk-\"x\" b \"sk-\\\"x\\\"\"", &["sk-\"x\"".into()]);
        assert_eq!(r, "a <redacted> b \"<redacted>\"");
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_modes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_atomic(&p, "a", false).unwrap();
        assert_eq!(mode_of(&p), Some(0o644));
        set_mode(&p, 0o640).unwrap();
        write_atomic(&p, "b", false).unwrap();
        assert_eq!(mode_of(&p), Some(0o640));
        write_atomic(&p, "c", true).unwrap();
        assert_eq!(mode_of(&p), Some(0o600));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "c");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
