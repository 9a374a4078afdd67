//! The store thread's loop: the open turn writers and their batches, the browser's
//! queries, and the watch on other processes' writes.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::{HistoryMsg, Job, Listing, Loaded, LoadedTurn, StoreJob, Target, WATCH_EVERY};
use crate::llm::http::Exchange;
use crate::llm::money::cost;
use crate::llm::provider::ModelRef;
use crate::store::{
    self, ConversationId, EntryKind, ExchangeId, ExchangeRecord, NewConversation, NewTurn, Store,
    TurnStatus, TurnWriter,
};
use crate::tui::msg::{Msg, TurnId};
use crate::workbench::Workbench;

mod compare;

/// A turn being written.
struct Open {
    writer: TurnWriter,
    model: String,
    protocol: Option<String>,
    /// Text waits in the writer since then.
    dirty_since: Option<Instant>,
}

pub(super) struct Worker {
    store: Option<Store>,
    bench: Arc<Workbench>,
    ui: UnboundedSender<Msg>,
    open: HashMap<TurnId, Open>,
    /// How each `Begin` went, until the task asks.
    begun: HashMap<TurnId, Result<(), String>>,
    /// Exchanges this process wrote (not news to the browser).
    own: HashSet<ExchangeId>,
    watching: bool,
    seen: ExchangeId,
    version: i64,
    next_look: Instant,
    warned: bool,
    /// The comparisons this run keeps, for their later rounds and verdicts.
    kept: compare::Kept,
}

impl Worker {
    pub(super) fn new(
        store: Option<Store>,
        bench: Arc<Workbench>,
        ui: UnboundedSender<Msg>,
    ) -> Worker {
        let seen = store
            .as_ref()
            .and_then(|s| s.last_exchange_id().ok())
            .unwrap_or(0);
        let version = store
            .as_ref()
            .and_then(|s| s.data_version().ok())
            .unwrap_or(0);
        Worker {
            store,
            bench,
            ui,
            open: HashMap::new(),
            begun: HashMap::new(),
            own: HashSet::new(),
            watching: false,
            seen,
            version,
            next_look: Instant::now(),
            warned: false,
            kept: compare::Kept::default(),
        }
    }

    fn report(&self, msg: HistoryMsg) {
        let _ = self.ui.send(Msg::History(Box::new(msg)));
    }

    /// When the thread must wake without a job: a batch of text falls due, or it is
    /// time to look for other processes' writes. `None`: sleep until a job comes.
    fn next_wake(&self, now: Instant) -> Option<Duration> {
        let flush = self
            .open
            .values()
            .filter_map(|o| o.dirty_since)
            .map(|t| t + TurnWriter::FLUSH_EVERY)
            .min();
        let look = self.watching.then_some(self.next_look);
        let at = match (flush, look) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(at.saturating_duration_since(now))
    }

