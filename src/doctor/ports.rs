//! The ports area (runbook section 1): for the gateway's port and every other enabled service
//! port, whether something listens, which process (pid and name from `/proc`), and for the
//! gateway's port whether that is `fgc serve` or LiteLLM: by its command line, or, for a
//! process whose command line says nothing (a container's proxy, a process of another user),
//! by what answers over HTTP.

use super::process::{self, Kind, Listener, ProcessInfo};
use super::{Area, Check, Context, Status, shell_word};
use crate::model::view::GATEWAY_SERVICE;

const A: Area = Area::Ports;

/// A port doctor looks at.
#[derive(Clone, Debug)]
pub struct Watched {
    /// The service's name in `services` (`gateway` when the file has no `services.litellm`).
    pub service: String,
    pub host: String,
    pub port: u16,
    pub gateway: bool,
}

/// The ports looked at and what listens on them.
#[derive(Debug)]
pub struct Listening {
    pub watched: Vec<Watched>,
    pub found: Result<Vec<Listener>, String>,
    /// `--gateway` names another machine: its port is not looked at.
    pub remote_gateway: Option<String>,
}

impl Listening {
    /// The process on the gateway's port, when one is visible.
    pub fn gateway_process(&self) -> Option<ProcessInfo> {
        let w = self.watched.iter().find(|w| w.gateway)?;
        self.on(w.port).find_map(|l| l.process.clone())
    }

    fn on(&self, port: u16) -> impl Iterator<Item = &Listener> {
        self.found
            .as_ref()
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(move |l| l.addr.port() == port)
    }
}

/// Which ports to look at, and one pass over `/proc` for them.
pub fn scan(cx: &Context<'_>) -> Listening {
    let model = cx.input.model();
    let services = model.services();
    let in_services = services.iter().any(|s| s.name == GATEWAY_SERVICE);
    let gateway_name = if in_services {
        GATEWAY_SERVICE
    } else {
        "gateway"
    };
    let mut watched = Vec::new();
    let mut remote_gateway = None;
    let gw = &cx.view().gateway;
    let address = match &cx.opts.gateway {
        Some(url) => match reqwest::Url::parse(url) {
            Ok(u) => {
                let host = u.host_str().unwrap_or_default().to_string();
                let bare = host.trim_start_matches('[').trim_end_matches(']');
                if is_local(bare) {
                    u.port_or_known_default().map(|p| (host, p))
                } else {
                    remote_gateway = Some(host);
                    None
                }
            }
            Err(_) => None,
        },
        None => Some((gw.host.clone(), gw.port)),
    };
    if let Some((host, port)) = address {
        watched.push(Watched {
            service: gateway_name.to_string(),
            host,
            port,
            gateway: true,
        });
    }
    for s in services {
        if s.name == GATEWAY_SERVICE || !s.enabled {
            continue;
        }
        let Some(port) = s.port else { continue };
        watched.push(Watched {
            service: s.name.to_string(),
            host: s.host.to_string(),
            port,
            gateway: false,
        });
    }
    let ports: Vec<u16> = watched.iter().map(|w| w.port).collect();
    let found = process::listeners(&ports);
    Listening {
        watched,
        found,
        remote_gateway,
    }
}

