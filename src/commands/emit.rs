//! `fgc emit litellm|codex|claude-code|opencode|qwen-code|aider|continue`: generate the gateway and client configurations
//! from flowgate.yaml, to stdout, to a file (`-o`, atomic), as a `--check` against a file,
//! or merged into a user's existing client file (`--merge`, `--write`).

use std::path::{Path, PathBuf};

use crate::check::check_loaded;
use crate::commands::{CONFIG_HELP, exit};
use crate::diag::Diagnostic;
use crate::emit::client::{self, ClientFile};
use crate::emit::{
    Emitted, Input, aider, claude_code, codex, codex_catalog, continue_cli, litellm, opencode,
    output, qwen_code,
};
use crate::load::{Loaded, load_with};
use crate::model::checked::Dialect;
use crate::render;
use crate::rules::{CheckOptions, Secrets};
use crate::source::SourceFile;
use crate::write;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub target: Target,
}

#[derive(Debug, clap::Subcommand)]
pub enum Target {
    /// The LiteLLM proxy config.yaml for the selected profile.
    Litellm(LitellmArgs),
    /// Codex CLI's config.toml (or a profile file), or a merge into an existing one.
    Codex(CodexArgs),
    /// Claude Code's environment: env file, shell exports or settings.json (or a merge).
    ClaudeCode(ClaudeArgs),
    /// opencode's opencode.json (a provider for the gateway), or a merge into one.
    Opencode(ClientArgs),
    /// Qwen Code's settings.json (~/.qwen/settings.json), or a merge into one.
    QwenCode(ClientArgs),
    /// Aider's .aider.conf.yml, or its .aider.model.metadata.json (--format metadata).
    Aider(AiderArgs),
    /// The Continue CLI's config.yaml (~/.continue/config.yaml), or a merge into one.
    Continue(ClientArgs),
}

/// The options of the client targets that write one file.
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    #[command(flatten)]
    pub common: Common,
    /// Set fgc's keys in this existing file (comments and the user's other keys kept);
    /// prints the diff, writes only with --write.
    #[arg(long, value_name = "PATH", conflicts_with = "output")]
    pub merge: Option<PathBuf>,
    /// Apply the --merge.
    #[arg(long, requires = "merge")]
    pub write: bool,
}

#[derive(Debug, clap::Args)]
pub struct AiderArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Which file: the options (.aider.conf.yml) or the model limits
    /// (.aider.model.metadata.json).
    #[arg(long, value_enum, default_value = "conf")]
    pub format: aider::Format,
}

/// Options every target takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// The flowgate.yaml (or plain LiteLLM config.yaml) to read.
    #[arg(long, short = 'c', value_name = "FILE", long_help = CONFIG_HELP)]
    pub config: Option<PathBuf>,
    /// Read --config as a plain LiteLLM config.yaml, whatever its top-level keys.
    #[arg(long)]
    pub litellm: bool,
    /// The profile to emit. Default: `default_profile`, else the only profile.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: Option<String>,
    /// Write to FILE atomically instead of stdout (mode 0600 when it holds a secret).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Compare with the output file (or the merge target) instead of writing; exit 1 with a
    /// diff when it is stale.
    #[arg(long)]
    pub check: bool,
    /// Allow secrets on stdout and in diffs (resolved credentials, the gateway token).
    #[arg(long)]
    pub show_secrets: bool,
    /// Do not print warnings from the checks.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// The alias clients use by default, instead of `integration.default_model` (a plain
    /// LiteLLM config has no `integration` section: say it here).
    #[arg(long, value_name = "ALIAS")]
    pub model: Option<String>,
    /// The alias for quick background work (Claude Code's haiku slot), instead of
    /// `integration.fast_model`.
    #[arg(long, value_name = "ALIAS")]
    pub fast_model: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct LitellmArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct CodexArgs {
    #[command(flatten)]
    pub common: Common,
    /// Set fgc's keys in this existing config.toml (comments and other keys kept); prints
    /// the diff, writes only with --write.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["output", "profile_file"])]
    pub merge: Option<PathBuf>,
    /// Apply the --merge.
    #[arg(long, requires = "merge")]
    pub write: bool,
    /// Write the profile file `codex --profile NAME` reads: $CODEX_HOME/NAME.config.toml.
    #[arg(long, value_name = "NAME", conflicts_with = "output")]
    pub profile_file: Option<String>,
    /// Codex's home folder for --profile-file.
    #[arg(long, value_name = "DIR", env = "CODEX_HOME")]
    pub codex_home: Option<PathBuf>,
    /// Also write a model catalog for every alias to FILE (derived from the installed
    /// Codex's own catalog) and point `model_catalog_json` at it, so Codex knows the
    /// aliases' metadata.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// The Codex binary whose bundled catalog --catalog starts from.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "codex",
        requires = "catalog"
    )]
    pub codex_bin: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ClaudeArgs {
    #[command(flatten)]
    pub common: Common,
    /// What to print (default env; --merge implies settings).
    #[arg(long, value_enum)]
    pub format: Option<claude_code::Format>,
    /// Set the six env keys in this existing settings.json (everything else kept); prints
    /// the diff, writes only with --write.
    #[arg(long, value_name = "PATH", conflicts_with = "output")]
    pub merge: Option<PathBuf>,
    /// Apply the --merge.
    #[arg(long, requires = "merge")]
    pub write: bool,
}

