//! The meter pane: tokens, time and money of the selected turn, totals per currency, the
//! context window in use, and a sparkline of tokens/s over the turn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Sparkline, Widget};

use crate::llm::money::{Money, Totals};
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::turn::{RATE_BUCKET_US, Turn, TurnStatus};
use crate::tui::wrap::{display_width, truncate_spans};

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `850 ms`, `1.23 s`, `2 m 05 s`.
pub fn duration(us: u64) -> String {
    let ms = us / 1000;
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.2} s", us as f64 / 1e6)
    } else {
        format!("{} m {:02} s", ms / 60_000, (ms / 1000) % 60)
    }
}

/// A spinner frame for `elapsed_us`.
pub fn spinner(elapsed_us: u64) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[usize::try_from(elapsed_us / 100_000).unwrap_or(0) % FRAMES.len()]
}

/// `label ...... value`, the value flush right; a narrow pane shortens the label first.
pub fn row(label: &str, value: String, style: Style, theme: &Theme, width: usize) -> Line<'static> {
    let vw = display_width(&value);
    let room = width.saturating_sub(vw + 1);
    let label = truncate_spans(&[Span::styled(label.to_string(), theme.dim)], room);
    let lw: usize = label.iter().map(|s| display_width(&s.content)).sum();
    let mut spans = label;
    spans.push(Span::raw(" ".repeat(width.saturating_sub(lw + vw).max(1))));
    spans.push(Span::styled(value, style));
    Line::from(spans)
}

fn totals_text(t: &Totals) -> Vec<String> {
    let all: Vec<String> = t.iter().map(|m| m.to_string()).collect();
    if all.is_empty() {
        vec!["—".into()]
    } else {
        all
    }
}

fn status_line(t: &Turn, now: std::time::Instant, theme: &Theme) -> Line<'static> {
    let (text, style) = match &t.status {
        TurnStatus::Streaming { .. } if t.deltas == 0 => (
            format!(
                "{} waiting {}",
                spinner(t.elapsed_us(now)),
                duration(t.elapsed_us(now))
            ),
            theme.warn,
        ),
        TurnStatus::Streaming { .. } => (
            format!("{} streaming", spinner(t.elapsed_us(now))),
            theme.accent,
        ),
        TurnStatus::Done { stop } => (
            format!(
                "✓ done · {}",
                stop.as_ref().map_or("no stop reason", |s| s.label())
            ),
            theme.ok,
        ),
        TurnStatus::Cancelled => ("⊘ cancelled".into(), theme.warn),
        TurnStatus::Interrupted => ("⚠ interrupted".into(), theme.warn),
        TurnStatus::Failed { .. } => ("✗ failed".into(), theme.error),
    };
    Line::from(Span::styled(text, style))
}

/// The meter's text lines above the sparkline, for the selected turn.
pub fn turn_lines(state: &State, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let Some(t) = state.selected_turn() else {
        return vec![Line::styled("no turn yet", theme.dim)];
    };
    let now = state.now;
    let mut out = vec![
        Line::from(vec![
            Span::styled(format!("Turn {} ", t.id.0), theme.title),
            Span::styled(t.model.model.clone(), theme.accent),
        ]),
        status_line(t, now, theme),
    ];
    let u = t.usage.as_ref();
    let count =
        |f: fn(&crate::llm::usage::Usage) -> u64| u.map_or("—".to_string(), |u| thousands(f(u)));
    out.push(row("input", count(|u| u.input), theme.text, theme, width));
    out.push(row(
        " cached",
        count(|u| u.cached_read),
        theme.text,
        theme,
        width,
    ));
    out.push(row("output", count(|u| u.output), theme.text, theme, width));
    out.push(row(
        " reasoning",
        count(|u| u.reasoning),
        theme.text,
        theme,
        width,
    ));
    out.push(row(
        "TTFT",
        t.ttft_us.map_or("—".into(), duration),
        theme.text,
        theme,
        width,
    ));
    out.push(row(
        "total",
        duration(t.elapsed_us(now)),
        theme.text,
        theme,
        width,
    ));
    let tps = t
        .tokens_per_second(now)
        .map_or("—".into(), |r| format!("{r:.0}"));
    out.push(row("tok/s", tps, theme.text, theme, width));
    let cost = match (&t.cost, &t.price, u) {
        (Some(c), _, _) => c.to_string(),
        (None, None, _) => "price unknown".into(),
        (None, Some(_), None) => "—".into(),
        (None, Some(_), Some(_)) => "price incomplete".into(),
    };
    out.push(row("cost", cost, theme.money, theme, width));
    if let Some(r) = u.and_then(|u| u.provider_cost.as_ref()) {
        out.push(row(" reported", r.to_string(), theme.money, theme, width));
    }
    out.extend(super::meter_money::turn_check_lines(state, t, theme, width));
    out
}

