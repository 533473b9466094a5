//! Routing one request: the chain of aliases (promoted fallback, the alias, its fallbacks),
//! the deployment for each attempt (health, balancing), retries, context-window fallbacks,
//! and the answer passed back.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

use super::body::JsonBody;
use super::config::{Deployment, Snapshot, Strategy};
use super::forward::{self, ErrorAnswer, Failure, PassStream};
use super::health::Health;
use super::protocol::{self, ClientApi, Plan, error_body};
use super::state::AppState;
use super::usage::{Record, Tokens, UsageLog};

/// One client request, parsed.
pub struct Request {
    pub api: ClientApi,
    /// The alias the name resolved to (group names already followed).
    pub alias: String,
    pub body: JsonBody,
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub stream: bool,
}

/// An error answer in the client's shape.
pub fn error(api: ClientApi, status: StatusCode, code: &str, message: &str) -> Response {
    let body = error_body(api.family(), status, code, message);
    (status, axum::Json(body)).into_response()
}

/// The aliases to try, in order: a promoted fallback first while its promotion lasts, then
/// the alias, then its fallbacks (each once).
pub fn chain(snap: &Snapshot, health: &Health, alias: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    let promoted = health
        .promoted(alias)
        .filter(|p| snap.aliases.contains_key(p));
    if let Some(p) = &promoted {
        v.push(p.clone());
    }
    for a in
        std::iter::once(alias).chain(snap.fallbacks_for(alias, false).iter().map(String::as_str))
    {
        if !v.iter().any(|x| x == a) {
            v.push(a.to_string());
        }
    }
    if promoted.is_some() {
        // The primary goes last while a fallback stands in for it.
        let i = v.iter().position(|x| x == alias).unwrap_or(0);
        let a = v.remove(i);
        v.push(a);
    }
    v
}

/// The deployment for the next attempt among `deps`: a healthy one not tried yet if any,
/// else a healthy one tried before; by the balancing strategy.
fn pick(
    snap: &Snapshot,
    health: &Health,
    deps: &[&Arc<Deployment>],
    tried: &[usize],
) -> Option<usize> {
    let avail: Vec<usize> = (0..deps.len())
        .filter(|i| health.available(&deps[*i].id, snap.cooldown))
        .collect();
    let fresh: Vec<usize> = avail
        .iter()
        .copied()
        .filter(|i| !tried.contains(i))
        .collect();
    let pool = if fresh.is_empty() { avail } else { fresh };
    match (pool.len(), snap.strategy) {
        (0, _) => None,
        (1, _) => Some(pool[0]),
        (_, Strategy::LeastBusy) => pool
            .iter()
            .copied()
            .min_by_key(|i| health.busy(&deps[*i].id)),
        (n, Strategy::SimpleShuffle) => Some(pool[rand::random_range(0..n)]),
    }
}

/// What the attempts so far ended with, for the final answer.
#[derive(Default)]
struct Trail {
    last: Option<Failure>,
    skipped_open: Vec<String>,
    tried_aliases: Vec<String>,
}

