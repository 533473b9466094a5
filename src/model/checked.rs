//! The checked model: symbol tables built from the raw model, and every alias reference.
//!
//! Rules, `rename`, the emitters and the server all read aliases through this table, so a
//! place that names an alias is known in exactly one spot: [`Model::build`].

use indexmap::IndexMap;

use super::raw::{
    Config, FallbackMap, FamilyRoute, GroupAliasTarget, LitellmSettings, RouterSettings, Routing,
};
use crate::routing::{Entry, Family, Key};
use crate::span::{Sp, Span};

/// Which settings block a value sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Block {
    Litellm,
    Router,
}

impl Block {
    pub fn key(self) -> &'static str {
        match self {
            Block::Litellm => "litellm_settings",
            Block::Router => "router_settings",
        }
    }
}

/// The kinds of fallback lists LiteLLM knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FallbackKind {
    Fallbacks,
    ContextWindow,
    ContentPolicy,
}

impl FallbackKind {
    pub const ALL: [FallbackKind; 3] = [
        FallbackKind::Fallbacks,
        FallbackKind::ContextWindow,
        FallbackKind::ContentPolicy,
    ];

    pub fn key(self) -> &'static str {
        match self {
            FallbackKind::Fallbacks => "fallbacks",
            FallbackKind::ContextWindow => "context_window_fallbacks",
            FallbackKind::ContentPolicy => "content_policy_fallbacks",
        }
    }
}

/// What kind of file a config is: fgc's `flowgate.yaml`, or a plain LiteLLM `config.yaml`
/// (read as the `litellm_base` of a flowgate.yaml without the other sections).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    #[default]
    Flowgate,
    Litellm,
}

impl Dialect {
    /// The dialect of a parsed file: LiteLLM's when its top level has a key LiteLLM reads
    /// (`model_list`, `litellm_settings`, `router_settings`, `general_settings`, `include`,
    /// ...) and none of flowgate.yaml's sections; else flowgate.yaml.
    pub fn detect(root: &crate::yaml::Node) -> Dialect {
        let crate::yaml::NodeKind::Map(entries) = &root.kind else {
            return Dialect::Flowgate;
        };
        let mut litellm = false;
        for (k, _) in entries {
            let Some(key) = k.as_str() else { continue };
            if super::raw::Config::SECTIONS.contains(&key) {
                return Dialect::Flowgate;
            }
            litellm |= crate::litellm::Block::TopLevel.knows(key);
        }
        if litellm {
            Dialect::Litellm
        } else {
            Dialect::Flowgate
        }
    }

    /// The JSON pointer of LiteLLM's config inside the file's own pointers: flowgate.yaml
    /// holds it under `/litellm_base`, a LiteLLM config is it.
    pub fn base_pointer(self) -> &'static str {
        match self {
            Dialect::Flowgate => "/litellm_base",
            Dialect::Litellm => "",
        }
    }
}

/// Where settings come from: the base, or one profile's overlay.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Base,
    Profile(String),
    Integration,
    /// The top-level `routing` section (a profile's `routing` has the profile's scope).
    Routing,
}

impl Scope {
    pub fn describe(&self) -> String {
        match self {
            Scope::Base => "litellm_base".into(),
            Scope::Profile(p) => format!("profiles.{p}"),
            Scope::Integration => "integration".into(),
            Scope::Routing => "routing".into(),
        }
    }
}

/// The kind of place an alias is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefSite {
    /// `model_list[].model_name`: the definition itself.
    ModelName,
    FallbackKey(Block, FallbackKind),
    FallbackTarget(Block, FallbackKind),
    DefaultFallback(Block),
    /// A `model_group_alias` key: an extra name for an alias.
    GroupAliasName,
    /// A `model_group_alias` value: the alias the extra name points to.
    GroupAliasTarget,
    DefaultModel,
    FastModel,
    CodexModel,
    ClaudeModel,
    ClaudeOpus,
    ClaudeSonnet,
    ClaudeHaiku,
    /// A model key of another client's `integration` block (its path, like
    /// `integration.opencode.small_model`).
    Client(&'static str),
    /// A route of the `routing` section.
    Route(Entry),
}

