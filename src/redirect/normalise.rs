//! The normalised form of a model id, which `fgc redirect` compares when an upstream does not
//! serve a standard name exactly.
//!
//! From an id such as `anthropic/Claude-Sonnet-4.5-20250929:beta`:
//! 1. the vendor path prefix is dropped (everything up to the last `/`): `Claude-Sonnet-4.5-20250929:beta`;
//! 2. a `:tag` suffix is set aside (`beta`);
//! 3. ASCII letters are lowercased;
//! 4. one trailing date is set aside (`20250929`), in its common forms: `-20250929`,
//!    `-2025-09-29`, `@20250929` (Vertex), `-250929`, `-0613` / `-2507` (month-day or
//!    year-month), `-05-20` (month-day), `-09-2025` (month-year); `-latest` and `@default`
//!    count as the undated, rolling form (`latest`);
//! 5. `.`, `_`, `-` and `@` separate tokens, and so does the boundary between a letter and a
//!    digit (`qwen3` is `qwen 3`, `gpt4o` is `gpt 4o`);
//! 6. numbers that follow each other form one version (`4-5`, `4.5` and `4_5` are all `4.5`),
//!    so `4.5` and `5.4` never meet;
//! 7. the tokens are sorted and joined with spaces: the key (`4.5 claude sonnet`).
//!
//! `claude-4.5-sonnet`, `claude_sonnet_4_5` and `anthropic/claude-sonnet-4-5-20250929` all
//! have the key of `claude-sonnet-4-5`; the date and tag decide which of them may stand for a
//! standard name (see [`super::matching`]). The key is a fixed point: normalising a key gives
//! the key back, with no date and no tag (a key has no `/`, `:`, `-`, `_` or `@`).

/// The normalised form of one model id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Norm {
    /// The token-sorted key that candidates are compared by.
    pub key: String,
    /// The same tokens in the order written: among candidates with one key, the one written
    /// in the standard name's order is the closer (`claude-opus-4` before `claude-4-opus`).
    pub order: String,
    /// The trailing date set aside, in a canonical form (`20250929`, `0613`, `latest`).
    pub date: Option<String>,
    /// The `:tag` set aside (`free`, `beta`), lowercased.
    pub tag: Option<String>,
}

/// The normalised form of `id`.
pub fn normalise(id: &str) -> Norm {
    let id = id.trim();
    let base = id.rsplit('/').next().unwrap_or(id);
    let (base, tag) = match base.split_once(':') {
        Some((b, t)) if !t.trim().is_empty() => (b, Some(t.trim().to_ascii_lowercase())),
        Some((b, _)) => (b, None),
        None => (base, None),
    };
    let lower = base.to_ascii_lowercase();
    let (stem, date) = match split_date(&lower) {
        Some((stem, date)) => (stem, Some(date)),
        None => (lower.as_str(), None),
    };
    let mut tokens = tokens(stem);
    let order = tokens.join(" ");
    tokens.sort_unstable();
    Norm {
        key: tokens.join(" "),
        order,
        date,
        tag,
    }
}

/// Separators of the date from the name before it.
fn is_date_sep(c: u8) -> bool {
    matches!(c, b'-' | b'_' | b'@')
}

