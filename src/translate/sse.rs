//! Server-sent events: an incremental parser for upstream bytes and writers for client events.
//!
//! The parser keeps only the unfinished tail of the input (a partial line and the `data:` lines
//! of the event being read); a complete event is handed out once and forgotten, so the cost per
//! chunk is proportional to the chunk, never to the stream so far.

use serde::Serialize;

/// Incremental SSE parser (the subset LLM APIs use: `event:`, `data:`, comments, blank line).
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of a line not yet terminated by `\n`.
    line: Vec<u8>,
    /// `data:` payload of the event being read (lines joined by `\n`).
    data: Vec<u8>,
    /// Whether the current event has at least one `data:` line.
    has_data: bool,
    /// `event:` name of the event being read.
    event: String,
}

impl SseParser {
    /// A fresh parser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed bytes; `on_event(event_name, data)` is called for every event completed by them.
    pub fn feed(&mut self, mut bytes: &[u8], on_event: &mut dyn FnMut(&str, &[u8])) {
        while let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            let (head, rest) = bytes.split_at(nl);
            bytes = &rest[1..];
            if self.line.is_empty() {
                self.line_done(head, on_event);
            } else {
                self.line.extend_from_slice(head);
                let line = std::mem::take(&mut self.line);
                self.line_done(&line, on_event);
                self.line = line;
                self.line.clear();
            }
        }
        self.line.extend_from_slice(bytes);
    }

    /// End of input: an event still being read (no closing blank line) is dispatched.
    pub fn flush(&mut self, on_event: &mut dyn FnMut(&str, &[u8])) {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.line_done(&line, on_event);
        }
        self.line_done(b"", on_event);
    }

    fn line_done(&mut self, line: &[u8], on_event: &mut dyn FnMut(&str, &[u8])) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            if self.has_data {
                on_event(&self.event, &self.data);
            }
            self.data.clear();
            self.event.clear();
            self.has_data = false;
            return;
        }
        if line[0] == b':' {
            return;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(&String::from_utf8_lossy(value));
            }
            _ => {}
        }
    }
}

/// Append `event: NAME\ndata: JSON\n\n`.
pub fn write_event(out: &mut Vec<u8>, name: &str, data: &impl Serialize) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    write_json(out, data);
    out.extend_from_slice(b"\n\n");
}

/// Append `data: JSON\n\n` (Chat Completions streams have no event names).
pub fn write_data(out: &mut Vec<u8>, data: &impl Serialize) {
    out.extend_from_slice(b"data: ");
    write_json(out, data);
    out.extend_from_slice(b"\n\n");
}

/// Append `data: [DONE]\n\n`.
pub fn write_done(out: &mut Vec<u8>) {
    out.extend_from_slice(b"data: [DONE]\n\n");
}

fn write_json(out: &mut Vec<u8>, data: &impl Serialize) {
    // Serialising plain maps and strings into a Vec cannot fail.
    serde_json::to_writer(&mut *out, data).expect("JSON serialisation into memory");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(parser: &mut SseParser, input: &[&[u8]]) -> Vec<(String, String)> {
        let mut got = Vec::new();
        for part in input {
            parser.feed(part, &mut |e, d| {
                got.push((e.to_string(), String::from_utf8_lossy(d).into_owned()))
            });
        }
        got
    }

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let text =
            b"event: a\ndata: {\"x\":1}\n\n: comment\ndata: one\ndata: two\r\n\r\ndata: [DONE]\n\n";
        let whole = collect(&mut SseParser::new(), &[text]);
        assert_eq!(
            whole,
            vec![
                ("a".into(), "{\"x\":1}".into()),
                (String::new(), "one\ntwo".into()),
                (String::new(), "[DONE]".into())
            ]
        );
        for cut in 0..text.len() {
            let (l, r) = text.split_at(cut);
            assert_eq!(
                collect(&mut SseParser::new(), &[l, r]),
                whole,
                "cut at {cut}"
            );
        }
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(collect(&mut SseParser::new(), &bytes), whole);
    }

    #[test]
    fn flush_dispatches_an_unterminated_event() {
        let mut p = SseParser::new();
        assert!(collect(&mut p, &[b"data: {\"cut\":"]).is_empty());
        let mut got = Vec::new();
        p.flush(&mut |_, d| got.push(String::from_utf8_lossy(d).into_owned()));
        assert_eq!(got, vec!["{\"cut\":".to_string()]);
    }
}
