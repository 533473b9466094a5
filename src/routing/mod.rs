//! Scenario routing: which alias serves a request by what the request is (a background job,
//! deep thinking, a long context, a web search, an image, a subagent with its own model) and
//! by the Claude model family it names, so Claude Code works with no slot variables set.
//!
//! The table ([`Table`]) comes from the `routing` section of a profile's view
//! ([`crate::model::view::RoutingView`]); the decision ([`decide`]) is pure: it reads the
//! request through [`Probe`] (raw JSON fields, looked at only as far as each rule needs) and
//! returns which alias serves it and why. `fgc serve` runs it before the retry and fallback
//! walk; `fgc check` runs [`Table::choose`] over every kind of request to find routes that
//! none can reach; `fgc emit` asks it what a request naming each family gets.
//!
//! The order, first match wins (docs/routing.md has the reasons):
//!
//! 1. a subagent tag at the start of the system prompt (`<CCR-SUBAGENT-MODEL>` or
//!    `<FGC-SUBAGENT-MODEL>`) names the alias; the tag is removed before forwarding;
//! 2. a request that names a served name (an alias or a `model_group_alias` name) gets it:
//!    an explicit alias wins over every scenario;
//! 3. other names are routed when the table covers them: every Claude family id
//!    (`claude-opus-*`, `claude-3-5-haiku-*`, ...), and with `default` set every name. The
//!    scenarios, each only when a route is set for it: `long_context`, `image`,
//!    `web_search`, `background`, `think`; then the family's own alias, then `default`.
//!
//! A family's entry in `families` may set its own scenario routes; for a request of that
//! family they come before the top-level ones.

pub mod probe;

use serde_json::{Map, Value, json};

pub use probe::{Body, CountCache, FieldEdit, Probe, Protocol};

/// A Claude model family: the tiers Claude Code names (`ANTHROPIC_DEFAULT_*_MODEL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Opus,
    Sonnet,
    Haiku,
    Fable,
}

impl Family {
    pub const ALL: [Family; 4] = [Family::Opus, Family::Sonnet, Family::Haiku, Family::Fable];

    pub fn name(self) -> &'static str {
        match self {
            Family::Opus => "opus",
            Family::Sonnet => "sonnet",
            Family::Haiku => "haiku",
            Family::Fable => "fable",
        }
    }

    /// Its place in [`Family::ALL`] (and in [`Table::families`]).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The family a model id names: its words (split at every character that is not a
    /// letter or digit) include `claude` and, after it, a family name. Covers the dated and
    /// undated ids (`claude-haiku-4-5-20251001`, `claude-opus-4-8`), the older order
    /// (`claude-3-5-haiku-20241022`) and provider spellings (`anthropic/claude-sonnet-4-6`,
    /// `claude-sonnet-4-5@20250929`, `us.anthropic.claude-opus-4-1-20250805-v1:0`).
    pub fn of_model(name: &str) -> Option<Family> {
        let mut claude = false;
        for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word.eq_ignore_ascii_case("claude") {
                claude = true;
            } else if claude
                && let Some(f) = Family::ALL
                    .into_iter()
                    .find(|f| word.eq_ignore_ascii_case(f.name()))
            {
                return Some(f);
            }
        }
        None
    }

    /// The model ids of this family that Claude Code 2.1 can send to a gateway (its model
    /// table's gateway ids, and the undated haiku id of its small-fast slot). LiteLLM
    /// matches names exactly, so `fgc emit litellm` writes these as `model_group_alias`.
    pub fn claude_code_ids(self) -> &'static [&'static str] {
        match self {
            Family::Opus => &[
                "claude-opus-4-8",
                "claude-opus-4-7",
                "claude-opus-4-6",
                "claude-opus-4-5-20251101",
                "claude-opus-4-1-20250805",
                "claude-opus-4-20250514",
            ],
            Family::Sonnet => &[
                "claude-sonnet-5",
                "claude-sonnet-4-6",
                "claude-sonnet-4-5-20250929",
                "claude-sonnet-4-20250514",
                "claude-3-7-sonnet-20250219",
                "claude-3-5-sonnet-20241022",
            ],
            Family::Haiku => &[
                "claude-haiku-4-5-20251001",
                "claude-haiku-4-5",
                "claude-3-5-haiku-20241022",
            ],
            Family::Fable => &["claude-fable-5"],
        }
    }
}

/// A route key: `default` or one of the scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Default,
    Background,
    Think,
    LongContext,
    WebSearch,
    Image,
}

