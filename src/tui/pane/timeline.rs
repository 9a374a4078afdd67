//! The inspector's timeline view and the debugger's overlays: milestones (sent, first
//! byte, first and last token, end), stalls, a chart of tokens over time, the rate-limit
//! summary, one row per frame (offset, gap, size, event, the decoded delta or the raw
//! data), the JSON-path result box, the prompt line and the request editor.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::llm::ratelimit::RateLimits;
use crate::tui::debug::search::{decoded_text, highlight};
use crate::tui::debug::timeline::{FrameStat, resample, sparkline};
use crate::tui::debug::{DebugState, Modal, modal_line};
use crate::tui::theme::Theme;
use crate::tui::turn::{RATE_BUCKET_US, Turn};
use crate::tui::wrap::{sanitize, truncate_spans};

fn ms(us: Option<u64>) -> String {
    match us {
        None => "—".into(),
        // A local server answers within a millisecond: say how much within.
        Some(u) if u < 10_000 => format!("+{:.1} ms", u as f64 / 1000.0),
        Some(u) => format!("+{} ms", u / 1000),
    }
}

fn size(n: u64) -> String {
    if n < 10 * 1024 {
        format!("{n} B")
    } else {
        format!("{:.1} KB", n as f64 / 1024.0)
    }
}

/// The rows above the frame table (`DebugState::TIMELINE_HEAD` of them).
pub fn head_rows(d: &DebugState, t: &Turn, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let tl = &d.timeline;
    let label = |s: &str| Span::styled(s.to_string(), theme.dim);
    let mut rows = vec![
        Line::from(vec![
            label("sent "),
            Span::raw("+0 ms"),
            label(" · first byte "),
            Span::raw(ms(tl.first_byte_us)),
            label(" · first token "),
            Span::styled(ms(tl.first_token_us), theme.accent),
            label(" · last token "),
            Span::raw(ms(tl.last_token_us)),
            label(" · end "),
            Span::raw(ms(tl.end_us)),
        ]),
        Line::from(vec![
            label("frames "),
            Span::raw(format!("{}", tl.frames.len() + tl.missing)),
            label(" · "),
            Span::raw(size(tl.bytes)),
            label(" · median gap "),
            Span::raw(format!("{} ms", tl.median_gap_us / 1000)),
            label(" · stalls "),
            if tl.stalls > 0 {
                Span::styled(
                    format!(
                        "{} (gaps over {} ms)",
                        tl.stalls,
                        tl.stall_threshold_us / 1000
                    ),
                    theme.warn,
                )
            } else {
                Span::raw(format!("0 (none over {} ms)", tl.stall_threshold_us / 1000))
            },
        ]),
    ];
    let chart_w = width.saturating_sub(16).max(1);
    let buckets = resample(&t.rate, chart_w);
    let secs = (t.rate.len() as u64 * RATE_BUCKET_US) as f64 / 1e6;
    rows.push(Line::from(vec![
        label("tokens/time "),
        Span::styled(sparkline(&buckets), theme.gauge),
        label(format!(" {secs:.1} s").as_str()),
    ]));
    let limits = RateLimits::from_headers(&t.trace.headers);
    rows.push(match limits.summary() {
        Some(s) => Line::from(vec![label("rate limits "), Span::styled(s, theme.money)]),
        None => Line::from(label("rate limits: none in the response headers")),
    });
    let view = if d.raw { "raw" } else { "decoded" };
    let filter = if d.search.query.is_empty() {
        String::new()
    } else {
        format!(
            " · filter “{}”: {} of {}",
            d.search.query,
            d.visible.len(),
            tl.frames.len()
        )
    };
    rows.push(Line::styled(
        format!("── frames · {view}{filter} ──"),
        theme.heading,
    ));
    rows.push(Line::styled(
        format!(
            "{:>9} {:>8} {:>8}  {:<14} {}",
            "offset",
            "gap",
            "size",
            "event",
            if d.raw { "data" } else { "delta" }
        ),
        theme.dim,
    ));
    rows
}