pub fn run(args: Args) -> u8 {
    match args.target {
        Target::Litellm(a) => with_input(&a.common, |input| {
            let c = &a.common;
            let warnings = litellm::warnings(input);
            if !c.quiet && !warnings.is_empty() {
                eprint!("{}", render::short(input.source, &warnings));
            }
            match &c.output {
                Some(path) => to_file(c, input, path, litellm::emit(input, true)),
                None => to_stdout(c, input, litellm::emit(input, c.show_secrets)),
            }
        }),
        Target::Codex(a) => with_input(&a.common, |input| codex_run(&a, input)),
        Target::ClaudeCode(a) => with_input(&a.common, |input| claude_run(&a, input)),
        Target::Opencode(a) => with_input(&a.common, |input| {
            client_run(&a, input, opencode::file(input))
        }),
        Target::QwenCode(a) => with_input(&a.common, |input| {
            client_run(&a, input, qwen_code::file(input))
        }),
        Target::Aider(a) => with_input(&a.client.common, |input| {
            client_run(&a.client, input, aider::file(input, a.format))
        }),
        Target::Continue(a) => with_input(&a.common, |input| {
            client_run(&a, input, continue_cli::file(input))
        }),
    }
}

/// opencode, Qwen Code, Aider, Continue: a whole file to stdout or `-o`, or a merge.
fn client_run(a: &ClientArgs, input: &Input, file: Result<ClientFile, Diagnostic>) -> u8 {
    let c = &a.common;
    let Some(path) = &a.merge else {
        let emitted = client::emit(input, file);
        return match &c.output {
            Some(path) => to_file(c, input, path, emitted),
            None => to_stdout(c, input, emitted),
        };
    };
    let f = match file {
        Ok(f) => f,
        Err(d) => return report(input, &[d]),
    };
    let read = match output::read_optional(path) {
        Ok(s) => s,
        Err(e) => return io_error(path, &e),
    };
    let existing = read.clone().unwrap_or_default();
    match client::merge(&existing, &f) {
        Ok(m) => apply_merge(c, path, read.as_deref(), &m, a.write),
        Err(e) => {
            eprintln!("error: cannot merge into {}: {e}", path.display());
            exit::INPUT
        }
    }
}

/// `--catalog FILE`: the catalog's absolute path and text.
fn codex_catalog(a: &CodexArgs, input: &Input) -> Result<Option<(PathBuf, String)>, u8> {
    let Some(path) = &a.catalog else {
        return Ok(None);
    };
    let abs = match std::path::absolute(path) {
        Ok(p) => p,
        Err(e) => return Err(io_error(path, &e)),
    };
    let derived =
        codex_catalog::bundled(&a.codex_bin).and_then(|b| codex_catalog::derive(input, &b));
    match derived {
        Ok(v) => Ok(Some((abs, codex_catalog::render(&v)))),
        Err(e) => {
            eprintln!("error: {e}");
            Err(exit::USAGE)
        }
    }
}

