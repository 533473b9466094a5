//! The HTTP surface: routes, authentication, body limits, JSON parsing, and the hand-off to
//! the router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};

use super::auth;
use super::body::JsonBody;
use super::errors::{self, ClientError};
use super::health::State as Health;
use super::protocol::{ClientApi, UpstreamApi};
use super::route;
use super::router;
use super::state::AppState;

/// Every route of the gateway.
pub fn app(state: Arc<AppState>) -> Router {
    let model_routes = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/chat/completions", post(chat))
        .route("/v1/responses", post(responses))
        .route("/responses", post(responses))
        .route("/v1/messages", post(messages))
        .route("/v1/messages/count_tokens", post(count_tokens))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            in_flight,
        ));
    Router::new()
        .route("/", get(root).head(root))
        .route("/health/liveness", get(liveness))
        .route("/health/readiness", get(readiness))
        .merge(model_routes)
        .merge(super::usage_api::routes())
        .route("/v1/models", get(models))
        .route("/models", get(models))
        .fallback(any(not_found))
        .with_state(state)
}

/// Counts a model request in flight (`fgc_requests_in_flight`) until its answer, streamed
/// or not, is done or dropped.
async fn in_flight(
    State(st): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    use futures_util::StreamExt;
    let guard = super::metrics::InFlightOwned::new(Arc::clone(&st.usage.metrics));
    let resp = next.run(req).await;
    resp.map(move |body| {
        let stream = body.into_data_stream().map(move |chunk| {
            let _ = &guard;
            chunk
        });
        Body::from_stream(stream)
    })
}

async fn root() -> &'static str {
    "fgc serve\n"
}

async fn liveness() -> Response {
    axum::Json(json!({"status": "alive"})).into_response()
}