impl Key {
    pub const ALL: [Key; 6] = [
        Key::Default,
        Key::Background,
        Key::Think,
        Key::LongContext,
        Key::WebSearch,
        Key::Image,
    ];

    /// The scenarios in the order they are tried: what a model must be able to do first
    /// (hold the context, see the image, run the search), then what it is for (cheap
    /// background work, deep thinking).
    pub const SCENARIOS: [Key; 5] = [
        Key::LongContext,
        Key::Image,
        Key::WebSearch,
        Key::Background,
        Key::Think,
    ];

    /// The key as written in `routing`.
    pub fn name(self) -> &'static str {
        match self {
            Key::Default => "default",
            Key::Background => "background",
            Key::Think => "think",
            Key::LongContext => "long_context",
            Key::WebSearch => "web_search",
            Key::Image => "image",
        }
    }

    /// Its place in [`Key::ALL`] (and in [`Routes`]).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One place of the table: a top-level route (`family: None`) or a family's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entry {
    pub family: Option<Family>,
    pub key: Key,
}

impl Entry {
    pub const fn top(key: Key) -> Entry {
        Entry { family: None, key }
    }

    /// Where it is written: `routing.think`, `routing.families.haiku` (a family's alias),
    /// `routing.families.opus.think`.
    pub fn path(self) -> String {
        match (self.family, self.key) {
            (None, k) => format!("routing.{}", k.name()),
            (Some(f), Key::Default) => format!("routing.families.{}", f.name()),
            (Some(f), k) => format!("routing.families.{}.{}", f.name(), k.name()),
        }
    }
}

/// A reasoning effort level, lowest first. Anthropic `output_config.effort`, OpenAI
/// `reasoning.effort` / `reasoning_effort`; a thinking budget maps to one
/// ([`Effort::of_budget`]).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    Minimal,
    Low,
    Medium,
    High,
    Xhigh,
    Max,
}

impl Effort {
    pub fn parse(s: &str) -> Option<Effort> {
        Some(match s {
            "minimal" => Effort::Minimal,
            "low" => Effort::Low,
            "medium" => Effort::Medium,
            "high" => Effort::High,
            "xhigh" => Effort::Xhigh,
            "max" => Effort::Max,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Effort::Minimal => "minimal",
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
            Effort::Xhigh => "xhigh",
            Effort::Max => "max",
        }
    }

    /// The level of an Anthropic thinking budget: under 4,096 tokens `low`, under 16,384
    /// `medium` (the bands translation uses), under 32,000 `high`, else `max`. Claude Code
    /// asks models without adaptive thinking for 31,999 on every main request, the budget
    /// twin of its default effort `high`.
    pub fn of_budget(tokens: u64) -> Effort {
        match tokens {
            0..4_096 => Effort::Low,
            4_096..16_384 => Effort::Medium,
            16_384..32_000 => Effort::High,
            _ => Effort::Max,
        }
    }
}

/// `long_context_threshold` when not written (claude-code-router's default).
pub const DEFAULT_THRESHOLD: u64 = 60_000;
/// `think_effort` when not written: above Claude Code's default effort (`high`), so only
/// requests that ask for more (`/effort xhigh`, `--effort max`) count as thinking.
pub const DEFAULT_THINK_EFFORT: Effort = Effort::Xhigh;
/// `background_prompts` when not written: the start of Claude Code's title-generation
/// prompt, which it sends with the main model when no haiku slot variable is set.
pub const DEFAULT_BACKGROUND_PROMPTS: &[&str] = &["Generate a concise, sentence-case title"];

/// The six routes of the top level or of one family, by [`Key`].
pub type Routes = [Option<String>; 6];

/// A profile's routing table, resolved (defaults applied, the profile's overlay merged).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub routes: Routes,
    /// Per family: its own alias (`Key::Default`) and scenario routes.
    pub families: [Routes; 4],
    pub long_context_threshold: u64,
    pub think_effort: Effort,
    pub background_prompts: Vec<String>,
    /// Each background prompt as it appears inside a JSON string (for the prefilter).
    prompt_needles: Vec<Vec<u8>>,
}

impl Default for Table {
    fn default() -> Self {
        Table::new(
            Routes::default(),
            Default::default(),
            DEFAULT_THRESHOLD,
            DEFAULT_THINK_EFFORT,
            DEFAULT_BACKGROUND_PROMPTS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )
    }
}

