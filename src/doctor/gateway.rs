//! The gateway area: the seed's acceptance commands and the runbook's gateway checks, against
//! the root the config gives clients (or `--gateway`).
//!
//! 1. `GET /health/readiness`: the gateway answers at all (reachable), is ready, and says what
//!    it is (`fgc serve` answers `ready`/`unavailable` with its deployments and profile,
//!    LiteLLM `healthy` with its database state).
//! 2. At once: `GET /v1/models` with the key (every alias listed, nothing stale, the key
//!    accepted), the same without the key (refused when a key is configured), and
//!    `POST /v1/messages/count_tokens` with `integration.default_model` (2xx).
//! 3. With `--probe-models`: a minimal chat request to each alias.

use futures_util::StreamExt;
use serde_json::{Value, json};

use super::http::{self, Answer, Request};
use super::process::{Kind, ProcessInfo};
use super::{Area, Check, Context, GatewayKeyState, Status};

const A: Area = Area::Gateway;

/// The Anthropic API version sent with `count_tokens`.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// What answered, from the readiness answer.
pub fn identify(answer: &Answer) -> Kind {
    let Some(Value::Object(o)) = answer.json() else {
        return Kind::Other;
    };
    if o.contains_key("litellm_version") || o.contains_key("db") {
        return Kind::Litellm;
    }
    let status = o.get("status").and_then(Value::as_str);
    if o.contains_key("config_loaded")
        || o.contains_key("deployments")
        || matches!(status, Some("ready" | "unavailable"))
    {
        return Kind::FgcServe;
    }
    Kind::Other
}