impl RefSite {
    /// Whether this place must name a defined alias (not define one).
    pub fn is_use(self) -> bool {
        !matches!(self, RefSite::ModelName | RefSite::GroupAliasName)
    }

    pub fn describe(self) -> String {
        match self {
            RefSite::ModelName => "model_name".into(),
            RefSite::FallbackKey(b, k) => format!("{}.{} key", b.key(), k.key()),
            RefSite::FallbackTarget(b, k) => format!("{}.{} target", b.key(), k.key()),
            RefSite::DefaultFallback(b) => format!("{}.default_fallbacks", b.key()),
            RefSite::GroupAliasName => "model_group_alias name".into(),
            RefSite::GroupAliasTarget => "model_group_alias target".into(),
            RefSite::DefaultModel => "integration.default_model".into(),
            RefSite::FastModel => "integration.fast_model".into(),
            RefSite::CodexModel => "integration.codex.model".into(),
            RefSite::ClaudeModel => "integration.claude_code.model".into(),
            RefSite::ClaudeOpus => "integration.claude_code.opus_model".into(),
            RefSite::ClaudeSonnet => "integration.claude_code.sonnet_model".into(),
            RefSite::ClaudeHaiku => "integration.claude_code.haiku_model".into(),
            RefSite::Client(path) => path.into(),
            RefSite::Route(e) => e.path(),
        }
    }
}

/// One place that names an alias.
#[derive(Clone, Debug)]
pub struct AliasRef {
    pub name: String,
    /// Where the name is written (for a YAML alias, the `*anchor` text).
    pub span: Span,
    /// The scalar that holds the name (the anchored text for a YAML alias).
    pub text_span: Span,
    pub site: RefSite,
    pub scope: Scope,
}

/// An alias: a `model_name` with one or more deployments.
#[derive(Clone, Debug)]
pub struct Alias {
    pub name: String,
    /// Index into `model_list` of each deployment.
    pub deployments: Vec<usize>,
    /// The span of each `model_name` that defines it.
    pub defs: Vec<Span>,
}

#[derive(Debug)]
pub struct Model {
    pub raw: Config,
    /// flowgate.yaml, or a plain LiteLLM config read as its `litellm_base`.
    pub dialect: Dialect,
    pub aliases: IndexMap<String, Alias>,
    /// `model_group_alias` names, by scope: extra names clients may also request.
    pub group_aliases: IndexMap<String, Span>,
    pub credentials: IndexMap<String, Span>,
    pub profiles: IndexMap<String, Span>,
    pub refs: Vec<AliasRef>,
    /// The folder credential files are relative to (the config file's).
    pub config_dir: std::path::PathBuf,
    /// The spans of section keys (`litellm_base`, `auth.providers`, ...), for diagnostics
    /// about a section as a whole.
    pub section_keys: IndexMap<String, Span>,
}

impl Model {
    pub fn build(raw: Config, config_dir: std::path::PathBuf, root: &crate::yaml::Node) -> Self {
        Self::build_as(raw, config_dir, root, Dialect::Flowgate)
    }

    /// [`Model::build`] for a file of `dialect` (a LiteLLM config's `raw` holds the file as
    /// its `litellm_base`).
    pub fn build_as(
        raw: Config,
        config_dir: std::path::PathBuf,
        root: &crate::yaml::Node,
        dialect: Dialect,
    ) -> Self {
        let mut section_keys = IndexMap::new();
        if let crate::yaml::NodeKind::Map(entries) = &root.kind {
            for (k, v) in entries {
                let name = k.key_text();
                if let crate::yaml::NodeKind::Map(inner) = &v.kind {
                    for (ik, _) in inner {
                        section_keys.insert(format!("{name}.{}", ik.key_text()), ik.span);
                    }
                }
                section_keys.insert(name, k.span);
            }
        }
        let mut m = Model {
            dialect,
            config_dir,
            section_keys,
            aliases: IndexMap::new(),
            group_aliases: IndexMap::new(),
            credentials: IndexMap::new(),
            profiles: IndexMap::new(),
            refs: Vec::new(),
            raw,
        };
        m.collect();
        m
    }

