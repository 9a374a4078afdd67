//! `update`: the only place the state changes. Pure: no I/O, no clock (the loop sets
//! `State::now`); work outside the state is returned as `Effect`s.

use super::effect::Effect;
use super::input::{on_action, on_key, on_mouse, on_paste};
use super::msg::{Msg, TurnId};
use super::state::{Overlay, State};
use super::turn::{Turn, TurnStatus};

/// Applies one message; returns the effects to run.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    // Money before and after sending (`costs.rs`): its own messages, the account and exact
    // cost after a turn, and the estimate of the next request once the text changed.
    let mut effects = match &msg {
        Msg::Done {
            turn,
            result: Ok(ex),
        } => super::costs::on_done(state, *turn, ex),
        _ => Vec::new(),
    };
    if let Some(e) = super::costs::on_msg(state, &msg) {
        effects.extend(e);
    }
    let settles = matches!(
        msg,
        Msg::Key(_)
            | Msg::Paste(_)
            | Msg::Action(_)
            | Msg::Tick
            | Msg::Done { .. }
            | Msg::Models { .. }
            | Msg::Refreshed { .. }
            | Msg::Estimated { .. }
    );
    let done = matches!(msg, Msg::Done { .. });
    if matches!(msg, Msg::Tick) {
        state.costs.wake = false;
    }
    effects.extend(apply(state, msg));
    if done {
        super::costs::warn_budget(state);
    }
    if settles {
        effects.extend(super::costs::settle(state));
    }
    effects
}

fn apply(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => return on_key(state, key),
        Msg::Action(action) if matches!(state.overlays.last(), Some(Overlay::History)) => {
            return super::history::on_action(state, action);
        }
        Msg::Action(action) => return on_action(state, action, None),
        Msg::Mouse(m) if matches!(state.overlays.last(), Some(Overlay::History)) => {
            return super::history::on_mouse(state, m);
        }
        Msg::Mouse(m) => on_mouse(state, m),
        Msg::Paste(text) if matches!(state.overlays.last(), Some(Overlay::History)) => {
            return super::history::on_paste(state, &text);
        }
        Msg::Paste(text) => on_paste(state, &text),
        Msg::Resize(w, h) => state.size = (w, h),
        Msg::Models { provider, result } => {
            if let Err(e) = &result {
                tracing::warn!(provider, error = %e, "model list failed");
            }
            state
                .catalog
                .loaded(&provider, result.map_err(|e| e.to_string()));
            reprice(state);
        }
        Msg::Trace { turn, request } => {
            if let Some(t) = streaming(state, turn) {
                t.trace.request = Some(*request);
                t.trace.version += 1;
            }
        }
        Msg::Response {
            turn,
            status,
            headers,
        } => {
            if let Some(t) = streaming(state, turn) {
                t.trace.status = Some(status);
                t.trace.headers = headers;
                t.trace.version += 1;
            }
        }
        Msg::Frame { turn, frame } => {
            if let Some(t) = streaming(state, turn) {
                t.apply_frame(frame);
            }
        }
        Msg::Text { turn, text } => {
            if let Some(t) = streaming(state, turn) {
                t.apply_text(&text);
            }
        }
        Msg::Reasoning { turn, text } => {
            if let Some(t) = streaming(state, turn) {
                t.apply_reasoning(&text);
            }
        }
        Msg::Stream { turn, event } => {
            if let Some(t) = streaming(state, turn) {
                t.apply_event(*event);
            }
        }
        Msg::Retrying {
            turn,
            attempt,
            wait,
            reason,
        } => {
            let at = state.now + wait;
            if let Some(t) = streaming(state, turn) {
                t.notice = Some(format!("attempt {attempt} failed ({reason})"));
                t.retry_at = Some(at);
                t.version += 1;
            }
        }
        Msg::Done { turn, result } => {
            on_done(state, turn, result);
            return super::title::after_done(state, turn);
        }
        Msg::Refreshed { provider, result } => {
            if let Err(e) = &result {
                state.note_error(format!(
                    "refresh of {provider} failed, the list before it is kept: {e}"
                ));
            } else {
                state.note(format!("{provider}: live model list refreshed"));
            }
            state.catalog.refreshed(&provider, result);
            reprice(state);
        }
        Msg::Estimated { .. } | Msg::Account { .. } | Msg::Exact { .. } => {}
        Msg::Tick => {}
        Msg::Debug(m) => return super::debug::on_msg(state, *m),
        Msg::CompareExported(result) => super::compare::on_exported(state, result),
        Msg::History(m) => return super::history::on_msg(state, *m),
        Msg::Titled(done) => return super::title::on_done(state, *done),
    }
    Vec::new()
}

/// The turn `id` if it is still streaming: messages for any other turn are stale.
fn streaming(state: &mut State, id: TurnId) -> Option<&mut Turn> {
    // A comparison's lane turns get the same messages as chat turns.
    let turn = match state.chat.turn_mut(id) {
        Some(t) => Some(t),
        None => state.compare.turn_mut(id),
    };
    turn.filter(|t| t.is_streaming())
}

fn on_done(
    state: &mut State,
    id: TurnId,
    result: Result<Box<crate::llm::http::Exchange>, Box<crate::llm::error::ProviderError>>,
) {
    let now = state.now;
    let Some(t) = streaming(state, id) else {
        // Stale (the turn was cancelled): its text and status stay as they are. Only the
        // runner's frames are taken, so the inspector can list every frame that arrived
        // before the cancel (the live window keeps just the latest).
        if let (Some(t), Ok(mut ex)) = (state.chat.turn_mut(id), result) {
            t.trace.frames.complete(std::mem::take(&mut ex.frames));
        }
        return;
    };
    match result {
        Ok(exchange) => t.finish(exchange),
        Err(e) => t.fail(*e, now),
    }
    match &t.status {
        TurnStatus::Failed { error } => tracing::info!(turn = id.0, %error, "turn failed"),
        _ => tracing::info!(turn = id.0, deltas = t.deltas, "turn done"),
    }
    // A replay shows what the original cost, but spends nothing now.
    let spends = t.origin.spends();
    let cost = t.cost.clone().filter(|_| spends);
    let reported = t
        .usage
        .as_ref()
        .and_then(|u| u.provider_cost.clone())
        .filter(|_| spends);
    if let Some(c) = cost {
        state.spend.conversation.add(&c);
        state.spend.session.add(&c);
    }
    if let Some(r) = reported {
        state.spend.conversation_reported.add(&r);
        state.spend.session_reported.add(&r);
    }
}

/// Turns sent before the catalog arrived get their price now.
fn reprice(state: &mut State) {
    for t in &mut state.chat.turns {
        if t.price.is_some() {
            continue;
        }
        let Some(info) = state.catalog.find(&t.model) else {
            continue;
        };
        t.price = info.price.clone();
        t.context_window = info.context_window;
        if t.is_streaming() {
            continue;
        }
        if let (Some(u), Some(p)) = (&t.usage, &t.price)
            && let Some(c) = crate::llm::money::cost(u, p)
        {
            if t.origin.spends() {
                state.spend.conversation.add(&c);
                state.spend.session.add(&c);
            }
            t.cost = Some(c);
        }
    }
}