/// One frame row.
pub fn frame_row(
    d: &DebugState,
    t: &Turn,
    f: &FrameStat,
    skip: usize,
    theme: &Theme,
) -> Line<'static> {
    let frame = t.trace.frames.get(f.frame as usize);
    let event = frame
        .and_then(|fr| fr.event.clone())
        .unwrap_or_else(|| "message".into());
    let gap_style = if f.stall { theme.warn } else { theme.dim };
    let mut spans = vec![
        Span::styled(format!("{:>6} ms ", f.offset_us / 1000), theme.text),
        Span::styled(format!("{:>5} ms ", f.gap_us / 1000), gap_style),
        Span::styled(format!("{:>6} B ", f.bytes), theme.dim),
        Span::styled(
            format!(" {:<14} ", truncate(&sanitize(&event), 14)),
            theme.accent,
        ),
    ];
    if f.stall {
        spans.insert(0, Span::styled("⚠", theme.warn));
    } else {
        spans.insert(0, Span::raw(" "));
    }
    let body = if d.raw {
        frame.map_or_else(String::new, |fr| {
            fr.data.chars().skip(skip).take(1024).collect()
        })
    } else {
        let text = decoded_text(t, f.first_row, f.end_row);
        if text.is_empty() {
            // A frame that decoded to nothing (a role-only delta, `[DONE]`, a ping).
            String::from("·")
        } else {
            let cut: String = text.chars().skip(skip).take(512).collect();
            format!("{cut:?}")
        }
    };
    let style = if d.raw { theme.text } else { theme.tool };
    spans.push(Span::styled(sanitize(&body).replace('\n', "⏎"), style));
    Line::from(spans)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Draws the timeline listing.
pub fn render(
    d: &DebugState,
    t: &Turn,
    top: usize,
    skip: usize,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = usize::from(area.width);
    let head = head_rows(d, t, theme, width);
    let query = &d.search.query;
    for (dy, row) in (top..).take(usize::from(area.height)).enumerate() {
        let line = if let Some(l) = head.get(row) {
            l.clone()
        } else {
            let k = row - head.len();
            let Some(f) = d
                .visible
                .get(k)
                .and_then(|i| d.timeline.frames.get(*i as usize))
            else {
                if k == d.visible.len() && d.timeline.missing > 0 {
                    let l = Line::styled(
                        format!(
                            "  {} earlier frame(s) are listed when the turn ends",
                            d.timeline.missing
                        ),
                        theme.dim,
                    );
                    put(buf, area, dy, &l);
                }
                break;
            };
            let l = frame_row(d, t, f, skip, theme);
            highlight(&l, query, theme.selected)
        };
        put(buf, area, dy, &line);
    }
}

fn put(buf: &mut Buffer, area: Rect, dy: usize, line: &Line<'_>) {
    let y = area.y + u16::try_from(dy).unwrap_or(u16::MAX);
    if y >= area.bottom() {
        return;
    }
    let clipped =
        Line::from(truncate_spans(&line.spans, usize::from(area.width))).style(line.style);
    buf.set_line(area.x, y, &clipped, area.width);
}

/// Draws the JSON-path result box over the top of `area`; returns the rows left below it.
pub fn render_query(d: &DebugState, theme: &Theme, area: Rect, buf: &mut Buffer) -> Rect {
    let Some(q) = &d.query else { return area };
    if area.height < 4 {
        return area;
    }
    let h = (q.lines.len() as u16 + 1).min(area.height / 2).max(2);
    let style = if q.error { theme.error } else { theme.text };
    put(
        buf,
        area,
        0,
        &Line::styled(
            format!(
                "── {} · {} result(s) · Esc closes ──",
                q.path,
                if q.error { 0 } else { q.lines.len() }
            ),
            theme.heading,
        ),
    );
    for (i, l) in q.lines.iter().take(usize::from(h - 1)).enumerate() {
        put(
            buf,
            area,
            i + 1,
            &Line::styled(sanitize(l).into_owned(), style),
        );
    }
    Rect::new(area.x, area.y + h, area.width, area.height - h)
}

