//! LiteLLM's reliability rules, as `fgc serve` applies them: which failures are retried, how
//! many times, how long to wait between tries, and when a deployment cools down.
//!
//! Each rule is a port of LiteLLM 1.108–1.110's Router (`router.py`:
//! `async_function_with_retries`, `should_retry_this_error`, `_time_to_sleep_before_retry`;
//! `utils.py`: `calculate_retry_after`, `should_retry`; `router_utils/cooldown_handlers.py`:
//! `_is_cooldown_required`, `_should_cooldown_deployment`; `router_utils/get_retry_from_policy.py`).
//! Pure functions over typed inputs, so each is unit-tested; the request loop in
//! [`super::router`] calls them.

use std::time::Duration;

use axum::http::HeaderMap;

use crate::model::raw::{AllowedFailsPolicy, RetryPolicy};

/// The LiteLLM exception class of a failed attempt: what `retry_policy`,
/// `allowed_fails_policy` and the fallback kinds key on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// 400 (`BadRequestError`).
    BadRequest,
    /// A 400-class answer saying the prompt does not fit (`ContextWindowExceededError`, a
    /// `BadRequestError`).
    ContextWindow,
    /// A 400-class answer about content policy (`ContentPolicyViolationError`, a
    /// `BadRequestError`).
    ContentPolicy,
    /// 401.
    Authentication,
    /// 403.
    PermissionDenied,
    /// 404.
    NotFound,
    /// 408, or the upstream did not answer in time (`litellm.Timeout`).
    Timeout,
    /// 429.
    RateLimit,
    /// 500.
    InternalServer,
    /// 502.
    BadGateway,
    /// 503.
    ServiceUnavailable,
    /// The upstream could not be reached or broke the connection (`APIConnectionError`).
    Connection,
    /// Every deployment of the group is cooling down (LiteLLM answers 429 itself).
    NoDeployments,
    /// Any other status.
    Other(u16),
}

impl ErrorClass {
    /// The class of an upstream error answer.
    pub fn from_answer(status: u16, body: &[u8]) -> ErrorClass {
        match status {
            400 | 413 | 422 if is_context_window_error(body) => ErrorClass::ContextWindow,
            400 if is_content_policy_error(body) => ErrorClass::ContentPolicy,
            400 => ErrorClass::BadRequest,
            401 => ErrorClass::Authentication,
            403 => ErrorClass::PermissionDenied,
            404 => ErrorClass::NotFound,
            408 => ErrorClass::Timeout,
            429 => ErrorClass::RateLimit,
            500 => ErrorClass::InternalServer,
            502 => ErrorClass::BadGateway,
            503 => ErrorClass::ServiceUnavailable,
            s => ErrorClass::Other(s),
        }
    }

    /// The status LiteLLM attaches to the error (what its retry and cooldown rules test).
    pub fn status(self) -> u16 {
        match self {
            ErrorClass::BadRequest | ErrorClass::ContextWindow | ErrorClass::ContentPolicy => 400,
            ErrorClass::Authentication => 401,
            ErrorClass::PermissionDenied => 403,
            ErrorClass::NotFound => 404,
            ErrorClass::Timeout => 408,
            ErrorClass::RateLimit | ErrorClass::NoDeployments => 429,
            ErrorClass::InternalServer | ErrorClass::Connection => 500,
            ErrorClass::BadGateway => 502,
            ErrorClass::ServiceUnavailable => 503,
            ErrorClass::Other(s) => s,
        }
    }

    fn is_bad_request(self) -> bool {
        matches!(
            self,
            ErrorClass::BadRequest | ErrorClass::ContextWindow | ErrorClass::ContentPolicy
        )
    }
}

