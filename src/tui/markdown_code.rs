//! Code blocks: their rows, the cache of their highlighting, and the fast path for a
//! fence that is still open at the end of a streaming answer.
//!
//! While a top-level fence is open, nothing after it can change how the text before it
//! renders, and each new line is a plain code row; only a line that could close the
//! fence needs the parser. So [`OpenFence`] appends rows for new lines without parsing,
//! and the view lays out only the new rows: a long code block streams at a cost per token
//! that does not grow with the block.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use ratatui::style::Style;
use ratatui::text::Span;

use super::build::Ctx;
use super::layout::Row;
use crate::tui::highlight::Highlighter;

type Highlighted = Arc<Vec<Vec<Span<'static>>>>;

/// Highlighted code by hash of (language, code); keeps only what the last build used, so
/// a closed block in the tail is highlighted once, however often the tail is parsed.
#[derive(Default)]
pub(crate) struct CodeCache {
    kept: HashMap<u64, Highlighted>,
    used: HashMap<u64, Highlighted>,
    /// How many blocks were highlighted (for tests: once per block).
    pub misses: usize,
}

impl CodeCache {
    fn get(&mut self, hl: &Highlighter, code: &str, lang: &str) -> Highlighted {
        let mut h = DefaultHasher::new();
        (lang, code).hash(&mut h);
        let key = h.finish();
        let found = self
            .used
            .get(&key)
            .cloned()
            .or_else(|| self.kept.remove(&key));
        let lines = found.unwrap_or_else(|| {
            self.misses += 1;
            Arc::new(hl.highlight(code, lang))
        });
        self.used.insert(key, Arc::clone(&lines));
        lines
    }

    /// Drops what was not used since the last call.
    pub(crate) fn sweep(&mut self) {
        self.kept = std::mem::take(&mut self.used);
    }
}

/// The rows of a code block: a ```lang label, the lines (plain while the fence is open,
/// highlighted once it is closed), and a closing ``` once closed. `first` is the prefix
/// of the label row, `rest` of the others.
pub(crate) fn code_rows(
    text: &str,
    lang: &str,
    open: bool,
    (first, rest): (Vec<Span<'static>>, Vec<Span<'static>>),
    ctx: &mut Ctx<'_>,
) -> Vec<Row> {
    let fence = ctx.styles.code_fence;
    let base = ctx.styles.code_block;
    let mut rows = vec![Row::Code {
        prefix: first,
        spans: vec![Span::styled(format!("```{lang}"), fence)],
    }];
    if open {
        // Highlighted once it closes: have its syntax ready by then.
        ctx.hl.warm_lang(lang, text);
        rows.extend(text.lines().map(|line| plain_row(line, rest.clone(), base)));
        return rows;
    }
    let lines = ctx.cache.get(ctx.hl, text, lang);
    for line in lines.iter() {
        let spans = line
            .iter()
            .map(|s| Span::styled(s.content.clone(), base.patch(s.style)))
            .collect();
        rows.push(Row::Code {
            prefix: rest.clone(),
            spans,
        });
    }
    rows.push(Row::Code {
        prefix: rest,
        spans: vec![Span::styled("```", fence)],
    });
    rows
}

fn plain_row(line: &str, prefix: Vec<Span<'static>>, style: Style) -> Row {
    Row::Code {
        prefix,
        spans: vec![Span::styled(line.to_string(), style)],
    }
}

/// Whether a fenced block's source ends with a closing fence (at least as long as the
/// opening one, of the same character, nothing after it), inside any quote markers.
pub(crate) fn fence_closed(source: &str) -> bool {
    let opener = source.trim_start();
    let Some(ch) = opener.chars().next().filter(|c| *c == '`' || *c == '~') else {
        return false;
    };
    let len = opener.chars().take_while(|c| *c == ch).count();
    let Some((_, last)) = source.trim_end_matches(['\n', '\r']).rsplit_once('\n') else {
        return false;
    };
    closes(last.trim_start_matches([' ', '\t', '>']), ch, len)
}

