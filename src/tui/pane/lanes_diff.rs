//! A word-level diff of two lanes' latest answers (the `similar` crate): words only in
//! the first are `[-struck-]` in the error colour, words only in the second `{+underlined+}`
//! in the ok colour, shared words plain. Built once per pair, width and answer length.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use similar::{ChangeTag, TextDiff};

use crate::tui::compare::Comparison;
use crate::tui::theme::Theme;
use crate::tui::wrap::{truncate_spans, wrap_line};

/// Counts of a diff: words removed and added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffCount {
    /// Words only in the first answer.
    pub removed: usize,
    /// Words only in the second.
    pub added: usize,
}

/// The diff of `old` and `new` as styled lines at `width`, and its counts. Removed runs
/// read `[-old-]` and added ones `{+new+}` (as `git diff --word-diff` writes them), so the
/// diff reads without colour too.
pub fn diff_lines(
    old: &str,
    new: &str,
    width: u16,
    theme: &Theme,
) -> (Vec<Line<'static>>, DiffCount) {
    let diff = TextDiff::from_words(old, new);
    let mut count = DiffCount::default();
    let gone = theme.error.add_modifier(Modifier::CROSSED_OUT);
    let added = theme.ok.add_modifier(Modifier::UNDERLINED);
    let mut out = Spans::default();
    for op in diff.ops() {
        let (mut same, mut removed, mut inserted) = (String::new(), String::new(), String::new());
        for change in diff.iter_changes(op) {
            let text = change.value();
            let words = usize::from(!text.trim().is_empty());
            match change.tag() {
                ChangeTag::Equal => same.push_str(text),
                ChangeTag::Delete => {
                    count.removed += words;
                    removed.push_str(text);
                }
                ChangeTag::Insert => {
                    count.added += words;
                    inserted.push_str(text);
                }
            }
        }
        out.push(&same, theme.text);
        if !removed.is_empty() {
            out.push(&format!("[-{removed}-]"), gone);
        }
        if !inserted.is_empty() {
            out.push(&format!("{{+{inserted}+}}"), added);
        }
    }
    let lines = out
        .lines
        .iter()
        .flat_map(|spans| {
            if spans.is_empty() {
                vec![Line::default()]
            } else {
                wrap_line(spans, usize::from(width))
            }
        })
        .collect();
    (lines, count)
}

/// Styled text cut into logical lines at its newlines (the wrapper never sees them).
struct Spans {
    lines: Vec<Vec<Span<'static>>>,
}

impl Default for Spans {
    fn default() -> Self {
        Spans {
            lines: vec![Vec::new()],
        }
    }
}

impl Spans {
    fn push(&mut self, text: &str, style: ratatui::style::Style) {
        for (k, part) in text.split('\n').enumerate() {
            if k > 0 {
                self.lines.push(Vec::new());
            }
            if !part.is_empty()
                && let Some(line) = self.lines.last_mut()
            {
                line.push(Span::styled(part.to_string(), style));
            }
        }
    }
}

fn answer(c: &Comparison, i: usize) -> &str {
    c.lanes[i].turns.last().map_or("", |t| t.answer.text())
}

/// Builds the diff of lanes `a` and `b` for `area` when stale, and fits its scroll.
pub fn prepare(c: &mut Comparison, a: usize, b: usize, area: Rect, theme: &Theme) {
    let width = area.width.max(1);
    let key = (a, b, width, answer(c, a).len(), answer(c, b).len());
    if c.diff_key != Some(key) {
        let (mut lines, n) = diff_lines(answer(c, a), answer(c, b), width, theme);
        let head = Line::from(vec![
            Span::styled(format!("diff {} → {} ", c.name(a), c.name(b)), theme.title),
            Span::styled(format!("−{} ", n.removed), theme.error),
            Span::styled(format!("+{} words", n.added), theme.ok),
        ]);
        lines.insert(0, Line::default());
        lines.insert(0, head);
        c.diff_lines = lines;
        c.diff_key = Some(key);
    }
    c.diff_scroll
        .fit(c.diff_lines.len(), usize::from(area.height));
}

/// Draws the diff into `area`.
pub fn render(c: &Comparison, area: Rect, buf: &mut Buffer) {
    let top = c.diff_scroll.top;
    for (dy, line) in c
        .diff_lines
        .iter()
        .skip(top)
        .take(usize::from(area.height))
        .enumerate()
    {
        let y = area.y + u16::try_from(dy).unwrap_or(0);
        let spans = truncate_spans(&line.spans, usize::from(area.width));
        buf.set_line(area.x, y, &Line::from(spans), area.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_removed_and_added_are_counted_and_kept_in_order() {
        let theme = Theme::monochrome();
        let (lines, n) = diff_lines("the sky is blue\nend", "the sky is grey\nend", 40, &theme);
        assert_eq!(
            n,
            DiffCount {
                removed: 1,
                added: 1
            }
        );
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, vec!["the sky is [-blue-]{+grey+}", "end"]);
    }
}
