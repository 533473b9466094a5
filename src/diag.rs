//! Diagnostics: what fgc reports, independent of how it is rendered.

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Declares [`Code`] from the table below. Each row names the rule file that implements and
/// documents the code (`src/rules/<file>.rs`, declared in `rules/mod.rs`) and how the code is
/// found: `rule` (its `check` runs over the model in `fgc check`), `load` (reported while
/// loading the file) or `emit` (reported by `fgc emit`). The list of rules that run, `fgc
/// explain` and docs/rules.md all come from this one table.
macro_rules! codes {
    ($( $module:ident => $variant:ident, $code:literal, $severity:ident, $found:ident, $summary:literal; )*) => {
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

            pub fn from_name(name: &str) -> Option<Code> {
                match name { $( $code => Some(Code::$variant), )* _ => None }
            }

            /// The rule file's name (`src/rules/<name>.rs`).
            pub fn file(self) -> &'static str {
                match self { $( Code::$variant => stringify!($module), )* }
            }

            /// The source of the rule file; its `//!` comment is the documentation.
            fn source(self) -> &'static str {
                match self { $( Code::$variant => include_str!(concat!("rules/", stringify!($module), ".rs")), )* }
            }

            /// The rule's check over the model, for codes `fgc check` finds with a rule.
            pub(crate) fn check(self) -> Option<crate::rules::Check> {
                match self { $( Code::$variant => codes!(@check $found $module), )* }
            }
        }
    };
    (@check rule $module:ident) => { Some(crate::rules::$module::check as crate::rules::Check) };
    (@check load $module:ident) => { None };
    (@check emit $module:ident) => { None };
    (@check serve $module:ident) => { None };
}

codes! {
    file_too_large => FileTooLarge, "file-too-large", Error, load, "the file is larger than fgc reads";
    invalid_utf8 => InvalidUtf8, "invalid-utf8", Error, load, "the file is not UTF-8 text";
    yaml_syntax => YamlSyntax, "yaml-syntax", Error, load, "the file is not valid YAML";
    invalid_include => InvalidInclude, "invalid-include", Error, load, "an `include` LiteLLM cannot load";
    include_replaces_section => IncludeReplacesSection, "include-replaces-section", Warning, load, "an included file replaces a section written before it";
    duplicate_key => DuplicateKey, "duplicate-key", Error, load, "a key appears twice in one mapping";
    unknown_key => UnknownKey, "unknown-key", Error, load, "a key fgc does not know in one of its own sections";
    missing_key => MissingKey, "missing-key", Error, load, "a required key is missing";
    invalid_type => InvalidType, "invalid-type", Error, load, "a value has the wrong type";
    invalid_value => InvalidValue, "invalid-value", Error, load, "a value is outside what the schema allows";
    undefined_alias => UndefinedAlias, "undefined-alias", Error, rule, "an alias is referenced but not defined";
    self_fallback => SelfFallback, "self-fallback", Error, rule, "an alias falls back to itself";
    fallback_cycle => FallbackCycle, "fallback-cycle", Warning, rule, "context-window fallbacks form a cycle";
    duplicate_fallback_key => DuplicateFallbackKey, "duplicate-fallback-key", Error, rule, "one alias has two entries in one fallback list";
    duplicate_fallback_target => DuplicateFallbackTarget, "duplicate-fallback-target", Warning, rule, "a fallback list names the same target twice";
    multi_key_fallback => MultiKeyFallback, "multi-key-fallback", Error, rule, "a fallback entry has several keys; LiteLLM reads only the first";
    undefined_credential => UndefinedCredential, "undefined-credential", Error, rule, "`api_key_ref` or `litellm_credential_name` names no credential";
    conflicting_api_key => ConflictingApiKey, "conflicting-api-key", Error, rule, "`api_key` and `api_key_ref` are both set";
    invalid_credential => InvalidCredential, "invalid-credential", Error, rule, "a credential needs exactly one of `file` or `env`";
    unused_credential => UnusedCredential, "unused-credential", Warning, rule, "a credential no deployment uses";
    missing_secret => MissingSecret, "missing-secret", Warning, rule, "a secret file or environment variable is absent";
    empty_secret => EmptySecret, "empty-secret", Error, rule, "a secret file or environment variable is empty";
    secret_file_permissions => SecretFilePermissions, "secret-file-permissions", Error, rule, "a secret file is readable by group or others";
    literal_secret => LiteralSecret, "literal-secret", Warning, rule, "a literal secret is written in the config";
    ignored_environment_variable => IgnoredEnvironmentVariable, "ignored-environment-variable", Warning, rule, "an `environment_variables` entry LiteLLM does not apply where the config reads it";
    env_reference_syntax => EnvReferenceSyntax, "env-reference-syntax", Error, rule, "an environment reference LiteLLM will not expand";
    missing_provider_prefix => MissingProviderPrefix, "missing-provider-prefix", Error, rule, "an upstream model has no provider prefix and LiteLLM cannot infer one";
    unknown_provider => UnknownProvider, "unknown-provider", Error, rule, "a provider prefix LiteLLM does not have";
    unknown_litellm_key => UnknownLitellmKey, "unknown-litellm-key", Warning, rule, "a key LiteLLM does not know in one of its blocks";
    deprecated_litellm_key => DeprecatedLitellmKey, "deprecated-litellm-key", Warning, rule, "a key LiteLLM has deprecated";
    claude_base_url => ClaudeBaseUrl, "claude-base-url", Error, rule, "the Claude Code base URL ends in `/v1`";
    client_base_url => ClientBaseUrl, "client-base-url", Error, rule, "an opencode, Qwen Code, Aider or Continue base URL breaks the client's `/v1` rule";
    codex_base_url => CodexBaseUrl, "codex-base-url", Error, rule, "the Codex base URL does not end in `/v1`";
    codex_wire_api => CodexWireApi, "codex-wire-api", Error, rule, "Codex `wire_api` is not `responses`";
    codex_reserved_provider => CodexReservedProvider, "codex-reserved-provider", Error, rule, "the Codex provider id is reserved by Codex";
    gateway_base_url => GatewayBaseUrl, "gateway-base-url", Error, rule, "the gateway base URL is not an http(s) root URL";
    port_conflict => PortConflict, "port-conflict", Error, rule, "two services listen on the same address";
    legacy_oauth => LegacyOauth, "legacy-oauth", Warning, rule, "the legacy `oauth` section is used";
    conflicting_auth => ConflictingAuth, "conflicting-auth", Error, rule, "both `oauth` and `auth.providers` are set";
    misplaced_setting => MisplacedSetting, "misplaced-setting", Error, rule, "a setting in a block where LiteLLM ignores it";
    shadowed_setting => ShadowedSetting, "shadowed-setting", Warning, rule, "a setting written in both litellm_settings and router_settings";
    unknown_routing_strategy => UnknownRoutingStrategy, "unknown-routing-strategy", Error, rule, "`routing_strategy` is not one LiteLLM knows";
    unknown_profile => UnknownProfile, "unknown-profile", Error, rule, "a profile is named that does not exist";
    master_key => MasterKey, "master-key", Error, rule, "the gateway key is empty or publicly known";
    missing_master_key => MissingMasterKey, "missing-master-key", Warning, rule, "no gateway key is set";
    group_alias_shadows => GroupAliasShadows, "group-alias-shadows", Warning, rule, "a `model_group_alias` name hides an alias";
    no_shared_state => NoSharedState, "no-shared-state", Warning, rule, "several LiteLLM instances that share no router state (Redis)";
    unreachable_route => UnreachableRoute, "unreachable-route", Warning, rule, "a route or routing setting no request can reach";
    routing_threshold => RoutingThreshold, "routing-threshold", Error, rule, "`long_context_threshold` routes nearly every request to long_context, or none";
    serve_unsupported => ServeUnsupported, "serve-unsupported", Error, serve, "a part of the config `fgc serve` does not carry out (`fgc serve`)";
    route_not_in_litellm => RouteNotInLitellm, "route-not-in-litellm", Warning, emit, "a route LiteLLM cannot express (`fgc emit litellm`)";
    invalid_env_name => InvalidEnvName, "invalid-env-name", Error, rule, "an environment variable name in the client settings is not an identifier";
    control_character => ControlCharacter, "control-character", Error, rule, "a name holds a control character or a line break";
    out_of_range_duration => OutOfRangeDuration, "out-of-range-duration", Error, rule, "a duration in seconds is infinite, negative or longer than a year";
    missing_default_model => MissingDefaultModel, "missing-default-model", Error, emit, "a client target is emitted without `integration.default_model`";
}

