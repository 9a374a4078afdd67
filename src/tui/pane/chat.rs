//! The conversation pane. `prepare` lays the turns out at the pane's width (finished turns
//! come from their caches; only the streaming turn is laid out again) and copies the
//! visible rows into `window`; `render` only copies `window` to the screen. So a frame
//! costs the streaming block plus the rows on screen, however long the transcript.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::tui::highlight::Highlighter;
use crate::tui::markdown::MdStyles;
use crate::tui::msg::TurnId;
use crate::tui::pane::meter::{duration, spinner, thousands};
use crate::tui::scroll::Scroll;
use crate::tui::theme::Theme;
use crate::tui::turn::{Turn, TurnStatus};
use crate::tui::wrap::wrap_text;

/// One screen row of the conversation, ready to copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Columns of indent.
    pub indent: u16,
    /// The text.
    pub line: Line<'static>,
    /// A style laid over the whole row after the text (reasoning is dimmed this way).
    pub patch: Option<Style>,
}

/// The conversation pane's state.
#[derive(Debug, Default)]
pub struct ChatState {
    /// The turns, oldest first.
    pub turns: Vec<Turn>,
    /// Where the view is; follows the bottom until scrolled up.
    pub scroll: Scroll,
    /// Collapse reasoning to one line per turn (it is shown, dimmed, by default).
    pub hide_reasoning: bool,
    /// The visible rows, built by `prepare`.
    pub window: Vec<Row>,
    /// Rows of each turn at the last layout.
    pub heights: Vec<usize>,
}

impl ChatState {
    /// The turn with id `id`.
    pub fn turn(&self, id: TurnId) -> Option<&Turn> {
        self.turns.iter().find(|t| t.id == id)
    }

    /// The turn with id `id`, mutably.
    pub fn turn_mut(&mut self, id: TurnId) -> Option<&mut Turn> {
        self.turns.iter_mut().find(|t| t.id == id)
    }

    /// Lays out every turn at `width`, fits the scroll to `view` rows and fills `window`.
    pub fn prepare(
        &mut self,
        width: u16,
        view: usize,
        look: (&Theme, &MdStyles, &Highlighter),
        now: Instant,
    ) {
        let (theme, md, hl) = look;
        let show = !self.hide_reasoning;
        self.heights.clear();
        for t in &mut self.turns {
            refresh_lines(t, width, theme);
            let h = count_rows(t, width, show, md, hl);
            self.heights.push(h);
        }
        let total: usize = self.heights.iter().sum();
        self.scroll.fit(total, view);
        self.window.clear();
        let (top, bottom) = (self.scroll.top, self.scroll.top + view);
        let mut at = 0;
        for (t, h) in self.turns.iter_mut().zip(&self.heights) {
            if at + h > top && at < bottom {
                let skip = top.saturating_sub(at);
                let take = (bottom - at).min(*h) - skip;
                layout_turn(t, width, show, look, now, skip, take, &mut self.window);
            }
            at += h;
            if at >= bottom {
                break;
            }
        }
    }
}

/// Rebuilds a turn's width- and status-dependent lines when stale.
fn refresh_lines(t: &mut Turn, width: u16, theme: &Theme) {
    if t.lines.width == width && t.lines.version == t.version {
        return;
    }
    let w2 = width.saturating_sub(2).max(1);
    t.lines.prompt = wrap_text(&t.prompt, w2, theme.text.patch(theme.title));
    if t.lines.prompt.is_empty() {
        t.lines.prompt.push(Line::default());
    }
    t.lines.tools = t
        .tools
        .iter()
        .flat_map(|c| {
            let text = format!("⚙ tool call {} {}", c.name, c.arguments);
            wrap_text(&text, w2, theme.tool)
        })
        .collect();
    let mut notes = Vec::new();
    match (&t.status, &t.notice) {
        (TurnStatus::Failed { error }, _) => notes.push((format!("✗ {error}"), theme.error)),
        (TurnStatus::Cancelled, _) => {
            notes.push(("⊘ cancelled · what arrived is kept".to_string(), theme.warn));
        }
        (TurnStatus::Interrupted, _) => notes.push((
            "⚠ interrupted · the app stopped while this streamed; the text stored until then is kept"
                .to_string(),
            theme.warn,
        )),
        (TurnStatus::Streaming { .. }, Some(n)) => notes.push((format!("↻ {n}"), theme.warn)),
        _ => {}
    }
    if t.retried {
        notes.push(("↻ sent again below".to_string(), theme.dim));
    }
    t.lines.note = notes
        .into_iter()
        .flat_map(|(text, style)| wrap_text(&text, w2, style))
        .collect();
    t.lines.width = width;
    t.lines.version = t.version;
}

