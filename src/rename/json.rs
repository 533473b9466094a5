//! A small JSON reader that keeps the byte span of every string, so a value can be replaced
//! in place without re-serialising (and reformatting) the rest of the file.
//!
//! The text is first validated by `serde_json` (which gives the error position); this reader
//! then only has to be right on valid JSON.

use crate::span::Span;

#[derive(Clone, Debug)]
pub enum Json {
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    Str(String, Span),
    Other,
}

impl Json {
    pub fn get(&self, key: &str) -> impl Iterator<Item = &Json> {
        let entries = match self {
            Json::Object(e) => e.as_slice(),
            _ => &[],
        };
        entries
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// A JSON syntax error: message and byte offset.
#[derive(Clone, Debug)]
pub struct JsonError {
    pub message: String,
    pub offset: usize,
}

/// Parse `text` (a leading BOM is skipped).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&text[bom..]) {
        return Err(JsonError {
            message: e.to_string(),
            offset: offset_of(text, bom, e.line(), e.column()),
        });
    }
    let mut r = Reader {
        b: text.as_bytes(),
        text,
        i: bom,
    };
    r.value().ok_or_else(|| JsonError {
        message: "unexpected JSON".into(),
        offset: r.i,
    })
}

fn offset_of(text: &str, from: usize, line: usize, column: usize) -> usize {
    let mut off = from;
    for (n, l) in text[from..].split_inclusive('\n').enumerate() {
        if n + 1 == line {
            return (off + column.saturating_sub(1)).min(text.len());
        }
        off += l.len();
    }
    text.len()
}

struct Reader<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            return Some(Json::Object(entries));
                        }
                        b',' => self.i += 1,
                        _ => {
                            let Json::Str(k, _) = self.value()? else {
                                return None;
                            };
                            self.ws();
                            if *self.b.get(self.i)? != b':' {
                                return None;
                            }
                            self.i += 1;
                            let v = self.value()?;
                            entries.push((k, v));
                        }
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            return Some(Json::Array(items));
                        }
                        b',' => self.i += 1,
                        _ => items.push(self.value()?),
                    }
                }
            }
            b'"' => {
                let start = self.i;
                self.i += 1;
                while *self.b.get(self.i)? != b'"' {
                    self.i += if self.b[self.i] == b'\\' { 2 } else { 1 };
                }
                self.i += 1;
                let span = Span::new(start, self.i);
                let s: String = serde_json::from_str(&self.text[span.range()]).ok()?;
                Some(Json::Str(s, span))
            }
            _ => {
                // Numbers, true, false, null: skip to the next delimiter.
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                Some(Json::Other)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_strings() {
        let t = r#"{"env": {"A": "x\"y", "B": [1, true, null, "\u00e9"]}, "n": -1.5e3}"#;
        let j = parse(t).unwrap();
        let env = j.get("env").next().unwrap();
        let Json::Str(v, s) = env.get("A").next().unwrap() else {
            panic!()
        };
        assert_eq!(v, "x\"y");
        assert_eq!(&t[s.range()], r#""x\"y""#);
        assert!(matches!(j.get("n").next(), Some(Json::Other)));
    }

    #[test]
    fn errors_have_offsets() {
        let e = parse("{\n  \"a\": ,\n}").unwrap_err();
        assert_eq!(e.offset, 9);
    }
}