impl Code {
    /// What it does / Why it matters / Example / How to fix, from the rule's file.
    pub fn doc(self) -> String {
        let mut out = String::new();
        for line in self.source().lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                break;
            };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out.trim_end().to_string() + "\n"
    }
}

/// A labelled span. The primary label is the text the diagnostic is about; secondary labels
/// show the other side (the definition, the first duplicate, the rest of a cycle).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
    pub primary: bool,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn primary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
            primary: true,
        });
        self
    }

    pub fn secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
            primary: false,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The span the diagnostic is about (the first primary label), if any.
    pub fn span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map(|l| l.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The closest candidate to `name` by edit distance, if it is close enough to be a typo.
///
/// Cheap enough for large configs: candidates whose length differs too much are skipped
/// before the distance is computed, so a miss costs a length compare per candidate.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let n = name.chars().count();
    let max = (n / 4).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        let c = cand.len();
        if c.abs_diff(name.len()) > max * 4 || cand == name {
            continue;
        }
        if cand.chars().count().abs_diff(n) > max {
            continue;
        }
        let d = strsim::damerau_levenshtein(name, cand);
        if d <= max && best.is_none_or(|(bd, bc)| d < bd || (d == bd && cand < bc)) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule's documentation has the four headings, in order.
    #[test]
    fn every_rule_doc_has_its_headings() {
        for c in Code::ALL {
            let doc = c.doc();
            let mut at = 0;
            for h in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## How to fix",
            ] {
                let found = doc[at..].find(h);
                assert!(found.is_some(), "{}: no `{h}` after byte {at}", c.as_str());
                at += found.unwrap() + h.len();
            }
        }
    }

    /// The table names every rule file, and every rule file is in the table.
    #[test]
    fn every_rule_file_is_in_the_table() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|f| f.strip_suffix(".rs").map(str::to_owned))
            .filter(|f| !matches!(f.as_str(), "mod" | "schema_errors"))
            .collect();
        files.sort();
        let mut named: Vec<String> = Code::ALL.iter().map(|c| c.file().to_owned()).collect();
        named.sort();
        assert_eq!(files, named);
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let c = ["router-main", "router-fast", "gpt"];
        assert_eq!(did_you_mean("router-mian", c), Some("router-main"));
        assert_eq!(did_you_mean("router-default", c), None);
        assert_eq!(did_you_mean("gtp", c), Some("gpt"));
    }
}