/// `name` without its trailing date, and the date in canonical form. The name before the
/// date must not be empty.
fn split_date(s: &str) -> Option<(&str, String)> {
    let b = s.as_bytes();
    // The last separator-delimited part, and the one before it (for two-part forms).
    let last_sep = b.iter().rposition(|c| is_date_sep(*c))?;
    let last = &s[last_sep + 1..];
    let stem1 = &s[..last_sep];
    if stem1.is_empty() {
        return None;
    }
    let sep = b[last_sep];
    if last == "latest" || (sep == b'@' && last == "default") {
        return Some((stem1, "latest".to_string()));
    }
    if !last.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Three-part (YYYY-MM-DD) and two-part (MM-DD, MM-YYYY) forms, `-` or `_` between parts.
    if matches!(sep, b'-' | b'_')
        && let Some(mid_sep) = stem1.bytes().rposition(is_date_sep)
    {
        let mid = &stem1[mid_sep + 1..];
        let stem2 = &stem1[..mid_sep];
        if mid.len() == 2 && last.len() == 2 && digits(mid) {
            if let Some(y_sep) = stem2.bytes().rposition(is_date_sep)
                && !stem2[..y_sep].is_empty()
            {
                let year = &stem2[y_sep + 1..];
                if year.len() == 4 && digits(year) && is_ymd(year, mid, last) {
                    return Some((&stem2[..y_sep], format!("{year}{mid}{last}")));
                }
            }
            if !stem2.is_empty() && is_month(mid) && is_day(last) {
                return Some((stem2, format!("{mid}{last}")));
            }
        }
        if !stem2.is_empty() && is_month(mid) && is_year(last) {
            return Some((stem2, format!("{last}{mid}")));
        }
    }
    let date = match last.len() {
        8 if is_ymd(&last[..4], &last[4..6], &last[6..]) => last,
        6 if is_yy(&last[..2]) && is_month(&last[2..4]) && is_day(&last[4..]) => last,
        4 if (is_month(&last[..2]) && is_day(&last[2..]))
            || (is_yy(&last[..2]) && is_month(&last[2..])) =>
        {
            last
        }
        _ => return None,
    };
    Some((stem1, date.to_string()))
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

fn num(s: &str) -> u32 {
    s.parse().unwrap_or(0)
}

fn is_year(s: &str) -> bool {
    s.len() == 4 && digits(s) && (2000..=2099).contains(&num(s))
}

/// A two-digit year of the model-naming era (2020-2039).
fn is_yy(s: &str) -> bool {
    s.len() == 2 && digits(s) && (20..=39).contains(&num(s))
}

fn is_month(s: &str) -> bool {
    s.len() == 2 && digits(s) && (1..=12).contains(&num(s))
}

fn is_day(s: &str) -> bool {
    s.len() == 2 && digits(s) && (1..=31).contains(&num(s))
}

fn is_ymd(y: &str, m: &str, d: &str) -> bool {
    is_year(y) && is_month(m) && is_day(d)
}

/// The tokens of a name whose prefix, tag and date are already gone, in order.
fn tokens(s: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    // Whitespace separates groups whose numbers never merge (a key's own tokens); within a
    // group, numbers that follow each other are one version.
    for group in s.split(char::is_whitespace) {
        let mut run: Vec<&str> = Vec::new();
        for part in group.split(['-', '.', '_', '@']) {
            for piece in split_letter_digit(part) {
                if piece.bytes().all(|c| c.is_ascii_digit()) {
                    run.push(piece);
                } else {
                    if !run.is_empty() {
                        tokens.push(run.join("."));
                        run.clear();
                    }
                    tokens.push(piece.to_string());
                }
            }
        }
        if !run.is_empty() {
            tokens.push(run.join("."));
        }
    }
    tokens
}

/// `part` cut before every digit that follows an ASCII letter (`qwen3` → `qwen`, `3`);
/// empty parts are dropped.
fn split_letter_digit(part: &str) -> impl Iterator<Item = &str> {
    let b = part.as_bytes();
    let mut cuts = vec![0];
    for i in 1..b.len() {
        if b[i].is_ascii_digit() && b[i - 1].is_ascii_alphabetic() {
            cuts.push(i);
        }
    }
    cuts.push(b.len());
    (0..cuts.len() - 1)
        .map(move |i| &part[cuts[i]..cuts[i + 1]])
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> String {
        normalise(s).key
    }

    #[test]
    fn issue_examples() {
        assert_eq!(k("claude-4.5-sonnet"), k("claude-sonnet-4-5"));
        assert_eq!(k("claude_sonnet_4_5"), k("claude-sonnet-4-5"));
        let n = normalise("anthropic/claude-sonnet-4-5-20250929");
        assert_eq!(n.key, k("claude-sonnet-4.5"));
        assert_eq!(n.date.as_deref(), Some("20250929"));
        assert_eq!(k("claude-sonnet-4-5"), "4.5 claude sonnet");
    }

    #[test]
    fn versions_keep_their_order() {
        assert_ne!(k("claude-4.5-sonnet"), k("claude-5.4-sonnet"));
        assert_ne!(k("gpt-4o"), k("gpt-o4"));
        assert_ne!(k("o3-mini"), k("o4-mini"));
    }

    #[test]
    fn dates_and_tags() {
        let d = |s: &str| normalise(s).date;
        assert_eq!(d("gpt-4o-2024-08-06").as_deref(), Some("20240806"));
        assert_eq!(d("claude-3-5-haiku@20241022").as_deref(), Some("20241022"));
        assert_eq!(d("gpt-4-0613").as_deref(), Some("0613"));
        assert_eq!(d("mistral-large-2411").as_deref(), Some("2411"));
        assert_eq!(d("gemini-2.5-flash-preview-05-20").as_deref(), Some("0520"));
        assert_eq!(
            d("deep-research-pro-preview-12-2025").as_deref(),
            Some("202512")
        );
        assert_eq!(d("doubao-1-5-pro-32k-250115").as_deref(), Some("250115"));
        assert_eq!(d("mistral-large-latest").as_deref(), Some("latest"));
        assert_eq!(d("claude-opus-4-6@default").as_deref(), Some("latest"));
        assert_eq!(d("gpt-4-1106-preview"), None);
        assert_eq!(d("claude-opus-4-5"), None);
        assert_eq!(d("qwen3-235b-a22b-instruct-2507").as_deref(), Some("2507"));
        assert_eq!(d("0613"), None);
        assert_eq!(d("x-8192"), None);
        let t = normalise("meta-llama/llama-3.3-70b-instruct:free");
        assert_eq!(t.tag.as_deref(), Some("free"));
        assert_eq!(t.key, k("llama-3.3-70b-instruct"));
    }

    #[test]
    fn key_is_a_fixed_point() {
        for id in [
            "anthropic/claude-sonnet-4-5-20250929",
            "x-1-a-0613-b",
            "Qwen/Qwen3-235B-A22B-Instruct-2507",
            "zz@20240620-a",
            "1-a-2",
            "latest-a-latest",
        ] {
            let n = normalise(id);
            let again = normalise(&n.key);
            assert_eq!(again.key, n.key, "{id}");
            assert_eq!((again.date, again.tag), (None, None), "{id}");
        }
    }
}