/// Write (or with `--check` compare) the catalog once the config has been handled with
/// `status`; `write`: whether the config was written (not a dry run).
fn finish_catalog(c: &Common, catalog: &Option<(PathBuf, String)>, status: u8, write: bool) -> u8 {
    let Some((path, text)) = catalog else {
        return status;
    };
    if status == exit::USAGE || (status != exit::OK && !c.check) {
        return status;
    }
    let current = match output::read_optional(path) {
        Ok(s) => s,
        Err(e) => return io_error(path, &e),
    };
    if current.as_deref() == Some(text.as_str()) {
        return status;
    }
    if c.check {
        eprintln!(
            "error: {} is stale: Codex's catalog or the aliases changed; run the same command without --check",
            path.display()
        );
        return exit::INPUT;
    }
    if !write {
        eprintln!(
            "dry run: --write also writes the catalog {}",
            path.display()
        );
        return status;
    }
    match output::write_atomic(path, text, false) {
        Ok(()) => {
            if !c.quiet {
                eprintln!("wrote {} (Codex model catalog)", path.display());
            }
            status
        }
        Err(e) => io_error(path, &e),
    }
}

fn codex_run(a: &CodexArgs, input: &Input) -> u8 {
    let catalog = match codex_catalog(a, input) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let catalog_path = catalog
        .as_ref()
        .map(|(p, _)| p.to_string_lossy().into_owned());
    let status = codex_config(a, input, catalog_path.as_deref());
    let wrote = a.merge.is_none() || a.write;
    finish_catalog(&a.common, &catalog, status, wrote)
}

fn codex_config(a: &CodexArgs, input: &Input, catalog: Option<&str>) -> u8 {
    let c = &a.common;
    if let Some(path) = &a.merge {
        let mut v = match codex::values(input) {
            Ok(v) => v,
            Err(d) => return report(input, &[d]),
        };
        v.catalog = catalog.map(str::to_string);
        let read = match output::read_optional(path) {
            Ok(s) => s,
            Err(e) => return io_error(path, &e),
        };
        let existing = read.clone().unwrap_or_default();
        let merged = match codex::merge(&existing, &v) {
            Ok(m) => m,
            Err(e) => {
                eprintln!(
                    "error: cannot merge into {}: it is not valid TOML:\n{e}",
                    path.display()
                );
                return exit::INPUT;
            }
        };
        let emitted = Emitted {
            text: merged,
            secrets: Vec::new(),
            hidden: Vec::new(),
        };
        return apply_merge(c, path, read.as_deref(), &emitted, a.write);
    }
    if let Some(name) = &a.profile_file {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            eprintln!("error: --profile-file takes a profile name (like `flowgate`), not a path");
            return exit::USAGE;
        }
        let Some(home) = a.codex_home.clone().or_else(default_codex_home) else {
            eprintln!("error: cannot find Codex's home: set CODEX_HOME or --codex-home");
            return exit::USAGE;
        };
        if !c.check
            && let Err(e) = std::fs::create_dir_all(&home)
        {
            return io_error(&home, &e);
        }
        let path = home.join(format!("{name}.config.toml"));
        return to_file(c, input, &path, codex::emit(input, catalog));
    }
    match &c.output {
        Some(path) => to_file(c, input, path, codex::emit(input, catalog)),
        None => to_stdout(c, input, codex::emit(input, catalog)),
    }
}

fn default_codex_home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".codex"))
}

fn claude_run(a: &ClaudeArgs, input: &Input) -> u8 {
    let c = &a.common;
    // env and shell output carry the notes as comments; settings.json cannot.
    let settings = a.merge.is_some() || a.format == Some(claude_code::Format::Settings);
    if settings
        && !c.quiet
        && let Ok(v) = claude_code::values(input)
    {
        for n in &v.notes {
            eprintln!("note: {n}");
        }
    }
    if let Some(path) = &a.merge {
        if a.format.is_some_and(|f| f != claude_code::Format::Settings) {
            eprintln!("error: --merge edits a settings.json; it works with --format settings only");
            return exit::USAGE;
        }
        let read = match output::read_optional(path) {
            Ok(s) => s,
            Err(e) => return io_error(path, &e),
        };
        let existing = read.as_deref().unwrap_or_default();
        return match claude_code::merge(existing, input, true) {
            Ok(Ok(m)) => {
                if let Some(why) = &m.kept_token
                    && !c.quiet
                {
                    eprintln!(
                        "note: {why}, so the ANTHROPIC_AUTH_TOKEN already in {} is kept",
                        path.display()
                    );
                }
                apply_merge(c, path, read.as_deref(), &m.emitted, a.write)
            }
            Ok(Err(diags)) => report(input, &diags),
            Err(e) => {
                eprintln!("error: cannot merge into {}: {e}", path.display());
                exit::INPUT
            }
        };
    }
    let format = a.format.unwrap_or(claude_code::Format::Env);
    if format == claude_code::Format::Settings
        && c.output.is_none()
        && !c.show_secrets
        && !c.quiet
        && let Ok(v) = claude_code::values(input)
        && let claude_code::Token::Env(var, _) = &v.token
    {
        eprintln!(
            "note: settings.json cannot reference environment variables, so ANTHROPIC_AUTH_TOKEN is the placeholder `${{{var}}}` here; -o FILE and --merge --write put the value of {var} in (mode 0600), --show-secrets prints it"
        );
    }
    match &c.output {
        Some(path) => to_file(c, input, path, claude_code::emit(input, format, true)),
        None => to_stdout(c, input, claude_code::emit(input, format, c.show_secrets)),
    }
}

