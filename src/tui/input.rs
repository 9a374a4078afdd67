//! Keys, mouse and paste: how input becomes actions, and what each action does to the
//! panes. Turn-level actions (send, cancel, retry) are in `conversation.rs`.

use crossterm::event::{KeyCode, KeyEvent, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::action::Action;
use super::conversation::{cancel, new_conversation, quit, retry, send};
use super::effect::Effect;
use super::keymap::{KeyChord, Scope};
use super::msg::TurnId;
use super::state::{Overlay, Pane, State};
use super::ui;

/// Columns one `scroll-left`/`scroll-right` moves the inspector's frames.
const HSCROLL: usize = 16;

pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    if matches!(state.overlays.last(), Some(Overlay::History)) {
        return super::history::on_key(state, key);
    }
    if matches!(state.overlays.last(), Some(Overlay::Palette(_))) {
        return super::pane::palette::on_key(state, key);
    }
    // The inspector's prompt, chooser or request editor takes every key while open.
    if state.overlays.is_empty() && state.inspector.debug.modal.is_some() {
        return super::debug::on_modal_key(state, key);
    }
    let km = &state.keymap;
    if !state.overlays.is_empty() {
        let action = km.lookup(Scope::Help, chord).or_else(|| {
            // Quitting works from anywhere.
            km.lookup(Scope::Global, chord)
                .filter(|a| *a == Action::Quit && !chord.is_text())
        });
        return action.map_or_else(Vec::new, |a| on_action(state, a, Some(key)));
    }
    if state.focus == Pane::Catalog && state.catalog.filtering {
        if let KeyCode::Char(c) = key.code
            && chord.is_text()
        {
            state.catalog.type_char(c);
            return Vec::new();
        }
        if key.code == KeyCode::Backspace {
            state.catalog.backspace();
            return Vec::new();
        }
    }
    let scope = state.focus.scope();
    if let Some(a) = km.lookup(scope, chord) {
        return on_action(state, a, Some(key));
    }
    let composing = state.focus == Pane::Composer;
    if composing && chord.is_text() {
        type_key(state, key);
        return Vec::new();
    }
    if let Some(a) = km.lookup(Scope::Global, chord) {
        return on_action(state, a, Some(key));
    }
    if composing {
        type_key(state, key);
    }
    Vec::new()
}

fn type_key(state: &mut State, key: KeyEvent) {
    state.composer.textarea.input(key);
    state.composer.recall = None;
}

