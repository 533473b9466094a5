//! ## What it does
//! Reports a value the schema does not allow for other reasons than its type (a port outside
//! 0..65535, a negative timeout).
//!
//! ## Why it matters
//! Such values fail later, at start-up of a service, far from where they are written.
//!
//! ## Example
//! ```yaml
//! services:
//!   litellm: {host: 127.0.0.1, port: 70000}
//! ```
//!
//! ## How to fix
//! Use a value in the range named in the message.
