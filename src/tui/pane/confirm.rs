//! The budget question: a box over the panes before a request that could pass the run's
//! budget. Nothing is sent until it is answered; the answer keys come from the keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::tui::action::Action;
use crate::tui::keymap::Scope;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::wrap::{truncate_spans, wrap_text};

/// Where the box goes on a screen of `area`: centred, at most 64 columns wide.
pub fn area(screen: Rect, rows: u16) -> Rect {
    let w = screen.width.min(64);
    let h = (rows + 2).min(screen.height);
    Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    )
}

/// Draws the question, if one is pending.
pub fn render(state: &State, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    // A single request's question, or a comparison's (across its lanes).
    let reason = match (&state.costs.pending, &state.compare.confirm) {
        (Some(p), _) => &p.reason,
        (None, Some(r)) => r,
        (None, None) => return,
    };
    if screen.width < 4 || screen.height < 3 {
        return;
    }
    // Inside the border, a column of padding on each side.
    let inner_w = screen.width.min(64).saturating_sub(4).max(1);
    let key = |a: Action| {
        state
            .keymap
            .keys(Scope::Help, a)
            .first()
            .map_or_else(|| a.name().to_string(), |k| k.label())
    };
    let mut lines: Vec<Line<'static>> = wrap_text(reason, inner_w, theme.text);
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(key(Action::ConfirmSend), theme.accent),
        Span::styled(" send anyway   ", theme.dim),
        Span::styled(key(Action::DenySend), theme.accent),
        Span::styled(" don't send", theme.dim),
    ]));
    let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let r = area(screen, rows);
    Clear.render(r, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.warn)
        .title(Line::styled(" Over budget? ", theme.warn));
    let mut inner = block.inner(r);
    if inner.width > 2 {
        inner.x += 1;
        inner.width -= 2;
    }
    block.render(r, buf);
    for (i, l) in lines.iter().enumerate() {
        let Ok(dy) = u16::try_from(i) else { break };
        if dy >= inner.height {
            break;
        }
        let l = Line::from(truncate_spans(&l.spans, usize::from(inner.width)));
        buf.set_line(inner.x, inner.y + dy, &l, inner.width);
    }
}
