//! `fgc doctor`: checks a running setup end to end, what the seeds' acceptance commands and
//! runbook do by hand: the config (as `fgc check` with secrets required), the service ports
//! and the processes on them, the gateway (reachable, its aliases, `count_tokens`, its key,
//! readiness), every upstream (reachable, its model list, its key), the client files on this
//! machine, and the secrets' files.
//!
//! Every check is a [`Check`]: an area, a stable name, what it was applied to, a [`Status`], a
//! message and the fix as a command to run. Nothing here prints (see [`render`]), and no
//! secret reaches a message: keys are compared, never shown, and text from a server has the
//! keys taken out before it is quoted.
//!
//! - [`config`]: the checker's diagnostics for the selected profile
//! - [`ports`], [`process`]: what listens on each service port, from `/proc`
//! - [`gateway`]: the gateway's HTTP checks
//! - [`upstreams`]: `GET {api_base}/models` for each upstream, in parallel
//! - [`clients`]: one file per client (Codex, Claude Code), behind the [`clients::Client`] trait
//! - [`secrets`]: secret files and variables
//! - [`http`]: the bounded requests the network checks make

pub mod clients;
pub mod config;
pub mod env;
pub mod gateway;
pub mod http;
pub mod ports;
pub mod process;
pub mod render;
pub mod secrets;
pub mod upstreams;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use env::Env;

use crate::emit::Input;
use crate::model::view::{GatewayKey, View};
use crate::secrets::{SecretSource, SecretState};

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    /// Works, but something is off (a drift, a check that could only half run).
    Warn,
    Fail,
    /// Not checked, and why (the message says): `--offline`, a client that is not set up.
    Skip,
}

impl Status {
    /// The mark in the human output.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Warn => "⚠",
            Status::Fail => "✗",
            Status::Skip => "-",
        }
    }
}

/// Where a check belongs; the report lists the areas in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    Config,
    Ports,
    Gateway,
    Upstreams,
    Clients,
    Secrets,
}

impl Area {
    pub const ALL: [Area; 6] = [
        Area::Config,
        Area::Ports,
        Area::Gateway,
        Area::Upstreams,
        Area::Clients,
        Area::Secrets,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Config => "config",
            Area::Ports => "ports",
            Area::Gateway => "gateway",
            Area::Upstreams => "upstreams",
            Area::Clients => "clients",
            Area::Secrets => "secrets",
        }
    }
}

/// One check and its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub area: Area,
    /// The check's name within its area (`reachable`, `count-tokens`); client checks start
    /// with the client's id (`codex.base-url`). With the area it is the stable `id`.
    pub name: Cow<'static, str>,
    /// What it was applied to, when the same check runs on several things (a service, an
    /// upstream, an alias, a variable).
    pub subject: Option<String>,
    pub status: Status,
    /// What was checked and what was found. Never holds a secret.
    pub message: String,
    /// What to do about a failure or warning: a command to run where there is one.
    pub fix: Option<String>,
}

impl Check {
    pub fn new(
        area: Area,
        name: impl Into<Cow<'static, str>>,
        status: Status,
        message: impl Into<String>,
    ) -> Check {
        Check {
            area,
            name: name.into(),
            subject: None,
            status,
            message: message.into(),
            fix: None,
        }
    }

    pub fn subject(mut self, s: impl Into<String>) -> Check {
        self.subject = Some(s.into());
        self
    }

    pub fn fix(mut self, f: impl Into<String>) -> Check {
        self.fix = Some(f.into());
        self
    }

    /// `area.name`, the stable id of the check.
    pub fn id(&self) -> String {
        format!("{}.{}", self.area.as_str(), self.name)
    }
}

/// How to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub config: PathBuf,
    pub profile: Option<String>,
    /// The gateway root to check instead of the one the config gives clients.
    pub gateway: Option<String>,
    /// Client files given on the command line, by client id (`codex`, `claude-code`).
    pub client_files: Vec<(String, PathBuf)>,
    /// Only the checks that need no network.
    pub offline: bool,
    /// Send each alias a minimal request through the gateway (spends tokens).
    pub probe_models: bool,
    /// Each network step (connect, answer, body).
    pub timeout: Duration,
    /// Each `--probe-models` request (a model may take a while to answer).
    pub probe_timeout: Duration,
    /// Upstreams (and probes) checked at once.
    pub jobs: usize,
    /// The environment the clients run in (their variables, `HOME`, `CODEX_HOME`).
    pub env: Env,
    /// The folder the clients run in (Claude Code reads `.claude/settings*.json` there).
    pub cwd: PathBuf,
}

