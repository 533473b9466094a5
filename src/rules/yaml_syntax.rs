//! ## What it does
//! Reports text that is not valid YAML, or YAML that exceeds fgc's limits (nesting deeper than
//! 64 levels, alias expansion beyond a budget, as in a "billion laughs" file).
//!
//! ## Why it matters
//! Nothing else can be checked until the file parses. The limits keep a hostile or broken file
//! from taking unbounded time or memory in a pre-commit hook.
//!
//! ## Example
//! ```yaml
//! litellm_base:
//!   model_list: [
//! ```
//!
//! ## How to fix
//! Fix the syntax at the marked place. JSON is valid YAML: the flow style of the FlowGate docs
//! (`{"litellm_base": {...}}`) is accepted as is.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::yaml::ParseError;

pub fn diagnostic(e: &ParseError) -> Diagnostic {
    Diagnostic::new(Code::YamlSyntax, format!("invalid YAML: {}", e.message))
        .primary(e.span, "here")
}
