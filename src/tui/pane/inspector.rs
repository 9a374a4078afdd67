//! The inspector pane: the selected turn's exact request (secrets masked, body pretty and
//! highlighted), the response status and headers, every SSE frame with its +ms offset and
//! the events decoded from it, live while streaming, and the error if any.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::llm::error::ProviderError;
use crate::llm::event::StreamEvent;
use crate::llm::http::Frame;
use crate::tui::debug::{DebugState, View, search};
use crate::tui::highlight::Highlighter;
use crate::tui::msg::TurnId;
use crate::tui::scroll::Scroll;
use crate::tui::theme::Theme;
use crate::tui::turn::{TraceRow, Turn, TurnStatus};
use crate::tui::wrap::{sanitize, truncate_spans};

/// Most rows of an error body shown.
const BODY_ROWS: usize = 40;

/// The inspector's state.
#[derive(Debug, Clone, Default)]
pub struct InspectorState {
    /// The turn shown; `None` follows the latest.
    pub selected: Option<TurnId>,
    /// Where the listing is scrolled.
    pub scroll: Scroll,
    /// Columns of frame data scrolled off to the left (long JSON frames).
    pub hscroll: usize,
    /// The user scrolled this turn's listing: stop placing the view automatically (at the
    /// top until frames arrive, then following them).
    pub manual: bool,
    /// The request/response lines of the shown turn, built once per trace version.
    pub head: Vec<Line<'static>>,
    /// The error lines of the shown turn.
    pub tail: Vec<Line<'static>>,
    /// The debugger: timeline view, search, queries, copy, edit and replay.
    pub debug: crate::tui::debug::DebugState,
    /// Which turn and trace version `head` and `tail` were built from.
    pub built: Option<(TurnId, u64, u64)>,
}

impl InspectorState {
    /// Rebuilds the cached lines if the shown turn or its trace changed, and fits the scroll
    /// to `view` rows.
    pub fn prepare(&mut self, turn: Option<&Turn>, theme: &Theme, hl: &Highlighter, view: usize) {
        let Some(t) = turn else {
            self.head.clear();
            self.tail.clear();
            self.built = None;
            self.scroll.fit(0, view);
            return;
        };
        let key = (t.id, t.trace.version, t.version);
        if self.built != Some(key) {
            if self.built.map(|b| b.0) != Some(t.id) {
                // A live or failed turn opens at its end (frames, the error); a finished one
                // at its request.
                let at_end = t.is_streaming() || matches!(t.status, TurnStatus::Failed { .. });
                self.scroll = if at_end {
                    Scroll::following()
                } else {
                    Scroll::at_top()
                };
                self.manual = false;
            }
            self.head = head_lines(t, theme, hl);
            self.tail = tail_lines(t, theme);
            self.built = Some(key);
        }
        self.debug.refresh(t);
        self.search(t);
        if !self.manual && t.is_streaming() {
            self.scroll.follow = !t.trace.rows.is_empty();
        }
        if t.is_streaming() {
            self.scroll.fit_paged(self.total_rows(t), view);
        } else {
            self.scroll.fit(self.total_rows(t), view);
        }
    }

    /// All rows of the listing for `t`.
    pub fn total_rows(&self, t: &Turn) -> usize {
        if self.debug.view == View::Timeline {
            return DebugState::TIMELINE_HEAD + self.debug.visible.len() + 1;
        }
        self.head.len() + 1 + t.trace.rows.len() + self.tail.len()
    }

    /// The plain text of row `r` of the wire listing, for search.
    fn row_text(&self, t: &Turn, r: usize) -> String {
        let text = |l: &Line<'_>| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        };
        let rows_at = self.head.len() + 1;
        if r < self.head.len() {
            text(&self.head[r])
        } else if r < rows_at {
            String::new()
        } else if let Some(row) = t.trace.rows.get(r - rows_at) {
            search::row_text(t, *row)
        } else {
            self.tail
                .get(r - rows_at - t.trace.rows.len())
                .map(text)
                .unwrap_or_default()
        }
    }

    /// Recomputes the search matches when the listing or the query changed, and jumps to
    /// the first one after a new search.
    fn search(&mut self, t: &Turn) {
        let key = (
            t.id,
            t.trace.version,
            t.trace.rows.len(),
            self.debug.view,
            self.debug.search.query.clone(),
        );
        if self.debug.search.built.as_ref() != Some(&key) {
            let total = self.total_rows(t);
            let matches = search::matches(&self.debug, total, |r| self.row_text(t, r));
            self.debug.search.matches = matches;
            self.debug.search.built = Some(key);
        }
        if search::settle(&mut self.debug, &mut self.scroll.top) {
            self.scroll.follow = false;
            self.manual = true;
        }
    }
}