/// Serve `req` from `snap`, writing one usage record.
pub async fn serve(
    state: &Arc<AppState>,
    snap: Arc<Snapshot>,
    req: Request,
    mut rec: Record,
) -> Response {
    let health = &state.health;
    let mut aliases = chain(&snap, health, &req.alias);
    let mut trail = Trail::default();
    let mut capable_seen = false;
    let mut context_switched = false;
    let mut idx = 0;
    while idx < aliases.len() {
        let alias = aliases[idx].clone();
        idx += 1;
        let Some(all) = snap.aliases.get(&alias) else {
            continue;
        };
        let deps: Vec<&Arc<Deployment>> = all
            .iter()
            .filter(|d| protocol::can_serve(req.api, d.api))
            .collect();
        if deps.is_empty() {
            continue;
        }
        capable_seen = true;
        trail.tried_aliases.push(alias.clone());
        let mut tried: Vec<usize> = Vec::new();
        let mut alias_failed = true;
        for _ in 0..=snap.num_retries {
            let Some(i) = pick(&snap, health, &deps, &tried) else {
                trail.skipped_open.push(alias.clone());
                break;
            };
            tried.push(i);
            let dep = deps[i];
            let Some(permit) = health.acquire(&dep.id, snap.cooldown) else {
                continue;
            };
            rec.attempts += 1;
            let client_model = req
                .body
                .get_str("model")
                .unwrap_or_else(|| req.alias.clone());
            let (path, translation) = match protocol::plan(req.api, dep, &client_model) {
                Plan::Passthrough { path } => (path, None),
                Plan::Translate(t) => (t.upstream_path(), Some(t)),
                Plan::Unsupported => continue,
            };
            let bytes = match &translation {
                None => Bytes::from(req.body.with_model(&dep.upstream_model)),
                Some(t) => {
                    let mut v = req.body.to_value();
                    v["model"] = Value::String(dep.upstream_model.clone());
                    match t.request(v) {
                        Ok(b) => Bytes::from(serde_json::to_vec(&b).unwrap_or_default()),
                        Err(e) => {
                            let resp =
                                error(req.api, StatusCode::BAD_REQUEST, "translation_error", &e);
                            return finish_error(&state.usage, rec, resp);
                        }
                    }
                }
            };
            let sent = forward::send(
                &state.client,
                dep,
                path,
                if translation.is_some() {
                    None
                } else {
                    req.query.as_deref()
                },
                bytes,
                &req.headers,
                req.stream,
            )
            .await;
            let resp = match sent {
                Ok(r) => r,
                Err(Failure::ContextWindow(answer)) => {
                    permit.success(snap.allowed_fails);
                    let cw = snap.fallbacks_for(&alias, true);
                    if context_switched || cw.is_empty() {
                        return finish_error(&state.usage, rec, passthrough_error(req.api, answer));
                    }
                    context_switched = true;
                    aliases = cw.to_vec();
                    idx = 0;
                    alias_failed = false;
                    trail.last = Some(Failure::ContextWindow(answer));
                    break;
                }
                Err(Failure::Final(answer)) => {
                    permit.success(snap.allowed_fails);
                    note_deployment(&mut rec, &alias, dep);
                    return finish_error(&state.usage, rec, passthrough_error(req.api, answer));
                }
                Err(f @ Failure::Retryable { .. }) => {
                    if let Failure::Retryable { reason, .. } = &f {
                        tracing::warn!(deployment = %dep.id, reason = %reason, "attempt failed");
                    }
                    permit.failure(snap.allowed_fails);
                    trail.last = Some(f);
                    continue;
                }
            };
            let status = resp.status();
            let mut headers = HeaderMap::new();
            if req.stream {
                forward::copy_headers(resp.headers(), &mut headers, false);
                let mut inner: forward::Upstream = Box::pin(resp.bytes_stream());
                let first = match forward::first_chunk(&mut inner, dep.stream_timeout).await {
                    Ok(c) => c,
                    Err(f) => {
                        tracing::warn!(deployment = %dep.id, "attempt failed before the first byte");
                        permit.failure(snap.allowed_fails);
                        trail.last = Some(f);
                        continue;
                    }
                };
                note_deployment(&mut rec, &alias, dep);
                if alias != req.alias {
                    promote_if_primary_open(&snap, health, &req, &alias);
                }
                let transform = translation.as_ref().map(|t| t.stream());
                let body = PassStream::new(
                    inner,
                    first,
                    status.as_u16(),
                    dep.stream_timeout,
                    req.api,
                    rec,
                    state.usage.clone(),
                    permit,
                    snap.allowed_fails,
                    transform,
                );
                let mut out = Response::new(Body::from_stream(body));
                *out.status_mut() = status;
                *out.headers_mut() = headers;
                return out;
            }
            forward::copy_headers(resp.headers(), &mut headers, false);
            let first = std::time::Instant::now();
            let full = match tokio::time::timeout(dep.timeout, resp.bytes()).await {
                Ok(Ok(b)) => b,
                Ok(Err(e)) => {
                    permit.failure(snap.allowed_fails);
                    trail.last = Some(Failure::Retryable {
                        reason: format!("upstream body broke: {}", forward::error_chain(&e)),
                        answer: None,
                        timeout: false,
                    });
                    continue;
                }
                Err(_) => {
                    permit.failure(snap.allowed_fails);
                    trail.last = Some(Failure::Retryable {
                        reason: "upstream body timed out".into(),
                        answer: None,
                        timeout: true,
                    });
                    continue;
                }
            };
            permit.success(snap.allowed_fails);
            note_deployment(&mut rec, &alias, dep);
            if alias != req.alias {
                promote_if_primary_open(&snap, health, &req, &alias);
            }
            rec.first_byte = Some(first);
            let full = match &translation {
                Some(t) => t.response(status, full),
                None => full,
            };
            rec.tokens = Tokens::from_answer(&full);
            rec.finish(status.as_u16(), "ok");
            state.usage.write(&rec);
            let mut out = Response::new(Body::from(full));
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            return out;
        }
        if alias_failed && health.promoted(&req.alias).as_deref() == Some(alias.as_str()) {
            health.demote(&req.alias);
        }
    }
    if !capable_seen {
        let kinds: Vec<&str> = snap
            .aliases
            .get(&req.alias)
            .into_iter()
            .flatten()
            .map(|d| d.api.describe())
            .collect();
        let msg = format!(
            "`{}` has only {} upstreams, which cannot serve {} requests (add a deployment that can)",
            req.alias,
            kinds.first().copied().unwrap_or("no"),
            req.api.describe(),
        );
        return finish_error(
            &state.usage,
            rec,
            error(
                req.api,
                StatusCode::BAD_REQUEST,
                "translation_unavailable",
                &msg,
            ),
        );
    }
    let resp = exhausted(&req, trail);
    finish_error(&state.usage, rec, resp)
}

