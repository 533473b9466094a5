//! The configuration model: `raw` (as written, with spans) and `checked` (symbol tables).

pub mod checked;
pub mod duration;
pub mod raw;
pub mod upstream;
pub mod view;

pub use checked::{AliasRef, Model, RefSite, Scope};
