//! Turn-level actions: send a prompt (or run a `/command`), cancel, retry, quit, start a
//! new conversation; and the request history each new turn carries.

use crossterm::event::{KeyCode, KeyEvent};

use super::action::Action;
use super::effect::Effect;
use super::msg::TurnId;
use super::pane::composer::Command;
use super::state::{Overlay, Pane, State};
use super::turn::Turn;
use crate::llm::chat::{ChatRequest, Message, Role};
use crate::llm::provider::ModelRef;

/// Cancels every streaming turn at once. Returns how many there were.
fn cancel_all(state: &mut State) -> usize {
    let now = state.now;
    let mut n = 0;
    for t in &mut state.chat.turns {
        n += usize::from(t.cancel(now));
    }
    n + super::compare::cancel_all(state)
}

pub(super) fn cancel(state: &mut State, key: Option<KeyEvent>) {
    if cancel_all(state) > 0 {
        let retry = state.key_for(Action::Retry);
        state.note(format!(
            "cancelled · what arrived is kept · {retry} retries"
        ));
        return;
    }
    let ctrl_c = key.is_some_and(|k| k.code == KeyCode::Char('c'));
    if ctrl_c && state.focus == Pane::Composer && !state.composer.is_empty() {
        state.composer.set_text("");
        state.composer.recall = None;
        return;
    }
    let quit = state.key_for(Action::Quit);
    state.note(format!("nothing is streaming · {quit} quits"));
}

pub(super) fn quit(state: &mut State) {
    cancel_all(state);
    state.root.cancel();
    state.quit = true;
}

pub(super) fn new_conversation(state: &mut State) {
    cancel_all(state);
    state.compare.active = None;
    state.chat.turns.clear();
    state.chat.scroll = Default::default();
    state.inspector = Default::default();
    state.spend.conversation = Default::default();
    state.spend.conversation_reported = Default::default();
    state.history.conversation = None;
    state.history.title = None;
    state.history.branch_from = None;
    state.note("new conversation");
}

pub(super) fn send(state: &mut State) -> Vec<Effect> {
    let text = state.composer.text();
    if text.trim().is_empty() {
        return Vec::new();
    }
    if let Some(command) = Command::parse(&text) {
        match command {
            Ok(c) => {
                state.composer.take();
                run_command(state, c);
            }
            Err(e) => state.note_error(e),
        }
        return Vec::new();
    }
    // Marked models (or the comparison on screen) take the prompt as a comparison.
    if let Some(effects) = super::compare::on_send(state) {
        return effects;
    }
    if state.is_streaming() {
        let cancel = state.key_for(Action::Cancel);
        state.note(format!("a turn is still streaming · {cancel} cancels it"));
        return Vec::new();
    }
    let chat = build_chat(state, &text);
    if super::costs::hold_for_budget(state, &text, &chat) {
        // Sent only on yes (`costs::answer`); the prompt stays in the composer meanwhile.
        return Vec::new();
    }
    let prompt = state.composer.take();
    let model = state.model.clone();
    start_turn(state, prompt, model, chat)
}

fn run_command(state: &mut State, command: Command) {
    let s = &mut state.settings;
    match command {
        Command::System(text) => s.system = text,
        Command::Temperature(t) => s.params.temperature = t,
        Command::MaxTokens(n) => s.params.max_tokens = n,
        Command::Effort(e) => s.params.reasoning_effort = e,
        Command::Model(m) => state.model = m,
        Command::New => return new_conversation(state),
        Command::Help => return state.overlays.push(Overlay::Help { top: 0 }),
        Command::Show => {}
        Command::Lanes(arg) => return super::compare::on_lanes_command(state, &arg),
    }
    let summary = state.settings.summary();
    let summary = if summary.is_empty() {
        "provider defaults".into()
    } else {
        summary
    };
    let text = format!("{} · {summary}", state.model);
    state.note(text);
}

/// The request for `prompt`: the system prompt, the answered turns, then the prompt.
pub fn build_chat(state: &State, prompt: &str) -> ChatRequest {
    let mut messages = Vec::new();
    if let Some(system) = &state.settings.system {
        messages.push(Message::text(Role::System, system.clone()));
    }
    for t in state.chat.turns.iter().filter(|t| t.in_history()) {
        messages.push(Message::text(Role::User, t.prompt.clone()));
        if !t.answer.text().is_empty() {
            messages.push(t.history_message(&state.model));
        }
    }
    messages.push(Message::text(Role::User, prompt));
    ChatRequest {
        model: state.model.model.clone(),
        messages,
        params: state.settings.params.clone(),
        stream: true,
    }
}

pub(super) fn start_turn(
    state: &mut State,
    prompt: String,
    model: ModelRef,
    chat: ChatRequest,
) -> Vec<Effect> {
    let id = TurnId(state.next_turn);
    state.next_turn += 1;
    let cancel = state.root.child_token();
    let mut turn = Turn::new(
        id,
        model.clone(),
        prompt,
        chat.clone(),
        cancel.clone(),
        state.now,
    );
    if let Some(info) = state.catalog.find(&model) {
        turn.price = info.price.clone();
        turn.context_window = info.context_window;
    }
    tracing::info!(turn = id.0, %model, "turn sent");
    // Queued before the send: the request task waits until the prompt is committed.
    let mut effects: Vec<Effect> = super::history::begin(state, id, &turn.prompt, &chat, &model)
        .into_iter()
        .collect();
    state.chat.turns.push(turn);
    state.chat.scroll.to_bottom();
    state.inspector.selected = None;
    effects.push(Effect::Send {
        turn: id,
        model,
        chat: Box::new(chat),
        cancel,
    });
    effects
}

pub(super) fn retry(state: &mut State) -> Vec<Effect> {
    if state.is_streaming() {
        let cancel = state.key_for(Action::Cancel);
        state.note(format!(
            "a turn is still streaming · {cancel} cancels it first"
        ));
        return Vec::new();
    }
    let Some(last) = state.chat.turns.last_mut() else {
        state.note("nothing to retry yet");
        return Vec::new();
    };
    last.retried = true;
    last.version += 1;
    let (prompt, model, chat) = (last.prompt.clone(), last.model.clone(), last.chat.clone());
    start_turn(state, prompt, model, chat)
}