/// The default time a network step may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// The default time a `--probe-models` request may take.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// Upstreams checked at once by default.
pub const DEFAULT_JOBS: usize = 8;

impl Options {
    pub fn new(config: impl Into<PathBuf>) -> Options {
        Options {
            config: config.into(),
            profile: None,
            gateway: None,
            client_files: Vec::new(),
            offline: false,
            probe_models: false,
            timeout: DEFAULT_TIMEOUT,
            probe_timeout: DEFAULT_PROBE_TIMEOUT,
            jobs: DEFAULT_JOBS,
            env: Env::default(),
            cwd: PathBuf::from("."),
        }
    }
}

/// Why doctor could not run at all (a usage or I/O problem, exit 2). Problems of the setup
/// are checks, not errors.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error(transparent)]
    Read(#[from] crate::check::ReadError),
    #[error("{file}: {source}")]
    Profile {
        file: String,
        source: crate::model::view::ProfileError,
    },
    #[error("--gateway {0:?} is not an http:// or https:// URL")]
    GatewayUrl(String),
    #[error("unknown client `{0}`")]
    UnknownClient(String),
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

/// What doctor found.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The format's version: a change that breaks readers of the JSON increments it.
    pub version: u32,
    /// The config file as given.
    pub config: String,
    pub profile: Option<String>,
    /// The gateway root checked (none when the config could not be read).
    pub gateway: Option<String>,
    pub offline: bool,
    pub checks: Vec<Check>,
    pub summary: Summary,
}

/// Counts by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub warnings: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// The JSON format's version.
pub const FORMAT_VERSION: u32 = 1;

impl Report {
    fn new(opts: &Options, profile: Option<String>, gateway: Option<String>) -> Report {
        Report {
            version: FORMAT_VERSION,
            config: opts.config.display().to_string(),
            profile,
            gateway,
            offline: opts.offline,
            checks: Vec::new(),
            summary: Summary::default(),
        }
    }

    fn finish(mut self) -> Report {
        // Areas in order; within an area, the order the checks ran in.
        self.checks.sort_by_key(|c| c.area);
        let mut s = Summary::default();
        for c in &self.checks {
            match c.status {
                Status::Pass => s.passed += 1,
                Status::Warn => s.warnings += 1,
                Status::Fail => s.failed += 1,
                Status::Skip => s.skipped += 1,
            }
        }
        self.summary = s;
        self
    }

    /// Whether any check failed (exit 1).
    pub fn failed(&self) -> bool {
        self.summary.failed > 0
    }
}

/// How the fix commands name the config and profile: as the user gave them, so a fix can be
/// pasted where doctor ran.
#[derive(Clone, Debug)]
pub struct Fixes {
    args: String,
}

impl Fixes {
    fn new(opts: &Options) -> Fixes {
        let mut args = String::new();
        let config = opts.config.display().to_string();
        if config != crate::commands::DEFAULT_CONFIG {
            args.push_str(" -c ");
            args.push_str(&shell_word(&config));
        }
        // The profile only when it was given: without it the command picks the same default.
        if let Some(p) = opts.profile.as_deref() {
            args.push_str(" -p ");
            args.push_str(&shell_word(p));
        }
        Fixes { args }
    }

    /// `fgc SUBCOMMAND -c CONFIG -p PROFILE REST`.
    pub fn fgc(&self, subcommand: &str, rest: &str) -> String {
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(" {rest}")
        };
        format!("fgc {subcommand}{}{rest}", self.args)
    }
}

/// `s` as one shell word: bare when it is made of safe characters, else single-quoted.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+,=~".contains(c))
    {
        s.to_string()
    } else {
        crate::emit::claude_code::shell_quote(s)
    }
}

/// The gateway key as doctor can use it.
#[derive(Clone, PartialEq, Eq)]
pub enum GatewayKeyState {
    /// `general_settings.master_key` is not set: the gateway takes requests without a key.
    NotConfigured,
    /// The key's value, and where it comes from (for messages).
    Known { value: String, from: String },
    /// The key comes from a variable that is not set here.
    Unavailable { var: String },
}