    fn collect(&mut self) {
        let raw = &self.raw;
        let mut refs = Vec::new();
        if let Some(creds) = raw.credentials.as_ref().and_then(|c| c.upstream.as_ref()) {
            for name in creds.keys() {
                self.credentials
                    .entry(name.value.clone())
                    .or_insert(name.span);
            }
        }
        if let Some(profiles) = &raw.profiles {
            for name in profiles.keys() {
                self.profiles.entry(name.value.clone()).or_insert(name.span);
            }
        }
        if let Some(base) = &raw.litellm_base {
            for (i, dep) in base.model_list.iter().flatten().enumerate() {
                let name = &dep.model_name;
                let alias = self
                    .aliases
                    .entry(name.value.clone())
                    .or_insert_with(|| Alias {
                        name: name.value.clone(),
                        deployments: Vec::new(),
                        defs: Vec::new(),
                    });
                alias.deployments.push(i);
                alias.defs.push(name.span);
                push(&mut refs, name, RefSite::ModelName, &Scope::Base);
            }
            settings_refs(
                &mut refs,
                base.litellm_settings.as_ref(),
                base.router_settings.as_ref(),
                &Scope::Base,
            );
        }
        if let Some(profiles) = &raw.profiles {
            for (name, p) in profiles {
                let scope = Scope::Profile(name.value.clone());
                settings_refs(
                    &mut refs,
                    p.litellm_settings.as_ref(),
                    p.router_settings.as_ref(),
                    &scope,
                );
            }
        }
        if let Some(r) = &raw.routing {
            routing_refs(&mut refs, r, &Scope::Routing);
        }
        if let Some(profiles) = &raw.profiles {
            for (name, p) in profiles {
                if let Some(r) = &p.routing {
                    routing_refs(&mut refs, r, &Scope::Profile(name.value.clone()));
                }
            }
        }
        for r in &refs {
            if r.site == RefSite::GroupAliasName {
                self.group_aliases.entry(r.name.clone()).or_insert(r.span);
            }
        }
        if let Some(int) = &raw.integration {
            let s = Scope::Integration;
            let mut opt = |v: &Option<Sp<String>>, site| {
                if let Some(v) = v {
                    push(&mut refs, v, site, &s);
                }
            };
            opt(&int.default_model, RefSite::DefaultModel);
            opt(&int.fast_model, RefSite::FastModel);
            if let Some(c) = &int.codex {
                opt(&c.model, RefSite::CodexModel);
            }
            if let Some(c) = &int.claude_code {
                opt(&c.model, RefSite::ClaudeModel);
                opt(&c.opus_model, RefSite::ClaudeOpus);
                opt(&c.sonnet_model, RefSite::ClaudeSonnet);
                opt(&c.haiku_model, RefSite::ClaudeHaiku);
            }
            if let Some(c) = &int.opencode {
                opt(&c.model, RefSite::Client("integration.opencode.model"));
                opt(
                    &c.small_model,
                    RefSite::Client("integration.opencode.small_model"),
                );
            }
            if let Some(c) = &int.qwen_code {
                opt(&c.model, RefSite::Client("integration.qwen_code.model"));
            }
            if let Some(c) = &int.aider {
                opt(&c.model, RefSite::Client("integration.aider.model"));
                opt(
                    &c.weak_model,
                    RefSite::Client("integration.aider.weak_model"),
                );
                opt(
                    &c.editor_model,
                    RefSite::Client("integration.aider.editor_model"),
                );
            }
            if let Some(c) = &int.continue_cli {
                opt(&c.model, RefSite::Client("integration.continue.model"));
                opt(
                    &c.fast_model,
                    RefSite::Client("integration.continue.fast_model"),
                );
            }
        }
        self.refs = refs;
    }

    /// Whether a client may request `name`: an alias or a `model_group_alias` name.
    pub fn is_served(&self, name: &str) -> bool {
        self.aliases.contains_key(name) || self.group_aliases.contains_key(name)
    }

    /// All names a client may request, aliases first, in file order.
    pub fn served_names(&self) -> impl Iterator<Item = &str> {
        self.aliases.keys().map(String::as_str).chain(
            self.group_aliases
                .keys()
                .map(String::as_str)
                .filter(|n| !self.aliases.contains_key(*n)),
        )
    }

