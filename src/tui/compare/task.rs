//! The task of one lane turn: prepare the lane's request (its model, overrides and
//! protocol) and run it on the shared client, forwarding everything as the same messages
//! a chat turn sends, so `update` folds lane turns exactly like chat turns. With a history,
//! the lane's prompt is committed before its request goes out and its text and exchange
//! are kept through the store thread, like a chat turn's.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::compare::{LaneSpec, LaneUpdate, run_lane};
use crate::llm::chat::ChatRequest;
use crate::llm::error::ProviderError;
use crate::tui::msg::{Msg, TurnId};
use crate::tui::store_link::StoreLink;
use crate::tui::task::forward;
use crate::tui::ticker::{TICK, Ticker};
use crate::workbench::Workbench;

/// Starts lane turn `turn`; `store` keeps it (`None`: history off). It always ends with
/// `Msg::Done`, also if it panics.
pub fn spawn_lane(
    workbench: Arc<Workbench>,
    tx: UnboundedSender<Msg>,
    turn: TurnId,
    spec: LaneSpec,
    chat: ChatRequest,
    cancel: CancellationToken,
    store: Option<StoreLink>,
) {
    let task_tx = tx.clone();
    let handle = tokio::spawn(async move {
        let _ticker = Ticker::start(task_tx.clone(), TICK);
        // The prompt is committed before anything is sent; an answer that could not be
        // kept is not asked for.
        if let Some(link) = &store
            && let Err(e) = link.ready(turn, "").await
        {
            let message = format!(
                "not sent: the history could not store the prompt ({e}); send again, or \
                 start with --no-store to run without history"
            );
            let error = ProviderError::Config { message };
            link.fail(turn, &error);
            let _ = task_tx.send(Msg::Done {
                turn,
                result: Err(Box::new(error)),
            });
            return;
        }
        let link = store.as_ref();
        let mut on = |u: LaneUpdate<'_>| match u {
            LaneUpdate::Prepared {
                request, protocol, ..
            } => {
                if let Some(link) = link {
                    link.protocol(turn, protocol.name());
                }
                let _ = task_tx.send(Msg::Trace {
                    turn,
                    request: Box::new(request.clone()),
                });
            }
            LaneUpdate::Run(u) => {
                if let Some(link) = link {
                    link.update(turn, &u);
                }
                forward(&task_tx, turn, u);
            }
        };
        let outcome = run_lane(&workbench, &spec, &chat, &cancel, &mut on).await;
        if let Some(link) = link {
            match (&outcome.exchange, &outcome.error) {
                (Some(ex), _) => link.finish(turn, &spec.model, ex),
                (None, Some(e)) => link.fail(turn, e),
                (None, None) => link.fail(turn, &ProviderError::Cancelled),
            }
        }
        let result = match (outcome.exchange, outcome.error) {
            (Some(ex), _) => Ok(Box::new(ex)),
            (None, Some(e)) => Err(Box::new(e)),
            (None, None) => Err(Box::new(ProviderError::Cancelled)),
        };
        let _ = task_tx.send(Msg::Done { turn, result });
    });
    tokio::spawn(async move {
        if let Err(e) = handle.await
            && e.is_panic()
        {
            tracing::error!(turn = turn.0, "the lane task panicked");
            let _ = tx.send(Msg::Done {
                turn,
                result: Err(Box::new(ProviderError::Config {
                    message: "internal error: the lane task panicked (see the log)".into(),
                })),
            });
        }
    });
}

/// Writes `STEM.md` and `STEM.json` in the working directory (small files: written at
/// once). Returns the file names, or why they could not be written.
pub fn write_export(stem: &str, markdown: &str, json: &str) -> Result<String, String> {
    let md = format!("{stem}.md");
    let js = format!("{stem}.json");
    std::fs::write(&md, markdown).map_err(|e| format!("cannot write {md}: {e}"))?;
    std::fs::write(&js, json).map_err(|e| format!("cannot write {js}: {e}"))?;
    Ok(format!("{md} and {js}"))
}
