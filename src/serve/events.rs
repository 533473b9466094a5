//! An upstream's event stream cut into whole server-sent events, in bounded memory, with the
//! usage found on the way.
//!
//! The gateway passes on (or translates) whole events only: an event is held until its blank
//! line arrives, and no more than `max` bytes of an unfinished event are ever held. So a
//! stream that breaks mid-event never leaves half an event at the client (the error event
//! that follows starts on a fresh line and parses), and an upstream that sends one endless
//! line cannot grow the gateway's memory past `max`.
//!
//! Lines end in `\n` or `\r\n` (what LLM APIs send); an event ends at an empty line.

use bytes::{Bytes, BytesMut};
use serde_json::Value;

use super::usage::Tokens;

/// Up to this size the unfinished event's buffer grows as usual; past it, it is given the
/// limit's size at once.
const GROW_UP_TO: usize = 256 * 1024;

/// An unfinished event grew past the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong {
    pub limit: usize,
}

/// Splits upstream bytes into whole events.
#[derive(Debug)]
pub struct Framer {
    /// The unfinished event (at most `max` bytes).
    held: BytesMut,
    /// The last two bytes seen, to find an empty line split across chunks.
    last: [u8; 2],
    max: usize,
    /// Usage reported in the events so far.
    pub tokens: Tokens,
}

impl Framer {
    pub fn new(max: usize) -> Self {
        Framer {
            held: BytesMut::new(),
            last: [0, 0],
            max,
            tokens: Tokens::default(),
        }
    }

    /// The whole events `chunk` completes (empty when it completes none), and whether the
    /// unfinished event after them is now longer than the limit (then nothing is held, and
    /// the stream should end).
    pub fn feed(&mut self, chunk: Bytes) -> (Bytes, Option<TooLong>) {
        let end = self.last_boundary(&chunk);
        if let Some(n) = chunk.len().checked_sub(2) {
            self.last = [chunk[n], chunk[n + 1]];
        } else if let Some(&b) = chunk.first() {
            self.last = [self.last[1], b];
        }
        let (done, rest) = match end {
            None => (Bytes::new(), chunk),
            Some(end) if self.held.is_empty() => {
                let mut rest = chunk;
                let done = rest.split_to(end);
                (done, rest)
            }
            Some(end) => {
                let mut done = std::mem::take(&mut self.held);
                done.extend_from_slice(&chunk[..end]);
                (done.freeze(), chunk.slice(end..))
            }
        };
        self.scan(&done);
        let need = self.held.len() + rest.len();
        if need > self.max {
            self.held = BytesMut::new();
            return (done, Some(TooLong { limit: self.max }));
        }
        if need > self.held.capacity() && need > GROW_UP_TO {
            // A long event: one buffer of the limit's size from here on, filled as bytes
            // come (only those pages are touched), instead of copies doubling up to it.
            let mut big = BytesMut::with_capacity(self.max);
            big.extend_from_slice(&self.held);
            self.held = big;
        }
        self.held.extend_from_slice(&rest);
        (done, None)
    }

    /// The end of the stream: whatever is held (an event without its blank line).
    pub fn finish(&mut self) -> Bytes {
        let out = std::mem::take(&mut self.held).freeze();
        self.scan(&out);
        out
    }

    /// The index just past the last empty line in `chunk`, given the bytes before it.
    fn last_boundary(&self, chunk: &[u8]) -> Option<usize> {
        // The byte `back` (1 or 2) places before index `i`, from `last` before the chunk.
        let at = |i: usize, back: usize| -> u8 {
            if i >= back {
                chunk[i - back]
            } else {
                self.last[2 - (back - i)]
            }
        };
        let mut end = None;
        for (i, _) in chunk.iter().enumerate().filter(|(_, b)| **b == b'\n') {
            let p1 = at(i, 1);
            if p1 == b'\n' || (p1 == b'\r' && at(i, 2) == b'\n') {
                end = Some(i + 1);
            }
        }
        end
    }

    /// Usage in the `data:` lines of whole events (parsed only when they mention it).
    fn scan(&mut self, events: &[u8]) {
        if memfind(events, b"usage").is_none() {
            return;
        }
        for line in events.split(|b| *b == b'\n') {
            let Some(data) = line.strip_prefix(b"data:") else {
                continue;
            };
            if memfind(data, b"usage").is_none() {
                continue;
            }
            if let Ok(v) = serde_json::from_slice::<Value>(data) {
                self.tokens.absorb(&v);
            }
        }
    }
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: &mut Framer, parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            let (events, err) = f.feed(Bytes::copy_from_slice(p));
            assert_eq!(err, None);
            out.extend_from_slice(&events);
        }
        out
    }

    #[test]
    fn whole_events_only_wherever_the_chunks_are_cut() {
        for text in [
            &b"data: {\"a\":1}\n\nevent: e\ndata: {\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n"[..],
            b"data: {\"a\":1}\r\n\r\nevent: e\r\ndata: {\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2}}\r\n\r\ndata: [DONE]\r\n\r\n",
        ] {
            for cut in 0..text.len() {
                for cut2 in cut..text.len() {
                    let mut f = Framer::new(1024);
                    let (a, rest) = text.split_at(cut);
                    let (b, c) = rest.split_at(cut2 - cut);
                    let mut seen = Vec::new();
                    for part in [a, b, c] {
                        let (out, err) = f.feed(Bytes::copy_from_slice(part));
                        assert_eq!(err, None);
                        // Every piece handed out ends with an empty line.
                        assert!(
                            out.is_empty() || out.ends_with(b"\n\n") || out.ends_with(b"\r\n\r\n"),
                            "{cut} {cut2}: {out:?}"
                        );
                        seen.extend_from_slice(&out);
                    }
                    assert_eq!(seen, text, "{cut} {cut2}");
                    assert!(f.finish().is_empty());
                    assert_eq!(f.tokens.input_tokens, Some(11));
                }
            }
        }
    }

    #[test]
    fn an_endless_line_is_cut_at_the_limit() {
        let mut f = Framer::new(100);
        assert_eq!(run(&mut f, &[b"data: ", &[b'x'; 50]]), b"");
        assert_eq!(
            f.feed(Bytes::from_static(&[b'x'; 50])),
            (Bytes::new(), Some(TooLong { limit: 100 }))
        );
        // A long event after a whole one: the whole one still goes out.
        let mut f = Framer::new(10);
        let mut c = b"data: 1\n\n".to_vec();
        c.extend_from_slice(&[b'y'; 20]);
        assert_eq!(
            f.feed(Bytes::from(c)),
            (
                Bytes::from_static(b"data: 1\n\n"),
                Some(TooLong { limit: 10 })
            )
        );
    }

    #[test]
    fn the_tail_without_a_blank_line_comes_out_at_the_end() {
        let mut f = Framer::new(100);
        assert_eq!(run(&mut f, &[b"data: 1\n\ndata: 2\n"]), b"data: 1\n\n");
        assert_eq!(&f.finish()[..], b"data: 2\n");
    }
}
