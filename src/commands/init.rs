//! `fgc init`: write a small, commented flowgate.yaml that passes `fgc check`, from flags or,
//! on a terminal with none, from answers to a few questions.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::commands::exit;
use crate::init::{self, Plan, Upstream};
use crate::redirect::fetch;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write.
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = "flowgate.yaml"
    )]
    pub output: PathBuf,
    /// An upstream's base URL (repeatable), e.g. https://api.openai.com/v1. The --key-env and
    /// --model flags after it belong to it.
    #[arg(long, value_name = "URL")]
    pub upstream: Vec<String>,
    /// The environment variable holding the upstream's key (its name is written, never its
    /// value).
    #[arg(long, value_name = "VAR")]
    pub key_env: Vec<String>,
    /// A model name of the upstream (repeatable). The first becomes the alias router-default.
    #[arg(long, value_name = "NAME")]
    pub model: Vec<String>,
    /// Ask each upstream for its models (GET {URL}/models, with its key from --key-env): all
    /// of them when no --model is given, else a check that the given ones exist.
    #[arg(long)]
    pub discover: bool,
    /// The port the gateway listens on.
    #[arg(long, value_name = "PORT", default_value_t = init::DEFAULT_PORT)]
    pub port: u16,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args, matches: Option<&clap::ArgMatches>) -> u8 {
    if !args.force && std::fs::symlink_metadata(&args.output).is_ok() {
        eprintln!(
            "error: {} exists; fgc init does not overwrite it without --force",
            args.output.display()
        );
        return exit::USAGE;
    }
    let mut plan = if args.upstream.is_empty() {
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            eprintln!(
                "error: give --upstream URL (with --key-env VAR and --model NAME or --discover), or run fgc init on a terminal to be asked"
            );
            return exit::USAGE;
        }
        match ask(&args) {
            Some(p) => p,
            None => return exit::USAGE,
        }
    } else {
        from_flags(&args, matches)
    };
    if (args.discover || plan.upstreams.iter().any(|u| u.models.is_empty()))
        && let Err(code) = discover(&mut plan, args.discover)
    {
        return code;
    }
    let text = match init::render(&plan) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    if let Err(e) = write(&args.output, &text, args.force) {
        eprintln!("error: cannot write {}: {e}", args.output.display());
        return exit::USAGE;
    }
    let aliases: usize = plan.upstreams.iter().map(|u| u.models.len()).sum();
    eprintln!(
        "wrote {} ({aliases} alias{}, {} upstream{}; `{}` is the default)",
        args.output.display(),
        if aliases == 1 { "" } else { "es" },
        plan.upstreams.len(),
        if plan.upstreams.len() == 1 { "" } else { "s" },
        init::DEFAULT_ALIAS,
    );
    let vars: Vec<&str> = plan
        .upstreams
        .iter()
        .filter_map(|u| u.key_env.as_deref())
        .collect();
    if !vars.is_empty() {
        let mut unique = vars.clone();
        unique.dedup();
        eprintln!(
            "next: export {} (the upstream key{}), then `fgc run claude` or `fgc run codex`",
            unique
                .iter()
                .map(|v| format!("{v}=..."))
                .collect::<Vec<_>>()
                .join(" "),
            if unique.len() == 1 { "" } else { "s" }
        );
    } else {
        eprintln!("next: `fgc run claude` or `fgc run codex`");
    }
    exit::OK
}

