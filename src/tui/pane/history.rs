//! The history browser: an overlay listing stored conversations and comparisons newest
//! first (model, title and first line, turns, tokens, cost), or the turns matching what is
//! typed (full-text search); with a rename line, a delete confirmation and the turn picker
//! of a branch. Its state is here; what keys do to it is in `tui/history.rs`.

use std::path::PathBuf;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::store::{
    ConversationId, EntryKind, ExchangeSummary, HistoryEntry, SearchHit, TurnStatus,
};
use crate::tui::store_link::{Loaded, Target};
use crate::tui::theme::Theme;
use crate::tui::wrap::{sanitize, truncate_spans};

/// Entries asked for per page.
pub const PAGE: usize = 100;
/// Other processes' exchanges kept for the browser's "new" line.
pub const EXTERNAL_KEPT: usize = 5;

/// Whether the UI is keeping a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreStatus {
    /// Nothing is written; why.
    Off(String),
    /// The store thread is opening the database.
    Opening,
    /// Turns are written to this database file.
    On(PathBuf),
}

/// One row of the browser.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A conversation or comparison (the list).
    Entry(HistoryEntry),
    /// A turn matching the search.
    Hit(SearchHit),
}

impl Row {
    /// The conversation or comparison the row stands for.
    pub fn target(&self) -> Target {
        match self {
            Row::Entry(e) => Target {
                kind: e.kind,
                id: e.id,
            },
            Row::Hit(h) => match h.comparison_id {
                Some(id) => Target {
                    kind: EntryKind::Comparison,
                    id,
                },
                None => Target {
                    kind: EntryKind::Conversation,
                    id: h.conversation_id,
                },
            },
        }
    }

    /// Its title.
    pub fn title(&self) -> &str {
        match self {
            Row::Entry(e) => &e.title,
            Row::Hit(h) => &h.title,
        }
    }
}

/// What the browser is doing.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    /// Listing or searching; typed text goes to the search line.
    #[default]
    Browse,
    /// Typing a new title for the selected entry.
    Rename {
        /// The title so far.
        text: String,
    },
    /// Asking before deleting the selected entry.
    Delete,
    /// Picking the turn a branch starts from: its prompt is edited in the composer and
    /// sent as the first new turn of a new conversation holding the turns before it.
    PickTurn {
        /// The conversation, loaded.
        loaded: Box<Loaded>,
        /// The selected turn's index.
        selected: usize,
    },
}

/// The browser overlay's state.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    /// The search line.
    pub query: String,
    /// The rows shown.
    pub rows: Vec<Row>,
    /// The selected row.
    pub selected: usize,
    /// What keys do now.
    pub mode: Mode,
    /// A page was asked for and has not come yet.
    pub loading: bool,
    /// Bumped per request; older answers are dropped.
    pub generation: u64,
    /// The last page failed: why.
    pub error: Option<String>,
    /// The last list page was full: there may be more below.
    pub more: bool,
    /// Exchanges other processes wrote while the app runs, newest first.
    pub external: Vec<ExchangeSummary>,
    /// Wall-clock time of the last page (ms since the epoch), for ages.
    pub now_ms: i64,
}

/// The UI's history: the store's status, where new turns go, and the browser.
#[derive(Debug, Clone)]
pub struct HistoryState {
    /// Whether turns are kept.
    pub status: StoreStatus,
    /// The stored conversation new turns continue (`None`: the next turn starts one).
    pub conversation: Option<ConversationId>,
    /// Its title.
    pub title: Option<String>,
    /// A stored turn the next prompt replaces, in a new branch.
    pub branch_from: Option<crate::store::TurnId>,
    /// The browser.
    pub browser: Browser,
}

impl Default for HistoryState {
    fn default() -> Self {
        HistoryState {
            status: StoreStatus::Off("no history in this run".into()),
            conversation: None,
            title: None,
            branch_from: None,
            browser: Browser::default(),
        }
    }
}

impl HistoryState {
    /// True when turns are (or are about to be) written.
    pub fn is_on(&self) -> bool {
        !matches!(self.status, StoreStatus::Off(_))
    }
}

/// The overlay's box inside `screen`.
pub fn area(screen: Rect) -> Rect {
    let w = screen
        .width
        .saturating_sub(4)
        .clamp(screen.width.min(20), 110);
    let h = screen.height.saturating_sub(2).max(screen.height.min(3));
    Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    )
}

/// A short age: `now`, `5m`, `3h`, `2d`, `7w`.
fn age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => "now".into(),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        86400..1_209_600 => format!("{}d", s / 86400),
        _ => format!("{}w", s / 604_800),
    }
}