/// Whether a body says the prompt does not fit the model's context window (OpenAI
/// `context_length_exceeded`, Anthropic "prompt is too long", vLLM and others).
pub fn is_context_window_error(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    [
        "context_length_exceeded",
        "context length",
        "context window",
        "prompt is too long",
        "maximum context",
        "too many tokens",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// Whether a 400 body is a content-policy refusal (LiteLLM maps an OpenAI-style 400 whose
/// message names `content_policy_violation`).
pub fn is_content_policy_error(body: &[u8]) -> bool {
    String::from_utf8_lossy(body)
        .to_ascii_lowercase()
        .contains("content_policy_violation")
}

/// `litellm.should_retry`: statuses worth another try.
pub fn status_retryable(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// Retries `policy` grants for `class`: `NotFoundErrorRetries` for a 404, else the most
/// specific class entry (a context-window or content-policy error is also a bad request),
/// else `DefaultRetries`.
pub fn policy_retries(policy: &RetryPolicy, class: ErrorClass) -> Option<u32> {
    let specific = match class {
        ErrorClass::NotFound => policy.NotFoundErrorRetries,
        ErrorClass::Authentication => policy.AuthenticationErrorRetries,
        ErrorClass::Timeout => policy.TimeoutErrorRetries,
        ErrorClass::RateLimit => policy.RateLimitErrorRetries,
        ErrorClass::ContentPolicy => policy
            .ContentPolicyViolationErrorRetries
            .or(policy.BadRequestErrorRetries),
        ErrorClass::BadRequest | ErrorClass::ContextWindow => policy.BadRequestErrorRetries,
        ErrorClass::ServiceUnavailable => policy.ServiceUnavailableErrorRetries,
        ErrorClass::InternalServer => policy.InternalServerErrorRetries,
        _ => None,
    };
    specific.or(policy.DefaultRetries)
}

/// Failures `policy` allows for `class` before a cooldown (`get_allowed_fails_from_policy`).
pub fn policy_allowed_fails(policy: &AllowedFailsPolicy, class: ErrorClass) -> Option<u32> {
    let checks = [
        (
            class == ErrorClass::Authentication,
            policy.AuthenticationErrorAllowedFails,
        ),
        (
            class == ErrorClass::Timeout,
            policy.TimeoutErrorAllowedFails,
        ),
        (
            class == ErrorClass::RateLimit,
            policy.RateLimitErrorAllowedFails,
        ),
        (
            class == ErrorClass::ContentPolicy,
            policy.ContentPolicyViolationErrorAllowedFails,
        ),
        (class.is_bad_request(), policy.BadRequestErrorAllowedFails),
        (
            class == ErrorClass::InternalServer,
            policy.InternalServerErrorAllowedFails,
        ),
        (
            class == ErrorClass::ServiceUnavailable,
            policy.ServiceUnavailableErrorAllowedFails,
        ),
        (
            class == ErrorClass::BadGateway,
            policy.BadGatewayErrorAllowedFails,
        ),
        (
            class == ErrorClass::NotFound,
            policy.NotFoundErrorAllowedFails,
        ),
    ];
    checks.into_iter().find_map(|(hit, n)| n.filter(|_| hit))
}

/// What `should_retry_this_error` looks at besides the error.
#[derive(Clone, Copy, Debug)]
pub struct RetryContext {
    /// Deployments of the group not cooling down.
    pub healthy: usize,
    /// Deployments of the group.
    pub all: usize,
    /// Whether `context_window_fallbacks` / `content_policy_fallbacks` / `fallbacks` are set.
    pub context_window_fallbacks: bool,
    pub content_policy_fallbacks: bool,
    pub fallbacks: bool,
}

/// `should_retry_this_error`: whether a failure of `class` may be retried (without a
/// `retry_policy` entry, which bypasses this).
pub fn should_retry(class: ErrorClass, cx: RetryContext) -> bool {
    if class == ErrorClass::ContextWindow && cx.context_window_fallbacks {
        return false;
    }
    if class == ErrorClass::ContentPolicy && cx.content_policy_fallbacks {
        return false;
    }
    let status = class.status();
    if !status_retryable(status) && !matches!(status, 401 | 403) {
        return false;
    }
    if class == ErrorClass::NotFound {
        return false;
    }
    if matches!(class, ErrorClass::RateLimit | ErrorClass::NoDeployments)
        && cx.healthy == 0
        && cx.fallbacks
    {
        return false;
    }
    if matches!(
        class,
        ErrorClass::Authentication | ErrorClass::PermissionDenied
    ) && cx.all <= 1
    {
        return false;
    }
    cx.healthy > 0
}

/// LiteLLM's back-off constants (`constants.py`).
pub const INITIAL_RETRY_DELAY: f64 = 0.5;
pub const MAX_RETRY_DELAY: f64 = 8.0;
pub const JITTER: f64 = 0.75;
/// The longest `Retry-After` honoured; a longer one falls back to the exponential back-off.
pub const MAX_RETRY_AFTER: f64 = 60.0;

/// `Retry-After` as seconds (a number or an HTTP date), when it is one LiteLLM honours.
/// `retry-after-ms` is not read, as in LiteLLM.
pub fn retry_after_header(headers: &HeaderMap) -> Option<f64> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    let secs = match v.parse::<f64>() {
        Ok(s) => s,
        Err(_) => {
            let at = httpdate_secs(v)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_secs_f64();
            at - now
        }
    };
    (secs.is_finite() && secs > 0.0 && secs <= MAX_RETRY_AFTER).then_some(secs)
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn httpdate_secs(s: &str) -> Option<f64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, mon, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| x == mon)? as i64 + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let mut t = time.split(':').map(|x| x.parse::<i64>());
    let (hh, mm, ss) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hh * 3600 + mm * 60 + ss) as f64)
}

