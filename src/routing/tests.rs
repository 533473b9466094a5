//! Each detection rule, the decision order, and the recorded Claude Code requests.

use std::ops::Range;

use indexmap::IndexMap;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::*;

/// A body parsed at the top level, as `fgc serve` holds it.
struct TestBody {
    bytes: Vec<u8>,
    fields: Vec<(String, Range<usize>)>,
}

impl TestBody {
    fn new(v: &Value) -> TestBody {
        TestBody::from_bytes(serde_json::to_vec(v).unwrap())
    }

    fn from_bytes(bytes: Vec<u8>) -> TestBody {
        let map: IndexMap<String, &RawValue> = serde_json::from_slice(&bytes).unwrap();
        let base = bytes.as_ptr() as usize;
        let fields = map
            .into_iter()
            .map(|(k, v)| {
                let s = v.get().as_ptr() as usize - base;
                (k, s..s + v.get().len())
            })
            .collect();
        TestBody { bytes, fields }
    }
}

impl Body for TestBody {
    fn field(&self, key: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, r)| &self.bytes[r.clone()])
    }
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// The body of a recorded Claude Code request (tests/fixtures/routing/claude-code).
fn recorded(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/routing/claude-code/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let capture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    capture["body"].clone()
}

fn routes(pairs: &[(Key, &str)]) -> Routes {
    let mut r = Routes::default();
    for (k, a) in pairs {
        r[k.index()] = Some(a.to_string());
    }
    r
}

