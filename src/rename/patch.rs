//! Span patches: the only way `rename` changes a file.
//!
//! A patch set is a list of `(byte range, replacement)` on one original text. Patches are
//! collected first, checked for overlaps, and applied so that no patch moves another's offsets:
//! every byte outside a patched range is copied unchanged.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    pub span: Span,
    pub text: String,
}

/// Two patches that touch the same bytes with different replacements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap {
    pub first: Span,
    pub second: Span,
}

#[derive(Clone, Debug, Default)]
pub struct PatchSet {
    patches: Vec<Patch>,
}

impl PatchSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, span: Span, text: impl Into<String>) {
        self.patches.push(Patch {
            span,
            text: text.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.patches.is_empty()
    }

    /// The patches in file order, identical duplicates merged (a YAML anchor reached through
    /// several `*alias` nodes is one patch). Overlapping patches are an error.
    pub fn normalised(mut self) -> Result<Vec<Patch>, Overlap> {
        self.patches.sort_by_key(|p| (p.span.start, p.span.end));
        self.patches.dedup();
        for w in self.patches.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            // Two insertions at one point, or any shared byte, would make the order matter.
            if b.span.start < a.span.end || a.span == b.span {
                return Err(Overlap {
                    first: a.span,
                    second: b.span,
                });
            }
        }
        Ok(self.patches)
    }

    /// Apply to `text`. Equivalent to applying from the highest offset down (no patch moves
    /// another's offsets), done in one forward copy so 10,000 patches on a large file stay
    /// linear instead of shifting the tail once per patch.
    pub fn apply(self, text: &str) -> Result<String, Overlap> {
        let patches = self.normalised()?;
        let mut out = String::with_capacity(text.len() + 64);
        let mut at = 0;
        for p in &patches {
            let r = p.span.range();
            if r.end > text.len()
                || !text.is_char_boundary(r.start)
                || !text.is_char_boundary(r.end)
            {
                return Err(Overlap {
                    first: p.span,
                    second: p.span,
                });
            }
            out.push_str(&text[at..r.start]);
            out.push_str(&p.text);
            at = r.end;
        }
        out.push_str(&text[at..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_from_the_end() {
        let mut p = PatchSet::new();
        p.push(Span::new(0, 1), "AAA");
        p.push(Span::new(4, 5), "E");
        p.push(Span::new(0, 1), "AAA");
        assert_eq!(p.apply("abcde").unwrap(), "AAAbcdE");
    }

    #[test]
    fn adjacent_patches_and_an_insertion_at_the_end_apply() {
        let mut p = PatchSet::new();
        assert!(p.is_empty());
        p.push(Span::new(0, 1), "X");
        p.push(Span::new(1, 2), "Y");
        p.push(Span::new(5, 5), "!");
        assert!(!p.is_empty());
        assert_eq!(p.apply("abcde").unwrap(), "XYcde!");
    }

    #[test]
    fn rejects_spans_outside_the_text_or_inside_a_character() {
        for (span, text) in [
            (Span::new(4, 6), "abcde"),
            (Span::new(6, 6), "abcde"),
            (Span::new(1, 2), "é"),
            (Span::new(0, 1), "é"),
        ] {
            let mut p = PatchSet::new();
            p.push(span, "x");
            assert!(p.apply(text).is_err(), "{span:?} in {text:?}");
        }
    }

    #[test]
    fn rejects_overlaps() {
        let mut p = PatchSet::new();
        p.push(Span::new(0, 3), "x");
        p.push(Span::new(2, 4), "y");
        assert!(p.apply("abcde").is_err());
        let mut p = PatchSet::new();
        p.push(Span::new(1, 2), "x");
        p.push(Span::new(1, 2), "y");
        assert!(p.apply("abcde").is_err());
    }
}
