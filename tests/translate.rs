//! Protocol translation (`fgc::translate`): golden request/response pairs and recorded streams
//! as snapshots, the real requests of Claude Code 2.1 and Codex 0.169, and property tests that
//! run generated Chat Completions streams through strict state machines of the Anthropic and
//! Responses event protocols.

use fgc::translate::{StreamTranslator, chat, count, messages, responses, sse::SseParser};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::common::{root, with_settings};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/translate").join(rel)).expect("fixture exists")
}

fn fixture_json(rel: &str) -> Value {
    serde_json::from_slice(&fixture(rel)).expect("fixture is JSON")
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("serialises")
}

/// Feed `input` in pieces of `step` bytes, then finish.
fn run_stream(t: &mut dyn StreamTranslator, input: &[u8], step: usize) -> String {
    let mut out = Vec::new();
    for piece in input.chunks(step.max(1)) {
        t.feed(piece, &mut out);
    }
    t.finish(&mut out);
    t.finish(&mut out); // idempotent
    assert!(t.is_closed());
    String::from_utf8(out).expect("UTF-8 output")
}

/// The events of an SSE text: (event name, JSON data).
fn events(text: &str) -> Vec<(String, Value)> {
    let mut got = Vec::new();
    let mut p = SseParser::new();
    let mut f = |e: &str, d: &[u8]| {
        let v = if d == b"[DONE]" {
            json!("[DONE]")
        } else {
            serde_json::from_slice(d).expect("event data is JSON")
        };
        got.push((e.to_string(), v));
    };
    p.feed(text.as_bytes(), &mut f);
    p.flush(&mut f);
    got
}

fn codex_tools() -> responses::ToolMap {
    responses::request_to_chat(&fixture_json("requests/responses_everything.json")).tools
}

// ---------------------------------------------------------------- golden requests

#[test]
fn messages_request_to_chat() {
    let out = messages::request_to_chat(&fixture_json("requests/messages_everything.json"));
    with_settings(|| insta::assert_snapshot!("translate_messages_request_to_chat", pretty(&out)));
}

#[test]
fn responses_request_to_chat() {
    let out = responses::request_to_chat(&fixture_json("requests/responses_everything.json"));
    with_settings(|| {
        insta::assert_snapshot!("translate_responses_request_to_chat", pretty(&out.body))
    });
}

#[test]
fn chat_request_to_messages() {
    let out = chat::request_to_messages(&fixture_json("requests/chat_everything.json"));
    with_settings(|| insta::assert_snapshot!("translate_chat_request_to_messages", pretty(&out)));
}

/// A digest of a translated request: every key, the role sequence, tool names.
fn digest(chat: &Value) -> String {
    let mut s = String::new();
    for (k, v) in chat.as_object().unwrap() {
        match k.as_str() {
            "messages" => {
                s.push_str("messages:\n");
                for m in v.as_array().unwrap() {
                    let content = &m["content"];
                    let shape = match content {
                        Value::String(t) => format!("text ({} chars)", t.chars().count()),
                        Value::Array(parts) => parts
                            .iter()
                            .map(|p| p["type"].as_str().unwrap_or("?").to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        Value::Null => "null".into(),
                        other => other.to_string(),
                    };
                    let calls = m["tool_calls"].as_array().map(|c| c.len()).unwrap_or(0);
                    s.push_str(&format!("  - {}: {shape}", m["role"].as_str().unwrap()));
                    if calls > 0 {
                        s.push_str(&format!(" + {calls} tool calls"));
                    }
                    s.push('\n');
                }
            }
            "tools" => {
                let names: Vec<&str> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t["function"]["name"].as_str().unwrap())
                    .collect();
                s.push_str(&format!("tools ({}): {}\n", names.len(), names.join(", ")));
            }
            _ => s.push_str(&format!("{k}: {v}\n")),
        }
    }
    s
}

#[test]
fn claude_code_request_is_translated_not_rejected() {
    let req = fixture_json("claude_code_request.json");
    let out = messages::request_to_chat(&req);
    let msgs = out["messages"].as_array().unwrap();
    assert_eq!(msgs[0]["role"], "system");
    assert!(
        msgs[0]["content"]
            .as_str()
            .unwrap()
            .contains("You are a Claude agent")
    );
    assert_eq!(out["tools"].as_array().unwrap().len(), 24);
    assert_eq!(out["reasoning_effort"], "high");
    for dropped in [
        "thinking",
        "context_management",
        "metadata",
        "output_config",
        "system",
    ] {
        assert!(
            out.get(dropped).is_none(),
            "{dropped} must not reach a chat upstream"
        );
    }
    let text = out.to_string();
    assert!(!text.contains("cache_control"));
    with_settings(|| insta::assert_snapshot!("translate_claude_code_request", digest(&out)));
}

#[test]
fn codex_request_is_translated_not_rejected() {
    let req = fixture_json("codex_request.json");
    let out = responses::request_to_chat(&req);
    let body = &out.body;
    let text = body.to_string();
    for dropped in ["store", "include", "prompt_cache_key", "reasoning", "input"] {
        assert!(
            body.get(dropped).is_none(),
            "{dropped} must not reach a chat upstream"
        );
    }
    assert!(!text.contains("\"web_search\""));
    assert!(!text.contains("\"namespace\""));
    assert!(!text.contains("\"developer\""));
    with_settings(|| insta::assert_snapshot!("translate_codex_request", digest(body)));
}

#[test]
fn count_tokens_of_real_claude_code_request() {
    let req = fixture_json("claude_code_request.json");
    let n = count::count_messages_request(&req);
    // The request is 81 kB of English and JSON: between 3 and 6 characters per token.
    let chars = req.to_string().len() as u64;
    assert!(
        n > chars / 6 && n < chars / 3,
        "{n} tokens for {chars} chars"
    );
    with_settings(|| insta::assert_snapshot!("translate_count_claude_code", n.to_string()));
}

// ---------------------------------------------------------------- golden responses

#[test]
fn chat_response_to_messages_and_responses() {
    let resp = fixture_json("responses/chat_tool_calls.json");
    let m = messages::response_from_chat(&resp, "claude-sonnet").unwrap();
    let mut r =
        responses::response_from_chat(&resp, "resp_test1", "gpt-5-codex", &codex_tools()).unwrap();
    r["created_at"] = json!(0);
    with_settings(|| {
        insta::assert_snapshot!("translate_chat_response_to_messages", pretty(&m));
        insta::assert_snapshot!("translate_chat_response_to_responses", pretty(&r));
    });
}

#[test]
fn anthropic_response_to_chat() {
    let resp = fixture_json("responses/anthropic_message.json");
    let mut c = chat::response_from_messages(&resp, "claude").unwrap();
    c["created"] = json!(0);
    with_settings(|| insta::assert_snapshot!("translate_messages_response_to_chat", pretty(&c)));
}

