//! The UI's link to the history store. One thread owns the SQLite connection: a write that
//! waits on another process's lock (up to the store's busy timeout) then stalls that
//! thread, never a frame. `update` asks for work with `Effect::Store(StoreJob)`; request
//! tasks hand over what streams through a `StoreLink`; answers come back as
//! `Msg::History`.
//!
//! A turn's prompt is committed before its request goes out: the task waits for
//! `StoreLink::ready`, which the thread answers after the turn's `Begin` (queued before
//! the task started). Streamed text is batched by the turn's `TurnWriter` and committed at
//! least every 250 ms (the thread wakes on its own for a silent stream) and at the end.
//! The thread blocks on its queue with no timeout when nothing is pending and the history
//! browser is closed, so an idle app has no wakeups; while the browser is open it looks
//! for other processes' writes every `WATCH_EVERY`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

mod worker;

use super::msg::{Msg, TurnId};
use crate::llm::http::Exchange;
use crate::llm::provider::ModelRef;
use crate::llm::run::Update;
use crate::store::{
    self, ConversationId, EntryKind, ExchangeSummary, HistoryEntry, OpenOptions, SearchHit, Store,
    TurnStatus,
};
use crate::workbench::Workbench;

/// How often the open history browser looks for other processes' writes.
pub const WATCH_EVERY: Duration = Duration::from_millis(1500);

/// Whether the UI keeps a history, and where.
#[derive(Debug, Clone, PartialEq)]
pub enum History {
    /// Nothing is written; the text says why (`--no-store`, the config).
    Off(String),
    /// The store in this data directory.
    At {
        /// The data directory.
        dir: PathBuf,
        /// Frames cap and the like.
        options: OpenOptions,
    },
}

/// An entry of the browser: a conversation or a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Which table.
    pub kind: EntryKind,
    /// Its id.
    pub id: i64,
}

/// Why a conversation is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadFor {
    /// To show it and continue it.
    Resume,
    /// To pick the turn a branch starts from (then `turn` is preselected).
    Branch {
        /// The stored turn to preselect.
        turn: Option<store::TurnId>,
    },
    /// To play its exchanges again in the inspector, with their recorded frame timing.
    Replay,
}

/// Work `update` asks of the store (`Effect::Store`).
#[derive(Debug, Clone, PartialEq)]
pub enum StoreJob {
    /// Commit a new turn's prompt (status `streaming`) before its request is sent.
    Begin {
        /// The UI's turn.
        turn: TurnId,
        /// The stored conversation it continues; `None` starts one.
        conversation: Option<ConversationId>,
        /// A stored turn whose prompt this one edits: the turns before it are copied into
        /// a new conversation (the original is kept) and this turn continues it.
        branch_from: Option<store::TurnId>,
        /// `PROVIDER/MODEL`.
        model: String,
        /// The prompt.
        prompt: String,
        /// The system prompt, for a new conversation.
        system: Option<String>,
        /// The parameters, for a new conversation.
        params: Value,
    },
    /// A page of the browser: entries newest first, or search results for `query`.
    List {
        /// Answers to older generations are dropped.
        generation: u64,
        /// What is typed in the search line (empty: the list).
        query: String,
        /// Entries to skip.
        offset: usize,
        /// Entries to return.
        limit: usize,
    },
    /// Load a conversation or comparison with its turns.
    Load {
        /// What to load.
        target: Target,
        /// What for.
        purpose: LoadFor,
    },
    /// Rename an entry.
    Rename {
        /// The entry.
        target: Target,
        /// The new title.
        title: String,
    },
    /// Give a conversation the title a model wrote (quietly: the footer already says so).
    Retitle {
        /// The conversation.
        conversation: ConversationId,
        /// The title.
        title: String,
    },
    /// Delete an entry with everything in it.
    Delete {
        /// The entry.
        target: Target,
    },
    /// Start (true) or stop following other processes' writes.
    Watch(bool),
    /// Keep a comparison's first round: create the stored comparison (a conversation per
    /// lane) and commit each lane's prompt before the lanes' requests go out.
    BeginComparison {
        /// What later jobs call this comparison: the first round's first lane turn.
        key: TurnId,
        /// The first prompt.
        prompt: String,
        /// The shared system prompt.
        system: Option<String>,
        /// The lanes, in display order (blind lanes keep their letters in the store).
        lanes: Vec<crate::compare::LaneSpec>,
        /// Each lane's turn of the round, in the same order.
        turns: Vec<TurnId>,
    },
    /// Commit one lane's prompt in a kept comparison: a follow-up round, or a retry.
    BeginLaneTurn {
        /// The comparison (`BeginComparison::key`).
        key: TurnId,
        /// The lane, by its place in `BeginComparison::lanes`.
        lane: usize,
        /// The UI's turn.
        turn: TurnId,
        /// The prompt.
        prompt: String,
        /// For a retry: the turn it replaces (kept, and named as the new turn's parent).
        replaces: Option<TurnId>,
    },
    /// Record the verdict given on a kept comparison.
    Verdict {
        /// The comparison (`BeginComparison::key`).
        key: TurnId,
        /// The best lane and the ranking, by place in `BeginComparison::lanes`.
        verdict: crate::compare::VerdictReport,
        /// Judged without the lanes' names.
        blind: bool,
    },
}

