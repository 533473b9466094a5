//! Listing an upstream's models: `GET {api_base}/models` in the OpenAI or the Anthropic shape,
//! following pages, each request with a timeout, several upstreams at once (bounded); or the
//! same answers read from a file (`--models-file`).
//!
//! An upstream's key goes only to that upstream: redirects are not followed (a redirect is
//! reported with where it pointed), and a page is asked for by a cursor on the same URL.
//! Whatever an upstream answers is bounded (size per page, pages, ids) and any text of it that
//! reaches a message has the key taken out.

use std::time::Duration;

use futures_util::StreamExt;
use indexmap::IndexMap;
use serde_json::Value;

use super::upstreams::Api;

/// The largest answer read for one page.
pub const MAX_PAGE_BYTES: usize = 16 << 20;
/// The most pages followed for one upstream.
pub const MAX_PAGES: usize = 100;
/// The most model ids kept for one upstream.
pub const MAX_MODELS: usize = 100_000;
/// Models asked for per Anthropic page (its maximum).
const ANTHROPIC_PAGE: usize = 1000;
/// The Anthropic API version sent.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Why an upstream's models could not be listed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("GET {url} failed: {reason}")]
    Transport { url: String, reason: String },
    #[error("GET {url} timed out after {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("GET {url} answered {status}{}", message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        url: String,
        /// The status line (`401 Unauthorized`).
        status: String,
        /// The status code, for callers that act on it (`fgc doctor` names the credential on
        /// 401 and 403).
        code: u16,
        message: Option<String>,
    },
    #[error(
        "GET {url} answered {status}, a redirect{}; fgc does not follow it (the key stays with its upstream): set api_base to the final URL",
        location.as_ref().map(|l| format!(" to {l}")).unwrap_or_default()
    )]
    Redirect {
        url: String,
        status: String,
        location: Option<String>,
    },
    #[error("GET {url}: the answer is larger than {MAX_PAGE_BYTES} bytes")]
    TooLarge { url: String },
    #[error("{url}: the answer is not a model list: {reason}")]
    NotAList { url: String, reason: String },
    #[error("{url}: lists no models (its generated entries are kept)")]
    Empty { url: String },
    #[error("{url}: {reason}")]
    Pages { url: String, reason: String },
    #[error("{0}")]
    Credential(String),
    #[error("not in the models file ({0})")]
    NotInFile(String),
}

/// One page of a model list.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub ids: Vec<String>,
    /// The list goes on (`has_more`), after `cursor`.
    pub more: Option<String>,
}

/// Parse a `/models` answer: `{"data": [{"id": ...}, ...]}` (OpenAI, Anthropic and most
/// relays), with `has_more` / `last_id` when paged, or a plain array of ids or such objects.
pub fn parse_page(v: &Value) -> Result<Page, String> {
    let (items, obj) = match v {
        Value::Array(a) => (a, None),
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(a)) => (a, Some(o)),
            Some(_) => return Err("`data` is not an array".into()),
            None => {
                return Err(match o.get("error") {
                    Some(e) => format!("an error: {}", error_text(e)),
                    None => "no `data` array".into(),
                });
            }
        },
        _ => return Err("expected a JSON object with a `data` array".into()),
    };
    let mut ids = Vec::with_capacity(items.len());
    for it in items {
        let id = match it {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        };
        if let Some(id) = id {
            ids.push(id.to_string());
        }
    }
    if ids.is_empty() && !items.is_empty() {
        return Err("no entry of `data` has an `id`".into());
    }
    let more = obj.and_then(|o| {
        (o.get("has_more").and_then(Value::as_bool) == Some(true)).then(|| {
            o.get("last_id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| ids.last().cloned())
                .unwrap_or_default()
        })
    });
    Ok(Page { ids, more })
}

/// A short text for an error object (`{"message": ...}` or a string).
pub(crate) fn error_text(e: &Value) -> String {
    let s = match e {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| e.to_string()),
        _ => e.to_string(),
    };
    clip(&s)
}

/// One line of at most 200 characters.
pub(crate) fn clip(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one = one.trim();
    match one.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one.to_string(),
    }
}

/// What to list, for one upstream.
#[derive(Clone)]
pub struct Request {
    pub base_url: String,
    pub api: Api,
    pub key: Option<String>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("base_url", &self.base_url)
            .field("api", &self.api)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// How listing runs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Per request, body included.
    pub timeout: Duration,
    /// Upstreams listed at once.
    pub jobs: usize,
}

