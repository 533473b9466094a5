//! ## What it does
//! Reports two services in `services` that listen on the same port of the same address.
//! `0.0.0.0` and `::` conflict with every address; `localhost` is `127.0.0.1`. A service
//! without `host` listens on `127.0.0.1`.
//!
//! ## Why it matters
//! The second service fails to bind and exits; `service start all` returns quickly and one
//! service is simply not there (runbook: port conflict).
//!
//! ## Example
//! ```yaml
//! services:
//!   litellm: {host: 127.0.0.1, port: 4000}
//!   cliproxyapi_plus: {host: 127.0.0.1, port: 4000}
//! ```
//!
//! ## How to fix
//! Give one of them another port (the seeds use 4000 for LiteLLM and 8317 for
//! CLIProxyAPIPlus), and update the `api_base` of deployments that point at it.

use super::Ctx;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::span::Span;

fn normal_host(h: &str) -> &str {
    match h {
        "localhost" | "" => "127.0.0.1",
        "[::]" => "::",
        other => other,
    }
}

fn overlaps(a: &str, b: &str) -> bool {
    let wild = |h: &str| h == "0.0.0.0" || h == "::";
    a == b || wild(a) || wild(b)
}

pub fn check(cx: &mut Ctx) {
    let Some(services) = &cx.model.raw.services else {
        return;
    };
    let mut seen: Vec<(&str, &str, u16, Span)> = Vec::new();
    for (name, svc) in services {
        if svc.enabled == Some(false) {
            continue;
        }
        let Some(port) = &svc.port else { continue };
        let host = normal_host(svc.host.as_ref().map_or("127.0.0.1", |h| h.as_str()));
        if let Some((other, ohost, _, ospan)) = seen
            .iter()
            .find(|(_, h, p, _)| *p == port.value && overlaps(h, host))
            .copied()
        {
            cx.report(
                Diagnostic::new(
                    Code::PortConflict,
                    format!(
                        "services `{other}` and `{name}` both listen on port {} ({ohost} / {host})",
                        port.value
                    ),
                )
                .primary(port.span, format!("`{name}` cannot bind this port"))
                .secondary(ospan, format!("`{other}` listens here"))
                .help("give one of them another port, and update api_base values that point at it"),
            );
        }
        seen.push((name.as_str(), host, port.value, port.span));
    }
}
