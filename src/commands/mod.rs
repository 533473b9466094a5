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

/// The default configuration file, relative to the working directory.
pub const DEFAULT_CONFIG: &str = "config/flowgate.yaml";

pub mod check;
pub mod doctor;
pub mod emit;
pub mod explain;
pub mod redirect;
pub mod rename;
pub mod schema;
pub mod serve;
pub mod usage;
