//! Word wrapping and hard breaking of styled text by display width.
//!
//! Widths are terminal columns as `unicode-width` counts them (CJK and emoji are 2, combining
//! marks 0). Text is cut only between clusters: a base character together with the
//! zero-width characters after it, the parts of an emoji ZWJ or modifier sequence, and a
//! regional-indicator pair, so an accent or a flag is never split from its base.

use std::borrow::Cow;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of `s` in terminal columns.
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Display width of a row of spans.
pub fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| display_width(&s.content)).sum()
}

/// Word-wraps `text` to `width` display columns (unicode-width: CJK and emoji count 2), breaking words longer than the width, keeping explicit newlines, never panicking for width 0 or 1 (width 0 -> treat as 1).
///
/// Empty text gives no lines; each `\n` starts a new line.
pub fn wrap_text(text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    if text.is_empty() {
        return Vec::new();
    }
    wrap_spans(vec![Span::styled(text.to_string(), style)], width)
}

/// Wraps already-styled spans (a logical line) to width, preserving styles across breaks.
///
/// Breaks go at whitespace; the whitespace at a break is dropped, indentation at the start
/// of the line is kept. A word wider than the line starts a new row and is cut between
/// clusters. Always returns at least one line. A single cluster wider than the whole width
/// (a CJK character at width 1) gets a row of its own and is the only thing that can
/// exceed `width`.
pub fn wrap_spans(spans: Vec<Span<'static>>, width: u16) -> Vec<Line<'static>> {
    wrap_line(&spans, usize::from(width))
}

/// [`wrap_spans`] on borrowed spans, to a width in columns (0 is taken as 1).
pub fn wrap_line(spans: &[Span<'_>], width: usize) -> Vec<Line<'static>> {
    let texts = sanitized(spans);
    let mut w = Wrapper::new(&texts, width.max(1));
    for (ti, (text, _)) in texts.iter().enumerate() {
        for (start, end, cw) in Clusters::new(text) {
            let cl = Cluster {
                ti,
                start,
                end,
                w: cw,
            };
            match &text[start..end] {
                "\n" => w.end_line(),
                " " => w.space(cl),
                _ if cw >= 2 => w.wide(cl),
                _ => w.word.push(cl),
            }
        }
    }
    w.finish()
}

/// Cuts already-styled spans into rows of at most `width` columns, filled up to the width,
/// keeping every character, whitespace included: how code is laid out. Always returns at
/// least one line; a `\n` starts a new row.
pub fn hard_break_spans(spans: Vec<Span<'static>>, width: u16) -> Vec<Line<'static>> {
    hard_break_line(&spans, usize::from(width))
}

/// [`hard_break_spans`] on borrowed spans, to a width in columns (0 is taken as 1).
pub fn hard_break_line(spans: &[Span<'_>], width: usize) -> Vec<Line<'static>> {
    let texts = sanitized(spans);
    let mut w = Wrapper::new(&texts, width.max(1));
    for (ti, (text, _)) in texts.iter().enumerate() {
        for (start, end, cw) in Clusters::new(text) {
            if &text[start..end] == "\n" {
                w.emit_row();
            } else {
                if w.row_w + cw > w.width && w.row_w > 0 {
                    w.emit_row();
                }
                w.append(&[Cluster {
                    ti,
                    start,
                    end,
                    w: cw,
                }]);
            }
        }
    }
    w.emit_row();
    w.lines
}

/// The longest prefix of `spans` that fits in `width` columns.
pub fn truncate_spans(spans: &[Span<'_>], width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let mut end = 0;
        for (_, e, cw) in Clusters::new(&span.content) {
            if used + cw > width {
                break;
            }
            used += cw;
            end = e;
        }
        if end > 0 {
            out.push(Span::styled(span.content[..end].to_string(), span.style));
        }
        if end < span.content.len() {
            break;
        }
    }
    out
}

/// Makes text safe to put in a terminal cell: a tab becomes four spaces, `\r` goes, other
/// control characters become their visible Control Pictures (`␛`) so nothing is dropped.
/// `\n` is kept for the caller to break on.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("    "),
            '\r' => {}
            '\n' => out.push('\n'),
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('\u{2421}'),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn sanitized<'a>(spans: &'a [Span<'_>]) -> Vec<(Cow<'a, str>, Style)> {
    spans
        .iter()
        .map(|span| (sanitize(&span.content), span.style))
        .collect()
}

/// One unbreakable piece of the input: bytes `start..end` of text `ti`, `w` columns wide.
#[derive(Clone, Copy)]
struct Cluster {
    ti: usize,
    start: usize,
    end: usize,
    w: usize,
}

struct Wrapper<'t, 'a> {
    texts: &'t [(Cow<'a, str>, Style)],
    width: usize,
    lines: Vec<Line<'static>>,
    row: Vec<Span<'static>>,
    row_w: usize,
    /// The word being collected, and the whitespace before it.
    word: Vec<Cluster>,
    gap: Vec<Cluster>,
    /// Whether a word has been placed on this logical line (before that, spaces indent).
    placed: bool,
}

impl<'t, 'a> Wrapper<'t, 'a> {
    fn new(texts: &'t [(Cow<'a, str>, Style)], width: usize) -> Self {
        Wrapper {
            texts,
            width,
            lines: Vec::new(),
            row: Vec::new(),
            row_w: 0,
            word: Vec::new(),
            gap: Vec::new(),
            placed: false,
        }
    }

    fn space(&mut self, cl: Cluster) {
        if !self.word.is_empty() && self.placed_or_text() {
            self.place_word();
        }
        if self.placed {
            self.gap.push(cl);
        } else {
            self.word.push(cl);
        }
    }

    /// A wide (CJK) character: a line may break before and after it, as CJK text has no
    /// spaces to break at.
    fn wide(&mut self, cl: Cluster) {
        if !self.word.is_empty() && self.placed_or_text() {
            self.place_word();
        }
        self.word.push(cl);
        self.place_word();
    }

    /// Whether the word holds more than leading indentation.
    fn placed_or_text(&self) -> bool {
        self.placed
            || self
                .word
                .iter()
                .any(|c| &self.texts[c.ti].0[c.start..c.end] != " ")
    }

    fn place_word(&mut self) {
        let word = std::mem::take(&mut self.word);
        let gap = std::mem::take(&mut self.gap);
        let word_w: usize = word.iter().map(|c| c.w).sum();
        let gap_w: usize = gap.iter().map(|c| c.w).sum();
        if self.row_w + gap_w + word_w <= self.width {
            self.append(&gap);
            self.append(&word);
        } else if word_w <= self.width {
            if self.row_w > 0 {
                self.emit_row();
            }
            self.append(&word);
        } else {
            if self.row_w > 0 {
                self.emit_row();
            }
            for cl in &word {
                if self.row_w + cl.w > self.width && self.row_w > 0 {
                    self.emit_row();
                }
                self.append(std::slice::from_ref(cl));
            }
        }
        self.placed = true;
        self.word = word;
        self.word.clear();
        self.gap = gap;
        self.gap.clear();
    }

    /// Appends clusters to the row, joining byte-adjacent clusters and equal styles.
    fn append(&mut self, cls: &[Cluster]) {
        let mut i = 0;
        while i < cls.len() {
            let (ti, start) = (cls[i].ti, cls[i].start);
            let mut end = cls[i].end;
            self.row_w += cls[i].w;
            i += 1;
            while i < cls.len() && cls[i].ti == ti && cls[i].start == end {
                end = cls[i].end;
                self.row_w += cls[i].w;
                i += 1;
            }
            let (text, style) = &self.texts[ti];
            let piece = &text[start..end];
            match self.row.last_mut() {
                Some(last) if last.style == *style => last.content.to_mut().push_str(piece),
                _ => self.row.push(Span::styled(piece.to_string(), *style)),
            }
        }
    }

    fn emit_row(&mut self) {
        self.lines.push(Line::from(std::mem::take(&mut self.row)));
        self.row_w = 0;
    }

    fn end_line(&mut self) {
        if !self.word.is_empty() {
            self.place_word();
        }
        self.gap.clear();
        self.emit_row();
        self.placed = false;
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        self.end_line();
        self.lines
    }
}

/// Splits a string into clusters: `(byte start, byte end, display width)`.
struct Clusters<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Clusters<'a> {
    fn new(s: &'a str) -> Self {
        Clusters { s, pos: 0 }
    }
}

impl Iterator for Clusters<'_> {
    type Item = (usize, usize, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.pos;
        let rest = self.s.get(start..)?;
        let bytes = rest.as_bytes();
        let first = *bytes.first()?;
        // Fast path: an ASCII character followed by ASCII (or the end) stands alone.
        if first.is_ascii() && bytes.get(1).is_none_or(|b| b.is_ascii()) {
            self.pos += 1;
            return Some((
                start,
                start + 1,
                usize::from(first >= 0x20 && first != 0x7f),
            ));
        }
        let mut chars = rest.char_indices();
        let (_, c0) = chars.next()?;
        let mut end = c0.len_utf8();
        let mut prev = c0;
        let mut regional = usize::from(is_regional(c0));
        for (i, c) in chars {
            let joins = prev == '\u{200d}'
                || c == '\u{200d}'
                || c.width() == Some(0)
                || ('\u{1f3fb}'..='\u{1f3ff}').contains(&c)
                || (is_regional(c) && regional == 1 && end == i);
            if !joins || c == '\n' {
                break;
            }
            regional += usize::from(is_regional(c));
            end = i + c.len_utf8();
            prev = c;
        }
        self.pos = start + end;
        Some((start, start + end, display_width(&rest[..end])))
    }
}

