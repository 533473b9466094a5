//! Where emitted text goes: atomic file writes that keep (or tighten) the mode, `--check`
//! comparisons with a unified diff, and redaction of secrets in what is shown.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Mode of a new file that holds no secret.
const NEW_FILE_MODE: u32 = 0o644;
/// Mode of any file that holds a resolved secret.
pub const SECRET_MODE: u32 = 0o600;

/// The path a write to `path` really replaces: the target of a symlink (so a dotfile kept
/// in a repository and linked into `~` stays linked), else `path`.
fn real_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Write `content` to `path` atomically: a temporary file in the same folder, then rename.
/// The mode is 0600 when `secret`, else the existing file's mode, else 0644.
pub fn write_atomic(path: &Path, content: &str, secret: bool) -> std::io::Result<()> {
    let target = real_target(path);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let existing = existing_mode(&target);
    let mode = if secret {
        SECRET_MODE
    } else {
        existing.unwrap_or(NEW_FILE_MODE)
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".fgc-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    // The temp file is created 0600, so a secret is never readable by others in between.
    tmp.write_all(content.as_bytes())?;
    tmp.as_file().sync_all()?;
    set_mode(tmp.path(), mode)?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn existing_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn existing_mode(_path: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// The mode of `path` (for tests and messages).
pub fn mode_of(path: &Path) -> Option<u32> {
    existing_mode(path)
}

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

/// `text` with every secret in `secrets` replaced by `<redacted>` (also in JSON/YAML
/// escaped form), for output a user did not ask to see secrets in.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    let mut all: Vec<String> = Vec::new();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        all.push(s.clone());
        if let Ok(q) = serde_json::to_string(s) {
            all.push(q[1..q.len() - 1].to_string());
        }
    }
    // Longest first, so a secret that contains another is replaced whole.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    all.dedup();
    for s in all {
        out = out.replace(&s, "<redacted>");
    }
    out
}

/// Read a file for `--check` / `--merge`: `Ok(None)` when it does not exist.
pub fn read_optional(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
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
