//! The recording proxy's exchanges, live in the workbench (`switchboard proxy --tui`): the
//! proxy hands each finished exchange to a `Sink` that sends it over a channel; the loop
//! turns each into `DebugMsg::Proxied`, and `update` folds it into a new turn, so the
//! conversation, meter and inspector show other programs' calls as they are made.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::debug::DebugMsg;
use super::msg::Msg;
use crate::proxy::Sink;
use crate::trace::TracedExchange;

/// The workbench's end of the proxy's channel.
#[derive(Clone)]
pub struct ProxyFeed {
    rx: Arc<Mutex<Option<UnboundedReceiver<TracedExchange>>>>,
    /// The upstream's name: the provider of the turns shown.
    pub upstream: String,
}

impl std::fmt::Debug for ProxyFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyFeed")
            .field("upstream", &self.upstream)
            .finish_non_exhaustive()
    }
}

/// The proxy's end: a sink that sends every exchange to the workbench.
pub struct FeedSink(UnboundedSender<TracedExchange>);

impl Sink for FeedSink {
    fn record(&self, exchange: &TracedExchange) {
        // The UI is gone only when the app quits.
        let _ = self.0.send(exchange.clone());
    }
}

/// A connected sink and feed.
pub fn channel(upstream: impl Into<String>) -> (FeedSink, ProxyFeed) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        FeedSink(tx),
        ProxyFeed {
            rx: Arc::new(Mutex::new(Some(rx))),
            upstream: upstream.into(),
        },
    )
}

impl ProxyFeed {
    /// Forwards every exchange as a message, until either side is gone. Once: a second
    /// call finds the receiver taken and does nothing.
    pub fn forward(&self, tx: UnboundedSender<Msg>) {
        let Some(mut rx) = self.rx.lock().ok().and_then(|mut r| r.take()) else {
            return;
        };
        let upstream = self.upstream.clone();
        tokio::spawn(async move {
            while let Some(exchange) = rx.recv().await {
                let msg = DebugMsg::Proxied {
                    upstream: upstream.clone(),
                    exchange: Box::new(exchange),
                };
                if tx.send(msg.into()).is_err() {
                    break;
                }
            }
        });
    }
}
