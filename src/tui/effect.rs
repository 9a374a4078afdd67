//! `Effect`: the I/O that `update` asks for; the app's effect runner performs it.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::msg::TurnId;
use crate::compare::LaneSpec;
use crate::llm::chat::ChatRequest;
use crate::llm::provider::ModelRef;

/// Work to do outside `update`.
#[derive(Debug)]
pub enum Effect {
    /// Fetch a provider's live model list again (`R`), caching it on disk; the answer
    /// comes back as `Msg::Refreshed`.
    RefreshModels {
        /// The provider's name.
        provider: String,
        /// Cancelled when the app quits.
        cancel: CancellationToken,
    },
    /// Count the prompt tokens of the next request; the answer comes back as
    /// `Msg::Estimated`.
    Estimate {
        /// The fingerprint of the request.
        key: u64,
        /// The model to count for.
        model: ModelRef,
        /// The request that would be sent.
        chat: Box<ChatRequest>,
    },
    /// Send `Msg::Tick` after a while (the estimate's debounce).
    Wake {
        /// How long to wait.
        after: Duration,
    },
    /// Ask a provider's account for its key's balance and limits (`Msg::Account`).
    LoadAccount {
        /// The provider's name.
        provider: String,
        /// Cancelled when the app quits.
        cancel: CancellationToken,
    },
    /// Ask a provider for the exact cost of a finished request (`Msg::Exact`).
    FetchExact {
        /// The turn.
        turn: TurnId,
        /// The provider's name.
        provider: String,
        /// The provider's id of the request (`chatcmpl-…`).
        id: String,
        /// Cancelled when the app quits.
        cancel: CancellationToken,
    },
    /// Fetch a provider's live model list; the answer comes back as `Msg::Models`.
    /// Capture the mouse (true) or give it back to the terminal for selecting text.
    MouseCapture(bool),
    LoadModels {
        /// The provider's name.
        provider: String,
        /// Cancelled when the app quits.
        cancel: CancellationToken,
    },
    /// Send a turn's request in its own task; its progress comes back as `Msg::Trace`,
    /// `Msg::Response`, `Msg::Frame`, `Msg::Stream` and finally `Msg::Done`.
    Send {
        /// The turn.
        turn: TurnId,
        /// The model to ask.
        model: ModelRef,
        /// The whole request: system prompt, history and the new prompt.
        chat: Box<ChatRequest>,
        /// The turn's token, also kept in its `Streaming` state.
        cancel: CancellationToken,
    },
    /// Work for the history store's thread (keep a turn, list, load, rename, delete);
    /// answers come back as `Msg::History`.
    Store(Box<super::store_link::StoreJob>),
    /// Send one lane turn of a comparison in its own task (its model, overrides and
    /// protocol); it reports back with the same messages as `Send`.
    SendLane {
        /// The lane's turn.
        turn: TurnId,
        /// The lane.
        spec: Box<LaneSpec>,
        /// The lane's request: system prompt, the lane's history and the new prompt.
        chat: Box<ChatRequest>,
        /// The turn's token, also kept in its `Streaming` state.
        cancel: CancellationToken,
    },
    /// Write a comparison's report as `STEM.md` and `STEM.json` in the working directory;
    /// the outcome comes back as `Msg::CompareExported`.
    ExportComparison {
        /// The file name without extension.
        stem: String,
        /// The Markdown report.
        markdown: String,
        /// The JSON report.
        json: String,
    },
    /// An inspector debugger effect: copy, save, edit, resend, replay (`debug::run`).
    Debug(Box<super::debug::run::DebugEffect>),
    /// Ask the title model to name a new conversation; the outcome comes back as
    /// `Msg::Titled`.
    Title(Box<super::title::TitleJob>),
}
