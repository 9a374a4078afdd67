//! Replay in the workbench: recorded exchanges (a trace file, or a stored exchange) played
//! back through the same messages a live request sends, so the conversation, meter and
//! inspector render them exactly as they rendered the original, with the recorded frame
//! timing (preserved, scaled, or instant).
//!
//! `replay_exchanges` is the entry point for any source: the history browser can turn a
//! stored exchange into a `TracedExchange` and call it.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::run::DebugEffect;
use crate::llm::chat::{ChatRequest, Message, Role};
use crate::llm::event::StreamEvent;
use crate::llm::provider::ModelRef;
use crate::trace::TracedExchange;
use crate::tui::effect::Effect;
use crate::tui::msg::{Msg, TurnId};
use crate::tui::state::State;
use crate::tui::turn::Origin;

/// Adds one streaming turn per exchange and returns the effect that plays them, one after
/// another, at `speed` times the recorded pace (`None`: at once).
pub fn replay_exchanges(
    state: &mut State,
    exchanges: Vec<TracedExchange>,
    speed: Option<f64>,
) -> Vec<Effect> {
    if speed.is_none() {
        let mut effects = Vec::new();
        for t in exchanges {
            effects.extend(absorb(state, t, None, Origin::Replay).1);
        }
        return effects;
    }
    if state.is_streaming() {
        let cancel = state.key_for(crate::tui::action::Action::Cancel);
        state.note(format!(
            "a turn is still streaming · {cancel} cancels it first"
        ));
        return Vec::new();
    }
    let mut plays = Vec::new();
    for t in exchanges {
        let body = t.exchange.request.body.clone().unwrap_or(Value::Null);
        let model = model_of(&t, &body);
        let prompt = last_prompt(&body).unwrap_or_else(|| "(replayed exchange)".into());
        let chat = ChatRequest {
            model: model.model.clone(),
            messages: vec![Message::text(Role::User, prompt.clone())],
            params: Default::default(),
            stream: true,
        };
        let (id, cancel) = super::push_turn(state, model, format!("↻ {prompt}"), chat);
        mark(state, id, Origin::Replay);
        plays.push((id, t, cancel));
    }
    vec![Effect::Debug(Box::new(DebugEffect::Replay {
        plays,
        speed,
    }))]
}

/// Plays the exchange the inspector shows again as a new turn, with its recorded frame
/// timing: a live turn's, a resumed conversation's (read back from the store), a replay's.
/// Events are decoded from the frames again, so a turn read back from the store, whose
/// events were not kept, replays with them.
pub fn replay_selected(state: &mut State) -> Vec<Effect> {
    let Some(t) = state.selected_turn() else {
        state.note("no exchange to replay yet");
        return Vec::new();
    };
    if t.is_streaming() {
        state.note("this exchange is still streaming: replay it once it is over");
        return Vec::new();
    }
    let Some(traced) = super::export::traced(t) else {
        state.note("this turn has no exchange to replay (it stopped before sending)");
        return Vec::new();
    };
    let traced = match traced.protocol {
        Some(p) => TracedExchange::decode(Some(p), traced.exchange, traced.label, traced.cost),
        None => traced,
    };
    let from = t.id;
    let effects = replay_exchanges(state, vec![traced], Some(1.0));
    if !effects.is_empty() {
        let n = state.chat.turns.len();
        state.note(format!(
            "replaying the exchange of turn {} with its recorded timing",
            state
                .chat
                .turns
                .iter()
                .position(|x| x.id == from)
                .map_or(n, |i| i + 1)
        ));
    }
    effects
}

/// Folds a recorded exchange into the state at once, through the same messages a live
/// request sends: one new, finished turn. For instant replays, stored exchanges and the
/// proxy's live feed (`origin` says which: a replay spends nothing now). Returns the turn
/// and the effects the folding asked for.
pub fn absorb(
    state: &mut State,
    t: TracedExchange,
    model: Option<ModelRef>,
    origin: Origin,
) -> (TurnId, Vec<Effect>) {
    use crate::tui::update::update;
    let body = t.exchange.request.body.clone().unwrap_or(Value::Null);
    let model = model.unwrap_or_else(|| model_of(&t, &body));
    let prompt = last_prompt(&body).unwrap_or_else(|| "(replayed exchange)".into());
    let chat = ChatRequest {
        model: model.model.clone(),
        messages: vec![Message::text(Role::User, prompt.clone())],
        params: Default::default(),
        stream: true,
    };
    let (turn, _cancel) = super::push_turn(state, model, format!("↻ {prompt}"), chat);
    mark(state, turn, origin);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    messages(&tx, turn, &t);
    let mut effects = Vec::new();
    while let Ok(msg) = rx.try_recv() {
        effects.extend(update(state, msg));
    }
    // With its frames: the turn's frame log keeps only the latest while "streaming".
    let exchange = t.exchange;
    effects.extend(update(
        state,
        Msg::Done {
            turn,
            result: Ok(Box::new(exchange)),
        },
    ));
    if let Some(turn) = state.chat.turn_mut(turn)
        && turn.cost.is_none()
        && let Some(c) = t.cost
    {
        // Priced where it was recorded (the proxy knows its upstream's prices).
        if origin.spends() {
            state.spend.conversation.add(&c);
            state.spend.session.add(&c);
        }
        turn.cost = Some(c);
    }
    (turn, effects)
}

fn mark(state: &mut State, turn: TurnId, origin: Origin) {
    if let Some(t) = state.chat.turn_mut(turn) {
        t.origin = origin;
    }
}