fn status_line(t: &Turn, theme: &Theme, now: Instant) -> Line<'static> {
    let mut spans = vec![
        Span::styled("◆ ", theme.assistant),
        Span::styled(t.model.to_string(), theme.assistant),
    ];
    let elapsed = t.elapsed_us(now);
    let mut info = Vec::new();
    match &t.status {
        TurnStatus::Streaming { .. } if t.deltas == 0 && t.retry_at.is_some_and(|at| at > now) => {
            let left = t
                .retry_at
                .map_or(0, |at| (at - now).as_secs_f64().ceil() as u64);
            spans.push(Span::styled(
                format!(
                    "  {} sending again in {left} s · Esc cancels",
                    spinner(elapsed)
                ),
                theme.warn,
            ));
        }
        TurnStatus::Streaming { .. } if t.deltas == 0 => {
            spans.push(Span::styled(
                format!("  {} waiting {}", spinner(elapsed), duration(elapsed)),
                theme.warn,
            ));
        }
        TurnStatus::Streaming { .. } => {
            spans.push(Span::styled(
                format!("  {}", spinner(elapsed)),
                theme.accent,
            ));
            info.push(duration(elapsed));
        }
        _ => info.push(duration(elapsed)),
    }
    if let Some(u) = &t.usage {
        info.push(format!("{} tok", thousands(u.output)));
    }
    if let Some(c) = &t.cost {
        info.push(c.to_string());
    }
    if !info.is_empty() {
        let gap = if t.is_streaming() { " " } else { "  " };
        spans.push(Span::styled(
            format!("{gap}{}", info.join(" · ")),
            theme.dim,
        ));
    }
    Line::from(spans)
}

/// A turn's rows at `width`.
fn count_rows(
    t: &mut Turn,
    width: u16,
    show_reasoning: bool,
    md: &MdStyles,
    hl: &Highlighter,
) -> usize {
    let w2 = width.saturating_sub(2).max(1);
    let w4 = width.saturating_sub(4).max(1);
    let reasoning = match (t.reasoning.text().is_empty(), show_reasoning) {
        (true, _) => 0,
        (false, false) => 1,
        (false, true) => 1 + t.reasoning.lines(w4, md, hl).len(),
    };
    t.lines.prompt.len()
        + 1
        + reasoning
        + t.lines.tools.len()
        + t.answer.lines(w2, md, hl).len()
        + t.lines.note.len()
        + 1
}

/// Collects the rows `skip..end` of one turn, counting the ones before and after without
/// building them.
struct Emit<'o> {
    at: usize,
    skip: usize,
    end: usize,
    out: &'o mut Vec<Row>,
}

impl Emit<'_> {
    fn one(&mut self, indent: u16, line: impl FnOnce() -> Line<'static>, patch: Option<Style>) {
        if (self.skip..self.end).contains(&self.at) {
            self.out.push(Row {
                indent,
                line: line(),
                patch,
            });
        }
        self.at += 1;
    }

    fn many(
        &mut self,
        indent: u16,
        lines: &[Line<'static>],
        patch: Option<Style>,
        map: impl Fn(&Line<'static>) -> Line<'static>,
    ) {
        let a = self.skip.saturating_sub(self.at).min(lines.len());
        let b = self.end.saturating_sub(self.at).min(lines.len());
        for line in &lines[a..b.max(a)] {
            self.out.push(Row {
                indent,
                line: map(line),
                patch,
            });
        }
        self.at += lines.len();
    }
}

/// Pushes the rows `skip..skip + take` of a turn at `width` to `out`.
#[allow(clippy::too_many_arguments)]
fn layout_turn(
    t: &mut Turn,
    width: u16,
    show_reasoning: bool,
    look: (&Theme, &MdStyles, &Highlighter),
    now: Instant,
    skip: usize,
    take: usize,
    out: &mut Vec<Row>,
) {
    let (theme, md, hl) = look;
    let w2 = width.saturating_sub(2).max(1);
    let w4 = width.saturating_sub(4).max(1);
    let mut e = Emit {
        at: 0,
        skip,
        end: skip + take,
        out,
    };
    let bar = Span::styled("▌ ", theme.user);
    e.many(0, &t.lines.prompt, None, |line| {
        let mut spans = vec![bar.clone()];
        spans.extend(line.spans.iter().cloned());
        Line::from(spans)
    });
    e.one(0, || status_line(t, theme, now), None);
    if !t.reasoning.text().is_empty() {
        let words = t.reasoning.text().split_whitespace().count();
        let (mark, more) = if show_reasoning {
            ("▾", "")
        } else {
            ("▸", " · t shows it")
        };
        let head = format!("{mark} reasoning · {words} words{more}");
        e.one(2, || Line::styled(head, theme.reasoning), None);
        if show_reasoning {
            e.many(
                4,
                t.reasoning.lines(w4, md, hl),
                Some(theme.reasoning),
                Clone::clone,
            );
        }
    }
    e.many(2, &t.lines.tools, None, Clone::clone);
    e.many(2, t.answer.lines(w2, md, hl), None, Clone::clone);
    e.many(2, &t.lines.note, None, Clone::clone);
    e.one(0, Line::default, None);
}

/// Copies the prepared rows into `area` (inside the pane's border).
pub fn render(c: &ChatState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    if c.turns.is_empty() {
        let hello = [
            "Type a prompt below and press Enter.",
            "Tab moves between panes · ? shows every key.",
        ];
        for (dy, text) in hello.iter().enumerate().take(usize::from(area.height)) {
            let y = area.y + u16::try_from(dy).unwrap_or(0);
            buf.set_line(area.x, y, &Line::styled(*text, theme.dim), area.width);
        }
        return;
    }
    for (dy, row) in c.window.iter().take(usize::from(area.height)).enumerate() {
        let y = area.y + u16::try_from(dy).unwrap_or(0);
        if row.indent >= area.width {
            continue;
        }
        let x = area.x + row.indent;
        let w = area.width - row.indent;
        buf.set_line(x, y, &row.line, w);
        if let Some(patch) = row.patch {
            buf.set_style(Rect::new(x, y, w, 1), patch);
        }
    }
}