/// The wait before retry number `retry` (1 for the first retry), `calculate_retry_after`:
/// the upstream's `Retry-After` when honoured, else `0.5·2^(retry-1)` seconds, at least
/// `min_secs` (`retry_after`), at most 8; plus `jitter` (`0.75·U[0,1)`).
pub fn backoff(retry: u32, retry_after: Option<f64>, min_secs: f64, jitter: f64) -> Duration {
    let jitter = JITTER * jitter.clamp(0.0, 1.0);
    let secs = match retry_after {
        Some(s) => s,
        None => {
            let exp = INITIAL_RETRY_DELAY * 2f64.powi(retry.saturating_sub(1).min(30) as i32);
            exp.max(min_secs).min(MAX_RETRY_DELAY)
        }
    };
    Duration::from_secs_f64(secs + jitter)
}

/// Whether LiteLLM waits before retrying: only when the group has a single deployment or no
/// healthy one; otherwise it retries at once on another pick.
pub fn waits_before_retry(healthy: usize, all: usize) -> bool {
    all == 1 || healthy == 0
}

/// What the cooldown decision looks at (`_should_run_cooldown_logic`,
/// `_should_cooldown_deployment`).
#[derive(Clone, Copy, Debug)]
pub struct CooldownInput<'a> {
    pub class: ErrorClass,
    /// Deployments in the group.
    pub group_size: usize,
    /// Whether the requested group has a fallback chain (a lone deployment without one is
    /// spared count-based cooldowns).
    pub has_fallbacks: bool,
    /// This minute's successes and failures of the deployment, this failure included.
    pub successes_this_minute: u32,
    pub failures_this_minute: u32,
    /// The router's `allowed_fails` when set to something else than the default.
    pub allowed_fails: Option<u32>,
    pub allowed_fails_policy: Option<&'a AllowedFailsPolicy>,
    pub disabled: bool,
    /// The deployment's own `cooldown_time` of 0.
    pub deployment_never: bool,
}

/// LiteLLM's constants for rate-based cooldowns.
pub const FAILURE_THRESHOLD_PERCENT: f64 = 0.5;
pub const FAILURE_THRESHOLD_MINIMUM_REQUESTS: u32 = 5;
pub const SINGLE_DEPLOYMENT_TRAFFIC_FAILURE_THRESHOLD: u32 = 1000;

/// How a failure counts toward a cooldown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CooldownRule {
    /// No cooldown.
    Spared,
    /// Cool down now.
    Now,
    /// Count the failure; cool down when the count within the cooldown window passes `limit`.
    Count { limit: u32 },
}

