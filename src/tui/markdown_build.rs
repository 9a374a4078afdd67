//! Parses markdown and turns it into rows, one group per top-level block.
//!
//! Containers (quotes, list items) become prefixes on each row: a `│ ` gutter, or a list
//! marker on the first row and its width in spaces after. Everything the parser reports
//! is drawn; what has no special form is drawn as its text.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{BrokenLink, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};
use ratatui::style::Style;
use ratatui::text::Span;

#[path = "markdown_inline.rs"]
mod inline;

use super::MdStyles;
use super::code::{CodeCache, code_rows, fence_closed};
use super::layout::{Row, Table};
use crate::tui::highlight::Highlighter;

/// A link reference definition: normalized label -> (url, title).
pub(crate) type Defs = HashMap<String, (String, String)>;

/// What a build needs besides the text.
pub(crate) struct Ctx<'a> {
    pub styles: &'a MdStyles,
    pub hl: &'a Highlighter,
    /// No more text comes: an unclosed fence at the end is complete and highlighted.
    pub finished: bool,
    /// Definitions from text before this piece, for its reference links.
    pub defs: &'a Defs,
    pub cache: &'a mut CodeCache,
}

/// One top-level block: where it starts in the source, its rows, and the reference labels
/// it used that were not defined (a later definition means it must be built again).
pub(crate) struct Built {
    pub start: usize,
    pub rows: Vec<Row>,
    pub broken: Vec<String>,
    /// Whether the block is a fenced code block outside any container, and if so whether
    /// its closing fence has come.
    pub fence: Fence,
}

/// The state of a top-level fenced code block.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) enum Fence {
    /// The block is something else.
    #[default]
    None,
    /// The text ends inside it.
    Open,
    /// Its closing fence line has come: nothing after it can change it.
    Closed,
}

/// A link reference definition found in the text.
pub(crate) struct FoundDef {
    pub label: String,
    pub url: String,
    pub title: String,
    pub span: Range<usize>,
}

/// The blocks of `src`, and the link definitions found in it.
pub(crate) fn build(src: &str, ctx: &mut Ctx<'_>) -> (Vec<Built>, Vec<FoundDef>) {
    let broken = RefCell::new(Vec::new());
    let known: &Defs = ctx.defs;
    let resolve = |link: BrokenLink<'_>| {
        let label = normalize(&link.reference);
        match known.get(&label) {
            Some((url, title)) => Some((CowStr::from(url.clone()), CowStr::from(title.clone()))),
            None => {
                broken.borrow_mut().push((link.span.start, label));
                None
            }
        }
    };
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut parser =
        Parser::new_with_broken_link_callback(src, options, Some(resolve)).into_offset_iter();
    let mut b = Builder::new(src, ctx.styles);
    let mut blocks: Vec<Built> = Vec::new();
    for (event, range) in parser.by_ref() {
        if b.depth == 0 {
            let (rows, broken) = (Vec::new(), Vec::new());
            let fence = Fence::None;
            blocks.push(Built {
                start: range.start,
                rows,
                broken,
                fence,
            });
        }
        b.event(event, range, ctx);
        if b.depth == 0
            && let Some(block) = blocks.last_mut()
        {
            block.rows = b.take_rows();
            block.fence = std::mem::take(&mut b.fence);
        }
    }
    let defs = parser
        .reference_definitions()
        .iter()
        .map(|(label, def)| FoundDef {
            label: normalize(label),
            url: def.dest.to_string(),
            title: def.title.as_deref().unwrap_or("").to_string(),
            span: def.span.clone(),
        })
        .collect();
    drop(parser);
    for (at, label) in broken.into_inner() {
        if let Some(block) = blocks.iter_mut().rev().find(|b| b.start <= at) {
            block.broken.push(label);
        }
    }
    (blocks, defs)
}

