//! `fgc redirect`: map standard model names to each upstream's own model ids in flowgate.yaml
//! (dry run by default), or clear the generated entries. See docs/redirect.md.
//!
//! Exit codes: 0 done (or nothing to do); 1 flowgate.yaml does not check clean, the result
//! would not, or an upstream could not be listed (the others were still mapped and, with
//! `--write`, written); 2 usage (an unknown `--upstream`, an unusable models file, a
//! `--clear` not confirmed) or I/O.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use crate::commands::{CONFIG_HELP, exit};
use crate::redirect::{self, ErrorKind, RedirectError, Session, fetch, names};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The flowgate.yaml to change.
    #[arg(long, short = 'c', value_name = "FILE", long_help = CONFIG_HELP)]
    pub config: Option<PathBuf>,
    /// Write the result (atomically). Without it, print the diff only.
    #[arg(long, conflicts_with = "clear")]
    pub write: bool,
    /// Read the model lists from this JSON file instead of asking the upstreams: an object
    /// mapping each upstream (name or api_base) to its `/models` answer or a list of ids.
    #[arg(long, value_name = "FILE", conflicts_with = "clear")]
    pub models_file: Option<PathBuf>,
    /// Only this upstream (repeatable; default: every upstream).
    #[arg(long = "upstream", value_name = "NAME")]
    pub upstreams: Vec<String>,
    /// Remove the generated entries instead: preview, diff, then a confirmation.
    #[arg(long)]
    pub clear: bool,
    /// With --clear: do not ask for confirmation (for scripts).
    #[arg(long, requires = "clear")]
    pub yes: bool,
    /// Seconds each request to an upstream may take.
    #[arg(long, value_name = "SECS", default_value_t = 20)]
    pub timeout: u64,
    /// How many upstreams are asked at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub jobs: usize,
    /// Print the standard names in effect (and the built-in list's version), then exit.
    #[arg(long, conflicts_with_all = ["clear", "write", "models_file"])]
    pub list_names: bool,
}

pub fn run(args: Args) -> u8 {
    let config = match crate::commands::config(args.config.clone()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let session = match Session::load(&config) {
        Ok(s) => s,
        Err(e) => return refuse(&e),
    };
    if args.list_names {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "# fgc built-in standard names, version {}",
            names::VERSION
        );
        for s in &session.standards {
            let _ = writeln!(out, "{}", s.name);
        }
        return exit::OK;
    }
    if args.clear {
        clear(&args, &session)
    } else {
        map(&args, &session)
    }
}

fn map(args: &Args, session: &Session) -> u8 {
    let sel = match session.select(&args.upstreams, false) {
        Ok(s) => s,
        Err(e) => return refuse(&e),
    };
    let listings = match &args.models_file {
        Some(path) => {
            let file = std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|t| fetch::ModelsFile::parse(&t));
            match file {
                Ok(f) => session.from_file(&sel, &f),
                Err(message) => {
                    return refuse(&RedirectError::ModelsFile {
                        path: path.clone(),
                        message,
                    });
                }
            }
        }
        None => session.fetch(
            &sel,
            fetch::Limits {
                timeout: Duration::from_secs(args.timeout.max(1)),
                jobs: args.jobs.max(1),
            },
        ),
    };
    let plan = match session.plan(&sel, listings) {
        Ok(p) => p,
        Err(e) => return refuse(&e),
    };
    let timer = crate::load::Timer::start();
    let _ = std::io::stdout()
        .lock()
        .write_all(plan.change.diff(render::stdout_colour()).as_bytes());
    timer.mark("redirect: diff");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(plan.report.render().as_bytes());
    let (added, removed) = (plan.report.added, plan.report.removed);
    if !plan.change.changed() {
        let _ = writeln!(err, "{} is up to date", plan.change.name);
    } else if args.write {
        if let Err(e) = plan.change.write() {
            drop(err);
            return refuse(&e);
        }
        let _ = writeln!(
            err,
            "wrote {}: {added} generated entr{} in, {removed} out",
            plan.change.name,
            if added == 1 { "y" } else { "ies" }
        );
    } else {
        let _ = writeln!(
            err,
            "would write {}: {added} generated entr{} in, {removed} out; dry run, run again with --write to apply",
            plan.change.name,
            if added == 1 { "y" } else { "ies" }
        );
    }
    if plan.report.failed() > 0 {
        exit::INPUT
    } else {
        exit::OK
    }
}

fn clear(args: &Args, session: &Session) -> u8 {
    let sel = match session.select(&args.upstreams, true) {
        Ok(s) => s,
        Err(e) => return refuse(&e),
    };
    let plan = match session.plan_clear(&sel) {
        Ok(p) => p,
        Err(e) => return refuse(&e),
    };
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(plan.preview().as_bytes());
    if plan.total() == 0 {
        let _ = writeln!(err, "nothing to clear");
        return exit::OK;
    }
    let _ = std::io::stdout()
        .lock()
        .write_all(plan.change.diff(render::stdout_colour()).as_bytes());
    let total = plan.total();
    let what = format!(
        "{total} generated entr{}",
        if total == 1 { "y" } else { "ies" }
    );
    if !args.yes {
        let _ = write!(
            err,
            "remove {what} from {}? The diff above is the only way back. [y/N] ",
            plan.change.name
        );
        let _ = err.flush();
        let mut answer = String::new();
        match std::io::stdin().lock().read_line(&mut answer) {
            Ok(0) | Err(_) => {
                let _ = writeln!(
                    err,
                    "\nnot confirmed (no answer on stdin); nothing changed. Pass --yes to clear without asking"
                );
                return exit::USAGE;
            }
            Ok(_) => {}
        }
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            let _ = writeln!(err, "cancelled; nothing changed");
            return exit::OK;
        }
    }
    if let Err(e) = plan.change.write() {
        drop(err);
        return refuse(&e);
    }
    let _ = writeln!(err, "removed {what} from {}", plan.change.name);
    exit::OK
}

fn refuse(e: &redirect::RedirectError) -> u8 {
    let code = match e.kind() {
        ErrorKind::Input => exit::INPUT,
        ErrorKind::Usage | ErrorKind::Io => exit::USAGE,
    };
    super::refuse(e, e.check_report(), code)
}
