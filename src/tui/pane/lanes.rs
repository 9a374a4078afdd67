//! The comparison view in the conversation area: a live summary table, then the lanes
//! side by side, each with a header row of its metrics. Lanes that do not fit side by side
//! stack in rows; beyond that the view scrolls sideways to keep the focused lane in sight.
//! `prepare` lays out (lane answers come from their markdown caches; only visible rows are
//! copied); `render` only copies.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::lanes_diff;
use crate::compare::{LaneMetrics, LaneStatus, Marks};
use crate::tui::compare::{Comparison, Lane, turn_metrics};
use crate::tui::highlight::Highlighter;
use crate::tui::markdown::MdStyles;
use crate::tui::pane::meter::{duration, spinner};
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::turn::{Turn, TurnStatus};
use crate::tui::wrap::{display_width, truncate_spans, wrap_text};

/// Narrowest lane column.
pub const MIN_LANE_W: u16 = 28;
/// Fewest rows a stacked lane gets.
const MIN_LANE_H: u16 = 8;
/// Rows of a lane's header: its name and marks, then its metrics.
const HEADER: u16 = 2;

/// Where the lanes go inside `area`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// The summary table's rows (0: not shown).
    pub summary: u16,
    /// Lanes side by side.
    pub cols: u16,
    /// Rows of lanes.
    pub rows: u16,
    /// The area under the summary.
    pub body: Rect,
}

impl Grid {
    /// The layout of `n` lanes in `area`.
    pub fn new(n: usize, area: Rect) -> Grid {
        let n16 = u16::try_from(n.max(1)).unwrap_or(8);
        let summary = if area.height >= n16 + 2 + HEADER + 6 {
            n16 + 2
        } else {
            0
        };
        let body = Rect::new(area.x, area.y + summary, area.width, area.height - summary);
        let cols = (area.width / MIN_LANE_W).clamp(1, n16);
        let need_rows = n16.div_ceil(cols);
        let rows = (body.height / MIN_LANE_H).clamp(1, need_rows);
        Grid {
            summary,
            cols,
            rows,
            body,
        }
    }

    /// Lanes shown at once.
    pub fn shown(&self) -> usize {
        usize::from(self.cols * self.rows)
    }

    /// The rect of the `k`th shown lane.
    pub fn cell(&self, k: usize) -> Rect {
        let k = u16::try_from(k).unwrap_or(0);
        let (col, row) = (k % self.cols, k / self.cols);
        let w = self.body.width.saturating_sub(self.cols - 1) / self.cols;
        let h = self.body.height / self.rows;
        let x = self.body.x + col * (w + 1);
        // The last column and row take the remainder.
        let w = if col + 1 == self.cols {
            self.body.right().saturating_sub(x)
        } else {
            w
        };
        let y = self.body.y + row * h;
        let h = if row + 1 == self.rows {
            self.body.bottom().saturating_sub(y)
        } else {
            h
        };
        Rect::new(x, y, w, h)
    }
}

/// Lays the comparison out in `area`: which lanes show, and each shown lane's rows.
pub fn prepare(state: &mut State, area: Rect, look: (&Theme, &MdStyles, &Highlighter)) {
    let now = state.now;
    let Some(c) = state.compare.active.as_mut() else {
        return;
    };
    let grid = Grid::new(c.lanes.len(), area);
    let shown = grid.shown().min(c.lanes.len());
    c.shown = shown;
    c.focus = c.focus.min(c.lanes.len().saturating_sub(1));
    if c.focus < c.first {
        c.first = c.focus;
    } else if c.focus >= c.first + shown {
        c.first = c.focus + 1 - shown;
    }
    c.first = c.first.min(c.lanes.len() - shown);
    if let Some((a, b)) = c.diff {
        lanes_diff::prepare(c, a, b, grid.body, look.0);
        return;
    }
    for k in 0..shown {
        let Some(i) = c.lane_at(c.first + k) else {
            continue;
        };
        let cell = grid.cell(k);
        let view = usize::from(cell.height.saturating_sub(HEADER));
        layout_lane(&mut c.lanes[i], cell.width, view, look, now);
    }
}

/// Collects rows `skip..end` of a lane without building the others.
struct Emit<'o> {
    at: usize,
    skip: usize,
    end: usize,
    out: &'o mut Vec<Line<'static>>,
}