fn is_regional(c: char) -> bool {
    ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wraps_words_and_keeps_newlines() {
        let out = wrap_text("the quick brown fox\njumps", 10, Style::default());
        assert_eq!(rows(&out), ["the quick", "brown fox", "jumps"]);
        assert!(wrap_text("", 10, Style::default()).is_empty());
        assert_eq!(
            rows(&wrap_text("a\n\nb", 5, Style::default())),
            ["a", "", "b"]
        );
    }

    #[test]
    fn breaks_long_words_and_keeps_indent() {
        let out = wrap_text("ab abcdefghij", 4, Style::default());
        assert_eq!(rows(&out), ["ab", "abcd", "efgh", "ij"]);
        let out = wrap_text("  indented text", 20, Style::default());
        assert_eq!(rows(&out), ["  indented text"]);
    }

    #[test]
    fn cjk_and_emoji_count_two_columns() {
        let out = wrap_text("日本語のテキスト", 6, Style::default());
        assert_eq!(rows(&out), ["日本語", "のテキ", "スト"]);
        for line in &out {
            assert!(line.width() <= 6);
        }
        let out = wrap_text("Hello 日本語です", 10, Style::default());
        assert_eq!(rows(&out), ["Hello 日本", "語です"]);
        assert_eq!(display_width("👍🏽"), 2);
        let out = wrap_text("👨‍👩‍👧 🇫🇷 e\u{301}", 2, Style::default());
        assert_eq!(rows(&out), ["👨‍👩‍👧", "🇫🇷", "e\u{301}"]);
    }

    #[test]
    fn narrow_widths_never_panic() {
        for width in 0..=3 {
            let out = wrap_text("héllo 世界 👍 a\tb\u{1b}", width, Style::default());
            assert!(!out.is_empty());
            for line in &out {
                assert!(line.width() <= usize::from(width.max(2)));
            }
        }
        assert_eq!(
            rows(&wrap_text("a\tb\u{1b}", 20, Style::default())),
            ["a    b␛"]
        );
    }

    #[test]
    fn styles_survive_breaks() {
        let bold = Style::new().bold();
        let spans = vec![
            Span::raw("one "),
            Span::styled("two three", bold),
            Span::raw("x"),
        ];
        let out = wrap_spans(spans, 5);
        assert_eq!(rows(&out), ["one", "two", "three", "x"]);
        assert_eq!(out[1].spans[0].style, bold);
    }

    #[test]
    fn hard_break_keeps_every_character() {
        let out = hard_break_spans(vec![Span::raw("  let x = 1;")], 5);
        assert_eq!(rows(&out), ["  let", " x = ", "1;"]);
        assert_eq!(rows(&hard_break_spans(Vec::new(), 5)), [""]);
        let cut = truncate_spans(&[Span::raw("ab"), Span::raw("世界")], 3);
        assert_eq!(
            cut.iter().map(|s| s.content.as_ref()).collect::<String>(),
            "ab"
        );
    }
}
