//! The help overlay: every binding of the focused pane and the global ones, generated from
//! the keymap, the composer's `/commands`, and where the log is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::tui::keymap::Scope;
use crate::tui::pane::composer::COMMANDS;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::wrap::truncate_spans;

/// Width of the keys column.
const KEYS: usize = 30;

fn section(
    keymap_scope: Scope,
    title: String,
    state: &State,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    out.push(Line::styled(title, theme.heading));
    for (action, keys) in state.keymap.entries(keymap_scope) {
        let keys: Vec<String> = keys.iter().map(|k| k.label()).collect();
        out.push(Line::from(vec![
            Span::styled(format!("  {:<KEYS$} ", keys.join(", ")), theme.accent),
            Span::raw(action.describe()),
        ]));
    }
    out.push(Line::raw(""));
}

/// The overlay's lines.
pub fn lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let focus = state.focus;
    section(
        focus.scope(),
        format!("{} (focused)", focus.title()),
        state,
        theme,
        &mut out,
    );
    section(Scope::Global, "Everywhere".into(), state, theme, &mut out);
    section(
        Scope::History,
        "History browser (type to search)".into(),
        state,
        theme,
        &mut out,
    );
    out.push(Line::styled("Composer commands", theme.heading));
    for (cmd, what) in COMMANDS {
        out.push(Line::from(vec![
            Span::styled(format!("  {cmd:<KEYS$} "), theme.accent),
            Span::raw(what),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Catalog", theme.heading));
    out.push(Line::raw(
        "  ● current model · R reasoning · T tools · V vision · price in/out per 1M tokens",
    ));
    out.push(Line::raw(
        "  Mouse: click a pane to focus it, the wheel scrolls the pane under the pointer",
    ));
    out.push(Line::raw(format!(
        "  {} releases the mouse so the terminal can select text (and takes it back) · {} opens the command palette",
        state.key_for(crate::tui::action::Action::ToggleMouse),
        state.key_for(crate::tui::action::Action::Palette),
    )));
    out.push(Line::raw(""));
    out.push(Line::styled("Log", theme.heading));
    let path = state.log_path.as_ref().map_or(
        "(no log file: the state directory is not writable)".to_string(),
        |p| p.display().to_string(),
    );
    out.push(Line::raw(format!("  {path}")));
    out.push(Line::styled(
        "  SWITCHBOARD_LOG=debug raises the level; keys are never logged",
        theme.dim,
    ));
    out
}

/// The overlay's box inside `area`.
pub fn area(area: Rect) -> Rect {
    let w = area.width.saturating_sub(4).clamp(area.width.min(20), 100);
    let h = area.height.saturating_sub(2).max(area.height.min(3));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Draws the overlay over `screen`.
pub fn render(state: &State, top: usize, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let rect = area(screen);
    if rect.is_empty() {
        return;
    }
    Clear.render(rect, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Line::styled(" Help · Esc closes ", theme.title));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let all = lines(state, theme);
    let top = top.min(all.len().saturating_sub(usize::from(inner.height)));
    for (dy, line) in all
        .iter()
        .skip(top)
        .take(usize::from(inner.height))
        .enumerate()
    {
        let y = inner.y + u16::try_from(dy).unwrap_or(0);
        let clipped =
            Line::from(truncate_spans(&line.spans, usize::from(inner.width))).style(line.style);
        buf.set_line(inner.x, y, &clipped, inner.width);
    }
}
