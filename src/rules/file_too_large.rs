//! ## What it does
//! Refuses a file larger than 64 MiB before parsing it.
//!
//! ## Why it matters
//! A flowgate.yaml with 100,000 aliases is about 20 MiB. Anything far larger is not a
//! configuration (a log, a dump, a mistake in a pre-commit glob), and reading it would cost
//! time and memory for nothing.
//!
//! ## Example
//! ```text
//! $ fgc check big.yaml
//! error[file-too-large]: big.yaml is 104857600 bytes; fgc reads configuration files up to 67108864 bytes
//! ```
//!
//! ## How to fix
//! Point fgc at the configuration file itself.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::source::MAX_FILE_BYTES;

pub fn diagnostic(name: &str, bytes: u64) -> Diagnostic {
    Diagnostic::new(
        Code::FileTooLarge,
        format!(
            "{name} is {bytes} bytes; fgc reads configuration files up to {MAX_FILE_BYTES} bytes"
        ),
    )
    .help("check that this is the flowgate.yaml you meant")
}
