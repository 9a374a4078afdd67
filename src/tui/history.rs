//! What the history does to the state: the `Begin` job that keeps each new turn, the
//! browser's keys and actions, and the store thread's answers (`Msg::History`): pages of
//! the list, a conversation loaded to resume or branch, renames and deletes, and other
//! processes' writes. Pure like the rest of `update`: SQLite is reached through
//! `Effect::Store` only.

use crossterm::event::{KeyCode, KeyEvent};
use serde_json::Value;

mod replay;
mod restore;

pub use replay::traced as traced_exchanges;
use restore::restore;
pub use restore::restored_turn;

use super::action::Action;
use super::conversation::quit;
use super::effect::Effect;
use super::keymap::{KeyChord, Scope};
use super::msg::TurnId;
use super::pane::history::{EXTERNAL_KEPT, Mode, PAGE, Row, StoreStatus};
use super::state::{Overlay, Pane, State};
use super::store_link::{HistoryMsg, Listing, LoadFor, StoreJob, Target};
use crate::llm::chat::ChatRequest;
use crate::llm::provider::ModelRef;
use crate::store::EntryKind;

fn job(j: StoreJob) -> Effect {
    Effect::Store(Box::new(j))
}

/// The job that commits a new turn's prompt before it is sent; `None` when history is off.
pub(super) fn begin(
    state: &State,
    turn: TurnId,
    prompt: &str,
    chat: &ChatRequest,
    model: &ModelRef,
) -> Option<Effect> {
    let h = &state.history;
    if !h.is_on() {
        return None;
    }
    Some(job(StoreJob::Begin {
        turn,
        conversation: h.conversation,
        branch_from: h.branch_from,
        model: model.to_string(),
        prompt: prompt.to_string(),
        system: state.settings.system.clone(),
        params: serde_json::to_value(&chat.params).unwrap_or(Value::Null),
    }))
}

fn is_open(state: &State) -> bool {
    matches!(state.overlays.last(), Some(Overlay::History))
}

/// Opens the browser (or closes it when it is on top).
pub(super) fn toggle(state: &mut State) -> Vec<Effect> {
    if is_open(state) {
        return close(state);
    }
    state.overlays.retain(|o| *o != Overlay::History);
    state.overlays.push(Overlay::History);
    let b = &mut state.history.browser;
    b.mode = Mode::Browse;
    b.error = None;
    if !state.history.is_on() {
        return Vec::new();
    }
    let mut out = reload(state, 0);
    out.push(job(StoreJob::Watch(true)));
    out
}

fn close(state: &mut State) -> Vec<Effect> {
    state.overlays.retain(|o| *o != Overlay::History);
    state.history.browser.mode = Mode::Browse;
    if state.history.is_on() {
        vec![job(StoreJob::Watch(false))]
    } else {
        Vec::new()
    }
}

/// Asks for the list (or the search) from `offset`, in a new generation when it starts
/// over.
fn reload(state: &mut State, offset: usize) -> Vec<Effect> {
    let b = &mut state.history.browser;
    if offset == 0 {
        b.generation += 1;
    }
    b.loading = true;
    // A refresh keeps as many rows as were shown.
    let limit = if offset == 0 {
        b.rows.len().max(PAGE)
    } else {
        PAGE
    };
    vec![job(StoreJob::List {
        generation: b.generation,
        query: b.query.clone(),
        offset,
        limit,
    })]
}

/// A key while the browser is on top.
pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    if let Some(a) = state.keymap.lookup(Scope::History, chord) {
        return on_action(state, a);
    }
    if !chord.is_text()
        && let Some(a) = state.keymap.lookup(Scope::Global, chord)
    {
        match a {
            Action::Quit => {
                quit(state);
                return Vec::new();
            }
            Action::Help => {
                state.overlays.push(Overlay::Help { top: 0 });
                return Vec::new();
            }
            _ => {}
        }
    }
    let b = &mut state.history.browser;
    match (&mut b.mode, key.code) {
        (Mode::Browse, KeyCode::Char(c)) if chord.is_text() => {
            b.query.push(c);
            b.selected = 0;
            return reload(state, 0);
        }
        (Mode::Browse, KeyCode::Backspace) if b.query.pop().is_some() => {
            b.selected = 0;
            return reload(state, 0);
        }
        (Mode::Rename { text }, KeyCode::Char(c)) if chord.is_text() => text.push(c),
        (Mode::Rename { text }, KeyCode::Backspace) => {
            text.pop();
        }
        (Mode::Delete, KeyCode::Char('y' | 'Y')) => return confirm(state),
        (Mode::Delete, KeyCode::Char('n' | 'N')) => b.mode = Mode::Browse,
        _ => {}
    }
    Vec::new()
}

