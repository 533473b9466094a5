//! Names and text taken from a config (or a client) on their way somewhere they could do harm:
//! which environment-variable names are real ones, which characters a name may not hold,
//! and how a name is shown inside a generated comment or echoed back in an error and a log.
//!
//! The rules (`invalid-env-name`, `control-character`), the emitters, `fgc rename` and
//! `fgc serve` all decide these questions here, so they cannot disagree.

use std::borrow::Cow;

/// Whether `s` is an environment-variable name every shell and dotenv reader accepts:
/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Characters no name may hold: control characters (tab and line breaks included), the
/// Unicode line and paragraph separators (line breaks to YAML 1.1 and JavaScript) and the
/// byte-order mark.
pub fn is_forbidden_in_name(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// The first character of `name` that [`is_forbidden_in_name`], if any.
pub fn forbidden_char(name: &str) -> Option<char> {
    name.chars().find(|c| is_forbidden_in_name(*c))
}

/// `s` fit for a comment (or a one-line message) in any format fgc writes (shell, dotenv,
/// YAML, TOML): unchanged when it holds no character [`is_forbidden_in_name`] (nothing else
/// can end a comment), else a double-quoted string with those characters escaped (`\n`,
/// `\u{2028}`, ...), so the comment stays on its line whatever `s` holds.
pub fn for_comment(s: &str) -> Cow<'_, str> {
    if forbidden_char(s).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    escape_into(s, &mut out);
    out.push('"');
    Cow::Owned(out)
}

fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_forbidden_in_name(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
}

/// The most bytes of a client-supplied name echoed in an error or written to a log.
pub const SHOWN_MAX: usize = 128;

/// A name a client sent, fit to echo in an error message and to write to a log: at most
/// [`SHOWN_MAX`] bytes of it (then `…` and the full length), control characters escaped so
/// it cannot forge a log line.
pub fn shown(name: &str) -> Cow<'_, str> {
    let clean = !name.chars().any(is_forbidden_in_name) && !name.contains(['"', '\\']);
    if name.len() <= SHOWN_MAX && clean {
        return Cow::Borrowed(name);
    }
    let mut end = name.len().min(SHOWN_MAX);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + 32);
    if clean {
        out.push_str(&name[..end]);
    } else {
        escape_into(&name[..end], &mut out);
    }
    if end < name.len() {
        out.push_str(&format!("… ({} bytes)", name.len()));
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        for ok in ["A", "_", "OPENAI_API_KEY", "k9", "_x_1"] {
            assert!(is_env_name(ok), "{ok}");
        }
        for bad in [
            "",
            "9A",
            "A-B",
            "A B",
            "X}\"; touch PWNED",
            "É",
            "A$",
            "A\n",
        ] {
            assert!(!is_env_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn comments_stay_on_their_line() {
        assert_eq!(for_comment("balanced"), "balanced");
        assert_eq!(
            for_comment("a\nrm -rf ~\r\u{2028}\u{85}\"\\"),
            "\"a\\nrm -rf ~\\r\\u{2028}\\u{0085}\\\"\\\\\""
        );
        for s in [
            "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}", "\u{b}", "\u{c}",
        ] {
            let c = for_comment(s);
            assert!(!c.chars().any(is_forbidden_in_name), "{c:?}");
        }
    }

    #[test]
    fn shown_names_are_capped_and_escaped() {
        assert_eq!(shown("gpt-5"), "gpt-5");
        let long = "x".repeat(30_000_000);
        let s = shown(&long);
        assert!(s.len() < 200, "{}", s.len());
        assert!(s.ends_with("… (30000000 bytes)"));
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(
            shown(&"é".repeat(100))
                .chars()
                .filter(|c| *c == 'é')
                .count(),
            64
        );
    }
}
