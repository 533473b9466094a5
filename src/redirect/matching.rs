//! Matching standard names to one upstream's model ids.
//!
//! 1. A standard name the upstream serves exactly is mapped to itself.
//! 2. Otherwise the candidates are the models whose normalised key ([`super::normalise`])
//!    equals the standard name's, and whose date and tag are compatible: a dated standard name
//!    only takes the same date (`gpt-4o-2024-08-06` never takes `gpt-4o-2024-11-20`), a tagged
//!    one only the same tag. Dated standard names are matched before undated ones, so each
//!    gets its own date first.
//! 3. Among the candidates not yet used, the closest wins. The distance adds up what the
//!    candidate has that the standard name does not: a date (2; the rolling `-latest` 1), a
//!    tag (2), its words in another order (1: `claude-4-opus` for `claude-opus-4`). Two at the
//!    same distance are ambiguous, and nothing is guessed.
//! 4. Each model is used at most once; a standard name whose candidates are all taken is
//!    reported as "already used".

use std::collections::HashMap;

use super::normalise::{Norm, normalise};

/// A standard name with its normalised form.
#[derive(Clone, Debug)]
pub struct Standard {
    pub name: String,
    pub norm: Norm,
}

impl Standard {
    pub fn new(name: &str) -> Self {
        Standard {
            name: name.to_string(),
            norm: normalise(name),
        }
    }
}

/// What became of one standard name on one upstream. Indices are into the model list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not looked at (the caller said so: a hand-written entry already serves it).
    Skipped,
    /// The upstream serves the standard name as it is.
    Exact(usize),
    /// The one closest candidate by normalised key.
    Normalised(usize),
    NotFound,
    /// Several candidates at the same distance.
    Ambiguous(Vec<usize>),
    /// Every candidate is already mapped: `actual` to the standard name `by`.
    AlreadyUsed {
        actual: usize,
        by: usize,
    },
}

impl Outcome {
    /// The model the standard name is mapped to.
    pub fn actual(&self) -> Option<usize> {
        match self {
            Outcome::Exact(a) | Outcome::Normalised(a) => Some(*a),
            _ => None,
        }
    }
}

/// How far a candidate is from a standard name, or `None` when it may not stand for it.
fn distance(std: &Norm, cand: &Norm) -> Option<u32> {
    let date = match (std.date.as_deref(), cand.date.as_deref()) {
        (Some(a), Some(b)) if a == b => 0,
        (Some(_), _) => return None,
        (None, None) => 0,
        (None, Some("latest")) => 1,
        (None, Some(_)) => 2,
    };
    let tag = match (std.tag.as_deref(), cand.tag.as_deref()) {
        (Some(a), Some(b)) if a == b => 0,
        (Some(_), _) => return None,
        (None, None) => 0,
        (None, Some(_)) => 2,
    };
    let order = u32::from(std.order != cand.order);
    Some(date + tag + order)
}