fn heading(text: String, theme: &Theme) -> Line<'static> {
    Line::styled(format!("── {text} ──"), theme.heading)
}

fn head_lines(t: &Turn, theme: &Theme, hl: &Highlighter) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let Some(req) = &t.trace.request else {
        out.push(Line::styled("building the request…", theme.dim));
        return out;
    };
    out.push(Line::from(vec![
        Span::styled(req.method.clone(), theme.title),
        Span::raw(" "),
        Span::raw(sanitize(&req.url).into_owned()),
    ]));
    for h in &req.headers {
        out.push(Line::from(vec![
            Span::styled(format!("{}: ", h.name), theme.accent),
            Span::raw(sanitize(&h.value).into_owned()),
        ]));
    }
    if let Some(body) = &req.body {
        out.push(Line::raw(""));
        let pretty = serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string());
        out.extend(hl.highlight(&pretty, "json").into_iter().map(Line::from));
    }
    out.push(Line::raw(""));
    match t.trace.status {
        None if t.is_streaming() => out.push(heading("waiting for the response".into(), theme)),
        None => out.push(heading("no response".into(), theme)),
        Some(status) => {
            let style = if (200..300).contains(&status) {
                theme.ok
            } else {
                theme.error
            };
            let mut spans = vec![Span::styled(format!("HTTP {status}"), style)];
            if let Some(ex) = &t.trace.exchange {
                if let Some(ttfb) = ex.ttfb_us {
                    spans.push(Span::styled(
                        format!("  ttfb {} ms", ttfb / 1000),
                        theme.dim,
                    ));
                }
                if ex.attempts > 1 {
                    spans.push(Span::styled(
                        format!("  {} attempts", ex.attempts),
                        theme.warn,
                    ));
                }
            }
            out.push(heading("response".into(), theme));
            out.push(Line::from(spans));
            for (k, v) in &t.trace.headers {
                out.push(Line::from(vec![
                    Span::styled(format!("{k}: "), theme.accent),
                    Span::raw(sanitize(v).into_owned()),
                ]));
            }
            let limits = crate::llm::ratelimit::RateLimits::from_headers(&t.trace.headers);
            if let Some(summary) = limits.summary() {
                out.push(Line::from(vec![
                    Span::styled("rate limits: ", theme.warn),
                    Span::styled(summary, theme.money),
                ]));
            }
        }
    }
    out
}

fn tail_lines(t: &Turn, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let ex = t.trace.exchange.as_deref();
    if let Some(body) = ex.and_then(|e| e.body.as_deref()) {
        out.push(heading("body".into(), theme));
        out.extend(
            body.lines()
                .take(BODY_ROWS)
                .map(|l| Line::raw(sanitize(l).into_owned())),
        );
    }
    for e in ex.map(|e| e.decode_errors.as_slice()).unwrap_or_default() {
        out.push(Line::styled(format!("decode error: {e}"), theme.warn));
    }
    match &t.status {
        TurnStatus::Failed { error } => {
            out.push(heading("error".into(), theme));
            out.push(Line::styled(
                sanitize(&error.to_string()).into_owned(),
                theme.error,
            ));
            if let ProviderError::Http {
                code: Some(code), ..
            } = error
            {
                out.push(Line::styled(format!("code: {code}"), theme.error));
            }
        }
        TurnStatus::Cancelled => out.push(heading("cancelled by the user".into(), theme)),
        TurnStatus::Interrupted => out.push(heading(
            "interrupted: the app stopped mid-stream".into(),
            theme,
        )),
        TurnStatus::Done { stop } => {
            let why = stop.as_ref().map_or("no stop reason", |s| s.label());
            out.push(heading(format!("done · {why}"), theme));
        }
        TurnStatus::Streaming { .. } => {}
    }
    out
}

fn frame_line(f: &Frame, skip: usize, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!("+{:>6} ms ", f.offset_us / 1000),
        theme.dim,
    )];
    if let Some(ev) = &f.event {
        spans.push(Span::styled(
            format!("event: {} ", sanitize(ev)),
            theme.accent,
        ));
    }
    // Only the start of a long frame can be seen in one row; never copy a megabyte.
    let data: String = f.data.chars().skip(skip).take(1024).collect();
    if skip > 0 {
        spans.push(Span::styled("…", theme.dim));
    }
    spans.push(Span::raw(sanitize(&data).replace('\n', "⏎")));
    Line::from(spans)
}

fn short(text: &str) -> String {
    let cut: String = text.chars().take(200).collect();
    format!("{:?}", cut)
}

