//! The width-independent form of rendered markdown (`Row`) and its layout at a width.
//!
//! Building rows (parsing, styling, highlighting) happens once per block; laying them out
//! is all that a new width costs.

use pulldown_cmark::Alignment;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::tui::wrap::{hard_break_line, spans_width, truncate_spans, wrap_line};

/// One logical line of a rendered block, before wrapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Row {
    /// Word-wrapped text: `first` goes before the first screen row, `rest` before the
    /// others (a list marker, then its indent; quote gutters on both).
    Text {
        first: Vec<Span<'static>>,
        rest: Vec<Span<'static>>,
        spans: Vec<Span<'static>>,
    },
    /// A line of code: never word-wrapped, hard-broken at the width.
    Code {
        prefix: Vec<Span<'static>>,
        spans: Vec<Span<'static>>,
    },
    /// A horizontal rule across the width.
    Rule {
        prefix: Vec<Span<'static>>,
        style: Style,
    },
    /// A table, sized when the width is known.
    Table {
        first: Vec<Span<'static>>,
        rest: Vec<Span<'static>>,
        table: Table,
    },
}

/// A table's cells as styled spans.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Table {
    pub aligns: Vec<Alignment>,
    pub head: Vec<Vec<Span<'static>>>,
    pub rows: Vec<Vec<Vec<Span<'static>>>>,
    pub border: Style,
}

/// Lays `rows` out at `width` columns, appending screen lines to `out`.
pub(crate) fn layout(rows: &[Row], width: u16, out: &mut Vec<Line<'static>>) {
    let width = usize::from(width.max(1));
    for row in rows {
        match row {
            Row::Text { first, rest, spans } => {
                let (first, rest, avail) = fit_prefixes(first, rest, width);
                for (i, line) in wrap_line(spans, avail).into_iter().enumerate() {
                    out.push(prefixed(if i == 0 { &first } else { &rest }, line, width));
                }
            }
            Row::Code { prefix, spans } => {
                let (prefix, _, avail) = fit_prefixes(prefix, prefix, width);
                for line in hard_break_line(spans, avail) {
                    out.push(prefixed(&prefix, line, width));
                }
            }
            Row::Rule { prefix, style } => {
                let (prefix, _, avail) = fit_prefixes(prefix, prefix, width);
                let rule = Line::from(Span::styled("─".repeat(avail), *style));
                out.push(prefixed(&prefix, rule, width));
            }
            Row::Table { first, rest, table } => {
                let (first, rest, avail) = fit_prefixes(first, rest, width);
                let start = out.len();
                layout_table(table, avail, out);
                for (i, line) in out[start..].iter_mut().enumerate() {
                    let taken = std::mem::take(line);
                    *line = prefixed(if i == 0 { &first } else { &rest }, taken, width);
                }
            }
        }
    }
}

