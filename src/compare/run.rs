//! Running lanes: each lane is prepared for its own model and protocol and sent on the
//! workbench's one shared HTTP client with a cancellation token of its own, all at once.
//! One lane failing, stalling or being cancelled leaves the others alone.

use futures_util::future::join_all;
use tokio_util::sync::CancellationToken;

use super::metrics::LaneMetrics;
use super::spec::LaneSpec;
use crate::llm::chat::{ChatRequest, Message, Role};
use crate::llm::error::ProviderError;
use crate::llm::event::StreamEvent;
use crate::llm::http::{Exchange, HttpRequest};
use crate::llm::protocol::Protocol;
use crate::llm::run::{self, Update};
use crate::workbench::Workbench;

/// What a lane reports while it runs.
#[derive(Debug)]
pub enum LaneUpdate<'a> {
    /// The request was built: the exact request (secrets masked when shown), the protocol
    /// and the notes about parameters the route changed.
    Prepared {
        request: &'a HttpRequest,
        protocol: Protocol,
        notes: &'a [String],
    },
    /// A runner update, as `llm::run` reports it.
    Run(Update<'a>),
}

/// How one lane ended.
#[derive(Debug, Clone)]
pub struct LaneOutcome {
    /// The protocol used, once the request was built.
    pub protocol: Option<Protocol>,
    /// Notes from preparing the request (parameters left out or renamed).
    pub notes: Vec<String>,
    /// The answer text, as far as it arrived.
    pub answer: String,
    /// The reasoning text, as far as it arrived.
    pub reasoning: String,
    /// The runner's record; `None` when the request could not be built.
    pub exchange: Option<Exchange>,
    /// The failure before any request (a missing key, a bad parameter); failures after
    /// are in the exchange.
    pub error: Option<ProviderError>,
    pub metrics: LaneMetrics,
}

impl LaneOutcome {
    fn failed(error: ProviderError) -> LaneOutcome {
        LaneOutcome {
            protocol: None,
            notes: Vec::new(),
            answer: String::new(),
            reasoning: String::new(),
            exchange: None,
            metrics: LaneMetrics::failed_before(&error),
            error: Some(error),
        }
    }

    /// The error that ended the lane, from before or during the request.
    pub fn error(&self) -> Option<&ProviderError> {
        self.error
            .as_ref()
            .or_else(|| self.exchange.as_ref().and_then(|e| e.error.as_ref()))
    }
}

/// Runs one lane: `chat` with the lane's overrides, over its protocol, on the shared
/// client, priced from what the workbench knows. Never panics; every failure is in the
/// outcome.
pub async fn run_lane(
    bench: &Workbench,
    spec: &LaneSpec,
    chat: &ChatRequest,
    cancel: &CancellationToken,
    on: &mut (dyn FnMut(LaneUpdate<'_>) + Send),
) -> LaneOutcome {
    let chat = match spec.apply(chat) {
        Ok(c) => c,
        Err(message) => return LaneOutcome::failed(ProviderError::Config { message }),
    };
    let prepared = tokio::select! {
        biased;
        () = cancel.cancelled() => Err(ProviderError::Cancelled),
        p = bench.prepare_with(&spec.model, &chat, spec.protocol) => p,
    };
    let p = match prepared {
        Ok(p) => p,
        Err(e) => return LaneOutcome::failed(e),
    };
    let shown = p.request.redacted();
    on(LaneUpdate::Prepared {
        request: &shown,
        protocol: p.protocol,
        notes: &p.notes,
    });
    let mut answer = String::new();
    let mut reasoning = String::new();
    let exchange = run::run(
        &bench.client,
        &p.request,
        p.protocol,
        &p.options,
        cancel,
        &mut |u| {
            match &u {
                Update::Event(StreamEvent::TextDelta { text }) => answer.push_str(text),
                Update::Event(StreamEvent::ReasoningDelta { text }) => reasoning.push_str(text),
                _ => {}
            }
            on(LaneUpdate::Run(u));
        },
    )
    .await;
    let price = bench.known_price(&spec.model);
    LaneOutcome {
        protocol: Some(p.protocol),
        notes: p.notes,
        answer,
        reasoning,
        metrics: LaneMetrics::from_exchange(&exchange, price.as_ref()),
        exchange: Some(exchange),
        error: None,
    }
}

/// Runs every lane at once, lane `i` with `chats[i]` and `cancels[i]`; `on` hears every
/// lane's updates with its index. The outcomes come back in lane order.
pub async fn run_all(
    bench: &Workbench,
    lanes: &[LaneSpec],
    chats: &[ChatRequest],
    cancels: &[CancellationToken],
    on: &(dyn Fn(usize, LaneUpdate<'_>) + Sync),
) -> Vec<LaneOutcome> {
    let runs = lanes.iter().zip(chats).zip(cancels).enumerate().map(
        |(i, ((spec, chat), cancel))| async move {
            let mut each = |u: LaneUpdate<'_>| on(i, u);
            run_lane(bench, spec, chat, cancel, &mut each).await
        },
    );
    join_all(runs).await
}

/// A comparison that can go on: the shared system prompt and the lanes, each with its own
/// history, so a follow-up prompt goes to every lane after that lane's own answers.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The shared system prompt (a lane's `system` parameter replaces it).
    pub system: Option<String>,
    /// The shared request parameters, before each lane's overrides.
    pub params: crate::llm::chat::Params,
    /// Each lane's own history: its prompts and answers so far.
    pub histories: Vec<Vec<Message>>,
}

impl Session {
    /// A session for `lanes` lanes.
    pub fn new(lanes: usize, system: Option<String>, params: crate::llm::chat::Params) -> Session {
        Session {
            system,
            params,
            histories: vec![Vec::new(); lanes],
        }
    }

    /// The request lane `i` sends for `prompt`: the system prompt, the lane's history, the
    /// prompt (the lane's overrides are applied by `run_lane`).
    pub fn chat_for(&self, i: usize, prompt: &str) -> ChatRequest {
        let mut messages = Vec::new();
        if let Some(s) = &self.system {
            messages.push(Message::text(Role::System, s.clone()));
        }
        if let Some(h) = self.histories.get(i) {
            messages.extend(h.iter().cloned());
        }
        messages.push(Message::text(Role::User, prompt));
        ChatRequest {
            model: String::new(),
            messages,
            params: self.params.clone(),
            stream: true,
        }
    }

    /// Adds a turn to lane `i`'s history when it has an answer to carry on from (a failed
    /// lane's prompt is left out, so its next request does not ask twice).
    pub fn record(&mut self, i: usize, prompt: &str, answer: &str) {
        if answer.is_empty() {
            return;
        }
        if let Some(h) = self.histories.get_mut(i) {
            h.push(Message::text(Role::User, prompt));
            h.push(Message::text(Role::Assistant, answer));
        }
    }
}