/// Every gateway check, and what answered (`None`: nothing did).
pub async fn checks(
    cx: &Context<'_>,
    client: &reqwest::Client,
    process: Option<ProcessInfo>,
) -> (Vec<Check>, Option<Kind>) {
    let mut out = Vec::new();
    let root = cx.gateway_root.as_str();
    let configured_root = cx.view().gateway.root.as_str();
    if cx.opts.gateway.is_some() && root != configured_root {
        out.push(
            Check::new(
                A,
                "address",
                Status::Warn,
                format!(
                    "--gateway {root} is not the root flowgate.yaml gives the clients ({configured_root}); the client checks compare with {configured_root}"
                ),
            )
            .fix("set integration.base_url (or services.litellm) to the address clients should use"),
        );
    }
    let t = cx.opts.timeout;
    let key = cx.key.value();
    let secrets: Vec<&str> = key.into_iter().collect();
    let ready = match http::send(
        client,
        Request::get(format!("{root}/health/readiness"), key, t),
    )
    .await
    {
        Ok(a) => a,
        Err(f) => {
            out.push(
                Check::new(
                    A,
                    "reachable",
                    Status::Fail,
                    format!(
                        "nothing answers at {root}: {} (no other gateway check ran)",
                        f.describe()
                    ),
                )
                .fix(format!(
                    "start the gateway: {} (or LiteLLM with the config `fgc emit litellm` writes)",
                    cx.fixes.fgc("serve", "")
                )),
            );
            return (out, None);
        }
    };
    let kind = identify(&ready);
    let what = match kind {
        Kind::Other => "a server that is neither fgc serve nor LiteLLM".to_string(),
        k => k.describe().to_string(),
    };
    out.push(Check::new(
        A,
        "reachable",
        Status::Pass,
        format!("{root} answers ({what}, {} ms)", ready.elapsed.as_millis()),
    ));
    out.push(readiness(&ready, kind, &secrets));
    if kind == Kind::FgcServe
        && let Some(Value::Object(o)) = ready.json()
        && let Some(p) = o.get("profile")
    {
        let served = p.as_str();
        let status = if served == cx.profile {
            Status::Pass
        } else {
            Status::Warn
        };
        let name =
            |p: Option<&str>| p.map_or("no profile".to_string(), |p| format!("profile `{p}`"));
        let mut c = Check::new(
            A,
            "profile",
            status,
            format!(
                "the gateway serves {}; doctor checks {}",
                name(served),
                name(cx.profile)
            ),
        );
        if status == Status::Warn {
            c = c.fix(format!(
                "restart the gateway with the profile you mean ({}), or run doctor with -p",
                cx.fixes.fgc("serve", "")
            ));
        }
        out.push(c);
    }

    let models_url = format!("{root}/v1/models");
    let listed = http::send(client, Request::get(models_url.clone(), key, t));
    let without_key = async {
        match key {
            Some(_) => Some(http::send(client, Request::get(models_url.clone(), None, t)).await),
            None => None,
        }
    };
    let count = count_request(cx, client);
    let (listed, without_key, count) = tokio::join!(listed, without_key, count);
    let listed_names = listed.as_ref().ok().and_then(listed_ids);
    let reload = reload_fix(cx, kind, process.as_ref());

    match (&cx.key, &listed) {
        (_, Err(f)) => out.push(Check::new(
            A,
            "aliases-listed",
            Status::Fail,
            format!("GET /v1/models: {}", f.describe()),
        )),
        (GatewayKeyState::Known { from, .. }, Ok(a)) => {
            if a.ok() {
                out.push(Check::new(
                    A,
                    "key-accepted",
                    Status::Pass,
                    format!("the gateway accepts the key from {from}"),
                ));
                out.extend(aliases(cx, a, &reload));
            } else if (400..500).contains(&a.status) && a.status != 404 {
                out.push(
                    Check::new(
                        A,
                        "key-accepted",
                        Status::Fail,
                        format!(
                            "the gateway refuses the key from {from} (GET /v1/models answered {})",
                            a.describe(&secrets)
                        ),
                    )
                    .fix(format!(
                        "the gateway runs with another key: restart it where {from} holds this key"
                    )),
                );
            } else {
                out.push(listing_failed(a, &secrets));
            }
        }
        (GatewayKeyState::Unavailable { var }, Ok(a)) => {
            if a.ok() {
                out.push(open_gateway(cx, &reload));
                out.extend(aliases(cx, a, &reload));
            } else {
                out.push(Check::new(
                    A,
                    "key-required",
                    Status::Pass,
                    format!("a request without the key is refused ({})", a.status),
                ));
                out.push(Check::new(
                    A,
                    "key-accepted",
                    Status::Skip,
                    format!("`{var}` is not set here, so the key was not tried and the aliases were not listed"),
                ));
            }
        }
        (GatewayKeyState::NotConfigured, Ok(a)) => {
            if a.ok() {
                out.push(no_key_configured(cx));
                out.extend(aliases(cx, a, &reload));
            } else if (400..500).contains(&a.status) && a.status != 404 {
                out.push(
                    Check::new(
                        A,
                        "key-accepted",
                        Status::Fail,
                        format!(
                            "the gateway asks for a key ({}), but flowgate.yaml sets no general_settings.master_key: it runs another configuration",
                            a.status
                        ),
                    )
                    .fix(reload.clone()),
                );
            } else {
                out.push(listing_failed(a, &secrets));
            }
        }
    }
    match without_key {
        None => {}
        Some(Ok(a)) if a.ok() => out.push(open_gateway(cx, &reload)),
        Some(Ok(a)) if (400..500).contains(&a.status) => out.push(Check::new(
            A,
            "key-required",
            Status::Pass,
            format!("a request without the key is refused ({})", a.status),
        )),
        Some(Ok(a)) => out.push(Check::new(
            A,
            "key-required",
            Status::Warn,
            format!(
                "a request without the key answered {}, neither accepted nor refused",
                a.describe(&secrets)
            ),
        )),
        Some(Err(f)) => out.push(Check::new(
            A,
            "key-required",
            Status::Warn,
            format!("a request without the key: {}", f.describe()),
        )),
    }
    let key_refused = out
        .iter()
        .any(|c| c.name == "key-accepted" && c.status == Status::Fail);
    out.push(count_check(
        cx,
        count,
        listed_names.as_deref(),
        kind,
        key_refused,
    ));
    if cx.opts.probe_models {
        out.extend(probes(cx, client).await);
    }
    (out, Some(kind))
}