    /// The profile a command uses when not told: `default_profile`, else the only profile.
    pub fn default_profile(&self) -> Option<&str> {
        if let Some(p) = &self.raw.default_profile {
            return Some(p.as_str());
        }
        if self.profiles.len() == 1 {
            return self.profiles.keys().next().map(String::as_str);
        }
        None
    }

    /// The span of a section key (`litellm_base`, `auth.providers`), if written.
    pub fn section_span(&self, path: &str) -> Option<Span> {
        self.section_keys.get(path).copied()
    }

    /// The span of a key of LiteLLM's config (`general_settings`, `router_settings`): in a
    /// LiteLLM config at the top level, in flowgate.yaml under `litellm_base`.
    pub fn base_key_span(&self, key: &str) -> Option<Span> {
        match self.dialect {
            Dialect::Flowgate => self.section_span(&format!("litellm_base.{key}")),
            Dialect::Litellm => self.section_span(key),
        }
    }

    /// A span that stands for LiteLLM's config as a whole: `litellm_base` in flowgate.yaml,
    /// the first key of a LiteLLM config.
    pub fn base_span(&self) -> Span {
        match self.dialect {
            Dialect::Flowgate => self.section_span("litellm_base"),
            Dialect::Litellm => self.section_keys.values().next().copied(),
        }
        .unwrap_or_default()
    }

    /// How messages name `scope`: `litellm_base` or `profiles.NAME` in flowgate.yaml, `the
    /// LiteLLM config` for a LiteLLM config's settings.
    pub fn describe(&self, scope: &Scope) -> String {
        match (self.dialect, scope) {
            (Dialect::Litellm, Scope::Base) => "the LiteLLM config".into(),
            _ => scope.describe(),
        }
    }

    /// Where a key of LiteLLM's config is written, for messages: `litellm_base.KEY` in
    /// flowgate.yaml, `KEY` in a LiteLLM config.
    pub fn base_path(&self, key: &str) -> String {
        match self.dialect {
            Dialect::Flowgate => format!("litellm_base.{key}"),
            Dialect::Litellm => key.to_string(),
        }
    }

    /// The profile names, in file order.
    pub fn profile_names(&self) -> Vec<&str> {
        self.profiles.keys().map(String::as_str).collect()
    }
}

fn push(refs: &mut Vec<AliasRef>, v: &Sp<String>, site: RefSite, scope: &Scope) {
    refs.push(AliasRef {
        name: v.value.clone(),
        span: v.span,
        text_span: v.text_span(),
        site,
        scope: scope.clone(),
    });
}

/// Every route of a `routing` section: the top-level keys, then each family's.
fn routing_refs(refs: &mut Vec<AliasRef>, r: &Routing, scope: &Scope) {
    for key in Key::ALL {
        if let Some(v) = r.route(key) {
            push(refs, v, RefSite::Route(Entry::top(key)), scope);
        }
    }
    let Some(families) = &r.families else {
        return;
    };
    for family in Family::ALL {
        let Some(route) = families.get(family) else {
            continue;
        };
        let entry = |key| Entry {
            family: Some(family),
            key,
        };
        match &route.value {
            FamilyRoute::Alias(a) => {
                let v = Sp {
                    value: a.clone(),
                    span: route.span,
                    def: route.def,
                };
                push(refs, &v, RefSite::Route(entry(Key::Default)), scope);
            }
            FamilyRoute::Routes(set) => {
                for key in Key::ALL {
                    if let Some(v) = set.route(key) {
                        push(refs, v, RefSite::Route(entry(key)), scope);
                    }
                }
            }
        }
    }
}

fn fallback_refs(
    refs: &mut Vec<AliasRef>,
    list: &[FallbackMap],
    block: Block,
    kind: FallbackKind,
    scope: &Scope,
) {
    for map in list {
        for (key, targets) in map {
            push(refs, key, RefSite::FallbackKey(block, kind), scope);
            for t in targets {
                push(refs, t, RefSite::FallbackTarget(block, kind), scope);
            }
        }
    }
}

