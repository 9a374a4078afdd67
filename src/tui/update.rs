//! `update`: the only place the state changes. Pure: no I/O, no clock (the loop sets
//! `State::now`); work outside the state is returned as `Effect`s.

use super::effect::Effect;
use super::input::{on_action, on_key, on_mouse, on_paste};
use super::msg::{Msg, TurnId};
use super::state::State;
use super::turn::{Turn, TurnStatus};

/// Applies one message; returns the effects to run.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => return on_key(state, key),
        Msg::Action(action) => return on_action(state, action, None),
        Msg::Mouse(m) => on_mouse(state, m),
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
            if let Some(t) = streaming(state, turn) {
                t.notice = Some(format!(
                    "attempt {attempt} failed ({reason}); sending again in {:.1} s",
                    wait.as_secs_f64()
                ));
                t.version += 1;
            }
        }
        Msg::Done { turn, result } => on_done(state, turn, result),
        Msg::Tick => {}
    }
    Vec::new()
}

/// The turn `id` if it is still streaming: messages for any other turn are stale.
fn streaming(state: &mut State, id: TurnId) -> Option<&mut Turn> {
    state.chat.turn_mut(id).filter(|t| t.is_streaming())
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
    let cost = t.cost.clone();
    let reported = t.usage.as_ref().and_then(|u| u.provider_cost.clone());
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
            state.spend.conversation.add(&c);
            state.spend.session.add(&c);
            t.cost = Some(c);
        }
    }
}
