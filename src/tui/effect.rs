//! `Effect`: the I/O that `update` asks for; the app's effect runner performs it.

use tokio_util::sync::CancellationToken;

use super::msg::TurnId;
use crate::llm::chat::ChatRequest;
use crate::llm::provider::ModelRef;

/// Work to do outside `update`.
#[derive(Debug)]
pub enum Effect {
    /// Fetch a provider's live model list; the answer comes back as `Msg::Models`.
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
}