/// Whether `line` (indentation removed) is a closing fence for `len` × `ch`.
fn closes(line: &str, ch: char, len: usize) -> bool {
    let line = line.trim_end_matches(['\n', '\r']);
    let run = line.chars().take_while(|c| *c == ch).count();
    run >= len && line[run * ch.len_utf8()..].trim().is_empty()
}

/// A top-level fence, not indented, open at the end of the text: the tail's only block.
#[derive(Debug)]
pub(crate) struct OpenFence {
    ch: char,
    len: usize,
    /// Where the complete lines taken in so far end, in the whole text.
    lines_end: usize,
    /// The block's rows for its label and those complete lines; after them comes at most
    /// one row, for the line being written.
    pub rows_done: usize,
    /// (width, rows, out lines): the first `rows` rows are laid out at `width` and end
    /// at `out lines` in the view's output.
    pub laid: Option<(u16, usize, usize)>,
}

impl OpenFence {
    /// Recognizes the fast-path case for a block starting at `start` in `text` that was
    /// built into `rows` rows; None if its rows are not the plain shape expected.
    pub(crate) fn detect(text: &str, start: usize, rows: usize) -> Option<Self> {
        let src = text.get(start..)?;
        let ch = src.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = src.chars().take_while(|c| *c == ch).count();
        let opener_end = src.find('\n')? + 1;
        let lines_end = src.rfind('\n')? + 1;
        let complete = src[opener_end..lines_end].split_inclusive('\n').count();
        let partial = usize::from(shows_partial(&src[lines_end..]));
        (rows == 1 + complete + partial).then_some(OpenFence {
            ch,
            len,
            lines_end: start + lines_end,
            rows_done: 1 + complete,
            laid: None,
        })
    }

    /// Takes in the text that came after the last call. False if a new line could close
    /// the fence: then the tail must be parsed.
    pub(crate) fn extend(&mut self, text: &str, rows: &mut Vec<Row>, style: Style) -> bool {
        let Some(new) = text.get(self.lines_end..) else {
            return false;
        };
        let complete = new.rfind('\n').map_or(0, |i| i + 1);
        let closing = |l: &str| closes(l.trim_start_matches(' '), self.ch, self.len);
        if new.split_inclusive('\n').any(closing) {
            return false;
        }
        rows.truncate(self.rows_done);
        rows.extend(
            new[..complete]
                .lines()
                .map(|l| plain_row(l, Vec::new(), style)),
        );
        self.rows_done = rows.len();
        self.lines_end += complete;
        if shows_partial(&new[complete..]) {
            rows.push(plain_row(&new[complete..], Vec::new(), style));
        }
        true
    }
}

/// Whether the parser shows the unfinished last line of an open fence: not while it is
/// up to three spaces (it may yet become the closing fence's indentation).
fn shows_partial(line: &str) -> bool {
    line.len() > 3 || line.chars().any(|c| c != ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_fences() {
        assert!(fence_closed("```rust\nfn x\n```"));
        assert!(fence_closed("~~~~\nx\n  ~~~~~  \n"));
        assert!(fence_closed("```\n> x\n> ```"));
        assert!(!fence_closed("```rust\nfn x\n"));
        assert!(!fence_closed("```rust\nfn x\n``"));
        assert!(!fence_closed("```rust\nfn x\n```py"));
        assert!(!fence_closed("````\nx\n```"));
        assert!(!fence_closed("```rust"));
    }

    #[test]
    fn open_fence_takes_lines_until_one_may_close_it() {
        let text = "```rust\nfn a() {}\nlet";
        let mut fence = OpenFence::detect(text, 0, 3).expect("open fence");
        assert_eq!(fence.rows_done, 2);
        assert!(
            OpenFence::detect(text, 0, 2).is_none(),
            "unexpected row count"
        );
        let mut rows = vec![
            Row::Rule {
                prefix: Vec::new(),
                style: Style::new()
            };
            3
        ];
        let text = format!("{text} x = 1;\n\n  ``");
        assert!(fence.extend(&text, &mut rows, Style::new()));
        assert_eq!((rows.len(), fence.rows_done), (5, 4));
        assert!(!fence.extend(&format!("{text}`"), &mut rows, Style::new()));
        assert!(!fence.extend(&format!("{text}\n```\n"), &mut rows, Style::new()));
    }
}