fn tokens(n: u64) -> String {
    match n {
        0..1000 => n.to_string(),
        1000..1_000_000 => format!("{:.1}k", n as f64 / 1000.0),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

fn entry_lines(e: &HistoryEntry, now_ms: i64, theme: &Theme) -> [Line<'static>; 2] {
    let mut head = vec![];
    if e.kind == EntryKind::Comparison {
        head.push(Span::styled("⇶ ", theme.accent));
    }
    head.push(Span::styled(sanitize(&e.title).into_owned(), theme.title));
    if !e.first_line.is_empty() && e.first_line != e.title {
        head.push(Span::styled(
            format!(" — {}", sanitize(&e.first_line)),
            theme.dim,
        ));
    }
    let unit = match (e.kind, e.count) {
        (EntryKind::Comparison, 1) => "lane",
        (EntryKind::Comparison, _) => "lanes",
        (EntryKind::Conversation, 1) => "turn",
        (EntryKind::Conversation, _) => "turns",
    };
    let mut meta = vec![
        Span::styled(format!("{:>3} ", age(now_ms - e.updated_ms)), theme.dim),
        Span::styled(e.models.join(", "), theme.assistant),
        Span::styled(
            format!(
                " · {} {unit} · {} tok",
                e.count,
                tokens(e.input_tokens + e.output_tokens)
            ),
            theme.dim,
        ),
    ];
    let mut cost: Vec<String> = e.cost.iter().map(ToString::to_string).collect();
    if e.cost_unknown > 0 {
        cost.push("cost unknown".into());
    }
    if !cost.is_empty() {
        meta.push(Span::styled(
            format!(" · {}", cost.join(" + ")),
            theme.money,
        ));
    }
    match e.last_status {
        Some(TurnStatus::Interrupted) => meta.push(Span::styled(" · interrupted", theme.warn)),
        Some(TurnStatus::Failed) => meta.push(Span::styled(" · failed", theme.error)),
        Some(TurnStatus::Cancelled) => meta.push(Span::styled(" · cancelled", theme.warn)),
        Some(TurnStatus::Streaming) => meta.push(Span::styled(" · streaming", theme.accent)),
        _ => {}
    }
    [Line::from(head), Line::from(meta)]
}

/// The snippet, its `[match]` marks shown as highlighted words.
fn snippet_spans(snippet: &str, theme: &Theme) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut rest = sanitize(snippet).into_owned();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        out.push(Span::styled(rest[..open].to_string(), theme.dim));
        out.push(Span::styled(
            rest[open + 1..close].to_string(),
            theme.accent.patch(theme.heading),
        ));
        rest = rest[close + 1..].to_string();
    }
    out.push(Span::styled(rest, theme.dim));
    out
}

fn hit_lines(h: &SearchHit, now_ms: i64, theme: &Theme) -> [Line<'static>; 2] {
    let mut head = vec![];
    if h.comparison_id.is_some() {
        head.push(Span::styled("⇶ ", theme.accent));
    }
    head.push(Span::styled(sanitize(&h.title).into_owned(), theme.title));
    head.push(Span::styled(
        format!(
            " · turn {} · {}",
            h.position + 1,
            age(now_ms - h.updated_ms)
        ),
        theme.dim,
    ));
    let mut body = vec![Span::raw("    ")];
    body.extend(snippet_spans(&h.snippet, theme));
    [Line::from(head), Line::from(body)]
}

fn cursor(text: &str, theme: &Theme) -> Vec<Span<'static>> {
    vec![
        Span::styled(sanitize(text).into_owned(), theme.text),
        Span::styled("▏", theme.accent),
    ]
}

/// The rows above the list: search line and other processes' news.
fn header(b: &Browser, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Mode::PickTurn { loaded, .. } = &b.mode {
        out.push(Line::styled(
            format!("Branch “{}” from which turn?", sanitize(&loaded.title)),
            theme.heading,
        ));
        out.push(Line::styled(
            "Enter: edit that prompt; sent, it starts a new conversation (the original is kept)",
            theme.dim,
        ));
        return out;
    }
    let mut search = vec![Span::styled("Search ", theme.heading)];
    if b.query.is_empty() {
        search.push(Span::styled(
            "▏type to search prompts and answers",
            theme.dim,
        ));
    } else {
        search.extend(cursor(&b.query, theme));
    }
    out.push(Line::from(search));
    if let Some(first) = b.external.first() {
        let what = format!(
            "● new from another process: {} {} {}{}",
            first.source,
            first.model.as_deref().unwrap_or(&first.url),
            first.status.map_or("—".into(), |s| s.to_string()),
            match b.external.len() {
                1 => String::new(),
                n => format!(" (+{} more)", n - 1),
            }
        );
        out.push(Line::styled(what, theme.ok));
    }
    out
}