fn readiness(a: &Answer, kind: Kind, secrets: &[&str]) -> Check {
    let c = |status, message: String| Check::new(A, "readiness", status, message);
    match a.status {
        200..=299 => {
            let Some(Value::Object(o)) = a.json().filter(|_| kind == Kind::FgcServe) else {
                return c(Status::Pass, format!("ready ({})", a.status));
            };
            // fgc serve lists its deployments only to a client with the gateway key.
            let Some(deps) = o.get("deployments").and_then(Value::as_array).cloned() else {
                return c(
                    Status::Pass,
                    format!(
                        "ready ({}; fgc serve lists its deployments only with the gateway key)",
                        a.status
                    ),
                );
            };
            let cooling: Vec<String> = deps.iter().filter_map(cooling_down).collect();
            if cooling.is_empty() {
                c(
                    Status::Pass,
                    format!("ready ({} deployments, none cooling down)", deps.len()),
                )
            } else {
                c(
                    Status::Warn,
                    format!(
                        "ready, but {} of {} deployments cool down: {}",
                        cooling.len(),
                        deps.len(),
                        cooling.join(", ")
                    ),
                )
                .fix("see the upstream checks below; the gateway's log says why they failed")
            }
        }
        503 => {
            let cooling: Vec<String> = a
                .json()
                .and_then(|v| v.get("deployments").and_then(Value::as_array).cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(cooling_down)
                .collect();
            let which = if cooling.is_empty() {
                String::new()
            } else {
                format!(": every deployment cools down ({})", cooling.join(", "))
            };
            c(Status::Fail, format!("not ready (503){which}"))
                .fix("see the upstream checks below; the gateway's log says why they failed")
        }
        404 => c(
            Status::Warn,
            "GET /health/readiness answered 404: fgc serve and LiteLLM both answer it; is this the gateway?".into(),
        ),
        _ => c(
            Status::Fail,
            format!("GET /health/readiness answered {}", a.describe(secrets)),
        ),
    }
}

/// `alias#0 (12 s left)` for a deployment of fgc serve's readiness that cools down.
fn cooling_down(d: &Value) -> Option<String> {
    if d.get("state").and_then(Value::as_str) != Some("cooling-down") {
        return None;
    }
    let id = d.get("id").and_then(Value::as_str).unwrap_or("?");
    Some(
        match d.get("cooldown_seconds_left").and_then(Value::as_f64) {
            Some(s) => format!("{id} ({s} s left)"),
            None => id.to_string(),
        },
    )
}

/// What reloads the gateway's configuration.
fn reload_fix(cx: &Context<'_>, kind: Kind, process: Option<&ProcessInfo>) -> String {
    match (kind, process) {
        (Kind::FgcServe, Some(p)) if p.kind == Kind::FgcServe => format!(
            "reload the gateway (fgc serve re-reads its file on SIGHUP): kill -HUP {}",
            p.pid
        ),
        (Kind::FgcServe, _) => format!(
            "restart the gateway with this config: {} (or send fgc serve SIGHUP)",
            cx.fixes.fgc("serve", "")
        ),
        (Kind::Litellm, _) => format!(
            "regenerate LiteLLM's config and restart LiteLLM: {}",
            cx.fixes.fgc("emit litellm", "-o LITELLM_CONFIG")
        ),
        (Kind::Other, _) => format!(
            "restart the gateway with this config: {}",
            cx.fixes.fgc("serve", "")
        ),
    }
}

fn listing_failed(a: &Answer, secrets: &[&str]) -> Check {
    Check::new(
        A,
        "aliases-listed",
        Status::Fail,
        format!("GET /v1/models answered {}", a.describe(secrets)),
    )
}

/// The gateway answered without a key although one is configured.
fn open_gateway(cx: &Context<'_>, reload: &str) -> Check {
    Check::new(
        A,
        "key-required",
        Status::Fail,
        format!(
            "the gateway answers GET /v1/models without a key although flowgate.yaml sets general_settings.master_key: anyone who can reach {} can spend your upstream keys",
            cx.gateway_root
        ),
    )
    .fix(format!("{reload}; it then requires the key"))
}

fn no_key_configured(cx: &Context<'_>) -> Check {
    let host = reqwest::Url::parse(&cx.gateway_root)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if crate::serve::auth::is_loopback(host) {
        Check::new(
            A,
            "key-required",
            Status::Pass,
            "no gateway key is configured and the gateway is on a loopback address",
        )
    } else {
        Check::new(
            A,
            "key-required",
            Status::Warn,
            format!(
                "no gateway key is configured and the gateway is at {host}: anyone who can reach it can spend your upstream keys"
            ),
        )
        .fix("set general_settings.master_key: os.environ/LITELLM_MASTER_KEY and restart the gateway")
    }
}

/// Every alias listed, and nothing listed that the config does not serve.
fn aliases(cx: &Context<'_>, a: &Answer, reload: &str) -> Vec<Check> {
    let listed = match a
        .json()
        .ok_or_else(|| "not JSON".to_string())
        .and_then(|v| crate::redirect::fetch::parse_page(&v))
    {
        Ok(p) => p.ids,
        Err(e) => {
            return vec![Check::new(
                A,
                "aliases-listed",
                Status::Fail,
                format!("GET /v1/models did not answer a model list: {e}"),
            )];
        }
    };
    let missing: Vec<&str> = cx
        .served
        .expected_listed()
        .filter(|n| !listed.iter().any(|l| l == n))
        .collect();
    let stale: Vec<&str> = listed
        .iter()
        .map(String::as_str)
        .filter(|l| !cx.served.serves(l))
        .collect();
    let quote = |v: &[&str]| {
        v.iter()
            .take(8)
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
            + if v.len() > 8 { ", …" } else { "" }
    };
    let expected = cx.served.expected_listed().count();
    let mut out = Vec::new();
    out.push(if missing.is_empty() {
        Check::new(
            A,
            "aliases-listed",
            Status::Pass,
            format!("/v1/models lists every alias of the profile ({expected})"),
        )
    } else {
        Check::new(
            A,
            "aliases-listed",
            Status::Fail,
            format!(
                "/v1/models does not list {}: the gateway runs an older or another config, and clients asking for them get 404",
                quote(&missing)
            ),
        )
        .fix(reload.to_string())
    });
    out.push(if stale.is_empty() {
        Check::new(
            A,
            "no-stale",
            Status::Pass,
            "/v1/models lists nothing flowgate.yaml does not define",
        )
    } else {
        Check::new(
            A,
            "no-stale",
            Status::Fail,
            format!(
                "/v1/models lists {}, which flowgate.yaml does not define: the gateway runs an older or another config",
                quote(&stale)
            ),
        )
        .fix(reload.to_string())
    });
    out
}

/// `integration.default_model`, the alias the seed's acceptance counts tokens with.
fn default_model(cx: &Context<'_>) -> Option<String> {
    cx.input
        .model()
        .raw
        .integration
        .as_ref()
        .and_then(|i| i.default_model.as_ref())
        .map(|m| m.value.clone())
}

/// The seed's acceptance request: `count_tokens` with `integration.default_model`.
async fn count_request(
    cx: &Context<'_>,
    client: &reqwest::Client,
) -> Option<Result<Answer, http::Failure>> {
    let model = default_model(cx)?;
    let body = json!({"model": model, "messages": [{"role": "user", "content": "ping"}]});
    let req = Request::post(
        format!("{}/v1/messages/count_tokens", cx.gateway_root),
        cx.key.value(),
        body,
        cx.opts.timeout,
    )
    .headers(&[("anthropic-version", ANTHROPIC_VERSION)]);
    Some(http::send(client, req).await)
}

/// The names a `/v1/models` answer lists.
fn listed_ids(a: &Answer) -> Option<Vec<String>> {
    let v = a.json().filter(|_| a.ok())?;
    crate::redirect::fetch::parse_page(&v).ok().map(|p| p.ids)
}

/// Judge the `count_tokens` answer. A 404 for an alias the gateway lists (or from LiteLLM,
/// which counts locally for names it does not serve) is the upstream's: LiteLLM asks
/// OpenAI-compatible upstreams `POST {api_base}/responses/input_tokens`, which many do not
/// serve.
fn count_check(
    cx: &Context<'_>,
    answer: Option<Result<Answer, http::Failure>>,
    listed: Option<&[String]>,
    kind: Kind,
    key_refused: bool,
) -> Check {
    let c = |status, message: String| Check::new(A, "count-tokens", status, message);
    let (Some(model), Some(answer)) = (default_model(cx), answer) else {
        return c(
            Status::Skip,
            "integration.default_model is not set, so count_tokens was not tried".into(),
        );
    };
    let secrets: Vec<&str> = cx.key.value().into_iter().collect();
    let what = format!("POST /v1/messages/count_tokens with `{model}`");
    let a = match answer {
        Ok(a) => a,
        Err(f) => return c(Status::Fail, format!("{what}: {}", f.describe())),
    };
    if a.ok() {
        let tokens = a
            .json()
            .and_then(|v| v.get("input_tokens").and_then(Value::as_u64))
            .map(|n| format!(", {n} input tokens"))
            .unwrap_or_default();
        return c(Status::Pass, format!("{what} answers {}{tokens}", a.status));
    }
    if let GatewayKeyState::Unavailable { var } = &cx.key
        && matches!(a.status, 401 | 403)
    {
        return c(
            Status::Skip,
            format!("{what} answers {}: `{var}` is not set here", a.status),
        );
    }
    if key_refused && (400..500).contains(&a.status) && a.status != 404 {
        return c(
            Status::Fail,
            format!(
                "{what} answers {}: the gateway refuses the key (see above)",
                a.describe(&secrets)
            ),
        );
    }
    let served = listed.map_or(kind == Kind::Litellm, |l| l.contains(&model));
    if a.status == 404 && !served {
        return c(
            Status::Fail,
            format!(
                "{what} answers 404 ({}): the gateway does not serve it",
                a.error_text(&secrets)
            ),
        )
        .fix("see the alias checks above: the gateway runs another config");
    }
    let whose = if a.status == 404 {
        "; the gateway serves the alias, so the 404 is the upstream's: it does not count tokens (LiteLLM asks OpenAI-compatible upstreams POST {api_base}/responses/input_tokens)"
    } else {
        ""
    };
    c(
        Status::Fail,
        format!("{what} answers {}{whose}", a.describe(&secrets)),
    )
    .fix(if a.status == 404 {
        "fgc serve counts tokens locally for OpenAI-compatible upstreams; with LiteLLM, point integration.default_model at an upstream that counts them"
    } else {
        "see the upstream checks below (the gateway may count with the upstream)"
    })
}

/// `--probe-models`: each alias answers a minimal chat request.
async fn probes(cx: &Context<'_>, client: &reqwest::Client) -> Vec<Check> {
    let key = cx.key.value();
    let secrets: Vec<&str> = key.into_iter().collect();
    let aliases: Vec<&String> = cx
        .served
        .aliases
        .iter()
        .filter(|a| !a.contains('*'))
        .collect();
    futures_util::stream::iter(aliases)
        .map(|alias| {
            let secrets = &secrets;
            async move {
                let body = json!({
                    "model": alias,
                    "messages": [{"role": "user", "content": "Reply with the word OK."}],
                    "max_completion_tokens": 16,
                });
                let req = Request::post(
                    format!("{}/v1/chat/completions", cx.gateway_root),
                    key,
                    body,
                    cx.opts.probe_timeout,
                );
                let c = |status, message: String| {
                    Check::new(A, "probe", status, message).subject(alias.clone())
                };
                match http::send(client, req).await {
                    Ok(a)
                        if matches!(a.status, 401 | 403)
                            && matches!(cx.key, GatewayKeyState::Unavailable { .. }) =>
                    {
                        c(
                            Status::Skip,
                            format!("`{alias}`: answered {}: the key is not set here", a.status),
                        )
                    }
                    Ok(a) if a.ok() => c(
                        Status::Pass,
                        format!(
                            "`{alias}` answers a minimal chat request ({} ms)",
                            a.elapsed.as_millis()
                        ),
                    ),
                    Ok(a) => c(
                        Status::Fail,
                        format!(
                            "`{alias}`: a minimal chat request answered {}",
                            a.describe(secrets)
                        ),
                    )
                    .fix("see the upstream checks for its deployments"),
                    Err(f) => c(
                        Status::Fail,
                        format!("`{alias}`: a minimal chat request: {}", f.describe()),
                    ),
                }
            }
        })
        .buffered(cx.opts.jobs.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn what_answers() {
        // LiteLLM 1.110.2 without a database, with and without a key.
        let litellm = answer(200, r#"{"status":"healthy","db":"Not connected"}"#);
        assert_eq!(identify(&litellm), Kind::Litellm);
        let fgc = answer(
            200,
            r#"{"status":"ready","config_loaded":true,"profile":null,"aliases":1,"deployments":[]}"#,
        );
        assert_eq!(identify(&fgc), Kind::FgcServe);
        assert_eq!(
            identify(&answer(503, r#"{"status":"unavailable"}"#)),
            Kind::FgcServe
        );
        assert_eq!(identify(&answer(404, "not here")), Kind::Other);
        assert_eq!(identify(&answer(200, r#"{"ok":true}"#)), Kind::Other);
    }

    #[test]
    fn cooling_deployments_are_named() {
        let d =
            serde_json::json!({"id": "a#0", "state": "cooling-down", "cooldown_seconds_left": 4.5});
        assert_eq!(cooling_down(&d).as_deref(), Some("a#0 (4.5 s left)"));
        assert_eq!(
            cooling_down(&serde_json::json!({"id": "a#1", "state": "healthy"})),
            None
        );
    }
}
