//! Per-deployment health: LiteLLM's cooldowns, and fallback promotion (seed 004).
//!
//! A failure cools a deployment down when LiteLLM's rules say so ([`super::retry::cooldown_rule`]:
//! by status, by failure rate this minute, or by count when `allowed_fails` /
//! `allowed_fails_policy` is set); it takes no requests until the cooldown ends (the
//! deployment's `cooldown_time`, else the upstream's `Retry-After`, else the router's
//! `cooldown_time`, 5 s by default). Time comes from a [`Clock`] so tests can move it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::retry::{CooldownInput, CooldownRule, ErrorClass, cooldown_rule};
use crate::model::raw::AllowedFailsPolicy;

/// How long a fallback that served while the primary was open keeps serving it first.
pub const PROMOTION_TTL: Duration = Duration::from_secs(600);

/// A future that waits on a [`Clock`].
pub type Wait<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

/// The time source of cooldowns, promotions and the waits between retries.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Instant;
    /// Wait `d` (a back-off between retries).
    fn sleep(&self, d: Duration) -> Wait<'_>;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, d: Duration) -> Wait<'_> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset_ms: AtomicU64,
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock {
            start: Instant::now(),
            offset_ms: AtomicU64::new(0),
        }
    }
}

impl ManualClock {
    pub fn advance(&self, d: Duration) {
        self.offset_ms
            .fetch_add(d.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
    /// Moves the clock instead of waiting.
    fn sleep(&self, d: Duration) -> Wait<'_> {
        self.advance(d);
        Box::pin(std::future::ready(()))
    }
}

impl ManualClock {
    /// Time moved since the clock started.
    pub fn elapsed(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// Whether a deployment takes requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Healthy,
    /// Cooling down after a failure that LiteLLM's rules cool down for, until then.
    CoolingDown {
        until: Instant,
    },
}

impl State {
    pub fn is_cooling(&self) -> bool {
        matches!(self, State::CoolingDown { .. })
    }

    pub fn name(&self) -> &'static str {
        match self {
            State::Healthy => "healthy",
            State::CoolingDown { .. } => "cooling-down",
        }
    }
}

/// What decides a deployment's cooldown, fixed when a request takes it (from the snapshot).
#[derive(Clone, Debug)]
pub struct CooldownParams {
    /// Deployments in the deployment's group.
    pub group_size: usize,
    /// Whether the requested group has a fallback chain.
    pub has_fallbacks: bool,
    /// The router's `allowed_fails`, when set to something else than the default.
    pub allowed_fails: Option<u32>,
    pub allowed_fails_policy: Option<Arc<AllowedFailsPolicy>>,
    /// `disable_cooldowns`.
    pub disabled: bool,
    /// The deployment's own `cooldown_time` (0: never cools down).
    pub deployment_cooldown: Option<f64>,
    /// The router's `cooldown_time`.
    pub router_cooldown: Duration,
}

impl Default for CooldownParams {
    fn default() -> Self {
        CooldownParams {
            group_size: 1,
            has_fallbacks: false,
            allowed_fails: None,
            allowed_fails_policy: None,
            disabled: false,
            deployment_cooldown: None,
            router_cooldown: Duration::from_secs(5),
        }
    }
}

/// The health record of one deployment.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    cooling_until: Option<Instant>,
    /// The minute (since the health table started) the counts below are for.
    minute: u64,
    successes: u32,
    failures: u32,
    /// Failures counted toward `allowed_fails`, and when that count expires.
    counted: u32,
    counted_until: Option<Instant>,
}

/// Health of every deployment, kept across reloads (keyed by deployment id).
#[derive(Debug)]
pub struct Health {
    clock: Arc<dyn Clock>,
    start: Instant,
    entries: Mutex<HashMap<String, Entry>>,
    /// alias -> (promoted fallback alias, until).
    promoted: Mutex<HashMap<String, (String, Instant)>>,
    in_flight: Mutex<HashMap<String, u32>>,
}

impl Health {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let start = clock.now();
        Health {
            clock,
            start,
            entries: Mutex::new(HashMap::new()),
            promoted: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Wait `d` on the health table's clock (the back-off between retries).
    pub fn sleep(&self, d: Duration) -> Wait<'_> {
        self.clock.sleep(d)
    }