impl Table {
    pub fn new(
        routes: Routes,
        families: [Routes; 4],
        long_context_threshold: u64,
        think_effort: Effort,
        background_prompts: Vec<String>,
    ) -> Table {
        let prompt_needles = background_prompts
            .iter()
            .map(|p| {
                let quoted = serde_json::to_vec(p).unwrap_or_default();
                quoted[1..quoted.len().saturating_sub(1).max(1)].to_vec()
            })
            .collect();
        Table {
            routes,
            families,
            long_context_threshold,
            think_effort,
            background_prompts,
            prompt_needles,
        }
    }

    /// The alias written at `e`.
    pub fn alias(&self, e: Entry) -> Option<&str> {
        let routes = match e.family {
            None => &self.routes,
            Some(f) => &self.families[f.index()],
        };
        routes[e.key.index()].as_deref()
    }

    /// The entry that gives a request of `family` its `key` route: the family's own, else
    /// the top level's.
    fn effective(&self, family: Option<Family>, key: Key) -> Option<Entry> {
        let own = family.map(|f| Entry {
            family: Some(f),
            key,
        });
        own.filter(|e| self.alias(*e).is_some())
            .or_else(|| Some(Entry::top(key)).filter(|e| self.alias(*e).is_some()))
    }

    /// Whether a name that is not served is routed: a Claude family id, or any name when
    /// `default` is set.
    pub fn covers(&self, family: Option<Family>) -> bool {
        family.is_some() || self.routes[Key::Default.index()].is_some()
    }

    /// The entry that serves a covered request of `family`: the first scenario with a route
    /// that `matches` says the request is (asked in order, only for scenarios with a route),
    /// else the family's alias, else `default`. `None`: nothing serves it.
    pub fn choose<E>(
        &self,
        family: Option<Family>,
        mut matches: impl FnMut(Key) -> Result<bool, E>,
    ) -> Result<Option<Entry>, E> {
        for key in Key::SCENARIOS {
            if let Some(e) = self.effective(family, key)
                && matches(key)?
            {
                return Ok(Some(e));
            }
        }
        let family_alias = family.map(|f| Entry {
            family: Some(f),
            key: Key::Default,
        });
        Ok(family_alias
            .filter(|e| self.alias(*e).is_some())
            .or_else(|| Some(Entry::top(Key::Default)).filter(|e| self.alias(*e).is_some())))
    }

    /// Every entry some request can reach: [`Table::choose`] run for each family (and for
    /// other names when `default` is set) and every combination of scenarios a request of
    /// it can match. A haiku request is always a background request; others are only when
    /// there are background prompts.
    pub fn reachable(&self) -> Vec<Entry> {
        let mut classes: Vec<Option<Family>> = Family::ALL.into_iter().map(Some).collect();
        if self.covers(None) {
            classes.push(None);
        }
        let mut out: Vec<Entry> = Vec::new();
        for family in classes {
            for bits in 0u32..(1 << Key::SCENARIOS.len()) {
                let has = |k: Key| {
                    let i = Key::SCENARIOS.iter().position(|s| *s == k).unwrap_or(0);
                    bits & (1 << i) != 0
                };
                let background = has(Key::Background);
                if family == Some(Family::Haiku) && !background {
                    continue;
                }
                if family != Some(Family::Haiku) && background && self.background_prompts.is_empty()
                {
                    continue;
                }
                let chosen = self.choose(family, |k| Ok::<bool, ()>(has(k)));
                if let Ok(Some(e)) = chosen
                    && !out.contains(&e)
                {
                    out.push(e);
                }
            }
        }
        out.sort();
        out
    }

    /// What a request naming `family` gets when it matches no scenario but the name's own
    /// (a haiku request is a background request): for `fgc emit`, which maps family names
    /// to aliases where a target cannot run scenarios.
    pub fn family_alias(&self, family: Family) -> Option<&str> {
        let chosen = self.choose(Some(family), |k| {
            Ok::<bool, ()>(k == Key::Background && family == Family::Haiku)
        });
        chosen.ok().flatten().and_then(|e| self.alias(e))
    }

    /// The table as `/health/readiness` lists it.
    pub fn to_json(&self) -> Value {
        let routes = |r: &Routes| {
            let mut m = Map::new();
            for k in Key::ALL {
                if let Some(a) = &r[k.index()] {
                    m.insert(k.name().into(), json!(a));
                }
            }
            m
        };
        let mut families = Map::new();
        for f in Family::ALL {
            let r = routes(&self.families[f.index()]);
            if !r.is_empty() {
                families.insert(f.name().into(), Value::Object(r));
            }
        }
        json!({
            "order": ["subagent", "alias", "long_context", "image", "web_search", "background", "think", "family", "default"],
            "routes": routes(&self.routes),
            "families": families,
            "long_context_threshold": self.long_context_threshold,
            "think_effort": self.think_effort.name(),
            "background_prompts": self.background_prompts,
        })
    }
}