impl Emit<'_> {
    fn many(&mut self, lines: &[Line<'static>]) {
        let a = self.skip.saturating_sub(self.at).min(lines.len());
        let b = self.end.saturating_sub(self.at).min(lines.len());
        self.out.extend(lines[a..b.max(a)].iter().cloned());
        self.at += lines.len();
    }
}

fn turn_extras(
    t: &Turn,
    w: u16,
    theme: &Theme,
    now: Instant,
) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    let prompt = wrap_text(&format!("▌ {}", t.prompt), w, theme.user);
    let mut notes = Vec::new();
    if !t.reasoning.text().is_empty() {
        let words = t.reasoning.text().split_whitespace().count();
        notes.push(Line::styled(
            format!("▸ reasoning · {words} words"),
            theme.reasoning,
        ));
    }
    let mut tail = Vec::new();
    match &t.status {
        TurnStatus::Streaming { .. } if t.deltas == 0 => {
            let e = t.elapsed_us(now);
            tail.push(Line::styled(
                format!("{} waiting {}", spinner(e), duration(e)),
                theme.warn,
            ));
        }
        TurnStatus::Failed { error } => {
            tail.extend(wrap_text(&format!("✗ {error}"), w, theme.error))
        }
        TurnStatus::Cancelled => tail.push(Line::styled("⊘ cancelled · kept", theme.warn)),
        TurnStatus::Streaming { .. } => {
            if let Some(n) = &t.notice {
                tail.extend(wrap_text(&format!("↻ {n}"), w, theme.warn));
            }
        }
        _ => {}
    }
    let mut head = prompt;
    head.extend(notes);
    (head, tail)
}

fn layout_lane(
    lane: &mut Lane,
    width: u16,
    view: usize,
    look: (&Theme, &MdStyles, &Highlighter),
    now: Instant,
) {
    let (theme, md, hl) = look;
    let w = width.max(1);
    let mut parts = Vec::with_capacity(lane.turns.len());
    let mut total = 0;
    for t in &mut lane.turns {
        let (head, tail) = turn_extras(t, w, theme, now);
        let answer = t.answer.lines(w, md, hl).len();
        total += head.len() + answer + tail.len() + 1;
        parts.push((head, tail));
    }
    lane.scroll.fit(total, view);
    let top = lane.scroll.top;
    lane.window.clear();
    let mut e = Emit {
        at: 0,
        skip: top,
        end: top + view,
        out: &mut lane.window,
    };
    for (t, (head, tail)) in lane.turns.iter_mut().zip(&parts) {
        if e.at >= e.end {
            break;
        }
        e.many(head);
        e.many(t.answer.lines(w, md, hl));
        e.many(tail);
        e.many(&[Line::default()]);
    }
}

/// `412ms`, `1.23s`, `2m05s`.
fn short_ms(us: Option<u64>) -> String {
    match us {
        None => "—".into(),
        Some(us) if us < 1_000_000 => format!("{}ms", us / 1000),
        Some(us) if us < 60_000_000 => format!("{:.2}s", us as f64 / 1e6),
        Some(us) => format!("{}m{:02}s", us / 60_000_000, (us / 1_000_000) % 60),
    }
}

fn status_symbol(m: &LaneMetrics, now_us: u64) -> &'static str {
    match m.status {
        LaneStatus::Waiting | LaneStatus::Streaming => spinner(now_us),
        LaneStatus::Done => "✓",
        LaneStatus::Failed => "✗",
        LaneStatus::Cancelled => "⊘",
    }
}

fn status_style(m: &LaneMetrics, theme: &Theme) -> Style {
    match m.status {
        LaneStatus::Waiting => theme.warn,
        LaneStatus::Streaming => theme.accent,
        LaneStatus::Done => theme.ok,
        LaneStatus::Failed => theme.error,
        LaneStatus::Cancelled => theme.warn,
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "—".into(), |v| v.to_string())
}

/// One column of the summary: title, width, whether blind mode hides it, and its cell.
struct Column {
    title: &'static str,
    width: usize,
    giveaway: bool,
    cell: fn(&LaneMetrics, &Marks, usize) -> String,
}