/// Every message of a recorded exchange but the last, in order, without waiting.
fn messages(tx: &UnboundedSender<Msg>, turn: TurnId, t: &TracedExchange) {
    let ex = &t.exchange;
    let _ = tx.send(Msg::Trace {
        turn,
        request: Box::new(ex.request.clone()),
    });
    if let Some(status) = ex.status {
        let _ = tx.send(Msg::Response {
            turn,
            status,
            headers: ex.response_headers.clone(),
        });
    }
    let mut next = 0;
    for (i, frame) in ex.frames.iter().enumerate() {
        let _ = tx.send(Msg::Frame {
            turn,
            frame: frame.clone(),
        });
        while let Some(e) = t.events.get(next).filter(|e| e.frame == Some(i)) {
            send_event(tx, turn, &e.event);
            next += 1;
        }
    }
    for e in &t.events[next.min(t.events.len())..] {
        send_event(tx, turn, &e.event);
    }
}

fn model_of(t: &TracedExchange, body: &Value) -> ModelRef {
    if let Some(r) = t.label.as_deref().and_then(|l| ModelRef::parse(l).ok()) {
        return r;
    }
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .map(String::from)
        .or_else(|| {
            // Gemini names the model in the URL.
            let url = &t.exchange.request.url;
            let after = url.split("/models/").nth(1)?;
            Some(after.split(':').next()?.to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    ModelRef {
        provider: "replay".into(),
        model,
    }
}

/// The last user message of a request body in any of the four protocols.
pub fn last_prompt(body: &Value) -> Option<String> {
    let text_of = |c: &Value| -> Option<String> {
        match c {
            Value::String(s) => Some(s.clone()),
            Value::Array(parts) => {
                let t: Vec<&str> = parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect();
                (!t.is_empty()).then(|| t.join(""))
            }
            _ => None,
        }
    };
    if let Some(Value::String(s)) = body.get("input") {
        return Some(s.clone());
    }
    for key in ["messages", "input", "contents"] {
        let Some(Value::Array(items)) = body.get(key) else {
            continue;
        };
        let last = items.iter().rev().find(|m| {
            m.get("role")
                .and_then(Value::as_str)
                .is_none_or(|r| r == "user")
        })?;
        return last
            .get("content")
            .and_then(text_of)
            .or_else(|| last.get("parts").and_then(text_of));
    }
    None
}

/// Plays the exchanges in turn, as messages, until done or cancelled.
pub async fn play(
    tx: UnboundedSender<Msg>,
    plays: Vec<(TurnId, TracedExchange, CancellationToken)>,
    speed: Option<f64>,
) {
    for (turn, t, cancel) in plays {
        tokio::select! {
            biased;
            () = cancel.cancelled() => {}
            () = play_one(&tx, turn, &t, speed) => {}
        }
        let mut exchange = t.exchange;
        if cancel.is_cancelled() {
            exchange.error = Some(crate::llm::error::ProviderError::Cancelled);
        }
        let _ = tx.send(Msg::Done {
            turn,
            result: Ok(Box::new(exchange)),
        });
    }
}

async fn play_one(tx: &UnboundedSender<Msg>, turn: TurnId, t: &TracedExchange, speed: Option<f64>) {
    let start = tokio::time::Instant::now();
    let wait = |offset_us: u64| async move {
        if let Some(speed) = speed {
            let at = start + Duration::from_micros(offset_us).div_f64(speed);
            tokio::time::sleep_until(at).await;
        }
    };
    let ex = &t.exchange;
    let _ = tx.send(Msg::Trace {
        turn,
        request: Box::new(ex.request.clone()),
    });
    if let Some(status) = ex.status {
        wait(ex.ttfb_us.unwrap_or(0)).await;
        let _ = tx.send(Msg::Response {
            turn,
            status,
            headers: ex.response_headers.clone(),
        });
    }
    let mut next = 0;
    for (i, frame) in ex.frames.iter().enumerate() {
        wait(frame.offset_us).await;
        let _ = tx.send(Msg::Frame {
            turn,
            frame: frame.clone(),
        });
        while let Some(e) = t.events.get(next).filter(|e| e.frame == Some(i)) {
            send_event(tx, turn, &e.event);
            next += 1;
        }
    }
    if let Some(total) = ex.total_us {
        wait(total).await;
    }
    for e in &t.events[next.min(t.events.len())..] {
        send_event(tx, turn, &e.event);
    }
}

fn send_event(tx: &UnboundedSender<Msg>, turn: TurnId, event: &StreamEvent) {
    let msg = match event {
        StreamEvent::TextDelta { text } => Msg::Text {
            turn,
            text: text.clone(),
        },
        StreamEvent::ReasoningDelta { text } => Msg::Reasoning {
            turn,
            text: text.clone(),
        },
        other => Msg::Stream {
            turn,
            event: Box::new(other.clone()),
        },
    };
    let _ = tx.send(msg);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prompts_from_every_protocol() {
        let chat = json!({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}]});
        assert_eq!(last_prompt(&chat).as_deref(), Some("hi"));
        let anthropic =
            json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "yo"}]}]});
        assert_eq!(last_prompt(&anthropic).as_deref(), Some("yo"));
        let gemini = json!({"contents": [{"role": "user", "parts": [{"text": "g"}]}]});
        assert_eq!(last_prompt(&gemini).as_deref(), Some("g"));
        assert_eq!(last_prompt(&json!({"input": "r"})).as_deref(), Some("r"));
        assert_eq!(last_prompt(&json!({})), None);
    }
}