/// The upstreams from the flags: each `--key-env` and `--model` belongs to the `--upstream`
/// before it (the first one when it comes before every `--upstream`).
fn from_flags(args: &Args, matches: Option<&clap::ArgMatches>) -> Plan {
    let indices = |id: &str| -> Vec<usize> {
        matches
            .and_then(|m| m.indices_of(id))
            .map(|i| i.collect())
            .unwrap_or_default()
    };
    let up_at = indices("upstream");
    let owner = |at: Option<&usize>| -> usize {
        match at {
            Some(at) => up_at.iter().filter(|u| *u < at).count().saturating_sub(1),
            None => 0,
        }
    };
    let mut upstreams: Vec<Upstream> = args
        .upstream
        .iter()
        .map(|u| Upstream {
            url: u.clone(),
            key_env: None,
            models: Vec::new(),
        })
        .collect();
    let key_at = indices("key_env");
    for (i, k) in args.key_env.iter().enumerate() {
        let n = owner(key_at.get(i));
        if let Some(u) = upstreams.get_mut(n) {
            u.key_env = Some(k.clone());
        }
    }
    let model_at = indices("model");
    for (i, m) in args.model.iter().enumerate() {
        let n = owner(model_at.get(i));
        if let Some(u) = upstreams.get_mut(n) {
            u.models.push(m.clone());
        }
    }
    Plan {
        upstreams,
        port: args.port,
    }
}

/// Ask on the terminal: one upstream, its key variable, its models (or discover them).
fn ask(args: &Args) -> Option<Plan> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut prompt = |q: &str, default: &str| -> Option<String> {
        let mut err = std::io::stderr().lock();
        if default.is_empty() {
            let _ = write!(err, "{q}: ");
        } else {
            let _ = write!(err, "{q} [{default}]: ");
        }
        let _ = err.flush();
        let line = lines.next()?.ok()?;
        let line = line.trim();
        Some(if line.is_empty() { default } else { line }.to_string())
    };
    let url = prompt(
        "Upstream base URL (OpenAI-compatible)",
        "https://api.openai.com/v1",
    )?;
    let key_env = prompt(
        "Environment variable holding its key (the name, not the key)",
        "OPENAI_API_KEY",
    )?;
    let models = prompt(
        "Model names, separated by commas (empty: ask the upstream)",
        "",
    )?;
    Some(Plan {
        upstreams: vec![Upstream {
            url,
            key_env: Some(key_env).filter(|k| !k.is_empty()),
            models: models
                .split(',')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect(),
        }],
        port: args.port,
    })
}

/// `GET {url}/models` for each upstream: all models where none were given, else a warning for
/// each given name the upstream does not list. `asked`: --discover was given (an upstream
/// that cannot be listed is then an error even when it has models).
fn discover(plan: &mut Plan, asked: bool) -> Result<(), u8> {
    if let Err(e) = init::validate_urls(plan) {
        eprintln!("error: {e}");
        return Err(exit::USAGE);
    }
    let requests: Vec<fetch::Request> = plan
        .upstreams
        .iter()
        .map(|u| fetch::Request {
            base_url: u.url.trim_end_matches('/').to_string(),
            api: if init::is_anthropic(&u.url) {
                crate::redirect::upstreams::Api::Anthropic
            } else {
                crate::redirect::upstreams::Api::OpenAi
            },
            key: u
                .key_env
                .as_deref()
                .and_then(|v| std::env::var(v).ok())
                .filter(|k| !k.trim().is_empty()),
        })
        .collect();
    let limits = fetch::Limits {
        timeout: Duration::from_secs(15),
        jobs: 4,
    };
    let results = fetch::list_all_blocking(&requests, limits);
    for (u, r) in plan.upstreams.iter_mut().zip(results) {
        match r {
            Ok(ids) if u.models.is_empty() => {
                eprintln!("{}: {} models", u.url, ids.len());
                u.models = ids;
            }
            Ok(ids) => {
                for m in u.models.iter().filter(|m| !ids.contains(m)) {
                    eprintln!("warning: {}: does not list the model {m:?}", u.url);
                }
            }
            Err(e) if asked || u.models.is_empty() => {
                let hint = match &u.key_env {
                    Some(v) if std::env::var_os(v).is_none() => {
                        format!(" (`{v}` is not set)")
                    }
                    _ => String::new(),
                };
                eprintln!("error: cannot list the models of {}: {e}{hint}", u.url);
                return Err(exit::USAGE);
            }
            Err(_) => {}
        }
    }
    Ok(())
}

/// A new file is created only if none exists (no race with another writer); `--force`
/// replaces one atomically, its mode and symlink kept.
fn write(path: &Path, text: &str, force: bool) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    if force {
        return crate::emit::output::write_atomic(path, text, false);
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