const COLUMNS: [Column; 12] = [
    Column {
        title: "",
        width: 1,
        giveaway: false,
        cell: |_, _, _| String::new(),
    },
    Column {
        title: "marks",
        width: 5,
        giveaway: true,
        cell: |_, k, i| k.symbols(i),
    },
    Column {
        title: "TTFT",
        width: 7,
        giveaway: true,
        cell: |m, _, _| short_ms(m.ttft_us),
    },
    Column {
        title: "total",
        width: 7,
        giveaway: true,
        cell: |m, _, _| short_ms(m.total_us),
    },
    Column {
        title: "cost",
        width: 10,
        giveaway: true,
        cell: |m, _, _| match (&m.cost, m.status) {
            (Some(c), _) => c.to_string(),
            (None, LaneStatus::Done) => "unknown".into(),
            _ => "—".into(),
        },
    },
    Column {
        title: "tok/s",
        width: 6,
        giveaway: true,
        cell: |m, _, _| {
            m.tokens_per_second
                .map_or_else(|| "—".into(), |t| format!("{t:.0}"))
        },
    },
    Column {
        title: "out",
        width: 6,
        giveaway: false,
        cell: |m, _, _| opt(m.output_tokens),
    },
    Column {
        title: "in",
        width: 6,
        giveaway: true,
        cell: |m, _, _| opt(m.input_tokens),
    },
    Column {
        title: "stop",
        width: 7,
        giveaway: false,
        cell: |m, _, _| m.stop_reason.clone().unwrap_or_else(|| "—".into()),
    },
    Column {
        title: "reas",
        width: 5,
        giveaway: true,
        cell: |m, _, _| opt(m.reasoning_tokens),
    },
    Column {
        title: "cache",
        width: 5,
        giveaway: true,
        cell: |m, _, _| opt(m.cached_tokens),
    },
    Column {
        title: "provider",
        width: 10,
        giveaway: true,
        cell: |m, _, _| opt(m.provider_cost.as_ref()),
    },
];

/// Display order of the columns chosen by priority (the table's order above).
const ORDER: [usize; 12] = [0, 2, 3, 5, 7, 6, 9, 10, 4, 11, 8, 1];

