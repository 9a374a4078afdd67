//! `Msg`: everything that can happen to the UI, from the terminal or from a task.

use std::time::Duration;

use crossterm::event::{Event, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use super::action::Action;
use crate::llm::catalog::ModelInfo;
use crate::llm::error::ProviderError;
use crate::llm::event::StreamEvent;
use crate::llm::http::{Exchange, Frame, HttpRequest};

/// Identifies a turn; every message from a request task carries it, so that messages for a
/// turn that is no longer streaming can be recognised and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TurnId(pub u64);

/// One thing that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed (or repeated).
    Key(KeyEvent),
    /// A mouse button went down or the wheel turned (moves and drags are not messages).
    Mouse(MouseEvent),
    /// Text was pasted (bracketed paste).
    Paste(String),
    /// The terminal was resized to (columns, rows).
    Resize(u16, u16),
    /// An action, as if its key had been pressed (scripts and tests).
    Action(Action),
    /// A provider's live model list arrived, or failed.
    Models {
        /// The provider's name.
        provider: String,
        /// Its models, or why there are none.
        result: Result<Vec<ModelInfo>, String>,
    },
    /// A turn's request was built: the exact request, secrets masked.
    Trace {
        /// The turn.
        turn: TurnId,
        /// The request as sent, redacted.
        request: Box<HttpRequest>,
    },
    /// A turn's response headers arrived.
    Response {
        /// The turn.
        turn: TurnId,
        /// The HTTP status.
        status: u16,
        /// The response headers.
        headers: Vec<(String, String)>,
    },
    /// A raw SSE frame of a turn arrived (before it was decoded).
    Frame {
        /// The turn.
        turn: TurnId,
        /// The frame with its arrival offset.
        frame: Frame,
    },
    /// A piece of a turn's answer text: the common event, kept small (a fast stream queues
    /// tens of thousands of these).
    Text {
        /// The turn.
        turn: TurnId,
        /// The text.
        text: String,
    },
    /// A piece of a turn's reasoning.
    Reasoning {
        /// The turn.
        turn: TurnId,
        /// The text.
        text: String,
    },
    /// Any other decoded event of a turn (usage, tool calls, the stop reason, ...).
    Stream {
        /// The turn.
        turn: TurnId,
        /// The event.
        event: Box<StreamEvent>,
    },
    /// A turn's request failed before any response and will be sent again.
    Retrying {
        /// The turn.
        turn: TurnId,
        /// The attempt that failed.
        attempt: u32,
        /// How long until the next one.
        wait: Duration,
        /// Why.
        reason: String,
    },
    /// A turn's request ended: the full record, or the error that stopped it before any
    /// request could be built (a missing key, an unknown provider).
    Done {
        /// The turn.
        turn: TurnId,
        /// The exchange, or the error.
        result: Result<Box<Exchange>, Box<ProviderError>>,
    },
    /// Time passed while something streams: redraw the spinner and elapsed time. Also the
    /// wake-up `Effect::Wake` asked for.
    Tick,
    /// What an inspector debugger effect (copy, save, edit, replay) reported.
    Debug(Box<super::debug::DebugMsg>),
    /// A comparison export was written: the files, or why not.
    CompareExported(Result<String, String>),
    /// A refresh of a provider's live model list (`R` in the catalog) ended.
    Refreshed {
        /// The provider's name.
        provider: String,
        /// The new list, or why the refresh failed (the old list is kept).
        result: Result<Vec<ModelInfo>, String>,
    },
    /// The prompt estimate of the next request arrived.
    Estimated {
        /// The fingerprint of what was counted.
        key: u64,
        /// The model it was counted for.
        model: crate::llm::provider::ModelRef,
        /// The count and how it was made.
        prompt: crate::llm::tokens::PromptEstimate,
    },
    /// A provider's account answered (`GET /v1/key`), or failed.
    Account {
        /// The provider's name.
        provider: String,
        /// Its fields, or why there are none.
        result: Result<crate::llm::account::KeyInfo, String>,
    },
    /// The exact cost of a finished turn (`GET /v1/generation`) arrived, or failed.
    Exact {
        /// The turn.
        turn: TurnId,
        /// The provider's figure, or why there is none.
        result: Result<crate::llm::money::Money, String>,
    },
    /// The history store thread reported something (opened, a turn stored, a page of the
    /// browser, a conversation loaded, another process's writes).
    History(Box<super::store_link::HistoryMsg>),
    /// A model wrote the title of a new conversation, or could not.
    Titled(Box<super::title::TitleDone>),
}

impl Msg {
    /// The message for a terminal event, or `None` for events that change nothing (mouse
    /// moves, key releases, focus changes), so they do not cause a draw.
    pub fn from_terminal(event: Event) -> Option<Msg> {
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
            Event::Mouse(m) => match m.kind {
                MouseEventKind::Down(_) | MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                    Some(Msg::Mouse(m))
                }
                _ => None,
            },
            Event::Paste(text) => Some(Msg::Paste(text)),
            Event::Resize(w, h) => Some(Msg::Resize(w, h)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_stay_small() {
        // A fast stream can queue 40,000 of these before the loop drains them.
        assert!(
            std::mem::size_of::<Msg>() <= 80,
            "{}",
            std::mem::size_of::<Msg>()
        );
    }
}