    fn minute(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.start).as_secs() / 60
    }

    /// The state of `id` (healthy when never seen).
    pub fn state(&self, id: &str) -> State {
        let now = self.now();
        let e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match e.get(id).and_then(|e| e.cooling_until) {
            Some(until) if now < until => State::CoolingDown { until },
            _ => State::Healthy,
        }
    }

    /// Whether `id` takes requests now.
    pub fn available(&self, id: &str) -> bool {
        !self.state(id).is_cooling()
    }

    /// Take `id` for one request; `None` while it cools down.
    pub fn acquire(self: &Arc<Self>, id: &str, params: CooldownParams) -> Option<Permit> {
        if !self.available(id) {
            return None;
        }
        *self
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id.to_string())
            .or_default() += 1;
        Some(Permit {
            health: Arc::clone(self),
            id: id.to_string(),
            params,
            done: false,
        })
    }

    fn entry<'a>(map: &'a mut HashMap<String, Entry>, id: &str, minute: u64) -> &'a mut Entry {
        let e = map.entry(id.to_string()).or_default();
        if e.minute != minute {
            e.minute = minute;
            e.successes = 0;
            e.failures = 0;
        }
        e
    }

    fn record_success(&self, id: &str) {
        let now = self.now();
        let minute = self.minute(now);
        let mut m = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Self::entry(&mut m, id, minute).successes += 1;
    }

    /// Count a failure and cool the deployment down when LiteLLM would. Returns whether it
    /// now cools down.
    fn record_failure(
        &self,
        id: &str,
        params: &CooldownParams,
        class: ErrorClass,
        retry_after: Option<f64>,
    ) -> bool {
        let now = self.now();
        let minute = self.minute(now);
        let mut m = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let e = Self::entry(&mut m, id, minute);
        e.failures += 1;
        let length = params
            .deployment_cooldown
            .filter(|s| *s > 0.0)
            .or(retry_after)
            .map(Duration::from_secs_f64)
            .unwrap_or(params.router_cooldown);
        let rule = cooldown_rule(CooldownInput {
            class,
            group_size: params.group_size,
            has_fallbacks: params.has_fallbacks,
            successes_this_minute: e.successes,
            failures_this_minute: e.failures,
            allowed_fails: params.allowed_fails,
            allowed_fails_policy: params.allowed_fails_policy.as_deref(),
            disabled: params.disabled,
            deployment_never: params.deployment_cooldown == Some(0.0),
        });
        let cool = match rule {
            CooldownRule::Spared => false,
            CooldownRule::Now => true,
            CooldownRule::Count { limit } => {
                if e.counted_until.is_none_or(|u| now >= u) {
                    e.counted = 0;
                }
                e.counted += 1;
                e.counted_until = Some(now + params.router_cooldown);
                e.counted > limit
            }
        };
        if cool {
            e.cooling_until = Some(now + length);
        }
        cool
    }

    fn release(&self, id: &str) {
        let mut f = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = f.get_mut(id) {
            *n = n.saturating_sub(1);
        }
    }

    /// Requests in flight on `id` (least-busy balancing).
    pub fn busy(&self, id: &str) -> u32 {
        let f = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        f.get(id).copied().unwrap_or(0)
    }

    /// Serve `alias` from `fallback` first for [`PROMOTION_TTL`].
    pub fn promote(&self, alias: &str, fallback: &str) {
        let until = self.now() + PROMOTION_TTL;
        let mut p = self.promoted.lock().unwrap_or_else(|e| e.into_inner());
        p.insert(alias.to_string(), (fallback.to_string(), until));
    }

    pub fn demote(&self, alias: &str) {
        let mut p = self.promoted.lock().unwrap_or_else(|e| e.into_inner());
        p.remove(alias);
    }

    /// The fallback currently promoted for `alias`, if its time has not run out.
    pub fn promoted(&self, alias: &str) -> Option<String> {
        let now = self.now();
        let mut p = self.promoted.lock().unwrap_or_else(|e| e.into_inner());
        match p.get(alias) {
            Some((f, until)) if now < *until => Some(f.clone()),
            Some(_) => {
                p.remove(alias);
                None
            }
            None => None,
        }
    }
}

/// One request on one deployment. Report the outcome with [`Permit::success`] or
/// [`Permit::failure`]; dropped without either (the client went away) counts as neither.
#[derive(Debug)]
pub struct Permit {
    health: Arc<Health>,
    id: String,
    params: CooldownParams,
    done: bool,
}

