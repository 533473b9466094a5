//! Which flowgate.yaml a command runs on: `-c/--config`, else `FGC_CONFIG`, else
//! `config/flowgate.yaml` or `flowgate.yaml` in the working directory or the nearest parent
//! that has one (as git and cargo find their files), else the user's default
//! `$XDG_CONFIG_HOME/fgc/flowgate.yaml` (`~/.config/fgc/flowgate.yaml`).
//!
//! Relative paths inside the config (credential files) are relative to the config file, so a
//! config found in a parent folder means the same as when run from its own folder.

use std::ffi::OsString;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The variable naming the config when `-c` is not given.
pub const CONFIG_ENV: &str = "FGC_CONFIG";

/// The names looked for in each folder from the working directory up, in this order.
pub const CANDIDATES: [&str; 2] = ["config/flowgate.yaml", "flowgate.yaml"];

/// How the config was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `-c/--config`.
    Flag,
    /// `FGC_CONFIG`.
    Env,
    /// In the working directory or a parent.
    Found,
    /// `$XDG_CONFIG_HOME/fgc/flowgate.yaml`.
    UserDefault,
}

/// A config file and how it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// As the user gave it, or relative to the working directory when found by walking up
    /// (`config/flowgate.yaml`, `../flowgate.yaml`), or absolute for the user default.
    pub path: PathBuf,
    pub origin: Origin,
}

/// What discovery reads from the process: the flag, the variables and the working directory.
#[derive(Clone, Debug, Default)]
pub struct Lookup {
    pub flag: Option<PathBuf>,
    /// The value of `FGC_CONFIG`.
    pub env: Option<OsString>,
    /// The working directory (absolute).
    pub cwd: PathBuf,
    pub xdg_config_home: Option<OsString>,
    pub home: Option<OsString>,
}

/// No config anywhere: every place fgc looked, in order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct NotFound {
    pub looked: Vec<PathBuf>,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "no flowgate.yaml found. fgc looked for:")?;
        writeln!(f, "  -c/--config FILE      (not given)")?;
        writeln!(f, "  ${CONFIG_ENV}            (not set)")?;
        for p in &self.looked {
            writeln!(f, "  {}", p.display())?;
        }
        write!(
            f,
            "help: pass -c FILE, set {CONFIG_ENV}, or create one here with `fgc init`"
        )
    }
}

impl Lookup {
    /// The flag and this process's environment and working directory.
    pub fn from_process(flag: Option<PathBuf>) -> Lookup {
        Lookup {
            flag,
            env: std::env::var_os(CONFIG_ENV),
            cwd: std::env::current_dir().unwrap_or_default(),
            xdg_config_home: std::env::var_os("XDG_CONFIG_HOME"),
            home: std::env::var_os("HOME"),
        }
    }

    /// The user's default config: `$XDG_CONFIG_HOME/fgc/flowgate.yaml`, else
    /// `$HOME/.config/fgc/flowgate.yaml` (an empty or relative `XDG_CONFIG_HOME` is ignored,
    /// as the XDG spec says).
    pub fn user_default(&self) -> Option<PathBuf> {
        let xdg = self
            .xdg_config_home
            .as_ref()
            .map(PathBuf::from)
            .filter(|p| p.is_absolute());
        let base = xdg.or_else(|| {
            self.home
                .as_ref()
                .filter(|h| !h.is_empty())
                .map(|h| Path::new(h).join(".config"))
        })?;
        Some(base.join("fgc/flowgate.yaml"))
    }

