//! The times `fgc usage --since/--until` and `/api/usage?since=&until=` take, and the day
//! labels of the daily series. All in UTC.
//!
//! - a duration back from now: `90m`, `24h`, `7d`, `2w`
//! - a day: `2026-11-01` (its midnight, UTC)
//! - an RFC 3339 time: `2026-11-01T08:30:00Z`, `2026-11-01T16:30:00+08:00`
//! - Unix milliseconds: `1764547200000`
//!
//! The calendar arithmetic is the civil-from-days algorithm (H. Hinnant), a dozen lines: the
//! whole date library fgc would otherwise pull in is not worth it for parsing a day.

use std::time::{SystemTime, UNIX_EPOCH};

const DAY_MS: i64 = 86_400_000;

/// Why a time was not understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{0}` is not a time: use a duration back from now (`90m`, `24h`, `7d`, `2w`), a day (`2026-11-01`), an RFC 3339 time (`2026-11-01T08:30:00Z`) or Unix milliseconds"
)]
pub struct BadTime(pub String);

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `text` as Unix milliseconds, durations counted back from `now`.
pub fn parse(text: &str, now: i64) -> Result<i64, BadTime> {
    let t = text.trim();
    let bad = || BadTime(text.chars().take(80).collect());
    if t.is_empty() {
        return Err(bad());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().map_err(|_| bad());
    }
    if let Some(unit) = t.chars().last().filter(|c| c.is_ascii_alphabetic())
        && t[..t.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && t.len() > 1
    {
        let n: i64 = t[..t.len() - 1].parse().map_err(|_| bad())?;
        let ms = match unit {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => DAY_MS,
            'w' => 7 * DAY_MS,
            _ => return Err(bad()),
        };
        return n
            .checked_mul(ms)
            .and_then(|d| now.checked_sub(d))
            .ok_or_else(bad);
    }
    rfc3339(t).ok_or_else(bad)
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.frac]](Z|±HH:MM)` (a space for `T` too).
pub fn rfc3339(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&d) {
        return None;
    }
    let day = days_from_civil(y, mo, d) * DAY_MS;
    if b.len() == 10 {
        return Some(day);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let mut i = 16;
    let mut s = 0;
    let mut frac_ms = 0;
    if b.get(i) == Some(&b':') {
        s = num(i + 1..i + 3)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let digits = t.get(start..i.min(start + 3))?;
            if digits.is_empty() {
                return None;
            }
            frac_ms = digits.parse::<i64>().ok()? * 10_i64.pow(3 - digits.len() as u32);
        }
    }
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let offset_min = match t.get(i..)? {
        "Z" | "z" => 0,
        o if o.len() == 6 && matches!(&o[..1], "+" | "-") && &o[3..4] == ":" => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let v = oh * 60 + om;
            if &o[..1] == "-" { -v } else { v }
        }
        _ => return None,
    };
    Some(day + ((h * 60 + mi - offset_min) * 60 + s) * 1000 + frac_ms)
}

/// The UTC day of `ts_ms`, as `YYYY-MM-DD`.
pub fn day_label(ts_ms: i64) -> String {
    let (y, m, d) = civil_from_days(ts_ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `ts_ms` as an RFC 3339 UTC time to the second.
pub fn rfc3339_label(ts_ms: i64) -> String {
    let secs = ts_ms.div_euclid(1000);
    let s = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        day_label(ts_ms),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let now = 1_764_547_200_000; // 2025-12-01T00:00:00Z
        assert_eq!(parse("2025-12-01", now), Ok(now));
        assert_eq!(parse("7d", now), Ok(now - 7 * DAY_MS));
        assert_eq!(parse("90m", now), Ok(now - 90 * 60_000));
        assert_eq!(parse("2025-12-01T08:00:00+08:00", now), Ok(now));
        assert_eq!(parse("2025-12-01T00:00:01.5Z", now), Ok(now + 1500));
        assert_eq!(parse("2025-12-01 00:01Z", now), Ok(now + 60_000));
        assert_eq!(parse("1764547200000", now), Ok(now));
        for bad in [
            "",
            "7y",
            "d",
            "2025-13-01",
            "2025-02-30",
            "yesterday",
            "2025-12-01T25:00Z",
        ] {
            assert!(parse(bad, now).is_err(), "{bad}");
        }
        assert_eq!(day_label(now - 1), "2025-11-30");
        assert_eq!(rfc3339_label(now + 3_723_000), "2025-12-01T01:02:03Z");
    }

    #[test]
    fn days_round_trip() {
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
