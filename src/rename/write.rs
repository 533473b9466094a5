//! Writing a set of files all or nothing.
//!
//! Each new text goes to a temporary file in the target's folder with the target's mode, and
//! only when every temporary file is written and synced are they renamed over the targets. If
//! a rename fails part way, the files already replaced are put back from the original text.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::error::RenameError;

/// One file to replace: its path, the text it had when read, the text to write.
pub struct Replace<'a> {
    pub path: &'a Path,
    pub before: &'a str,
    pub after: &'a str,
}

pub fn write_all(files: &[Replace<'_>]) -> Result<(), RenameError> {
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        staged.push(stage(f.path, f.after)?);
    }
    let mut done: Vec<&Replace<'_>> = Vec::new();
    for (f, tmp) in files.iter().zip(staged) {
        if let Err(e) = tmp.persist(f.path) {
            for d in done {
                // Best effort: the original text, written the same atomic way.
                if let Ok(t) = stage(d.path, d.before) {
                    let _ = t.persist(d.path);
                }
            }
            return Err(RenameError::Write {
                path: f.path.to_path_buf(),
                source: e.error,
            });
        }
        done.push(f);
    }
    Ok(())
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn stage(path: &Path, text: &str) -> Result<NamedTempFile, RenameError> {
    let err = |source| RenameError::Write {
        path: path.to_path_buf(),
        source,
    };
    let perms = fs::metadata(path).map_err(err)?.permissions();
    let mut tmp = NamedTempFile::new_in(dir_of(path)).map_err(err)?;
    tmp.write_all(text.as_bytes()).map_err(err)?;
    tmp.as_file().set_permissions(perms).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    Ok(tmp)
}