/// Every top-level route set, and an opus family entry.
fn full_table() -> Table {
    let mut families: [Routes; 4] = Default::default();
    families[Family::Opus.index()] = routes(&[(Key::Default, "main")]);
    families[Family::Sonnet.index()] = routes(&[(Key::Default, "main")]);
    Table::new(
        routes(&[
            (Key::Default, "fallback-default"),
            (Key::Background, "cheap"),
            (Key::Think, "deep"),
            (Key::LongContext, "long"),
            (Key::WebSearch, "search"),
            (Key::Image, "vision"),
        ]),
        families,
        DEFAULT_THRESHOLD,
        DEFAULT_THINK_EFFORT,
        DEFAULT_BACKGROUND_PROMPTS
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
}

const SERVED: &[&str] = &[
    "main",
    "cheap",
    "deep",
    "long",
    "search",
    "vision",
    "fallback-default",
    "router-sub",
    "cheap-model",
    "group-name",
];

fn served(n: &str) -> bool {
    SERVED.contains(&n)
}

fn decide_in(table: &Table, protocol: Protocol, body: &Value) -> Outcome {
    let b = TestBody::new(body);
    let model = body["model"].as_str().unwrap_or_default().to_string();
    let probe = Probe::new(protocol, &b, &model);
    match decide(table, &probe, served, None) {
        Outcome::NeedCount => decide(table, &probe, served, Some(probe.count_tokens())),
        o => o,
    }
}

/// The route and alias a request gets.
fn routed(table: &Table, protocol: Protocol, body: &Value) -> (Route, String) {
    match decide_in(table, protocol, body) {
        Outcome::Routed(d) => (d.route, d.alias),
        other => panic!("not routed: {other:?}"),
    }
}

fn msg(model: &str) -> Value {
    json!({"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]})
}

// ---------------------------------------------------------------- families

#[test]
fn family_of_model_ids() {
    let cases = [
        ("claude-opus-4-8", Some(Family::Opus)),
        ("claude-haiku-4-5-20251001", Some(Family::Haiku)),
        ("claude-3-5-haiku-20241022", Some(Family::Haiku)),
        ("claude-sonnet-4-5@20250929", Some(Family::Sonnet)),
        ("anthropic/claude-sonnet-4-6", Some(Family::Sonnet)),
        (
            "us.anthropic.claude-opus-4-1-20250805-v1:0",
            Some(Family::Opus),
        ),
        ("claude-fable-5", Some(Family::Fable)),
        ("Claude-Opus-4-8", Some(Family::Opus)),
        ("router-default", None),
        ("gpt-5.5", None),
        ("opus", None),
        ("haiku-claude", None),
        ("claudeopus", None),
    ];
    for (name, want) in cases {
        assert_eq!(Family::of_model(name), want, "{name}");
    }
    for f in Family::ALL {
        for id in f.claude_code_ids() {
            assert_eq!(Family::of_model(id), Some(f), "{id}");
        }
    }
}

#[test]
fn family_alias_then_default() {
    let t = full_table();
    assert_eq!(
        routed(&t, Protocol::Messages, &msg("claude-opus-4-8")),
        (Route::Family, "main".into())
    );
    assert_eq!(
        routed(&t, Protocol::Messages, &msg("claude-fable-5")),
        (Route::Default, "fallback-default".into()),
        "a family without an entry gets default"
    );
    assert_eq!(
        routed(&t, Protocol::Chat, &msg("gpt-5.5")),
        (Route::Default, "fallback-default".into()),
        "with default set, any unserved name is routed"
    );
}

#[test]
fn without_default_only_claude_names_are_covered() {
    let t = Table::new(
        routes(&[(Key::Background, "cheap")]),
        Default::default(),
        DEFAULT_THRESHOLD,
        DEFAULT_THINK_EFFORT,
        vec![],
    );
    assert_eq!(
        decide_in(&t, Protocol::Chat, &msg("gpt-5.5")),
        Outcome::NotCovered
    );
    assert_eq!(
        decide_in(&t, Protocol::Messages, &msg("claude-opus-4-8")),
        Outcome::Unrouted {
            family: Some(Family::Opus)
        }
    );
    assert_eq!(
        routed(&t, Protocol::Messages, &msg("claude-haiku-4-5-20251001")),
        (Route::Background, "cheap".into())
    );
}

// ---------------------------------------------------------------- explicit names and tags

#[test]
fn an_explicit_alias_wins_over_every_scenario() {
    let t = full_table();
    let mut body = recorded("effort_max");
    body["model"] = json!("main");
    assert_eq!(decide_in(&t, Protocol::Messages, &body), Outcome::Explicit);
    body["model"] = json!("group-name");
    assert_eq!(decide_in(&t, Protocol::Messages, &body), Outcome::Explicit);
}

#[test]
fn recorded_ccr_tag_picks_the_model_after_the_comma_and_is_removed() {
    let t = full_table();
    let body = recorded("subagent_ccr_tag");
    let Outcome::Routed(d) = decide_in(&t, Protocol::Messages, &body) else {
        panic!()
    };
    assert_eq!(
        (d.route, d.alias.as_str()),
        (Route::Subagent, "cheap-model")
    );
    let edit = d.edit.unwrap();
    assert_eq!(edit.key, "system");
    let system: Value = serde_json::from_slice(&edit.raw).unwrap();
    let text = system[2]["text"].as_str().unwrap();
    assert!(
        text.starts_with("You are a test agent."),
        "tag and its line removed: {text:?}"
    );
    assert!(!String::from_utf8_lossy(&edit.raw).contains("SUBAGENT-MODEL"));
    // Everything else in the field is as it was.
    let mut want = body["system"].clone();
    want[2]["text"] = json!(text);
    assert_eq!(system, want);
}

#[test]
fn recorded_fgc_tag_wins_even_over_an_explicit_alias() {
    let t = full_table();
    let mut body = recorded("subagent_fgc_tag");
    body["model"] = json!("main");
    let Outcome::Routed(d) = decide_in(&t, Protocol::Messages, &body) else {
        panic!()
    };
    assert_eq!((d.route, d.alias.as_str()), (Route::Subagent, "router-sub"));
}

#[test]
fn a_tag_naming_nothing_served_is_reported() {
    let t = full_table();
    let body = json!({"model": "claude-opus-4-8", "system": "<FGC-SUBAGENT-MODEL>nope</FGC-SUBAGENT-MODEL>\nhi", "messages": []});
    assert_eq!(
        decide_in(&t, Protocol::Messages, &body),
        Outcome::UnknownTag {
            name: "nope".into()
        }
    );
}

#[test]
fn a_tag_later_in_the_prompt_is_not_a_tag() {
    let t = full_table();
    let body = json!({"model": "claude-opus-4-8", "system": "Hello <FGC-SUBAGENT-MODEL>cheap</FGC-SUBAGENT-MODEL>", "messages": []});
    assert_eq!(
        routed(&t, Protocol::Messages, &body),
        (Route::Family, "main".into())
    );
}

#[test]
fn tags_in_chat_and_responses_system_messages() {
    let t = full_table();
    let chat = json!({"model": "gpt-x", "messages": [
        {"role": "system", "content": [{"type": "text", "text": "<FGC-SUBAGENT-MODEL>router-sub</FGC-SUBAGENT-MODEL>\nBe brief."}]},
        {"role": "user", "content": "hi"}]});
    let Outcome::Routed(d) = decide_in(&t, Protocol::Chat, &chat) else {
        panic!()
    };
    assert_eq!(d.alias, "router-sub");
    let edit = d.edit.unwrap();
    assert_eq!(edit.key, "messages");
    let m: Value = serde_json::from_slice(&edit.raw).unwrap();
    assert_eq!(m[0]["content"][0]["text"], "Be brief.");
    assert_eq!(m[1], json!({"role": "user", "content": "hi"}));

    let responses = json!({"model": "gpt-x", "instructions": "  <CCR-SUBAGENT-MODEL>p,cheap-model</CCR-SUBAGENT-MODEL>rest", "input": "hi"});
    let Outcome::Routed(d) = decide_in(&t, Protocol::Responses, &responses) else {
        panic!()
    };
    assert_eq!(d.alias, "cheap-model");
    assert_eq!(d.edit.unwrap().raw, br#""  rest""#.to_vec());

    let dev_item = json!({"model": "gpt-x", "input": [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "<FGC-SUBAGENT-MODEL>group-name</FGC-SUBAGENT-MODEL>x"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<FGC-SUBAGENT-MODEL>deep</FGC-SUBAGENT-MODEL>"}]}]});
    let Outcome::Routed(d) = decide_in(&t, Protocol::Responses, &dev_item) else {
        panic!()
    };
    assert_eq!(d.alias, "group-name", "a tag may name a group alias");
    let input: Value = serde_json::from_slice(&d.edit.unwrap().raw).unwrap();
    assert_eq!(input[0]["content"][0]["text"], "x");
    assert_eq!(
        input[1]["content"][0]["text"], "<FGC-SUBAGENT-MODEL>deep</FGC-SUBAGENT-MODEL>",
        "only the system prompt is read"
    );
}

// ---------------------------------------------------------------- background

#[test]
fn haiku_names_are_background() {
    let t = full_table();
    let body = recorded("explore_haiku");
    assert_eq!(
        routed(&t, Protocol::Messages, &body),
        (Route::Background, "cheap".into())
    );
}

#[test]
fn recorded_title_request_is_background_by_its_prompt() {
    let t = full_table();
    let body = recorded("title_no_slot_vars");
    assert_eq!(body["model"], "claude-opus-4-8");
    assert_eq!(
        routed(&t, Protocol::Messages, &body),
        (Route::Background, "cheap".into())
    );
    // Without the prompt list it is a plain opus request.
    let mut t2 = full_table();
    t2 = Table::new(
        t2.routes.clone(),
        t2.families.clone(),
        t2.long_context_threshold,
        t2.think_effort,
        vec![],
    );
    assert_eq!(
        routed(&t2, Protocol::Messages, &body),
        (Route::Family, "main".into())
    );
}

#[test]
fn background_prompts_match_starts_of_system_texts_only() {
    let t = Table::new(
        routes(&[(Key::Default, "main"), (Key::Background, "cheap")]),
        Default::default(),
        DEFAULT_THRESHOLD,
        DEFAULT_THINK_EFFORT,
        vec!["Summarize \"this\" — please".into()],
    );
    let at_start =
        json!({"model": "x", "system": "\n Summarize \"this\" — please, now", "messages": []});
    assert_eq!(
        routed(&t, Protocol::Messages, &at_start).0,
        Route::Background
    );
    let later =
        json!({"model": "x", "system": "Please: Summarize \"this\" — please", "messages": []});
    assert_eq!(routed(&t, Protocol::Messages, &later).0, Route::Default);
    // A client that escapes non-ASCII text (Python's json.dumps) still matches.
    let escaped =
        br#"{"model": "x", "system": "Summarize \"this\" \u2014 please", "messages": []}"#;
    let b = TestBody::from_bytes(escaped.to_vec());
    let probe = Probe::new(Protocol::Messages, &b, "x");
    assert!(probe.starts_with_background_prompt(&t));
    // Chat: the leading system message; a user message saying it does not count.
    let chat = json!({"model": "x", "messages": [{"role": "developer", "content": "Summarize \"this\" — please"}]});
    assert_eq!(routed(&t, Protocol::Chat, &chat).0, Route::Background);
    let user = json!({"model": "x", "messages": [{"role": "user", "content": "Summarize \"this\" — please"}]});
    assert_eq!(routed(&t, Protocol::Chat, &user).0, Route::Default);
}

// ---------------------------------------------------------------- think

fn effort_of(protocol: Protocol, body: &Value) -> Option<Effort> {
    let b = TestBody::new(body);
    Probe::new(protocol, &b, "m").effort()
}

#[test]
fn effort_levels_per_protocol() {
    let m = |extra: Value| {
        let mut v = json!({"model": "m", "messages": []});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    use Effort::*;
    let cases = [
        (Protocol::Messages, json!({}), None),
        (
            Protocol::Messages,
            json!({"thinking": {"type": "disabled"}, "output_config": {"effort": "max"}}),
            None,
        ),
        (
            Protocol::Messages,
            json!({"thinking": {"type": "adaptive"}}),
            Some(High),
        ),
        (
            Protocol::Messages,
            json!({"thinking": {"type": "adaptive"}, "output_config": {"effort": "xhigh"}}),
            Some(Xhigh),
        ),
        (
            Protocol::Messages,
            json!({"thinking": {"type": "enabled", "budget_tokens": 31999}}),
            Some(High),
        ),
        (
            Protocol::Messages,
            json!({"thinking": {"type": "enabled", "budget_tokens": 32000}}),
            Some(Max),
        ),
        (
            Protocol::Messages,
            json!({"thinking": {"type": "enabled", "budget_tokens": 4000}}),
            Some(Low),
        ),
        (
            Protocol::Messages,
            json!({"thinking": {"type": "enabled", "budget_tokens": 1024}, "output_config": {"effort": "max"}}),
            Some(Max),
        ),
        (
            Protocol::Responses,
            json!({"reasoning": {"effort": "medium", "summary": "auto"}}),
            Some(Medium),
        ),
        (
            Protocol::Responses,
            json!({"reasoning": {"summary": "auto"}}),
            None,
        ),
        (
            Protocol::Responses,
            json!({"reasoning": {"effort": "none"}}),
            None,
        ),
        (
            Protocol::Chat,
            json!({"reasoning_effort": "xhigh"}),
            Some(Xhigh),
        ),
        (
            Protocol::Chat,
            json!({"reasoning": {"effort": "high"}}),
            Some(High),
        ),
        (Protocol::Chat, json!({"reasoning_effort": "none"}), None),
    ];
    for (p, extra, want) in cases {
        assert_eq!(effort_of(p, &m(extra.clone())), want, "{p:?} {extra}");
    }
}

#[test]
fn claude_code_default_requests_are_not_think_but_raised_effort_is() {
    let t = full_table();
    let main = recorded("main_default");
    assert_eq!(
        routed(&t, Protocol::Messages, &main),
        (Route::Family, "main".into()),
        "adaptive thinking at the default effort `high` is every main request"
    );
    let budget = recorded("budget_thinking_sonnet_4_5");
    assert_eq!(
        routed(&t, Protocol::Messages, &budget),
        (Route::Family, "main".into()),
        "the default budget 31,999 is `high` too"
    );
    assert_eq!(
        routed(&t, Protocol::Messages, &recorded("effort_max")),
        (Route::Think, "deep".into())
    );
    // A lower think_effort makes every Claude Code main request a think request.
    let low = Table::new(
        t.routes.clone(),
        t.families.clone(),
        t.long_context_threshold,
        Effort::High,
        vec![],
    );
    assert_eq!(routed(&low, Protocol::Messages, &main).0, Route::Think);
}

// ---------------------------------------------------------------- web search

#[test]
fn recorded_web_search_request_routes_to_web_search() {
    let t = full_table();
    assert_eq!(
        routed(&t, Protocol::Messages, &recorded("web_search")),
        (Route::WebSearch, "search".into())
    );
    // Claude Code's main request offers a `WebSearch` function tool: not a server tool.
    let b = TestBody::new(&recorded("main_default"));
    assert!(!Probe::new(Protocol::Messages, &b, "m").offers_web_search());
}

#[test]
fn web_search_in_openai_protocols() {
    let probe = |p: Protocol, v: Value| {
        let b = TestBody::new(&v);
        Probe::new(p, &b, "m").offers_web_search()
    };
    assert!(probe(
        Protocol::Responses,
        json!({"tools": [{"type": "function", "name": "f"}, {"type": "web_search"}]})
    ));
    assert!(probe(
        Protocol::Responses,
        json!({"tools": [{"type": "web_search_preview_2025_03_11"}]})
    ));
    assert!(!probe(
        Protocol::Responses,
        json!({"tools": [{"type": "function", "name": "web_search", "description": "web_search"}]})
    ));
    assert!(probe(Protocol::Chat, json!({"web_search_options": {}})));
    assert!(!probe(Protocol::Chat, json!({"web_search_options": null})));
    assert!(!probe(
        Protocol::Chat,
        json!({"tools": [{"type": "function", "function": {"name": "web_search"}}]})
    ));
}

// ---------------------------------------------------------------- image

#[test]
fn recorded_images_in_the_last_turn() {
    let t = full_table();
    for name in ["image_user_message", "image_tool_result"] {
        assert_eq!(
            routed(&t, Protocol::Messages, &recorded(name)),
            (Route::Image, "vision".into()),
            "{name}"
        );
    }
    assert_eq!(
        routed(&t, Protocol::Messages, &recorded("tool_result")),
        (Route::Family, "main".into())
    );
}

#[test]
fn an_image_in_an_earlier_turn_does_not_count() {
    let t = full_table();
    let img = json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}});
    let body = json!({"model": "claude-opus-4-8", "messages": [
        {"role": "user", "content": [img, {"type": "text", "text": "what is this"}]},
        {"role": "assistant", "content": "a cat"},
        {"role": "system", "content": "reminder"},
        {"role": "user", "content": "thanks"}]});
    assert_eq!(routed(&t, Protocol::Messages, &body).0, Route::Family);
    let chat = json!({"model": "x", "messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "and now?"}]});
    assert_eq!(routed(&t, Protocol::Chat, &chat).0, Route::Default);
    let chat_now = json!({"model": "x", "messages": [
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "see"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}]});
    assert_eq!(routed(&t, Protocol::Chat, &chat_now).0, Route::Image);
}

#[test]
fn responses_images_in_messages_and_tool_outputs() {
    let t = full_table();
    let user = json!({"model": "x", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "see"}, {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]}]});
    assert_eq!(routed(&t, Protocol::Responses, &user).0, Route::Image);
    let output = json!({"model": "x", "input": [
        {"type": "function_call", "call_id": "c", "name": "view_image", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c", "output": [{"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]}]});
    assert_eq!(routed(&t, Protocol::Responses, &output).0, Route::Image);
    let old = json!({"model": "x", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "\"input_image\""}]}]});
    assert_eq!(routed(&t, Protocol::Responses, &old).0, Route::Default);
    let text_input = json!({"model": "x", "input": "\"input_image\""});
    assert_eq!(
        routed(&t, Protocol::Responses, &text_input).0,
        Route::Default
    );
}

