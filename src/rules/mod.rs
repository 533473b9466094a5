//! Every diagnostic fgc can report, one file each.
//!
//! Each file starts with a doc comment in fixed headings (What it does / Why it matters /
//! Example / How to fix). `fgc explain CODE` and `docs/rules.md` are generated from those
//! comments, so a rule is documented in exactly one place. The table of codes, and which
//! rules run, is `codes!` in `diag.rs`; a test checks that it names every file here.

use std::collections::HashMap;

use crate::diag::{Code, Diagnostic, Severity, did_you_mean};
use crate::model::Model;
use crate::model::checked::Scope;
use crate::source::SourceFile;

pub mod claude_base_url;
pub mod client_base_url;
pub mod codex_base_url;
pub mod codex_reserved_provider;
pub mod codex_wire_api;
pub mod conflicting_api_key;
pub mod conflicting_auth;
pub mod control_character;
pub mod deprecated_litellm_key;
pub mod duplicate_fallback_key;
pub mod duplicate_fallback_target;
pub mod duplicate_key;
pub mod empty_secret;
pub mod env_reference_syntax;
pub mod fallback_cycle;
pub mod file_too_large;
pub mod gateway_base_url;
pub mod group_alias_shadows;
pub mod ignored_environment_variable;
pub mod include_replaces_section;
pub mod invalid_credential;
pub mod invalid_env_name;
pub mod invalid_include;
pub mod invalid_type;
pub mod invalid_utf8;
pub mod invalid_value;
pub mod legacy_oauth;
pub mod literal_secret;
pub mod master_key;
pub mod misplaced_setting;
pub mod missing_default_model;
pub mod missing_key;
pub mod missing_master_key;
pub mod missing_provider_prefix;
pub mod missing_secret;
pub mod multi_key_fallback;
pub mod no_shared_state;
pub mod out_of_range_duration;
pub mod port_conflict;
pub mod route_not_in_litellm;
pub mod routing_threshold;
pub mod schema_errors;
pub mod secret_file_permissions;
pub mod self_fallback;
pub mod serve_unsupported;
pub mod shadowed_setting;
pub mod undefined_alias;
pub mod undefined_credential;
pub mod unknown_key;
pub mod unknown_litellm_key;
pub mod unknown_profile;
pub mod unknown_provider;
pub mod unknown_routing_strategy;
pub mod unreachable_route;
pub mod unused_credential;
pub mod yaml_syntax;

/// Whether absent secrets are warnings (`check` in pre-commit and CI) or errors (a command
/// that needs them: emitting a file with secrets, serving).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Secrets {
    #[default]
    Optional,
    Required,
}

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Check only this profile (and the base); default all.
    pub profile: Option<String>,
    pub secrets: Secrets,
    /// Read the file as this kind of config; default: told by its top-level keys
    /// ([`crate::model::checked::Dialect::detect`]).
    pub dialect: Option<crate::model::checked::Dialect>,
    /// How many LiteLLM instances run the config (`fgc check --instances`), over
    /// `services.litellm.instances`.
    pub instances: Option<u32>,
}

/// A rule's check: it reads the model through `Ctx` and reports what it finds.
pub type Check = fn(&mut Ctx<'_>);

/// What a rule sees, and where it puts what it finds.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub source: &'a SourceFile,
    pub opts: &'a CheckOptions,
    /// Places left out because of structural errors (already reported): rules stay quiet about
    /// what their absence would otherwise imply.
    pub pruned: &'a [crate::load::Pruned],
    pub out: Vec<Diagnostic>,
    suggestions: HashMap<String, Option<String>>,
    secrets: Option<std::rc::Rc<Vec<(crate::secrets::SecretSite, crate::secrets::SecretState)>>>,
}