fn slice(text: &str, start: u32, len: u32) -> &str {
    let (a, n) = (start as usize, len as usize);
    text.get(a..a.saturating_add(n)).unwrap_or("")
}

fn row_line(t: &Turn, row: TraceRow, skip: usize, theme: &Theme) -> Line<'static> {
    match row {
        TraceRow::Frame(i) => match t.trace.frames.get(i as usize) {
            Some(f) => frame_line(f, skip, theme),
            None => Line::styled(
                format!(
                    "  frame {} · the full record is shown when the turn ends",
                    i + 1
                ),
                theme.dim,
            ),
        },
        TraceRow::Text { start, len } => {
            decoded("text", short(slice(t.answer.text(), start, len)), theme)
        }
        TraceRow::Reasoning { start, len } => decoded(
            "reasoning",
            short(slice(t.reasoning.text(), start, len)),
            theme,
        ),
        TraceRow::Event(i) => t
            .trace
            .events
            .get(i as usize)
            .map_or_else(Line::default, |e| event_line(e, theme)),
    }
}

fn decoded(label: &str, text: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled("         → ", theme.dim),
        Span::styled(format!("{label} "), theme.tool),
        Span::styled(sanitize(&text).into_owned(), theme.dim),
    ])
}

/// One line describing a decoded event.
pub fn event_line(e: &StreamEvent, theme: &Theme) -> Line<'static> {
    let (label, text) = match e {
        StreamEvent::TextDelta { text } => ("text", short(text)),
        StreamEvent::ReasoningDelta { text } => ("reasoning", short(text)),
        StreamEvent::ToolCallDelta {
            index,
            id,
            name,
            arguments,
        } => (
            "tool call",
            format!(
                "#{index} {} {} {}",
                id.as_deref().unwrap_or(""),
                name.as_deref().unwrap_or(""),
                short(arguments)
            ),
        ),
        StreamEvent::Usage { usage } => (
            "usage",
            format!(
                "in {} (cached {}) out {} (reasoning {}){}",
                usage.input,
                usage.cached_read,
                usage.output,
                usage.reasoning,
                usage
                    .provider_cost
                    .as_ref()
                    .map(|c| format!(" cost {c}"))
                    .unwrap_or_default()
            ),
        ),
        StreamEvent::Finished { reason } => ("finished", reason.label().to_string()),
        StreamEvent::Signature { of, signature } => (
            "signature",
            format!("{of:?} ({} bytes) {}", signature.len(), short(signature)),
        ),
        StreamEvent::ProviderError { message, code } => (
            "error",
            format!(
                "{}{message}",
                code.as_ref().map(|c| format!("{c}: ")).unwrap_or_default()
            ),
        ),
    };
    decoded(label, text, theme)
}

/// Draws the visible rows of the listing into `area` (inside the pane's border).
pub fn render(
    s: &InspectorState,
    turn: Option<&Turn>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    if area.is_empty() {
        return;
    }
    let area = super::timeline::render_modal_line(&s.debug, theme, area, buf);
    let area = super::timeline::render_query(&s.debug, theme, area, buf);
    let Some(t) = turn else {
        buf.set_line(
            area.x,
            area.y,
            &Line::styled("no turn yet", theme.dim),
            area.width,
        );
        return;
    };
    if s.debug.view == View::Timeline {
        super::timeline::render(&s.debug, t, s.scroll.top, s.hscroll, theme, area, buf);
        return;
    }
    let width = usize::from(area.width);
    let frames_at = s.head.len();
    let rows_at = frames_at + 1;
    let tail_at = rows_at + t.trace.rows.len();
    for (dy, row) in (s.scroll.top..).take(usize::from(area.height)).enumerate() {
        let line = if row < frames_at {
            s.head[row].clone()
        } else if row == frames_at {
            let n = t.trace.frames.len();
            let live = if t.is_streaming() { " · live" } else { "" };
            let cols = match s.hscroll {
                0 => String::new(),
                n => format!(" · from column {}", n + 1),
            };
            heading(
                format!("frames ({n}) and decoded events{live}{cols}"),
                theme,
            )
        } else if row < tail_at {
            row_line(t, t.trace.rows[row - rows_at], s.hscroll, theme)
        } else if let Some(l) = s.tail.get(row - tail_at) {
            l.clone()
        } else {
            break;
        };
        let y = area.y + u16::try_from(dy).unwrap_or(u16::MAX);
        let line = search::highlight(&line, &s.debug.search.query, theme.selected);
        let clipped = Line::from(truncate_spans(&line.spans, width)).style(line.style);
        buf.set_line(area.x, y, &clipped, area.width);
    }
}