    /// The config to run on. A file named by the flag or `FGC_CONFIG` is taken as given (a
    /// missing one is the command's read error, which names it); otherwise the first
    /// candidate that is a file.
    pub fn locate(&self) -> Result<Located, NotFound> {
        if let Some(p) = &self.flag {
            return Ok(Located {
                path: p.clone(),
                origin: Origin::Flag,
            });
        }
        if let Some(v) = self.env.as_ref().filter(|v| !v.is_empty()) {
            return Ok(Located {
                path: PathBuf::from(v),
                origin: Origin::Env,
            });
        }
        let mut looked = Vec::new();
        for (up, dir) in self.cwd.ancestors().enumerate() {
            for name in CANDIDATES {
                if dir.join(name).is_file() {
                    return Ok(Located {
                        path: relative_up(up, name),
                        origin: Origin::Found,
                    });
                }
                looked.push(dir.join(name));
            }
        }
        if let Some(p) = self.user_default() {
            if p.is_file() {
                return Ok(Located {
                    path: p,
                    origin: Origin::UserDefault,
                });
            }
            looked.push(p);
        }
        Err(NotFound { looked })
    }
}

/// `name` in the folder `up` levels above the working directory, as a relative path.
fn relative_up(up: usize, name: &str) -> PathBuf {
    let mut p = PathBuf::new();
    for _ in 0..up {
        p.push(Component::ParentDir.as_os_str());
    }
    p.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(cwd: &Path) -> Lookup {
        Lookup {
            cwd: cwd.to_path_buf(),
            ..Lookup::default()
        }
    }

    #[test]
    fn order_flag_env_walk_up_user_default() {
        let t = tempfile::tempdir().unwrap();
        let deep = t.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(t.path().join("a/config")).unwrap();
        let home = t.path().join("home");
        std::fs::create_dir_all(home.join(".config/fgc")).unwrap();
        std::fs::write(home.join(".config/fgc/flowgate.yaml"), "").unwrap();

        let mut l = lookup(&deep);
        l.home = Some(home.clone().into());
        // Nothing up the tree: the user default (the tree above the temp dir has none).
        let user = l.locate().unwrap();
        assert_eq!(user.origin, Origin::UserDefault);
        assert_eq!(user.path, home.join(".config/fgc/flowgate.yaml"));
        // A flowgate.yaml two levels up.
        std::fs::write(t.path().join("flowgate.yaml"), "").unwrap();
        assert_eq!(l.locate().unwrap().path, Path::new("../../flowgate.yaml"));
        // config/flowgate.yaml in a nearer folder wins; in the same folder it comes first.
        std::fs::write(t.path().join("a/config/flowgate.yaml"), "").unwrap();
        std::fs::write(t.path().join("a/flowgate.yaml"), "").unwrap();
        let found = l.locate().unwrap();
        assert_eq!(found.path, Path::new("../config/flowgate.yaml"));
        assert_eq!(found.origin, Origin::Found);
        // FGC_CONFIG, then the flag.
        l.env = Some("from-env.yaml".into());
        assert_eq!(l.locate().unwrap().origin, Origin::Env);
        l.flag = Some("flag.yaml".into());
        assert_eq!(l.locate().unwrap().path, Path::new("flag.yaml"));
    }

    #[test]
    fn not_found_lists_every_place() {
        let t = tempfile::tempdir().unwrap();
        let mut l = lookup(t.path());
        l.env = Some("".into());
        l.xdg_config_home = Some(t.path().join("xdg").into());
        l.home = Some(t.path().join("home").into());
        let e = l.locate().unwrap_err();
        assert_eq!(e.looked[0], t.path().join("config/flowgate.yaml"));
        assert_eq!(e.looked[1], t.path().join("flowgate.yaml"));
        assert_eq!(
            e.looked.last().unwrap(),
            &t.path().join("xdg/fgc/flowgate.yaml")
        );
        assert_eq!(e.looked.len(), 2 * t.path().ancestors().count() + 1);
        let text = e.to_string();
        assert!(
            text.contains("FGC_CONFIG") && text.contains("fgc init"),
            "{text}"
        );
        // A relative XDG_CONFIG_HOME is ignored (XDG spec): HOME's .config instead.
        l.xdg_config_home = Some("rel".into());
        let e = l.locate().unwrap_err();
        assert_eq!(
            e.looked.last().unwrap(),
            &t.path().join("home/.config/fgc/flowgate.yaml")
        );
    }
}