/// The fallback lists of a settings block, by kind.
pub fn fallback_lists<'a>(
    ls: Option<&'a LitellmSettings>,
    rs: Option<&'a RouterSettings>,
) -> Vec<(Block, FallbackKind, &'a Sp<Vec<FallbackMap>>)> {
    let mut out = Vec::new();
    if let Some(ls) = ls {
        for (kind, v) in [
            (FallbackKind::Fallbacks, &ls.fallbacks),
            (FallbackKind::ContextWindow, &ls.context_window_fallbacks),
            (FallbackKind::ContentPolicy, &ls.content_policy_fallbacks),
        ] {
            if let Some(v) = v {
                out.push((Block::Litellm, kind, v));
            }
        }
    }
    if let Some(rs) = rs {
        for (kind, v) in [
            (FallbackKind::Fallbacks, &rs.fallbacks),
            (FallbackKind::ContextWindow, &rs.context_window_fallbacks),
            (FallbackKind::ContentPolicy, &rs.content_policy_fallbacks),
        ] {
            if let Some(v) = v {
                out.push((Block::Router, kind, v));
            }
        }
    }
    out
}

fn settings_refs(
    refs: &mut Vec<AliasRef>,
    ls: Option<&LitellmSettings>,
    rs: Option<&RouterSettings>,
    scope: &Scope,
) {
    for (block, kind, list) in fallback_lists(ls, rs) {
        fallback_refs(refs, &list.value, block, kind, scope);
    }
    for (block, df) in [
        (
            Block::Litellm,
            ls.and_then(|s| s.default_fallbacks.as_ref()),
        ),
        (Block::Router, rs.and_then(|s| s.default_fallbacks.as_ref())),
    ] {
        for t in df.map(|d| d.value.as_slice()).unwrap_or_default() {
            push(refs, t, RefSite::DefaultFallback(block), scope);
        }
    }
    if let Some(mga) = rs.and_then(|s| s.model_group_alias.as_ref()) {
        for (name, target) in mga {
            push(refs, name, RefSite::GroupAliasName, scope);
            match &target.value {
                GroupAliasTarget::Alias(a) => {
                    let t = Sp {
                        value: a.clone(),
                        span: target.span,
                        def: target.def,
                    };
                    push(refs, &t, RefSite::GroupAliasTarget, scope);
                }
                GroupAliasTarget::Detailed { model, .. } => {
                    push(refs, model, RefSite::GroupAliasTarget, scope)
                }
            }
        }
    }
}

impl Model {
    /// The deployments of `model_list`, in file order.
    pub fn deployments(&self) -> &[super::raw::Deployment] {
        self.raw
            .litellm_base
            .as_ref()
            .and_then(|b| b.model_list.as_deref())
            .unwrap_or_default()
    }

    /// Every `api_key_ref` written: the deployments' and the `redirect.upstreams` entries'.
    pub fn api_key_refs(&self) -> impl Iterator<Item = &Sp<String>> {
        let deployments = self
            .deployments()
            .iter()
            .filter_map(|d| d.litellm_params.api_key_ref.as_ref());
        let redirect = self
            .raw
            .redirect
            .as_ref()
            .and_then(|r| r.upstreams.as_ref())
            .into_iter()
            .flat_map(|u| u.values())
            .filter_map(|u| u.api_key_ref.as_ref());
        deployments.chain(redirect)
    }

    /// The settings blocks of `scope` (base or a profile).
    pub fn settings(&self, scope: &Scope) -> (Option<&LitellmSettings>, Option<&RouterSettings>) {
        match scope {
            Scope::Base => self.raw.litellm_base.as_ref().map_or((None, None), |b| {
                (b.litellm_settings.as_ref(), b.router_settings.as_ref())
            }),
            Scope::Profile(name) => self
                .raw
                .profiles
                .as_ref()
                .and_then(|ps| ps.iter().find(|(k, _)| k.value == *name).map(|(_, p)| p))
                .map_or((None, None), |p| {
                    (p.litellm_settings.as_ref(), p.router_settings.as_ref())
                }),
            Scope::Integration | Scope::Routing => (None, None),
        }
    }

    /// Base plus every profile, the scopes that hold settings.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut v = vec![Scope::Base];
        v.extend(self.profiles.keys().map(|p| Scope::Profile(p.clone())));
        v
    }
}