/// Draws the prompt or chooser line at the bottom of `area`; returns the rows above it.
pub fn render_modal_line(d: &DebugState, theme: &Theme, area: Rect, buf: &mut Buffer) -> Rect {
    let Some((label, text)) = modal_line(d) else {
        return area;
    };
    if area.height == 0 {
        return area;
    }
    let y = area.bottom() - 1;
    let row = Rect::new(area.x, y, area.width, 1);
    Clear.render(row, buf);
    let cursor = if matches!(d.modal, Some(Modal::Prompt { .. })) {
        "▏"
    } else {
        ""
    };
    let line = Line::from(vec![
        Span::styled(label, theme.accent),
        Span::raw(sanitize(&text).into_owned()),
        Span::styled(cursor, theme.accent),
    ]);
    // Keep the end of a long input visible.
    let w = usize::from(area.width);
    let spans = truncate_spans(&line.spans, w);
    buf.set_line(area.x, y, &Line::from(spans), area.width);
    Rect::new(area.x, area.y, area.width, area.height - 1)
}

/// The request editor, over most of the screen.
pub fn render_editor(d: &DebugState, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let Some(Modal::Editor(ed)) = &d.modal else {
        return;
    };
    if screen.width < 10 || screen.height < 6 {
        return;
    }
    let area = Rect::new(
        screen.x + screen.width / 20,
        screen.y + 1,
        screen.width - screen.width / 10,
        screen.height.saturating_sub(3).max(4),
    );
    Clear.render(area, buf);
    let title = format!(
        " Request body of turn {} · Ctrl+S sends as a new exchange · Esc discards ",
        ed.turn.0
    );
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let mut text_area = inner;
    if let Some(e) = &ed.error {
        put(
            buf,
            inner,
            0,
            &Line::styled(sanitize(e).into_owned(), theme.error),
        );
        text_area = Rect::new(
            inner.x,
            inner.y + 1,
            inner.width,
            inner.height.saturating_sub(1),
        );
    }
    (&ed.textarea).render(text_area, buf);
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::llm::chat::ChatRequest;
    use crate::llm::provider::ModelRef;
    use crate::tui::msg::TurnId;

    fn text(l: &Line<'_>) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn rate_limit_headers_are_summarised_as_remaining_limit_and_reset() {
        let model = ModelRef::parse("anthropic/claude").unwrap();
        let chat = ChatRequest::new("claude", "hi");
        let token = tokio_util::sync::CancellationToken::new();
        let mut t = Turn::new(TurnId(1), model, "hi".into(), chat, token, Instant::now());
        let h = |k: &str, v: &str| (k.to_string(), v.to_string());
        t.trace.headers = vec![
            h("anthropic-ratelimit-requests-limit", "50"),
            h("anthropic-ratelimit-requests-remaining", "49"),
            h("anthropic-ratelimit-requests-reset", "2026-01-01T00:00:01Z"),
            h("anthropic-ratelimit-output-tokens-limit", "8000"),
            h("anthropic-ratelimit-output-tokens-remaining", "7900"),
            h("retry-after", "3"),
        ];
        let rows = head_rows(&DebugState::default(), &t, &Theme::default(), 100);
        assert_eq!(rows.len(), DebugState::TIMELINE_HEAD);
        assert_eq!(
            text(&rows[3]),
            "rate limits requests 49/50 left, resets 2026-01-01T00:00:01Z · output tokens \
             7900/8000 left · retry after 3.0 s"
        );
        t.trace.headers.clear();
        let rows = head_rows(&DebugState::default(), &t, &Theme::default(), 100);
        assert_eq!(text(&rows[3]), "rate limits: none in the response headers");
    }
}