/// The HTTP client for listing: no redirects (see the module comment), rustls.
pub fn client() -> reqwest::Result<reqwest::Client> {
    crate::serve::forward::install_crypto();
    reqwest::Client::builder()
        .user_agent(concat!("fgc/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .build()
}

/// List every upstream in `requests`, at most `limits.jobs` at once; results in order.
pub async fn list_all(
    client: &reqwest::Client,
    requests: &[Request],
    limits: Limits,
) -> Vec<Result<Vec<String>, FetchError>> {
    futures_util::stream::iter(requests.iter())
        .map(|r| list(client, r, limits.timeout))
        .buffered(limits.jobs.max(1))
        .collect()
        .await
}

/// [`list_all`] on a runtime of its own, for callers outside one.
pub fn list_all_blocking(
    requests: &[Request],
    limits: Limits,
) -> Vec<Result<Vec<String>, FetchError>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let client = client();
    match (runtime, client) {
        (Ok(rt), Ok(client)) => rt.block_on(list_all(&client, requests, limits)),
        (Err(e), _) => fail_all(requests, &e.to_string()),
        (_, Err(e)) => fail_all(requests, &e.to_string()),
    }
}

fn fail_all(requests: &[Request], reason: &str) -> Vec<Result<Vec<String>, FetchError>> {
    requests
        .iter()
        .map(|r| {
            Err(FetchError::Transport {
                url: models_url(&r.base_url),
                reason: reason.to_string(),
            })
        })
        .collect()
}

fn models_url(base: &str) -> String {
    format!("{}/models", base.trim_end_matches('/'))
}

/// Every model of one upstream, following pages.
pub async fn list(
    client: &reqwest::Client,
    r: &Request,
    timeout: Duration,
) -> Result<Vec<String>, FetchError> {
    let url = models_url(&r.base_url);
    let hide = |s: &str| match &r.key {
        Some(k) if !k.is_empty() => s.replace(k.as_str(), "<redacted>"),
        _ => s.to_string(),
    };
    let mut ids: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    for page_no in 0..MAX_PAGES {
        let mut query: Vec<(&str, String)> = Vec::new();
        if r.api == Api::Anthropic {
            query.push(("limit", ANTHROPIC_PAGE.to_string()));
        }
        if let Some(c) = &cursor {
            let key = match r.api {
                Api::Anthropic => "after_id",
                Api::OpenAi => "after",
            };
            query.push((key, c.clone()));
        }
        let parsed = if query.is_empty() {
            reqwest::Url::parse(&url)
        } else {
            reqwest::Url::parse_with_params(&url, &query)
        };
        let target = parsed.map_err(|e| FetchError::Transport {
            url: url.clone(),
            reason: format!("not a URL: {e}"),
        })?;
        let mut req = client
            .get(target)
            .timeout(timeout)
            .header(reqwest::header::ACCEPT, "application/json");
        match (&r.key, r.api) {
            (Some(k), Api::Anthropic) => {
                req = req
                    .header("anthropic-version", ANTHROPIC_VERSION)
                    .header("x-api-key", k);
            }
            (None, Api::Anthropic) => req = req.header("anthropic-version", ANTHROPIC_VERSION),
            (Some(k), Api::OpenAi) => req = req.bearer_auth(k),
            (None, Api::OpenAi) => {}
        }
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError::Timeout {
                    url: url.clone(),
                    secs: timeout.as_secs(),
                }
            } else {
                FetchError::Transport {
                    url: url.clone(),
                    reason: hide(&crate::serve::forward::error_chain(&e)),
                }
            }
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(FetchError::Redirect {
                url,
                status: status.to_string(),
                location: resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .map(|l| clip(&hide(l))),
            });
        }
        let body = read_bounded(resp, &url, transport).await?;
        if !status.is_success() {
            let message = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("error")
                        .map(error_text)
                        .or_else(|| v.get("message").map(error_text))
                })
                .or_else(|| {
                    let t = clip(&String::from_utf8_lossy(&body));
                    (!t.is_empty()).then_some(t)
                })
                .map(|m| hide(&m));
            return Err(FetchError::Status {
                url,
                status: status.to_string(),
                code: status.as_u16(),
                message,
            });
        }
        let value: Value = serde_json::from_slice(&body).map_err(|e| FetchError::NotAList {
            url: url.clone(),
            reason: format!("not JSON ({e})"),
        })?;
        let page = parse_page(&value).map_err(|reason| FetchError::NotAList {
            url: url.clone(),
            reason: hide(&reason),
        })?;
        let new = page.ids.len();
        ids.extend(page.ids);
        if ids.len() > MAX_MODELS {
            return Err(FetchError::Pages {
                url,
                reason: format!("lists more than {MAX_MODELS} models"),
            });
        }
        match page.more {
            None => return finish(ids, url),
            Some(next) => {
                if new == 0 || next.is_empty() || cursor.as_deref() == Some(next.as_str()) {
                    return Err(FetchError::Pages {
                        url,
                        reason: format!(
                            "page {} says there are more models but gives no new cursor",
                            page_no + 1
                        ),
                    });
                }
                cursor = Some(next);
            }
        }
    }
    Err(FetchError::Pages {
        url,
        reason: format!("more than {MAX_PAGES} pages"),
    })
}

