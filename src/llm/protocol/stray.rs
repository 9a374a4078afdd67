//! Lines of an event stream that SSE framing skips: neither a field it knows (`data`,
//! `event`, `id`, `retry`) nor a comment. Gemini ends some broken streams with a bare JSON
//! error object written this way; without looking here the stream would just stop.

/// At most this much stray text is kept.
const MAX_KEPT: usize = 64 * 1024;

/// Collects stray lines from a byte stream fed in any pieces.
#[derive(Debug, Default)]
pub struct StrayLines {
    line: Vec<u8>,
    /// The current line is a `data:` line: its bytes need not be kept.
    framed: bool,
    kept: Vec<u8>,
}

impl StrayLines {
    /// Takes the next bytes of the body.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' || b == b'\r' {
                self.end_line();
            } else if !self.framed && self.line.len() < MAX_KEPT {
                self.line.push(b);
                // Most bytes are in `data:` lines; stop copying them once that is clear.
                self.framed = self.line == b"data:";
            }
        }
    }

    fn end_line(&mut self) {
        self.framed = false;
        let line = std::mem::take(&mut self.line);
        if is_stray(&line) && self.kept.len() + line.len() < MAX_KEPT {
            self.kept.extend_from_slice(&line);
            self.kept.push(b'\n');
        }
    }

    /// The stray lines, each ending in a newline; empty when there were none.
    pub fn finish(mut self) -> String {
        if !self.line.is_empty() {
            self.end_line();
        }
        String::from_utf8_lossy(&self.kept).into_owned()
    }

    /// The stray lines of a whole body.
    pub fn of(body: &[u8]) -> String {
        let mut s = StrayLines::default();
        s.feed(body);
        s.finish()
    }
}

fn is_stray(line: &[u8]) -> bool {
    if line.iter().all(u8::is_ascii_whitespace) || line.starts_with(b":") {
        return false;
    }
    let name = match line.iter().position(|&b| b == b':') {
        Some(i) => &line[..i],
        None => line,
    };
    // A byte-order mark may precede the first field.
    let name = name.strip_prefix("\u{feff}".as_bytes()).unwrap_or(name);
    !matches!(name, b"data" | b"event" | b"id" | b"retry")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unknown_lines_are_kept_in_any_split() {
        let body =
            b"data: {\"a\":1}\r\n\r\n: keep\r\nevent: x\r\n{\r\n  \"error\": {\"code\": 499}\r\n}";
        let whole = StrayLines::of(body);
        assert_eq!(whole, "{\n  \"error\": {\"code\": 499}\n}\n");
        for cut in 0..body.len() {
            let mut s = StrayLines::default();
            s.feed(&body[..cut]);
            s.feed(&body[cut..]);
            assert_eq!(s.finish(), whole, "cut at {cut}");
        }
        assert_eq!(StrayLines::of(b"data: x\n\nid: 1\nretry: 5\n"), "");
    }
}
