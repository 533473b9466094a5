//! The front end: a source file to a checked model, collecting every structural diagnostic.
//!
//! text --serde-saphyr--> spanned `Node` tree --> duplicate keys
//!                                            --> JSON --jsonschema--> structural errors
//!                                            --serde--> raw `Config` --> `Model` (symbol tables)

use crate::diag::Diagnostic;
use crate::model::Model;
use crate::model::raw::Config;
use crate::rules;
use crate::source::SourceFile;
use crate::yaml::{self, Node};

/// A loaded file: its text, its tree, its model when the structure was valid, and the
/// diagnostics found so far.
#[derive(Debug)]
pub struct Loaded {
    pub source: SourceFile,
    pub node: Option<Node>,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub(crate) fn new(
        source: SourceFile,
        node: Option<Node>,
        model: Option<Model>,
        diagnostics: Vec<Diagnostic>,
    ) -> Self {
        Loaded {
            source,
            node,
            model,
            diagnostics,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and structurally validate `source`. Semantic rules are run by [`crate::check`].
pub fn load(source: SourceFile) -> Loaded {
    let timer = Timer::start();
    let bom = source.bom_len();
    let node = match yaml::parse(&source.text[bom..], bom) {
        Ok(n) => n,
        Err(e) => {
            let d = rules::yaml_syntax::diagnostic(&e);
            return Loaded::new(source, None, None, vec![d]);
        }
    };
    timer.mark("parse");
    let mut dups = Vec::new();
    node.duplicate_keys(&mut dups);
    let mut diagnostics: Vec<Diagnostic> =
        dups.iter().map(rules::duplicate_key::diagnostic).collect();
    timer.mark("duplicates");

    // Fast path: a document that deserializes into the typed model is structurally valid
    // (the schema is generated from the same types). Only when it does not is the JSON
    // Schema run, so that one run reports every structural problem, not serde's first.
    let typed = if matches!(node.kind, yaml::NodeKind::Null) {
        Ok(Config::default())
    } else {
        yaml::de::from_node::<Config>(&node)
    };
    let mut model = None;
    match typed {
        Ok(config) if diagnostics.is_empty() => {
            model = Some(Model::build(config, source.dir(), &node))
        }
        Ok(_) => {}
        Err(e) => {
            let found = rules::schema_errors::diagnostics(&node, &node.to_json());
            if found.is_empty() {
                diagnostics.push(rules::schema_errors::from_de_error(&node, &e));
            }
            diagnostics.extend(found);
        }
    }
    timer.mark("typed model");
    Loaded::new(source, Some(node), model, diagnostics)
}

/// Phase timings on stderr when `FGC_TIMINGS` is set (for performance work).
pub struct Timer(Option<std::time::Instant>);

impl Timer {
    pub fn start() -> Self {
        Timer(std::env::var_os("FGC_TIMINGS").map(|_| std::time::Instant::now()))
    }

    pub fn mark(&self, phase: &str) {
        if let Some(t) = self.0 {
            eprintln!(
                "fgc timing: {phase:<16} {:>8.2} ms",
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}