/// One page of the browser.
#[derive(Debug, Clone, PartialEq)]
pub enum Listing {
    /// Conversations and comparisons, newest first.
    Entries(Vec<HistoryEntry>),
    /// Turns matching the search, best first.
    Hits(Vec<SearchHit>),
}

/// A stored turn with its last exchange (when it had one and it still reads).
#[derive(Debug, Clone)]
pub struct LoadedTurn {
    /// The turn.
    pub turn: store::Turn,
    /// Its exchange in full, frames included.
    pub exchange: Option<Exchange>,
    /// Set for a comparison's lane: the lane's label.
    pub lane: Option<String>,
}

/// A conversation (or a comparison's lanes) read back.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// What was loaded.
    pub target: Target,
    /// Its title.
    pub title: String,
    /// The system prompt.
    pub system: Option<String>,
    /// The turns, in order (a comparison: each lane's, lane by lane).
    pub turns: Vec<LoadedTurn>,
}

/// What the store thread reports (`Msg::History`).
#[derive(Debug)]
pub enum HistoryMsg {
    /// The store opened (its database file), or could not: history is off, with why.
    Opened(Result<PathBuf, String>),
    /// A turn's prompt is committed in `conversation`, titled `title`.
    Stored {
        /// The UI's turn.
        turn: TurnId,
        /// The stored conversation.
        conversation: ConversationId,
        /// Its title.
        title: String,
    },
    /// A write failed; the text says what is kept.
    Warning(String),
    /// A page of the browser.
    Listed {
        /// The generation asked for.
        generation: u64,
        /// The offset asked for.
        offset: usize,
        /// The wall clock when it was read (ms since the epoch), for ages.
        now_ms: i64,
        /// The page, or why it failed.
        result: Result<Listing, String>,
    },
    /// A conversation or comparison loaded.
    Loaded {
        /// What for.
        purpose: LoadFor,
        /// It, or why not.
        result: Result<Box<Loaded>, String>,
    },
    /// A rename or delete finished (the text for the footer), or failed.
    Changed(Result<String, String>),
    /// Another process wrote to the store (these exchanges, maybe none): the list is stale.
    External(Vec<ExchangeSummary>),
}

/// What request tasks hand to the store thread, besides `update`'s jobs.
enum Job {
    Ui(StoreJob),
    Ready {
        turn: TurnId,
        protocol: String,
        reply: oneshot::Sender<Result<(), String>>,
    },
    Text(TurnId, String),
    Reasoning(TurnId, String),
    Event(TurnId, crate::llm::event::StreamEvent),
    Finish {
        turn: TurnId,
        model: ModelRef,
        /// Everything but the frames, which come packed.
        exchange: Box<Exchange>,
        packed: store::PackedFrames,
    },
    Fail(TurnId, TurnStatus, Option<String>),
    /// A lane's protocol, known once its request is built (after `Ready`).
    Protocol(TurnId, String),
    Shutdown,
}

