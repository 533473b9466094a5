//! `fgc serve` translating between protocols, end to end in process: real client requests
//! (Claude Code 2.1, Codex 0.169) in, a scripted upstream that answers with recorded streams,
//! translated answers out. The upstream records what reached it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use fgc::serve::{self, Options, Running};
use fgc::translate::sse::SseParser;
use futures_util::stream;
use serde_json::{Value, json};

use crate::common::root;

const KEY: &str = "sk-gw-test-7f3a9c2e5b1d4f6a";

/// What the scripted upstream answers to one request.
#[derive(Clone)]
enum Answer {
    /// An SSE body.
    Sse(Vec<u8>),
    /// These SSE pieces with a pause before each but the first.
    Slow(Vec<Vec<u8>>, Duration),
    /// These SSE bytes, then a broken connection.
    SseThenReset(Vec<u8>),
    /// A JSON body with a status.
    Json(u16, Value),
}

#[derive(Default)]
struct Upstream {
    script: Mutex<Vec<Answer>>,
    seen: Mutex<Vec<(String, Value)>>,
}

struct Scripted {
    state: Arc<Upstream>,
    url: String,
}

impl Scripted {
    async fn start() -> Scripted {
        let state = Arc::new(Upstream::default());
        let st = Arc::clone(&state);
        let app = axum::Router::new().fallback(move |uri: Uri, body: Bytes| {
            let st = Arc::clone(&st);
            async move { answer(&st, uri, body) }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Scripted { state, url }
    }
    fn push(&self, a: Answer) {
        self.state.script.lock().unwrap().push(a);
    }
    /// The (path, body) of every request so far.
    fn seen(&self) -> Vec<(String, Value)> {
        self.state.seen.lock().unwrap().clone()
    }
}

fn answer(st: &Upstream, uri: Uri, body: Bytes) -> Response {
    let path = uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    st.seen.lock().unwrap().push((path, body));
    let next = {
        let mut s = st.script.lock().unwrap();
        if s.is_empty() {
            None
        } else {
            Some(s.remove(0))
        }
    };
    let sse = |body: Body| {
        let mut r = Response::new(body);
        r.headers_mut()
            .insert("content-type", "text/event-stream".parse().unwrap());
        r
    };
    match next {
        None => (StatusCode::INTERNAL_SERVER_ERROR, "no scripted answer").into_response(),
        Some(Answer::Json(status, v)) => {
            (StatusCode::from_u16(status).unwrap(), axum::Json(v)).into_response()
        }
        Some(Answer::Sse(bytes)) => sse(Body::from(bytes)),
        Some(Answer::SseThenReset(bytes)) => {
            let parts: Vec<Result<Bytes, std::io::Error>> =
                vec![Ok(Bytes::from(bytes)), Err(std::io::Error::other("reset"))];
            let s = futures_util::StreamExt::then(stream::iter(parts), |p| async move {
                if p.is_err() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                p
            });
            sse(Body::from_stream(s))
        }
        Some(Answer::Slow(pieces, pause)) => {
            let s = futures_util::StreamExt::then(
                stream::iter(pieces.into_iter().enumerate()),
                move |(i, p)| async move {
                    if i > 0 {
                        tokio::time::sleep(pause).await;
                    }
                    Ok::<_, std::io::Error>(Bytes::from(p))
                },
            );
            sse(Body::from_stream(s))
        }
    }
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/translate").join(rel)).unwrap()
}

fn fixture_json(rel: &str) -> Value {
    serde_json::from_slice(&fixture(rel)).unwrap()
}

/// A gateway with `chat` (OpenAI-compatible, chat only), `gpt` (OpenAI-compatible that also
/// serves /responses) and `claude` (Anthropic) aliases, all on the scripted upstream.
async fn gateway(up: &Scripted, stream_timeout: f64) -> (tempfile::TempDir, Running) {
    let dir = tempfile::Builder::new()
        .prefix("fgc-translate")
        .tempdir()
        .unwrap();
    let yaml = format!(
        "litellm_base:
  model_list:
    - model_name: chat
      litellm_params:
        model: openai/up-chat
        api_base: {url}/v1
        api_key: sk-up-1
        stream_timeout: {stream_timeout}
    - model_name: gpt
      litellm_params:
        model: openai/up-gpt
        api_base: {url}/v1
        api_key: sk-up-2
        responses_api: true
    - model_name: claude
      litellm_params:
        model: anthropic/up-claude
        api_base: {url}
        api_key: sk-up-3
  litellm_settings:
    num_retries: 0
    allowed_fails: 100
  general_settings:
    master_key: {KEY}
",
        url = up.url
    );
    std::fs::write(dir.path().join("flowgate.yaml"), yaml).unwrap();
    let mut o = Options::new(dir.path().join("flowgate.yaml"));
    o.port = Some(0);
    o.usage_log = Some(dir.path().join("usage.jsonl"));
    let running = serve::spawn(o).await.expect("server starts");
    (dir, running)
}

async fn post(srv: &Running, path: &str, body: &Value) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", srv.url()))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn events(text: &str) -> Vec<(String, Value)> {
    let mut got = Vec::new();
    let mut f = |e: &str, d: &[u8]| {
        let v = serde_json::from_slice(d).unwrap_or_else(|_| json!(String::from_utf8_lossy(d)));
        got.push((e.to_string(), v));
    };
    let mut p = SseParser::new();
    p.feed(text.as_bytes(), &mut f);
    p.flush(&mut f);
    got
}

fn names(evs: &[(String, Value)]) -> Vec<&str> {
    evs.iter().map(|(e, _)| e.as_str()).collect()
}

fn with_model(mut v: Value, model: &str) -> Value {
    v["model"] = json!(model);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_over_a_chat_upstream_streams_text_with_cached_usage() {
    let up = Scripted::start().await;
    let (_dir, srv) = gateway(&up, 30.0).await;
    up.push(Answer::Sse(fixture("chat_streams/text_cached_usage.sse")));
    let req = with_model(fixture_json("claude_code_request.json"), "chat");
    let (status, text) = post(&srv, "/v1/messages?beta=true", &req).await;
    assert_eq!(status, 200, "{text}");
    let evs = events(&text);
    assert_eq!(
        names(&evs),
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert_eq!(evs[0].1["message"]["model"], "chat");
    let usage = &evs[6].1["usage"];
    assert_eq!(usage["input_tokens"], 52);
    assert_eq!(usage["cache_read_input_tokens"], 2048);
    assert_eq!(usage["output_tokens"], 5);
    // What reached the upstream: Chat Completions, upstream model, no Anthropic query.
    let (path, body) = up.seen().pop().unwrap();
    assert_eq!(path, "/v1/chat/completions");
    assert_eq!(body["model"], "up-chat");
    assert_eq!(body["tools"].as_array().unwrap().len(), 24);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert!(body.get("thinking").is_none() && body.get("system").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_split_late_and_parallel_come_out_as_tool_use_blocks() {
    let up = Scripted::start().await;
    let (_dir, srv) = gateway(&up, 30.0).await;
    let req = json!({"model": "chat", "max_tokens": 100, "stream": true,
                     "messages": [{"role": "user", "content": "read a.txt and list"}]});

    up.push(Answer::Sse(fixture(
        "chat_streams/text_then_parallel_tools.sse",
    )));
    let (_, text) = post(&srv, "/v1/messages", &req).await;
    let evs = events(&text);
    let starts: Vec<&Value> = evs
        .iter()
        .filter(|(e, _)| e == "content_block_start")
        .map(|(_, v)| &v["content_block"])
        .collect();
    assert_eq!(starts[0]["type"], "text");
    assert_eq!(
        (starts[1]["name"].as_str(), starts[1]["id"].as_str()),
        (Some("Read"), Some("call_a"))
    );
    assert_eq!(
        (starts[2]["name"].as_str(), starts[2]["id"].as_str()),
        (Some("Bash"), Some("call_b"))
    );
    let args: String = evs
        .iter()
        .filter(|(_, v)| v["index"] == 2 && v["delta"]["type"] == "input_json_delta")
        .map(|(_, v)| v["delta"]["partial_json"].as_str().unwrap())
        .collect();
    assert_eq!(args, r#"{"command":"ls -la"}"#);
    assert_eq!(evs[evs.len() - 2].1["delta"]["stop_reason"], "tool_use");

    up.push(Answer::Sse(fixture("chat_streams/tool_args_before_id.sse")));
    let (_, text) = post(&srv, "/v1/messages", &req).await;
    let evs = events(&text);
    let start = evs
        .iter()
        .find(|(e, _)| e == "content_block_start")
        .unwrap();
    assert_eq!(start.1["content_block"]["id"], "call_late");
    let args: String = evs
        .iter()
        .filter(|(_, v)| v["delta"]["type"] == "input_json_delta")
        .map(|(_, v)| v["delta"]["partial_json"].as_str().unwrap())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&args).unwrap(),
        json!({"file_path": "/etc/hosts"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thinking_images_and_non_streaming_answers() {
    let up = Scripted::start().await;
    let (_dir, srv) = gateway(&up, 30.0).await;
    // Thinking, streamed.
    up.push(Answer::Sse(fixture("chat_streams/thinking_then_text.sse")));
    let req = json!({"model": "chat", "max_tokens": 100, "stream": true,
        "thinking": {"type": "enabled", "budget_tokens": 2000},
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]}]});
    let (_, text) = post(&srv, "/v1/messages", &req).await;
    let evs = events(&text);
    assert_eq!(evs[1].1["content_block"]["type"], "thinking");
    assert_eq!(evs[2].1["delta"]["thinking"], "The user wants");
    let (_, body) = up.seen().pop().unwrap();
    assert_eq!(body["reasoning_effort"], "low");
    assert_eq!(
        body["messages"][0]["content"][1],
        json!({"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}})
    );
    // Not streamed: a whole chat completion becomes a whole Anthropic message.
    up.push(Answer::Json(
        200,
        fixture_json("responses/chat_tool_calls.json"),
    ));
    let mut req = req;
    req["stream"] = json!(false);
    let (status, text) = post(&srv, "/v1/messages", &req).await;
    assert_eq!(status, 200);
    let msg: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(msg["type"], "message");
    assert_eq!(msg["model"], "chat");
    assert_eq!(msg["content"][0]["type"], "thinking");
    assert_eq!(msg["content"][2]["input"], json!({"cmd": "ls"}));
    assert_eq!(msg["stop_reason"], "tool_use");
    assert_eq!(msg["usage"]["cache_read_input_tokens"], 1024);
    assert_eq!(msg["usage"]["input_tokens"], 176);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_failures_reach_the_client_in_its_own_shape() {
    let up = Scripted::start().await;
    let (_dir, srv) = gateway(&up, 30.0).await;
    let req = json!({"model": "chat", "max_tokens": 100, "stream": true,
                     "messages": [{"role": "user", "content": "hi"}]});
    // Broken after the first bytes: the Anthropic stream ends with an error event.
    let partial = fixture("chat_streams/text_cached_usage.sse");
    up.push(Answer::SseThenReset(partial[..400].to_vec()));
    let (_, text) = post(&srv, "/v1/messages", &req).await;
    let evs = events(&text);
    assert_eq!(evs[0].0, "message_start");
    assert_eq!(evs.last().unwrap().0, "error", "{text}");
    // Cut JSON and no [DONE].
    up.push(Answer::Sse(fixture("chat_streams/cut_mid_json.sse")));
    let (_, text) = post(&srv, "/v1/messages", &req).await;
    assert_eq!(events(&text).last().unwrap().0, "error");
    // An OpenAI-shaped 429 becomes an Anthropic-shaped 429.
    up.push(Answer::Json(
        429,
        json!({"error": {"message": "slow down", "type": "rate_limit"}}),
    ));
    let (status, text) = post(&srv, "/v1/messages", &req).await;
    assert_eq!(status, 429);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v,
        json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})
    );
    // The same for a Responses client, mid-stream: response.failed.
    up.push(Answer::SseThenReset(partial[..400].to_vec()));
    let (_, text) = post(
        &srv,
        "/v1/responses",
        &json!({"model": "chat", "input": "hi", "stream": true}),
    )
    .await;
    let evs = events(&text);
    assert_eq!(evs[0].0, "response.created");
    assert_eq!(evs.last().unwrap().0, "response.failed", "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_over_a_chat_upstream_gets_items_and_completed() {
    let up = Scripted::start().await;
    let (_dir, srv) = gateway(&up, 30.0).await;
    let tool_stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Spawning.\"}}]}\n\n\
        data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"type\":\"function\",\"function\":{\"name\":\"spawn_agent\",\"arguments\":\"{\\\"message\\\":\"}}]}}]}\n\n\
        data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"go\\\"}\"}}]}}]}\n\n\
        data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n\
        data: {\"choices\":[],\"usage\":{\"prompt_tokens\":900,\"completion_tokens\":12,\"prompt_tokens_details\":{\"cached_tokens\":512}}}\n\n\
        data: [DONE]\n\n";
    up.push(Answer::Sse(tool_stream.as_bytes().to_vec()));
    let req = with_model(fixture_json("codex_request.json"), "chat");
    let (status, text) = post(&srv, "/v1/responses", &req).await;
    assert_eq!(status, 200, "{text}");
    let evs = events(&text);
    let n = names(&evs);
    assert_eq!(n[0], "response.created");
    assert_eq!(*n.last().unwrap(), "response.completed");
    let done: Vec<&Value> = evs
        .iter()
        .filter(|(e, _)| e == "response.output_item.done")
        .map(|(_, v)| &v["item"])
        .collect();
    assert_eq!(done[0]["content"][0]["text"], "Spawning.");
    assert_eq!(done[1]["type"], "function_call");
    assert_eq!(done[1]["name"], "spawn_agent");
    assert_eq!(done[1]["namespace"], "multi_agent_v1");
    assert_eq!(done[1]["arguments"], r#"{"message":"go"}"#);
    let completed = &evs.last().unwrap().1["response"];
    assert!(completed["id"].as_str().unwrap().starts_with("resp_"));
    assert_eq!(
        completed["usage"]["input_tokens_details"]["cached_tokens"],
        512
    );
    let (path, body) = up.seen().pop().unwrap();
    assert_eq!(path, "/v1/chat/completions");
    assert!(body.get("input").is_none() && body.get("store").is_none());

    // The same alias, not streamed.
    up.push(Answer::Json(
        200,
        fixture_json("responses/chat_tool_calls.json"),
    ));
    let mut req = req;
    req["stream"] = json!(false);
    let (_, text) = post(&srv, "/v1/responses", &req).await;
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(r["object"], "response");
    assert_eq!(r["output"][2]["type"], "function_call");
    assert_eq!(r["usage"]["input_tokens"], 1200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_api_upstreams_pass_through() {
    let up = Scripted::start().await;
    let (_dir, srv) = gateway(&up, 30.0).await;
    let native =
        json!({"id": "resp_native", "object": "response", "status": "completed", "output": []});
    up.push(Answer::Json(200, native.clone()));
    let (_, text) = post(
        &srv,
        "/v1/responses",
        &json!({"model": "gpt", "input": "hi", "store": false}),
    )
    .await;
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), native);
    let (path, body) = up.seen().pop().unwrap();
    assert_eq!(path, "/v1/responses");
    assert_eq!(
        body,
        json!({"model": "up-gpt", "input": "hi", "store": false})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_and_responses_clients_over_an_anthropic_upstream() {
    let up = Scripted::start().await;
    let (_dir, srv) = gateway(&up, 30.0).await;
    // Chat client, streamed, with usage asked for.
    up.push(Answer::Sse(fixture("anthropic_streams/text_and_tool.sse")));
    let req = json!({"model": "claude", "stream": true, "stream_options": {"include_usage": true},
                     "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "weather?"}]});
    let (status, text) = post(&srv, "/v1/chat/completions", &req).await;
    assert_eq!(status, 200);
    let evs = events(&text);
    assert_eq!(evs.last().unwrap().1, json!("[DONE]"));
    let usage = &evs[evs.len() - 2].1["usage"];
    assert_eq!(usage["prompt_tokens"], 2112);
    assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 2000);
    let (path, body) = up.seen().pop().unwrap();
    assert_eq!(path, "/v1/messages");
    assert_eq!(body["system"], "be brief");
    assert_eq!(body["max_tokens"], 4096);
    // Chat client, not streamed.
    up.push(Answer::Json(
        200,
        fixture_json("responses/anthropic_message.json"),
    ));
    let mut req = req;
    req["stream"] = json!(false);
    let (_, text) = post(&srv, "/v1/chat/completions", &req).await;
    let c: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(c["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(
        c["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        r#"{"q":"cat"}"#
    );
    // Responses client over Anthropic: two translations in a row.
    up.push(Answer::Sse(fixture("anthropic_streams/text_and_tool.sse")));
    let (_, text) = post(
        &srv,
        "/v1/responses",
        &json!({"model": "claude", "input": "weather?", "stream": true}),
    )
    .await;
    let evs = events(&text);
    let last = &evs.last().unwrap().1;
    assert_eq!(last["type"], "response.completed", "{text}");
    assert_eq!(last["response"]["output"][1]["name"], "get_weather");
    assert_eq!(
        last["response"]["output"][1]["arguments"],
        r#"{"city": "Paris"}"#
    );
    // An Anthropic error for an OpenAI client: OpenAI shape, 529 -> 503.
    up.push(Answer::Json(
        529,
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ));
    let (status, text) = post(&srv, "/v1/chat/completions", &req).await;
    assert_eq!(status, 503);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"]["message"],
        "Overloaded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_tokens_answers_for_every_alias() {
    let up = Scripted::start().await;
    let (_dir, srv) = gateway(&up, 30.0).await;
    let req = with_model(fixture_json("claude_code_request.json"), "chat");
    let (status, text) = post(&srv, "/v1/messages/count_tokens?beta=true", &req).await;
    assert_eq!(status, 200);
    let n = serde_json::from_str::<Value>(&text).unwrap()["input_tokens"]
        .as_u64()
        .unwrap();
    assert!(n > 10_000, "{n}");
    assert!(up.seen().is_empty(), "counted locally");
    // An Anthropic alias: forwarded.
    up.push(Answer::Json(200, json!({"input_tokens": 42})));
    let (_, text) = post(
        &srv,
        "/v1/messages/count_tokens",
        &with_model(req.clone(), "claude"),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["input_tokens"],
        42
    );
    assert_eq!(up.seen().pop().unwrap().0, "/v1/messages/count_tokens");
    // An Anthropic-compatible upstream without the endpoint: counted locally after all.
    up.push(Answer::Json(
        404,
        json!({"type": "error", "error": {"type": "not_found_error", "message": "no"}}),
    ));
    let (status, text) = post(
        &srv,
        "/v1/messages/count_tokens",
        &with_model(req, "claude"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["input_tokens"],
        n
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_while_the_upstream_is_silent() {
    let up = Scripted::start().await;
    // stream_timeout 2 s: keep-alives every second.
    let (_dir, srv) = gateway(&up, 2.0).await;
    let whole = String::from_utf8(fixture("chat_streams/text_cached_usage.sse")).unwrap();
    let pieces: Vec<Vec<u8>> = whole
        .split_inclusive("\n\n")
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let (head, tail) = pieces.split_at(2);
    up.push(Answer::Slow(
        vec![head.concat(), tail.concat()],
        Duration::from_millis(1500),
    ));
    let req = json!({"model": "chat", "max_tokens": 10, "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let (_, text) = post(&srv, "/v1/messages", &req).await;
    let evs = events(&text);
    let n = names(&evs);
    let ping = n
        .iter()
        .position(|e| *e == "ping")
        .expect("a ping while the upstream paused");
    assert!(ping > 0 && n[0] == "message_start");
    assert_eq!(*n.last().unwrap(), "message_stop");
}

/// The stream of issue 19: a tool-call fragment with neither id nor name, then `[DONE]`.
const NAMELESS_TOOL_CALL: &str = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"x\"}}]}}]}\n\ndata: [DONE]\n\n";

/// A gateway with one chat alias and one Anthropic alias, both on the in-process mock.
async fn mock_gateway(mock: &fgc::serve::mock::Mock) -> (tempfile::TempDir, Running) {
    let dir = tempfile::Builder::new()
        .prefix("fgc-nameless")
        .tempdir()
        .unwrap();
    let yaml = format!(
        "litellm_base:
  model_list:
    - model_name: chat
      litellm_params:
        model: openai/up-chat
        api_base: {openai}
        api_key: sk-up-1
    - model_name: claude
      litellm_params:
        model: anthropic/up-claude
        api_base: {anthropic}
        api_key: sk-up-3
  litellm_settings:
    num_retries: 0
  general_settings:
    master_key: {KEY}
",
        openai = mock.openai_base(),
        anthropic = mock.url(),
    );
    std::fs::write(dir.path().join("flowgate.yaml"), yaml).unwrap();
    let mut o = Options::new(dir.path().join("flowgate.yaml"));
    o.port = Some(0);
    o.usage_log = None;
    let running = serve::spawn(o).await.expect("server starts");
    (dir, running)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_call_without_a_name_never_reaches_a_client_as_name_empty() {
    use crate::translate::{anthropic_machine, responses_machine};
    use fgc::serve::mock::{Fault, Mock, MockConfig};
    let mock = Mock::start(MockConfig::default()).await.unwrap();
    let (_dir, srv) = mock_gateway(&mock).await;
    let stream = json!({"model": "chat", "max_tokens": 100, "stream": true,
                        "messages": [{"role": "user", "content": "list files"}]});

    // Claude Code (Messages) over a chat upstream: an error event that says why.
    mock.push(Fault::Sse(NAMELESS_TOOL_CALL.into()));
    let (status, text) = post(&srv, "/v1/messages", &stream).await;
    assert_eq!(status, 200);
    assert!(!text.contains(r#""name":"""#), "{text}");
    let seen = anthropic_machine(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(seen.error && seen.tools.is_empty(), "{text}");
    let (name, data) = events(&text).pop().unwrap();
    assert_eq!(name, "error");
    assert!(
        data["error"]["message"]
            .as_str()
            .unwrap()
            .contains("without a function name"),
        "{text}"
    );

    // The same call with a name but no id: a named tool_use with a made-up id.
    mock.push(Fault::Sse(
        NAMELESS_TOOL_CALL.replace("\"function\":{", "\"function\":{\"name\":\"Bash\","),
    ));
    let (_, text) = post(&srv, "/v1/messages", &stream).await;
    let seen = anthropic_machine(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(!seen.error, "{text}");
    assert_eq!(seen.tools.len(), 1);
    assert_eq!(seen.tools[0].1, "Bash");
    assert!(seen.tools[0].0.starts_with("toolu_"), "{text}");
    assert_eq!(seen.stop.as_deref(), Some("tool_use"));

    // Codex (Responses) over the same upstream: response.failed.
    mock.push(Fault::Sse(NAMELESS_TOOL_CALL.into()));
    let (_, text) = post(
        &srv,
        "/v1/responses",
        &json!({"model": "chat", "input": "list files", "stream": true}),
    )
    .await;
    assert!(!text.contains(r#""name":"""#), "{text}");
    let (seen, terminal) = responses_machine(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(seen.error && terminal["status"] == "failed", "{text}");

    // Not streamed: 502 in the client's shape instead of a tool_use named "".
    mock.push(Fault::Json(
        json!({"id": "chatcmpl-1", "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant",
        "content": null, "tool_calls": [{"id": "call_1", "type": "function",
        "function": {"arguments": "{}"}}]}}]}),
    ));
    let mut whole = stream.clone();
    whole["stream"] = json!(false);
    let (status, text) = post(&srv, "/v1/messages", &whole).await;
    assert_eq!(status, 502, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["type"], "error");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("without a function name")
    );

    // An Anthropic upstream's nameless tool_use, for a chat client and through the chain for
    // a Responses client.
    let nameless_use =
        String::from_utf8(fixture("anthropic_streams/tool_use_without_name.sse")).unwrap();
    mock.push(Fault::Sse(nameless_use.clone()));
    let (_, text) = post(
        &srv,
        "/v1/chat/completions",
        &json!({"model": "claude", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert!(!text.contains(r#""name":"""#), "{text}");
    let last = events(&text).pop().unwrap().1;
    assert!(last["error"]["message"].is_string(), "{text}");
    mock.push(Fault::Sse(nameless_use));
    let (_, text) = post(
        &srv,
        "/v1/responses",
        &json!({"model": "claude", "input": "hi", "stream": true}),
    )
    .await;
    let (seen, _) = responses_machine(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(seen.error, "{text}");
    assert_eq!(mock.hits(), 6);
}
