//! The front end: a source file to a checked model, collecting every structural diagnostic.
//!
//! text --serde-saphyr--> spanned `Node` tree --> duplicate keys
//!                                            --> JSON --jsonschema--> structural errors
//!                                            --serde--> raw `Config` --> `Model` (symbol tables)

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::model::Model;
use crate::model::raw::Config;
use crate::rules;
use crate::source::SourceFile;
use crate::yaml::{self, Node};

/// A loaded file: its text, its tree and JSON form, its model when the structure was valid,
/// and the diagnostics found so far.
#[derive(Debug)]
pub struct Loaded {
    pub source: SourceFile,
    pub node: Option<Node>,
    /// The document as JSON (for emitters: the blocks LiteLLM reads, with unknown keys).
    pub doc: Value,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and structurally validate `source`. Semantic rules are run by [`crate::check`].
pub fn load(source: SourceFile) -> Loaded {
    let mut diagnostics = Vec::new();
    let bom = source.bom_len();
    let node = match yaml::parse(&source.text[bom..], bom) {
        Ok(n) => n,
        Err(e) => {
            diagnostics.push(rules::yaml_syntax::diagnostic(&e));
            return Loaded {
                source,
                node: None,
                doc: Value::Null,
                model: None,
                diagnostics,
            };
        }
    };
    let mut dups = Vec::new();
    node.duplicate_keys(&mut dups);
    diagnostics.extend(dups.iter().map(rules::duplicate_key::diagnostic));

    let mut doc = node.to_json();
    if doc.is_null() {
        // An empty file is an empty configuration.
        doc = Value::Object(Default::default());
    }
    diagnostics.extend(rules::schema_errors::diagnostics(&node, &doc));

    let mut model = None;
    if !diagnostics.iter().any(Diagnostic::is_error) {
        let typed = if matches!(node.kind, yaml::NodeKind::Null) {
            Ok(Config::default())
        } else {
            yaml::de::from_node::<Config>(&node)
        };
        match typed {
            Ok(config) => model = Some(Model::build(config)),
            Err(e) => diagnostics.push(rules::schema_errors::from_de_error(&node, &e)),
        }
    }
    Loaded {
        source,
        node: Some(node),
        doc,
        model,
        diagnostics,
    }
}