/// Prefixes cut so that at least one column is left for content.
fn fit_prefixes(
    first: &[Span<'static>],
    rest: &[Span<'static>],
    width: usize,
) -> (Vec<Span<'static>>, Vec<Span<'static>>, usize) {
    let pw = spans_width(first).max(spans_width(rest));
    if pw < width {
        return (first.to_vec(), rest.to_vec(), width - pw);
    }
    let keep = width - 1;
    (
        truncate_spans(first, keep),
        truncate_spans(rest, keep),
        width - keep,
    )
}

/// `line` after `prefix`; the prefix gives way to a lone wide character that is wider
/// than the room left for content.
fn prefixed(prefix: &[Span<'static>], line: Line<'static>, width: usize) -> Line<'static> {
    if prefix.is_empty() {
        return line;
    }
    let room = width.saturating_sub(line.width());
    if spans_width(prefix) > room {
        return prefixed(&truncate_spans(prefix, room), line, width);
    }
    let mut spans = Vec::with_capacity(prefix.len() + line.spans.len());
    spans.extend_from_slice(prefix);
    spans.extend(line.spans);
    Line::from(spans)
}

const SEP: &str = " │ ";
const SEP_W: usize = 3;

fn layout_table(t: &Table, width: usize, out: &mut Vec<Line<'static>>) {
    let cols = t
        .rows
        .iter()
        .map(Vec::len)
        .chain([t.head.len(), t.aligns.len()])
        .max();
    let cols = cols.unwrap_or(0);
    if cols == 0 {
        return;
    }
    let seps = SEP_W * (cols - 1);
    if width < seps + cols {
        return layout_table_as_text(t, width, out);
    }
    let mut natural = vec![1; cols];
    let mut least = vec![1; cols];
    for row in std::iter::once(&t.head).chain(&t.rows) {
        for (c, cell) in row.iter().enumerate() {
            natural[c] = natural[c].max(spans_width(cell));
            least[c] = least[c].max(longest_word(cell));
        }
    }
    let widths = fit_columns(&natural, &least, width - seps);
    push_table_row(t, &t.head, &widths, out);
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    out.push(Line::from(Span::styled(rule.join("─┼─"), t.border)));
    for row in &t.rows {
        push_table_row(t, row, &widths, out);
    }
}

/// Column widths within `budget`: the natural (one-line) widths if they fit; else every
/// column gets its longest word and the rest is shared in proportion to what each still
/// lacks; else words must break, and the budget is shared evenly, narrow columns first.
fn fit_columns(natural: &[usize], least: &[usize], budget: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= budget {
        return natural.to_vec();
    }
    let floor: usize = least.iter().sum();
    if floor <= budget {
        let lack: Vec<usize> = natural
            .iter()
            .zip(least)
            .map(|(n, l)| n.saturating_sub(*l))
            .collect();
        let total: usize = lack.iter().sum::<usize>().max(1);
        let spare = budget - floor;
        let mut widths: Vec<usize> = least
            .iter()
            .zip(&lack)
            .map(|(l, k)| l + spare * k / total)
            .collect();
        let mut left = budget - widths.iter().sum::<usize>();
        for (w, n) in widths.iter_mut().zip(natural) {
            if left > 0 && *w < *n {
                *w += 1;
                left -= 1;
            }
        }
        return widths;
    }
    share_evenly(least, budget)
}

fn share_evenly(natural: &[usize], budget: usize) -> Vec<usize> {
    let mut widths = vec![0; natural.len()];
    let mut open: Vec<usize> = (0..natural.len()).collect();
    open.sort_by_key(|&c| natural[c]);
    let mut left = budget;
    while let Some(&c) = open.first() {
        if natural[c] * open.len() > left {
            break;
        }
        widths[c] = natural[c];
        left -= natural[c];
        open.remove(0);
    }
    let n = open.len().max(1);
    for (i, &c) in open.iter().enumerate() {
        widths[c] = (left / n + usize::from(i < left % n)).max(1);
    }
    widths
}

fn push_table_row(
    t: &Table,
    row: &[Vec<Span<'static>>],
    widths: &[usize],
    out: &mut Vec<Line<'static>>,
) {
    let cells: Vec<Vec<Line<'static>>> = widths
        .iter()
        .enumerate()
        .map(|(c, &w)| match row.get(c) {
            Some(cell) => wrap_line(cell, w).into_iter().map(|l| clip(l, w)).collect(),
            None => Vec::new(),
        })
        .collect();
    let height = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
    for r in 0..height {
        let mut spans = Vec::new();
        for (c, &w) in widths.iter().enumerate() {
            let line = cells[c].get(r).cloned().unwrap_or_default();
            let last = c + 1 == widths.len();
            if c > 0 {
                let sep = if last && line.spans.is_empty() {
                    SEP.trim_end()
                } else {
                    SEP
                };
                spans.push(Span::styled(sep, t.border));
            }
            let pad = w.saturating_sub(line.width());
            let (before, after) = match t.aligns.get(c) {
                Some(Alignment::Right) => (pad, 0),
                Some(Alignment::Center) => (pad / 2, pad - pad / 2),
                _ => (0, pad),
            };
            if before > 0 && !(last && line.spans.is_empty()) {
                spans.push(Span::raw(" ".repeat(before)));
            }
            spans.extend(line.spans);
            if after > 0 && !last {
                spans.push(Span::raw(" ".repeat(after)));
            }
        }
        out.push(Line::from(spans));
    }
}

/// The widest thing wrapping will not break: a word, or one wide (CJK) character.
fn longest_word(cell: &[Span<'_>]) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in cell.iter().flat_map(|s| s.content.chars()) {
        match unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) {
            _ if c == ' ' => run = 0,
            w if w > 1 => {
                best = best.max(w);
                run = 0;
            }
            w => {
                run += w;
                best = best.max(run);
            }
        }
    }
    best
}

/// A cell line cut to `w` columns with an ellipsis (only a wide character in a column
/// narrower than it is ever cut: wrapping handles the rest).
fn clip(line: Line<'static>, w: usize) -> Line<'static> {
    if line.width() <= w {
        return line;
    }
    let mut spans = truncate_spans(&line.spans, w.saturating_sub(1));
    spans.push(Span::raw("…"));
    Line::from(spans)
}

/// Too narrow for columns: each row becomes a wrapped line of cells joined by `│`.
fn layout_table_as_text(t: &Table, width: usize, out: &mut Vec<Line<'static>>) {
    let joined = |row: &[Vec<Span<'static>>]| {
        let mut spans = Vec::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                spans.push(Span::styled(SEP, t.border));
            }
            spans.extend(cell.iter().cloned());
        }
        spans
    };
    let wrapped = |row: &[Vec<Span<'static>>]| {
        wrap_line(&joined(row), width)
            .into_iter()
            .map(|l| clip(l, width))
    };
    out.extend(wrapped(&t.head));
    out.push(Line::from(Span::styled("─".repeat(width), t.border)));
    for row in &t.rows {
        out.extend(wrapped(row));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> Vec<Span<'static>> {
        vec![Span::raw(s.to_string())]
    }

    fn render(rows: &[Row], width: u16) -> Vec<String> {
        let mut out = Vec::new();
        layout(rows, width, &mut out);
        out.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn columns_shrink_to_fit() {
        assert_eq!(fit_columns(&[3, 4], &[3, 4], 20), [3, 4]);
        assert_eq!(fit_columns(&[3, 40, 30], &[3, 5, 10], 30), [3, 13, 14]);
        assert_eq!(fit_columns(&[3, 40, 30], &[3, 15, 10], 20), [3, 8, 9]);
        assert_eq!(fit_columns(&[10, 10], &[5, 5], 2), [1, 1]);
        assert_eq!(longest_word(&cell("ab cde 日本")), 3);
    }

    #[test]
    fn tables_never_exceed_width() {
        let table = Table {
            aligns: vec![Alignment::Left, Alignment::Right],
            head: vec![cell("name"), cell("value")],
            rows: vec![
                vec![cell("a long cell with words"), cell("1")],
                vec![cell("日本語")],
            ],
            border: Style::default(),
        };
        let rows = [Row::Table {
            first: vec![Span::raw("│ ")],
            rest: vec![Span::raw("│ ")],
            table,
        }];
        for width in 0..40 {
            let mut out = Vec::new();
            layout(&rows, width, &mut out);
            for line in &out {
                assert!(line.width() <= usize::from(width.max(1)), "{width}: {line}");
            }
        }
        assert_eq!(
            render(&rows, 20),
            [
                "│ name       │ value",
                "│ ───────────┼──────",
                "│ a long     │     1",
                "│ cell with  │",
                "│ words      │",
                "│ 日本語     │"
            ]
        );
    }

    #[test]
    fn prefixes_leave_a_column() {
        let rows = [Row::Text {
            first: vec![Span::raw("│ │ ")],
            rest: vec![Span::raw("│ │ ")],
            spans: cell("ab"),
        }];
        assert_eq!(render(&rows, 3), ["│ a", "│ b"]);
        assert_eq!(render(&rows, 1), ["a", "b"]);
    }
}
