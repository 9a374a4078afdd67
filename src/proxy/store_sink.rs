//! The history as a sink: each proxied exchange is kept in the store (source `proxy`,
//! with its model, protocol, usage and cost), where the UI's history, `switchboard
//! history` and another running workbench see it.
//!
//! SQLite writes are blocking and may wait on another process's lock (up to the store's
//! busy timeout), so they happen on a thread of their own: `record` only queues, and no
//! client's stream ever waits for the disk.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use serde_json::Value;

use super::Sink;
use crate::store::{ExchangeRecord, Store};
use crate::trace::TracedExchange;

enum Job {
    Keep(Box<TracedExchange>),
    Stop,
}

/// Queues exchanges for the writer thread.
pub struct StoreSink {
    jobs: Mutex<Sender<Job>>,
}

/// The writer thread; `finish` writes what is queued and waits for it.
pub struct StoreWriter {
    jobs: Sender<Job>,
    handle: JoinHandle<()>,
}

impl StoreSink {
    /// Starts the writer thread over `store`. `provider` names the upstream's provider,
    /// for the `PROVIDER/MODEL` of each exchange (`None` for an upstream given as a URL:
    /// the model alone). A failed write is reported through `warn` once
    /// (stderr for the plain proxy, the log under the workbench).
    pub fn start(
        store: Store,
        provider: Option<&str>,
        warn: fn(&str),
    ) -> std::io::Result<(StoreSink, StoreWriter)> {
        let (tx, rx) = mpsc::channel();
        let provider = provider.map(str::to_string);
        let handle = std::thread::Builder::new()
            .name("switchboard-proxy-store".into())
            .spawn(move || write_all(&store, provider.as_deref(), &rx, warn))?;
        Ok((
            StoreSink {
                jobs: Mutex::new(tx.clone()),
            },
            StoreWriter { jobs: tx, handle },
        ))
    }
}

impl Sink for StoreSink {
    fn record(&self, exchange: &TracedExchange) {
        if let Ok(jobs) = self.jobs.lock() {
            // The thread is gone only after `finish`: nothing is kept after the stop.
            let _ = jobs.send(Job::Keep(Box::new(exchange.clone())));
        }
    }
}

impl StoreWriter {
    /// Writes every exchange queued so far, then stops the thread.
    pub fn finish(self) {
        let _ = self.jobs.send(Job::Stop);
        if self.handle.join().is_err() {
            tracing::error!("the proxy's store writer panicked");
        }
    }
}

fn write_all(store: &Store, provider: Option<&str>, rx: &Receiver<Job>, warn: fn(&str)) {
    let mut warned = false;
    while let Ok(Job::Keep(t)) = rx.recv() {
        let model = model_of(&t).map(|m| match provider {
            Some(p) => format!("{p}/{m}"),
            None => m,
        });
        let rec = ExchangeRecord {
            exchange: &t.exchange,
            source: "proxy",
            model: model.as_deref(),
            protocol: t.protocol.map(|p| p.name()),
            cost: t.cost.as_ref(),
            packed: None,
        };
        if let Err(e) = store.record_exchange(None, &rec) {
            tracing::warn!(error = %e, "the proxy could not keep an exchange");
            if !warned {
                warned = true;
                warn(&format!(
                    "switchboard proxy: cannot keep exchanges in the history: {e}"
                ));
            }
        }
    }
}

/// The model a request names: in its body, or (Gemini) in its URL.
pub fn model_of(t: &TracedExchange) -> Option<String> {
    let req = &t.exchange.request;
    if let Some(m) = req
        .body
        .as_ref()
        .and_then(|b| b.get("model"))
        .and_then(Value::as_str)
    {
        return Some(m.to_string());
    }
    let after = req.url.split("/models/").nth(1)?;
    let model = after.split([':', '?', '/']).next()?;
    (!model.is_empty()).then(|| model.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::http::{Exchange, HttpRequest};
    use serde_json::json;

    fn traced(url: &str, body: Value) -> TracedExchange {
        TracedExchange {
            label: None,
            protocol: None,
            exchange: Exchange::new(HttpRequest::post_json(url, body), 0),
            events: Vec::new(),
            cost: None,
        }
    }

    #[test]
    fn the_model_from_the_body_or_the_gemini_url() {
        let t = traced("http://h/v1/chat/completions", json!({"model": "gpt-x"}));
        assert_eq!(model_of(&t).as_deref(), Some("gpt-x"));
        let t = traced(
            "http://h/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            json!({"contents": []}),
        );
        assert_eq!(model_of(&t).as_deref(), Some("gemini-2.5-flash"));
        assert_eq!(model_of(&traced("http://h/other", json!({}))), None);
    }
}
