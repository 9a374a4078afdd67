//! The tasks the effect runner starts: one per request (prepare, send, stream, forward
//! everything as `Msg`s) and one per provider model list.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::msg::{Msg, TurnId};
use super::ticker::{TICK, Ticker};
use crate::llm::chat::ChatRequest;
use crate::llm::error::ProviderError;
use crate::llm::event::StreamEvent;
use crate::llm::provider::ModelRef;
use crate::llm::run::{self, Update};
use crate::workbench::Workbench;

/// Starts the task of one turn. It always ends with `Msg::Done`, also if it panics.
pub fn spawn_turn(
    workbench: Arc<Workbench>,
    tx: UnboundedSender<Msg>,
    turn: TurnId,
    model: ModelRef,
    chat: ChatRequest,
    cancel: CancellationToken,
) {
    let task_tx = tx.clone();
    let handle = tokio::spawn(async move {
        run_turn(&workbench, &task_tx, turn, &model, &chat, &cancel).await;
    });
    // A supervisor, so that a panicking task still ends its turn instead of leaving it
    // streaming forever.
    tokio::spawn(async move {
        if let Err(e) = handle.await
            && e.is_panic()
        {
            tracing::error!(turn = turn.0, "the request task panicked");
            let _ = tx.send(Msg::Done {
                turn,
                result: Err(Box::new(ProviderError::Config {
                    message: "internal error: the request task panicked (see the log)".into(),
                })),
            });
        }
    });
}

async fn run_turn(
    workbench: &Workbench,
    tx: &UnboundedSender<Msg>,
    turn: TurnId,
    model: &ModelRef,
    chat: &ChatRequest,
    cancel: &CancellationToken,
) {
    let _ticker = Ticker::start(tx.clone(), TICK);
    let prepared = tokio::select! {
        biased;
        () = cancel.cancelled() => Err(ProviderError::Cancelled),
        p = workbench.prepare(model, chat) => p,
    };
    let result = match prepared {
        Err(e) => Err(Box::new(e)),
        Ok(p) => {
            let _ = tx.send(Msg::Trace {
                turn,
                request: Box::new(p.request.redacted()),
            });
            let mut forward = |u: Update<'_>| forward(tx, turn, u);
            let exchange = run::run(
                &workbench.client,
                &p.request,
                p.protocol,
                &p.options,
                cancel,
                &mut forward,
            )
            .await;
            Ok(Box::new(exchange))
        }
    };
    let _ = tx.send(Msg::Done { turn, result });
}

fn forward(tx: &UnboundedSender<Msg>, turn: TurnId, update: Update<'_>) {
    let msg = match update {
        Update::Response { status, headers } => Msg::Response {
            turn,
            status,
            headers: headers.to_vec(),
        },
        Update::Frame(frame) => Msg::Frame {
            turn,
            frame: frame.clone(),
        },
        Update::Event(StreamEvent::TextDelta { text }) => Msg::Text {
            turn,
            text: text.clone(),
        },
        Update::Event(StreamEvent::ReasoningDelta { text }) => Msg::Reasoning {
            turn,
            text: text.clone(),
        },
        Update::Event(event) => Msg::Stream {
            turn,
            event: Box::new(event.clone()),
        },
        Update::Retrying {
            attempt,
            wait,
            reason,
        } => Msg::Retrying {
            turn,
            attempt,
            wait,
            reason,
        },
        Update::Pending => return,
    };
    // The loop is gone only when the app quits; then nobody needs this.
    let _ = tx.send(msg);
}

/// Starts loading one provider's model list.
pub fn spawn_models(
    workbench: Arc<Workbench>,
    tx: UnboundedSender<Msg>,
    provider: String,
    cancel: CancellationToken,
) {
    tokio::spawn(async move {
        let result = match workbench.provider(&provider) {
            Ok(p) => workbench.list_models(&p, &cancel).await,
            Err(e) => Err(e),
        }
        .map_err(|e| e.to_string());
        let _ = tx.send(Msg::Models { provider, result });
    });
}
