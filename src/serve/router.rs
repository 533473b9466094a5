//! Routing one request the way LiteLLM's Router does: retries per alias with LiteLLM's
//! back-off, then the fallback chains (general, context window, content policy), the
//! deployment for each attempt (cooldowns, balancing), and the answer passed back. The rules
//! themselves are in [`super::retry`].

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

use std::future::Future;
use std::pin::Pin;

use super::body::JsonBody;
use super::config::{Deployment, Snapshot, Strategy};
use super::errors::{self, ClientError};
use super::forward::{self, Failure, PassStream};
use super::health::Health;
use super::protocol::{self, ClientApi, Plan};
use super::retry::{
    ErrorClass, RetryContext, backoff, policy_retries, should_retry, waits_before_retry,
};
use super::state::AppState;
use super::usage::{Outcome, Pending, Record, Tokens};
use crate::model::view::lookup_fallbacks;

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

/// One request's walk through retries and fallbacks, LiteLLM's way: each alias (model
/// group) gets its retries; when they are spent, its fallback chain is walked, each target
/// with its own retries and its own chain, each alias tried once per request and chains at
/// most `max_fallbacks` hops deep. The client gets the first success, else the requested
/// alias's own failure.
struct Walk<'a> {
    state: &'a Arc<AppState>,
    snap: &'a Snapshot,
    req: &'a Request,
    /// The name the client asked for, when it differs from the alias it resolved to (a
    /// `model_group_alias` name): fallback keys are looked up for both.
    requested: Option<String>,
    /// The request's record, until an answer takes it (a stream carries it along).
    rec: Option<Pending>,
    /// Aliases tried as fallbacks (and the aliases they fell back from) for this request.
    attempted: Vec<String>,
    /// Aliases that had a deployment able to serve the client's protocol.
    capable_seen: bool,
}

type Step<'w> = Pin<Box<dyn Future<Output = Result<Response, Failure>> + Send + 'w>>;

impl<'a> Walk<'a> {
    fn groups<'g>(&'g self, alias: &'g str) -> Vec<&'g str> {
        let mut g = vec![alias];
        if let Some(r) = self.requested.as_deref().filter(|r| *r != alias) {
            g.push(r);
        }
        g
    }

    /// `alias` with its retries, then its fallbacks (`async_function_with_fallbacks`).
    fn with_fallbacks<'w>(&'w mut self, alias: &'w str, depth: u32) -> Step<'w> {
        Box::pin(async move {
            let failure = match self.with_retries(alias).await {
                Ok(r) => return Ok(r),
                Err(f) => f,
            };
            let chain: Vec<String> = match self.snap.fallback_list(failure.class) {
                Some(list) => {
                    let groups = self.groups(alias);
                    lookup_fallbacks(list, &groups)
                        .map(<[String]>::to_vec)
                        .unwrap_or_default()
                }
                None => Vec::new(),
            };
            if chain.is_empty() || depth >= self.snap.max_fallbacks {
                return Err(failure);
            }
            if !self.attempted.iter().any(|a| a == alias) {
                self.attempted.push(alias.to_string());
            }
            let mut depth = depth;
            for next in &chain {
                if next == alias || self.attempted.iter().any(|a| a == next) {
                    continue;
                }
                self.attempted.push(next.clone());
                depth += 1;
                tracing::info!(alias, fallback = %next, "falling back");
                if let Ok(r) = self.with_fallbacks(next, depth).await {
                    if next != &self.req.alias {
                        promote_if_primary_cooling(self.snap, &self.state.health, self.req, next);
                    }
                    return Ok(r);
                }
            }
            Err(failure)
        })
    }