pub(super) fn on_action(state: &mut State, action: Action, key: Option<KeyEvent>) -> Vec<Effect> {
    match action {
        Action::Quit => quit(state),
        Action::Help => {
            if state.overlays.is_empty() {
                state.overlays.push(Overlay::Help { top: 0 });
            } else {
                state.overlays.pop();
            }
        }
        // The budget question a comparison asked (the same overlay as a single send's).
        Action::Close
            if matches!(state.overlays.last(), Some(Overlay::ConfirmSend))
                && state.compare.confirm.is_some() =>
        {
            return super::compare::answer(state, Action::DenySend);
        }
        Action::ConfirmSend | Action::DenySend if state.compare.confirm.is_some() => {
            return super::compare::answer(state, action);
        }
        Action::Close if matches!(state.overlays.last(), Some(Overlay::ConfirmSend)) => {
            return super::costs::answer(state, Action::DenySend);
        }
        Action::Close => {
            state.overlays.pop();
        }
        Action::RetryLane if state.compare.active.is_none() => return retry(state),
        Action::Mark
        | Action::ToggleBlind
        | Action::LanePrev
        | Action::LaneNext
        | Action::CancelLane
        | Action::RetryLane
        | Action::DiffLanes
        | Action::MarkBest
        | Action::RankLane
        | Action::ExportComparison => return super::compare::on_action(state, action),
        Action::History => return super::history::toggle(state),
        Action::Palette => {
            if !matches!(state.overlays.last(), Some(Overlay::Palette(_))) {
                super::pane::palette::open(state);
            }
        }
        Action::Run => return super::pane::palette::on_action(state, Action::Run),
        Action::ToggleMouse => {
            state.mouse_capture = !state.mouse_capture;
            state.note(if state.mouse_capture {
                format!(
                    "mouse on: click focuses, the wheel scrolls · {} lets the terminal select text",
                    state.key_for(Action::ToggleMouse)
                )
            } else {
                format!(
                    "mouse off: select and copy with the terminal · {} turns it back on",
                    state.key_for(Action::ToggleMouse)
                )
            });
            return vec![Effect::MouseCapture(state.mouse_capture)];
        }
        Action::OpenEntry | Action::RenameEntry | Action::DeleteEntry | Action::BranchEntry => {
            if matches!(state.overlays.last(), Some(Overlay::History)) {
                return super::history::on_action(state, action);
            }
        }
        Action::FocusNext => cycle_focus(state, 1),
        Action::FocusPrev => cycle_focus(state, Pane::CYCLE.len() - 1),
        Action::FocusCatalog => focus(state, Pane::Catalog),
        Action::FocusChat => focus(state, Pane::Chat),
        Action::FocusComposer => focus(state, Pane::Composer),
        Action::FocusMeter => focus(state, Pane::Meter),
        Action::FocusInspector => focus(state, Pane::Inspector),
        Action::ToggleCatalog => toggle(state, Pane::Catalog),
        Action::ToggleMeter => toggle(state, Pane::Meter),
        Action::ToggleInspector => toggle(state, Pane::Inspector),
        Action::ZoomInspector => {
            state.show.zoom = !state.show.zoom;
            state.show.inspector = true;
        }
        Action::Cancel
            if state.focus == Pane::Inspector
                && state.inspector.debug.has_results()
                && !state.is_streaming() =>
        {
            super::debug::clear(state);
        }
        Action::Cancel => cancel(state, key),
        Action::Retry => return retry(state),
        Action::NewConversation => new_conversation(state),
        Action::Send => return send(state),
        Action::Newline => state.composer.textarea.insert_newline(),
        Action::HistoryPrev if state.composer.can_recall() => {
            state.composer.recall_prev();
        }
        Action::HistoryNext if state.composer.recall.is_some() => {
            state.composer.recall_next();
        }
        Action::HistoryPrev | Action::HistoryNext => {
            if let Some(key) = key {
                state.composer.textarea.input(key);
            }
        }
        Action::ToggleReasoning => state.chat.hide_reasoning = !state.chat.hide_reasoning,
        Action::PrevTurn => select_turn(state, -1),
        Action::ScrollLeft => {
            state.inspector.hscroll = state.inspector.hscroll.saturating_sub(HSCROLL);
        }
        Action::ScrollRight => {
            state.inspector.hscroll = state.inspector.hscroll.saturating_add(HSCROLL).min(4096);
        }
        Action::NextTurn => select_turn(state, 1),
        Action::SortCatalog => state.catalog.cycle_sort(),
        Action::FilterCapability => state.catalog.cycle_capability(),
        Action::FilterProvider => state.catalog.cycle_provider(),
        Action::ZoomCatalog => {
            state.catalog.wide = !state.catalog.wide;
            state.show.catalog = true;
            state.focus = Pane::Catalog;
        }
        Action::RefreshCatalog => match state.catalog.selected_provider().map(str::to_string) {
            Some(provider) => {
                state.catalog.refreshing(&provider);
                state.note(format!("refreshing {provider}'s live model list…"));
                return vec![Effect::RefreshModels {
                    provider,
                    cancel: state.root.child_token(),
                }];
            }
            None => state.note("no provider selected to refresh"),
        },
        Action::ConfirmSend | Action::DenySend => {
            return super::costs::answer(state, action);
        }
        Action::Timeline
        | Action::RawView
        | Action::Search
        | Action::SearchNext
        | Action::SearchPrev
        | Action::JsonQuery
        | Action::Copy
        | Action::Save
        | Action::EditRequest
        | Action::EditExternal
        | Action::Resend
        | Action::OpenTrace
        | Action::Replay
        | Action::ExportTrace
        | Action::ExportConversation
        | Action::Pager
        | Action::ComposeExternal => return super::debug::on_action(state, action),
        Action::Filter | Action::ClearFilter | Action::Pick => {
            let (taken, picked) = state.catalog.handle(action);
            if let Some(model) = picked {
                state.note(format!("new turns go to {model}"));
                state.model = model;
            } else if !taken && action == Action::ClearFilter {
                cancel(state, key);
            }
        }
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => {
            scroll(state, action);
        }
    }
    Vec::new()
}