/// The totals and context lines under the sparkline.
pub fn totals_lines(state: &State, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let window = state
        .catalog
        .find(&state.model)
        .and_then(|m| m.context_window);
    let used = state
        .chat
        .turns
        .iter()
        .rev()
        .filter(|t| !t.retried)
        .find_map(|t| t.usage.as_ref())
        .map(|u| u.input + u.output);
    out.push(Line::styled("context", theme.dim));
    match (used, window) {
        (Some(used), Some(window)) if window > 0 => {
            let frac = (used as f64 / window as f64).clamp(0.0, 1.0);
            let bar_w = usize::from(width.saturating_sub(6)).max(1);
            let filled = ((frac * bar_w as f64).round() as usize).min(bar_w);
            out.push(Line::from(vec![
                Span::styled("█".repeat(filled), theme.gauge),
                Span::styled("░".repeat(bar_w - filled), theme.dim),
                Span::raw(format!(" {:>3.0}%", frac * 100.0)),
            ]));
            out.push(Line::styled(
                format!("{} / {}", thousands(used), thousands(window)),
                theme.dim,
            ));
        }
        (used, window) => out.push(Line::styled(
            format!(
                "{} / {}",
                used.map_or("—".into(), thousands),
                window.map_or("?".into(), thousands)
            ),
            theme.dim,
        )),
    }
    let mut money = |label: &str, t: &Totals, reported: &Totals| {
        for (i, text) in totals_text(t).into_iter().enumerate() {
            let l = if i == 0 { label } else { "" };
            out.push(row(l, text, theme.money, theme, usize::from(width)));
        }
        for m in reported.iter() {
            out.push(row(
                " reported",
                Money::to_string(&m),
                theme.money,
                theme,
                usize::from(width),
            ));
        }
    };
    money(
        "chat",
        &state.spend.conversation,
        &state.spend.conversation_reported,
    );
    money(
        "since start",
        &state.spend.session,
        &state.spend.session_reported,
    );
    out.extend(super::meter_money::budget_lines(
        state,
        theme,
        usize::from(width),
    ));
    out.extend(super::meter_money::account_lines(
        state,
        theme,
        usize::from(width),
    ));
    out
}

/// Resamples the per-bucket counts to `width` columns of tokens/s.
pub fn sparkline_data(rate: &[u32], width: usize) -> Vec<u64> {
    if rate.is_empty() || width == 0 {
        return Vec::new();
    }
    let per_sec = 1_000_000 / RATE_BUCKET_US;
    if rate.len() <= width {
        return rate.iter().map(|n| u64::from(*n) * per_sec).collect();
    }
    (0..width)
        .map(|c| {
            let a = c * rate.len() / width;
            let b = ((c + 1) * rate.len() / width).max(a + 1);
            let sum: u64 = rate[a..b].iter().map(|n| u64::from(*n)).sum();
            sum * per_sec / (b - a) as u64
        })
        .collect()
}

/// Draws the meter into `area` (inside the pane's border).
pub fn render(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let width = usize::from(area.width);
    let mut y = area.y;
    let put = |line: &Line<'static>, y: &mut u16, buf: &mut Buffer| {
        if *y < area.bottom() {
            let l = Line::from(truncate_spans(&line.spans, width)).style(line.style);
            buf.set_line(area.x, *y, &l, area.width);
        }
        *y += 1;
    };
    // The next request first while one is typed, then the selected turn.
    // A prompt that goes to a comparison is estimated across its lanes instead.
    let mut next = crate::tui::compare::meter_lines(state, theme);
    if next.is_empty() {
        next = super::meter_money::next_lines(state, theme, width);
    }
    for line in next {
        put(&line, &mut y, buf);
    }
    for line in turn_lines(state, theme, width) {
        put(&line, &mut y, buf);
    }
    if let Some(t) = state.selected_turn()
        && !t.rate.is_empty()
        && y + 2 < area.bottom()
    {
        let spark = Rect::new(area.x, y, area.width, 2);
        Sparkline::default()
            .data(sparkline_data(&t.rate, width))
            .style(theme.gauge)
            .render(spark, buf);
        y += 2;
    }
    for line in totals_lines(state, theme, area.width) {
        put(&line, &mut y, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(duration(850_000), "850 ms");
        assert_eq!(duration(1_234_000), "1.23 s");
        assert_eq!(sparkline_data(&[1, 2, 3, 4], 2), vec![15, 35]);
    }
}
