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

use super::NodeKind;

/// PyYAML's `tag:yaml.org,2002:float` pattern (`yaml/resolver.py`), which
/// [`is_float_11`] implements; the tests check one against the other.
pub const FLOAT_11: &str = r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$";
/// PyYAML's `tag:yaml.org,2002:int` pattern, implemented by [`is_int_11`].
pub const INT_11: &str = r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$";
/// PyYAML's `tag:yaml.org,2002:timestamp` pattern (its verbose regex, spaces removed),
/// implemented by [`is_timestamp_11`].
pub const TIMESTAMP_11: &str = r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$";

// The patterns are matched by hand rather than with a regex: compiling three regexes costs
// more than checking the whole of a small config (`fgc check` is a pre-commit hook).

/// A cursor over the bytes of a scalar.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, f: impl Fn(u8) -> bool) -> bool {
        match self.peek() {
            Some(c) if f(c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }
    /// Consume bytes while `f` holds; how many.
    fn eat_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.eat(&f) {}
        self.i - start
    }
    fn at_end(&self) -> bool {
        self.i == self.b.len()
    }
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}
fn digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}
fn sign(c: u8) -> bool {
    c == b'+' || c == b'-'
}

/// `(:[0-5]?[0-9])+`: one or more sexagesimal groups.
fn sexagesimal_groups(c: &mut Cur) -> bool {
    let mut groups = 0;
    while c.eat(|x| x == b':') {
        let n = c.eat_while(digit);
        let first = c.b[c.i - n..].first().copied();
        let ok = n == 1 || (n == 2 && first.is_some_and(|f| f <= b'5'));
        if !ok {
            return false;
        }
        groups += 1;
    }
    groups > 0
}

/// `([eE][-+][0-9]+)?` and the end.
fn exponent_then_end(c: &mut Cur) -> bool {
    if c.eat(|x| x == b'e' || x == b'E') && (!c.eat(sign) || c.eat_while(digit) == 0) {
        return false;
    }
    c.at_end()
}

/// Whether `v` matches [`FLOAT_11`].
pub fn is_float_11(v: &str) -> bool {
    let b = v.as_bytes();
    if matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let unsigned = b
        .strip_prefix(b"+")
        .or_else(|| b.strip_prefix(b"-"))
        .unwrap_or(b);
    if matches!(unsigned, b".inf" | b".Inf" | b".INF") {
        return true;
    }
    // `\.[0-9][0-9_]*(exponent)?`, without a sign.
    if b.first() == Some(&b'.') {
        let mut c = Cur { b, i: 1 };
        return c.eat(digit) && {
            c.eat_while(digit_);
            exponent_then_end(&mut c)
        };
    }
    let mut c = Cur { b: unsigned, i: 0 };
    if !c.eat(digit) {
        return false;
    }
    c.eat_while(digit_);
    if c.peek() == Some(b':') {
        // `[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*`
        if !sexagesimal_groups(&mut c) || !c.eat(|x| x == b'.') {
            return false;
        }
        c.eat_while(digit_);
        return c.at_end();
    }
    if !c.eat(|x| x == b'.') {
        return false;
    }
    c.eat_while(digit_);
    exponent_then_end(&mut c)
}

/// Whether `v` matches [`INT_11`].
pub fn is_int_11(v: &str) -> bool {
    let b = v.as_bytes();
    let b = b
        .strip_prefix(b"+")
        .or_else(|| b.strip_prefix(b"-"))
        .unwrap_or(b);
    let all = |s: &[u8], f: fn(u8) -> bool| !s.is_empty() && s.iter().all(|&c| f(c));
    if let Some(rest) = b.strip_prefix(b"0b") {
        return all(rest, |c| c == b'0' || c == b'1' || c == b'_');
    }
    if let Some(rest) = b.strip_prefix(b"0x") {
        return all(rest, |c| c.is_ascii_hexdigit() || c == b'_');
    }
    if b == b"0" {
        return true;
    }
    if let Some(rest) = b.strip_prefix(b"0") {
        return all(rest, |c| (b'0'..=b'7').contains(&c) || c == b'_');
    }
    let mut c = Cur { b, i: 0 };
    if !c.eat(|x| (b'1'..=b'9').contains(&x)) {
        return false;
    }
    c.eat_while(digit_);
    c.at_end() || (sexagesimal_groups(&mut c) && c.at_end())
}

/// Whether `v` matches [`TIMESTAMP_11`].
pub fn is_timestamp_11(v: &str) -> bool {
    let mut c = Cur {
        b: v.as_bytes(),
        i: 0,
    };
    if c.eat_while(digit) != 4 || !c.eat(|x| x == b'-') {
        return false;
    }
    let month = c.eat_while(digit);
    if !(1..=2).contains(&month) || !c.eat(|x| x == b'-') {
        return false;
    }
    let day = c.eat_while(digit);
    if !(1..=2).contains(&day) {
        return false;
    }
    if c.at_end() {
        return month == 2 && day == 2;
    }
    // `([Tt]|[ \t]+)` then the time.
    if !c.eat(|x| x == b'T' || x == b't') && c.eat_while(|x| x == b' ' || x == b'\t') == 0 {
        return false;
    }
    let hour = c.eat_while(digit);
    if !(1..=2).contains(&hour)
        || !c.eat(|x| x == b':')
        || c.eat_while(digit) != 2
        || !c.eat(|x| x == b':')
        || c.eat_while(digit) != 2
    {
        return false;
    }
    if c.eat(|x| x == b'.') {
        c.eat_while(digit);
    }
    if c.at_end() {
        return true;
    }
    c.eat_while(|x| x == b' ' || x == b'\t');
    if c.eat(|x| x == b'Z') {
        return c.at_end();
    }
    if !c.eat(sign) || !(1..=2).contains(&c.eat_while(digit)) {
        return false;
    }
    if c.eat(|x| x == b':') && c.eat_while(digit) != 2 {
        return false;
    }
    c.at_end()
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
    if is_float_11(v) {
        return construct_float(v).map_or(NodeKind::Str(v.to_owned()), NodeKind::Float);
    }
    if is_int_11(v) {
        return construct_int(v).unwrap_or(NodeKind::Str(v.to_owned()));
    }
    if b[0].is_ascii_digit() && is_timestamp_11(v) {
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
