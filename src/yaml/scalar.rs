//! Plain scalars: what a plain (unquoted) scalar means, and whether a string may be written
//! plain.
//!
//! LiteLLM reads its config with PyYAML's `safe_load`, which resolves plain scalars by the
//! YAML 1.1 rules, so fgc reads the whole of flowgate.yaml the same way ([`resolve`]): `yes`,
//! `no`, `on`, `off` are booleans (`y` and `n` are not), `20_000` and `1:30` (sexagesimal)
//! are integers, `0777` is octal, `1e5` (no dot) is a string, `2024-01-01` is a date. The
//! patterns below are PyYAML's own (`yaml/resolver.py`, `Resolver.add_implicit_resolver`),
//! checked against PyYAML in the tests. docs/check.md lists the differences from YAML 1.2.
//!
//! [`plain_ok`] is the one answer to "may this string be written unquoted" for every writer
//! (`fgc rename`, `fgc emit`): only when YAML 1.1 *and* YAML 1.2 read it back as the same
//! string, so the output means the same to PyYAML and to any other YAML tool.

use std::sync::OnceLock;

use regex::Regex;

use super::NodeKind;

/// PyYAML's `tag:yaml.org,2002:float` pattern.
const FLOAT_11: &str = r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$";
/// PyYAML's `tag:yaml.org,2002:int` pattern.
const INT_11: &str = r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$";
/// PyYAML's `tag:yaml.org,2002:timestamp` pattern (its verbose regex, spaces removed).
const TIMESTAMP_11: &str = r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$";

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("PyYAML's patterns compile"))
}

fn float_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, FLOAT_11)
}

fn int_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, INT_11)
}

fn timestamp_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, TIMESTAMP_11)
}

/// What PyYAML's `safe_load` makes of the plain scalar `v` (YAML 1.1).
pub fn resolve(v: &str) -> NodeKind {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return NodeKind::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return NodeKind::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN),
        _ => {}
    }
    let b = v.as_bytes();
    if !(b[0].is_ascii_digit() || matches!(b[0], b'-' | b'+' | b'.')) {
        return NodeKind::Str(v.to_owned());
    }
    // The common case without a regex: a plain decimal integer.
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
    {
        if let Ok(i) = v.parse::<i64>() {
            return NodeKind::Int(i);
        }
        return v
            .parse::<f64>()
            .map_or(NodeKind::Str(v.to_owned()), NodeKind::Float);
    }
    if float_re().is_match(v) {
        return construct_float(v).map_or(NodeKind::Str(v.to_owned()), NodeKind::Float);
    }
    if int_re().is_match(v) {
        return construct_int(v).unwrap_or(NodeKind::Str(v.to_owned()));
    }
    if b[0].is_ascii_digit() && timestamp_re().is_match(v) {
        return NodeKind::Timestamp(v.to_owned());
    }
    NodeKind::Str(v.to_owned())
}

/// PyYAML's `construct_yaml_int` on text that matched [`INT_11`].
fn construct_int(v: &str) -> Option<NodeKind> {
    let v = v.replace('_', "");
    let (neg, body) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v.as_str()),
    };
    let magnitude: i128 = if body == "0" {
        0
    } else if let Some(bin) = body.strip_prefix("0b") {
        i128::from_str_radix(bin, 2).ok()?
    } else if let Some(hex) = body.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()?
    } else if body.starts_with('0') {
        i128::from_str_radix(body, 8).ok()?
    } else if body.contains(':') {
        let mut n: i128 = 0;
        for part in body.split(':') {
            n = n.checked_mul(60)?.checked_add(part.parse::<i128>().ok()?)?;
        }
        n
    } else {
        body.parse::<i128>().ok()?
    };
    let n = if neg { -magnitude } else { magnitude };
    Some(match i64::try_from(n) {
        Ok(i) => NodeKind::Int(i),
        // PyYAML has big integers; a value beyond i64 is kept as the nearest float.
        Err(_) => NodeKind::Float(n as f64),
    })
}

/// PyYAML's `construct_yaml_float` on text that matched [`FLOAT_11`].
fn construct_float(v: &str) -> Option<f64> {
    let v = v.replace('_', "").to_ascii_lowercase();
    let (sign, body) = match v.as_bytes().first() {
        Some(b'-') => (-1.0, &v[1..]),
        Some(b'+') => (1.0, &v[1..]),
        _ => (1.0, v.as_str()),
    };
    let f = match body {
        ".inf" => f64::INFINITY,
        ".nan" => f64::NAN,
        _ if body.contains(':') => {
            let mut n = 0.0;
            for part in body.split(':') {
                n = n * 60.0 + parse_f64(part)?;
            }
            n
        }
        _ => parse_f64(body)?,
    };
    Some(sign * f)
}

/// `1.` and `.5` as Python's `float()` reads them.
fn parse_f64(s: &str) -> Option<f64> {
    if s.ends_with('.') {
        return format!("{s}0").parse().ok();
    }
    if s.starts_with('.') {
        return format!("0{s}").parse().ok();
    }
    s.parse().ok()
}

