//! The one way fgc writes a file it generates or edits (`fgc emit -o`, `--merge --write`,
//! `fgc rename --write`):
//!
//! - atomically: the new text goes to a temporary file beside the file it replaces (same
//!   folder, so the rename cannot cross file systems), synced, then renamed over it;
//! - through symlinks: a link is followed to the file it points to, which is the one
//!   replaced (or created, for a link to a file that does not exist yet), so a dotfile kept in
//!   a repository and linked into `~` stays linked and current; a loop of links is an error;
//! - keeping the mode: the replaced file's mode, 0644 for a new file, 0600 when the text
//!   holds a secret (the temporary file is 0600 from the start, so a secret is never
//!   readable by others in between);
//! - refusing to lose an edit: a file fgc read, changed and is about to replace is read again
//!   first, and when it no longer holds what was read, nothing is written;
//! - all or nothing for several files: every temporary file is written before the first
//!   rename, and when a later rename fails the files already replaced get their old text
//!   back and the files the batch created are removed.

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

/// Symlinks followed one by one at most this many times (Linux's own limit).
const MAX_LINKS: usize = 40;

/// The path a write to `path` really replaces: the file it names with every symlink followed,
/// so that a link is written through, never replaced. A link to a file that does not exist
/// yet is followed too (the file is created where it points, and the link stays); a path that
/// is not a link and does not exist is itself. A loop of links is an error.
pub fn real_target(path: &Path) -> std::io::Result<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Ok(p);
    }
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::read_link(&p) {
            // Relative to the link's folder; `join` keeps an absolute target as it is.
            Ok(to) => p = p.parent().unwrap_or(Path::new("")).join(to),
            // Not a link (or not there): the file to write.
            Err(_) => return Ok(p),
        }
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links in a row (a loop?)"
    )))
}

/// Write `content` to `path` atomically (see the module), whatever the file holds now. The
/// mode is 0600 when `secret`, else the existing file's mode, else 0644.
pub fn write_atomic(path: &Path, content: &str, secret: bool) -> std::io::Result<()> {
    let file = Replace {
        path,
        expect: Expect::Any,
        text: content,
        secret,
    };
    replace_all(&[file]).map_err(|e| match e {
        WriteError::Io { source, .. } => source,
        changed @ WriteError::Changed { .. } => std::io::Error::other(changed.to_string()),
    })
}

/// Replace every file in `files`, all or none (see the module).
pub fn replace_all(files: &[Replace<'_>]) -> Result<(), WriteError> {
    let io = |f: &Replace<'_>| {
        let path = f.path.to_path_buf();
        move |source| WriteError::Io { path, source }
    };
    let mut targets = Vec::with_capacity(files.len());
    for f in files {
        targets.push(real_target(f.path).map_err(io(f))?);
    }
    let mut staged = Vec::with_capacity(files.len());
    for (f, target) in files.iter().zip(&targets) {
        staged.push(stage(target, f.text, f.secret).map_err(io(f))?);
    }
    // Last look before the first rename: an editor may have saved in the meantime.
    for (f, target) in files.iter().zip(&targets) {
        unchanged(f, target)?;
    }
    let mut done: Vec<(&Replace<'_>, &PathBuf)> = Vec::new();
    for ((f, target), tmp) in files.iter().zip(&targets).zip(staged) {
        if let Err(e) = tmp.persist(target) {
            // Put back what was replaced: the text read before, or no file at all. (A file
            // expected to hold anything was not read, and cannot be put back; only a single
            // generated file is written so.)
            for (d, t) in done {
                match d.expect {
                    Expect::Text(before) => {
                        if let Ok(back) = stage(t, before, d.secret) {
                            let _ = back.persist(t);
                        }
                    }
                    Expect::Absent => {
                        let _ = std::fs::remove_file(t);
                    }
                    Expect::Any => {}
                }
            }
            return Err(io(f)(e.error));
        }
        done.push((f, target));
    }
    Ok(())
}

fn unchanged(f: &Replace<'_>, target: &Path) -> Result<(), WriteError> {
    let before = match f.expect {
        // Not read: a generated file replaces whatever is there, even bytes that are not text.
        Expect::Any => return Ok(()),
        Expect::Text(before) => Some(before),
        Expect::Absent => None,
    };
    let now = read_optional(target).map_err(|source| WriteError::Io {
        path: f.path.to_path_buf(),
        source,
    })?;
    let same = now.as_deref() == before;
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
        let created = dir.path().join("created");
        let files = [
            Replace {
                path: &first,
                expect: Expect::Text("before"),
                text: "after",
                secret: false,
            },
            Replace {
                path: &created,
                expect: Expect::Absent,
                text: "new",
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
        assert!(
            !created.exists(),
            "a file the batch created is removed again"
        );
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

    #[test]
    fn a_generated_file_replaces_whatever_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.yaml");
        std::fs::write(&p, [0xff, 0xfe, 0x00]).unwrap();
        write_atomic(&p, "a: 1\n", false).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a: 1\n");
    }

    #[test]
    fn a_dangling_link_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.yaml");
        let chain = dir.path().join("chain.yaml");
        std::os::unix::fs::symlink("sub/real.yaml", &link).unwrap();
        std::os::unix::fs::symlink("link.yaml", &chain).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        write_atomic(&chain, "x: 1\n", true).unwrap();
        for l in [&link, &chain] {
            assert!(
                std::fs::symlink_metadata(l)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
        }
        let real = dir.path().join("sub/real.yaml");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "x: 1\n");
        assert_eq!(mode_of(&real), Some(SECRET_MODE));
        assert_eq!(real_target(&chain).unwrap(), real.canonicalize().unwrap());
    }

    #[test]
    fn a_loop_of_links_is_an_error_and_nothing_changes() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", &b).unwrap();
        let e = write_atomic(&a, "x", false).unwrap_err();
        assert!(e.to_string().contains("symbolic links"), "{e}");
        for l in [&a, &b] {
            assert!(
                std::fs::symlink_metadata(l)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