fn finish(ids: Vec<String>, url: String) -> Result<Vec<String>, FetchError> {
    if ids.is_empty() {
        Err(FetchError::Empty { url })
    } else {
        Ok(ids)
    }
}

async fn read_bounded(
    resp: reqwest::Response,
    url: &str,
    transport: impl Fn(reqwest::Error) -> FetchError,
) -> Result<Vec<u8>, FetchError> {
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_PAGE_BYTES as u64)
    {
        return Err(FetchError::TooLarge {
            url: url.to_string(),
        });
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(&transport)?;
        if body.len() + chunk.len() > MAX_PAGE_BYTES {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A `--models-file`: a JSON object mapping each upstream (by name or `api_base`) to its
/// `/models` answer or a plain list of ids.
#[derive(Debug, Default)]
pub struct ModelsFile {
    pub entries: IndexMap<String, Result<Vec<String>, String>>,
}

impl ModelsFile {
    /// Parse the file's text; only a file that is not a JSON object is an error.
    pub fn parse(text: &str) -> Result<ModelsFile, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(map) = v else {
            return Err("expected a JSON object mapping each upstream to its model list".into());
        };
        let entries = map
            .into_iter()
            .map(|(k, v)| {
                let ids = parse_page(&v).and_then(|p| {
                    if p.more.is_some() {
                        Err("the answer says there are more pages; put every id in one list".into())
                    } else {
                        Ok(p.ids)
                    }
                });
                (k, ids)
            })
            .collect();
        Ok(ModelsFile { entries })
    }

    /// The models of the upstream `name` at `base_url` / `api_base`.
    pub fn lookup(
        &self,
        name: &str,
        api_base: Option<&str>,
        base_url: &str,
    ) -> Result<Vec<String>, FetchError> {
        let key = [Some(name), api_base, Some(base_url)]
            .into_iter()
            .flatten()
            .find(|k| self.entries.contains_key(*k));
        let Some(key) = key else {
            return Err(FetchError::NotInFile(format!(
                "no key `{name}` or `{base_url}`"
            )));
        };
        match &self.entries[key] {
            Ok(ids) if ids.is_empty() => Err(FetchError::Empty {
                url: format!("models file `{key}`"),
            }),
            Ok(ids) => Ok(ids.clone()),
            Err(reason) => Err(FetchError::NotAList {
                url: format!("models file `{key}`"),
                reason: reason.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        let openai = json!({"object": "list", "data": [{"id": "gpt-4o", "object": "model"}]});
        assert_eq!(parse_page(&openai).unwrap().ids, ["gpt-4o"]);
        let anthropic = json!({"data": [{"type": "model", "id": "claude-sonnet-4-5-20250929"}],
            "has_more": true, "first_id": "claude-sonnet-4-5-20250929", "last_id": "claude-sonnet-4-5-20250929"});
        let p = parse_page(&anthropic).unwrap();
        assert_eq!(p.more.as_deref(), Some("claude-sonnet-4-5-20250929"));
        assert_eq!(parse_page(&json!(["a", "b"])).unwrap().ids, ["a", "b"]);
        assert!(
            parse_page(&json!({"error": {"message": "bad key"}}))
                .unwrap_err()
                .contains("bad key")
        );
        assert!(parse_page(&json!("<html>")).is_err());
        assert!(parse_page(&json!({"data": [1, 2]})).is_err());
    }

    #[test]
    fn models_file() {
        let f =
            ModelsFile::parse(r#"{"a": ["x"], "http://h/v1": {"data": [{"id": "y"}]}, "c": 3}"#)
                .unwrap();
        assert_eq!(f.lookup("a", None, "http://q").unwrap(), ["x"]);
        assert_eq!(
            f.lookup("b", Some("http://h/v1"), "http://h/v1").unwrap(),
            ["y"]
        );
        assert!(matches!(
            f.lookup("c", None, "-"),
            Err(FetchError::NotAList { .. })
        ));
        assert!(matches!(
            f.lookup("d", None, "-"),
            Err(FetchError::NotInFile(_))
        ));
        assert!(ModelsFile::parse("[1]").is_err());
    }
}