// ---------------------------------------------------------------- long context

fn long_text(bytes: usize) -> String {
    // Words of varied length, like prose: about 4-5 bytes per cl100k token.
    let words = [
        "routing ", "gateway ", "a ", "request ", "of ", "the ", "model ",
    ];
    let mut s = String::with_capacity(bytes);
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(words[i % words.len()]);
        i += 1;
    }
    s
}

#[test]
fn long_context_by_estimate_far_from_the_threshold() {
    let t = full_table();
    let big = json!({"model": "claude-opus-4-8", "messages": [{"role": "user", "content": long_text(1_000_000)}]});
    let b = TestBody::new(&big);
    let probe = Probe::new(Protocol::Messages, &b, "claude-opus-4-8");
    assert_eq!(probe.long_context(t.long_context_threshold), Some(true));
    assert_eq!(
        decide(&t, &probe, served, None),
        Outcome::Routed(Decision {
            alias: "long".into(),
            route: Route::LongContext,
            entry: Some(Entry::top(Key::LongContext)),
            edit: None
        }),
        "decided without a count"
    );
    let small = recorded("main_default");
    let b = TestBody::new(&small);
    assert_eq!(
        Probe::new(Protocol::Messages, &b, "m").long_context(DEFAULT_THRESHOLD),
        Some(false)
    );
}