/// Reference labels match case-insensitively with runs of whitespace as one space.
pub(crate) fn normalize(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A quote or list item: what it puts before its first row, and before the others.
struct Container {
    first: Vec<Span<'static>>,
    rest: Vec<Span<'static>>,
    used: bool,
    quote: bool,
}

struct List {
    next: Option<u64>,
    loose: bool,
}

struct Code {
    lang: String,
    text: String,
    range: Range<usize>,
    fenced: bool,
}

struct Builder<'s> {
    src: &'s str,
    styles: &'s MdStyles,
    depth: usize,
    rows: Vec<Row>,
    containers: Vec<Container>,
    lists: Vec<List>,
    /// Inline style patches (emphasis, link, ...) over the block's base style.
    marks: Vec<Style>,
    inline: Vec<Span<'static>>,
    /// Open links: target and text so far.
    links: Vec<(String, String)>,
    heading: Option<usize>,
    table: Option<(Table, Vec<Vec<Span<'static>>>, bool)>,
    code: Option<Code>,
    html: Option<String>,
    pending_blank: bool,
    fence: Fence,
}

impl<'s> Builder<'s> {
    fn new(src: &'s str, styles: &'s MdStyles) -> Self {
        Builder {
            src,
            styles,
            depth: 0,
            rows: Vec::new(),
            containers: Vec::new(),
            lists: Vec::new(),
            marks: Vec::new(),
            inline: Vec::new(),
            links: Vec::new(),
            heading: None,
            table: None,
            code: None,
            html: None,
            pending_blank: false,
            fence: Fence::None,
        }
    }

    fn take_rows(&mut self) -> Vec<Row> {
        self.flush();
        self.pending_blank = false;
        std::mem::take(&mut self.rows)
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>, ctx: &mut Ctx<'_>) {
        match event {
            Event::Start(tag) => {
                self.depth += 1;
                self.start(tag, range);
            }
            Event::End(tag) => {
                self.depth = self.depth.saturating_sub(1);
                self.end(tag, ctx);
            }
            Event::Rule => {
                self.open_block();
                let (prefix, _) = self.prefixes();
                self.rows.push(Row::Rule {
                    prefix,
                    style: self.styles.rule,
                });
                self.pending_blank = true;
            }
            Event::HardBreak => self.flush(),
            other => self.inline_event(other),
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        match tag {
            Tag::Paragraph => {
                if let Some(list) = self.lists.last_mut()
                    && self.containers.last().is_some_and(|c| !c.quote)
                {
                    list.loose = true;
                }
                self.open_block();
            }
            Tag::Heading { level, .. } => {
                self.open_block();
                let marker = format!("{} ", "#".repeat(level as usize));
                self.heading = Some(marker.len());
                let style = self.base();
                self.push(&marker, style);
            }
            Tag::BlockQuote(_) => {
                self.open_block();
                let gutter = vec![Span::styled("│ ", self.styles.quote)];
                self.containers.push(Container {
                    first: gutter.clone(),
                    rest: gutter,
                    used: false,
                    quote: true,
                });
            }
            Tag::CodeBlock(kind) => {
                self.open_block();
                let (lang, fenced) = match kind {
                    CodeBlockKind::Fenced(info) => (info.trim().to_string(), true),
                    CodeBlockKind::Indented => (String::new(), false),
                };
                self.code = Some(Code {
                    lang,
                    text: String::new(),
                    range,
                    fenced,
                });
            }
            Tag::HtmlBlock => {
                self.open_block();
                self.html = Some(String::new());
            }
            Tag::List(start) => {
                self.open_block();
                self.lists.push(List {
                    next: start,
                    loose: false,
                });
            }
            Tag::Item => {
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(List { next: Some(n), .. }) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => ["• ", "◦ ", "▪ "][depth % 3].to_string(),
                };
                let indent = " ".repeat(crate::tui::wrap::display_width(&marker));
                let first = vec![Span::styled(marker, self.styles.list_marker)];
                self.containers.push(Container {
                    first,
                    rest: vec![Span::raw(indent)],
                    used: false,
                    quote: false,
                });
            }
            Tag::Table(aligns) => {
                self.open_block();
                let table = Table {
                    aligns,
                    border: self.styles.table_border,
                    ..Table::default()
                };
                self.table = Some((table, Vec::new(), false));
            }
            other => self.start_inline(other),
        }
    }

    fn end(&mut self, tag: TagEnd, ctx: &mut Ctx<'_>) {
        match tag {
            TagEnd::Paragraph => self.close_leaf(),
            TagEnd::Heading(_) => {
                self.close_leaf();
                self.heading = None;
            }
            TagEnd::BlockQuote(_) | TagEnd::Item => {
                self.flush();
                if self.containers.last().is_some_and(|c| !c.used) {
                    let (first, rest) = self.prefixes();
                    self.rows.push(Row::Text {
                        first,
                        rest,
                        spans: Vec::new(),
                    });
                }
                if let Some(c) = self.containers.pop() {
                    let tight = self.lists.last().is_some_and(|l| !l.loose);
                    self.pending_blank = c.quote || !tight;
                }
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.pending_blank = true;
            }
            TagEnd::CodeBlock => self.close_code(ctx),
            TagEnd::HtmlBlock => {
                let html = self.html.take().unwrap_or_default();
                let style = self.base();
                for line in html.lines() {
                    let (first, rest) = self.prefixes();
                    let spans = if line.is_empty() {
                        Vec::new()
                    } else {
                        vec![Span::styled(line.to_string(), style)]
                    };
                    self.rows.push(Row::Text { first, rest, spans });
                }
                self.pending_blank = true;
            }
            TagEnd::Table => {
                if let Some((table, _, _)) = self.table.take() {
                    let (first, rest) = self.prefixes();
                    self.rows.push(Row::Table { first, rest, table });
                }
                self.pending_blank = true;
            }
            other => self.end_inline(other),
        }
    }

    /// Before a block: a blank row if a sibling block came before it, and the text of a
    /// tight list item before it as a row of its own.
    fn open_block(&mut self) {
        self.flush();
        if self.pending_blank {
            let mut prefix: Vec<Span<'static>> = Vec::new();
            for c in self.containers.iter().filter(|c| c.used) {
                prefix.extend(c.rest.iter().cloned());
            }
            trim_end(&mut prefix);
            self.rows.push(Row::Text {
                first: prefix.clone(),
                rest: prefix,
                spans: Vec::new(),
            });
            self.pending_blank = false;
        }
    }

    fn close_leaf(&mut self) {
        self.flush();
        self.pending_blank = true;
    }

    /// The collected inline text becomes a row.
    fn flush(&mut self) {
        if self.inline.is_empty() || self.table.is_some() {
            return;
        }
        let spans = std::mem::take(&mut self.inline);
        let (first, mut rest) = self.prefixes();
        if let Some(hang) = self.heading {
            rest.push(Span::raw(" ".repeat(hang)));
        }
        self.rows.push(Row::Text { first, rest, spans });
    }

    /// The prefixes for the next row; marks the containers as started.
    fn prefixes(&mut self) -> (Vec<Span<'static>>, Vec<Span<'static>>) {
        let mut first = Vec::new();
        let mut rest = Vec::new();
        for c in &mut self.containers {
            first.extend(
                if c.used {
                    c.rest.iter()
                } else {
                    c.first.iter()
                }
                .cloned(),
            );
            rest.extend(c.rest.iter().cloned());
            c.used = true;
        }
        (first, rest)
    }

    fn close_code(&mut self, ctx: &mut Ctx<'_>) {
        let Some(code) = self.code.take() else { return };
        let source = self.src.get(code.range.clone()).unwrap_or("");
        let at_end = self
            .src
            .get(code.range.end..)
            .is_none_or(|rest| rest.trim().is_empty());
        let open = code.fenced && !ctx.finished && at_end && !fence_closed(source);
        if self.containers.is_empty() && code.fenced {
            self.fence = if open {
                Fence::Open
            } else if fence_closed(source) {
                Fence::Closed
            } else {
                Fence::None
            };
        }
        let (first, rest) = self.prefixes();
        let rows = code_rows(&code.text, &code.lang, open, (first, rest), ctx);
        self.rows.extend(rows);
        self.pending_blank = true;
    }
}

fn trim_end(spans: &mut Vec<Span<'static>>) {
    while let Some(last) = spans.last_mut() {
        let trimmed = last.content.trim_end().len();
        if trimmed == 0 {
            spans.pop();
        } else {
            last.content.to_mut().truncate(trimmed);
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_normalize() {
        assert_eq!(normalize("  Foo \n Bar"), "foo bar");
    }
}