impl std::fmt::Debug for GatewayKeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GatewayKeyState::NotConfigured => f.write_str("NotConfigured"),
            GatewayKeyState::Known { from, .. } => write!(f, "Known({from}, <redacted>)"),
            GatewayKeyState::Unavailable { var } => write!(f, "Unavailable({var})"),
        }
    }
}

impl GatewayKeyState {
    pub fn of(key: &GatewayKey) -> GatewayKeyState {
        match key {
            GatewayKey::None => GatewayKeyState::NotConfigured,
            GatewayKey::Literal { value, .. } => GatewayKeyState::Known {
                value: value.clone(),
                from: "general_settings.master_key".into(),
            },
            GatewayKey::Env { var, .. } => {
                match crate::secrets::inspect(&SecretSource::Env(var.clone())) {
                    SecretState::Present(value) => GatewayKeyState::Known {
                        value,
                        from: format!("`{var}`"),
                    },
                    _ => GatewayKeyState::Unavailable { var: var.clone() },
                }
            }
        }
    }

    pub fn value(&self) -> Option<&str> {
        match self {
            GatewayKeyState::Known { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// The names a profile serves, as the gateway should list and accept them.
#[derive(Clone, Debug, Default)]
pub struct Served {
    /// The aliases (`model_name`), in file order, once each.
    pub aliases: Vec<String>,
    /// `model_group_alias` names that `/v1/models` lists.
    pub listed_groups: Vec<String>,
    /// `model_group_alias` names that are `hidden`: served, not listed.
    pub hidden_groups: Vec<String>,
}

impl Served {
    pub fn of(view: &View<'_>) -> Served {
        let mut s = Served::default();
        for d in view.deployments() {
            if !s.aliases.iter().any(|a| a == d.alias) {
                s.aliases.push(d.alias.to_string());
            }
        }
        for g in &view.group_aliases {
            let list = if g.hidden {
                &mut s.hidden_groups
            } else {
                &mut s.listed_groups
            };
            if !list.contains(&g.name.value) {
                list.push(g.name.value.clone());
            }
        }
        s
    }

    /// Whether a client may request `name` (an alias, a group name, or a name a wildcard
    /// alias such as `openai/*` matches).
    pub fn serves(&self, name: &str) -> bool {
        self.aliases
            .iter()
            .chain(&self.listed_groups)
            .chain(&self.hidden_groups)
            .any(|a| a == name || (a.contains('*') && wildcard_match(a, name)))
    }

    /// The names `/v1/models` should list (wildcard aliases left out: what they list depends
    /// on the upstream).
    pub fn expected_listed(&self) -> impl Iterator<Item = &str> {
        self.aliases
            .iter()
            .filter(|a| !a.contains('*'))
            .chain(&self.listed_groups)
            .map(String::as_str)
    }

    /// Up to `n` served names, for messages.
    pub fn some(&self, n: usize) -> String {
        let names: Vec<String> = self
            .aliases
            .iter()
            .chain(&self.listed_groups)
            .take(n)
            .map(|a| format!("`{a}`"))
            .collect();
        let total = self.aliases.len() + self.listed_groups.len();
        if total > n {
            format!("{}, … ({total} in all)", names.join(", "))
        } else {
            names.join(", ")
        }
    }

    /// The served name closest to `name`, when one is close.
    pub fn closest(&self, name: &str) -> Option<&str> {
        crate::diag::did_you_mean(
            name,
            self.aliases
                .iter()
                .chain(&self.listed_groups)
                .chain(&self.hidden_groups)
                .map(String::as_str),
        )
    }
}

/// `*` in `pattern` matches any run of characters.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// What the checks after the config share.
pub struct Context<'a> {
    pub opts: &'a Options,
    pub input: Input<'a>,
    pub profile: Option<&'a str>,
    pub served: Served,
    /// The root the gateway is checked at.
    pub gateway_root: String,
    pub key: GatewayKeyState,
    pub fixes: Fixes,
}

impl<'a> Context<'a> {
    pub fn view(&self) -> &View<'a> {
        &self.input.view
    }

    /// A path for messages: `~/...` under the clients' `HOME`.
    pub fn shown(&self, path: &Path) -> String {
        if let Some(home) = self.opts.env.home()
            && let Ok(rest) = path.strip_prefix(&home)
        {
            return format!("~/{}", rest.display());
        }
        path.display().to_string()
    }

    /// A path as one shell word for a fix: `~/...` when that needs no quotes (the shell
    /// expands it), else the whole path, quoted when needed.
    pub fn path_word(&self, path: &Path) -> String {
        let short = self.shown(path);
        if short.starts_with("~/") && shell_word(&short) == short {
            short
        } else {
            shell_word(&path.display().to_string())
        }
    }
}

/// Run every check (the network ones unless `opts.offline`).
pub fn run(opts: &Options) -> Result<Report, DoctorError> {
    run_selected(opts, None)
}

/// Run the checks one client needs (the config, its secrets and that client's files), for
/// commands that start a client (`fgc run`): `client` is an id of [`clients::CLIENTS`].
pub fn run_client(opts: &Options, client: &str) -> Result<Report, DoctorError> {
    if clients::find(client).is_none() {
        return Err(DoctorError::UnknownClient(client.to_string()));
    }
    run_selected(opts, Some(client))
}

fn run_selected(opts: &Options, client: Option<&str>) -> Result<Report, DoctorError> {
    if let Some(g) = &opts.gateway
        && !(g.starts_with("http://") || g.starts_with("https://"))
    {
        return Err(DoctorError::GatewayUrl(g.clone()));
    }
    let (loaded, profile) = config::load(opts)?;
    let mut report = Report::new(opts, profile.clone(), None);
    report.checks.extend(config::checks(&loaded));
    // Rule errors (an undefined alias, a missing secret) leave a model the other checks can
    // read; a file without a valid structure stops them, and so does a part of it left out
    // for its structure (the checker reads the rest; doctor would compare the running system
    // with a file the user did not write).
    let model = loaded.model.as_ref().filter(|_| loaded.pruned.is_empty());
    let Some(model) = model else {
        report.checks.push(
            Check::new(
                Area::Config,
                "usable",
                Status::Fail,
                "the file has no valid structure, so no other check ran",
            )
            .fix(Fixes::new(opts).fgc("check", "")),
        );
        return Ok(report.finish());
    };
    let view = model.view(profile.as_deref());
    let root = opts
        .gateway
        .as_deref()
        .map(|g| g.trim_end_matches('/').to_string())
        .unwrap_or_else(|| view.gateway.root.clone());
    report.gateway = Some(root.clone());
    let cx = Context {
        opts,
        profile: view.profile,
        served: Served::of(&view),
        key: GatewayKeyState::of(&view.gateway.key),
        gateway_root: root,
        fixes: Fixes::new(opts),
        input: Input {
            view,
            source_name: &loaded.source.name,
            source: &loaded.source,
        },
    };
    report.checks.extend(secrets::checks(&cx, &loaded));
    match client {
        Some(id) => {
            let c = clients::find(id).expect("checked above");
            report.checks.extend(clients::check_one(&cx, c));
        }
        None => {
            report.checks.extend(clients::check_all(&cx));
            report.checks.extend(network(&cx)?);
        }
    }
    Ok(report.finish())
}

/// The ports, gateway and upstream checks; with `--offline` only the ports (from `/proc`)
/// and a line saying what did not run.
fn network(cx: &Context<'_>) -> Result<Vec<Check>, DoctorError> {
    let listening = ports::scan(cx);
    if cx.opts.offline {
        let mut out = ports::checks(cx, &listening, None);
        for area in [Area::Gateway, Area::Upstreams] {
            out.push(Check::new(
                area,
                "not-run",
                Status::Skip,
                "not checked: --offline runs only the checks that need no network",
            ));
        }
        return Ok(out);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DoctorError::Runtime)?;
    let client = http::client().map_err(|e| DoctorError::Runtime(std::io::Error::other(e)))?;
    let gateway_pid = listening.gateway_process();
    let ((gw_checks, identity), up_checks) = rt.block_on(async {
        tokio::join!(
            gateway::checks(cx, &client, gateway_pid),
            upstreams::checks(cx, &client)
        )
    });
    // Blocking lookups (DNS) still running after a timeout must not hold the exit.
    rt.shutdown_background();
    let mut out = ports::checks(cx, &listening, identity);
    out.extend(gw_checks);
    out.extend(up_checks);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("openai/*", "openai/gpt-4o"));
        assert!(wildcard_match("*", "x"));
        assert!(wildcard_match("a*b*c", "a-b-c"));
        assert!(!wildcard_match("a*b*c", "a-c"));
        assert!(!wildcard_match("openai/*", "anthropic/x"));
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("config/flowgate.yaml"), "config/flowgate.yaml");
        assert_eq!(shell_word("my dir/f.yaml"), "'my dir/f.yaml'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