/// The mouse wheel moves the selection; clicks do nothing here.
pub(super) fn on_mouse(state: &mut State, m: crossterm::event::MouseEvent) -> Vec<Effect> {
    use crossterm::event::MouseEventKind;
    match m.kind {
        MouseEventKind::ScrollUp => move_selection(state, Action::Up),
        MouseEventKind::ScrollDown => move_selection(state, Action::Down),
        _ => Vec::new(),
    }
}

/// Pasted text goes to the search or rename line.
pub(super) fn on_paste(state: &mut State, text: &str) -> Vec<Effect> {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let b = &mut state.history.browser;
    match &mut b.mode {
        Mode::Browse => {
            b.query.push_str(&clean);
            b.selected = 0;
            reload(state, 0)
        }
        Mode::Rename { text } => {
            text.push_str(&clean);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn selected_target(state: &State) -> Option<Target> {
    let b = &state.history.browser;
    b.rows.get(b.selected).map(Row::target)
}

/// An action while the browser is on top.
pub(super) fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let b = &mut state.history.browser;
    match action {
        Action::Close => match b.mode {
            Mode::Browse if !b.query.is_empty() => {
                b.query.clear();
                b.selected = 0;
                return reload(state, 0);
            }
            Mode::Browse => return close(state),
            _ => b.mode = Mode::Browse,
        },
        Action::History => return close(state),
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => {
            return move_selection(state, action);
        }
        Action::OpenEntry => return open_selected(state),
        Action::RenameEntry => {
            if let Some(row) = b.rows.get(b.selected) {
                b.mode = Mode::Rename {
                    text: row.title().to_string(),
                };
            }
        }
        Action::DeleteEntry if b.rows.get(b.selected).is_some() => b.mode = Mode::Delete,
        Action::BranchEntry => {
            let turn = match b.rows.get(b.selected) {
                Some(Row::Hit(h)) => Some(h.turn_id),
                _ => None,
            };
            match selected_target(state) {
                Some(t) if t.kind == EntryKind::Comparison => {
                    state.note(
                        "a comparison is not branched: open it, or branch one of its conversations",
                    );
                }
                Some(target) => {
                    return vec![job(StoreJob::Load {
                        target,
                        purpose: LoadFor::Branch { turn },
                    })];
                }
                None => {}
            }
        }
        Action::Replay if matches!(b.mode, Mode::Browse) => return replay::request(state),
        Action::Quit => quit(state),
        Action::Help => state.overlays.push(Overlay::Help { top: 0 }),
        _ => {}
    }
    Vec::new()
}

fn move_selection(state: &mut State, action: Action) -> Vec<Effect> {
    let b = &mut state.history.browser;
    let (at, len) = match &mut b.mode {
        Mode::PickTurn { loaded, selected } => (selected, loaded.turns.len()),
        _ => (&mut b.selected, b.rows.len()),
    };
    let last = len.saturating_sub(1);
    *at = match action {
        Action::Up => at.saturating_sub(1),
        Action::Down => (*at + 1).min(last),
        Action::PageUp => at.saturating_sub(10),
        Action::PageDown => (*at + 10).min(last),
        Action::Top => 0,
        _ => last,
    };
    // Near the end of a full page: the next one.
    let near_end = matches!(b.mode, Mode::Browse) && b.selected + 5 >= b.rows.len();
    if near_end && b.more && !b.loading && b.query.trim().is_empty() {
        let offset = b.rows.len();
        return reload(state, offset);
    }
    Vec::new()
}

fn open_selected(state: &mut State) -> Vec<Effect> {
    let b = &mut state.history.browser;
    match &b.mode {
        Mode::Browse => {}
        Mode::Rename { text } => {
            let title = text.trim().to_string();
            let Some(target) = selected_target(state) else {
                return Vec::new();
            };
            if title.is_empty() {
                state.note_error("a title cannot be empty");
                return Vec::new();
            }
            state.history.browser.mode = Mode::Browse;
            if target.kind == EntryKind::Conversation
                && state.history.conversation == Some(target.id)
            {
                state.history.title = Some(title.clone());
            }
            return vec![job(StoreJob::Rename { target, title })];
        }
        Mode::Delete => return confirm(state),
        Mode::PickTurn { .. } => return branch_at_selected(state),
    }
    if state.is_streaming() {
        let cancel = state.key_for(Action::Cancel);
        state.note(format!(
            "a turn is still streaming · {cancel} cancels it first"
        ));
        return Vec::new();
    }
    match selected_target(state) {
        Some(target) => vec![job(StoreJob::Load {
            target,
            purpose: LoadFor::Resume,
        })],
        None => Vec::new(),
    }
}

fn confirm(state: &mut State) -> Vec<Effect> {
    state.history.browser.mode = Mode::Browse;
    let Some(target) = selected_target(state) else {
        return Vec::new();
    };
    if target.kind == EntryKind::Conversation && state.history.conversation == Some(target.id) {
        // The chat stays on screen; its next turn starts a new stored conversation.
        state.history.conversation = None;
        state.history.title = None;
    }
    vec![job(StoreJob::Delete { target })]
}

/// What the store thread reported.
pub(super) fn on_msg(state: &mut State, msg: HistoryMsg) -> Vec<Effect> {
    match msg {
        HistoryMsg::Opened(Ok(path)) => state.history.status = StoreStatus::On(path),
        HistoryMsg::Opened(Err(why)) => {
            state.note_error(format!("history is off: {why}"));
            state.history.status = StoreStatus::Off(why);
        }
        HistoryMsg::Stored {
            turn,
            conversation,
            title,
        } => {
            tracing::debug!(turn = turn.0, conversation, "turn stored");
            // A turn cleared by a new conversation meanwhile no longer decides where the
            // next one goes.
            if state.chat.turn(turn).is_none() {
                return Vec::new();
            }
            state.history.conversation = Some(conversation);
            state.history.title = Some(title);
            state.history.branch_from = None;
        }
        HistoryMsg::Warning(w) => state.note_error(w),
        HistoryMsg::Listed {
            generation,
            offset,
            now_ms,
            result,
        } => {
            let b = &mut state.history.browser;
            if generation != b.generation {
                return Vec::new();
            }
            b.loading = false;
            b.now_ms = now_ms;
            match result {
                Ok(Listing::Entries(entries)) => {
                    b.error = None;
                    b.more = entries.len() >= PAGE;
                    if offset == 0 {
                        b.rows.clear();
                    }
                    b.rows.truncate(offset);
                    b.rows.extend(entries.into_iter().map(Row::Entry));
                }
                Ok(Listing::Hits(hits)) => {
                    b.error = None;
                    b.more = false;
                    b.rows = hits.into_iter().map(Row::Hit).collect();
                }
                Err(e) => b.error = Some(e),
            }
            b.selected = b.selected.min(b.rows.len().saturating_sub(1));
        }
        HistoryMsg::Loaded { purpose, result } => match result {
            Err(e) => state.note_error(format!("cannot open it: {e}")),
            Ok(loaded) => match purpose {
                LoadFor::Resume => {
                    let out = close(state);
                    restore(state, &loaded);
                    return out;
                }
                LoadFor::Branch { turn } => {
                    if loaded.turns.is_empty() {
                        state.note("it has no turns to branch from");
                        return Vec::new();
                    }
                    let selected = turn
                        .and_then(|id| loaded.turns.iter().position(|t| t.turn.id == id))
                        .unwrap_or(loaded.turns.len() - 1);
                    state.history.browser.mode = Mode::PickTurn { loaded, selected };
                }
                LoadFor::Replay => {
                    let mut out = close(state);
                    out.extend(replay::replay(state, &loaded));
                    return out;
                }
            },
        },
        HistoryMsg::Changed(Ok(text)) => {
            state.note(text);
            if is_open(state) {
                return reload(state, 0);
            }
        }
        HistoryMsg::Changed(Err(e)) => state.note_error(e),
        HistoryMsg::External(news) => {
            let b = &mut state.history.browser;
            for e in news {
                b.external.insert(0, e);
            }
            b.external.truncate(EXTERNAL_KEPT);
            if is_open(state) && matches!(state.history.browser.mode, Mode::Browse) {
                return reload(state, 0);
            }
        }
    }
    Vec::new()
}

/// Picks the selected turn of the branch picker: the turns before it fill the chat, its
/// prompt goes to the composer, and the next send starts the branch.
fn branch_at_selected(state: &mut State) -> Vec<Effect> {
    if state.is_streaming() {
        let cancel = state.key_for(Action::Cancel);
        state.note(format!(
            "a turn is still streaming · {cancel} cancels it first"
        ));
        return Vec::new();
    }
    let Mode::PickTurn { loaded, selected } = std::mem::take(&mut state.history.browser.mode)
    else {
        return Vec::new();
    };
    let Some(at) = loaded.turns.get(selected) else {
        return Vec::new();
    };
    let (from, prompt, position) = (at.turn.id, at.turn.prompt.clone(), at.turn.position);
    let mut before = (*loaded).clone();
    before.turns.truncate(selected);
    let out = close(state);
    restore(state, &before);
    state.history.conversation = None;
    state.history.branch_from = Some(from);
    state.history.title = Some(format!("{} (branch)", loaded.title));
    state.composer.set_text(&prompt);
    state.focus = Pane::Composer;
    state.note(format!(
        "branch from turn {}: edit the prompt and send; “{}” is kept as it was",
        position + 1,
        loaded.title
    ));
    out
}
