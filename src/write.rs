//! The one way fgc writes a file it generates or edits (`fgc emit -o`, `--merge --write`,
//! `fgc rename --write`):
//!
//! - atomically: the new text goes to a temporary file beside the file it replaces (same
//!   folder, so the rename cannot cross file systems), synced, then renamed over it;
//! - through symlinks: a link is followed to the file it points to, which is the one
//!   replaced, so a dotfile kept in a repository and linked into `~` stays linked and current;
//! - keeping the mode: the replaced file's mode, 0644 for a new file, 0600 when the text
//!   holds a secret (the temporary file is 0600 from the start, so a secret is never
//!   readable by others in between);
//! - refusing to lose an edit: a file fgc read, changed and is about to replace is read again
//!   first, and when it no longer holds what was read, nothing is written;
//! - all or nothing for several files: every temporary file is written before the first
//!   rename, and files already replaced are put back when a later rename fails.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Mode of a new file that holds no secret.
pub const NEW_FILE_MODE: u32 = 0o644;
/// Mode of any file that holds a resolved secret.
pub const SECRET_MODE: u32 = 0o600;

/// What the file is expected to hold just before it is replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect<'a> {
    /// Anything (a generated file written whole).
    Any,
    /// The text read earlier (an edit): refuse when it changed.
    Text(&'a str),
    /// Nothing: it did not exist when it was read; refuse when it appeared.
    Absent,
}

/// One file to replace.
#[derive(Clone, Copy, Debug)]
pub struct Replace<'a> {
    pub path: &'a Path,
    pub expect: Expect<'a>,
    pub text: &'a str,
    /// The text holds a secret: mode 0600.
    pub secret: bool,
}