fn note_deployment(rec: &mut Record, alias: &str, dep: &Deployment) {
    rec.served_alias = (rec.alias != alias).then(|| alias.to_string());
    rec.deployment = Some(dep.id.clone());
    rec.upstream_model = Some(dep.upstream_model.clone());
}

fn promote_if_primary_open(snap: &Snapshot, health: &Health, req: &Request, served: &str) {
    let primary_open = snap.aliases.get(&req.alias).is_some_and(|deps| {
        deps.iter()
            .filter(|d| protocol::can_serve(req.api, d.api))
            .all(|d| health.state(&d.id).name() == "open")
    });
    if primary_open && health.promoted(&req.alias).as_deref() != Some(served) {
        tracing::info!(alias = %req.alias, fallback = %served, "fallback promoted while the alias is open");
        health.promote(&req.alias, served);
    }
}

/// The answer when every attempt failed: the last upstream error answer when there was one,
/// else a 502/503/504 in the client's shape saying what was tried.
fn exhausted(req: &Request, trail: Trail) -> Response {
    let tried = trail.tried_aliases.join(", ");
    match trail.last {
        Some(Failure::Retryable {
            answer: Some(a), ..
        }) => passthrough_error(req.api, a),
        Some(Failure::ContextWindow(a)) => passthrough_error(req.api, a),
        Some(Failure::Retryable {
            reason, timeout, ..
        }) => {
            let status = if timeout {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::BAD_GATEWAY
            };
            error(
                req.api,
                status,
                "upstream_error",
                &format!("every attempt failed (tried {tried}): {reason}"),
            )
        }
        _ => {
            let open = trail.skipped_open.join(", ");
            error(
                req.api,
                StatusCode::SERVICE_UNAVAILABLE,
                "circuit_open",
                &format!(
                    "no deployment available: every deployment of {open} is cooling down after repeated failures (circuit open); see /health/readiness"
                ),
            )
        }
    }
}

/// An upstream error answer for the client: as it came when it is already in the client's
/// shape (passthrough), re-shaped by [`crate::translate::error`] when it is not (another
/// protocol's error from a translated request, a plain-text error page).
fn passthrough_error(api: ClientApi, a: ErrorAnswer) -> Response {
    if !in_client_shape(api, &a.body) {
        let client = match api {
            ClientApi::Chat => crate::translate::Protocol::Chat,
            ClientApi::Responses => crate::translate::Protocol::Responses,
            ClientApi::Messages | ClientApi::CountTokens => crate::translate::Protocol::Messages,
        };
        let (status, body) =
            crate::translate::error::from_upstream(client, a.status.as_u16(), &a.body);
        let mut out = axum::Json(body).into_response();
        *out.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        return out;
    }
    let mut headers = HeaderMap::new();
    forward::copy_headers(&a.headers, &mut headers, false);
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            "application/json".parse().expect("static"),
        );
    }
    let mut out = Response::new(Body::from(a.body));
    *out.status_mut() = a.status;
    *out.headers_mut() = headers;
    out
}

/// Whether an error body already has the shape `api`'s clients parse.
fn in_client_shape(api: ClientApi, body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let anthropic = v.get("type").and_then(Value::as_str) == Some("error");
    let has_message = v.pointer("/error/message").is_some_and(Value::is_string);
    has_message && anthropic == (api.family() == protocol::Family::Anthropic)
}

/// Write the record of a request that ends with `resp` (no stream).
pub fn finish_error(usage: &UsageLog, mut rec: Record, resp: Response) -> Response {
    let s = resp.status().as_u16();
    rec.finish(s, if s < 400 { "ok" } else { "error" });
    usage.write(&rec);
    resp
}