    /// One alias with its retries (`async_function_with_retries`).
    async fn with_retries(&mut self, alias: &str) -> Result<Response, Failure> {
        let snap = self.snap;
        let health = &self.state.health;
        let Some(all) = snap.aliases.get(alias) else {
            return Err(Failure::new(
                ErrorClass::NotFound,
                format!("`{alias}` has no deployments"),
            ));
        };
        let deps: Vec<&Arc<Deployment>> = all
            .iter()
            .filter(|d| protocol::can_serve(self.req.api, d.api))
            .collect();
        if deps.is_empty() {
            return Err(Failure::new(
                ErrorClass::BadRequest,
                format!(
                    "no deployment of `{alias}` serves {} requests",
                    self.req.api.describe()
                ),
            ));
        }
        self.capable_seen = true;
        let groups: Vec<String> = self.groups(alias).into_iter().map(str::to_string).collect();
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        let retry_cx = |healthy: usize| RetryContext {
            healthy,
            all: deps.len(),
            context_window_fallbacks: snap.context_window_fallbacks.is_some(),
            content_policy_fallbacks: snap.content_policy_fallbacks.is_some(),
            fallbacks: snap.fallbacks.is_some(),
        };
        let healthy = || deps.iter().filter(|d| health.available(&d.id)).count();
        let mut tried: Vec<usize> = Vec::new();
        // Decided at the first failure: how many retries, and whether `retry_policy` set it
        // (then the usual "is this worth retrying" test is skipped).
        let mut budget: Option<(u32, bool)> = None;
        let mut retry = 0u32;
        loop {
            let failure = match self.attempt(alias, &deps, &mut tried, &groups).await {
                Ok(r) => return Ok(r),
                Err(f) => f,
            };
            tracing::warn!(alias, class = ?failure.class, reason = %failure.reason, "attempt failed");
            let (retries, by_policy) = *budget.get_or_insert_with(|| {
                let dep_retries = tried.last().and_then(|i| deps[*i].num_retries);
                let base = dep_retries.unwrap_or(snap.num_retries);
                match snap
                    .retry_policy
                    .as_ref()
                    .and_then(|p| policy_retries(p, failure.class))
                {
                    Some(n) => (n, true),
                    None => (base, false),
                }
            });
            let healthy_now = healthy();
            if !by_policy && !should_retry(failure.class, retry_cx(healthy_now)) {
                return Err(failure);
            }
            if retry >= retries {
                return Err(failure);
            }
            retry += 1;
            if waits_before_retry(healthy_now, deps.len()) {
                let wait = backoff(
                    retry,
                    failure.retry_after(),
                    snap.retry_after,
                    rand::random::<f64>(),
                );
                health.sleep(wait).await;
            }
        }
    }

