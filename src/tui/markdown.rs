//! Markdown for the terminal, rendered incrementally as an answer streams in.
//!
//! The text is cut into top-level blocks where the parser itself closed one: a block is
//! final once the block after it has started on a complete line, because CommonMark never
//! reopens a closed block. Final blocks are parsed, styled and highlighted once (`Row`s,
//! independent of width) and laid out once per width; only the tail, from the start of the
//! last unfinished block, is parsed again when text arrives. So the work per new token is
//! bounded by the size of the block being written, not by the answer.
//!
//! A fenced code block still open at the end is extended line by line without parsing
//! (`markdown_code.rs`), so a long block streams at a flat cost too.
//!
//! Split over files: `markdown_build.rs` (parse into rows), `markdown_code.rs` (code blocks),
//! `markdown_layout.rs` (rows to screen lines at a width), `markdown_tests.rs`.

#[path = "markdown_build.rs"]
mod build;
#[path = "markdown_code.rs"]
mod code;
#[path = "markdown_layout.rs"]
mod layout;
#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;

use self::build::{Built, Ctx, Defs, Fence};
use self::code::{CodeCache, OpenFence};
use self::layout::Row;
use crate::tui::highlight::Highlighter;

/// The styles markdown is drawn with; the TUI fills it from its theme. Default = a sensible dark palette.
///
/// `emphasis`, `strong`, `code_inline`, `quote` and `link` are laid over the style of the
/// text around them; the others are used as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdStyles {
    pub text: Style,
    pub heading: Style,
    pub emphasis: Style,
    pub strong: Style,
    pub code_inline: Style,
    pub code_block: Style,
    /// The ```lang label line above a code block, and the closing one.
    pub code_fence: Style,
    pub quote: Style,
    pub link: Style,
    pub list_marker: Style,
    pub table_border: Style,
    pub rule: Style,
}

impl Default for MdStyles {
    fn default() -> Self {
        let dim = Style::new().fg(Color::DarkGray);
        MdStyles {
            text: Style::new(),
            heading: Style::new()
                .fg(Color::LightCyan)
                .add_modifier(Modifier::BOLD),
            emphasis: Style::new().add_modifier(Modifier::ITALIC),
            strong: Style::new().add_modifier(Modifier::BOLD),
            code_inline: Style::new().fg(Color::LightYellow),
            code_block: Style::new(),
            code_fence: dim,
            quote: Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC),
            link: Style::new()
                .fg(Color::LightBlue)
                .add_modifier(Modifier::UNDERLINED),
            list_marker: Style::new().fg(Color::LightBlue),
            table_border: dim,
            rule: dim,
        }
    }
}

/// Renders a finished markdown text at `width` in one go, without splitting it into
/// cached blocks: the reference that [`MarkdownView`] must match.
pub fn render(text: &str, width: u16, styles: &MdStyles, hl: &Highlighter) -> Vec<Line<'static>> {
    render_whole(text, width, styles, hl, true)
}

fn render_whole(
    text: &str,
    width: u16,
    styles: &MdStyles,
    hl: &Highlighter,
    finished: bool,
) -> Vec<Line<'static>> {
    let mut cache = CodeCache::default();
    let defs = Defs::new();
    let mut ctx = Ctx {
        styles,
        hl,
        finished,
        defs: &defs,
        cache: &mut cache,
    };
    let (blocks, _) = build::build(text, &mut ctx);
    let mut out = Vec::new();
    for block in &blocks {
        lay_block(&block.rows, width, &mut out);
    }
    out
}

/// Lays out one block after the ones in `out`, with a blank line between them.
fn lay_block(rows: &[Row], width: u16, out: &mut Vec<Line<'static>>) {
    let before = out.len();
    if before > 0 {
        out.push(Line::default());
    }
    layout::layout(rows, width, out);
    if out.len() == before + 1 && before > 0 {
        out.pop();
    }
}

/// A top-level block: where its source starts (at a line start) and ends, its rows, and
/// the undefined reference labels it used.
struct Block {
    start: usize,
    end: usize,
    rows: Vec<Row>,
    broken: Vec<String>,
}

