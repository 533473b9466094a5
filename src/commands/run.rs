//! `fgc run <client> [-- client args]`: start a client pointed at the gateway, for that
//! process only. Uses the gateway that is running, or starts `fgc serve` for the run and
//! stops it afterwards; runs `fgc doctor`'s checks for the client first; passes the client's
//! exit status through.

use std::ffi::OsString;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::commands::{CONFIG_HELP, exit};
use crate::doctor;
use crate::emit::Input;
use crate::model::view::GatewayKey;
use crate::run::{self, Gateway, PrepareError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The client: `claude` (Claude Code) or `codex` (Codex CLI).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(run::CLIENTS.iter().map(|c| c.name)))]
    pub client: String,
    #[arg(long, short = 'c', value_name = "FILE", long_help = CONFIG_HELP)]
    pub config: Option<PathBuf>,
    /// The profile. Default: `default_profile`, else the only profile.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: Option<String>,
    /// Start the client even when doctor's checks for it fail.
    #[arg(long)]
    pub no_check: bool,
    /// Seconds to wait for a gateway fgc run starts to listen.
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    pub start_timeout: u64,
    /// Arguments for the client, after `--`.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
}

pub fn run(args: Args) -> u8 {
    let Some(client) = run::find(&args.client) else {
        return exit::USAGE;
    };
    let config = match crate::commands::config(args.config.clone()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let common = crate::commands::emit::Common {
        config: Some(config.clone()),
        profile: args.profile.clone(),
        output: None,
        check: false,
        show_secrets: false,
        quiet: true,
        litellm: false,
        model: None,
        fast_model: None,
    };
    crate::commands::emit::with_input(&common, |input| with_gateway(&args, client, &config, input))
}

fn with_gateway(args: &Args, client: &run::Client, config: &Path, input: &Input) -> u8 {
    let gw = &input.view.gateway;
    let root = gw.root.clone();
    let (key_var, key) = match &gw.key {
        GatewayKey::Env { var, .. } => (
            Some(var.clone()),
            std::env::var(var).ok().filter(|v| !v.trim().is_empty()),
        ),
        GatewayKey::Literal { value, .. } => (None, Some(value.clone())),
        GatewayKey::None => (None, None),
    };
    let addr = match listen_addr(&root) {
        Some(a) => a,
        None => {
            eprintln!("error: the gateway root {root} is not an http:// URL fgc can reach");
            return exit::USAGE;
        }
    };
    let mut server: Option<Server> = None;
    let key = if reachable(&addr) {
        if key.is_none()
            && let Some(var) = &key_var
        {
            eprintln!(
                "error: a gateway is running at {root}, but `{var}` (its key) is not set here: export the key it was started with"
            );
            return exit::USAGE;
        }
        eprintln!("fgc run: using the gateway at {root}");
        key
    } else {
        // A one-time key when the config's variable is unset: the gateway started here is the
        // only one that needs to know it.
        let key = key.or_else(|| key_var.as_ref().map(|_| one_time_key()));
        match Server::start(config, args, key_var.as_deref(), key.as_deref(), &addr) {
            Ok(s) => {
                eprintln!(
                    "fgc run: started fgc serve at {root} for this run (log: {})",
                    s.log.path().display()
                );
                server = Some(s);
            }
            Err(msg) => {
                eprintln!("error: {msg}");
                return exit::USAGE;
            }
        }
        key
    };
    let gateway = Gateway {
        root: root.clone(),
        key: key.clone(),
    };
    let launch = match (client.prepare)(input, &gateway) {
        Ok(l) => l,
        Err(PrepareError::Config(d)) => {
            eprint!(
                "{}",
                crate::render::human(
                    input.source,
                    std::slice::from_ref(&*d),
                    crate::render::stderr_colour()
                )
            );
            return exit::INPUT;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    // doctor's checks for this client, in the environment the client gets.
    let mut env = doctor::Env::from_process();
    for (k, v) in &launch.env {
        env = env.set(k, v);
    }
    if let (Some(var), Some(k)) = (&key_var, &key) {
        env = env.set(var, k);
    }
    let mut opts = doctor::Options::new(config);
    opts.profile = args.profile.clone();
    opts.gateway = Some(root.clone());
    opts.env = env;
    opts.cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match doctor::run_client(&opts, client.doctor) {
        Ok(report) if report.failed() && !args.no_check => {
            eprint!(
                "{}",
                doctor::render::human(&report, crate::render::stderr_colour())
            );
            eprintln!(
                "error: the checks for {} failed; fix them, or pass --no-check",
                client.name
            );
            return exit::INPUT;
        }
        Ok(_) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    }
    let _ = ignore_interrupts();
    let mut cmd = Command::new(launch.program);
    cmd.args(&launch.args).args(&args.args);
    for v in &launch.unset {
        cmd.env_remove(v);
    }
    cmd.envs(launch.env.iter().map(|(k, v)| (k, v)));
    let status = cmd.status();
    drop(launch.files);
    drop(server);
    match status {
        Ok(s) => exit_code(s),
        Err(e) => {
            eprintln!("error: cannot start `{}`: {e}", launch.program);
            if e.kind() == std::io::ErrorKind::NotFound {
                eprintln!("help: install it and make sure it is on PATH");
            }
            127
        }
    }
}

/// The client's exit code; a client killed by a signal gives 128 + the signal, as a shell
/// reports it.
fn exit_code(s: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => u8::try_from(c).unwrap_or(1),
        (None, Some(sig)) => u8::try_from(128 + sig).unwrap_or(1),
        _ => 1,
    }
}

/// Ctrl-C goes to the whole foreground group: the client decides what it means; fgc waits
/// for it to exit (and then stops its gateway) instead of dying first.
fn ignore_interrupts() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let _guard = rt.enter();
    let sig = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    // The handler stays installed for the life of the process; nothing reads the stream.
    std::mem::forget(sig);
    std::mem::forget(rt);
    Ok(())
}

fn one_time_key() -> String {
    let bytes: [u8; 24] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sk-fgc-run-{hex}")
}

/// `host:port` of an `http://` root.
fn listen_addr(root: &str) -> Option<String> {
    let url = reqwest::Url::parse(root).ok()?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return None;
    }
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some(if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    })
}