/// The knobs of a Chat Completions request, one at a time: what each becomes in a Messages
/// request (the gaps mutation testing found in `chat::request_to_messages`).
#[test]
fn chat_request_knobs_map_to_messages_one_by_one() {
    let base = || {
        json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
               "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]})
    };
    let with = |k: &str, v: Value| {
        let mut r = base();
        r[k] = v;
        chat::request_to_messages(&r)
    };
    // Reasoning effort: a thinking budget per level, and max_tokens at least budget + 1024.
    for (effort, budget) in [
        ("low", 1024),
        ("medium", 4096),
        ("high", 16384),
        ("xhigh", 16384),
    ] {
        let out = with("reasoning_effort", json!(effort));
        assert_eq!(
            out["thinking"],
            json!({"type": "enabled", "budget_tokens": budget}),
            "{effort}"
        );
        assert!(
            out["max_tokens"].as_u64().unwrap() >= budget + 1024,
            "{effort}"
        );
    }
    assert!(
        with("reasoning_effort", json!("none"))
            .get("thinking")
            .is_none()
    );
    // Stop sequences: a string, a list, and an empty list (left out).
    assert_eq!(with("stop", json!("X"))["stop_sequences"], json!(["X"]));
    assert_eq!(
        with("stop", json!(["X", "Y"]))["stop_sequences"],
        json!(["X", "Y"])
    );
    assert!(with("stop", json!([])).get("stop_sequences").is_none());
    // Tool choice, in each of its shapes.
    assert_eq!(
        with("tool_choice", json!("required"))["tool_choice"],
        json!({"type": "any"})
    );
    assert_eq!(
        with("tool_choice", json!("none"))["tool_choice"],
        json!({"type": "none"})
    );
    assert_eq!(
        with("tool_choice", json!("auto"))["tool_choice"],
        json!({"type": "auto"})
    );
    assert_eq!(
        with(
            "tool_choice",
            json!({"type": "function", "function": {"name": "f"}})
        )["tool_choice"],
        json!({"type": "tool", "name": "f"})
    );
    assert_eq!(
        with("tool_choice", json!({"type": "function"}))["tool_choice"],
        json!({"type": "auto"})
    );
    assert!(
        chat::request_to_messages(&base())
            .get("tool_choice")
            .is_none()
    );
    assert_eq!(
        with("parallel_tool_calls", json!(false))["tool_choice"],
        json!({"type": "auto", "disable_parallel_tool_use": true})
    );
    assert!(
        with("parallel_tool_calls", json!(true))
            .get("tool_choice")
            .is_none()
    );
    // A file part becomes a document block; a file that is not a data URL is dropped.
    let file = |data: &str| {
        let mut r = base();
        r["messages"] = json!([{"role": "user", "content": [
            {"type": "text", "text": "read"},
            {"type": "file", "file": {"file_data": data}}]}]);
        chat::request_to_messages(&r)["messages"][0]["content"].clone()
    };
    assert_eq!(
        file("data:application/pdf;base64,QUJD")[1],
        json!({"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "QUJD"}})
    );
    assert_eq!(
        file("https://example.invalid/x.pdf")
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Stop reasons and content of a Messages answer in Chat Completions terms.
#[test]
fn messages_answers_map_to_chat_finish_reasons() {
    let answer = |stop: &str, content: Value| {
        chat::response_from_messages(
            &json!({"id": "msg_1", "content": content, "stop_reason": stop,
                    "usage": {"input_tokens": 1, "output_tokens": 1}}),
            "m",
        )
        .unwrap()
    };
    let text = json!([{"type": "text", "text": "ok"}]);
    for (stop, reason) in [
        ("end_turn", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
    ] {
        assert_eq!(
            answer(stop, text.clone())["choices"][0]["finish_reason"],
            reason,
            "{stop}"
        );
    }
    // Only tool calls: content is null. Text and calls: the text is kept.
    let call = json!({"type": "tool_use", "id": "t1", "name": "f", "input": {}});
    assert_eq!(
        answer("tool_use", json!([call.clone()]))["choices"][0]["message"]["content"],
        Value::Null
    );
    assert_eq!(
        answer("tool_use", json!([{"type": "text", "text": "ok"}, call]))["choices"][0]["message"]
            ["content"],
        "ok"
    );
    assert_eq!(
        answer("end_turn", json!([]))["choices"][0]["message"]["content"],
        ""
    );
}

// ---------------------------------------------------------------- recorded streams

#[test]
fn chat_streams_to_anthropic_and_responses() {
    with_settings(|| {
        insta::glob!(
            "fixtures/translate/chat_streams/*.sse",
            |path: &std::path::Path| {
                let input = std::fs::read(path).unwrap();
                let name = path.file_stem().unwrap().to_str().unwrap();
                let anthropic = run_stream(
                    &mut messages::MessagesStream::new("msg_test", "claude-sonnet"),
                    &input,
                    4096,
                );
                let resp = run_stream(
                    &mut responses::ResponsesStream::new("resp_test", "gpt-5-codex", codex_tools())
                        .with_created_at(0),
                    &input,
                    4096,
                );
                // Byte-at-a-time feeding gives the same output.
                assert_eq!(
                    anthropic,
                    run_stream(
                        &mut messages::MessagesStream::new("msg_test", "claude-sonnet"),
                        &input,
                        1
                    ),
                    "{name}"
                );
                // What strict clients accept, never a tool without a name.
                anthropic_machine(&anthropic).unwrap_or_else(|e| panic!("{name}: {e}"));
                responses_machine(&resp).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(!anthropic.contains(r#""name":"""#), "{name}");
                assert!(!resp.contains(r#""name":"""#), "{name}");
                insta::assert_snapshot!("translate_stream_anthropic", anthropic);
                insta::assert_snapshot!("translate_stream_responses", resp);
            }
        );
    });
}

#[test]
fn anthropic_streams_to_chat() {
    with_settings(|| {
        insta::glob!(
            "fixtures/translate/anthropic_streams/*.sse",
            |path: &std::path::Path| {
                let input = std::fs::read(path).unwrap();
                let name = path.file_stem().unwrap().to_str().unwrap();
                let out = run_stream(
                    &mut chat::ChatStream::new("chatcmpl-test", "claude", true).with_created(0),
                    &input,
                    7,
                );
                assert!(chat_names_are_set(&out), "{name}: {out}");
                insta::assert_snapshot!("translate_stream_chat", out);
                // Responses clients read the same upstream through Chat Completions.
                let chained = run_stream(&mut chain("chatcmpl-c", "resp_chain"), &input, 7);
                responses_machine(&chained).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        );
    });
}

/// Responses clients over an Anthropic upstream: Messages -> Chat -> Responses.
fn chain(
    chat_id: &str,
    resp_id: &str,
) -> fgc::translate::Chain<chat::ChatStream, responses::ResponsesStream> {
    fgc::translate::Chain::new(
        chat::ChatStream::new(chat_id, "claude", true).with_created(0),
        responses::ResponsesStream::new(resp_id, "claude", Default::default()).with_created_at(0),
    )
}

/// Every tool call a chat stream names has a non-empty name.
fn chat_names_are_set(out: &str) -> bool {
    events(out).iter().all(|(_, v)| {
        v.pointer("/choices/0/delta/tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .all(|c| match c.pointer("/function/name") {
                None => true,
                Some(n) => n.as_str().is_some_and(|n| !n.is_empty()),
            })
    })
}

#[test]
fn anthropic_stream_to_responses_through_chat() {
    let input = fixture("anthropic_streams/text_and_tool.sse");
    let out = run_stream(&mut chain("chatcmpl-c", "resp_chain"), &input, 5);
    let (seen, terminal) = responses_machine(&out).unwrap();
    assert_eq!(seen.text, "Checking the weather.");
    assert_eq!(
        seen.tools,
        [(
            "toolu_01A".to_string(),
            "get_weather".to_string(),
            r#"{"city": "Paris"}"#.to_string()
        )]
    );
    assert_eq!(terminal["usage"]["input_tokens"], 2112);
    assert_eq!(
        terminal["usage"]["input_tokens_details"]["cached_tokens"],
        2000
    );
    with_settings(|| insta::assert_snapshot!("translate_chain_anthropic_to_responses", out));
}

#[test]
fn keepalive_before_the_first_chunk_opens_the_stream_properly() {
    let mut t = messages::MessagesStream::new("msg_k", "m");
    let mut out = Vec::new();
    t.keepalive(&mut out);
    t.keepalive(&mut out);
    let evs = events(std::str::from_utf8(&out).unwrap());
    let names: Vec<&str> = evs.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names, ["message_start", "ping", "ping"]);

    let mut r = responses::ResponsesStream::new("resp_k", "m", Default::default());
    let mut out = Vec::new();
    r.keepalive(&mut out);
    r.keepalive(&mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("event: response.created\n"));
    assert!(text.ends_with(": keep-alive\n\n"));
}

#[test]
fn upstream_failure_closes_every_client_stream() {
    let mut out = Vec::new();
    let mut t = messages::MessagesStream::new("msg_e", "m");
    t.feed(
        &fixture("chat_streams/text_cached_usage.sse")[..200],
        &mut out,
    );
    t.on_error("connection reset by upstream", &mut out);
    t.on_error("again", &mut out);
    t.finish(&mut out);
    let evs = events(std::str::from_utf8(&out).unwrap());
    let (name, data) = evs.last().unwrap();
    assert_eq!(name, "error");
    assert_eq!(data["error"]["message"], "connection reset by upstream");
    assert_eq!(evs.iter().filter(|(e, _)| e == "error").count(), 1);

    let mut out = Vec::new();
    let mut r = responses::ResponsesStream::new("resp_e", "m", Default::default());
    r.on_error("timed out", &mut out);
    let evs = events(std::str::from_utf8(&out).unwrap());
    assert_eq!(evs.last().unwrap().0, "response.failed");
    assert_eq!(evs.last().unwrap().1["response"]["id"], "resp_e");

    let mut out = Vec::new();
    let mut c = chat::ChatStream::new("chatcmpl-e", "m", false);
    c.feed(
        b"event: message_start\ndata: {\"type\":\"message_st",
        &mut out,
    );
    c.finish(&mut out);
    let evs = events(std::str::from_utf8(&out).unwrap());
    assert!(evs.last().unwrap().1["error"]["message"].is_string());
}

/// Every translator keeps the [`StreamTranslator`] contract the server relies on: open until a
/// terminal event, `keepalive` writes something only while open, the first `on_error` closes
/// the stream with one error event in the client's shape and marks it failed, and nothing is
/// written after the end; a complete stream is closed and not failed.
#[test]
fn every_translator_keeps_the_stream_contract() {
    type Make = fn() -> Box<dyn StreamTranslator>;
    let cases: [(&str, Make, &str, &str); 4] = [
        (
            "chat client, Messages upstream",
            || Box::new(chat::ChatStream::new("chatcmpl-t", "m", true)),
            "anthropic_streams/text_and_tool.sse",
            "data: {\"error\"",
        ),
        (
            "Messages client, Chat upstream",
            || Box::new(messages::MessagesStream::new("msg_t", "m")),
            "chat_streams/text_cached_usage.sse",
            "event: error\n",
        ),
        (
            "Responses client, Chat upstream",
            || {
                Box::new(responses::ResponsesStream::new(
                    "resp_t",
                    "m",
                    Default::default(),
                ))
            },
            "chat_streams/text_cached_usage.sse",
            "event: response.failed\n",
        ),
        (
            "Responses client, Messages upstream (chain)",
            || {
                Box::new(fgc::translate::Chain::new(
                    chat::ChatStream::new("chatcmpl-t", "m", true),
                    responses::ResponsesStream::new("resp_t", "m", Default::default()),
                ))
            },
            "anthropic_streams/text_and_tool.sse",
            "event: response.failed\n",
        ),
    ];
    for (name, make, complete, error_start) in cases {
        // A stream cut by an upstream failure.
        let mut t = make();
        assert!(!t.is_closed() && !t.failed(), "{name}: fresh");
        let mut out = Vec::new();
        t.keepalive(&mut out);
        assert!(!out.is_empty(), "{name}: a keep-alive while open writes");
        assert!(
            !t.is_closed() && !t.failed(),
            "{name}: a keep-alive does not close"
        );
        let before = out.len();
        t.on_error("connection reset", &mut out);
        let error = String::from_utf8(out[before..].to_vec()).unwrap();
        assert!(error.contains(error_start), "{name}: {error}");
        assert!(error.contains("connection reset"), "{name}: {error}");
        assert!(t.is_closed() && t.failed(), "{name}: closed by the error");
        let closed = out.len();
        t.keepalive(&mut out);
        t.on_error("again", &mut out);
        t.finish(&mut out);
        assert_eq!(out.len(), closed, "{name}: nothing after the end");

        // A complete stream.
        let mut t = make();
        let mut out = Vec::new();
        t.feed(&fixture(complete), &mut out);
        assert!(t.is_closed(), "{name}: closed by the upstream's last event");
        t.finish(&mut out);
        assert!(t.is_closed(), "{name}: closed at the end");
        assert!(!t.failed(), "{name}: a complete stream did not fail");
        let closed = out.len();
        t.keepalive(&mut out);
        t.on_error("late", &mut out);
        t.finish(&mut out);
        assert_eq!(out.len(), closed, "{name}: nothing after the end");
    }
}

/// Two tool_use blocks in an Anthropic stream become Chat tool calls 0 and 1, each with its own
/// arguments.
#[test]
fn anthropic_tool_blocks_get_their_own_chat_indexes() {
    let block = |i: u32, id: &str, args: &str| {
        format!(
            "event: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":{i},\"content_block\":{{\"type\":\"tool_use\",\"id\":\"{id}\",\"name\":\"f\",\"input\":{{}}}}}}\n\n\
             event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":{i},\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":{}}}}}\n\n\
             event: content_block_stop\ndata: {{\"type\":\"content_block_stop\",\"index\":{i}}}\n\n",
            serde_json::to_string(args).unwrap()
        )
    };
    let stream = format!(
        "event: message_start\ndata: {{\"type\":\"message_start\",\"message\":{{\"id\":\"msg_2\",\"usage\":{{\"input_tokens\":1,\"output_tokens\":1}}}}}}\n\n{}{}\
         event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"tool_use\"}},\"usage\":{{\"output_tokens\":5}}}}\n\n\
         event: message_stop\ndata: {{\"type\":\"message_stop\"}}\n\n",
        block(0, "toolu_a", "{\"x\":1}"),
        block(1, "toolu_b", "{\"y\":2}")
    );
    let mut t = chat::ChatStream::new("chatcmpl-2", "m", false);
    let mut out = Vec::new();
    t.feed(stream.as_bytes(), &mut out);
    t.finish(&mut out);
    assert!(!t.failed(), "{}", String::from_utf8_lossy(&out));
    let mut calls: std::collections::BTreeMap<u64, (String, String)> = Default::default();
    for (_, chunk) in events(std::str::from_utf8(&out).unwrap()) {
        for c in chunk
            .pointer("/choices/0/delta/tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let e = calls.entry(c["index"].as_u64().unwrap()).or_default();
            if let Some(id) = c["id"].as_str() {
                e.0 = id.to_string();
            }
            e.1 += c["function"]["arguments"].as_str().unwrap_or("");
        }
    }
    assert_eq!(
        calls.into_iter().collect::<Vec<_>>(),
        [
            (0, ("toolu_a".to_string(), "{\"x\":1}".to_string())),
            (1, ("toolu_b".to_string(), "{\"y\":2}".to_string())),
        ]
    );
}

/// An Anthropic answer with an empty id gets a made-up Chat id, not a bare `chatcmpl-`.
#[test]
fn an_empty_upstream_id_is_replaced() {
    let answer = json!({"id": "", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn"});
    let c = chat::response_from_messages(&answer, "m").unwrap();
    let id = c["id"].as_str().unwrap();
    assert!(
        id.starts_with("chatcmpl-") && id.len() > "chatcmpl-".len(),
        "{id}"
    );
    let answer = json!({"id": "msg_01Q", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn"});
    assert_eq!(
        chat::response_from_messages(&answer, "m").unwrap()["id"],
        "chatcmpl-01Q"
    );
}

/// Each knob of an Anthropic Messages request, one at a time, in the Chat request it becomes.
#[test]
fn messages_request_knobs_map_to_chat_one_by_one() {
    let base = || {
        json!({"model": "m", "max_tokens": 64000, "messages": [{"role": "user", "content": "hi"}],
               "tools": [{"name": "f", "input_schema": {"type": "object"}}]})
    };
    let with = |pairs: &[(&str, Value)]| {
        let mut r = base();
        for (k, v) in pairs {
            r[*k] = v.clone();
        }
        messages::request_to_chat(&r)
    };
    // Tool choice, in each of its shapes, and only when there are tools to choose.
    for (choice, chat) in [
        (json!({"type": "any"}), json!("required")),
        (json!({"type": "none"}), json!("none")),
        (json!({"type": "auto"}), json!("auto")),
        (
            json!({"type": "tool", "name": "f"}),
            json!({"type": "function", "function": {"name": "f"}}),
        ),
    ] {
        let out = with(&[("tool_choice", choice.clone())]);
        assert_eq!(out["tool_choice"], chat, "{choice}");
        assert!(out.get("parallel_tool_calls").is_none(), "{choice}");
        let mut no_tools = base();
        no_tools.as_object_mut().unwrap().remove("tools");
        no_tools["tool_choice"] = choice.clone();
        assert!(
            messages::request_to_chat(&no_tools)
                .get("tool_choice")
                .is_none(),
            "{choice} without tools"
        );
    }
    for unknown in [json!({"type": "other"}), json!({"type": "tool"})] {
        assert!(
            with(&[("tool_choice", unknown.clone())])
                .get("tool_choice")
                .is_none(),
            "{unknown}"
        );
    }
    // disable_parallel_tool_use: parallel_tool_calls false, with tools only.
    let serial = json!({"type": "auto", "disable_parallel_tool_use": true});
    assert_eq!(
        with(&[("tool_choice", serial.clone())])["parallel_tool_calls"],
        false
    );
    assert!(
        with(&[(
            "tool_choice",
            json!({"type": "auto", "disable_parallel_tool_use": false})
        )])
        .get("parallel_tool_calls")
        .is_none()
    );
    let mut no_tools = base();
    no_tools.as_object_mut().unwrap().remove("tools");
    no_tools["tool_choice"] = serial;
    assert!(
        messages::request_to_chat(&no_tools)
            .get("parallel_tool_calls")
            .is_none()
    );
    // Thinking with a budget: the effort follows the budget, or output_config.effort.
    for (budget, effort) in [
        (1024, "low"),
        (4095, "low"),
        (4096, "medium"),
        (16383, "medium"),
        (16384, "high"),
        (32000, "high"),
    ] {
        let out = with(&[(
            "thinking",
            json!({"type": "enabled", "budget_tokens": budget}),
        )]);
        assert_eq!(out["reasoning_effort"], effort, "budget {budget}");
    }
    for (given, effort) in [
        ("minimal", Some("minimal")),
        ("low", Some("low")),
        ("medium", Some("medium")),
        ("high", Some("high")),
        ("max", Some("high")),
        ("xhigh", Some("high")),
        ("unheard-of", None),
    ] {
        for thinking in [
            json!({"type": "adaptive"}),
            json!({"type": "enabled", "budget_tokens": 1024}),
        ] {
            let out = with(&[
                ("thinking", thinking.clone()),
                ("output_config", json!({"effort": given})),
            ]);
            assert_eq!(
                out.get("reasoning_effort").and_then(Value::as_str),
                effort,
                "{given} with {thinking}"
            );
        }
    }
    assert!(
        with(&[("thinking", json!({"type": "disabled"}))])
            .get("reasoning_effort")
            .is_none()
    );
    assert!(
        with(&[("thinking", json!({"type": "adaptive"}))])
            .get("reasoning_effort")
            .is_none()
    );
    // Structured output: a JSON schema format becomes response_format; another format does not.
    let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    assert_eq!(
        with(&[(
            "output_config",
            json!({"format": {"type": "json_schema", "schema": schema}})
        )])["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "output", "schema": schema}})
    );
    assert!(
        with(&[(
            "output_config",
            json!({"format": {"type": "text", "schema": schema}})
        )])
        .get("response_format")
        .is_none()
    );
    // Streaming asks for usage in the last chunk; a request that does not stream does not.
    let out = with(&[("stream", json!(true))]);
    assert_eq!(out["stream"], true);
    assert_eq!(out["stream_options"], json!({"include_usage": true}));
    let out = with(&[("stream", json!(false))]);
    assert!(out.get("stream").is_none() && out.get("stream_options").is_none());
}

/// Anthropic refuses a thinking budget not below max_tokens; Qwen Code sends one. The budget
/// is lowered to leave 1024 tokens for the answer, and thinking is turned off when that leaves
/// less than the minimum budget.
#[test]
fn thinking_budgets_are_fitted_under_max_tokens() {
    use messages::{MIN_THINKING_BUDGET, fit_thinking};
    let t = |b: u64| json!({"type": "enabled", "budget_tokens": b});
    assert_eq!(fit_thinking(&t(7999), Some(8000)), None, "below: as it is");
    assert_eq!(
        fit_thinking(&t(8000), Some(8000)),
        Some(t(8000 - MIN_THINKING_BUDGET)),
        "equal: lowered"
    );
    assert_eq!(
        fit_thinking(&t(32000), Some(8000)),
        Some(t(8000 - MIN_THINKING_BUDGET))
    );
    // 2048 - 1024 = 1024: the minimum budget, still on.
    assert_eq!(fit_thinking(&t(4000), Some(2048)), Some(t(1024)));
    // 2047 - 1024 = 1023: below the minimum, off.
    assert_eq!(
        fit_thinking(&t(4000), Some(2047)),
        Some(json!({"type": "disabled"}))
    );
    assert_eq!(fit_thinking(&t(4000), None), None);
    assert_eq!(fit_thinking(&json!({"type": "adaptive"}), Some(10)), None);
}

/// Anthropic content blocks in a user turn, one by one, as Chat content parts.
#[test]
fn messages_content_blocks_map_to_chat_parts() {
    let req = json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "plain"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.invalid/a.png"}},
        {"type": "document", "title": "spec.pdf",
         "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "inline text"}},
        {"type": "document", "source": {"type": "file", "file_id": "f_1"}},
        {"type": "image", "source": {"type": "file", "file_id": "f_2"}}
    ]}]});
    let chat = messages::request_to_chat(&req);
    assert_eq!(
        chat["messages"][0]["content"],
        json!([
            {"type": "text", "text": "plain"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            {"type": "image_url", "image_url": {"url": "https://example.invalid/a.png"}},
            {"type": "file", "file": {"filename": "spec.pdf", "file_data": "data:application/pdf;base64,JVBE"}},
            {"type": "text", "text": "inline text"}
        ])
    );
}

/// Anthropic message ids from Chat ids: kept when already `msg_`, prefixed otherwise, made up
/// when missing or empty.
#[test]
fn messages_ids_from_chat_ids() {
    let answer = |id: Value| {
        let mut a = json!({"object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]});
        if !id.is_null() {
            a["id"] = id;
        }
        messages::response_from_chat(&a, "m").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(answer(json!("msg_01A")), "msg_01A");
    assert_eq!(answer(json!("chatcmpl-9")), "msg_9");
    assert_eq!(answer(json!("abc")), "msg_abc");
    for missing in [json!(""), Value::Null] {
        let id = answer(missing.clone());
        assert!(
            id.starts_with("msg_") && id.len() > "msg_".len(),
            "{missing}: {id}"
        );
    }
}

/// A Chat stream through the Messages translator: its events, whether it failed, whether it
/// was closed by the stream itself (before `finish`).
fn to_messages(chunks: &[String]) -> (Vec<(String, Value)>, bool, bool) {
    let mut t = messages::MessagesStream::new("msg_t", "m");
    let mut out = Vec::new();
    t.feed(chunks.concat().as_bytes(), &mut out);
    let closed_by_stream = t.is_closed();
    t.finish(&mut out);
    (
        events(std::str::from_utf8(&out).unwrap()),
        t.failed(),
        closed_by_stream,
    )
}

/// The tool_use blocks of a Messages stream: (id, name, arguments).
fn tool_uses(evs: &[(String, Value)]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut block_of = std::collections::HashMap::new();
    for (name, d) in evs {
        match name.as_str() {
            "content_block_start" if d["content_block"]["type"] == "tool_use" => {
                block_of.insert(d["index"].as_u64().unwrap(), out.len());
                out.push((
                    d["content_block"]["id"].as_str().unwrap().to_string(),
                    d["content_block"]["name"].as_str().unwrap().to_string(),
                    String::new(),
                ));
            }
            "content_block_delta" if d["delta"]["type"] == "input_json_delta" => {
                let i = block_of[&d["index"].as_u64().unwrap()];
                out[i].2 += d["delta"]["partial_json"].as_str().unwrap();
            }
            _ => {}
        }
    }
    out
}

fn call(index: Option<u64>, id: Option<&str>, name: Option<&str>, args: &str) -> Value {
    let mut c = json!({"function": {"arguments": args}});
    if let Some(i) = index {
        c["index"] = json!(i);
    }
    if let Some(id) = id {
        c["id"] = json!(id);
    }
    if let Some(n) = name {
        c["function"]["name"] = json!(n);
    }
    c
}

/// Two calls from a server that omits `index`: `c1` (f, `{"a":1}`) and `c2` (g, `{"b":2}`),
/// each in two deltas, the second of `c1` without an id.
fn two_calls_without_index() -> String {
    [
        call(None, Some("c1"), Some("f"), "{\"a\""),
        call(None, None, None, ":1}"),
        call(None, Some("c2"), Some("g"), "{\"b\""),
        call(None, Some("c2"), None, ":2}"),
    ]
    .into_iter()
    .map(|c| chunk(json!({"tool_calls": [c]}), None, None))
    .collect()
}

#[test]
fn chat_tool_calls_in_every_shape_become_tool_use_blocks() {
    let done = "data: [DONE]\n\n".to_string();
    let end = |usage: bool| {
        chunk(
            json!({}),
            Some("tool_calls"),
            usage.then(|| json!({"prompt_tokens": 3, "completion_tokens": 4})),
        )
    };
    // Two calls in one delta.
    let (evs, failed, _) = to_messages(&[
        chunk(
            json!({"tool_calls": [call(Some(0), Some("c1"), Some("f"), "{\"a\":1}"),
                                  call(Some(1), Some("c2"), Some("g"), "{\"b\":2}")]}),
            None,
            None,
        ),
        end(true),
        done.clone(),
    ]);
    assert!(!failed);
    assert_eq!(
        tool_uses(&evs),
        [
            ("c1".into(), "f".into(), "{\"a\":1}".into()),
            ("c2".into(), "g".into(), "{\"b\":2}".into())
        ]
    );
    // Calls without `index`: a new id is a new call, a delta without id continues the last.
    let (evs, failed, _) = to_messages(&[two_calls_without_index(), end(true), done.clone()]);
    assert!(!failed);
    assert_eq!(
        tool_uses(&evs),
        [
            ("c1".into(), "f".into(), "{\"a\":1}".into()),
            ("c2".into(), "g".into(), "{\"b\":2}".into())
        ]
    );
    // A delta that carries nothing is not a call.
    let (evs, failed, _) = to_messages(&[
        chunk(json!({"content": "hi"}), None, None),
        chunk(json!({"tool_calls": [{"index": 3}]}), None, None),
        chunk(
            json!({"tool_calls": [call(Some(3), None, None, "")]}),
            None,
            None,
        ),
        chunk(json!({}), Some("stop"), None),
        done.clone(),
    ]);
    assert!(!failed, "{evs:?}");
    assert!(tool_uses(&evs).is_empty());
    // Arguments of parallel calls interleaved cannot be streamed: an error event. An empty
    // fragment for an earlier call is harmless.
    let first = || {
        chunk(
            json!({"tool_calls": [call(Some(0), Some("c1"), Some("f"), "{")]}),
            None,
            None,
        )
    };
    let second = || {
        chunk(
            json!({"tool_calls": [call(Some(1), Some("c2"), Some("g"), "{")]}),
            None,
            None,
        )
    };
    let (evs, failed, _) = to_messages(&[
        first(),
        second(),
        chunk(
            json!({"tool_calls": [call(Some(0), None, None, "}")]}),
            None,
            None,
        ),
        end(true),
        done.clone(),
    ]);
    assert!(failed);
    assert_eq!(evs.last().unwrap().0, "error");
    assert!(
        evs.last().unwrap().1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("interleaved")
    );
    let (evs, failed, _) = to_messages(&[
        first(),
        second(),
        chunk(
            json!({"tool_calls": [call(Some(0), None, None, "")]}),
            None,
            None,
        ),
        chunk(
            json!({"tool_calls": [call(Some(1), None, None, "}")]}),
            None,
            None,
        ),
        end(true),
        done,
    ]);
    assert!(!failed, "{evs:?}");
    assert_eq!(tool_uses(&evs).len(), 2);
}

/// Usage on every chunk (vLLM's continuous usage stats) does not end the stream early; usage
/// after the finish ends it even without `[DONE]`.
#[test]
fn chat_usage_ends_the_messages_stream_only_after_the_finish() {
    let u = || Some(json!({"prompt_tokens": 3, "completion_tokens": 1}));
    let (evs, failed, closed) = to_messages(&[
        chunk(json!({"content": "one "}), None, u()),
        chunk(json!({"content": "two"}), None, u()),
        chunk(json!({}), Some("stop"), None),
        chunk(json!({}), None, u()),
    ]);
    assert!(!failed, "{evs:?}");
    assert!(closed, "the usage after the finish closed the stream");
    let text: String = evs
        .iter()
        .filter(|(n, d)| n == "content_block_delta" && d["delta"]["type"] == "text_delta")
        .map(|(_, d)| d["delta"]["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(text, "one two");
    assert_eq!(evs.last().unwrap().0, "message_stop");
    assert_eq!(evs.iter().filter(|(n, _)| n == "message_stop").count(), 1);
}

/// A Responses request whose `input` is a plain string is one user message.
#[test]
fn responses_input_as_a_string_is_a_user_message() {
    let r = responses::request_to_chat(
        &json!({"model": "m", "instructions": "be brief", "input": "hi"}),
    );
    assert_eq!(
        r.body["messages"],
        json!([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}])
    );
}

/// Each knob of a Responses request, one at a time, in the Chat request it becomes.
#[test]
fn responses_request_knobs_map_to_chat_one_by_one() {
    let base = || {
        json!({"model": "m", "input": "hi",
               "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}]})
    };
    let with = |k: &str, v: Value| {
        let mut r = base();
        r[k] = v;
        responses::request_to_chat(&r).body
    };
    // Tool choice: the three strings, a function by name; anything else is left out.
    for s in ["auto", "none", "required"] {
        assert_eq!(with("tool_choice", json!(s))["tool_choice"], s);
    }
    assert_eq!(
        with("tool_choice", json!({"type": "function", "name": "f"}))["tool_choice"],
        json!({"type": "function", "function": {"name": "f"}})
    );
    for other in [
        json!("sometimes"),
        json!({"type": "file_search", "name": "f"}),
        json!({"type": "function"}),
    ] {
        assert!(
            with("tool_choice", other.clone())
                .get("tool_choice")
                .is_none(),
            "{other}"
        );
    }
    // parallel_tool_calls goes with the tools, and only with them.
    assert_eq!(
        with("parallel_tool_calls", json!(false))["parallel_tool_calls"],
        false
    );
    let mut no_tools = base();
    no_tools.as_object_mut().unwrap().remove("tools");
    no_tools["parallel_tool_calls"] = json!(false);
    no_tools["tool_choice"] = json!("required");
    let out = responses::request_to_chat(&no_tools).body;
    assert!(out.get("parallel_tool_calls").is_none() && out.get("tool_choice").is_none());
    // Reasoning effort: xhigh is high; the others as they are; an unknown one left out.
    for (given, chat) in [
        ("minimal", Some("minimal")),
        ("low", Some("low")),
        ("medium", Some("medium")),
        ("high", Some("high")),
        ("xhigh", Some("high")),
        ("none", None),
    ] {
        let out = with("reasoning", json!({"effort": given}));
        assert_eq!(
            out.get("reasoning_effort").and_then(Value::as_str),
            chat,
            "{given}"
        );
    }
    // Output format: a JSON schema (with its name, strictness and description), JSON, text.
    let schema = json!({"type": "object"});
    assert_eq!(
        with(
            "text",
            json!({"format": {"type": "json_schema", "name": "answer", "schema": schema,
                              "strict": true, "description": "the answer"}})
        )["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "answer", "schema": schema,
               "strict": true, "description": "the answer"}})
    );
    assert_eq!(
        with(
            "text",
            json!({"format": {"type": "json_schema", "schema": schema}})
        )["response_format"]["json_schema"]["name"],
        "output"
    );
    assert_eq!(
        with("text", json!({"format": {"type": "json_object"}}))["response_format"],
        json!({"type": "json_object"})
    );
    assert!(
        with("text", json!({"format": {"type": "text"}}))
            .get("response_format")
            .is_none()
    );
    // Limits and sampling.
    assert_eq!(with("max_output_tokens", json!(77))["max_tokens"], 77);
    assert_eq!(with("temperature", json!(0.5))["temperature"], 0.5);
    assert_eq!(with("top_p", json!(0.9))["top_p"], 0.9);
}

/// Tools inside a namespace (Codex's MCP servers) keep their name unless it collides with a
/// top-level tool (declared before or after) or one of another namespace; then they are
/// `<namespace>__<name>`, and a tool_choice naming them follows.
#[test]
fn responses_namespaced_tools_get_names_that_do_not_collide() {
    let f =
        |name: &str| json!({"type": "function", "name": name, "parameters": {"type": "object"}});
    let req = json!({"model": "m", "input": "hi", "tools": [
        {"type": "namespace", "name": "mcp", "tools": [f("read"), f("only_here")]},
        {"type": "namespace", "name": "other", "tools": [f("only_here")]},
        f("read")
    ], "tool_choice": {"type": "function", "name": "read", "namespace": "mcp"}});
    let out = responses::request_to_chat(&req).body;
    let names: Vec<&str> = out["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["mcp__read", "only_here", "other__only_here", "read"]
    );
    assert_eq!(out["tool_choice"]["function"]["name"], "mcp__read");
}

/// The content parts of a Responses user message, one by one, as Chat parts; text-only
/// content is one string.
#[test]
fn responses_input_parts_map_to_chat_parts() {
    let user = |parts: Value| {
        responses::request_to_chat(&json!({"model": "m",
            "input": [{"type": "message", "role": "user", "content": parts}]}))
        .body["messages"][0]["content"]
            .clone()
    };
    assert_eq!(
        user(json!([{"type": "input_text", "text": "a"}, {"type": "refusal", "refusal": "b"}])),
        json!("a\nb")
    );
    assert_eq!(
        user(json!([
            {"type": "input_text", "text": "look"},
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "high"},
            {"type": "input_image", "image_url": "https://example.invalid/a.png", "detail": "auto"},
            {"type": "input_file", "file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"},
            {"type": "input_file", "file_id": "file-1"},
            {"type": "input_audio", "data": "x"}
        ])),
        json!([
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "high"}},
            {"type": "image_url", "image_url": {"url": "https://example.invalid/a.png"}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"}},
            {"type": "file", "file": {"file_id": "file-1"}}
        ])
    );
}

/// A Chat stream through the Responses translator: the last event's response, whether the
/// stream closed itself (before `finish`), and all the text it carried.
fn to_responses(chunks: &[String]) -> (Value, bool, String) {
    let mut t = responses::ResponsesStream::new("resp_t", "m", Default::default());
    let mut out = Vec::new();
    t.feed(chunks.concat().as_bytes(), &mut out);
    let closed = t.is_closed();
    t.finish(&mut out);
    let evs = events(std::str::from_utf8(&out).unwrap());
    let text = evs
        .iter()
        .filter(|(n, _)| n == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap().to_string())
        .collect();
    (evs.last().unwrap().1["response"].clone(), closed, text)
}

/// Usage on every chunk does not end a Responses stream early; the finish reason decides the
/// status (`length` and `content_filter` are incomplete, with the reason).
#[test]
fn chat_finish_and_usage_end_the_responses_stream() {
    let u = || Some(json!({"prompt_tokens": 3, "completion_tokens": 1}));
    for (finish, status, reason) in [
        ("stop", "completed", Value::Null),
        (
            "length",
            "incomplete",
            json!({"reason": "max_output_tokens"}),
        ),
        (
            "content_filter",
            "incomplete",
            json!({"reason": "content_filter"}),
        ),
    ] {
        let (resp, closed, text) = to_responses(&[
            chunk(json!({"content": "one "}), None, u()),
            chunk(json!({"content": "two"}), None, u()),
            chunk(json!({}), Some(finish), None),
            chunk(json!({}), None, u()),
        ]);
        assert!(
            closed,
            "{finish}: the usage after the finish closed the stream"
        );
        assert_eq!(text, "one two", "{finish}");
        assert_eq!(resp["status"], status, "{finish}");
        assert_eq!(resp["incomplete_details"], reason, "{finish}");
    }
}

/// The function_call items of a Responses stream's final response: (call_id, name, arguments).
fn function_calls(resp: &Value) -> Vec<(String, String, String)> {
    resp["output"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "function_call")
        .map(|i| {
            (
                i["call_id"].as_str().unwrap().to_string(),
                i["name"].as_str().unwrap().to_string(),
                i["arguments"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn chat_tool_calls_in_every_shape_become_function_calls() {
    let end = || {
        chunk(
            json!({}),
            Some("tool_calls"),
            Some(json!({"prompt_tokens": 3, "completion_tokens": 4})),
        )
    };
    // Calls without `index`: a new id is a new call, a delta without id continues the last.
    let (resp, _, _) = to_responses(&[two_calls_without_index(), end()]);
    assert_eq!(resp["status"], "completed", "{resp}");
    assert_eq!(
        function_calls(&resp),
        [
            ("c1".into(), "f".into(), "{\"a\":1}".into()),
            ("c2".into(), "g".into(), "{\"b\":2}".into())
        ]
    );
    // Without `index`, a call's id seen again while it still waits for its name continues it.
    let (resp, _, _) = to_responses(&[
        chunk(
            json!({"tool_calls": [call(None, Some("c1"), None, "{")]}),
            None,
            None,
        ),
        chunk(
            json!({"tool_calls": [call(None, Some("c1"), Some("f"), "}")]}),
            None,
            None,
        ),
        end(),
    ]);
    assert_eq!(resp["status"], "completed", "{resp}");
    assert_eq!(
        function_calls(&resp),
        [("c1".into(), "f".into(), "{}".into())]
    );
    // A delta that carries nothing is not a call; one without a name waits for it.
    let (resp, _, _) = to_responses(&[
        chunk(json!({"content": "hi"}), None, None),
        chunk(json!({"tool_calls": [{"index": 3}]}), None, None),
        chunk(
            json!({"tool_calls": [call(Some(0), Some("c1"), None, "{\"x\"")]}),
            None,
            None,
        ),
        chunk(
            json!({"tool_calls": [call(Some(0), None, Some("f"), ":1}")]}),
            None,
            None,
        ),
        end(),
    ]);
    assert_eq!(resp["status"], "completed", "{resp}");
    assert_eq!(
        function_calls(&resp),
        [("c1".into(), "f".into(), "{\"x\":1}".into())]
    );
}

// ---------------------------------------------------------------- tool calls without id or name

/// The message of the error event that ends `out` in `client`'s stream protocol, if it ends so.
fn stream_error(out: &str) -> Option<String> {
    let (name, data) = events(out).pop()?;
    let msg = match name.as_str() {
        "error" => data.pointer("/error/message"),
        "response.failed" => data.pointer("/response/error/message"),
        _ => data.pointer("/error/message"),
    };
    msg.and_then(Value::as_str).map(str::to_string)
}

#[test]
fn tool_calls_without_a_name_end_in_an_error_event_in_every_translator() {
    for f in [
        "chat_streams/tool_args_without_id_or_name.sse",
        "chat_streams/tool_without_name.sse",
    ] {
        let input = fixture(f);
        for step in [1, 7, 4096] {
            let a = run_stream(
                &mut messages::MessagesStream::new("msg_n", "m"),
                &input,
                step,
            );
            let seen = anthropic_machine(&a).unwrap_or_else(|e| panic!("{f}: {e}\n{a}"));
            assert!(seen.error && seen.tools.is_empty(), "{f}: {a}");
            let msg = stream_error(&a).unwrap();
            assert!(msg.contains("without a function name"), "{f}: {msg}");
            let r = run_stream(
                &mut responses::ResponsesStream::new("resp_n", "m", Default::default()),
                &input,
                step,
            );
            let (seen, terminal) = responses_machine(&r).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert!(seen.error && seen.tools.is_empty(), "{f}: {r}");
            assert_eq!(terminal["status"], "failed");
            assert!(
                stream_error(&r)
                    .unwrap()
                    .contains("without a function name")
            );
        }
    }
    // The issue's case names the call by its index.
    let a = run_stream(
        &mut messages::MessagesStream::new("msg_n", "m"),
        &fixture("chat_streams/tool_args_without_id_or_name.sse"),
        4096,
    );
    assert!(stream_error(&a).unwrap().contains("(tool call 1)"), "{a}");
    // An Anthropic upstream's nameless tool_use: a chat error chunk, and through the chain
    // response.failed.
    let input = fixture("anthropic_streams/tool_use_without_name.sse");
    let c = run_stream(
        &mut chat::ChatStream::new("chatcmpl-n", "m", true),
        &input,
        9,
    );
    assert!(chat_names_are_set(&c), "{c}");
    assert!(
        stream_error(&c)
            .unwrap()
            .contains("without a function name"),
        "{c}"
    );
    assert!(!c.contains("[DONE]"), "{c}");
    let r = run_stream(&mut chain("chatcmpl-n", "resp_n"), &input, 9);
    let (seen, terminal) = responses_machine(&r).unwrap();
    assert!(seen.error && seen.tools.is_empty());
    assert_eq!(terminal["status"], "failed");
}

#[test]
fn tool_calls_without_an_id_get_one_made_up() {
    let input = fixture("chat_streams/tools_without_ids.sse");
    let a = run_stream(&mut messages::MessagesStream::new("msg_i", "m"), &input, 5);
    let seen = anthropic_machine(&a).unwrap();
    let ids: Vec<(&str, &str)> = seen
        .tools
        .iter()
        .map(|(id, name, _)| (id.as_str(), name.as_str()))
        .collect();
    assert_eq!(ids, [("toolu_i_0", "Read"), ("toolu_i_1", "Bash")]);
    let r = run_stream(
        &mut responses::ResponsesStream::new("resp_i", "m", Default::default()),
        &input,
        5,
    );
    let (seen, _) = responses_machine(&r).unwrap();
    let ids: Vec<(&str, &str)> = seen
        .tools
        .iter()
        .map(|(id, name, _)| (id.as_str(), name.as_str()))
        .collect();
    assert_eq!(ids, [("call_i_0", "Read"), ("call_i_1", "Bash")]);

    // An id that comes after the name is not used: the call already went out.
    let input = fixture("chat_streams/tool_id_after_name.sse");
    let a = run_stream(&mut messages::MessagesStream::new("msg_i", "m"), &input, 5);
    assert_eq!(anthropic_machine(&a).unwrap().tools[0].0, "toolu_i_0");
    let r = run_stream(
        &mut responses::ResponsesStream::new("resp_i", "m", Default::default()),
        &input,
        5,
    );
    assert_eq!(responses_machine(&r).unwrap().0.tools[0].0, "call_i_0");

    // The first fragment before both: held until the name, then sent whole.
    let input = fixture("chat_streams/tool_args_before_name_no_id.sse");
    for step in [1, 4096] {
        let a = run_stream(
            &mut messages::MessagesStream::new("msg_i", "m"),
            &input,
            step,
        );
        assert_eq!(
            anthropic_machine(&a).unwrap().tools,
            [(
                "toolu_i_0".to_string(),
                "Grep".to_string(),
                r#"{"pattern":"TODO"}"#.to_string()
            )]
        );
    }

    // An Anthropic tool_use without an id gets a chat call id.
    let input = fixture("anthropic_streams/tool_use_without_id.sse");
    let c = run_stream(
        &mut chat::ChatStream::new("chatcmpl-x", "m", true),
        &input,
        9,
    );
    let ev = events(&c);
    let call = ev
        .iter()
        .find_map(|(_, v)| v.pointer("/choices/0/delta/tool_calls/0/id"))
        .unwrap();
    assert_eq!(call, "call_x_0");
}

#[test]
fn a_fragment_before_the_name_waits_for_its_turn() {
    // Args, then text, then the name: the text comes first, then the whole call.
    let input = fixture("chat_streams/tool_args_then_text_then_name.sse");
    let a = run_stream(&mut messages::MessagesStream::new("msg_t", "m"), &input, 3);
    let seen = anthropic_machine(&a).unwrap();
    assert_eq!(seen.text, "Searching.");
    assert_eq!(
        seen.tools,
        [(
            "call_s".to_string(),
            "Search".to_string(),
            r#"{"q":"cats"}"#.to_string()
        )]
    );
    let r = run_stream(
        &mut responses::ResponsesStream::new("resp_t", "m", Default::default()),
        &input,
        3,
    );
    let (seen, terminal) = responses_machine(&r).unwrap();
    assert_eq!(seen.text, "Searching.");
    assert_eq!(seen.tools[0].2, r#"{"q":"cats"}"#);
    assert_eq!(terminal["output"][0]["type"], "message");
    assert_eq!(terminal["output"][1]["type"], "function_call");
}

#[test]
fn whole_answers_with_a_nameless_tool_call_are_refused() {
    let chat_answer = json!({"id": "chatcmpl-1", "choices": [{"index": 0, "finish_reason": "tool_calls",
        "message": {"role": "assistant", "content": null,
                    "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "Read", "arguments": "{}"}},
                                   {"id": "call_2", "type": "function", "function": {"arguments": "{}"}}]}}]});
    let e = messages::response_from_chat(&chat_answer, "m").unwrap_err();
    assert_eq!(
        e,
        fgc::translate::Untranslatable::NamelessToolCall { index: 1 }
    );
    assert!(
        responses::response_from_chat(&chat_answer, "resp_1", "m", &Default::default()).is_err()
    );
    let mut empty = chat_answer.clone();
    empty["choices"][0]["message"]["tool_calls"][1]["function"]["name"] = json!("");
    assert!(messages::response_from_chat(&empty, "m").is_err());
    // Without an id: one is made up.
    let mut no_id = chat_answer.clone();
    no_id["choices"][0]["message"]["tool_calls"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    no_id["choices"][0]["message"]["tool_calls"][0]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let m = messages::response_from_chat(&no_id, "m").unwrap();
    assert_eq!(m["content"][0]["id"], "toolu_0");
    let r = responses::response_from_chat(&no_id, "resp_1", "m", &Default::default()).unwrap();
    assert_eq!(r["output"][0]["call_id"], "call_1_0");

    let anthropic_answer = json!({"id": "msg_1", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "hi"}, {"type": "tool_use", "id": "toolu_1", "input": {}}],
        "stop_reason": "tool_use"});
    assert_eq!(
        chat::response_from_messages(&anthropic_answer, "m").unwrap_err(),
        fgc::translate::Untranslatable::NamelessToolCall { index: 1 }
    );
    let mut no_id = anthropic_answer.clone();
    no_id["content"][1] = json!({"type": "tool_use", "name": "get", "input": {}});
    let c = chat::response_from_messages(&no_id, "m").unwrap();
    assert_eq!(
        c["choices"][0]["message"]["tool_calls"][0]["id"],
        "call_1_0"
    );
}

// ---------------------------------------------------------------- property tests

#[derive(Debug, Clone)]
enum Seg {
    Reasoning(Vec<String>),
    Text(Vec<String>),
    Tool(ToolGen),
}

/// A tool call: its argument fragments and how its id and name reach the stream.
#[derive(Debug, Clone)]
struct ToolGen {
    frags: Vec<String>,
    /// The head (id, name) comes after the first fragment instead of before it.
    late: bool,
    /// The upstream sends an id.
    id: bool,
    /// The upstream sends a name (a call without one must end the stream in an error).
    named: bool,
}

#[derive(Debug, Clone)]
struct Gen {
    segs: Vec<Seg>,
    finish: &'static str,
    /// (prompt, cached, completion)
    usage: Option<(u64, u64, u64)>,
    usage_with_finish: bool,
    done: bool,
    step: usize,
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z ,.]{1,12}",
        Just("é\u{1F600}\"\\\n".to_string()),
        Just(String::new())
    ]
}

fn seg() -> impl Strategy<Value = Seg> {
    prop_oneof![
        prop::collection::vec(piece(), 1..4).prop_map(Seg::Reasoning),
        prop::collection::vec(piece(), 1..5).prop_map(Seg::Text),
        (
            prop::collection::btree_map("[a-z]{1,6}", "[a-zA-Z0-9 \"]{0,10}", 0..4),
            1usize..5,
            any::<bool>(),
            prop::bool::weighted(0.8),
            prop::bool::weighted(0.9),
        )
            .prop_map(|(obj, parts, late, id, named)| {
                let text = serde_json::to_string(&obj).unwrap();
                let bytes: Vec<char> = text.chars().collect();
                let size = bytes.len().div_ceil(parts).max(1);
                let frags = bytes.chunks(size).map(|c| c.iter().collect()).collect();
                Seg::Tool(ToolGen {
                    frags,
                    late,
                    id,
                    named,
                })
            }),
    ]
}

fn gen_stream() -> impl Strategy<Value = Gen> {
    (
        prop::collection::vec(seg(), 0..6),
        prop_oneof![Just("stop"), Just("length"), Just("tool_calls")],
        prop::option::of((0u64..5000, 0u64..5000, 0u64..500)),
        any::<bool>(),
        any::<bool>(),
        1usize..200,
    )
        .prop_map(|(segs, finish, usage, usage_with_finish, done, step)| Gen {
            segs,
            finish,
            usage: usage.map(|(p, c, o)| (p + c, c, o)),
            usage_with_finish,
            done,
            step,
        })
}

fn chunk(delta: Value, finish: Option<&str>, usage: Option<Value>) -> String {
    let mut c = json!({"id": "chatcmpl-p", "object": "chat.completion.chunk", "created": 1, "model": "m",
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    if let Some(u) = usage {
        c["usage"] = u;
    }
    format!("data: {c}\n\n")
}

struct Expected {
    text: String,
    thinking: String,
    /// (id, or None when the upstream sends none, name, arguments).
    tools: Vec<(Option<String>, String, String)>,
    /// A tool call never got a name: the stream must end in an error.
    nameless: bool,
}

impl Expected {
    /// The tool calls a client should see, with the ids a translator makes up (`made_up(n)`
    /// for the nth call) filled in.
    fn tools(&self, made_up: impl Fn(usize) -> String) -> Vec<(String, String, String)> {
        self.tools
            .iter()
            .enumerate()
            .map(|(n, (id, name, args))| {
                let id = id.clone().unwrap_or_else(|| made_up(n));
                (id, name.clone(), args.clone())
            })
            .collect()
    }
}

fn render(g: &Gen) -> (Vec<u8>, Expected) {
    let mut s = chunk(json!({"role": "assistant", "content": ""}), None, None);
    let mut exp = Expected {
        text: String::new(),
        thinking: String::new(),
        tools: Vec::new(),
        nameless: false,
    };
    for seg in &g.segs {
        match seg {
            Seg::Reasoning(ps) => {
                for p in ps {
                    exp.thinking.push_str(p);
                    s += &chunk(json!({"reasoning_content": p}), None, None);
                }
            }
            Seg::Text(ps) => {
                for p in ps {
                    exp.text.push_str(p);
                    s += &chunk(json!({"content": p}), None, None);
                }
            }
            Seg::Tool(t) => {
                let i = exp.tools.len();
                let (id, name) = (format!("call_{i}"), format!("tool_{i}"));
                let mut head =
                    json!({"index": i, "type": "function", "function": {"arguments": ""}});
                if t.id {
                    head["id"] = json!(id);
                }
                if t.named {
                    head["function"]["name"] = json!(name);
                }
                let head = json!({"tool_calls": [head]});
                let frag =
                    |f: &str| json!({"tool_calls": [{"index": i, "function": {"arguments": f}}]});
                for (k, f) in t.frags.iter().enumerate() {
                    if k == 0 && !t.late {
                        s += &chunk(head.clone(), None, None);
                    }
                    s += &chunk(frag(f), None, None);
                    if k == 0 && t.late {
                        s += &chunk(head.clone(), None, None);
                    }
                }
                exp.nameless |= !t.named;
                exp.tools.push((t.id.then_some(id), name, t.frags.concat()));
            }
        }
    }
    let usage = g.usage.map(|(p, c, o)| {
        json!({"prompt_tokens": p, "completion_tokens": o, "total_tokens": p + o,
               "prompt_tokens_details": {"cached_tokens": c}})
    });
    if g.usage_with_finish {
        s += &chunk(json!({}), Some(g.finish), usage);
    } else {
        s += &chunk(json!({}), Some(g.finish), None);
        if let Some(u) = usage {
            s += &format!(
                "data: {}\n\n",
                json!({"id": "chatcmpl-p", "choices": [], "usage": u})
            );
        }
    }
    if g.done {
        s += "data: [DONE]\n\n";
    }
    (s.into_bytes(), exp)
}

/// What a strict Anthropic client saw: text, thinking, tool calls, stop reason, usage.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub text: String,
    pub thinking: String,
    /// (id, name, arguments) of each tool call.
    pub tools: Vec<(String, String, String)>,
    pub stop: Option<String>,
    pub usage: Option<Value>,
    /// The stream ended with an error event.
    pub error: bool,
}

/// A strict state machine of the Anthropic streaming protocol, as Claude Code consumes it.
pub(crate) fn anthropic_machine(text: &str) -> Result<Seen, String> {
    #[derive(PartialEq)]
    enum S {
        Start,
        Idle,
        Block(String),
        Delta,
        End,
    }
    let mut s = S::Start;
    let mut seen = Seen::default();
    let mut next_index = 0u64;
    for (name, data) in events(text) {
        let ty = data["type"].as_str().unwrap_or("");
        if ty != name {
            return Err(format!("event name {name} but type {ty}"));
        }
        if name == "error" {
            if s == S::End {
                return Err("error after message_stop".into());
            }
            seen.error = true;
            s = S::End;
            continue;
        }
        s = match (s, name.as_str()) {
            (S::Start, "message_start") => {
                if data["message"]["role"] != "assistant" || !data["message"]["content"].is_array()
                {
                    return Err("bad message_start".into());
                }
                S::Idle
            }
            (S::Idle, "ping") => S::Idle,
            (S::Block(b), "ping") => S::Block(b),
            (S::Idle, "content_block_start") => {
                if data["index"] != next_index {
                    return Err(format!(
                        "block index {} expected {next_index}",
                        data["index"]
                    ));
                }
                let block = &data["content_block"];
                let ty = block["type"].as_str().unwrap_or("").to_string();
                match ty.as_str() {
                    "text" | "thinking" => {}
                    "tool_use" => {
                        let id = block["id"].as_str().ok_or("tool_use without id")?;
                        let name = block["name"].as_str().ok_or("tool_use without name")?;
                        if id.is_empty() || name.is_empty() || block["input"] != json!({}) {
                            return Err("bad tool_use start".into());
                        }
                        seen.tools.push((id.into(), name.into(), String::new()));
                    }
                    other => return Err(format!("unknown block type {other}")),
                }
                S::Block(ty)
            }
            (S::Block(b), "content_block_delta") => {
                if data["index"] != next_index {
                    return Err("delta for a block that is not open".into());
                }
                let d = &data["delta"];
                match (b.as_str(), d["type"].as_str().unwrap_or("")) {
                    ("text", "text_delta") => seen.text.push_str(d["text"].as_str().ok_or("text")?),
                    ("thinking", "thinking_delta") => seen
                        .thinking
                        .push_str(d["thinking"].as_str().ok_or("thinking")?),
                    ("thinking", "signature_delta") => {}
                    ("tool_use", "input_json_delta") => seen
                        .tools
                        .last_mut()
                        .unwrap()
                        .2
                        .push_str(d["partial_json"].as_str().ok_or("partial_json")?),
                    (b, d) => return Err(format!("{d} inside a {b} block")),
                }
                S::Block(b)
            }
            (S::Block(_), "content_block_stop") => {
                if data["index"] != next_index {
                    return Err("stop for a block that is not open".into());
                }
                next_index += 1;
                S::Idle
            }
            (S::Idle, "message_delta") => {
                seen.stop = data["delta"]["stop_reason"].as_str().map(str::to_string);
                if seen.stop.is_none() {
                    return Err("message_delta without stop_reason".into());
                }
                if !data["usage"]["output_tokens"].is_u64() {
                    return Err("message_delta without usage.output_tokens".into());
                }
                seen.usage = Some(data["usage"].clone());
                S::Delta
            }
            (S::Delta, "message_stop") => S::End,
            (_, other) => return Err(format!("unexpected {other}")),
        };
    }
    if s != S::End {
        return Err("stream ended without message_stop or error".into());
    }
    Ok(seen)
}

/// A strict state machine of the Responses streaming events Codex consumes.
pub(crate) fn responses_machine(text: &str) -> Result<(Seen, Value), String> {
    let mut seen = Seen::default();
    let mut created = false;
    let mut items: Vec<(Value, bool, String)> = Vec::new(); // (added item, done, accumulated)
    let mut terminal: Option<Value> = None;
    for (seq, (name, data)) in events(text).into_iter().enumerate() {
        if terminal.is_some() {
            return Err(format!("{name} after the terminal event"));
        }
        if data["type"] != name.as_str() {
            return Err(format!("event name {name} but type {}", data["type"]));
        }
        if data["sequence_number"] != seq as u64 {
            return Err(format!(
                "sequence_number {} expected {seq}",
                data["sequence_number"]
            ));
        }
        if !created && name != "response.created" {
            return Err(format!("{name} before response.created"));
        }
        let item_at = |items: &Vec<(Value, bool, String)>, data: &Value| -> Result<usize, String> {
            let i = data["output_index"].as_u64().ok_or("no output_index")? as usize;
            let (item, done, _) = items.get(i).ok_or("output_index of an item not added")?;
            if *done {
                return Err("event for an item already done".into());
            }
            if data["item_id"] != item["id"] {
                return Err("item_id does not match".into());
            }
            Ok(i)
        };
        match name.as_str() {
            "response.created" => {
                if created || data["response"]["status"] != "in_progress" {
                    return Err("bad response.created".into());
                }
                created = true;
            }
            "response.in_progress" => {}
            "response.output_item.added" => {
                if data["output_index"] != items.len() {
                    return Err("output_index out of order".into());
                }
                let item = data["item"].clone();
                if !item["id"].is_string() {
                    return Err("item without id".into());
                }
                if item["type"] == "function_call"
                    && (item["name"].as_str().unwrap_or("").is_empty()
                        || item["call_id"].as_str().unwrap_or("").is_empty())
                {
                    return Err("function_call without a name or call_id".into());
                }
                items.push((item, false, String::new()));
            }
            "response.content_part.added" | "response.reasoning_summary_part.added" => {
                item_at(&items, &data)?;
            }
            "response.output_text.delta" => {
                let i = item_at(&items, &data)?;
                if items[i].0["type"] != "message" {
                    return Err("text delta for a non-message item".into());
                }
                items[i].2.push_str(data["delta"].as_str().ok_or("delta")?);
            }
            "response.reasoning_summary_text.delta" => {
                let i = item_at(&items, &data)?;
                if items[i].0["type"] != "reasoning" {
                    return Err("summary delta for a non-reasoning item".into());
                }
                items[i].2.push_str(data["delta"].as_str().ok_or("delta")?);
            }
            "response.function_call_arguments.delta" => {
                let i = item_at(&items, &data)?;
                if items[i].0["type"] != "function_call" {
                    return Err("argument delta for a non-call item".into());
                }
                items[i].2.push_str(data["delta"].as_str().ok_or("delta")?);
            }
            "response.output_text.done"
            | "response.content_part.done"
            | "response.reasoning_summary_text.done"
            | "response.reasoning_summary_part.done"
            | "response.function_call_arguments.done" => {
                let i = item_at(&items, &data)?;
                let full = data["text"].as_str().or(data["arguments"].as_str());
                if full.is_some_and(|full| full != items[i].2) {
                    return Err(format!("{name} text differs from the deltas"));
                }
            }
            "response.output_item.done" => {
                let i = data["output_index"].as_u64().ok_or("no output_index")? as usize;
                let (added, done, acc) = items.get_mut(i).ok_or("done for an item not added")?;
                if *done {
                    return Err("item done twice".into());
                }
                *done = true;
                let item = &data["item"];
                if item["id"] != added["id"] || item["type"] != added["type"] {
                    return Err("done item differs from the added one".into());
                }
                match item["type"].as_str() {
                    Some("message") => {
                        let t = item["content"][0]["text"].as_str().ok_or("message text")?;
                        if t != acc {
                            return Err("message text differs from the deltas".into());
                        }
                        seen.text.push_str(t);
                    }
                    Some("reasoning") => {
                        let t = item["summary"][0]["text"].as_str().ok_or("summary text")?;
                        if t != acc {
                            return Err("summary differs from the deltas".into());
                        }
                        seen.thinking.push_str(t);
                    }
                    Some("function_call") => {
                        let args = item["arguments"].as_str().ok_or("arguments")?;
                        if args != acc {
                            return Err("arguments differ from the deltas".into());
                        }
                        let call_id = item["call_id"].as_str().ok_or("call_id")?;
                        let name = item["name"].as_str().ok_or("name")?;
                        if name.is_empty() || call_id.is_empty() {
                            return Err("function_call without a name or call_id".into());
                        }
                        if added["call_id"] != item["call_id"] {
                            return Err("call_id changed between added and done".into());
                        }
                        seen.tools.push((call_id.into(), name.into(), args.into()));
                    }
                    other => return Err(format!("unexpected item type {other:?}")),
                }
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                let r = &data["response"];
                if !r["id"].is_string() {
                    return Err("terminal event without response.id".into());
                }
                if name == "response.failed" {
                    seen.error = true;
                } else {
                    if items.iter().any(|(_, done, _)| !done) {
                        return Err("completed with items not done".into());
                    }
                    if r["output"].as_array().map(Vec::len) != Some(items.len()) {
                        return Err("completed output differs from the items".into());
                    }
                }
                terminal = Some(r.clone());
            }
            other => return Err(format!("unknown event {other}")),
        }
    }
    let terminal = terminal.ok_or("stream ended without completed or failed")?;
    Ok((seen, terminal))
}

fn nonempty_thinking(exp: &Expected) -> String {
    exp.thinking.clone()
}

proptest! {
    #![proptest_config(crate::common::proptest_config(256))]

    #[test]
    fn any_chat_stream_gives_a_valid_anthropic_stream(g in gen_stream()) {
        let (bytes, exp) = render(&g);
        let out = run_stream(&mut messages::MessagesStream::new("msg_p", "m"), &bytes, g.step);
        let seen = anthropic_machine(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        if exp.nameless {
            // Whatever came before, the stream ends in an error that says why.
            prop_assert!(seen.error, "{}", out);
            prop_assert!(stream_error(&out).unwrap_or_default().contains("without a function name"), "{}", out);
            return Ok(());
        }
        prop_assert!(!seen.error, "{}", out);
        prop_assert_eq!(&seen.text, &exp.text);
        prop_assert_eq!(&seen.thinking, &nonempty_thinking(&exp));
        prop_assert_eq!(&seen.tools, &exp.tools(|n| format!("toolu_p_{n}")));
        let stop = match g.finish {
            "length" => "max_tokens",
            _ if !exp.tools.is_empty() => "tool_use",
            "tool_calls" => "tool_use",
            _ => "end_turn",
        };
        prop_assert_eq!(seen.stop.as_deref(), Some(stop));
        if let Some((p, c, o)) = g.usage {
            let u = seen.usage.unwrap();
            prop_assert_eq!(&u["input_tokens"], &json!(p - c));
            prop_assert_eq!(&u["cache_read_input_tokens"], &json!(c));
            prop_assert_eq!(&u["output_tokens"], &json!(o));
        }
    }

    #[test]
    fn any_chat_stream_gives_a_valid_responses_stream(g in gen_stream()) {
        let (bytes, exp) = render(&g);
        let out = run_stream(&mut responses::ResponsesStream::new("resp_p", "m", Default::default()), &bytes, g.step);
        let (seen, terminal) = responses_machine(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        if exp.nameless {
            prop_assert!(seen.error, "{}", out);
            prop_assert!(stream_error(&out).unwrap_or_default().contains("without a function name"), "{}", out);
            return Ok(());
        }
        prop_assert!(!seen.error, "{}", out);
        prop_assert_eq!(&seen.text, &exp.text);
        prop_assert_eq!(&seen.thinking, &exp.thinking);
        prop_assert_eq!(&seen.tools, &exp.tools(|n| format!("call_p_{n}")));
        let status = if g.finish == "length" { "incomplete" } else { "completed" };
        prop_assert_eq!(&terminal["status"], &json!(status));
        if let Some((p, c, o)) = g.usage {
            prop_assert_eq!(&terminal["usage"]["input_tokens"], &json!(p));
            prop_assert_eq!(&terminal["usage"]["input_tokens_details"]["cached_tokens"], &json!(c));
            prop_assert_eq!(&terminal["usage"]["output_tokens"], &json!(o));
        }
    }

    /// A stream cut anywhere still ends with a terminal event both protocols accept.
    #[test]
    fn a_stream_cut_anywhere_still_closes_properly(g in gen_stream(), cut in any::<prop::sample::Index>()) {
        let (bytes, _) = render(&g);
        let bytes = &bytes[..cut.index(bytes.len() + 1)];
        let out = run_stream(&mut messages::MessagesStream::new("msg_c", "m"), bytes, g.step);
        anthropic_machine(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        let out = run_stream(&mut responses::ResponsesStream::new("resp_c", "m", Default::default()), bytes, g.step);
        responses_machine(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
    }
}

proptest! {
    #![proptest_config(crate::common::proptest_config(128))]

    /// Garbage from the upstream never panics and always ends in a terminal event.
    #[test]
    fn arbitrary_upstream_bytes_end_in_a_terminal_event(
        bytes in prop::collection::vec(prop_oneof![
            Just(b"data: ".to_vec()), Just(b"\n\n".to_vec()), Just(b"[DONE]".to_vec()),
            Just(br#"{"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"x"}}]}}]}"#.to_vec()),
            Just(br#"{"type":"message_delta","delta":{}}"#.to_vec()),
            Just(br#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","input":{}}}"#.to_vec()),
            prop::collection::vec(any::<u8>(), 0..16),
        ], 0..24),
        step in 1usize..64,
    ) {
        let bytes = bytes.concat();
        let out = run_stream(&mut messages::MessagesStream::new("msg_g", "m"), &bytes, step);
        anthropic_machine(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        let out = run_stream(&mut responses::ResponsesStream::new("resp_g", "m", Default::default()), &bytes, step);
        responses_machine(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        let out = run_stream(&mut chat::ChatStream::new("chatcmpl-g", "m", true), &bytes, step);
        prop_assert!(chat_names_are_set(&out), "{}", out);
        let last = events(&out).pop().map(|(_, v)| v).unwrap_or(Value::Null);
        prop_assert!(last == json!("[DONE]") || last["error"]["message"].is_string(), "{}", out);
        let out = run_stream(&mut chain("chatcmpl-g", "resp_g"), &bytes, step);
        responses_machine(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
    }
}

/// The failures saved in `proptest-regressions/translate.txt` are where proptest looks for this
/// file's cases, so every run replays them first (among them the nameless tool call of issue 19,
/// which the fixed seed alone does not draw).
#[test]
fn saved_property_failures_are_replayed() {
    use proptest::test_runner::{FailurePersistence, FileFailurePersistence};
    let saved = FileFailurePersistence::SourceParallel("proptest-regressions")
        .load_persisted_failures2(Some(file!()));
    assert!(!saved.is_empty(), "no saved cases found for {}", file!());
    let text = std::fs::read_to_string(root().join("proptest-regressions/translate.txt")).unwrap();
    assert_eq!(
        saved.len(),
        text.lines().filter(|l| l.starts_with("cc ")).count()
    );
}

#[test]
fn odd_requests_are_translated_without_panicking() {
    let odd = [
        json!(null),
        json!("text"),
        json!({"messages": "hello", "tools": {}, "system": 5, "tool_choice": "auto"}),
        json!({"messages": [{"role": "user", "content": 5}, {"content": [{"type": "image"}]},
                            {"role": "assistant", "content": [{"type": "tool_use"}]},
                            {"role": "user", "content": [{"type": "tool_result"}]}],
               "thinking": {"type": "enabled"}, "tools": [{"name": "x"}, 7]}),
        json!({"input": [{"type": "function_call"}, {"type": "function_call_output"}, 3,
                         {"role": "user", "content": [{"type": "input_image"}]}],
               "tools": [{"type": "namespace"}, {"type": "function"}], "reasoning": {"effort": 3},
               "text": {"format": {"type": "json_schema"}}}),
        json!({"messages": [{"role": "tool"}, {"role": "assistant", "tool_calls": [{}]},
                            {"role": "user", "content": [{"type": "image_url", "image_url": "data:x"}]}],
               "tools": [{"function": {}}], "stop": 3, "max_tokens": "many"}),
    ];
    for req in &odd {
        let _ = messages::request_to_chat(req);
        let _ = responses::request_to_chat(req);
        let _ = chat::request_to_messages(req);
        assert!(count::count_messages_request(req) >= 1);
        let _ = messages::response_from_chat(req, "m");
        let _ = responses::response_from_chat(req, "resp_x", "m", &Default::default());
        let _ = chat::response_from_messages(req, "m");
    }
}