impl Permit {
    pub fn success(mut self) {
        self.health.record_success(&self.id);
        self.finish();
    }

    /// The attempt failed with `class`; `retry_after` is the upstream's `Retry-After` (it sets
    /// the cooldown's length when the deployment has none of its own). Returns whether the
    /// deployment now cools down.
    pub fn failure(mut self, class: ErrorClass, retry_after: Option<f64>) -> bool {
        let cooled = self
            .health
            .record_failure(&self.id, &self.params, class, retry_after);
        self.finish();
        cooled
    }

    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.health.release(&self.id);
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Arc<ManualClock>, Arc<Health>) {
        let clock = Arc::new(ManualClock::default());
        (clock.clone(), Arc::new(Health::new(clock)))
    }

    fn single() -> CooldownParams {
        CooldownParams::default()
    }

    #[tokio::test]
    async fn the_manual_clock_moves_only_when_told() {
        let c = ManualClock::default();
        let t0 = c.now();
        assert_eq!(c.elapsed(), Duration::ZERO);
        assert_eq!(c.now(), t0);
        c.advance(Duration::from_millis(1500));
        assert_eq!(c.elapsed(), Duration::from_millis(1500));
        assert_eq!(c.now() - t0, Duration::from_millis(1500));
        // A sleep moves it at once instead of waiting.
        c.sleep(Duration::from_secs(2)).await;
        assert_eq!(c.elapsed(), Duration::from_millis(3500));
        assert_eq!(c.now() - t0, Duration::from_millis(3500));
    }

    #[test]
    fn a_single_deployment_cools_down_on_401_not_on_500() {
        let (clock, h) = setup();
        for _ in 0..5 {
            let cooled = h
                .acquire("d", single())
                .expect("available")
                .failure(ErrorClass::InternalServer, None);
            assert!(!cooled);
        }
        assert!(
            h.acquire("d", single())
                .unwrap()
                .failure(ErrorClass::Authentication, None)
        );
        assert_eq!(h.state("d").name(), "cooling-down");
        assert!(h.acquire("d", single()).is_none());
        clock.advance(Duration::from_secs(5));
        assert!(h.available("d"), "the cooldown lasts cooldown_time");
    }

    #[test]
    fn the_cooldown_lasts_the_deployment_time_then_retry_after_then_the_router_time() {
        let (clock, h) = setup();
        let mut p = single();
        p.router_cooldown = Duration::from_secs(30);
        assert!(
            h.acquire("a", p.clone())
                .unwrap()
                .failure(ErrorClass::NotFound, Some(2.0))
        );
        clock.advance(Duration::from_secs(2));
        assert!(h.available("a"), "Retry-After set the length");
        assert!(
            h.acquire("b", p.clone())
                .unwrap()
                .failure(ErrorClass::NotFound, None)
        );
        clock.advance(Duration::from_secs(29));
        assert!(!h.available("b"));
        p.deployment_cooldown = Some(0.0);
        assert!(
            !h.acquire("c", p)
                .unwrap()
                .failure(ErrorClass::NotFound, None),
            "0: never"
        );
    }

    #[test]
    fn allowed_fails_counts_within_the_cooldown_window() {
        let (clock, h) = setup();
        let p = CooldownParams {
            group_size: 2,
            allowed_fails: Some(1),
            ..CooldownParams::default()
        };
        let fail = |h: &Arc<Health>| {
            h.acquire("d", p.clone())
                .unwrap()
                .failure(ErrorClass::InternalServer, None)
        };
        assert!(!fail(&h));
        clock.advance(Duration::from_secs(6));
        assert!(!fail(&h), "the count expired with the window");
        assert!(fail(&h), "two failures in the window pass allowed_fails 1");
    }

    #[test]
    fn in_flight_counts_rise_on_acquire_and_fall_on_release_or_drop() {
        let (_, h) = setup();
        let a = h.acquire("d", single()).unwrap();
        let b = h.acquire("d", single()).unwrap();
        assert_eq!(h.busy("d"), 2);
        a.success();
        assert_eq!(h.busy("d"), 1);
        drop(b);
        assert_eq!(h.busy("d"), 0);
    }

    #[test]
    fn promotion_expires() {
        let (clock, h) = setup();
        h.promote("a", "b");
        assert_eq!(h.promoted("a").as_deref(), Some("b"));
        clock.advance(PROMOTION_TTL);
        assert_eq!(h.promoted("a"), None);
    }
}
