//! Which process listens on a TCP port, from `/proc` (Linux): the listening sockets of
//! `/proc/net/tcp` and `tcp6`, the process whose file descriptors hold the socket's inode,
//! its name (`comm`) and what it is (from its command line). Processes of other users are not
//! visible without privileges: the socket is then reported with its owner's uid only.
//!
//! Command lines are read to tell `fgc serve` and LiteLLM apart and are never shown (they may
//! carry keys).

use std::net::SocketAddr;
use std::path::Path;

/// What a process is, as far as doctor cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    FgcServe,
    Litellm,
    Other,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::FgcServe => "fgc serve",
            Kind::Litellm => "LiteLLM",
            Kind::Other => "something else",
        }
    }

    /// Whether this is a gateway fgc expects on the gateway's port.
    pub fn is_gateway(self) -> bool {
        matches!(self, Kind::FgcServe | Kind::Litellm)
    }
}

/// A process holding a listening socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: i32,
    /// `/proc/PID/comm` (at most 15 bytes).
    pub name: String,
    pub kind: Kind,
}

/// A listening TCP socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    pub addr: SocketAddr,
    /// The socket owner's uid.
    pub uid: u32,
    /// The process, when this user can see its file descriptors.
    pub process: Option<ProcessInfo>,
}

/// `fgc serve` (`fgc` with a `serve` argument) or LiteLLM (the `litellm` script, `python -m
/// litellm`, `uvicorn litellm.proxy...`), from the process name, executable and arguments.
pub fn classify(name: &str, exe: Option<&Path>, cmdline: &[String]) -> Kind {
    let base = |s: &str| {
        Path::new(s)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let exe_name = exe
        .and_then(|e| e.file_name())
        .map(|f| f.to_string_lossy().into_owned());
    let argv0 = cmdline.first().map(|a| base(a));
    let is_fgc = exe_name.as_deref() == Some("fgc") || argv0.as_deref() == Some("fgc");
    if is_fgc && cmdline.iter().skip(1).any(|a| a == "serve") {
        return Kind::FgcServe;
    }
    let after_m = cmdline
        .windows(2)
        .any(|w| w[0] == "-m" && w[1].starts_with("litellm"));
    if name == "litellm"
        || cmdline.iter().take(2).any(|a| base(a) == "litellm")
        || after_m
        || cmdline.iter().any(|a| a.starts_with("litellm.proxy"))
    {
        return Kind::Litellm;
    }
    Kind::Other
}

/// The sockets listening on any of `ports` (every local address), with their processes.
#[cfg(target_os = "linux")]
pub fn listeners(ports: &[u16]) -> Result<Vec<Listener>, String> {
    use procfs::net::TcpState;
    use procfs::process::FDTarget;
    use std::collections::HashMap;

    let mut entries = procfs::net::tcp().map_err(|e| format!("cannot read /proc/net/tcp: {e}"))?;
    // A machine without IPv6 has no tcp6 table.
    entries.extend(procfs::net::tcp6().unwrap_or_default());
    let mut found: Vec<Listener> = Vec::new();
    let mut by_inode: HashMap<u64, usize> = HashMap::new();
    for e in entries {
        if e.state == TcpState::Listen && ports.contains(&e.local_address.port()) {
            by_inode.insert(e.inode, found.len());
            found.push(Listener {
                addr: e.local_address,
                uid: e.uid,
                process: None,
            });
        }
    }
    let mut left = by_inode.len();
    if left == 0 {
        return Ok(found);
    }
    let procs = procfs::process::all_processes().map_err(|e| format!("cannot list /proc: {e}"))?;
    for p in procs.flatten() {
        // Other users' processes: their fds are not readable (skipped).
        let Ok(fds) = p.fd() else { continue };
        let mut mine = Vec::new();
        for fd in fds.flatten() {
            if let FDTarget::Socket(inode) = fd.target
                && let Some(&i) = by_inode.get(&inode)
                && found[i].process.is_none()
            {
                mine.push(i);
            }
        }
        if mine.is_empty() {
            continue;
        }
        let name = p.stat().map(|s| s.comm).unwrap_or_default();
        let cmdline = p.cmdline().unwrap_or_default();
        let exe = p.exe().ok();
        let info = ProcessInfo {
            pid: p.pid(),
            kind: classify(&name, exe.as_deref(), &cmdline),
            name,
        };
        for i in mine {
            found[i].process = Some(info.clone());
            left -= 1;
        }
        if left == 0 {
            break;
        }
    }
    Ok(found)
}

#[cfg(not(target_os = "linux"))]
pub fn listeners(_ports: &[u16]) -> Result<Vec<Listener>, String> {
    Err("fgc doctor reads listening sockets from /proc, which this system does not have".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn kinds() {
        assert_eq!(
            classify("fgc", None, &argv("/usr/local/bin/fgc serve -c f.yaml")),
            Kind::FgcServe
        );
        assert_eq!(
            classify("fgc", None, &argv("fgc check")),
            Kind::Other,
            "fgc, but not serving"
        );
        assert_eq!(
            classify(
                "litellm",
                None,
                &argv("/v/bin/python3 /v/bin/litellm --config c.yaml --port 4000")
            ),
            Kind::Litellm
        );
        assert_eq!(
            classify("python3", None, &argv("python3 -m litellm --config c.yaml")),
            Kind::Litellm
        );
        assert_eq!(
            classify("python3", None, &argv("python3 -m http.server 4000")),
            Kind::Other
        );
        assert_eq!(
            classify("python3", None, &argv("python3 app.py --name litellm-ish")),
            Kind::Other,
            "only the first arguments name the program"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn finds_its_own_listener() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let found = listeners(&[port]).unwrap();
        assert_eq!(found.len(), 1);
        let p = found[0].process.as_ref().expect("own process is visible");
        assert_eq!(p.pid as u32, std::process::id());
        assert_eq!(p.kind, Kind::Other);
    }
}
