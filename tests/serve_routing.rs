//! Scenario routing through `fgc serve` and the in-process mock: each alias's deployment
//! has its own path prefix on the mock, so the mock's hits say which upstream got which
//! request. Recorded Claude Code requests for the Messages scenarios; Chat Completions and
//! Responses requests for theirs; the usage record's `route`; fallbacks after routing;
//! `/health/readiness`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use fgc::serve::mock::{Fault, Mock, MockConfig};
use fgc::serve::{self, Options, Running};
use serde_json::{Value, json};

use crate::common::root;

const KEY: &str = "sk-gw-test-7f3a9c2e5b1d4f6a";

/// (alias, prefix, protocol): each alias's deployment under its own prefix of the mock.
const ALIASES: &[(&str, &str, &str)] = &[
    ("router-main", "main", "openai"),
    ("router-fast", "fast", "openai"),
    ("router-deep", "deep", "anthropic"),
    ("router-long", "long", "openai"),
    ("router-search", "search", "anthropic"),
    ("router-vision", "vision", "openai"),
    ("router-sub", "sub", "anthropic"),
    ("cheap-model", "cheapm", "openai"),
];

fn config(mock: &Mock, routing: &str, settings: &str) -> String {
    let mut y = String::from("litellm_base:\n  model_list:\n");
    for (alias, prefix, proto) in ALIASES {
        let (model, base) = match *proto {
            "openai" => (
                format!("openai/up-{prefix}"),
                format!("{}/{prefix}/v1", mock.url()),
            ),
            _ => (
                format!("anthropic/up-{prefix}"),
                format!("{}/{prefix}", mock.url()),
            ),
        };
        y.push_str(&format!(
            "    - model_name: {alias}\n      litellm_params: {{model: {model}, api_base: '{base}', api_key: sk-up-test}}\n"
        ));
    }
    y.push_str(&format!(
        "  litellm_settings: {{num_retries: 0}}\n{settings}  general_settings: {{master_key: {KEY}}}\n{routing}"
    ));
    y
}

/// Every scenario routed; opus and sonnet to router-main.
const ROUTING: &str = "routing:
  background: router-fast
  think: router-deep
  long_context: router-long
  web_search: router-search
  image: router-vision
  families: {opus: router-main, sonnet: router-main}
";

struct Gw {
    _dir: tempfile::TempDir,
    usage: PathBuf,
    srv: Running,
    mock: Mock,
}

async fn gateway(routing: &str, settings: &str) -> Gw {
    let mock = Mock::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::Builder::new()
        .prefix("fgc-routing")
        .tempdir()
        .unwrap();
    let cfg = dir.path().join("flowgate.yaml");
    std::fs::write(&cfg, config(&mock, routing, settings)).unwrap();
    let usage = dir.path().join("usage.jsonl");
    let mut o = Options::new(cfg);
    o.port = Some(0);
    o.usage_log = Some(usage.clone());
    let srv = serve::spawn(o).await.expect("server starts");
    Gw {
        _dir: dir,
        usage,
        srv,
        mock,
    }
}

impl Gw {
    async fn post(&self, path: &str, body: &Value) -> (u16, String) {
        fgc::serve::forward::install_crypto();
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.srv.url()))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// `/health/readiness` with the gateway key: every detail.
    async fn readiness(&self) -> Value {
        fgc::serve::forward::install_crypto();
        reqwest::Client::new()
            .get(format!("{}/health/readiness", self.srv.url()))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json_text()
            .await
    }

    /// The prefix that got the one request sent since the last call.
    fn upstream(&self) -> String {
        let hits: HashMap<String, usize> = self.mock.hits_by_prefix();
        self.mock.reset();
        let hit: Vec<&String> = hits.keys().collect();
        assert_eq!(hit.len(), 1, "one upstream per request: {hits:?}");
        hit[0].clone()
    }

    /// The usage records, once all are written.
    async fn records(&self, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let t = std::fs::read_to_string(&self.usage).unwrap_or_default();
            if t.lines().count() >= n && t.ends_with('\n') {
                return t
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{n} usage records expected");
    }
}