    /// One call to one deployment of `alias`: the answer, or why not.
    async fn attempt(
        &mut self,
        alias: &str,
        deps: &[&Arc<Deployment>],
        tried: &mut Vec<usize>,
        groups: &[&str],
    ) -> Result<Response, Failure> {
        let snap = self.snap;
        let state = self.state;
        let req = self.req;
        let health = &state.health;
        let Some(i) = pick(snap, health, deps, tried) else {
            return Err(Failure::new(
                ErrorClass::NoDeployments,
                format!("every deployment of `{alias}` is cooling down after failures"),
            ));
        };
        tried.push(i);
        let dep = deps[i];
        let Some(permit) = health.acquire(&dep.id, snap.cooldown_params(dep, groups)) else {
            return Err(Failure::new(
                ErrorClass::NoDeployments,
                format!("every deployment of `{alias}` is cooling down after failures"),
            ));
        };
        if let Some(rec) = &mut self.rec {
            rec.record().attempts += 1;
        }
        let client_model = req
            .body
            .get_str("model")
            .unwrap_or_else(|| req.alias.clone());
        let (path, translation) = match protocol::plan(req.api, dep, &client_model) {
            Plan::Passthrough { path } => (path, None),
            Plan::Translate(t) => (t.upstream_path(), Some(t)),
            Plan::Unsupported => {
                return Err(Failure::new(
                    ErrorClass::BadRequest,
                    format!("`{}` cannot serve {} requests", dep.id, req.api.describe()),
                ));
            }
        };
        let bytes = match &translation {
            None => match fitted_thinking(req) {
                Some(body) => Bytes::from(body.with_model(&dep.upstream_model)),
                None => Bytes::from(req.body.with_model(&dep.upstream_model)),
            },
            Some(t) => {
                let translated = req.body.to_value().and_then(|mut v| {
                    v["model"] = Value::String(dep.upstream_model.clone());
                    t.request(v)
                });
                match translated {
                    Ok(b) => Bytes::from(serde_json::to_vec(&b).unwrap_or_default()),
                    Err(e) => {
                        // The client's request cannot be translated: no other attempt helps.
                        let resp = errors::respond(
                            req.api,
                            StatusCode::BAD_REQUEST,
                            "translation_error",
                            &e,
                        );
                        self.capable_seen = true;
                        return Ok(self.finish_error(resp));
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
            state.limits.max_error_body,
        )
        .await;
        let forward::Answer { resp, headers } = match sent {
            Ok(a) => a,
            Err(f) => {
                permit.failure(f.class, f.retry_after());
                return Err(f);
            }
        };
        let status = resp.status();
        if req.stream {
            let mut inner: forward::Upstream = Box::pin(resp.bytes_stream());
            let first = match forward::first_chunk(&mut inner, dep, dep.stream_timeout).await {
                Ok(c) => c,
                Err(f) => {
                    permit.failure(f.class, f.retry_after());
                    return Err(f);
                }
            };
            let Some(mut rec) = self.rec.take() else {
                return Err(Failure::new(
                    ErrorClass::Other(500),
                    "record already written",
                ));
            };
            note_deployment(rec.record(), alias, dep);
            let transform = translation.as_ref().map(|t| t.stream());
            let body = PassStream::new(
                inner,
                first,
                status.as_u16(),
                dep.stream_timeout,
                req.api,
                rec,
                permit,
                transform,
                state.limits.max_sse_event,
            );
            let mut out = Response::new(Body::from_stream(body));
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            return Ok(out);
        }
        let first = std::time::Instant::now();
        let full = match forward::read_answer(resp, dep, state.limits.max_upstream_body).await {
            Ok(b) => b,
            Err(f) => {
                permit.failure(f.class, None);
                return Err(f);
            }
        };
        permit.success();
        let Some(mut rec) = self.rec.take() else {
            return Err(Failure::new(
                ErrorClass::Other(500),
                "record already written",
            ));
        };
        note_deployment(rec.record(), alias, dep);
        rec.record().first_byte = Some(first);
        let (status, full) = match &translation {
            Some(t) => t.response(status, full),
            None => (status, full),
        };
        rec.record().tokens = Tokens::from_answer(&full);
        // A translated answer can turn out to be an error (one the client's protocol has no
        // success shape for).
        let outcome = if status.is_success() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        rec.finish(status.as_u16(), outcome);
        let mut out = Response::new(Body::from(full));
        *out.status_mut() = status;
        *out.headers_mut() = headers;
        Ok(out)
    }

    /// Write the record with an error answer.
    fn finish_error(&mut self, resp: Response) -> Response {
        match self.rec.take() {
            Some(rec) => finish_error(rec, resp),
            None => resp,
        }
    }
}

/// The deployment for the next attempt among `deps`: one not cooling down, preferring one
/// not tried yet for this request; by the balancing strategy.
fn pick(
    snap: &Snapshot,
    health: &Health,
    deps: &[&Arc<Deployment>],
    tried: &[usize],
) -> Option<usize> {
    let avail: Vec<usize> = (0..deps.len())
        .filter(|i| health.available(&deps[*i].id))
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

/// Serve `req` from `snap`, writing one usage record.
pub async fn serve(
    state: &Arc<AppState>,
    snap: Arc<Snapshot>,
    req: Request,
    rec: Pending,
) -> Response {
    let requested = req.body.get_str("model").filter(|m| *m != req.alias);
    let mut walk = Walk {
        state,
        snap: &snap,
        req: &req,
        requested,
        rec: Some(rec),
        attempted: Vec::new(),
        capable_seen: false,
    };
    // fgc's promotion (seed 004): while every deployment of the alias cools down, the
    // fallback that last served for it is tried first.
    if let Some(p) = state.health.promoted(&req.alias)
        && primary_cooling(&snap, &state.health, &req)
        && snap.aliases.contains_key(&p)
    {
        walk.attempted.push(req.alias.clone());
        walk.attempted.push(p.clone());
        if let Ok(r) = walk.with_fallbacks(&p, 1).await {
            return r;
        }
        state.health.demote(&req.alias);
    }
    let result = walk.with_fallbacks(&req.alias, 0).await;
    let capable = walk.capable_seen;
    let rec = walk.rec.take();
    let resp = match result {
        Ok(r) => return r,
        // An Anthropic-compatible upstream without count_tokens: counted here instead, in
        // the same record.
        Err(f)
            if req.api == ClientApi::CountTokens
                && f.answer
                    .as_ref()
                    .is_some_and(|a| matches!(a.status.as_u16(), 404 | 405 | 501))
                && rec.is_some() =>
        {
            let Some(rec) = rec else {
                return failed(&req, f);
            };
            return count_locally(rec, &req.body).await;
        }
        Err(_) if !capable => {
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
            ClientError::new(StatusCode::BAD_REQUEST, "translation_unavailable", msg)
                .response(req.api)
        }
        Err(f) => failed(&req, f),
    };
    match rec {
        Some(rec) => finish_error(rec, resp),
        None => resp,
    }
}

/// `count_tokens` answered by fgc: an estimate with a real BPE tokenizer
/// ([`crate::translate::count`]), for aliases whose upstreams have no such endpoint.
pub async fn count_locally(mut rec: Pending, body: &JsonBody) -> Response {
    let body = match body.to_value() {
        Ok(v) => v,
        Err(e) => {
            let resp = errors::respond(
                ClientApi::CountTokens,
                StatusCode::BAD_REQUEST,
                "invalid_json",
                &e,
            );
            return finish_error(rec, resp);
        }
    };
    let n =
        tokio::task::spawn_blocking(move || crate::translate::count::count_messages_request(&body))
            .await
            .unwrap_or(1);
    let r = rec.record();
    r.deployment = Some("local-count".into());
    r.tokens.input_tokens = Some(n);
    rec.finish(200, Outcome::Ok);
    axum::Json(serde_json::json!({"input_tokens": n})).into_response()
}

fn note_deployment(rec: &mut Record, alias: &str, dep: &Deployment) {
    rec.served_alias = (rec.alias != alias).then(|| alias.to_string());
    rec.deployment = Some(dep.id.clone());
    rec.upstream_model = Some(dep.upstream_model.clone());
}

/// Whether every deployment of the requested alias that can serve the client cools down.
fn primary_cooling(snap: &Snapshot, health: &Health, req: &Request) -> bool {
    snap.aliases.get(&req.alias).is_some_and(|deps| {
        deps.iter()
            .filter(|d| protocol::can_serve(req.api, d.api))
            .all(|d| health.state(&d.id).is_cooling())
    })
}

fn promote_if_primary_cooling(snap: &Snapshot, health: &Health, req: &Request, served: &str) {
    if primary_cooling(snap, health, req) && health.promoted(&req.alias).as_deref() != Some(served)
    {
        tracing::info!(alias = %req.alias, fallback = %served, "fallback promoted while the alias cools down");
        health.promote(&req.alias, served);
    }
}

/// The answer when the request failed: the requested alias's last upstream error answer
/// when there was one, else an error in the client's shape with the status LiteLLM gives
/// (408 for a timeout, 429 when every deployment cools down, 500 when the upstream could not
/// be reached).
fn failed(req: &Request, f: Failure) -> Response {
    if let Some(a) = f.answer {
        return errors::from_upstream(req.api, a);
    }
    let (status, code) = match f.class {
        ErrorClass::Timeout => (StatusCode::REQUEST_TIMEOUT, "timeout"),
        ErrorClass::NoDeployments => (StatusCode::TOO_MANY_REQUESTS, "cooling_down"),
        ErrorClass::BadRequest => (StatusCode::BAD_REQUEST, "bad_request"),
        ErrorClass::NotFound => (StatusCode::NOT_FOUND, "model_not_found"),
        // An upstream answer fgc serve will not pass on (a redirect, one over
        // --max-upstream-body-bytes).
        ErrorClass::BadGateway => (StatusCode::BAD_GATEWAY, "upstream_error"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "upstream_error"),
    };
    let msg = match f.class {
        ErrorClass::NoDeployments => format!(
            "{}; try again in a few seconds (see /health/readiness)",
            f.reason
        ),
        _ => format!("`{}` failed: {}", req.alias, f.reason),
    };
    errors::respond(req.api, status, code, &msg)
}

/// Write the record of a request that ends with `resp` (no stream).
pub fn finish_error(rec: Pending, resp: Response) -> Response {
    let s = resp.status().as_u16();
    rec.finish(s, if s < 400 { Outcome::Ok } else { Outcome::Error });
    resp
}

/// A Messages request whose thinking budget is not below `max_tokens`, with the budget
/// fitted ([`crate::translate::messages::fit_thinking`]); `None` for every other request.
fn fitted_thinking(req: &Request) -> Option<JsonBody> {
    if req.api != ClientApi::Messages {
        return None;
    }
    let thinking: Value = serde_json::from_slice(req.body.raw("thinking")?).ok()?;
    let max_tokens = req
        .body
        .raw("max_tokens")
        .and_then(|m| serde_json::from_slice::<Value>(m).ok())
        .and_then(|m| m.as_u64());
    let fitted = crate::translate::messages::fit_thinking(&thinking, max_tokens)?;
    let raw = serde_json::to_vec(&fitted).ok()?;
    Some(req.body.with_field("thinking", &raw))
}