/// One fallback list (`fallbacks`, `context_window_fallbacks`, ...) and where it is.
pub struct FallbackListAt<'a> {
    pub scope: Scope,
    pub block: crate::model::checked::Block,
    pub kind: crate::model::checked::FallbackKind,
    pub list: &'a crate::span::Sp<Vec<crate::model::raw::FallbackMap>>,
}

/// One of LiteLLM's open blocks as written (`litellm_params`, `model_info`, the settings
/// blocks): the keys fgc does not model, and where the block is.
pub struct OpenBlockAt<'a> {
    pub block: crate::litellm::Block,
    pub scope: Scope,
    /// For a deployment's block: its index in `model_list` and its `model_name`.
    pub deployment: Option<(usize, &'a str)>,
    pub extra: &'a crate::model::raw::Extra,
    /// Where the block is, for messages (see [`OpenBlockAt::place`]).
    at: String,
}

impl OpenBlockAt<'_> {
    /// Where the block is, for messages: `litellm_params of \`router-default\``,
    /// `router_settings in profiles.cheap`, `the top level`.
    pub fn place(&self) -> String {
        self.at.clone()
    }
}

/// Did-you-mean lookups are cached per name and capped, so a config with thousands of bad
/// references stays linear.
const MAX_SUGGESTION_LOOKUPS: usize = 256;

impl<'a> Ctx<'a> {
    pub fn report(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    /// Whether something at or under `pointer`, or a block holding it, was left out.
    pub fn was_pruned(&self, pointer: &str) -> bool {
        self.pruned.iter().any(|p| {
            p.pointer.starts_with(pointer) || pointer.starts_with(&format!("{}/", p.pointer))
        })
    }

    /// Whether `name` is the `model_name` of a `model_list` entry left out.
    pub fn pruned_alias(&self, name: &str) -> bool {
        self.pruned
            .iter()
            .any(|p| p.model_name.as_deref() == Some(name))
    }

    /// Whether rules should look at settings in `scope` (the selected profile, or all).
    pub fn in_scope(&self, scope: &Scope) -> bool {
        match (scope, &self.opts.profile) {
            (Scope::Profile(p), Some(sel)) => p == sel,
            _ => true,
        }
    }

    /// Every fallback list in the scopes this check covers (the base and the selected
    /// profiles), with where it is.
    pub fn fallback_lists(&self) -> Vec<FallbackListAt<'a>> {
        let model = self.model;
        let mut out = Vec::new();
        for scope in model.scopes() {
            if !self.in_scope(&scope) {
                continue;
            }
            let (ls, rs) = model.settings(&scope);
            for (block, kind, list) in crate::model::checked::fallback_lists(ls, rs) {
                out.push(FallbackListAt {
                    scope: scope.clone(),
                    block,
                    kind,
                    list,
                });
            }
        }
        out
    }

