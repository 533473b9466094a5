//! One module per subcommand. Each exposes `Args` (clap) and `run(Args) -> u8` (exit code).

pub mod check;
pub mod emit;
pub mod explain;
pub mod rename;
pub mod schema;
pub mod serve;