#[test]
fn near_the_threshold_the_exact_count_decides() {
    let body = json!({"model": "claude-opus-4-8", "messages": [{"role": "user", "content": long_text(40_000)}]});
    let b = TestBody::new(&body);
    let probe = Probe::new(Protocol::Messages, &b, "claude-opus-4-8");
    let exact = probe.count_tokens();
    let estimate = probe.estimate().tokens;
    assert!(
        exact > 6_000 && exact < 12_000,
        "{exact} tokens, estimate {estimate}"
    );
    for (threshold, long) in [(exact - 1, true), (exact, false)] {
        let t = Table::new(
            full_table().routes,
            Default::default(),
            threshold,
            DEFAULT_THINK_EFFORT,
            vec![],
        );
        assert_eq!(decide(&t, &probe, served, None), Outcome::NeedCount);
        let Outcome::Routed(d) = decide(&t, &probe, served, Some(exact)) else {
            panic!()
        };
        assert_eq!(d.route == Route::LongContext, long, "threshold {threshold}");
    }
}

#[test]
fn base64_payloads_are_charged_as_images_not_bytes() {
    let data = "A".repeat(2_000_000);
    let body = json!({"model": "claude-opus-4-8", "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
        {"type": "text", "text": "what is it"}]}]});
    let b = TestBody::new(&body);
    let probe = Probe::new(Protocol::Messages, &b, "m");
    let e = probe.estimate().tokens;
    assert!(
        e < 2_000,
        "a 2 MB image is about {} tokens, estimated {e}",
        crate::translate::count::IMAGE_TOKENS
    );
    assert_eq!(probe.long_context(DEFAULT_THRESHOLD), Some(false));
    let chat = json!({"model": "x", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{}", "A".repeat(2_000_000))}}]}]});
    let b = TestBody::new(&chat);
    assert!(Probe::new(Protocol::Chat, &b, "x").estimate().tokens < 2_000);
    let pdf = json!({"model": "x", "messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "A".repeat(4_000_000)}}]}]});
    let b = TestBody::new(&pdf);
    assert!(
        Probe::new(Protocol::Messages, &b, "x").estimate().tokens > 60_000,
        "a large PDF is long context"
    );
}

#[test]
fn exact_counts_for_openai_protocols() {
    let chat = json!({"model": "x", "messages": [
        {"role": "system", "content": "hello world"},
        {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}}]},
        {"role": "user", "content": [{"type": "text", "text": "hello world"}, {"type": "image_url", "image_url": {"url": "x"}}]}],
        "tools": [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}}}]});
    let b = TestBody::new(&chat);
    let n = Probe::new(Protocol::Chat, &b, "x").count_tokens();
    assert!(
        n > crate::translate::count::IMAGE_TOKENS + 10 && n < 1_700,
        "{n}"
    );
    let responses = json!({"model": "x", "instructions": "hello world", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello world"}]},
        {"type": "function_call_output", "call_id": "c", "output": "hello world"}]});
    let b = TestBody::new(&responses);
    let n = Probe::new(Protocol::Responses, &b, "x").count_tokens();
    assert!((10..40).contains(&n), "{n}");
}