/// Load and check the config, choose the profile, and run `f` on the result. Refuses (exit
/// 1, diagnostics on stderr) when the checks find errors.
pub(crate) fn with_input(c: &Common, f: impl FnOnce(&Input) -> u8) -> u8 {
    let path = &match crate::commands::config(c.config.clone()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let source = match SourceFile::read(path) {
        Ok(s) => s,
        Err(_) => {
            // Unreadable, too large or not UTF-8: `check_path` turns these into the same
            // diagnostics `fgc check` shows.
            return match crate::check::check_path(path, &CheckOptions::default()) {
                Ok(l) => {
                    eprint!(
                        "{}",
                        render::human(&l.source, &l.diagnostics, render::stderr_colour())
                    );
                    exit::INPUT
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    exit::USAGE
                }
            };
        }
    };
    let dialect = c.litellm.then_some(Dialect::Litellm);
    let mut loaded = load_with(source, dialect, &crate::include::read_from_disk);
    if let Some(m) = &mut loaded.model
        && let Err(msg) = models_from_flags(m, c)
    {
        eprintln!("error: {msg}");
        return exit::USAGE;
    }
    let profile = match &loaded.model {
        Some(m) => match m.select_profile(c.profile.as_deref()) {
            // An unknown `default_profile` is reported by the checks as such, not as --profile.
            Ok(p) if c.profile.is_none() && p.is_some_and(|p| !m.profiles.contains_key(p)) => None,
            Ok(p) => p.map(str::to_string),
            Err(msg) => {
                eprintln!("error: {}: {msg}", loaded.source.name);
                return exit::USAGE;
            }
        },
        None => c.profile.clone(),
    };
    let opts = CheckOptions {
        profile: profile.clone(),
        secrets: Secrets::Optional,
        dialect,
        ..CheckOptions::default()
    };
    let loaded: Loaded = check_loaded(loaded, &opts);
    let colour = render::stderr_colour();
    if loaded.has_errors() || loaded.model.is_none() {
        eprint!(
            "{}",
            render::human(&loaded.source, &loaded.diagnostics, colour)
        );
        eprintln!(
            "error: {} has errors; nothing was emitted",
            loaded.source.name
        );
        return exit::INPUT;
    }
    if !c.quiet && !loaded.diagnostics.is_empty() {
        // Warnings only here: one line each (`fgc check` shows them in full).
        eprint!("{}", render::short(&loaded.source, &loaded.diagnostics));
    }
    let model = loaded.model.as_ref().expect("checked above");
    let input = Input {
        view: model.view(profile.as_deref()),
        source_name: &loaded.source.name,
        source: &loaded.source,
    };
    f(&input)
}

/// `--model` and `--fast-model`, in the model's `integration` (where the emitters and the
/// checks read the client's aliases). Each must name an alias of the config.
fn models_from_flags(model: &mut crate::model::Model, c: &Common) -> Result<(), String> {
    for (flag, value) in [("--model", &c.model), ("--fast-model", &c.fast_model)] {
        let Some(v) = value else { continue };
        if !model.served_names().any(|n| n == v) {
            let hint = crate::diag::did_you_mean(v, model.served_names())
                .map(|s| format!(": did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(format!(
                "{flag} {v}: no alias of the config has this name{hint}"
            ));
        }
    }
    if c.model.is_none() && c.fast_model.is_none() {
        return Ok(());
    }
    let int = model.raw.integration.get_or_insert_with(Default::default);
    let spanned = |v: &String| crate::span::Sp::new(v.clone(), crate::span::Span::default());
    if let Some(m) = &c.model {
        int.default_model = Some(spanned(m));
    }
    if let Some(m) = &c.fast_model {
        int.fast_model = Some(spanned(m));
    }
    Ok(())
}

/// Diagnostics from an emitter (missing default model, unusable secret): exit 1.
fn report(input: &Input, diags: &[Diagnostic]) -> u8 {
    eprint!(
        "{}",
        render::human(input.source, diags, render::stderr_colour())
    );
    eprintln!("error: nothing was emitted");
    exit::INPUT
}

fn io_error(path: &Path, e: &std::io::Error) -> u8 {
    eprintln!("error: {}: {e}", path.display());
    exit::USAGE
}

fn to_stdout(c: &Common, input: &Input, emitted: Result<Emitted, Vec<Diagnostic>>) -> u8 {
    if c.check {
        eprintln!(
            "error: --check compares with a file: give it with -o FILE (or --merge / --profile-file)"
        );
        return exit::USAGE;
    }
    match emitted {
        Ok(e) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if out
                .write_all(e.text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return exit::USAGE;
            }
            exit::OK
        }
        Err(diags) => report(input, &diags),
    }
}