fn scroll(state: &mut State, action: Action) {
    if let Some(Overlay::Help { top }) = state.overlays.last_mut() {
        *top = match action {
            Action::Up => top.saturating_sub(1),
            Action::Down => top.saturating_add(1),
            Action::PageUp => top.saturating_sub(10),
            Action::PageDown => top.saturating_add(10),
            Action::Top => 0,
            _ => usize::MAX / 2,
        };
        return;
    }
    let s = match state.focus {
        Pane::Catalog => {
            state.catalog.handle(action);
            return;
        }
        Pane::Inspector => {
            state.inspector.manual = true;
            &mut state.inspector.scroll
        }
        Pane::Chat | Pane::Composer | Pane::Meter => match state.compare.scroll_mut() {
            Some(s) => s,
            None => &mut state.chat.scroll,
        },
    };
    match action {
        Action::Up => s.up(1),
        Action::Down => s.down(1),
        Action::PageUp => s.page_up(),
        Action::PageDown => s.page_down(),
        Action::Top => s.to_top(),
        _ => s.to_bottom(),
    }
}

pub(super) fn on_mouse(state: &mut State, m: MouseEvent) {
    let screen = Rect::new(0, 0, state.size.0, state.size.1);
    let pane = ui::layout(screen, state).hit(m.column, m.row);
    let action = match m.kind {
        MouseEventKind::ScrollUp => Action::Up,
        MouseEventKind::ScrollDown => Action::Down,
        _ => {
            if state.overlays.is_empty()
                && let Some(p) = pane
            {
                state.focus = p;
            }
            return;
        }
    };
    let Some(p) = pane else { return };
    let saved = state.focus;
    state.focus = p;
    for _ in 0..if p == Pane::Catalog { 1 } else { 3 } {
        scroll(state, action);
    }
    state.focus = saved;
}

pub(super) fn on_paste(state: &mut State, text: &str) {
    if !state.overlays.is_empty() {
        return;
    }
    if state.inspector.debug.modal.is_some() {
        return super::debug::on_paste(state, text);
    }
    if state.focus == Pane::Catalog && state.catalog.filtering {
        for c in text.chars().filter(|c| !c.is_control()) {
            state.catalog.filter.push(c);
        }
        state.catalog.rebuild();
        return;
    }
    state.focus = Pane::Composer;
    state.composer.paste(text);
}

fn focus(state: &mut State, pane: Pane) {
    match pane {
        Pane::Catalog => state.show.catalog = true,
        Pane::Meter => state.show.meter = true,
        Pane::Inspector => state.show.inspector = true,
        Pane::Chat | Pane::Composer => {}
    }
    state.focus = pane;
}

fn cycle_focus(state: &mut State, step: usize) {
    let n = Pane::CYCLE.len();
    let at = Pane::CYCLE
        .iter()
        .position(|p| *p == state.focus)
        .unwrap_or(0);
    for k in 1..=n {
        let p = Pane::CYCLE[(at + k * step) % n];
        if state.show.shows(p) {
            state.focus = p;
            return;
        }
    }
}

fn toggle(state: &mut State, pane: Pane) {
    let flag = match pane {
        Pane::Catalog => &mut state.show.catalog,
        Pane::Meter => &mut state.show.meter,
        _ => &mut state.show.inspector,
    };
    *flag = !*flag;
    if !state.show.shows(state.focus) {
        state.focus = Pane::Composer;
    }
}

fn select_turn(state: &mut State, delta: isize) {
    let ids: Vec<TurnId> = state.chat.turns.iter().map(|t| t.id).collect();
    let Some(last) = ids.len().checked_sub(1) else {
        return;
    };
    let at = state
        .inspector
        .selected
        .and_then(|id| ids.iter().position(|x| *x == id))
        .unwrap_or(last);
    let to = at.saturating_add_signed(delta).min(last);
    // Selecting the newest turn means: follow the newest, also the next one sent.
    state.inspector.selected = (to < last).then(|| ids[to]);
}