// ---------------------------------------------------------------- order

#[test]
fn decision_order() {
    let t = full_table();
    let img = json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}});
    let search = json!([{"type": "web_search_20250305", "name": "web_search"}]);
    let think = json!({"type": "adaptive"});
    let oc = json!({"effort": "max"});
    // A haiku request with everything: long context first, then image, web search,
    // background, think.
    let mut body = json!({"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": [img, {"type": "text", "text": long_text(1_000_000)}]}],
        "tools": search, "thinking": think, "output_config": oc});
    let order = [
        Route::LongContext,
        Route::Image,
        Route::WebSearch,
        Route::Background,
    ];
    for want in order {
        assert_eq!(routed(&t, Protocol::Messages, &body).0, want);
        match want {
            Route::LongContext => {
                body["messages"][0]["content"][1]["text"] = json!("short");
            }
            Route::Image => {
                body["messages"][0]["content"] = json!("no image");
            }
            Route::WebSearch => {
                body["tools"] = json!([]);
            }
            _ => {}
        }
    }
    body["model"] = json!("claude-opus-4-8");
    assert_eq!(routed(&t, Protocol::Messages, &body).0, Route::Think);
    body["thinking"] = json!({"type": "disabled"});
    assert_eq!(routed(&t, Protocol::Messages, &body).0, Route::Family);
}