/// The row under the list: the rename line or the delete question.
fn prompt_line(b: &Browser, theme: &Theme) -> Option<Line<'static>> {
    let title = b.rows.get(b.selected).map(Row::title).unwrap_or("");
    match &b.mode {
        Mode::Rename { text } => {
            let mut spans = vec![Span::styled("Rename ", theme.heading)];
            spans.extend(cursor(text, theme));
            spans.push(Span::styled("  Enter saves · Esc keeps", theme.dim));
            Some(Line::from(spans))
        }
        Mode::Delete => Some(Line::from(vec![
            Span::styled(
                format!("Delete “{}” and everything in it? ", sanitize(title)),
                theme.error,
            ),
            Span::styled("y/Enter deletes · n/Esc keeps", theme.warn),
        ])),
        _ => None,
    }
}

fn empty_text(status: &StoreStatus, b: &Browser) -> Option<String> {
    if let StoreStatus::Off(why) = status {
        return Some(format!("History is off: {why}"));
    }
    if let Some(e) = &b.error {
        return Some(format!("The history could not be read: {e}"));
    }
    if !b.rows.is_empty() {
        return None;
    }
    Some(if b.loading || *status == StoreStatus::Opening {
        "loading…".into()
    } else if b.query.trim().is_empty() {
        "No conversations yet: every prompt sent is kept here.".into()
    } else {
        format!("Nothing matches “{}”.", b.query.trim())
    })
}

fn pick_lines(loaded: &Loaded, selected: usize, rows: usize, theme: &Theme) -> Vec<Line<'static>> {
    let top = (selected + 1).saturating_sub(rows);
    loaded
        .turns
        .iter()
        .enumerate()
        .skip(top)
        .take(rows)
        .map(|(i, t)| {
            let first = t.turn.prompt.lines().find(|l| !l.trim().is_empty());
            let mark = if i == selected { "▌" } else { " " };
            let style = if i == selected {
                theme.selected
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(mark, theme.accent),
                Span::styled(format!("#{} ", t.turn.position + 1), theme.dim),
                Span::raw(sanitize(first.unwrap_or("")).trim().to_string()),
            ])
            .style(style)
        })
        .collect()
}

/// Draws the browser over `screen`.
pub fn render(status: &StoreStatus, b: &Browser, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let rect = area(screen);
    if rect.is_empty() {
        return;
    }
    Clear.render(rect, buf);
    let count = match (&b.mode, b.rows.len(), b.more) {
        (Mode::PickTurn { loaded, .. }, ..) => format!(" · {} turns", loaded.turns.len()),
        (_, 0, _) => String::new(),
        (_, n, true) => format!(" · {n}+"),
        (_, n, false) => format!(" · {n}"),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Line::styled(format!(" History{count} "), theme.title));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let width = usize::from(inner.width);
    let mut lines = header(b, theme);
    let bottom = prompt_line(b, theme);
    let used = lines.len() + usize::from(bottom.is_some());
    let room = usize::from(inner.height).saturating_sub(used);
    if let Mode::PickTurn { loaded, selected } = &b.mode {
        lines.extend(pick_lines(loaded, *selected, room, theme));
    } else if let Some(text) = empty_text(status, b) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(text, theme.dim));
    } else {
        // Two rows per entry; the selection stays in view.
        let fit = (room / 2).max(1);
        let top = (b.selected + 1).saturating_sub(fit);
        for (i, row) in b.rows.iter().enumerate().skip(top).take(fit) {
            let [head, meta] = match row {
                Row::Entry(e) => entry_lines(e, b.now_ms, theme),
                Row::Hit(h) => hit_lines(h, b.now_ms, theme),
            };
            let chosen = i == b.selected;
            let mark = Span::styled(if chosen { "▌" } else { " " }, theme.accent);
            let style = if chosen { theme.selected } else { Style::new() };
            let mut h = vec![mark.clone()];
            h.extend(head.spans);
            let mut m = vec![mark];
            m.extend(meta.spans);
            lines.push(Line::from(h).style(style));
            lines.push(Line::from(m).style(style));
        }
    }
    for (dy, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
        let y = inner.y + u16::try_from(dy).unwrap_or(0);
        if line.style != Style::new() {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), line.style);
        }
        let clipped = Line::from(truncate_spans(&line.spans, width));
        buf.set_line(inner.x, y, &clipped, inner.width);
    }
    if let Some(line) = bottom
        && inner.height > 0
    {
        let y = inner.bottom() - 1;
        let clipped = Line::from(truncate_spans(&line.spans, width));
        buf.set_line(inner.x, y, &clipped, inner.width);
    }
}
