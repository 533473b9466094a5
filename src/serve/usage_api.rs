//! The usage endpoints of `fgc serve` (docs/usage.md has the JSON shapes): `GET /api/usage`,
//! `GET /api/usage/summary`, `DELETE /api/usage`, `GET /api/health` (deployment states and
//! promotions, for the dashboard), `GET /metrics`, and the dashboard page `GET /ui`.
//!
//! Everything but the page itself is behind the gateway key (the page asks for it and sends it
//! in a header); `/metrics` is open when `usage.metrics_without_key` says so. Store queries run
//! on the blocking pool, each on its own read connection (WAL: they never wait on the writer).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::auth;
use super::errors::respond as error;
use super::health::State as Health;
use super::protocol::ClientApi;
use super::state::AppState;
use crate::usage::query::{Filter, Group, MAX_PAGE_SIZE, StatusFilter};
use crate::usage::{Store, StoreError, period};

/// The dashboard, one self-contained file (no CDN, nothing fetched but `/api/*`).
const PAGE: &str = include_str!("ui/usage.html");

/// The usage routes, to merge into the gateway's router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/usage", get(list).delete(delete))
        .route("/api/usage/summary", get(summary))
        .route("/api/health", get(health))
        .route("/metrics", get(metrics))
        .route("/ui", get(page))
}

/// An answer other than 200, in the gateway's (OpenAI-shaped) error body.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(ClientApi::Chat, self.status, self.code, &self.message)
    }
}

fn bad_request(msg: &str) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_request",
        message: msg.to_string(),
    }
}

fn unauthorized() -> ApiError {
    ApiError {
        status: StatusCode::UNAUTHORIZED,
        code: "invalid_api_key",
        message: "missing or wrong gateway key: send it as `Authorization: Bearer KEY` or `x-api-key: KEY` (general_settings.master_key)".into(),
    }
}

/// `Ok(())` when the request carries the gateway key (or none is set).
fn authorize(st: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if allowed(st, headers) {
        Ok(())
    } else {
        Err(unauthorized())
    }
}

fn allowed(st: &AppState, headers: &HeaderMap) -> bool {
    auth::allowed(headers, st.snapshot().master_key.as_deref())
}

/// The filter of a query string.
fn filter(q: &HashMap<String, String>) -> Result<Filter, ApiError> {
    let now = period::now_ms();
    let time = |k: &str| -> Result<Option<i64>, ApiError> {
        q.get(k)
            .filter(|v| !v.is_empty())
            .map(|v| period::parse(v, now).map_err(|e| bad_request(&format!("{k}: {e}"))))
            .transpose()
    };
    let text = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    Ok(Filter {
        since_ms: time("since")?,
        until_ms: time("until")?,
        alias: text("alias"),
        deployment: text("deployment"),
        route: text("route"),
        status: text("status").map(|s| StatusFilter::parse(&s)),
    })
}

fn number(q: &HashMap<String, String>, k: &str, default: u64) -> Result<u64, ApiError> {
    match q.get(k).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad_request(&format!("{k}: `{v}` is not a whole number from 1"))),
    }
}

/// Run `f` on a read connection to the store.
async fn with_store<T: Send + 'static>(
    st: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let Some(path) = st.usage.store_path().map(|p| p.to_path_buf()) else {
        return Err(ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "no_usage_store",
            message:
                "this gateway keeps no usage store (started with --no-usage-db or --no-usage-log)"
                    .into(),
        });
    };
    // Records finished a moment ago are still in the writer's batch: wait for it (briefly).
    let usage = st.usage.clone();
    tokio::task::spawn_blocking(move || {
        usage.flush(std::time::Duration::from_millis(500));
        let mut s = Store::open_existing(&path)?;
        f(&mut s)
    })
    .await
    .map_err(|e| bad_request(&e.to_string()))?
    .map_err(|e| {
        tracing::warn!("{e}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "usage_store",
            message: e.to_string(),
        }
    })
}

async fn list(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&st, &headers)?;
    let f = filter(&q)?;
    let page = number(&q, "page", 1)?;
    let size = number(&q, "page_size", 50)?.min(MAX_PAGE_SIZE);
    let p = with_store(&st, move |s| s.page(&f, page, size)).await?;
    Ok(axum::Json(p).into_response())
}

async fn summary(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&st, &headers)?;
    {
        let f = filter(&q)?;
        let mut groups = Vec::new();
        for g in q.get("group").map_or("", String::as_str).split(',') {
            let g = g.trim();
            if g.is_empty() {
                continue;
            }
            let by: Group = serde_json::from_value(Value::String(g.into())).map_err(|_| {
                bad_request(&format!(
                    "group: `{g}` is not one of alias, deployment, route, day, status"
                ))
            })?;
            groups.push(by);
        }
        let body = with_store(&st, move |s| {
            let summary = s.summary(&f)?;
            let mut by = serde_json::Map::new();
            for g in groups {
                by.insert(
                    g.name().into(),
                    serde_json::to_value(s.groups(&f, g)?).unwrap_or_default(),
                );
            }
            Ok(json!({
                "since_ms": f.since_ms,
                "until_ms": f.until_ms,
                "summary": summary,
                "groups": by,
            }))
        })
        .await?;
        Ok(axum::Json(body).into_response())
    }
}

async fn delete(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    authorize(&st, &headers)?;
    {
        let Some(before) = q.get("before").filter(|v| !v.is_empty()) else {
            return Err(bad_request(
                "DELETE /api/usage needs `before=` (a time: `30d`, `2026-11-01`, RFC 3339, Unix ms); records before it are deleted",
            ));
        };
        let before = period::parse(before, period::now_ms())
            .map_err(|e| bad_request(&format!("before: {e}")))?;
        let n = with_store(&st, move |s| s.delete_before(before)).await?;
        tracing::info!("usage store: {n} record(s) before {before} deleted through the API");
        Ok(axum::Json(json!({"deleted": n, "before_ms": before})).into_response())
    }
}

/// Each deployment's state and each promotion.
fn deployments(st: &AppState) -> (Vec<Value>, Vec<(String, String)>) {
    let snap = st.snapshot();
    let deps = snap
        .deployments()
        .map(|d| {
            let state = st.health.state(&d.id);
            let mut v = json!({
                "id": d.id,
                "alias": d.alias,
                "upstream_model": d.upstream_model,
                "state": state.name(),
            });
            if let Health::CoolingDown { until } = state {
                let left = until.saturating_duration_since(st.health.now());
                v["cooldown_seconds_left"] = json!((left.as_secs_f64() * 10.0).ceil() / 10.0);
            }
            v
        })
        .collect();
    let promoted = snap
        .aliases
        .keys()
        .filter_map(|a| st.health.promoted(a).map(|f| (a.clone(), f)))
        .collect();
    (deps, promoted)
}

async fn health(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&st, &headers)?;
    let (deps, promoted) = deployments(&st);
    let promoted: Vec<Value> = promoted
        .into_iter()
        .map(|(a, f)| json!({"alias": a, "fallback": f}))
        .collect();
    Ok(axum::Json(json!({"deployments": deps, "promoted": promoted})).into_response())
}

async fn metrics(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !st.snapshot().metrics_without_key {
        authorize(&st, &headers)?;
    }
    let (deps, promoted) = deployments(&st);
    let deps: Vec<(String, String, bool)> = deps
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("alias"), s("id"), s("state") != "healthy")
        })
        .collect();
    let text = st.usage.metrics.render(&deps, &promoted);
    let kind = [(
        header::CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8",
    )];
    Ok((kind, text).into_response())
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
            ),
        ],
        PAGE,
    )
        .into_response()
}