/// Why a write did not happen. In every case no file was changed (for several files: the
/// ones already replaced were put back, best effort).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{} changed after fgc read it; nothing was written (run the command again)", path.display())]
    Changed { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl WriteError {
    pub fn path(&self) -> &Path {
        match self {
            WriteError::Changed { path } | WriteError::Io { path, .. } => path,
        }
    }
}

/// The path a write to `path` really replaces: the file it names with every symlink followed
/// (a link is replaced through, never over), else `path` itself when it does not exist yet or
/// is a dangling link.
pub fn real_target(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Write `content` to `path` atomically (see the module). The mode is 0600 when `secret`,
/// else the existing file's mode, else 0644.
pub fn write_atomic(path: &Path, content: &str, secret: bool) -> std::io::Result<()> {
    let target = real_target(path);
    let tmp = stage(&target, content, secret)?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// Replace every file in `files`, all or none (see the module).
pub fn replace_all(files: &[Replace<'_>]) -> Result<(), WriteError> {
    let targets: Vec<PathBuf> = files.iter().map(|f| real_target(f.path)).collect();
    let mut staged = Vec::with_capacity(files.len());
    for (f, target) in files.iter().zip(&targets) {
        staged.push(
            stage(target, f.text, f.secret).map_err(|source| WriteError::Io {
                path: f.path.to_path_buf(),
                source,
            })?,
        );
    }
    // Last look before the first rename: an editor may have saved in the meantime.
    for (f, target) in files.iter().zip(&targets) {
        unchanged(f, target)?;
    }
    let mut done: Vec<(&Replace<'_>, &PathBuf)> = Vec::new();
    for ((f, target), tmp) in files.iter().zip(&targets).zip(staged) {
        if let Err(e) = tmp.persist(target) {
            for (d, t) in done {
                if let Expect::Text(before) = d.expect
                    && let Ok(back) = stage(t, before, d.secret)
                {
                    let _ = back.persist(t);
                }
            }
            return Err(WriteError::Io {
                path: f.path.to_path_buf(),
                source: e.error,
            });
        }
        done.push((f, target));
    }
    Ok(())
}

fn unchanged(f: &Replace<'_>, target: &Path) -> Result<(), WriteError> {
    if f.expect == Expect::Any {
        return Ok(());
    }
    let now = read_optional(target).map_err(|source| WriteError::Io {
        path: f.path.to_path_buf(),
        source,
    })?;
    let same = match (f.expect, now.as_deref()) {
        (Expect::Any, _) | (Expect::Absent, None) => true,
        (Expect::Text(before), Some(now)) => before == now,
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(WriteError::Changed {
            path: f.path.to_path_buf(),
        })
    }
}

/// The text in a temporary file beside `target`, synced, with the mode it will have.
fn stage(target: &Path, content: &str, secret: bool) -> std::io::Result<NamedTempFile> {
    // The target's folder; a bare file name's parent is "", which names the current folder.
    let dir = target.parent().unwrap_or(Path::new(""));
    let mode = if secret {
        SECRET_MODE
    } else {
        existing_mode(target).unwrap_or(NEW_FILE_MODE)
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".fgc-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(content.as_bytes())?;
    tmp.as_file().sync_all()?;
    set_mode(tmp.path(), mode)?;
    Ok(tmp)
}

/// Read a file: `Ok(None)` when it does not exist.
pub fn read_optional(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The mode of an existing file (`None`: it does not exist, or the platform has no modes).
/// One body per function, with the platform's part inside, so that mutation testing on Unix
/// sees no function that is not compiled there.
pub(crate) fn existing_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Give `path` mode `mode` (nothing where the platform has no modes).
pub(crate) fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// The mode of `path` (for tests and messages).
pub fn mode_of(path: &Path) -> Option<u32> {
    existing_mode(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn through_a_link_keeping_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        std::fs::write(&real, "old").unwrap();
        set_mode(&real, 0o640).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let f = Replace {
            path: &link,
            expect: Expect::Text("old"),
            text: "new",
            secret: false,
        };
        replace_all(&[f]).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(mode_of(&real), Some(0o640));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn refuses_when_the_file_changed_or_appeared() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&a, "read").unwrap();
        std::fs::write(&b, "edited since").unwrap();
        let files = [
            Replace {
                path: &a,
                expect: Expect::Text("read"),
                text: "A",
                secret: false,
            },
            Replace {
                path: &b,
                expect: Expect::Text("read"),
                text: "B",
                secret: false,
            },
        ];
        let e = replace_all(&files).unwrap_err();
        assert!(matches!(e, WriteError::Changed { .. }), "{e}");
        assert_eq!(e.path(), b.as_path());
        assert_eq!(
            std::fs::read_to_string(&a).unwrap(),
            "read",
            "all or nothing"
        );
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "edited since");
        let c = dir.path().join("c");
        std::fs::write(&c, "appeared").unwrap();
        let f = Replace {
            path: &c,
            expect: Expect::Absent,
            text: "C",
            secret: true,
        };
        assert!(matches!(replace_all(&[f]), Err(WriteError::Changed { .. })));
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn modes_of_new_replaced_and_secret_files() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.yaml");
        write_atomic(&plain, "a: 1\n", false).unwrap();
        assert_eq!(
            mode_of(&plain),
            Some(NEW_FILE_MODE),
            "a new file without secrets"
        );
        let secret = dir.path().join("secret.env");
        write_atomic(&secret, "KEY=v\n", true).unwrap();
        assert_eq!(
            mode_of(&secret),
            Some(SECRET_MODE),
            "a new file with a secret"
        );
        // A replaced file keeps its mode, unless it now holds a secret.
        set_mode(&plain, 0o664).unwrap();
        write_atomic(&plain, "a: 2\n", false).unwrap();
        assert_eq!(mode_of(&plain), Some(0o664));
        write_atomic(&plain, "a: 3\n", true).unwrap();
        assert_eq!(mode_of(&plain), Some(SECRET_MODE));
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "a: 3\n");
        // Only the two files: the temporary files were renamed, none is left.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn absent_and_any_expectations_write() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new");
        let any = dir.path().join("any");
        std::fs::write(&any, "whatever was there").unwrap();
        let files = [
            Replace {
                path: &new,
                expect: Expect::Absent,
                text: "N",
                secret: false,
            },
            Replace {
                path: &any,
                expect: Expect::Any,
                text: "A",
                secret: false,
            },
        ];
        replace_all(&files).unwrap();
        assert_eq!(std::fs::read_to_string(&new).unwrap(), "N");
        assert_eq!(std::fs::read_to_string(&any).unwrap(), "A");
    }

    #[test]
    fn a_failed_rename_puts_back_the_files_already_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first");
        std::fs::write(&first, "before").unwrap();
        set_mode(&first, 0o640).unwrap();
        // A non-empty folder where the second file should go: renaming over it fails.
        let second = dir.path().join("second");
        std::fs::create_dir(&second).unwrap();
        std::fs::write(second.join("inside"), "x").unwrap();
        let files = [
            Replace {
                path: &first,
                expect: Expect::Text("before"),
                text: "after",
                secret: false,
            },
            Replace {
                path: &second,
                expect: Expect::Any,
                text: "S",
                secret: false,
            },
        ];
        let e = replace_all(&files).unwrap_err();
        assert!(matches!(e, WriteError::Io { .. }), "{e}");
        assert_eq!(e.path(), second.as_path());
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "before");
        assert_eq!(mode_of(&first), Some(0o640));
        assert!(second.join("inside").exists());
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn read_errors_are_not_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_optional(&dir.path().join("none")).unwrap(), None);
        assert!(read_optional(dir.path()).is_err(), "a folder");
        let bad = dir.path().join("bad");
        std::fs::write(&bad, [0xff, 0xfe]).unwrap();
        assert!(read_optional(&bad).is_err(), "not UTF-8");
    }
}