/// The readiness of the gateway. With a gateway key set, only a request carrying it sees
/// the deployments (upstream models, circuit states); anyone else gets the status alone.
async fn readiness(State(st): State<Arc<AppState>>, req: Request) -> Response {
    let snap = st.snapshot();
    let mut any_up = false;
    let deployments: Vec<Value> = snap
        .deployments()
        .map(|d| {
            let state = st.health.state(&d.id);
            any_up |= !state.is_cooling();
            let mut v = json!({
                "id": d.id,
                "alias": d.alias,
                "upstream": d.api.describe(),
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
    let status = if any_up || deployments.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = if status == StatusCode::OK {
        "ready"
    } else {
        "unavailable"
    };
    if !auth::allowed(req.headers(), snap.master_key.as_deref()) {
        return (status, axum::Json(json!({"status": word}))).into_response();
    }
    let body = json!({
        "status": word,
        "config_loaded": true,
        "profile": snap.profile,
        "aliases": snap.aliases.len(),
        "deployments": deployments,
        "routing": snap.routing.as_ref().map(|t| t.to_json()),
    });
    (status, axum::Json(body)).into_response()
}

async fn models(State(st): State<Arc<AppState>>, req: Request) -> Response {
    let snap = st.snapshot();
    if !auth::allowed(req.headers(), snap.master_key.as_deref()) {
        st.usage.count_unauthenticated();
        return unauthorized(ClientApi::Chat);
    }
    let data: Vec<Value> = snap
        .listed_names()
        .into_iter()
        .map(|n| json!({"id": n, "object": "model", "created": 0, "owned_by": "fgc"}))
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

async fn not_found(method: Method, req: Request) -> Response {
    let api = if req.uri().path().starts_with("/v1/messages") {
        ClientApi::Messages
    } else {
        ClientApi::Chat
    };
    let msg = format!(
        "no route for {method} {}",
        crate::names::shown(req.uri().path())
    );
    errors::respond(api, StatusCode::NOT_FOUND, "not_found", &msg)
}

async fn chat(State(st): State<Arc<AppState>>, req: Request) -> Response {
    proxy(st, ClientApi::Chat, req).await
}

async fn responses(State(st): State<Arc<AppState>>, req: Request) -> Response {
    proxy(st, ClientApi::Responses, req).await
}

async fn messages(State(st): State<Arc<AppState>>, req: Request) -> Response {
    proxy(st, ClientApi::Messages, req).await
}

async fn count_tokens(State(st): State<Arc<AppState>>, req: Request) -> Response {
    proxy(st, ClientApi::CountTokens, req).await
}

fn unauthorized(api: ClientApi) -> Response {
    errors::respond(
        api,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "missing or wrong gateway key: send it as `Authorization: Bearer KEY` or `x-api-key: KEY` (general_settings.master_key)",
    )
}

fn api_name(api: ClientApi) -> &'static str {
    match api {
        ClientApi::Chat => "chat",
        ClientApi::Responses => "responses",
        ClientApi::Messages => "messages",
        ClientApi::CountTokens => "count_tokens",
    }
}

/// Check, parse and route one model request.
async fn proxy(st: Arc<AppState>, api: ClientApi, req: Request) -> Response {
    let snap = st.snapshot();
    let (parts, body) = req.into_parts();
    if !auth::allowed(&parts.headers, snap.master_key.as_deref()) {
        // Counted, not recorded one by one: a client without the key could flood the log.
        st.usage.count_unauthenticated();
        return unauthorized(api);
    }
    let mut rec = st.usage.begin(api_name(api));
    let max_body = st.limits.max_body;
    let declared = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        let msg = format!(
            "request body is larger than the limit of {max_body} bytes (fgc serve --max-body-bytes)"
        );
        errors::respond(
            api,
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            &msg,
        )
    };
    let mut body = Body::new(body);
    if declared.is_some_and(|n| n > max_body) {
        drain(&mut body).await;
        return router::finish_error(rec, too_large());
    }
    let read = tokio::time::timeout(st.limits.body_timeout, read_limited(&mut body, max_body));
    let bytes = match read.await {
        Ok(Ok(Some(b))) => b,
        Ok(Ok(None)) => {
            drain(&mut body).await;
            return router::finish_error(rec, too_large());
        }
        Ok(Err(e)) => {
            let resp = errors::respond(
                api,
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("cannot read the request body: {e}"),
            );
            return router::finish_error(rec, resp);
        }
        Err(_) => {
            let msg = format!(
                "the request body did not arrive within {:.0} s (fgc serve --body-timeout)",
                st.limits.body_timeout.as_secs_f64()
            );
            let e = ClientError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", msg);
            let mut resp = e.response(api);
            // The rest of the body may still be on its way: this connection is done.
            resp.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            return router::finish_error(rec, resp);
        }
    };
    let body = match JsonBody::parse(bytes) {
        Ok(b) => b,
        Err(msg) => {
            let resp = errors::respond(api, StatusCode::BAD_REQUEST, "invalid_json", &msg);
            return router::finish_error(rec, resp);
        }
    };
    let Some(name) = body.get_str("model") else {
        let resp = errors::respond(
            api,
            StatusCode::BAD_REQUEST,
            "missing_model",
            "the request body has no `model` string",
        );
        return router::finish_error(rec, resp);
    };
    rec.record().set_alias(&name);
    // Scenario routing (docs/routing.md) comes before the alias walk.
    let (body, routed) = match route::route(&snap, api, body, &name).await {
        route::Step::AsNamed(body) => (body, None),
        route::Step::Routed(r) => {
            rec.record().route = Some(r.route.name());
            (r.body, Some(r.alias))
        }
        route::Step::Refused(msg) => {
            let resp = errors::respond(api, StatusCode::NOT_FOUND, "model_not_found", &msg);
            return router::finish_error(rec, resp);
        }
    };
    let Some(alias) = routed.or_else(|| snap.resolve(&name).map(str::to_string)) else {
        let close = snap.closest(&name);
        let hint = if close.is_empty() {
            let names = snap.listed_names();
            let shown: Vec<&str> = names.iter().take(20).copied().collect();
            let more = names.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more (GET /v1/models)")
            } else {
                String::new()
            };
            format!("defined: {}{more}", shown.join(", "))
        } else {
            format!(
                "did you mean {}?",
                close
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let msg = format!(
            "model `{}` is not served by this gateway; {hint}",
            crate::names::shown(&name)
        );
        let resp = errors::respond(api, StatusCode::NOT_FOUND, "model_not_found", &msg);
        return router::finish_error(rec, resp);
    };
    let stream = api != ClientApi::CountTokens && body.get_bool("stream") == Some(true);
    rec.record().stream = stream;
    if api == ClientApi::CountTokens {
        let anthropic = snap
            .aliases
            .get(&alias)
            .is_some_and(|deps| deps.iter().any(|d| d.api == UpstreamApi::Anthropic));
        if !anthropic {
            return router::count_locally(rec, &body).await;
        }
    }
    let r = router::Request {
        api,
        alias,
        body,
        headers: parts.headers,
        query: parts.uri.query().map(str::to_string),
        stream,
    };
    router::serve(&st, snap, r, rec).await
}

/// The body, or `None` once it grows past `limit` bytes.
async fn read_limited(body: &mut Body, limit: usize) -> Result<Option<bytes::Bytes>, axum::Error> {
    use http_body_util::BodyExt;
    let mut buf = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if buf.len() + data.len() > limit {
                return Ok(None);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(Some(buf.freeze()))
}

/// Most bytes read and thrown away after a 413, and for how long.
const DRAIN_BYTES: usize = 8 * 1024 * 1024;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// Read (and discard) what is left of a refused body, within bounds, before answering: a
/// server that closes while the client is still sending makes the client's TCP stack drop the
/// 413 in favour of a connection reset, and the client never learns why.
async fn drain(body: &mut Body) {
    use http_body_util::BodyExt;
    let mut seen = 0usize;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                seen += data.len();
                if seen > DRAIN_BYTES {
                    break;
                }
            }
        }
    })
    .await;
}