/// A host of this machine (so its ports are in this machine's `/proc`).
fn is_local(host: &str) -> bool {
    matches!(host, "localhost" | "0.0.0.0" | "::")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// One check per watched port. `answered`: what answered over HTTP at the gateway's root
/// (`None` offline, or when nothing answered).
pub fn checks(cx: &Context<'_>, l: &Listening, answered: Option<Kind>) -> Vec<Check> {
    let mut out = Vec::new();
    if let Some(host) = &l.remote_gateway {
        out.push(Check::new(
            A,
            "listen",
            Status::Skip,
            format!("the gateway is on {host}, another machine: its port was not looked at"),
        ));
    }
    if let Err(e) = &l.found {
        out.push(Check::new(
            A,
            "listen",
            Status::Warn,
            format!("cannot see which processes listen: {e}"),
        ));
        return out;
    }
    for w in &l.watched {
        let listeners: Vec<&Listener> = l.on(w.port).collect();
        out.push(if w.gateway {
            gateway_port(cx, w, &listeners, answered)
        } else {
            service_port(w, &listeners)
        });
    }
    out
}

fn where_(w: &Watched) -> String {
    let what = if w.gateway && w.service != GATEWAY_SERVICE {
        "the gateway".to_string()
    } else if w.gateway {
        format!("the gateway, services.{}", w.service)
    } else {
        format!("services.{}", w.service)
    };
    format!("{}:{} ({what})", w.host, w.port)
}

/// `pid 123 (fgc)`, or the owner when the process is not visible.
fn holder(l: &Listener) -> String {
    match &l.process {
        Some(p) => format!("pid {} ({})", p.pid, p.name),
        None => format!("a process of uid {} (not visible to this user)", l.uid),
    }
}

/// The distinct holders of a port (IPv4 and IPv6 sockets of one process count once).
fn holders(listeners: &[&Listener]) -> Vec<Listener> {
    let mut out: Vec<Listener> = Vec::new();
    for l in listeners {
        let same = out.iter().any(|o| match (&o.process, &l.process) {
            (Some(a), Some(b)) => a.pid == b.pid,
            (None, None) => o.uid == l.uid,
            _ => false,
        });
        if !same {
            out.push((*l).clone());
        }
    }
    out
}

fn gateway_port(
    cx: &Context<'_>,
    w: &Watched,
    listeners: &[&Listener],
    answered: Option<Kind>,
) -> Check {
    let at = where_(w);
    let c = |status, message: String| {
        Check::new(A, "listen", status, message).subject(w.service.clone())
    };
    let holders = holders(listeners);
    if holders.is_empty() {
        return c(Status::Fail, format!("nothing listens on {at}"))
            .fix(format!("start the gateway: {}", cx.fixes.fgc("serve", "")));
    }
    let mut worst = Status::Pass;
    let mut parts = Vec::new();
    let mut strangers = Vec::new();
    for h in &holders {
        let by_name = h.process.as_ref().map(|p| p.kind);
        let (status, what) = match (by_name, answered) {
            (Some(k), _) if k.is_gateway() => (Status::Pass, k.describe().to_string()),
            (_, Some(a)) if a.is_gateway() => {
                (Status::Pass, format!("answers as {}", a.describe()))
            }
            (Some(_), Some(_)) | (Some(_), None) if !cx.opts.offline => {
                (Status::Fail, "not fgc serve or LiteLLM".to_string())
            }
            (Some(_), _) => (
                Status::Warn,
                "not fgc serve or LiteLLM by its command line (--offline: not asked over HTTP)"
                    .to_string(),
            ),
            (None, Some(_)) => (
                Status::Fail,
                "does not answer as fgc serve or LiteLLM".into(),
            ),
            (None, None) => (Status::Warn, "not known to be fgc serve or LiteLLM".into()),
        };
        if status == Status::Fail
            && let Some(p) = &h.process
        {
            strangers.push(p.pid);
        }
        worst = worst.max(status);
        parts.push(format!("{}: {what}", holder(h)));
    }
    let mut check = c(worst, format!("{at}: {}", parts.join("; ")));
    if worst == Status::Fail {
        let kill = strangers
            .iter()
            .map(|p| format!("kill {p}"))
            .collect::<Vec<_>>()
            .join(" && ");
        let kill = if kill.is_empty() {
            "stop the other server".to_string()
        } else {
            kill
        };
        check = check.fix(format!(
            "the port is taken: {kill}, or move the gateway to a free port (services.{GATEWAY_SERVICE}.port, then {})",
            cx.fixes.fgc("serve", "")
        ));
    }
    check
}

fn service_port(w: &Watched, listeners: &[&Listener]) -> Check {
    let at = where_(w);
    let c = |status, message: String| {
        Check::new(A, "listen", status, message).subject(w.service.clone())
    };
    let holders = holders(listeners);
    if holders.is_empty() {
        return c(Status::Fail, format!("nothing listens on {at}")).fix(format!(
            "start {}, or set services.{}.port to the port it listens on",
            shell_word(&w.service),
            w.service
        ));
    }
    let who: Vec<String> = holders.iter().map(holder).collect();
    c(Status::Pass, format!("{at}: {}", who.join("; ")))
}