#[test]
fn a_scenario_without_a_route_is_skipped_and_family_routes_come_first() {
    let mut families: [Routes; 4] = Default::default();
    families[Family::Opus.index()] = routes(&[(Key::Default, "main"), (Key::Think, "opus-think")]);
    families[Family::Haiku.index()] = routes(&[(Key::Background, "haiku-bg")]);
    let t = Table::new(
        routes(&[(Key::Think, "deep"), (Key::Background, "cheap")]),
        families,
        DEFAULT_THRESHOLD,
        DEFAULT_THINK_EFFORT,
        vec![],
    );
    let mut opus = msg("claude-opus-4-8");
    opus["thinking"] = json!({"type": "enabled", "budget_tokens": 40000});
    let (route, alias) = match decide_in(&t, Protocol::Messages, &opus) {
        Outcome::Routed(d) => (d.entry, d.alias),
        o => panic!("{o:?}"),
    };
    assert_eq!(
        (route, alias.as_str()),
        (
            Some(Entry {
                family: Some(Family::Opus),
                key: Key::Think
            }),
            "opus-think"
        )
    );
    let mut sonnet = opus.clone();
    sonnet["model"] = json!("claude-sonnet-4-6");
    assert_eq!(routed(&t, Protocol::Messages, &sonnet).1, "deep");
    assert_eq!(
        routed(&t, Protocol::Messages, &msg("claude-3-5-haiku-20241022")).1,
        "haiku-bg"
    );
}