/// Whether a failure cools the deployment down.
pub fn cooldown_rule(i: CooldownInput<'_>) -> CooldownRule {
    let status = i.class.status();
    let policy_fails = i
        .allowed_fails_policy
        .and_then(|p| policy_allowed_fails(p, i.class));
    if i.disabled || i.deployment_never {
        return CooldownRule::Spared;
    }
    // `_is_cooldown_required`: connection errors never; among 4xx only 429, 401, 402, 404
    // and 408.
    let required = match i.class {
        ErrorClass::Connection => false,
        _ if (400..500).contains(&status) => matches!(status, 429 | 401 | 402 | 404 | 408),
        _ => true,
    };
    if !required {
        return CooldownRule::Spared;
    }
    let single = i.group_size == 1;
    if single && status == 402 && policy_fails.is_none() {
        return CooldownRule::Spared;
    }
    if i.allowed_fails_policy.is_none() && i.allowed_fails.is_none() {
        let total = i.successes_this_minute + i.failures_this_minute;
        let rate = if total > 0 {
            f64::from(i.failures_this_minute) / f64::from(total)
        } else {
            0.0
        };
        let now = (status == 429 && !single)
            || (rate == 1.0 && total >= SINGLE_DEPLOYMENT_TRAFFIC_FAILURE_THRESHOLD)
            || (rate > FAILURE_THRESHOLD_PERCENT
                && total >= FAILURE_THRESHOLD_MINIMUM_REQUESTS
                && !single)
            || !status_retryable(status);
        return if now {
            CooldownRule::Now
        } else {
            CooldownRule::Spared
        };
    }
    let lone = single && !i.has_fallbacks;
    if lone && policy_fails.is_none() {
        return CooldownRule::Spared;
    }
    CooldownRule::Count {
        limit: policy_fails
            .or(i.allowed_fails)
            .unwrap_or(crate::model::view::defaults::ALLOWED_FAILS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(healthy: usize, all: usize) -> RetryContext {
        RetryContext {
            healthy,
            all,
            context_window_fallbacks: false,
            content_policy_fallbacks: false,
            fallbacks: false,
        }
    }

    #[test]
    fn retried_statuses_follow_litellm() {
        for (class, single, multi) in [
            (ErrorClass::InternalServer, true, true),
            (ErrorClass::ServiceUnavailable, true, true),
            (ErrorClass::Timeout, true, true),
            (ErrorClass::RateLimit, true, true),
            (ErrorClass::Connection, true, true),
            (ErrorClass::BadRequest, false, false),
            (ErrorClass::ContextWindow, false, false),
            (ErrorClass::NotFound, false, false),
            (ErrorClass::Authentication, false, true),
            (ErrorClass::PermissionDenied, false, true),
            (ErrorClass::Other(422), false, false),
            (ErrorClass::Other(409), true, true),
        ] {
            assert_eq!(should_retry(class, cx(1, 1)), single, "{class:?} single");
            assert_eq!(should_retry(class, cx(2, 2)), multi, "{class:?} multi");
        }
        // No healthy deployment left: no retry.
        assert!(!should_retry(ErrorClass::InternalServer, cx(0, 2)));
        // A context-window error goes straight to its fallbacks when they are set.
        let mut c = cx(1, 1);
        c.context_window_fallbacks = true;
        assert!(!should_retry(ErrorClass::ContextWindow, c));
    }

    #[test]
    fn retry_policy_picks_the_most_specific_entry() {
        let p = RetryPolicy {
            BadRequestErrorRetries: Some(1),
            ContentPolicyViolationErrorRetries: Some(4),
            NotFoundErrorRetries: Some(2),
            DefaultRetries: Some(7),
            ..RetryPolicy::default()
        };
        assert_eq!(policy_retries(&p, ErrorClass::ContentPolicy), Some(4));
        assert_eq!(policy_retries(&p, ErrorClass::ContextWindow), Some(1));
        assert_eq!(policy_retries(&p, ErrorClass::NotFound), Some(2));
        assert_eq!(policy_retries(&p, ErrorClass::InternalServer), Some(7));
        assert_eq!(
            policy_retries(&RetryPolicy::default(), ErrorClass::RateLimit),
            None
        );
    }

    #[test]
    fn backoff_doubles_from_half_a_second_and_honours_retry_after() {
        let s = |d: Duration| d.as_secs_f64();
        assert_eq!(s(backoff(1, None, 0.0, 0.0)), 0.5);
        assert_eq!(s(backoff(2, None, 0.0, 0.0)), 1.0);
        assert_eq!(s(backoff(3, None, 0.0, 0.0)), 2.0);
        assert_eq!(s(backoff(9, None, 0.0, 0.0)), 8.0);
        assert_eq!(s(backoff(1, None, 3.0, 0.0)), 3.0);
        assert_eq!(s(backoff(1, Some(1.0), 3.0, 0.0)), 1.0);
        assert_eq!(s(backoff(1, None, 0.0, 1.0)), 0.5 + JITTER);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date_within_a_minute() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert("retry-after", v.parse().unwrap());
            retry_after_header(&m)
        };
        assert_eq!(h("2"), Some(2.0));
        assert_eq!(h("0"), None);
        assert_eq!(h("61"), None);
        assert_eq!(h("soon"), None);
        assert_eq!(h("Sun, 06 Nov 1994 08:49:37 GMT"), None, "in the past");
        assert_eq!(
            httpdate_secs("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777.0)
        );
        let mut ms = HeaderMap::new();
        ms.insert("retry-after-ms", "2000".parse().unwrap());
        assert_eq!(retry_after_header(&ms), None, "retry-after-ms is not read");
    }

    fn input(class: ErrorClass, group_size: usize) -> CooldownInput<'static> {
        CooldownInput {
            class,
            group_size,
            has_fallbacks: false,
            successes_this_minute: 0,
            failures_this_minute: 1,
            allowed_fails: None,
            allowed_fails_policy: None,
            disabled: false,
            deployment_never: false,
        }
    }

    #[test]
    fn cooldowns_follow_litellm_by_default() {
        use CooldownRule::*;
        // A single deployment: 401 and 404 cool it down, 500 and 429 do not.
        assert_eq!(cooldown_rule(input(ErrorClass::Authentication, 1)), Now);
        assert_eq!(cooldown_rule(input(ErrorClass::NotFound, 1)), Now);
        assert_eq!(cooldown_rule(input(ErrorClass::InternalServer, 1)), Spared);
        assert_eq!(cooldown_rule(input(ErrorClass::RateLimit, 1)), Spared);
        assert_eq!(cooldown_rule(input(ErrorClass::BadRequest, 1)), Spared);
        assert_eq!(cooldown_rule(input(ErrorClass::Connection, 2)), Spared);
        // Several deployments: a 429 cools down; 500s by failure rate over 5 requests.
        assert_eq!(cooldown_rule(input(ErrorClass::RateLimit, 2)), Now);
        assert_eq!(cooldown_rule(input(ErrorClass::InternalServer, 2)), Spared);
        let mut busy = input(ErrorClass::InternalServer, 2);
        busy.failures_this_minute = 3;
        busy.successes_this_minute = 2;
        assert_eq!(cooldown_rule(busy), Now);
        let mut off = input(ErrorClass::Authentication, 1);
        off.disabled = true;
        assert_eq!(cooldown_rule(off), Spared);
    }

    #[test]
    fn cooldowns_count_when_allowed_fails_is_set() {
        let mut i = input(ErrorClass::InternalServer, 2);
        i.allowed_fails = Some(1);
        assert_eq!(cooldown_rule(i), CooldownRule::Count { limit: 1 });
        // A lone deployment (single, no fallbacks) is spared unless a policy names the class.
        let mut lone = input(ErrorClass::InternalServer, 1);
        lone.allowed_fails = Some(1);
        assert_eq!(cooldown_rule(lone), CooldownRule::Spared);
        let policy = AllowedFailsPolicy {
            InternalServerErrorAllowedFails: Some(4),
            ..AllowedFailsPolicy::default()
        };
        lone.allowed_fails_policy = Some(&policy);
        assert_eq!(cooldown_rule(lone), CooldownRule::Count { limit: 4 });
    }
}