    /// Every open LiteLLM block in the scopes this check covers, in file order.
    pub fn open_blocks(&self) -> Vec<OpenBlockAt<'a>> {
        use crate::litellm::Block as B;
        let model = self.model;
        let mut out = Vec::new();
        let base = model.raw.litellm_base.as_ref();
        if let Some(b) = base {
            out.push(OpenBlockAt {
                block: B::TopLevel,
                scope: Scope::Base,
                deployment: None,
                extra: &b.extra,
                at: match model.dialect {
                    crate::model::checked::Dialect::Litellm => "the top level".into(),
                    crate::model::checked::Dialect::Flowgate => "litellm_base".into(),
                },
            });
        }
        for (i, dep) in model.deployments().iter().enumerate() {
            let name = dep.model_name.as_str();
            let deployment = Some((i, name));
            out.push(OpenBlockAt {
                block: B::LitellmParams,
                scope: Scope::Base,
                deployment,
                extra: &dep.litellm_params.extra,
                at: format!("{} of `{name}`", B::LitellmParams.name()),
            });
            if let Some(info) = &dep.model_info {
                out.push(OpenBlockAt {
                    block: B::ModelInfo,
                    scope: Scope::Base,
                    deployment,
                    extra: info,
                    at: format!("{} of `{name}`", B::ModelInfo.name()),
                });
            }
        }
        for scope in model.scopes() {
            if !self.in_scope(&scope) {
                continue;
            }
            let (ls, rs) = model.settings(&scope);
            let place = |block: B| match (model.dialect, &scope) {
                (crate::model::checked::Dialect::Litellm, Scope::Base) => block.name().to_owned(),
                _ => format!("{} in {}", block.name(), scope.describe()),
            };
            for (block, extra) in [
                (B::LitellmSettings, ls.map(|l| &l.extra)),
                (
                    B::CacheParams,
                    ls.and_then(|l| l.cache_params.as_ref()).map(|c| &c.extra),
                ),
                (B::RouterSettings, rs.map(|r| &r.extra)),
            ] {
                if let Some(extra) = extra {
                    out.push(OpenBlockAt {
                        block,
                        scope: scope.clone(),
                        deployment: None,
                        extra,
                        at: place(block),
                    });
                }
            }
        }
        if let Some(gs) = base.and_then(|b| b.general_settings.as_ref()) {
            out.push(OpenBlockAt {
                block: B::GeneralSettings,
                scope: Scope::Base,
                deployment: None,
                extra: &gs.extra,
                at: B::GeneralSettings.name().to_owned(),
            });
            if let Some(cr) = &gs.coordination_redis {
                out.push(OpenBlockAt {
                    block: B::CoordinationRedis,
                    scope: Scope::Base,
                    deployment: None,
                    extra: &cr.extra,
                    at: "general_settings.coordination_redis".to_owned(),
                });
            }
        }
        out
    }

    /// The closest served name to `name`, if close enough to be a typo.
    pub fn suggest_alias(&mut self, name: &str) -> Option<String> {
        if let Some(s) = self.suggestions.get(name) {
            return s.clone();
        }
        if self.suggestions.len() >= MAX_SUGGESTION_LOOKUPS {
            return None;
        }
        let s = did_you_mean(name, self.model.served_names()).map(str::to_owned);
        self.suggestions.insert(name.to_owned(), s.clone());
        s
    }

    /// Every secret the config names, each source inspected once (shared by the secret rules).
    pub fn secrets(
        &mut self,
    ) -> std::rc::Rc<Vec<(crate::secrets::SecretSite, crate::secrets::SecretState)>> {
        if let Some(s) = &self.secrets {
            return s.clone();
        }
        let mut seen: HashMap<crate::secrets::SecretSource, crate::secrets::SecretState> =
            HashMap::new();
        let sites = crate::secrets::sites(self.model, &self.source.dir());
        let v: Vec<_> = sites
            .into_iter()
            .map(|site| {
                let state = seen
                    .entry(site.source.clone())
                    .or_insert_with(|| crate::secrets::inspect(&site.source))
                    .clone();
                (site, state)
            })
            .collect();
        let rc = std::rc::Rc::new(v);
        self.secrets = Some(rc.clone());
        rc
    }

    /// The span of a section key (`litellm_base`, `auth.providers`), else the start of the
    /// file.
    pub fn section_span(&self, path: &str) -> crate::span::Span {
        self.model.section_span(path).unwrap_or_default()
    }

    /// Severity for a secret that is absent: a warning unless the command needs it.
    pub fn secret_severity(&self) -> Severity {
        match self.opts.secrets {
            Secrets::Optional => Severity::Warning,
            Secrets::Required => Severity::Error,
        }
    }
}

/// Run every semantic rule over a model.
pub fn run(
    model: &Model,
    source: &SourceFile,
    opts: &CheckOptions,
    pruned: &[crate::load::Pruned],
) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        model,
        source,
        opts,
        pruned,
        out: Vec::new(),
        suggestions: HashMap::new(),
        secrets: None,
    };
    for code in Code::ALL {
        if let Some(check) = code.check() {
            check(&mut cx);
        }
    }
    cx.out
}