/// Why a request went where it went (the usage record's `route`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// A subagent tag named the alias.
    Subagent,
    LongContext,
    Image,
    WebSearch,
    Background,
    Think,
    /// The alias of the Claude family the request names.
    Family,
    /// `routing.default`.
    Default,
}

impl Route {
    pub fn name(self) -> &'static str {
        match self {
            Route::Subagent => "subagent",
            Route::LongContext => "long_context",
            Route::Image => "image",
            Route::WebSearch => "web_search",
            Route::Background => "background",
            Route::Think => "think",
            Route::Family => "family",
            Route::Default => "default",
        }
    }

    fn of(e: Entry) -> Route {
        match (e.family, e.key) {
            (Some(_), Key::Default) => Route::Family,
            (None, Key::Default) => Route::Default,
            (_, Key::Background) => Route::Background,
            (_, Key::Think) => Route::Think,
            (_, Key::LongContext) => Route::LongContext,
            (_, Key::WebSearch) => Route::WebSearch,
            (_, Key::Image) => Route::Image,
        }
    }
}

/// A routed request.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The served name that answers (an alias; for a tag, possibly a group alias name).
    pub alias: String,
    pub route: Route,
    /// The table entry used (`None` for a tag).
    pub entry: Option<Entry>,
    /// A field of the body to replace before forwarding (the tag removed).
    pub edit: Option<FieldEdit>,
}

/// What [`decide`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The request names a served name and carries no tag: serve it as named.
    Explicit,
    Routed(Decision),
    /// The long-context rule needs the exact token count: call again with it.
    NeedCount,
    /// A Claude family id (or, with `default`, any name) that no route serves.
    Unrouted {
        family: Option<Family>,
    },
    /// Not served and not covered by the table.
    NotCovered,
    /// A subagent tag names something this gateway does not serve.
    UnknownTag {
        name: String,
    },
}

/// The long-context rule wants an exact count before it can answer.
#[derive(Debug)]
struct NeedCount;

/// Decide where `probe`'s request goes. `served` says whether a name is an alias or a
/// `model_group_alias` name; `exact_tokens` is the local count, when [`Outcome::NeedCount`]
/// asked for it.
pub fn decide<B: Body + ?Sized>(
    table: &Table,
    probe: &Probe<'_, B>,
    served: impl Fn(&str) -> bool,
    exact_tokens: Option<u64>,
) -> Outcome {
    if let Some(tag) = probe.tag() {
        return match tag.candidates().into_iter().find(|n| served(n)) {
            Some(name) => Outcome::Routed(Decision {
                alias: name.to_string(),
                route: Route::Subagent,
                entry: None,
                edit: Some(tag.edit),
            }),
            None => Outcome::UnknownTag {
                name: tag.name.clone(),
            },
        };
    }
    let model = probe.model();
    if served(model) {
        return Outcome::Explicit;
    }
    let family = Family::of_model(model);
    if !table.covers(family) {
        return Outcome::NotCovered;
    }
    let chosen = table.choose(family, |key| match key {
        Key::LongContext => {
            let t = table.long_context_threshold;
            match exact_tokens {
                Some(n) => Ok(n > t),
                None => match probe.estimate().side_of(t) {
                    Some(over) => Ok(over),
                    None => Err(NeedCount),
                },
            }
        }
        Key::Image => Ok(probe.has_image()),
        Key::WebSearch => Ok(probe.offers_web_search()),
        Key::Background => {
            Ok(family == Some(Family::Haiku) || probe.starts_with_background_prompt(table))
        }
        Key::Think => Ok(probe.effort().is_some_and(|e| e >= table.think_effort)),
        Key::Default => Ok(false),
    });
    match chosen {
        Err(NeedCount) => Outcome::NeedCount,
        Ok(None) => Outcome::Unrouted { family },
        Ok(Some(entry)) => Outcome::Routed(Decision {
            alias: table.alias(entry).unwrap_or_default().to_string(),
            route: Route::of(entry),
            entry: Some(entry),
            edit: None,
        }),
    }
}

#[cfg(test)]
mod tests;