/// `-o FILE` (or `--profile-file`): write atomically, or with `--check` compare.
fn to_file(
    c: &Common,
    input: &Input,
    path: &Path,
    emitted: Result<Emitted, Vec<Diagnostic>>,
) -> u8 {
    let e = match emitted {
        Ok(e) => e,
        Err(diags) => return report(input, &diags),
    };
    if c.check {
        let current = match output::read_optional(path) {
            Ok(s) => s,
            Err(err) => return io_error(path, &err),
        };
        return check_result(
            c,
            path,
            current.as_deref().unwrap_or(""),
            &e,
            current.is_none(),
        );
    }
    // An up-to-date file is left alone (no write, no fsync, mtime kept), unless its mode
    // must be tightened because it holds a secret.
    let same = matches!(output::read_optional(path), Ok(Some(cur)) if cur == e.text);
    let mode_ok = !e.has_secret() || output::mode_of(path) == Some(output::SECRET_MODE);
    if same && mode_ok {
        if !c.quiet {
            eprintln!("{} is up to date", path.display());
        }
        return exit::OK;
    }
    match output::write_atomic(path, &e.text, e.has_secret()) {
        Ok(()) => {
            if !c.quiet {
                let mode = if e.has_secret() {
                    " (mode 0600: it holds a secret)"
                } else {
                    ""
                };
                eprintln!("wrote {}{mode}", path.display());
            }
            exit::OK
        }
        Err(err) => io_error(path, &err),
    }
}

fn shown(c: &Common, text: &str, e: &Emitted) -> String {
    if c.show_secrets {
        text.to_string()
    } else {
        let all: Vec<String> = e.secrets.iter().chain(&e.hidden).cloned().collect();
        output::redact(text, &all)
    }
}

fn check_result(c: &Common, path: &Path, current: &str, e: &Emitted, missing: bool) -> u8 {
    if !missing && current == e.text {
        if !c.quiet {
            eprintln!("{} is up to date", path.display());
        }
        return exit::OK;
    }
    let name = path.display().to_string();
    let diff = output::unified_diff(current, &e.text, &name, &format!("{name} (generated)"));
    print!("{}", shown(c, &diff, e));
    if missing {
        eprintln!("error: {name} does not exist");
    } else {
        eprintln!("error: {name} is stale: run the same command without --check to update it");
    }
    exit::INPUT
}

/// Print the diff of a merge; write it with `--write`; with `--check` only compare.
/// `read` is the file as it was read (`None`: it did not exist); the write is refused when
/// the file no longer holds that.
fn apply_merge(c: &Common, path: &Path, read: Option<&str>, merged: &Emitted, write: bool) -> u8 {
    let existing = read.unwrap_or_default();
    if c.check {
        return check_result(c, path, existing, merged, false);
    }
    let name = path.display().to_string();
    let diff = output::unified_diff(existing, &merged.text, &name, &name);
    if diff.is_empty() {
        eprintln!("{name} is up to date");
        return exit::OK;
    }
    print!("{}", shown(c, &diff, merged));
    if !write {
        eprintln!("dry run: pass --write to apply this to {name}");
        return exit::OK;
    }
    let file = write::Replace {
        path,
        expect: read.map_or(write::Expect::Absent, write::Expect::Text),
        text: &merged.text,
        secret: merged.has_secret(),
    };
    match write::replace_all(&[file]) {
        Ok(()) => {
            eprintln!("updated {name}");
            exit::OK
        }
        Err(e @ write::WriteError::Changed { .. }) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
        Err(write::WriteError::Io { source, .. }) => io_error(path, &source),
    }
}