fn recorded(name: &str) -> Value {
    let p = root().join(format!("tests/fixtures/routing/claude-code/{name}.json"));
    let capture: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    capture["body"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_claude_code_requests_reach_their_routes() {
    let gw = gateway(ROUTING, "").await;
    // (fixture, upstream prefix, route)
    let cases = [
        ("main_default", "main", "family"),
        ("tool_result", "main", "family"),
        ("budget_thinking_sonnet_4_5", "main", "family"),
        ("title_no_slot_vars", "fast", "background"),
        ("explore_haiku", "fast", "background"),
        ("effort_max", "deep", "think"),
        ("web_search", "search", "web_search"),
        ("image_user_message", "vision", "image"),
        ("image_tool_result", "vision", "image"),
        ("subagent_fgc_tag", "sub", "subagent"),
        ("subagent_ccr_tag", "cheapm", "subagent"),
    ];
    for (name, prefix, _) in cases {
        let (status, text) = gw.post("/v1/messages?beta=true", &recorded(name)).await;
        assert_eq!(status, 200, "{name}: {text}");
        assert!(text.contains("message_stop"), "{name}: a whole stream");
        assert_eq!(gw.upstream(), prefix, "{name}");
    }
    let recs = gw.records(cases.len()).await;
    for ((name, _, route), rec) in cases.iter().zip(&recs) {
        assert_eq!(rec["route"], *route, "{name}: {rec}");
        assert_eq!(rec["status"], 200);
    }
    assert_eq!(
        recs[0]["alias"], "claude-opus-4-8",
        "the name the client asked for"
    );
    assert_eq!(recs[0]["deployment"], "router-main#0");
    gw.srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subagent_tag_is_removed_before_forwarding() {
    let gw = gateway(ROUTING, "").await;
    let body = recorded("subagent_fgc_tag");
    let (status, _) = gw.post("/v1/messages", &body).await;
    assert_eq!(status, 200);
    let reqs = gw.mock.requests();
    let sent = &reqs.last().unwrap().body;
    assert_eq!(sent["model"], "up-sub");
    let text = sent["system"][2]["text"].as_str().unwrap();
    assert!(text.starts_with("You are a test agent."), "{text:?}");
    assert!(!sent.to_string().contains("SUBAGENT-MODEL"));
    // Everything else as sent.
    let mut want = body.clone();
    want["system"][2]["text"] = json!(text);
    want["model"] = json!("up-sub");
    assert_eq!(sent, &want);
    gw.srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_completions_scenarios() {
    let gw = gateway(&format!("{ROUTING}  default: router-main\n"), "").await;
    let user = |content: Value| json!({"model": "gpt-5.5", "messages": [{"role": "user", "content": content}]});
    let mut think = user(json!("plan it"));
    think["reasoning_effort"] = json!("xhigh");
    let mut search = user(json!("news?"));
    search["web_search_options"] = json!({});
    let image = user(
        json!([{"type": "text", "text": "see"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]),
    );
    let background = json!({"model": "gpt-5.5", "messages": [
        {"role": "system", "content": "Generate a concise, sentence-case title for this chat"},
        {"role": "user", "content": "hi"}]});
    let tagged = json!({"model": "gpt-5.5", "messages": [
        {"role": "system", "content": "<FGC-SUBAGENT-MODEL>router-sub</FGC-SUBAGENT-MODEL>\nBe brief."},
        {"role": "user", "content": "hi"}]});
    let long = user(json!("word ".repeat(400_000)));
    let cases = [
        (user(json!("hi")), "main", "default"),
        (think, "deep", "think"),
        (search, "search", "web_search"),
        (image, "vision", "image"),
        (background, "fast", "background"),
        (tagged, "sub", "subagent"),
        (long, "long", "long_context"),
    ];
    for (body, prefix, route) in &cases {
        let (status, text) = gw.post("/v1/chat/completions", body).await;
        assert_eq!(status, 200, "{route}: {text}");
        assert!(text.contains("chat.completion"), "{route}: {text}");
        assert_eq!(gw.upstream(), *prefix, "{route}");
    }
    let recs = gw.records(cases.len()).await;
    for ((_, _, route), rec) in cases.iter().zip(&recs) {
        assert_eq!(rec["route"], *route);
    }
    // The tag reached the Anthropic upstream translated, without the tag.
    gw.srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_scenarios() {
    let gw = gateway(&format!("{ROUTING}  default: router-main\n"), "").await;
    let input = |content: Value| json!({"model": "gpt-5.5", "input": [{"type": "message", "role": "user", "content": content}]});
    let text = |t: &str| json!([{"type": "input_text", "text": t}]);
    let mut think = input(text("plan"));
    think["reasoning"] = json!({"effort": "xhigh"});
    let mut medium = input(text("plan"));
    medium["reasoning"] = json!({"effort": "medium"});
    let mut search = input(text("news?"));
    search["tools"] = json!([{"type": "web_search"}]);
    let image = input(
        json!([{"type": "input_text", "text": "see"}, {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="}]),
    );
    let tagged = json!({"model": "gpt-5.5", "instructions": "<CCR-SUBAGENT-MODEL>x,cheap-model</CCR-SUBAGENT-MODEL>\nhi", "input": "hi"});
    let background = json!({"model": "gpt-5.5", "input": [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Generate a concise, sentence-case title"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}]});
    let long = input(text(&"word ".repeat(400_000)));
    let cases = [
        (medium, "main", "default"),
        (think, "deep", "think"),
        (search, "search", "web_search"),
        (image, "vision", "image"),
        (tagged, "cheapm", "subagent"),
        (background, "fast", "background"),
        (long, "long", "long_context"),
    ];
    for (body, prefix, route) in &cases {
        let (status, text) = gw.post("/v1/responses", body).await;
        assert_eq!(status, 200, "{route}: {text}");
        assert_eq!(gw.upstream(), *prefix, "{route}");
    }
    let recs = gw.records(cases.len()).await;
    for ((_, _, route), rec) in cases.iter().zip(&recs) {
        assert_eq!(rec["route"], *route);
    }
    gw.srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_tokens_follows_the_route() {
    let gw = gateway(ROUTING, "").await;
    // claude-opus-4-8 goes to router-main (an OpenAI upstream): counted locally.
    let body = json!({"model": "claude-opus-4-8", "messages": [{"role": "user", "content": "hello world"}]});
    let (status, text) = gw.post("/v1/messages/count_tokens?beta=true", &body).await;
    assert_eq!(status, 200, "{text}");
    assert!(serde_json::from_str::<Value>(&text).unwrap()["input_tokens"].as_u64() > Some(0));
    // A haiku id goes to router-fast (OpenAI, local too); an image to router-vision.
    let mut haiku = body.clone();
    haiku["model"] = json!("claude-haiku-4-5-20251001");
    assert_eq!(gw.post("/v1/messages/count_tokens", &haiku).await.0, 200);
    // The web-search route's upstream is Anthropic: forwarded there.
    let search = json!({"model": "claude-opus-4-8", "messages": [{"role": "user", "content": "x"}],
        "tools": [{"type": "web_search_20250305", "name": "web_search"}]});
    assert_eq!(gw.post("/v1/messages/count_tokens", &search).await.0, 200);
    assert_eq!(gw.upstream(), "search");
    let recs = gw.records(3).await;
    let routes: Vec<&str> = recs.iter().map(|r| r["route"].as_str().unwrap()).collect();
    assert_eq!(routes, ["family", "background", "web_search"]);
    assert_eq!(recs[0]["deployment"], "local-count");
    gw.srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_alias_wins_and_unrouted_names_get_404() {
    let gw = gateway(
        "routing:\n  think: router-deep\n  families: {haiku: router-fast}\n",
        "",
    )
    .await;
    // A served alias is served as named, even asking for maximum effort.
    let mut body = recorded("effort_max");
    body["model"] = json!("router-main");
    assert_eq!(gw.post("/v1/messages", &body).await.0, 200);
    assert_eq!(gw.upstream(), "main");
    // The same request with Claude Code's own id is a think request.
    body["model"] = json!("claude-opus-4-8");
    assert_eq!(gw.post("/v1/messages", &body).await.0, 200);
    assert_eq!(gw.upstream(), "deep");
    // An opus request no route serves: 404 in Anthropic's shape, saying what to set.
    let (status, text) = gw.post("/v1/messages", &recorded("main_default")).await;
    assert_eq!(status, 404, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["type"], "error");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("routing.families.opus"), "{msg}");
    // Without routing.default other names are not routed.
    let (status, text) = gw
        .post(
            "/v1/chat/completions",
            &json!({"model": "gpt-5.5", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(status, 404);
    assert!(text.contains("not served by this gateway"), "{text}");
    // A tag naming an alias that does not exist.
    let mut tagged = recorded("subagent_fgc_tag");
    tagged["system"][2]["text"] = json!("<FGC-SUBAGENT-MODEL>router-sbu</FGC-SUBAGENT-MODEL>\nhi");
    let (status, text) = gw.post("/v1/messages", &tagged).await;
    assert_eq!(status, 404);
    assert!(text.contains("did you mean `router-sub`"), "{text}");
    assert_eq!(gw.mock.hits(), 0);
    let recs = gw.records(5).await;
    assert!(recs[0].get("route").is_none(), "explicit: no route");
    assert_eq!(recs[1]["route"], "think");
    assert_eq!(recs[2]["status"], 404);
    gw.srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallbacks_apply_to_the_routed_alias() {
    let gw = gateway(
        ROUTING,
        "  router_settings:\n    fallbacks: [{router-deep: [router-main]}]\n",
    )
    .await;
    gw.mock.push_for("deep", Fault::Status(500));
    let (status, text) = gw.post("/v1/messages", &recorded("effort_max")).await;
    assert_eq!(status, 200, "{text}");
    let hits = gw.mock.hits_by_prefix();
    assert_eq!(hits.get("deep"), Some(&1));
    assert_eq!(hits.get("main"), Some(&1));
    let rec = &gw.records(1).await[0];
    assert_eq!(rec["route"], "think");
    assert_eq!(rec["served_alias"], "router-main");
    assert_eq!(rec["attempts"], 2);
    gw.srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_context_near_the_threshold_is_counted() {
    // A request of about 10,000 tokens: with the threshold just under and just over its
    // count, the estimate cannot tell, the count decides.
    let text = "routing gateway a request of the model ".repeat(1_400);
    let body = json!({"model": "claude-opus-4-8", "max_tokens": 10, "messages": [{"role": "user", "content": text}]});
    let n = {
        let v = body.clone();
        fgc::translate::count::count_messages_request(&v)
    };
    for (threshold, prefix) in [(n - 1, "long"), (n, "main")] {
        let gw = gateway(
            &format!("{ROUTING}  long_context_threshold: {threshold}\n"),
            "",
        )
        .await;
        assert_eq!(gw.post("/v1/messages", &body).await.0, 200);
        assert_eq!(gw.upstream(), prefix, "threshold {threshold}, {n} tokens");
        gw.srv.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_lists_the_routing_table() {
    let gw = gateway(ROUTING, "").await;
    fgc::serve::forward::install_crypto();
    // The details need the gateway key (issue 11, item 13): the status only without it.
    let v: Value = reqwest::get(format!("{}/health/readiness", gw.srv.url()))
        .await
        .unwrap()
        .json_text()
        .await;
    assert_eq!(v, serde_json::json!({"status": "ready"}));
    let v = gw.readiness().await;
    let r = &v["routing"];
    assert_eq!(r["routes"]["background"], "router-fast");
    assert_eq!(r["families"]["opus"]["default"], "router-main");
    assert_eq!(r["long_context_threshold"], 60000);
    assert_eq!(r["think_effort"], "xhigh");
    assert_eq!(
        r["background_prompts"][0],
        "Generate a concise, sentence-case title"
    );
    gw.srv.stop().await;
    // No routing section: null.
    let gw = gateway("", "").await;
    let v = gw.readiness().await;
    assert_eq!(v["status"], "ready");
    assert_eq!(v["routing"], Value::Null);
    gw.srv.stop().await;
}

/// JSON bodies without reqwest's `json` feature.
trait JsonText {
    async fn json_text(self) -> Value;
}

impl JsonText for reqwest::Response {
    async fn json_text(self) -> Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}
