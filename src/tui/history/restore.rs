//! Opening a stored conversation: its turns rebuilt as chat turns (text, tool calls,
//! status, the exchange for the inspector and meter) and the request history the next
//! prompt carries.

use tokio_util::sync::CancellationToken;

use crate::llm::chat::{ChatRequest, Message, Role};
use crate::llm::error::ProviderError;
use crate::llm::provider::ModelRef;
use crate::store::{self, EntryKind};
use crate::trace::TracedExchange;
use crate::tui::conversation::new_conversation;
use crate::tui::debug::export::protocol_of;
use crate::tui::msg::TurnId;
use crate::tui::state::{Pane, State};
use crate::tui::store_link::{Loaded, LoadedTurn};
use crate::tui::turn::{ToolCall, Turn, TurnStatus};

/// Replaces the chat with a loaded conversation (or a comparison's lanes).
pub(super) fn restore(state: &mut State, loaded: &Loaded) {
    new_conversation(state);
    state.settings.system = loaded.system.clone().filter(|s| !s.is_empty());
    let mut history: Vec<Message> = state
        .settings
        .system
        .iter()
        .map(|s| Message::text(Role::System, s.clone()))
        .collect();
    for lt in &loaded.turns {
        let model = ModelRef::parse(&lt.turn.model).unwrap_or_else(|_| state.model.clone());
        let mut messages = history.clone();
        messages.push(Message::text(Role::User, lt.turn.prompt.clone()));
        let chat = ChatRequest {
            model: model.model.clone(),
            messages,
            params: state.settings.params.clone(),
            stream: true,
        };
        let id = TurnId(state.next_turn);
        state.next_turn += 1;
        let mut t = restored_turn(id, model, lt, chat, state.now);
        if let Some(info) = state.catalog.find(&t.model) {
            t.price = info.price.clone();
            t.context_window = info.context_window;
            if t.cost.is_none()
                && let (Some(u), Some(p)) = (&t.usage, &t.price)
            {
                t.cost = crate::llm::money::cost(u, p);
            }
        }
        if let Some(c) = &t.cost {
            state.spend.conversation.add(c);
        }
        if let Some(r) = t.usage.as_ref().and_then(|u| u.provider_cost.as_ref()) {
            state.spend.conversation_reported.add(r);
        }
        // Lanes of a comparison are not one history: each answered the same prompt.
        if t.in_history() && lt.lane.is_none() {
            history.push(Message::text(Role::User, t.prompt.clone()));
            history.push(Message::text(Role::Assistant, t.answer.text().to_string()));
        }
        state.chat.turns.push(t);
    }
    state.chat.scroll.to_bottom();
    state.focus = Pane::Composer;
    let n = loaded.turns.len();
    match loaded.target.kind {
        EntryKind::Conversation => {
            state.history.conversation = Some(loaded.target.id);
            state.history.title = Some(loaded.title.clone());
            if let Some(m) = loaded
                .turns
                .last()
                .and_then(|t| ModelRef::parse(&t.turn.model).ok())
            {
                state.model = m;
            }
            state.note(format!(
                "resumed “{}” · {n} turns · the next prompt continues it",
                loaded.title
            ));
        }
        EntryKind::Comparison => {
            state.history.conversation = None;
            state.history.title = None;
            state.note(format!(
                "comparison “{}”: {n} lane answers shown · the next prompt starts a new conversation",
                loaded.title
            ));
        }
    }
}

/// A chat turn rebuilt from the store: its text, tool calls, status, and its exchange for
/// the inspector and meter.
pub fn restored_turn(
    id: TurnId,
    model: ModelRef,
    lt: &LoadedTurn,
    chat: ChatRequest,
    now: std::time::Instant,
) -> Turn {
    let st = &lt.turn;
    let mut t = Turn::new(
        id,
        model,
        st.prompt.clone(),
        chat,
        CancellationToken::new(),
        now,
    );
    let stop = lt.exchange.as_ref().and_then(|e| e.stop_reason.clone());
    let wire_error = lt.exchange.as_ref().and_then(|e| e.error.clone());
    // The stored frames decoded again, so the inspector lists each frame with its decoded
    // events (and the timeline its deltas) as it did live; when they do not give back the
    // stored text (a frames cap cut them), the stored text stands and the frames are
    // listed alone.
    let decoded = lt
        .exchange
        .clone()
        .map(|ex| TracedExchange::decode(protocol_of(&ex.request.url), ex, None, None))
        .filter(|d| gives_back(d, st));
    if let Some(d) = &decoded {
        let mut events = d.events.iter().peekable();
        for (i, frame) in d.exchange.frames.iter().enumerate() {
            t.apply_frame(frame.clone());
            while let Some(e) = events.next_if(|e| e.frame == Some(i)) {
                t.apply_event(e.event.clone());
            }
        }
        for e in events {
            t.apply_event(e.event.clone());
        }
    } else {
        t.reasoning.push_str(&st.reasoning);
        t.answer.push_str(&st.answer);
    }
    // The stored calls stand (also over the ones their deltas rebuilt).
    t.tools = st
        .tool_calls
        .iter()
        .map(|c| ToolCall {
            id: c.id.clone(),
            name: c.name.clone(),
            arguments: c.arguments.clone(),
        })
        .collect();
    match decoded.map(|d| d.exchange).or_else(|| lt.exchange.clone()) {
        Some(ex) => t.finish(Box::new(ex)),
        None => {
            t.answer.finish();
            t.reasoning.finish();
            let ms = (st.updated_ms - st.created_ms).max(0);
            t.total_us = Some(u64::try_from(ms).unwrap_or(0) * 1000);
        }
    }
    t.status = match st.status {
        store::TurnStatus::Done => TurnStatus::Done { stop },
        store::TurnStatus::Cancelled => TurnStatus::Cancelled,
        store::TurnStatus::Interrupted => TurnStatus::Interrupted,
        store::TurnStatus::Failed => TurnStatus::Failed {
            error: wire_error.unwrap_or_else(|| ProviderError::Config {
                message: st.error.clone().unwrap_or_else(|| "failed".into()),
            }),
        },
        store::TurnStatus::Streaming => TurnStatus::Failed {
            error: ProviderError::Config {
                message: "still streaming in another process when this was opened".into(),
            },
        },
    };
    t.notice = None;
    t.version += 1;
    t
}

/// True when the decoded events make exactly the stored answer and reasoning.
fn gives_back(d: &TracedExchange, st: &store::Turn) -> bool {
    use crate::llm::event::StreamEvent;
    let (mut answer, mut reasoning) = (String::new(), String::new());
    for e in &d.events {
        match &e.event {
            StreamEvent::TextDelta { text } => answer.push_str(text),
            StreamEvent::ReasoningDelta { text } => reasoning.push_str(text),
            _ => {}
        }
    }
    answer == st.answer && reasoning == st.reasoning
}
