//! Every diagnostic fgc can report, one file each.
//!
//! Each file starts with a doc comment in fixed headings (What it does / Why it matters /
//! Example / How to fix). `fgc explain CODE` and `docs/rules.md` are generated from those
//! comments, so a rule is documented in exactly one place.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Severity, did_you_mean};
use crate::model::Model;
use crate::model::checked::Scope;
use crate::source::SourceFile;
use crate::yaml::Node;

macro_rules! rules {
    ($( $module:ident => $variant:ident, $code:literal, $severity:ident, $summary:literal; )*) => {
        $( pub mod $module; )*

        /// A stable diagnostic code. Codes never change once released; see `snapshots/` for
        /// the list under test.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The severity the code has unless a command raises it.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// The source of the file that implements and documents the code.
            fn source(self) -> &'static str {
                match self { $( Code::$variant => include_str!(concat!(stringify!($module), ".rs")), )* }
            }

            pub fn from_name(name: &str) -> Option<Code> {
                match name { $( $code => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

pub mod schema_errors;

rules! {
    file_too_large => FileTooLarge, "file-too-large", Error, "the file is larger than fgc reads";
    invalid_utf8 => InvalidUtf8, "invalid-utf8", Error, "the file is not UTF-8 text";
    yaml_syntax => YamlSyntax, "yaml-syntax", Error, "the file is not valid YAML";
    duplicate_key => DuplicateKey, "duplicate-key", Error, "a key appears twice in one mapping";
    unknown_key => UnknownKey, "unknown-key", Error, "a key fgc does not know in one of its own sections";
    missing_key => MissingKey, "missing-key", Error, "a required key is missing";
    invalid_type => InvalidType, "invalid-type", Error, "a value has the wrong type";
    invalid_value => InvalidValue, "invalid-value", Error, "a value is outside what the schema allows";
    undefined_alias => UndefinedAlias, "undefined-alias", Error, "an alias is referenced but not defined";
    self_fallback => SelfFallback, "self-fallback", Error, "an alias falls back to itself";
    fallback_cycle => FallbackCycle, "fallback-cycle", Error, "fallback chains form a cycle";
    duplicate_fallback_key => DuplicateFallbackKey, "duplicate-fallback-key", Error, "one alias has two entries in one fallback list";
    duplicate_fallback_target => DuplicateFallbackTarget, "duplicate-fallback-target", Warning, "a fallback list names the same target twice";
    multi_key_fallback => MultiKeyFallback, "multi-key-fallback", Error, "a fallback entry has several keys; LiteLLM reads only the first";
    undefined_credential => UndefinedCredential, "undefined-credential", Error, "`api_key_ref` names no credential";
    conflicting_api_key => ConflictingApiKey, "conflicting-api-key", Error, "`api_key` and `api_key_ref` are both set";
    invalid_credential => InvalidCredential, "invalid-credential", Error, "a credential needs exactly one of `file` or `env`";
    unused_credential => UnusedCredential, "unused-credential", Warning, "a credential no deployment uses";
    missing_secret => MissingSecret, "missing-secret", Warning, "a secret file or environment variable is absent";
    empty_secret => EmptySecret, "empty-secret", Error, "a secret file or environment variable is empty";
    secret_file_permissions => SecretFilePermissions, "secret-file-permissions", Error, "a secret file is readable by group or others";
    literal_secret => LiteralSecret, "literal-secret", Warning, "a literal secret is written in the config";
    env_reference_syntax => EnvReferenceSyntax, "env-reference-syntax", Error, "an environment reference LiteLLM will not expand";
    missing_provider_prefix => MissingProviderPrefix, "missing-provider-prefix", Warning, "an upstream model has no provider prefix";
    claude_base_url => ClaudeBaseUrl, "claude-base-url", Error, "the Claude Code base URL ends in `/v1`";
    codex_base_url => CodexBaseUrl, "codex-base-url", Error, "the Codex base URL does not end in `/v1`";
    codex_wire_api => CodexWireApi, "codex-wire-api", Error, "Codex `wire_api` is not `responses`";
    codex_reserved_provider => CodexReservedProvider, "codex-reserved-provider", Error, "the Codex provider id is reserved by Codex";
    gateway_base_url => GatewayBaseUrl, "gateway-base-url", Error, "the gateway base URL is not an http(s) root URL";
    port_conflict => PortConflict, "port-conflict", Error, "two services listen on the same address";
    legacy_oauth => LegacyOauth, "legacy-oauth", Warning, "the legacy `oauth` section is used";
    conflicting_auth => ConflictingAuth, "conflicting-auth", Error, "both `oauth` and `auth.providers` are set";
    misplaced_setting => MisplacedSetting, "misplaced-setting", Error, "a setting in a block where LiteLLM ignores it";
    unknown_routing_strategy => UnknownRoutingStrategy, "unknown-routing-strategy", Error, "`routing_strategy` is not one LiteLLM knows";
    unknown_profile => UnknownProfile, "unknown-profile", Error, "a profile is named that does not exist";
    master_key => MasterKey, "master-key", Error, "the gateway key is one LiteLLM refuses";
    missing_master_key => MissingMasterKey, "missing-master-key", Warning, "no gateway key is set";
    group_alias_shadows => GroupAliasShadows, "group-alias-shadows", Warning, "a `model_group_alias` name hides an alias";
    missing_default_model => MissingDefaultModel, "missing-default-model", Error, "a client target is emitted without `integration.default_model`";
}

/// What it does / Why it matters / Example / How to fix, from the rule's file.
pub fn doc(code: Code) -> String {
    let mut out = String::new();
    for line in code.source().lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out.trim_end().to_string() + "\n"
}

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
}

/// What a rule sees, and where it puts what it finds.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub source: &'a SourceFile,
    pub node: &'a Node,
    pub opts: &'a CheckOptions,
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

/// Did-you-mean lookups are cached per name and capped, so a config with thousands of bad
/// references stays linear.
const MAX_SUGGESTION_LOOKUPS: usize = 256;

impl<'a> Ctx<'a> {
    pub fn report(&mut self, d: Diagnostic) {
        self.out.push(d);
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

    /// Severity for a secret that is absent: a warning unless the command needs it.
    /// The span of the key at `pointer` (`/litellm_base/general_settings`), else of the
    /// nearest node on the way there.
    pub fn key_span(&self, pointer: &str) -> crate::span::Span {
        let (node, key) = self.node.pointer(pointer);
        key.map_or(node.span, |k| k.span)
    }

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
    node: &Node,
    opts: &CheckOptions,
) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        model,
        source,
        node,
        opts,
        out: Vec::new(),
        suggestions: HashMap::new(),
        secrets: None,
    };
    unknown_profile::check(&mut cx);
    undefined_alias::check(&mut cx);
    self_fallback::check(&mut cx);
    fallback_cycle::check(&mut cx);
    duplicate_fallback_key::check(&mut cx);
    duplicate_fallback_target::check(&mut cx);
    multi_key_fallback::check(&mut cx);
    group_alias_shadows::check(&mut cx);
    undefined_credential::check(&mut cx);
    conflicting_api_key::check(&mut cx);
    invalid_credential::check(&mut cx);
    unused_credential::check(&mut cx);
    missing_secret::check(&mut cx);
    empty_secret::check(&mut cx);
    secret_file_permissions::check(&mut cx);
    literal_secret::check(&mut cx);
    env_reference_syntax::check(&mut cx);
    missing_provider_prefix::check(&mut cx);
    claude_base_url::check(&mut cx);
    codex_base_url::check(&mut cx);
    codex_wire_api::check(&mut cx);
    codex_reserved_provider::check(&mut cx);
    gateway_base_url::check(&mut cx);
    port_conflict::check(&mut cx);
    legacy_oauth::check(&mut cx);
    conflicting_auth::check(&mut cx);
    misplaced_setting::check(&mut cx);
    unknown_routing_strategy::check(&mut cx);
    master_key::check(&mut cx);
    missing_master_key::check(&mut cx);
    cx.out
}
