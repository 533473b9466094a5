//! Writing a new alias name into an existing YAML scalar, in that scalar's own style.
//!
//! The style is read from the source text at the scalar's span: single-quoted, double-quoted,
//! plain, or a one-line block scalar (`|-` / `>-`). A plain scalar stays plain when the new name
//! reads back as the same string in its context; otherwise it becomes double-quoted. Plain
//! scalars inside flow collections (`[..]`, `{..}`) have stricter rules than in block context:
//! `,[]{}` end them, so names with those characters are quoted there.

use crate::span::Span;

/// How a scalar is written in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    /// A block scalar whose value is its single content line (strip chomping).
    Block,
}

/// The style of the scalar at `span` holding `value`, and the byte range to replace.
/// `None` when the scalar cannot be rewritten in place (a plain scalar folded over lines,
/// a block scalar whose value keeps line breaks).
pub fn style_of(text: &str, span: Span, value: &str) -> Option<(Style, Span)> {
    let slice = text.get(span.range())?;
    if slice.starts_with('\'') && slice.ends_with('\'') && slice.len() >= 2 {
        return Some((Style::Single, span));
    }
    if slice.starts_with('"') && slice.ends_with('"') && slice.len() >= 2 {
        return Some((Style::Double, span));
    }
    if value.contains('\n') {
        return None;
    }
    if slice == value {
        return Some((Style::Plain, span));
    }
    // A block scalar's span starts at its first content line; the header is on the line above.
    let rest = &slice[value.len().min(slice.len())..];
    if slice.starts_with(value)
        && rest.chars().all(char::is_whitespace)
        && block_header_before(text, span.start)
    {
        return Some((
            Style::Block,
            Span::new(span.start, span.start + value.len()),
        ));
    }
    None
}

/// Whether the line before `start` ends with a block scalar header (`|`, `>-`, `|2-` …),
/// and `start` is preceded only by indentation on its own line.
fn block_header_before(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let Some(line_start) = before.rfind('\n') else {
        return false;
    };
    if !before[line_start + 1..].chars().all(|c| c == ' ') {
        return false;
    }
    let prev = &before[..line_start];
    let prev_line = &prev[prev.rfind('\n').map_or(0, |i| i + 1)..];
    // Drop a trailing comment (` #…`).
    let code = match prev_line.find(" #") {
        Some(i) => &prev_line[..i],
        None => prev_line,
    };
    let token = code.trim_end().rsplit([' ', '\t']).next().unwrap_or("");
    let mut chars = token.chars();
    matches!(chars.next(), Some('|' | '>')) && chars.all(|c| matches!(c, '-' | '+' | '1'..='9'))
}

/// The text that writes `new` in `style`. `flow` says whether the scalar sits inside a flow
/// collection.
pub fn write(new: &str, style: Style, flow: bool) -> String {
    match style {
        Style::Single => single_quoted(new),
        Style::Double => double_quoted(new),
        Style::Block => new.to_owned(),
        Style::Plain if plain_ok(new, flow) => new.to_owned(),
        Style::Plain => double_quoted(new),
    }
}

pub fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Double-quoted with the escapes YAML needs. Names never hold control characters (see
/// [`super::name::validate`]), so only `\` and `"` need escaping.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` written as a plain scalar reads back as the string `s` (the shared check,
/// [`crate::yaml::scalar::plain_ok`]).
pub fn plain_ok(s: &str, flow: bool) -> bool {
    crate::yaml::scalar::plain_ok(s, flow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(single_quoted("it's"), "'it''s'");
        assert_eq!(double_quoted(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(write("a, b", Style::Plain, true), "\"a, b\"");
        assert_eq!(write("a, b", Style::Plain, false), "a, b");
    }

    #[test]
    fn styles() {
        let t = "k: 'x'\nj: \"x\"\nl: x\nm: >-\n  x\nn: |\n  x\n";
        let at = |needle: &str, len| {
            let s = t.find(needle).unwrap();
            Span::new(s, s + len)
        };
        assert_eq!(style_of(t, at("'x'", 3), "x").unwrap().0, Style::Single);
        assert_eq!(style_of(t, at("\"x\"", 3), "x").unwrap().0, Style::Double);
        assert_eq!(style_of(t, at("l: x", 4), "l: x").unwrap().0, Style::Plain);
        let m = t.find(">-\n").unwrap() + 5;
        assert_eq!(
            style_of(t, Span::new(m, m + 2), "x"),
            Some((Style::Block, Span::new(m, m + 1)))
        );
        let n = t.find("|\n").unwrap() + 4;
        assert_eq!(style_of(t, Span::new(n, n + 2), "x\n"), None);
    }
}
