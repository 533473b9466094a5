//! Durations written in seconds (`timeout`, `stream_timeout`, `request_timeout`,
//! `cooldown_time`, and `fgc serve`'s time flags): which numbers are durations at all.
//!
//! The rule `out-of-range-duration` reports config values outside the range and `fgc serve`'s
//! time flags are parsed through [`seconds`], so neither a config `fgc check` accepts nor a
//! flag can hand `Duration::from_secs_f64` a value it panics on (`1e20`, `inf`).

use std::time::Duration;

/// The longest duration accepted: one year. Longer ones are typing mistakes (`1e20`), and
/// deadlines computed from them would overflow the clock.
pub const MAX_SECONDS: f64 = 365.0 * 24.0 * 3600.0;

/// Why a number of seconds is not a duration.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum DurationError {
    #[error("{0} is not a finite number of seconds")]
    NotFinite(f64),
    #[error("{0} s is negative")]
    Negative(f64),
    #[error("{0} s is longer than a year ({MAX_SECONDS} s), the longest duration fgc accepts")]
    TooLong(f64),
}

/// `secs` seconds as a `Duration`: finite, not negative, at most [`MAX_SECONDS`].
pub fn seconds(secs: f64) -> Result<Duration, DurationError> {
    if !secs.is_finite() {
        return Err(DurationError::NotFinite(secs));
    }
    if secs < 0.0 {
        return Err(DurationError::Negative(secs));
    }
    if secs > MAX_SECONDS {
        return Err(DurationError::TooLong(secs));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range() {
        assert_eq!(seconds(0.3), Ok(Duration::from_millis(300)));
        assert_eq!(seconds(0.0), Ok(Duration::ZERO));
        assert!(seconds(MAX_SECONDS).is_ok());
        assert_eq!(seconds(1e20), Err(DurationError::TooLong(1e20)));
        assert!(matches!(
            seconds(f64::NAN),
            Err(DurationError::NotFinite(_))
        ));
        assert!(matches!(
            seconds(f64::INFINITY),
            Err(DurationError::NotFinite(_))
        ));
        assert_eq!(seconds(-1.0), Err(DurationError::Negative(-1.0)));
    }
}