fn pad(s: &str, w: usize, right: bool) -> String {
    let s: String = truncate_spans(&[Span::raw(s.to_string())], w)
        .into_iter()
        .map(|s| s.content.into_owned())
        .collect();
    let fill = " ".repeat(w.saturating_sub(display_width(&s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The summary table's lines: a header, then a row per lane in display order.
pub fn summary_lines(
    c: &Comparison,
    now: Instant,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let metrics = c.metrics(now);
    let marks = c.marks(now);
    let hidden = c.hidden();
    let label_min = 18;
    let mut chosen = Vec::new();
    let mut used = label_min;
    // By priority, until one does not fit: a narrow table keeps the first columns.
    for (k, col) in COLUMNS.iter().enumerate() {
        if hidden && col.giveaway {
            continue;
        }
        if used + col.width + 1 > width {
            break;
        }
        used += col.width + 1;
        chosen.push(k);
    }
    let label_w = width.saturating_sub(used - label_min).max(1);
    let cols: Vec<usize> = ORDER
        .iter()
        .copied()
        .filter(|k| chosen.contains(k))
        .collect();
    let mut head = vec![Span::styled(pad("lane", label_w, false), theme.dim)];
    for k in &cols {
        head.push(Span::styled(
            format!(" {}", pad(COLUMNS[*k].title, COLUMNS[*k].width, true)),
            theme.dim,
        ));
    }
    let mut out = vec![Line::from(head)];
    let elapsed = c
        .lanes
        .iter()
        .filter_map(|l| l.turns.last())
        .map(|t| t.elapsed_us(now))
        .max()
        .unwrap_or(0);
    for (pos, i) in c.order.iter().enumerate() {
        let m = &metrics[*i];
        let style = if pos == c.focus {
            theme.selected
        } else {
            theme.text
        };
        let mut spans = vec![Span::styled(
            pad(&c.name_within(*i, label_w), label_w, false),
            style,
        )];
        for k in &cols {
            let col = &COLUMNS[*k];
            let text = if *k == 0 {
                status_symbol(m, elapsed).to_string()
            } else {
                (col.cell)(m, &marks, *i)
            };
            let st = match *k {
                0 => status_style(m, theme),
                1 => theme.accent,
                4 => theme.money,
                _ => theme.text,
            };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(pad(&text, col.width, true), st));
        }
        out.push(Line::from(spans));
    }
    out
}

/// A lane's two header rows: its name with marks, then its metrics.
fn lane_header(
    c: &Comparison,
    i: usize,
    pos: usize,
    now: Instant,
    theme: &Theme,
    width: u16,
) -> [Line<'static>; 2] {
    let lane = &c.lanes[i];
    let m = lane
        .turns
        .last()
        .map_or_else(LaneMetrics::default, |t| turn_metrics(t, now));
    let marks = c.marks(now);
    let focused = pos == c.focus;
    let mut name_style = theme.title;
    if focused {
        name_style = name_style
            .patch(theme.accent)
            .add_modifier(Modifier::REVERSED);
    }
    let name = c.name_within(i, usize::from(width.saturating_sub(2)));
    let mut first = vec![Span::styled(format!(" {name} "), name_style)];
    let hidden = c.hidden();
    if !hidden {
        let sym = marks.symbols(i);
        if !sym.is_empty() {
            first.push(Span::styled(format!(" {sym}"), theme.accent));
        }
    }
    if c.verdict.best == Some(i) {
        first.push(Span::styled(" ★ best", theme.ok));
    }
    if let Some(r) = c.verdict.ranking.iter().position(|x| *x == i) {
        first.push(Span::styled(format!(" #{}", r + 1), theme.ok));
    }
    if c.diff_pick == Some(i) {
        first.push(Span::styled(" (diff)", theme.warn));
    }
    let elapsed = lane.turns.last().map_or(0, |t| t.elapsed_us(now));
    let mut info = vec![status_symbol(&m, elapsed).to_string()];
    if !hidden {
        info.push(format!("TTFT {}", short_ms(m.ttft_us)));
        info.push(short_ms(m.total_us));
        if let Some(t) = m.tokens_per_second {
            info.push(format!("{t:.0} tok/s"));
        }
    }
    if let Some(o) = m.output_tokens {
        info.push(format!("{o} tok"));
    }
    if !hidden && let Some(cost) = &m.cost {
        info.push(cost.to_string());
    }
    if let Some(s) = &m.stop_reason {
        info.push(s.clone());
    }
    let second = Line::styled(info.join(" · "), status_style(&m, theme));
    [Line::from(first), second]
}

/// The pane's title.
pub fn title(c: &Comparison) -> String {
    let mut t = format!("Comparison · {} lanes", c.lanes.len());
    if c.prompts.len() > 1 {
        t.push_str(&format!(" · round {}", c.prompts.len()));
    }
    if c.hidden() {
        t.push_str(" · blind");
    }
    if c.shown < c.lanes.len() && c.shown > 0 {
        let (a, b) = (c.first + 1, c.first + c.shown);
        t.push_str(&format!(" · {a}–{b} of {} ◂▸", c.lanes.len()));
    }
    t
}

fn put(buf: &mut Buffer, x: u16, y: u16, w: u16, line: &Line<'_>) {
    let spans = truncate_spans(&line.spans, usize::from(w));
    buf.set_line(x, y, &Line::from(spans).style(line.style), w);
}

/// Draws the comparison into `area`.
pub fn render(c: &Comparison, now: Instant, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let grid = Grid::new(c.lanes.len(), area);
    if grid.summary > 0 {
        for (dy, line) in summary_lines(c, now, theme, usize::from(area.width))
            .iter()
            .enumerate()
        {
            let y = area.y + u16::try_from(dy).unwrap_or(0);
            put(buf, area.x, y, area.width, line);
        }
    }
    if c.diff.is_some() {
        lanes_diff::render(c, grid.body, buf);
        return;
    }
    for k in 0..c.shown {
        let pos = c.first + k;
        let Some(i) = c.lane_at(pos) else { continue };
        let cell = grid.cell(k);
        if cell.is_empty() {
            continue;
        }
        let [h1, h2] = lane_header(c, i, pos, now, theme, cell.width);
        put(buf, cell.x, cell.y, cell.width, &h1);
        if cell.height > 1 {
            put(buf, cell.x, cell.y + 1, cell.width, &h2);
        }
        for (dy, line) in c.lanes[i].window.iter().enumerate() {
            let y = cell.y + HEADER + u16::try_from(dy).unwrap_or(u16::MAX - HEADER);
            if y >= cell.bottom() {
                break;
            }
            put(buf, cell.x, y, cell.width, line);
        }
        // The rule between side-by-side lanes.
        if cell.right() < grid.body.right() {
            for y in cell.y..cell.bottom() {
                buf[(cell.right(), y)]
                    .set_symbol("│")
                    .set_style(theme.border);
            }
        }
    }
    if c.lanes.is_empty() {
        put(
            buf,
            area.x,
            area.y,
            area.width,
            &Line::styled("no lanes", theme.dim),
        );
    }
}
