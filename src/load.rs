//! The front end: a source file to a checked model, collecting every structural diagnostic.
//!
//! text --granit-parser--> spanned `Node` tree --> duplicate keys
//!                                            --serde--> raw `Config` --> `Model` (symbol tables)
//! and only when serde fails:                 --> JSON --jsonschema--> structural errors
//!                                            --> the offending values pruned, serde again, so
//!                                                the rules still run on the rest of the file

use crate::diag::Diagnostic;
use crate::include;
use crate::model::Model;
use crate::model::checked::Dialect;
use crate::model::raw::{Config, LitellmBase};
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
    /// Places left out of `model` (and of `node`) because they had structural errors, so the
    /// rules could run on the rest; each is reported already.
    pub pruned: Vec<Pruned>,
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
            pruned: Vec::new(),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and structurally validate `source`, a flowgate.yaml or a LiteLLM config (told apart
/// by [`Dialect::detect`]). Semantic rules are run by [`crate::check`].
pub fn load(source: SourceFile) -> Loaded {
    load_with(source, None, &include::read_from_disk)
}

/// [`load`], reading `source` as `dialect` when given, and included files with `read`.
pub fn load_with(
    mut source: SourceFile,
    dialect: Option<Dialect>,
    read: include::Reader<'_>,
) -> Loaded {
    let timer = Timer::start();
    let bom = source.bom_len();
    let mut node = match yaml::parse(&source.text[bom..], source.base + bom) {
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
    let dialect = dialect.unwrap_or_else(|| Dialect::detect(&node));
    // LiteLLM's `include`, merged into LiteLLM's config before anything reads it.
    let base = match dialect {
        Dialect::Litellm => Some(&mut node),
        Dialect::Flowgate => node.get_mut("litellm_base"),
    };
    if let Some(base) = base
        && base.get(include::INCLUDE_KEY).is_some()
    {
        include::resolve(base, &mut source, read, &mut diagnostics);
        timer.mark("includes");
    }

    // Fast path: a document that deserializes into the typed model is structurally valid
    // (the schema is generated from the same types). Only when it does not is the JSON
    // Schema run, so that one run reports every structural problem, not serde's first.
    let typed = typed(&node, dialect);
    let mut model = None;
    let mut pruned = Vec::new();
    match typed {
        // Duplicate keys are reported; the rules still run on what serde read.
        Ok(config) => model = Some(Model::build_as(config, source.dir(), &node, dialect)),
        Err(e) => {
            let (found, mut places) = schema_diagnostics(&node, dialect);
            if found.is_empty() {
                diagnostics.push(rules::schema_errors::from_de_error(&node, &e));
            }
            diagnostics.extend(found);
            places.extend(e.span);
            if let Some((tree, config, gone, more)) = recover(&node, places, dialect) {
                model = Some(Model::build_as(config, source.dir(), &tree, dialect));
                node = tree;
                pruned = gone;
                diagnostics.extend(more);
            }
        }
    }
    timer.mark("typed model");
    let mut loaded = Loaded::new(source, Some(node), model, diagnostics);
    loaded.pruned = pruned;
    loaded
}

/// The typed model of a tree: the whole flowgate.yaml, or a LiteLLM config as the
/// `litellm_base` of an otherwise empty flowgate.yaml (so every rule, the view and every
/// command read it the same way, with spans into the LiteLLM file).
fn typed(node: &Node, dialect: Dialect) -> Result<Config, yaml::de::DeError> {
    let empty = matches!(node.kind, yaml::NodeKind::Null);
    match dialect {
        Dialect::Flowgate if empty => Ok(Config::default()),
        Dialect::Flowgate => yaml::de::from_node::<Config>(node),
        Dialect::Litellm => {
            let base = if empty {
                LitellmBase::default()
            } else {
                yaml::de::from_node::<LitellmBase>(node)?
            };
            Ok(Config {
                litellm_base: Some(base),
                ..Config::default()
            })
        }
    }
}

/// Structural diagnostics from the schema (flowgate.yaml's; a LiteLLM config is validated as
/// its `litellm_base`), with the place of each.
fn schema_diagnostics(node: &Node, dialect: Dialect) -> (Vec<Diagnostic>, Vec<crate::span::Span>) {
    match dialect {
        Dialect::Flowgate => {
            rules::schema_errors::diagnostics_and_places(node, &node.to_json(), "")
        }
        Dialect::Litellm => rules::schema_errors::diagnostics_and_places(
            node,
            &serde_json::json!({ "litellm_base": node.to_json() }),
            LITELLM_PREFIX,
        ),
    }
}

/// Where a LiteLLM config sits in the pointers rules use (those of a flowgate.yaml).
const LITELLM_PREFIX: &str = "/litellm_base";

/// A place left out of the model because its value had a structural error.
#[derive(Clone, Debug)]
pub struct Pruned {
    /// JSON pointer of the place in the file as written.
    pub pointer: String,
    /// For a whole `model_list` entry: its `model_name`, which other places may name.
    pub model_name: Option<String>,
}

/// Rounds of pruning before giving up (each round removes every place the schema named).
const MAX_RECOVERY_ROUNDS: usize = 4;

/// What [`recover`] read: the tree without the pruned places, its typed config, what was left
/// out, and the problems found only once the first ones were out of the way.
type Recovered = (Node, Config, Vec<Pruned>, Vec<Diagnostic>);

/// Leave out the nodes at `places` and read the rest, a few rounds at most.
fn recover(node: &Node, mut places: Vec<crate::span::Span>, dialect: Dialect) -> Option<Recovered> {
    let at = match dialect {
        Dialect::Flowgate => "",
        Dialect::Litellm => LITELLM_PREFIX,
    };
    let mut tree = node.clone();
    let mut gone = Vec::new();
    let mut more = Vec::new();
    // Mappings that lost an entry: that they now miss a required key is no news.
    let mut parents = Vec::new();
    for _ in 0..MAX_RECOVERY_ROUNDS {
        if places.is_empty() || !prune(&mut tree, &places, at, &mut gone, &mut parents) {
            return None;
        }
        match typed(&tree, dialect) {
            Ok(config) => return Some((tree, config, gone, more)),
            Err(e) => {
                let (found, p) = schema_diagnostics(&tree, dialect);
                if found.is_empty() {
                    more.push(rules::schema_errors::from_de_error(&tree, &e));
                }
                // `diagnostics_and_places` gives one place per diagnostic, in order.
                for (d, at) in found.into_iter().zip(&p) {
                    if !(d.code == crate::diag::Code::MissingKey && parents.contains(at)) {
                        more.push(d);
                    }
                }
                places = p;
                places.extend(e.span);
            }
        }
    }
    None
}

/// Remove every map entry (by key or value span) and list item whose span is in `places`.
/// Returns whether anything was removed.
fn prune(
    node: &mut Node,
    places: &[crate::span::Span],
    at: &str,
    gone: &mut Vec<Pruned>,
    parents: &mut Vec<crate::span::Span>,
) -> bool {
    let mut removed = false;
    let span = node.span;
    match &mut node.kind {
        yaml::NodeKind::Map(entries) => {
            let before = entries.len();
            entries.retain(|(k, v)| {
                let hit = places.contains(&k.span) || places.contains(&v.span);
                if hit {
                    gone.push(Pruned {
                        pointer: format!("{at}/{}", escape(&k.key_text())),
                        model_name: None,
                    });
                    removed = true;
                }
                !hit
            });
            if entries.len() != before {
                parents.push(span);
            }
            for (k, v) in entries.iter_mut() {
                let p = format!("{at}/{}", escape(&k.key_text()));
                removed |= prune(v, places, &p, gone, parents);
            }
        }
        yaml::NodeKind::Seq(items) => {
            let mut i = 0;
            items.retain(|item| {
                let hit = places.contains(&item.span);
                if hit {
                    gone.push(Pruned {
                        pointer: format!("{at}/{i}"),
                        model_name: item
                            .get("model_name")
                            .and_then(Node::as_str)
                            .map(str::to_owned),
                    });
                    removed = true;
                }
                i += 1;
                !hit
            });
            for (i, item) in items.iter_mut().enumerate() {
                removed |= prune(item, places, &format!("{at}/{i}"), gone, parents);
            }
        }
        _ => {}
    }
    removed
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
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