/// Whether a YAML 1.2 core-schema reader would read the plain scalar `v` as something other
/// than a string (for [`plain_ok`], so what fgc writes means the same to every YAML tool).
fn special_in_yaml12(v: &str) -> bool {
    if matches!(
        v,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) {
        return true;
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    let int = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let hex = v
        .strip_prefix("0x")
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let oct = v
        .strip_prefix("0o")
        .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| (b'0'..=b'7').contains(&b)));
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let float = {
        let (mant, exp) = match digits.find(['e', 'E']) {
            Some(i) => (&digits[..i], Some(&digits[i + 1..])),
            None => (digits, None),
        };
        let all_digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
        let mant_ok = match mant.split_once('.') {
            Some((a, b)) => all_digits(a) && all_digits(b) && !(a.is_empty() && b.is_empty()),
            None => !mant.is_empty() && all_digits(mant),
        };
        let exp_ok = exp.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
        });
        mant_ok && exp_ok
    };
    int || hex || oct || float
}

/// Whether the string `s`, written as a plain scalar, reads back as the string `s` in YAML 1.1
/// (PyYAML, LiteLLM, fgc) and in YAML 1.2. `flow` says whether it sits inside a flow
/// collection (`[..]`, `{..}`), where `,[]{}` end a plain scalar. Conservative: when in doubt,
/// the answer is no and the writer quotes.
pub fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // Indicators that start something else. `?` and `:` start a plain scalar only before a
    // non-space; fgc quotes them anyway. `-` followed by a non-space (`-x`) is a plain scalar.
    if "?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return false;
    }
    if first == '-' && s[1..].chars().next().is_none_or(char::is_whitespace) {
        return false;
    }
    if s.ends_with(':') || s.ends_with(char::is_whitespace) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.contains(":\t") || s.contains("\t#") {
        return false;
    }
    if s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{feff}' | '\u{85}' | '\u{2028}' | '\u{2029}'))
    {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    // `a:b` is one plain scalar in block context, but a flow mapping may read `a:` as a key.
    if flow && s.contains(':') {
        return false;
    }
    // `<<` is a merge key and `=` PyYAML's value tag (which safe_load refuses).
    if s == "<<" || s == "=" {
        return false;
    }
    matches!(resolve(s), NodeKind::Str(_)) && !special_in_yaml12(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(v: &str) -> NodeKind {
        resolve(v)
    }

    /// Each case as PyYAML 6 `safe_load` reads `k: <case>` (checked by hand with PyYAML;
    /// tests/fixtures/yaml11/ has the larger corpus).
    #[test]
    fn pyyaml_cases() {
        use NodeKind::*;
        assert_eq!(k("1e5"), Str("1e5".into()));
        assert_eq!(k("1.0e5"), Str("1.0e5".into()));
        assert_eq!(k("1.0e+5"), Float(100000.0));
        assert_eq!(k("0777"), Int(511));
        assert_eq!(k("09"), Str("09".into()));
        assert_eq!(k("0o17"), Str("0o17".into()));
        assert_eq!(k("0b101"), Int(5));
        assert_eq!(k("1:30"), Int(90));
        assert_eq!(k("190:20:30"), Int(685230));
        assert_eq!(k("1:30.5"), Float(90.5));
        assert_eq!(k("20_000"), Int(20000));
        assert_eq!(k("1_000.5"), Float(1000.5));
        assert_eq!(k(".5"), Float(0.5));
        assert_eq!(k("-.5"), Str("-.5".into()));
        assert_eq!(k("1."), Float(1.0));
        assert_eq!(k("y"), Str("y".into()));
        assert_eq!(k("n"), Str("n".into()));
        assert_eq!(k("yes"), Bool(true));
        assert_eq!(k("On"), Bool(true));
        assert_eq!(k("OFF"), Bool(false));
        assert_eq!(k("2024-01-01"), Timestamp("2024-01-01".into()));
        assert_eq!(
            k("2024-01-01 10:00:00"),
            Timestamp("2024-01-01 10:00:00".into())
        );
        assert_eq!(k("0x_1F"), Int(31));
        assert_eq!(k("-1:30"), Int(-90));
        assert_eq!(k("1:60"), Str("1:60".into()));
        assert_eq!(k("0:30"), Str("0:30".into()));
        assert_eq!(k("00"), Int(0));
        assert_eq!(k("1_"), Int(1));
        assert_eq!(k("+.NaN"), Str("+.NaN".into()));
        assert_eq!(k("NaN"), Str("NaN".into()));
        assert_eq!(k("tRue"), Str("tRue".into()));
        assert_eq!(k("Null"), Null);
        assert_eq!(k("~"), Null);
    }

    #[test]
    fn plain_rules() {
        assert!(plain_ok("router-main", false));
        assert!(plain_ok("router-main", true));
        assert!(plain_ok("gpt-5.2", true));
        assert!(plain_ok("openai/gpt-5.2", false));
        assert!(plain_ok("http://127.0.0.1:4000/v1", false));
        assert!(plain_ok("os.environ/KEY", false));
        assert!(plain_ok("a:b", false));
        assert!(!plain_ok("a:b", true));
        assert!(plain_ok("a,b", false));
        assert!(!plain_ok("a,b", true));
        assert!(plain_ok("y", false), "a string in YAML 1.1 and 1.2");
        assert!(plain_ok("-x", false));
        // Read otherwise by YAML 1.1 (PyYAML) or 1.2; emit::yaml's tests cover the indicators.
        for s in [
            "",
            "yes",
            "No",
            "on",
            "OFF",
            "null",
            "~",
            "1",
            "1.5",
            "1e3",
            "0x1F",
            "0o17",
            "1:30",
            "2026-01-01",
            "20_000",
            "0777",
            "<<",
            "=",
            ".inf",
            "-.5",
            "-1:30",
            "0b101",
            "1.",
        ] {
            assert!(!plain_ok(s, false), "{s:?} must be quoted");
        }
    }
}