// ---------------------------------------------------------------- reachability

#[test]
fn reachable_entries() {
    let mut families: [Routes; 4] = Default::default();
    families[Family::Haiku.index()] = routes(&[(Key::Default, "fast")]);
    families[Family::Opus.index()] = routes(&[(Key::Default, "main")]);
    let t = Table::new(
        routes(&[(Key::Background, "cheap"), (Key::Think, "deep")]),
        families.clone(),
        DEFAULT_THRESHOLD,
        DEFAULT_THINK_EFFORT,
        vec![],
    );
    let r = t.reachable();
    let haiku = Entry {
        family: Some(Family::Haiku),
        key: Key::Default,
    };
    assert!(
        !r.contains(&haiku),
        "every haiku request is a background request: {r:?}"
    );
    assert!(r.contains(&Entry::top(Key::Background)));
    assert!(r.contains(&Entry::top(Key::Think)));
    assert!(r.contains(&Entry {
        family: Some(Family::Opus),
        key: Key::Default
    }));
    // Without a background route the haiku family's alias serves.
    let t = Table::new(
        routes(&[(Key::Think, "deep")]),
        families,
        DEFAULT_THRESHOLD,
        DEFAULT_THINK_EFFORT,
        vec![],
    );
    assert!(t.reachable().contains(&haiku));
    assert_eq!(t.family_alias(Family::Haiku), Some("fast"));
    assert_eq!(t.family_alias(Family::Opus), Some("main"));
    assert_eq!(t.family_alias(Family::Sonnet), None);
    assert_eq!(full_table().family_alias(Family::Haiku), Some("cheap"));
}