/// Incremental renderer of a growing markdown text (a streamed answer).
#[derive(Default)]
pub struct MarkdownView {
    text: String,
    finished: bool,
    /// `text[..stable]` is covered by `blocks` and never parsed again.
    stable: usize,
    blocks: Vec<Block>,
    /// The blocks of `text[stable..]` as last parsed.
    tail: Vec<Block>,
    tail_stale: bool,
    /// Set when the tail is one open code fence that new lines extend without parsing.
    fence: Option<OpenFence>,
    defs: Defs,
    cache: CodeCache,
    /// The styles and syntax theme the rows were built with.
    built_with: Option<(MdStyles, String)>,
    out: Vec<Line<'static>>,
    out_width: Option<u16>,
    /// How many of `blocks` are in `out`, in its first `final_rows` lines.
    laid: usize,
    final_rows: usize,
    tail_laid: bool,
    work: Work,
}

/// What a view has done, for tests that check caching.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Work {
    parses: usize,
    layouts: usize,
}

impl std::fmt::Debug for MarkdownView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarkdownView")
            .field("len", &self.text.len())
            .field("final_blocks", &self.blocks.len())
            .field("tail_from", &self.stable)
            .field("finished", &self.finished)
            .finish()
    }
}

impl MarkdownView {
    /// An empty view that expects text to come.
    pub fn new() -> Self {
        Self::default()
    }

    /// A view of already-finished text.
    pub fn from_text(text: &str) -> Self {
        let mut view = Self::new();
        view.push_str(text);
        view.finish();
        view
    }

    /// Appends streamed text. Cheap: the work happens in the next [`Self::lines`].
    pub fn push_str(&mut self, delta: &str) {
        if delta.is_empty() {
            return;
        }
        self.text.push_str(delta);
        self.finished = false;
        self.tail_stale = true;
    }

