//! One module per subcommand. Each exposes `Args` (clap) and `run(Args) -> u8` (exit code).

/// Exit codes, the same for every command. Only `commands/` maps results to them; library
/// errors say what kind of failure they are (for example [`crate::rename::ErrorKind`]).
pub mod exit {
    /// Success (warnings allowed).
    pub const OK: u8 = 0;
    /// The input is wrong; diagnostics were printed.
    pub const INPUT: u8 = 1;
    /// Usage or I/O error.
    pub const USAGE: u8 = 2;
}

/// The config file found in the working directory itself (see [`crate::config_path`]).
pub const DEFAULT_CONFIG: &str = crate::config_path::CANDIDATES[0];

/// The help of every command's `-c/--config`.
pub const CONFIG_HELP: &str = "The flowgate.yaml to use. Default: $FGC_CONFIG, else \
config/flowgate.yaml or flowgate.yaml in this folder or the nearest parent that has one, else \
$XDG_CONFIG_HOME/fgc/flowgate.yaml";

/// The config a command runs on ([`crate::config_path`]); when there is none, the error lists
/// every place fgc looked and the command exits 2.
pub fn config(flag: Option<std::path::PathBuf>) -> Result<std::path::PathBuf, u8> {
    match crate::config_path::Lookup::from_process(flag).locate() {
        Ok(found) => Ok(found.path),
        Err(e) => {
            eprintln!("error: {e}");
            Err(exit::USAGE)
        }
    }
}

/// Print why an edit of the config was refused (`fgc rename`, `fgc redirect`): the check
/// report that stopped it, when one did, then the error itself; returns `code`.
fn refuse(
    e: &dyn miette::Diagnostic,
    report: Option<&crate::rename::error::CheckReport>,
    code: u8,
) -> u8 {
    use std::io::Write;
    let colour = crate::render::stderr_colour();
    let mut text = String::new();
    if let Some(report) = report {
        text.push_str(&crate::render::human(
            &report.source,
            &report.diagnostics,
            colour,
        ));
    }
    if crate::render::handler(colour)
        .render_report(&mut text, e)
        .is_err()
    {
        text.push_str(&format!("error: {e}\n"));
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
    code
}

pub mod check;
pub mod doctor;
pub mod emit;
pub mod explain;
pub mod init;
pub mod redirect;
pub mod rename;
pub mod run;
pub mod schema;
pub mod serve;
pub mod usage;