/// Match every standard name against `models` (an upstream's ids, each considered once).
/// `skip[i]` leaves standard name `i` out. The result has one outcome per standard name.
pub fn match_upstream(standards: &[Standard], models: &[String], skip: &[bool]) -> Vec<Outcome> {
    let mut exact: HashMap<&str, usize> = HashMap::with_capacity(models.len());
    for (i, m) in models.iter().enumerate() {
        exact.entry(m.as_str()).or_insert(i);
    }
    let norms: Vec<Norm> = models.iter().map(|m| normalise(m)).collect();
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::with_capacity(models.len());
    for (i, n) in norms.iter().enumerate() {
        // A model id listed twice is one model.
        if exact.get(models[i].as_str()) == Some(&i) {
            by_key.entry(n.key.as_str()).or_default().push(i);
        }
    }
    let mut used: Vec<Option<usize>> = vec![None; models.len()];
    let mut out = vec![Outcome::NotFound; standards.len()];
    let skipped = |i: usize| skip.get(i).copied().unwrap_or(false);
    for (i, s) in standards.iter().enumerate() {
        if skipped(i) {
            out[i] = Outcome::Skipped;
        } else if let Some(&a) = exact.get(s.name.as_str()) {
            used[a] = Some(i);
            out[i] = Outcome::Exact(a);
        }
    }
    // Dated standard names first: each takes its own date before an undated name looks.
    let pending: Vec<usize> = (0..standards.len())
        .filter(|&i| out[i] == Outcome::NotFound)
        .collect();
    let (dated, undated): (Vec<usize>, Vec<usize>) = pending
        .into_iter()
        .partition(|&i| standards[i].norm.date.is_some());
    for i in dated.into_iter().chain(undated) {
        let s = &standards[i].norm;
        let mut cands: Vec<(u32, usize)> = by_key
            .get(s.key.as_str())
            .map(|v| {
                v.iter()
                    .filter_map(|&a| distance(s, &norms[a]).map(|d| (d, a)))
                    .collect()
            })
            .unwrap_or_default();
        if cands.is_empty() {
            continue;
        }
        cands.sort_unstable();
        let free: Vec<(u32, usize)> = cands
            .iter()
            .copied()
            .filter(|(_, a)| used[*a].is_none())
            .collect();
        let Some(&(best, _)) = free.first() else {
            let (_, a) = cands[0];
            out[i] = Outcome::AlreadyUsed {
                actual: a,
                by: used[a].unwrap_or(i),
            };
            continue;
        };
        let closest: Vec<usize> = free
            .iter()
            .take_while(|(d, _)| *d == best)
            .map(|(_, a)| *a)
            .collect();
        if let [a] = closest[..] {
            used[a] = Some(i);
            out[i] = Outcome::Normalised(a);
        } else {
            out[i] = Outcome::Ambiguous(closest);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stds: &[&str], models: &[&str]) -> Vec<(String, String)> {
        let s: Vec<Standard> = stds.iter().map(|n| Standard::new(n)).collect();
        let m: Vec<String> = models.iter().map(|s| s.to_string()).collect();
        match_upstream(&s, &m, &[])
            .into_iter()
            .zip(stds)
            .map(|(o, n)| {
                let r = match o {
                    Outcome::Exact(a) => format!("= {}", m[a]),
                    Outcome::Normalised(a) => format!("~ {}", m[a]),
                    Outcome::NotFound => "not found".into(),
                    Outcome::Ambiguous(v) => format!(
                        "ambiguous {}",
                        v.iter()
                            .map(|a| m[*a].as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                    Outcome::AlreadyUsed { actual, by } => {
                        format!("used {} by {}", m[actual], stds[by])
                    }
                    Outcome::Skipped => "skipped".into(),
                };
                (n.to_string(), r)
            })
            .collect()
    }

    #[test]
    fn exact_then_normalised() {
        let r = run(
            &["gpt-4o", "claude-sonnet-4-5", "claude-haiku-4-5"],
            &[
                "gpt-4o",
                "anthropic/claude-sonnet-4.5",
                "claude-4.5-haiku-20251001",
            ],
        );
        assert_eq!(r[0].1, "= gpt-4o");
        assert_eq!(r[1].1, "~ anthropic/claude-sonnet-4.5");
        assert_eq!(r[2].1, "~ claude-4.5-haiku-20251001");
    }

    #[test]
    fn never_guesses() {
        let r = run(
            &["gpt-4o"],
            &["openai/gpt-4o-2024-08-06", "openai/gpt-4o-2024-11-20"],
        );
        assert!(r[0].1.starts_with("ambiguous"), "{r:?}");
    }

    #[test]
    fn dated_names_keep_their_date() {
        let r = run(
            &["gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-05-13"],
            &["openai/gpt-4o-2024-08-06", "openai/gpt-4o-2024-11-20"],
        );
        assert_eq!(r[1].1, "~ openai/gpt-4o-2024-08-06");
        assert_eq!(r[2].1, "not found");
        // The undated name takes the one left (the other is used).
        assert_eq!(r[0].1, "~ openai/gpt-4o-2024-11-20");
    }

    #[test]
    fn closest_wins_and_each_model_once() {
        let r = run(
            &[
                "mistral-large",
                "llama-3.3-70b-instruct",
                "llama-3-3-70b-instruct",
            ],
            &[
                "mistral-large-2512",
                "mistral-large-latest",
                "meta-llama/llama-3.3-70b-instruct:free",
                "meta-llama/llama-3.3-70b-instruct",
            ],
        );
        assert_eq!(r[0].1, "~ mistral-large-latest");
        assert_eq!(r[1].1, "~ meta-llama/llama-3.3-70b-instruct");
        assert_eq!(
            r[2].1, "~ meta-llama/llama-3.3-70b-instruct:free",
            "the next closest, since the first is used"
        );
        let r = run(&["a-1", "a_1"], &["A.1"]);
        assert_eq!(r[0].1, "~ A.1");
        assert_eq!(r[1].1, "used A.1 by a-1");
    }
}