    /// All the text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// No more text comes: the last block may now be finalized (e.g. an unclosed code
    /// fence highlighted). Text pushed after this reopens the view.
    pub fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.tail_stale = true;
        }
    }

    /// Whether [`Self::finish`] was called after the last text.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The text laid out for `width` columns, pre-wrapped (so line count == rows on screen).
    ///
    /// With no new text, the same width and the same styles this is the cached result.
    pub fn lines(&mut self, width: u16, styles: &MdStyles, hl: &Highlighter) -> &[Line<'static>] {
        let same_styles = self
            .built_with
            .as_ref()
            .is_some_and(|(s, t)| s == styles && t == hl.theme_name());
        if !same_styles {
            self.built_with = Some((styles.clone(), hl.theme_name().to_string()));
            self.blocks.clear();
            self.tail.clear();
            self.fence = None;
            self.stable = 0;
            self.tail_stale = true;
            self.out_width = None;
        }
        if self.tail_stale {
            let extended = match (&mut self.fence, self.tail.first_mut()) {
                (Some(fence), Some(block)) if !self.finished => {
                    fence.extend(&self.text, &mut block.rows, styles.code_block)
                }
                _ => false,
            };
            if !extended {
                self.parse_tail(styles, hl);
            }
            self.tail_stale = false;
            self.tail_laid = false;
        }
        if self.out_width != Some(width) {
            self.out.clear();
            self.out_width = Some(width);
            self.laid = 0;
            self.final_rows = 0;
            self.tail_laid = false;
            if let Some(fence) = &mut self.fence {
                fence.laid = None;
            }
        }
        if self.laid < self.blocks.len() || !self.tail_laid {
            self.work.layouts += 1;
            self.lay_out(width);
            self.tail_laid = true;
        }
        &self.out
    }

    /// Brings `out` up to date at `width`: new final blocks, then the tail; for an open
    /// fence whose earlier rows are laid out at this width, only its new rows.
    fn lay_out(&mut self, width: u16) {
        let out = &mut self.out;
        if self.laid == self.blocks.len()
            && let (Some(fence), Some(block)) = (&mut self.fence, self.tail.first())
            && let Some((w, rows, len)) = fence.laid
            && w == width
        {
            out.truncate(len);
            layout::layout(&block.rows[rows..fence.rows_done], width, out);
            fence.laid = Some((width, fence.rows_done, out.len()));
            layout::layout(&block.rows[fence.rows_done..], width, out);
            return;
        }
        out.truncate(self.final_rows);
        for block in &self.blocks[self.laid..] {
            lay_block(&block.rows, width, out);
        }
        self.laid = self.blocks.len();
        self.final_rows = out.len();
        match (&mut self.fence, self.tail.first()) {
            (Some(fence), Some(block)) => {
                if !out.is_empty() {
                    out.push(Line::default());
                }
                layout::layout(&block.rows[..fence.rows_done], width, out);
                fence.laid = Some((width, fence.rows_done, out.len()));
                layout::layout(&block.rows[fence.rows_done..], width, out);
            }
            _ => {
                for block in &self.tail {
                    lay_block(&block.rows, width, out);
                }
            }
        }
    }

    /// Parses `text[stable..]` again and moves the blocks that can no longer change into
    /// `blocks`.
    fn parse_tail(&mut self, styles: &MdStyles, hl: &Highlighter) {
        self.work.parses += 1;
        let src = &self.text[self.stable..];
        let mut ctx = Ctx {
            styles,
            hl,
            finished: self.finished,
            defs: &self.defs,
            cache: &mut self.cache,
        };
        let (built, defs) = build::build(src, &mut ctx);
        self.cache.sweep();
        // Lines before the last newline are complete; a block whose first line is
        // complete has closed every block before it.
        let complete = src.rfind('\n').map_or(0, |i| i + 1);
        let starts: Vec<usize> = built.iter().map(|b| line_start(src, b.start)).collect();
        let mut keep_from = built.iter().rposition(|b| b.start < complete).unwrap_or(0);
        // A closed fence followed by anything is final even if that thing's line is not.
        if keep_from + 1 < built.len() && built[keep_from].fence == Fence::Closed {
            keep_from += 1;
        }
        let base = self.stable;
        let end_of = |i: usize| starts.get(i + 1).map_or(src.len(), |s| *s) + base;
        let mut tail = Vec::new();
        let mut open_fence = false;
        for (
            i,
            Built {
                rows,
                broken,
                fence,
                ..
            },
        ) in built.into_iter().enumerate()
        {
            let block = Block {
                start: starts[i] + base,
                end: end_of(i),
                rows,
                broken,
            };
            if i < keep_from {
                self.blocks.push(block);
            } else {
                open_fence = fence == Fence::Open;
                tail.push(block);
            }
        }
        let new_stable = starts.get(keep_from).map_or(self.stable, |s| s + base);
        self.tail = tail;
        self.fence = match self.tail.as_slice() {
            [block] if open_fence => OpenFence::detect(&self.text, block.start, block.rows.len()),
            _ => None,
        };
        // A definition is known to the blocks after it once its text can no longer change.
        let mut added = Vec::new();
        for def in defs {
            let fixed = self.finished || def.span.end + base <= new_stable;
            if fixed && !self.defs.contains_key(&def.label) {
                self.defs.insert(def.label.clone(), (def.url, def.title));
                added.push(def.label);
            }
        }
        self.stable = new_stable;
        if !added.is_empty() {
            self.resolve_forward_references(&added, styles, hl);
        }
    }

    /// Rebuilds the final blocks that used a reference defined only later in the text.
    fn resolve_forward_references(
        &mut self,
        added: &[String],
        styles: &MdStyles,
        hl: &Highlighter,
    ) {
        let mut changed = false;
        for block in &mut self.blocks {
            if !block.broken.iter().any(|l| added.contains(l)) {
                continue;
            }
            let src = &self.text[block.start..block.end];
            let mut ctx = Ctx {
                styles,
                hl,
                finished: true,
                defs: &self.defs,
                cache: &mut self.cache,
            };
            let (mut built, _) = build::build(src, &mut ctx);
            if built.len() == 1
                && let Some(b) = built.pop()
            {
                block.rows = b.rows;
                block.broken = b.broken;
                changed = true;
            }
        }
        if changed {
            self.out_width = None;
        }
    }
}

fn line_start(src: &str, at: usize) -> usize {
    src.get(..at)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1)
}
