//! Per-deployment health: a circuit breaker (seed 004) and fallback promotion.
//!
//! closed --`allowed_fails` consecutive failures--> open --`cooldown` passed, one probe-->
//! half-open --2 successes--> closed; a failure while half-open opens it again. Time comes
//! from a [`Clock`] so tests can move it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Successes in half-open that close the circuit again.
pub const HALF_OPEN_SUCCESSES: u32 = 2;
/// How long a fallback that served while the primary was open keeps serving it first.
pub const PROMOTION_TTL: Duration = Duration::from_secs(600);

/// The time source of the breaker.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Instant;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
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
}

/// The circuit state of one deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Circuit {
    Closed { fails: u32 },
    Open { since: Instant },
    HalfOpen { successes: u32, probing: bool },
}

impl Circuit {
    pub fn name(&self) -> &'static str {
        match self {
            Circuit::Closed { .. } => "closed",
            Circuit::Open { .. } => "open",
            Circuit::HalfOpen { .. } => "half-open",
        }
    }
}

/// Health of every deployment, kept across reloads (keyed by deployment id).
#[derive(Debug)]
pub struct Health {
    clock: Arc<dyn Clock>,
    circuits: Mutex<HashMap<String, Circuit>>,
    /// alias -> (promoted fallback alias, until).
    promoted: Mutex<HashMap<String, (String, Instant)>>,
    in_flight: Mutex<HashMap<String, u32>>,
}

impl Health {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Health {
            clock,
            circuits: Mutex::new(HashMap::new()),
            promoted: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The state of `id` (closed when never seen).
    pub fn state(&self, id: &str) -> Circuit {
        let c = self.circuits.lock().unwrap_or_else(|e| e.into_inner());
        c.get(id).copied().unwrap_or(Circuit::Closed { fails: 0 })
    }

    /// Whether `id` may take a request now without changing anything (for selection).
    pub fn available(&self, id: &str, cooldown: Duration) -> bool {
        match self.state(id) {
            Circuit::Closed { .. } => true,
            Circuit::Open { since } => self.now().saturating_duration_since(since) >= cooldown,
            Circuit::HalfOpen { probing, .. } => !probing,
        }
    }

    /// Take `id` for one request. `None` when its circuit refuses (open, or a probe already
    /// out). An open circuit past its cooldown lets this request through as the probe.
    pub fn acquire(self: &Arc<Self>, id: &str, cooldown: Duration) -> Option<Permit> {
        let now = self.now();
        let mut c = self.circuits.lock().unwrap_or_else(|e| e.into_inner());
        let st = c
            .entry(id.to_string())
            .or_insert(Circuit::Closed { fails: 0 });
        let probe = match *st {
            Circuit::Closed { .. } => false,
            Circuit::Open { since } if now.saturating_duration_since(since) >= cooldown => {
                *st = Circuit::HalfOpen {
                    successes: 0,
                    probing: true,
                };
                true
            }
            Circuit::Open { .. } => return None,
            Circuit::HalfOpen { probing: true, .. } => return None,
            Circuit::HalfOpen {
                successes,
                probing: false,
            } => {
                *st = Circuit::HalfOpen {
                    successes,
                    probing: true,
                };
                true
            }
        };
        drop(c);
        *self
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id.to_string())
            .or_default() += 1;
        Some(Permit {
            health: Arc::clone(self),
            id: id.to_string(),
            probe,
            done: false,
        })
    }

    fn record(&self, id: &str, ok: bool, allowed_fails: u32) {
        let now = self.now();
        let mut c = self.circuits.lock().unwrap_or_else(|e| e.into_inner());
        let st = c
            .entry(id.to_string())
            .or_insert(Circuit::Closed { fails: 0 });
        *st = match (*st, ok) {
            (Circuit::Closed { .. }, true) => Circuit::Closed { fails: 0 },
            (Circuit::Closed { fails }, false) if fails + 1 >= allowed_fails => {
                Circuit::Open { since: now }
            }
            (Circuit::Closed { fails }, false) => Circuit::Closed { fails: fails + 1 },
            (Circuit::HalfOpen { successes, .. }, true) if successes + 1 >= HALF_OPEN_SUCCESSES => {
                Circuit::Closed { fails: 0 }
            }
            (Circuit::HalfOpen { successes, .. }, true) => Circuit::HalfOpen {
                successes: successes + 1,
                probing: false,
            },
            (Circuit::HalfOpen { .. }, false) => Circuit::Open { since: now },
            // A result from a request taken before the circuit opened.
            (Circuit::Open { since }, _) => Circuit::Open { since },
        };
    }

    fn release(&self, id: &str, probe: bool) {
        if probe {
            let mut c = self.circuits.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(Circuit::HalfOpen { probing, .. }) = c.get_mut(id) {
                *probing = false;
            }
        }
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
    probe: bool,
    done: bool,
}

impl Permit {
    pub fn success(mut self, allowed_fails: u32) {
        self.health.record(&self.id, true, allowed_fails);
        self.finish();
    }

    pub fn failure(mut self, allowed_fails: u32) {
        self.health.record(&self.id, false, allowed_fails);
        self.finish();
    }

    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            // After a recorded outcome the probe flag is already settled.
            self.health.release(&self.id, false);
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            self.done = true;
            self.health.release(&self.id, self.probe);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL: Duration = Duration::from_secs(300);

    fn setup() -> (Arc<ManualClock>, Arc<Health>) {
        let clock = Arc::new(ManualClock::default());
        (clock.clone(), Arc::new(Health::new(clock)))
    }

    fn fail(h: &Arc<Health>) {
        h.acquire("d", COOL).expect("available").failure(3);
    }

    #[test]
    fn opens_after_three_consecutive_failures() {
        let (_, h) = setup();
        fail(&h);
        fail(&h);
        assert_eq!(h.state("d"), Circuit::Closed { fails: 2 });
        h.acquire("d", COOL).unwrap().success(3);
        assert_eq!(
            h.state("d"),
            Circuit::Closed { fails: 0 },
            "a success resets the count"
        );
        fail(&h);
        fail(&h);
        fail(&h);
        assert_eq!(h.state("d").name(), "open");
        assert!(h.acquire("d", COOL).is_none());
    }

    #[test]
    fn half_open_probe_then_closed_after_two_successes() {
        let (clock, h) = setup();
        for _ in 0..3 {
            fail(&h);
        }
        clock.advance(COOL - Duration::from_secs(1));
        assert!(h.acquire("d", COOL).is_none(), "still cooling down");
        clock.advance(Duration::from_secs(1));
        let probe = h.acquire("d", COOL).expect("probe");
        assert!(h.acquire("d", COOL).is_none(), "one probe at a time");
        probe.success(3);
        assert_eq!(
            h.state("d"),
            Circuit::HalfOpen {
                successes: 1,
                probing: false
            }
        );
        h.acquire("d", COOL).unwrap().success(3);
        assert_eq!(h.state("d"), Circuit::Closed { fails: 0 });
    }

    #[test]
    fn half_open_failure_reopens() {
        let (clock, h) = setup();
        for _ in 0..3 {
            fail(&h);
        }
        clock.advance(COOL);
        h.acquire("d", COOL).unwrap().failure(3);
        assert_eq!(h.state("d").name(), "open");
        assert!(h.acquire("d", COOL).is_none(), "the cooldown starts again");
    }

    #[test]
    fn dropped_probe_frees_the_slot() {
        let (clock, h) = setup();
        for _ in 0..3 {
            fail(&h);
        }
        clock.advance(COOL);
        drop(h.acquire("d", COOL).unwrap());
        assert!(h.acquire("d", COOL).is_some());
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
