//! The tasks the effect runner starts: one per request (prepare, send, stream, forward
//! everything as `Msg`s) and one per provider model list.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::msg::{Msg, TurnId};
use super::store_link::StoreLink;
use super::ticker::{TICK, Ticker};
use crate::llm::chat::ChatRequest;
use crate::llm::error::ProviderError;
use crate::llm::event::StreamEvent;
use crate::llm::provider::ModelRef;
use crate::llm::run::{self, Update};
use crate::workbench::Workbench;

/// What one turn's task needs.
#[derive(Debug)]
pub struct TurnTask {
    /// The turn.
    pub turn: TurnId,
    /// The model to ask.
    pub model: ModelRef,
    /// The request.
    pub chat: ChatRequest,
    /// Cancels the request.
    pub cancel: CancellationToken,
    /// Where the turn is kept (`None`: history off).
    pub store: Option<StoreLink>,
}

/// Starts the task of one turn. It always ends with `Msg::Done`, also if it panics.
pub fn spawn_turn(workbench: Arc<Workbench>, tx: UnboundedSender<Msg>, task: TurnTask) {
    spawn(workbench, tx, task, None);
}

fn spawn(
    workbench: Arc<Workbench>,
    tx: UnboundedSender<Msg>,
    task: TurnTask,
    body: Option<serde_json::Value>,
) {
    let task_tx = tx.clone();
    let turn = task.turn;
    let handle = tokio::spawn(async move {
        let TurnTask {
            turn,
            model,
            chat,
            cancel,
            store,
        } = task;
        run_turn(
            &workbench,
            &task_tx,
            turn,
            &model,
            &chat,
            &cancel,
            store.as_ref(),
            body,
        )
        .await;
    });
    supervise(handle, tx, turn);
}

/// A supervisor, so that a panicking task still ends its turn instead of leaving it
/// streaming forever.
fn supervise(handle: tokio::task::JoinHandle<()>, tx: UnboundedSender<Msg>, turn: TurnId) {
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

/// One turn's request: prepared for `chat` (URL, headers, the real key), its body replaced
/// by `body` when one is given (edit and resend), committed to the store before it is
/// sent, streamed, and ended with `Msg::Done`.
#[allow(clippy::too_many_arguments)]
async fn run_turn(
    workbench: &Workbench,
    tx: &UnboundedSender<Msg>,
    turn: TurnId,
    model: &ModelRef,
    chat: &ChatRequest,
    cancel: &CancellationToken,
    store: Option<&StoreLink>,
    body: Option<serde_json::Value>,
) {
    let _ticker = Ticker::start(tx.clone(), TICK);
    let prepared = tokio::select! {
        biased;
        () = cancel.cancelled() => Err(ProviderError::Cancelled),
        p = workbench.prepare(model, chat) => p,
    };
    // The prompt is committed before anything is sent; an answer that could not be kept
    // is not asked for.
    let prepared = match (prepared, store) {
        (Ok(p), Some(link)) => match link.ready(turn, p.protocol.name()).await {
            Ok(()) => Ok(p),
            Err(e) => Err(ProviderError::Config {
                message: format!(
                    "not sent: the history could not store the prompt ({e}); send again, \
                     or start with --no-store to run without history"
                ),
            }),
        },
        (p, _) => p,
    };
    let result = match prepared {
        Err(e) => {
            if let Some(link) = store {
                link.fail(turn, &e);
            }
            Err(Box::new(e))
        }
        Ok(mut p) => {
            if let Some(body) = body {
                p.request.body = Some(body);
            }
            let _ = tx.send(Msg::Trace {
                turn,
                request: Box::new(p.request.redacted()),
            });
            let mut forward = |u: Update<'_>| {
                if let Some(link) = store {
                    link.update(turn, &u);
                }
                forward(tx, turn, u)
            };
            let exchange = run::run(
                &workbench.client,
                &p.request,
                p.protocol,
                &p.options,
                cancel,
                &mut forward,
            )
            .await;
            if let Some(link) = store {
                link.finish(turn, model, &exchange);
            }
            Ok(Box::new(exchange))
        }
    };
    let _ = tx.send(Msg::Done { turn, result });
}

pub(crate) fn forward(tx: &UnboundedSender<Msg>, turn: TurnId, update: Update<'_>) {
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
    // The cached list while it is fresh, else the network (see `task_money::load_models`).
    tokio::spawn(async move {
        super::task_money::load_models(&workbench, &tx, provider, &cancel).await;
    });
}

/// Starts the task of a turn that sends a request with an edited body: the request is built
/// for `chat` as usual (URL, headers and the real key from the config, never a masked
/// copy), then `body` replaces the built body. Kept in the store like any turn (its
/// `Begin` queued before this task starts). Ends with `Msg::Done` like `spawn_turn`.
pub fn spawn_resend(
    workbench: Arc<Workbench>,
    tx: UnboundedSender<Msg>,
    task: TurnTask,
    body: serde_json::Value,
) {
    spawn(workbench, tx, task, Some(body));
}