#[test]
fn readiness_json_lists_the_table() {
    let v = full_table().to_json();
    assert_eq!(v["routes"]["background"], "cheap");
    assert_eq!(v["families"]["opus"]["default"], "main");
    assert_eq!(v["long_context_threshold"], 60000);
    assert_eq!(v["think_effort"], "xhigh");
    assert_eq!(v["order"][0], "subagent");
}

#[test]
fn the_cached_count_is_the_count_and_grows_with_new_turns_only() {
    let cache = CountCache::default();
    for (p, body) in [
        (Protocol::Messages, recorded("tool_result")),
        (Protocol::Messages, recorded("image_tool_result")),
        (
            Protocol::Chat,
            json!({"model": "x", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "hello world"}]}],
                "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}),
        ),
        (
            Protocol::Responses,
            json!({"model": "x", "instructions": "be brief", "input": "hello world"}),
        ),
        (
            Protocol::Responses,
            json!({"model": "x", "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
                {"type": "function_call_output", "call_id": "c", "output": "result"}]}),
        ),
    ] {
        let b = TestBody::new(&body);
        let probe = Probe::new(p, &b, "x");
        assert_eq!(
            probe.count_tokens_cached(&cache),
            probe.count_tokens(),
            "{p:?}"
        );
        assert_eq!(
            probe.count_tokens_cached(&cache),
            probe.count_tokens(),
            "{p:?} from the cache"
        );
    }
    // One more turn adds one element to the cache, nothing else.
    let cache = CountCache::default();
    let mut body = recorded("tool_result");
    let b = TestBody::new(&body);
    Probe::new(Protocol::Messages, &b, "x").count_tokens_cached(&cache);
    let before = cache.len();
    body["messages"]
        .as_array_mut()
        .unwrap()
        .push(json!({"role": "user", "content": "one more"}));
    let b = TestBody::new(&body);
    let probe = Probe::new(Protocol::Messages, &b, "x");
    assert_eq!(probe.count_tokens_cached(&cache), probe.count_tokens());
    assert_eq!(cache.len(), before + 1);
}
