//! Byte ranges into a source file, and the value-with-span wrapper used by the raw model.

use std::fmt;
use std::hash::{Hash, Hasher};

use schemars::JsonSchema;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// A half-open byte range `start..end` into one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// Name of the newtype struct the YAML node deserializer recognises to hand out spans.
pub(crate) const SPANNED_MARKER: &str = "$fgc::Sp";
pub(crate) const FIELD_SPAN: &str = "$span";
pub(crate) const FIELD_DEF: &str = "$def";
pub(crate) const FIELD_VALUE: &str = "$value";

/// A value with the span of the text it came from.
///
/// `span` is where the value is written; `def` is set when the value reached this place
/// through a YAML alias (`*name`) and points at the anchored text that defines it.
/// Equality and hashing look at the value only, so `Sp<String>` works as a map key.
#[derive(Clone, Debug, Default)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
    pub def: Option<Span>,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self {
            value,
            span,
            def: None,
        }
    }

    /// The span of the text that holds the value itself (the anchor for an alias).
    pub fn text_span(&self) -> Span {
        self.def.unwrap_or(self.span)
    }
}

impl Sp<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Sp<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Sp<T> {}
impl<T: Hash> Hash for Sp<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}

impl<T: fmt::Display> fmt::Display for Sp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

/// Serializes as the value alone (spans are about the source, not the value).
impl<T: serde::Serialize> serde::Serialize for Sp<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for SpVisitor<T> {
            type Value = Sp<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value with a source span")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Sp<T>, A::Error> {
                let mut span = Span::default();
                let mut def = None;
                while let Some(key) = map.next_key::<&str>()? {
                    match key {
                        FIELD_SPAN => {
                            let (s, e): (usize, usize) = map.next_value()?;
                            span = Span::new(s, e);
                        }
                        FIELD_DEF => {
                            let d: Option<(usize, usize)> = map.next_value()?;
                            def = d.map(|(s, e)| Span::new(s, e));
                        }
                        FIELD_VALUE => {
                            let value = map.next_value()?;
                            return Ok(Sp { value, span, def });
                        }
                        other => return Err(de::Error::unknown_field(other, &[FIELD_VALUE])),
                    }
                }
                Err(de::Error::missing_field(FIELD_VALUE))
            }

            // Deserializers other than fgc's own (tests, serde_json) give no spans.
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Sp<T>, D::Error> {
                T::deserialize(d).map(|value| Sp::new(value, Span::default()))
            }
        }

        deserializer.deserialize_newtype_struct(SPANNED_MARKER, SpVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::hash::{BuildHasher, RandomState};

    use super::*;

    #[test]
    fn spans() {
        let s = Span::new(3, 7);
        assert_eq!((s.len(), s.is_empty(), s.range()), (4, false, 3..7));
        assert!(Span::new(5, 5).is_empty());
        assert_eq!(miette::SourceSpan::from(s), (3, 4).into());
    }

    /// `Sp` compares and hashes by value: the same alias written in two places is one key.
    #[test]
    fn sp_equality_and_hashing_ignore_where_the_value_is() {
        let a = Sp::new("router-a".to_string(), Span::new(0, 8));
        let mut elsewhere = Sp::new("router-a".to_string(), Span::new(40, 48));
        elsewhere.def = Some(Span::new(90, 98));
        let b = Sp::new("router-b".to_string(), Span::new(0, 8));
        assert_eq!(a, elsewhere);
        assert_ne!(a, b, "same span, different value");
        let h = RandomState::new();
        assert_eq!(h.hash_one(&a), h.hash_one(&elsewhere));
        assert_eq!(h.hash_one(&a), h.hash_one("router-a".to_string()));
        let set: HashSet<_> = [a.clone(), elsewhere.clone(), b.clone()].into();
        assert_eq!(set.len(), 2);
        let map: HashMap<_, _> = [(a.clone(), 1)].into();
        assert_eq!(map.get(&elsewhere), Some(&1));
        assert_eq!(map.get(&b), None);
    }

    #[test]
    fn sp_text_span_is_the_anchor_for_an_alias() {
        let mut v = Sp::new("x".to_string(), Span::new(10, 12));
        assert_eq!((v.text_span(), v.as_str()), (Span::new(10, 12), "x"));
        v.def = Some(Span::new(2, 3));
        assert_eq!(v.text_span(), Span::new(2, 3));
        assert_eq!(v.to_string(), "x");
    }
}