/// A cheap handle to the store thread, for `run_effect` and the request tasks.
#[derive(Debug, Clone)]
pub struct StoreLink {
    jobs: Sender<Job>,
    /// The store's cap on frames kept per exchange, applied where the frames are.
    frames_cap: usize,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

/// The store thread: its link, and the handle to stop it.
pub struct StoreThread {
    link: StoreLink,
    handle: JoinHandle<()>,
}

impl StoreThread {
    /// Starts the thread; it opens the store and reports `HistoryMsg::Opened`. `None` when
    /// the thread cannot be started (then history is off).
    pub fn start(
        dir: PathBuf,
        options: OpenOptions,
        bench: Arc<Workbench>,
        ui: UnboundedSender<Msg>,
    ) -> Option<StoreThread> {
        let (tx, rx) = mpsc::channel();
        let frames_cap = options.frames_cap;
        let handle = std::thread::Builder::new()
            .name("switchboard-store".into())
            .spawn(move || {
                let opened = Store::open_with(&dir, options);
                let (store, report) = match opened {
                    Ok(s) => {
                        let path = s.path().to_path_buf();
                        (Some(s), Ok(path))
                    }
                    Err(e) => (None, Err(e.to_string())),
                };
                let _ = ui.send(Msg::History(Box::new(HistoryMsg::Opened(report))));
                worker::Worker::new(store, bench, ui).run(&rx);
            })
            .ok()?;
        Some(StoreThread {
            link: StoreLink {
                jobs: tx,
                frames_cap,
            },
            handle,
        })
    }

    /// The link to hand around.
    pub fn link(&self) -> StoreLink {
        self.link.clone()
    }

    /// Ends turns still streaming as cancelled, commits everything and waits for the
    /// thread.
    pub fn shutdown(self) {
        let _ = self.link.jobs.send(Job::Shutdown);
        if self.handle.join().is_err() {
            tracing::error!("the history thread panicked");
        }
    }
}

impl StoreLink {
    /// Queues a job from `update`.
    pub fn send(&self, job: StoreJob) {
        let _ = self.jobs.send(Job::Ui(job));
    }

    /// Waits until `turn`'s prompt is committed (at once when history is off or the turn
    /// was not begun). An error means the prompt could not be stored.
    pub async fn ready(&self, turn: TurnId, protocol: &str) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Ready {
            turn,
            protocol: protocol.to_string(),
            reply,
        };
        if self.jobs.send(job).is_err() {
            return Ok(());
        }
        answer.await.unwrap_or(Ok(()))
    }

    /// Hands over what a runner update adds to `turn`.
    pub fn update(&self, turn: TurnId, update: &Update<'_>) {
        use crate::llm::event::StreamEvent;
        let job = match update {
            Update::Event(StreamEvent::TextDelta { text }) => Job::Text(turn, text.clone()),
            Update::Event(StreamEvent::ReasoningDelta { text }) => {
                Job::Reasoning(turn, text.clone())
            }
            Update::Event(e @ StreamEvent::ToolCallDelta { .. }) => Job::Event(turn, (*e).clone()),
            _ => return,
        };
        let _ = self.jobs.send(job);
    }

    /// Ends `turn` with its exchange (status from its error). The frames are packed here
    /// rather than copied: a long stream's frames are megabytes, and the UI keeps its own.
    pub fn finish(&self, turn: TurnId, model: &ModelRef, exchange: &Exchange) {
        let _ = self.jobs.send(Job::Finish {
            turn,
            model: model.clone(),
            exchange: Box::new(exchange.without_frames()),
            packed: store::pack_frames(&exchange.frames, self.frames_cap),
        });
    }

    /// Sets the protocol `turn`'s exchange is stored with, when it is known only after
    /// `ready` (a comparison lane's request is built after its prompt is committed).
    pub fn protocol(&self, turn: TurnId, protocol: &str) {
        let _ = self.jobs.send(Job::Protocol(turn, protocol.to_string()));
    }

    /// Ends `turn` when it stopped before any request was made (cancelled, or failed).
    pub fn fail(&self, turn: TurnId, error: &crate::llm::error::ProviderError) {
        let job = match error {
            crate::llm::error::ProviderError::Cancelled => {
                Job::Fail(turn, TurnStatus::Cancelled, None)
            }
            e => Job::Fail(turn, TurnStatus::Failed, Some(e.to_string())),
        };
        let _ = self.jobs.send(job);
    }
}