fn reachable(addr: &str) -> bool {
    addr.to_socket_addrs()
        .ok()
        .into_iter()
        .flatten()
        .any(|a| TcpStream::connect_timeout(&a, Duration::from_millis(300)).is_ok())
}

/// `fgc serve` started for the run, in a process group of its own (Ctrl-C in the client does
/// not reach it); stopped with SIGTERM (it drains) when dropped.
struct Server {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl Server {
    fn start(
        config: &Path,
        args: &Args,
        key_var: Option<&str>,
        key: Option<&str>,
        addr: &str,
    ) -> Result<Server, String> {
        use std::os::unix::process::CommandExt;
        let exe = std::env::current_exe().map_err(|e| format!("cannot find fgc itself: {e}"))?;
        let log = tempfile::Builder::new()
            .prefix("fgc-run-serve-")
            .suffix(".log")
            .tempfile()
            .map_err(|e| format!("cannot create the gateway's log: {e}"))?;
        let err = log
            .reopen()
            .map_err(|e| format!("cannot open the gateway's log: {e}"))?;
        let mut cmd = Command::new(exe);
        cmd.arg("serve").arg("-c").arg(config);
        if let Some(p) = &args.profile {
            cmd.arg("-p").arg(p);
        }
        if let (Some(var), Some(k)) = (key_var, key) {
            cmd.env(var, k);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .process_group(0);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start fgc serve: {e}"))?;
        let mut s = Server { child, log };
        let deadline = Instant::now() + Duration::from_secs(args.start_timeout);
        loop {
            if let Ok(Some(status)) = s.child.try_wait() {
                let text = std::fs::read_to_string(s.log.path()).unwrap_or_default();
                return Err(format!(
                    "fgc serve stopped ({status}) before it listened:\n{}",
                    text.trim_end()
                ));
            }
            if reachable(addr) {
                return Ok(s);
            }
            if Instant::now() > deadline {
                let text = std::fs::read_to_string(s.log.path()).unwrap_or_default();
                return Err(format!(
                    "fgc serve did not listen on {addr} within {} s:\n{}",
                    args.start_timeout,
                    text.trim_end()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let term = Command::new("kill")
            .args(["-TERM", &pid])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        if term.is_ok_and(|s| s.success()) {
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
