//! The footer: the notice, then the keys that work in the focused pane, from the keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::action::Action;
use crate::tui::keymap::{KeyChord, Keymap, Scope};
use crate::tui::state::{Overlay, Pane, State};
use crate::tui::theme::Theme;
use crate::tui::wrap::truncate_spans;

/// Global actions worth a hint everywhere, in order.
const GLOBAL_HINTS: [Action; 6] = [
    Action::Cancel,
    Action::Retry,
    Action::FocusNext,
    Action::ToggleInspector,
    Action::Help,
    Action::Quit,
];

/// The first key of `action` in `scope` that works here: in a pane that takes text, plain
/// characters are text, so only other keys count.
fn usable_key(km: &Keymap, scope: Scope, action: Action, takes_text: bool) -> Option<KeyChord> {
    km.keys(scope, action)
        .into_iter()
        .find(|k| !(takes_text && k.is_text()))
}

/// Hints that only make sense in some states are left out of the others.
fn relevant_here(state: &State, action: Action) -> bool {
    let c = &state.composer;
    match action {
        Action::ClearFilter => state.catalog.filtering || !state.catalog.filter.is_empty(),
        Action::HistoryPrev => c.can_recall() && !c.history.is_empty(),
        Action::HistoryNext => c.recall.is_some(),
        // In the composer these scroll the conversation: useful, but not worth the room.
        Action::PageUp | Action::PageDown => state.focus != Pane::Composer,
        Action::PrevTurn | Action::NextTurn => state.chat.turns.len() > 1,
        // Lane keys only while a comparison is on screen.
        Action::LanePrev
        | Action::LaneNext
        | Action::CancelLane
        | Action::DiffLanes
        | Action::MarkBest
        | Action::RankLane
        | Action::ExportComparison => state.compare.active.is_some(),
        _ => true,
    }
}

/// The (key, hint) pairs for the current focus and overlay.
pub fn hints(state: &State) -> Vec<(String, &'static str)> {
    let km = &state.keymap;
    if matches!(state.overlays.last(), Some(Overlay::Palette(_))) {
        return km
            .entries(Scope::Palette)
            .into_iter()
            .filter_map(|(a, _)| {
                usable_key(km, Scope::Palette, a, true).map(|k| (k.label(), a.hint()))
            })
            .collect();
    }
    if matches!(state.overlays.last(), Some(Overlay::History)) {
        return km
            .entries(Scope::History)
            .into_iter()
            .filter_map(|(a, _)| {
                usable_key(km, Scope::History, a, true).map(|k| (k.label(), a.hint()))
            })
            .collect();
    }
    if !state.overlays.is_empty() {
        // The budget question's answers only while it is asked.
        let asking = matches!(
            state.overlays.last(),
            Some(crate::tui::state::Overlay::ConfirmSend)
        );
        return km
            .entries(Scope::Help)
            .into_iter()
            .filter(|(a, _)| asking || !matches!(a, Action::ConfirmSend | Action::DenySend))
            .map(|(a, keys)| (keys[0].label(), a.hint()))
            .collect();
    }
    let takes_text =
        state.focus == Pane::Composer || (state.focus == Pane::Catalog && state.catalog.filtering);
    let scope = state.focus.scope();
    let mut out: Vec<(String, &'static str)> = km
        .entries(scope)
        .into_iter()
        .filter(|(a, _)| relevant_here(state, *a))
        .filter_map(|(a, _)| usable_key(km, scope, a, takes_text).map(|k| (k.label(), a.hint())))
        .collect();
    let streaming = state.is_streaming();
    for a in GLOBAL_HINTS {
        let relevant = match a {
            Action::Cancel => streaming,
            Action::Retry => !streaming && !state.chat.turns.is_empty(),
            _ => true,
        };
        if relevant && let Some(k) = usable_key(km, Scope::Global, a, takes_text) {
            out.push((k.label(), a.hint()));
        }
    }
    out
}

/// Draws the footer row.
pub fn render(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let mut spans = Vec::new();
    if !state.mouse_capture {
        // The unusual state is always shown: clicks and the wheel do nothing now.
        spans.push(Span::styled("mouse off", theme.warn));
        let key = usable_key(&state.keymap, Scope::Global, Action::ToggleMouse, true);
        if let Some(k) = key {
            spans.push(Span::styled(format!(" {}", k.label()), theme.accent));
        }
        spans.push(Span::styled(" │ ", theme.dim));
    }
    if let Some(n) = &state.notice {
        let style = if n.error { theme.error } else { theme.warn };
        spans.push(Span::styled(n.text.clone(), style));
        spans.push(Span::styled(" │ ", theme.dim));
    }
    for (i, (key, hint)) in hints(state).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, theme.accent));
        spans.push(Span::styled(format!(" {hint}"), theme.dim));
    }
    let line = Line::from(truncate_spans(&spans, usize::from(area.width)));
    buf.set_line(area.x, area.y, &line, area.width);
}