    pub(super) fn run(mut self, rx: &Receiver<Job>) {
        let mut queue = VecDeque::new();
        loop {
            let job = match self.next_wake(Instant::now()) {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => rx.recv_timeout(d),
            };
            match job {
                Ok(j) => queue.push_back(j),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            while let Ok(j) = rx.try_recv() {
                queue.push_back(j);
            }
            while let Some(job) = queue.pop_front() {
                // Typing a search queues a list per key: only the last one is run.
                if matches!(job, Job::Ui(StoreJob::List { .. }))
                    && queue
                        .iter()
                        .any(|j| matches!(j, Job::Ui(StoreJob::List { .. })))
                {
                    continue;
                }
                if matches!(job, Job::Shutdown) {
                    self.shutdown();
                    return;
                }
                self.handle(job);
            }
            let now = Instant::now();
            self.flush_due(now);
            if self.watching && now >= self.next_look {
                self.look();
            }
        }
        self.shutdown();
    }

    fn handle(&mut self, job: Job) {
        match job {
            Job::Ui(job) => self.on_job(job),
            Job::Ready {
                turn,
                protocol,
                reply,
            } => {
                if let Some(o) = self.open.get_mut(&turn) {
                    o.protocol = Some(protocol);
                }
                let _ = reply.send(self.begun.remove(&turn).unwrap_or(Ok(())));
            }
            Job::Text(turn, text) => self.push(turn, |w| w.push_text(&text)),
            Job::Reasoning(turn, text) => self.push(turn, |w| w.push_reasoning(&text)),
            Job::Event(turn, event) => self.push(turn, |w| w.push_event(&event)),
            Job::Finish {
                turn,
                model,
                exchange,
                packed,
            } => self.finish(turn, &model, &exchange, &packed),
            Job::Fail(turn, status, error) => {
                self.begun.remove(&turn);
                if let Some(o) = self.open.remove(&turn)
                    && let Err(e) = o.writer.finish(status, error.as_deref(), None)
                {
                    self.warn(&e);
                }
            }
            Job::Protocol(turn, protocol) => {
                if let Some(o) = self.open.get_mut(&turn) {
                    o.protocol = Some(protocol);
                }
            }
            Job::Shutdown => {}
        }
    }

    fn push(&mut self, turn: TurnId, f: impl FnOnce(&mut TurnWriter)) {
        if let Some(o) = self.open.get_mut(&turn) {
            f(&mut o.writer);
            o.dirty_since.get_or_insert_with(Instant::now);
        }
    }

    fn flush_due(&mut self, now: Instant) {
        let mut failed = None;
        for o in self.open.values_mut() {
            match o.writer.flush_if_due(now) {
                Ok(true) => o.dirty_since = None,
                Ok(false) => {}
                Err(e) => {
                    // Kept in memory; tried again a batch later.
                    o.dirty_since = Some(now);
                    failed = Some(e);
                }
            }
        }
        if let Some(e) = failed {
            self.warn(&e);
        }
    }

    fn warn(&mut self, e: &store::StoreError) {
        tracing::warn!(error = %e, "history write failed");
        if !self.warned {
            self.warned = true;
            self.report(HistoryMsg::Warning(format!(
                "history: {e} (text waiting is tried again)"
            )));
        }
    }

    fn finish(
        &mut self,
        turn: TurnId,
        model: &ModelRef,
        exchange: &Exchange,
        packed: &store::PackedFrames,
    ) {
        let Some(o) = self.open.remove(&turn) else {
            return;
        };
        let price = self.bench.known_price(model);
        let computed = exchange
            .usage
            .as_ref()
            .zip(price.as_ref())
            .and_then(|(u, p)| cost(u, p));
        let (status, error) = store::outcome(exchange);
        let rec = ExchangeRecord {
            exchange,
            source: "tui",
            model: Some(&o.model),
            protocol: o.protocol.as_deref(),
            cost: computed.as_ref(),
            packed: Some(packed),
        };
        match o.writer.finish(status, error.as_deref(), Some(&rec)) {
            Ok(Some(id)) => {
                self.own.insert(id);
            }
            Ok(None) => {}
            Err(e) => self.warn(&e),
        }
    }

    fn shutdown(&mut self) {
        for (_, o) in self.open.drain() {
            let _ = o.writer.finish(
                TurnStatus::Cancelled,
                Some("the app quit while this streamed; what arrived is kept"),
                None,
            );
        }
    }

    fn on_job(&mut self, job: StoreJob) {
        let Some(store) = self.store.clone() else {
            if let StoreJob::List {
                generation, offset, ..
            } = job
            {
                self.report(HistoryMsg::Listed {
                    generation,
                    offset,
                    now_ms: store::now_ms(),
                    result: Err("history is off".into()),
                });
            }
            return;
        };
        match job {
            StoreJob::Begin {
                turn,
                conversation,
                branch_from,
                model,
                prompt,
                system,
                params,
            } => {
                let new = NewTurn {
                    model: &model,
                    prompt: &prompt,
                    parent_turn: branch_from,
                };
                let begun = match (branch_from, conversation) {
                    (Some(from), _) => store
                        .branch(from, false)
                        .and_then(|c| store.begin_turn(c, new)),
                    (None, Some(c)) => store.begin_turn(c, new),
                    (None, None) => {
                        let nc = NewConversation {
                            title: None,
                            system_prompt: system,
                            params: Some(params).filter(Value::is_object),
                        };
                        store.begin_conversation(&nc, new)
                    }
                };
                match begun {
                    Ok(writer) => {
                        let conversation = writer.conversation();
                        let title = store
                            .conversation(conversation)
                            .map(|c| c.title)
                            .unwrap_or_default();
                        self.open.insert(
                            turn,
                            Open {
                                writer,
                                model,
                                protocol: None,
                                dirty_since: None,
                            },
                        );
                        self.begun.insert(turn, Ok(()));
                        self.report(HistoryMsg::Stored {
                            turn,
                            conversation,
                            title,
                        });
                    }
                    Err(e) => {
                        self.begun.insert(turn, Err(e.to_string()));
                    }
                }
            }
            StoreJob::List {
                generation,
                query,
                offset,
                limit,
            } => {
                let result = if query.trim().is_empty() {
                    store.list(limit, offset).map(Listing::Entries)
                } else {
                    store.search(&query, limit).map(Listing::Hits)
                };
                self.report(HistoryMsg::Listed {
                    generation,
                    offset,
                    now_ms: store::now_ms(),
                    result: result.map_err(|e| e.to_string()),
                });
            }
            StoreJob::Load { target, purpose } => {
                let result = load(&store, target)
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                self.report(HistoryMsg::Loaded { purpose, result });
            }
            StoreJob::Rename { target, title } => {
                let r = match target.kind {
                    EntryKind::Conversation => store.rename(target.id, &title),
                    EntryKind::Comparison => store.rename_comparison(target.id, &title),
                };
                let done = r
                    .map(|()| format!("renamed to “{}”", title.trim()))
                    .map_err(|e| e.to_string());
                self.report(HistoryMsg::Changed(done));
            }
            StoreJob::Retitle {
                conversation,
                title,
            } => {
                // The footer already says who wrote the title and what it cost.
                if let Err(e) = store.rename(conversation, &title) {
                    self.report(HistoryMsg::Warning(format!(
                        "the title “{title}” could not be stored: {e}"
                    )));
                }
            }
            StoreJob::Delete { target } => {
                let r = match target.kind {
                    EntryKind::Conversation => store.delete_conversation(target.id),
                    EntryKind::Comparison => store.delete_comparison(target.id),
                };
                self.report(HistoryMsg::Changed(
                    r.map(|()| "deleted".to_string()).map_err(|e| e.to_string()),
                ));
            }
            StoreJob::Watch(on) => {
                self.watching = on;
                if on {
                    self.look();
                }
            }
            job @ (StoreJob::BeginComparison { .. }
            | StoreJob::BeginLaneTurn { .. }
            | StoreJob::Verdict { .. }) => self.on_compare_job(&store, job),
        }
    }

    /// Looks for what other processes wrote since the last look.
    fn look(&mut self) {
        self.next_look = Instant::now() + WATCH_EVERY;
        let Some(store) = &self.store else { return };
        let Ok(version) = store.data_version() else {
            return;
        };
        if version == self.version {
            return;
        }
        self.version = version;
        let news = store.changes_since(self.seen, 100).unwrap_or_default();
        if let Some(last) = news.last() {
            self.seen = last.id;
        }
        let news = news
            .into_iter()
            .filter(|e| !self.own.contains(&e.id))
            .collect();
        self.report(HistoryMsg::External(news));
    }
}

/// Full exchanges are read for at most this many of the latest turns (older ones show
/// their text; the inspector has their summary only).
const FULL_EXCHANGES: usize = 50;

fn load(store: &Store, target: Target) -> store::Result<Loaded> {
    match target.kind {
        EntryKind::Conversation => {
            let c = store.conversation(target.id)?;
            let turns = turns_of(store, target.id, None)?;
            Ok(Loaded {
                target,
                title: c.title,
                system: c.system_prompt,
                turns,
            })
        }
        EntryKind::Comparison => {
            let c = store.comparison(target.id)?;
            let mut turns = Vec::new();
            for lane in &c.lanes {
                turns.extend(turns_of(store, lane.conversation_id, Some(&lane.label))?);
            }
            Ok(Loaded {
                target,
                title: c.title,
                system: c.system_prompt,
                turns,
            })
        }
    }
}

fn turns_of(
    store: &Store,
    conversation: ConversationId,
    lane: Option<&str>,
) -> store::Result<Vec<LoadedTurn>> {
    let mut turns = store.turns(conversation)?;
    if lane.is_some() {
        // A retried round's turn names the turn it replaced as its parent: show each
        // round once, as the comparison's report does.
        let replaced: std::collections::HashSet<_> =
            turns.iter().filter_map(|t| t.parent_turn_id).collect();
        turns.retain(|t| !replaced.contains(&t.id));
    }
    let full_from = turns.len().saturating_sub(FULL_EXCHANGES);
    let mut out = Vec::with_capacity(turns.len());
    for (i, turn) in turns.into_iter().enumerate() {
        let exchange = if i >= full_from {
            store
                .turn_exchanges(turn.id)?
                .last()
                .and_then(|s| store.exchange(s.id).ok())
                .map(|s| s.exchange)
        } else {
            None
        };
        out.push(LoadedTurn {
            turn,
            exchange,
            lane: lane.map(str::to_string),
        });
    }
    Ok(out)
}
