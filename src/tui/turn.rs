//! One turn of a conversation: the prompt, what streamed back, its status, timing, money
//! and wire record. `update` folds task messages into it; panes only read it.

use std::time::Instant;

use ratatui::text::Line;
use tokio_util::sync::CancellationToken;

use super::markdown::MarkdownView;
use super::msg::TurnId;
use super::trace::index;
pub use super::trace::{FrameLog, Trace, TraceRow};
use crate::llm::chat::{ChatRequest, Message, Part, Role};
use crate::llm::error::ProviderError;
use crate::llm::event::{StopReason, StreamEvent};
use crate::llm::http::{Exchange, Frame};
use crate::llm::money::{Money, Price, cost};
use crate::llm::provider::ModelRef;
use crate::llm::reply::Reply;
use crate::llm::usage::Usage;

/// Width of one bucket of the tokens/s sparkline.
pub const RATE_BUCKET_US: u64 = 100_000;

/// Where a turn is in its life.
#[derive(Debug, Clone)]
pub enum TurnStatus {
    /// The request task runs; cancelling the token stops it.
    Streaming {
        /// The task's token (a child of the app's).
        cancel: CancellationToken,
    },
    /// The answer ended normally.
    Done {
        /// Why the model stopped, when it said.
        stop: Option<StopReason>,
    },
    /// The user cancelled; what arrived before is kept.
    Cancelled,
    /// The request failed; what arrived before is kept.
    Failed {
        /// Why.
        error: ProviderError,
    },
    /// Reopened from the history: the process writing it stopped mid-stream (killed, or
    /// it crashed); the text committed until then is kept.
    Interrupted,
}

/// A tool call as the model streamed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolCall {
    /// The call id.
    pub id: String,
    /// The function name.
    pub name: String,
    /// The arguments JSON, as far as it arrived.
    pub arguments: String,
}

/// Lines of a turn that only change with its width or its status, built by `prepare`.
#[derive(Debug, Clone, Default)]
pub struct TurnLines {
    /// The width they were built for (0: never built).
    pub width: u16,
    /// The `Turn::version` they were built from.
    pub version: u64,
    /// The prompt, wrapped.
    pub prompt: Vec<Line<'static>>,
    /// Tool calls.
    pub tools: Vec<Line<'static>>,
    /// The error, cancel or retry note under the answer.
    pub note: Vec<Line<'static>>,
}

/// Where a turn came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// This app sent it: it is part of the conversation and its cost was spent now.
    #[default]
    Sent,
    /// A recorded exchange played back (a trace file, the history, the inspector): shown
    /// like the original, but it is not part of the conversation and cost nothing now.
    Replay,
    /// Another program's call seen by the recording proxy: its cost was spent now, but it
    /// belongs to that program's conversation, not this one.
    Proxy,
}

impl Origin {
    /// Whether the turn's cost was spent in this run (a replay's was spent before).
    pub fn spends(self) -> bool {
        self != Origin::Replay
    }
}

/// One prompt and its answer.
#[derive(Debug)]
pub struct Turn {
    /// Its id.
    pub id: TurnId,
    /// The model asked.
    pub model: ModelRef,
    /// The user's prompt.
    pub prompt: String,
    /// The request as built (history included): what a retry sends again.
    pub chat: ChatRequest,
    /// The answer, as markdown.
    pub answer: MarkdownView,
    /// The reasoning, shown apart.
    pub reasoning: MarkdownView,
    /// Tool calls, by index.
    pub tools: Vec<ToolCall>,
    /// The reasoning blocks with the provider's signatures, which go back unchanged in the
    /// history of the next request to the same model (only reasoning and signatures are
    /// folded in: the answer text lives in `answer`).
    pub signed: Reply,
    /// Where it is.
    pub status: TurnStatus,
    /// When it was sent (the loop's clock).
    pub started: Instant,
    /// Offset of the last frame, µs from sending.
    pub last_frame_us: u64,
    /// Time to first token, µs (live estimate from frame offsets, then the runner's).
    pub ttft_us: Option<u64>,
    /// Total time, µs, once over.
    pub total_us: Option<u64>,
    /// Text, reasoning and tool deltas received.
    pub deltas: u64,
    /// Deltas per `RATE_BUCKET_US` since sending: the sparkline.
    pub rate: Vec<u32>,
    /// The last usage reported.
    pub usage: Option<Usage>,
    /// The catalog price when sent.
    pub price: Option<Price>,
    /// The model's context window when sent.
    pub context_window: Option<u64>,
    /// The cost computed from `usage` and `price`.
    pub cost: Option<Money>,
    /// A retry note (`attempt 1 failed (HTTP 429)`).
    pub notice: Option<String>,
    /// When the request is sent again after a failed attempt: the status line counts down
    /// to it (Esc cancels the wait like the request).
    pub retry_at: Option<std::time::Instant>,
    /// Sent again as a newer turn: left out of the history.
    pub retried: bool,
    /// Where the turn came from: only turns this app sent go into later requests.
    pub origin: Origin,
    /// The wire record.
    pub trace: Trace,
    /// Bumped when the prompt, tools, status or notice change.
    pub version: u64,
    /// Cached lines for the conversation pane.
    pub lines: TurnLines,
}

impl Turn {
    /// A new turn, streaming.
    pub fn new(
        id: TurnId,
        model: ModelRef,
        prompt: String,
        chat: ChatRequest,
        cancel: CancellationToken,
        now: Instant,
    ) -> Turn {
        Turn {
            id,
            model,
            prompt,
            chat,
            answer: MarkdownView::new(),
            reasoning: MarkdownView::new(),
            tools: Vec::new(),
            signed: Reply::default(),
            status: TurnStatus::Streaming { cancel },
            started: now,
            last_frame_us: 0,
            ttft_us: None,
            total_us: None,
            deltas: 0,
            rate: Vec::new(),
            usage: None,
            price: None,
            context_window: None,
            cost: None,
            notice: None,
            retry_at: None,
            retried: false,
            origin: Origin::Sent,
            trace: Trace::default(),
            version: 0,
            lines: TurnLines::default(),
        }
    }

    /// True while the request task runs.
    pub fn is_streaming(&self) -> bool {
        matches!(self.status, TurnStatus::Streaming { .. })
    }

    /// Whether the turn goes into the history of later requests: answered (or cancelled
    /// with some text), and not superseded by a retry.
    pub fn in_history(&self) -> bool {
        !self.retried
            && self.origin == Origin::Sent
            && match self.status {
                TurnStatus::Done { .. } => true,
                TurnStatus::Cancelled | TurnStatus::Interrupted => !self.answer.text().is_empty(),
                _ => false,
            }
    }

    /// The answer as the assistant message of a later request to `next`: the signed
    /// reasoning blocks first (only when `next` is the model that signed them: another
    /// could not verify them), then the text. Tool calls are left out: their results were
    /// never given, and a call without its result is refused by providers.
    pub fn history_message(&self, next: &ModelRef) -> Message {
        let mut parts = if *next == self.model {
            self.signed.signed_reasoning()
        } else {
            Vec::new()
        };
        parts.push(Part::Text {
            text: self.answer.text().to_string(),
        });
        Message {
            role: Role::Assistant,
            parts,
        }
    }

    /// Microseconds since sending: final when over, else as of `now`.
    pub fn elapsed_us(&self, now: Instant) -> u64 {
        self.total_us.unwrap_or_else(|| {
            u64::try_from(now.saturating_duration_since(self.started).as_micros())
                .unwrap_or(u64::MAX)
        })
    }

    /// Output tokens per second after the first token: the provider's count when known,
    /// else the deltas seen (one per token for most providers).
    pub fn tokens_per_second(&self, now: Instant) -> Option<f64> {
        let span = self.elapsed_us(now).checked_sub(self.ttft_us?)?;
        let tokens = self
            .usage
            .as_ref()
            .map_or(self.deltas, |u| u.output.max(self.deltas));
        (span > 0 && tokens > 0).then(|| tokens as f64 / (span as f64 / 1e6))
    }

    /// Folds a piece of answer text in.
    pub fn apply_text(&mut self, text: &str) {
        let start = index(self.answer.text().len());
        self.answer.push_str(text);
        let len = index(text.len());
        self.trace.rows.push(TraceRow::Text { start, len });
        self.count_delta();
    }

    /// Folds a piece of reasoning in.
    pub fn apply_reasoning(&mut self, text: &str) {
        let start = index(self.reasoning.text().len());
        self.reasoning.push_str(text);
        self.signed.push_reasoning(text);
        let len = index(text.len());
        self.trace.rows.push(TraceRow::Reasoning { start, len });
        self.count_delta();
    }

    /// Folds one decoded event in.
    pub fn apply_event(&mut self, event: StreamEvent) {
        match &event {
            StreamEvent::TextDelta { text } => return self.apply_text(text),
            StreamEvent::ReasoningDelta { text } => return self.apply_reasoning(text),
            StreamEvent::Signature { .. } => self.signed.apply(&event),
            StreamEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } => {
                let i = usize::try_from(*index).unwrap_or(usize::MAX).min(256);
                if self.tools.len() <= i {
                    self.tools.resize_with(i + 1, ToolCall::default);
                }
                let call = &mut self.tools[i];
                if let Some(id) = id {
                    call.id.clone_from(id);
                }
                if let Some(name) = name {
                    call.name.push_str(name);
                }
                call.arguments.push_str(arguments);
                self.version += 1;
                self.count_delta();
            }
            StreamEvent::Usage { usage } => self.usage = Some(usage.clone()),
            StreamEvent::Finished { .. } | StreamEvent::ProviderError { .. } => {}
        }
        self.trace
            .rows
            .push(TraceRow::Event(index(self.trace.events.len())));
        self.trace.events.push(event);
    }

    fn count_delta(&mut self) {
        self.deltas += 1;
        if self.ttft_us.is_none() {
            self.ttft_us = Some(self.last_frame_us);
        }
        let bucket = usize::try_from(self.last_frame_us / RATE_BUCKET_US).unwrap_or(0);
        // A stream longer than an hour keeps counting in its last bucket.
        let bucket = bucket.min(36_000);
        if self.rate.len() <= bucket {
            self.rate.resize(bucket + 1, 0);
        }
        self.rate[bucket] = self.rate[bucket].saturating_add(1);
    }

    /// Records a raw frame.
    pub fn apply_frame(&mut self, frame: Frame) {
        self.last_frame_us = frame.offset_us;
        self.trace
            .rows
            .push(TraceRow::Frame(index(self.trace.frames.len())));
        self.trace.frames.push(frame);
    }

    /// Ends the turn with the runner's record.
    pub fn finish(&mut self, mut exchange: Box<Exchange>) {
        self.answer.finish();
        self.reasoning.finish();
        self.ttft_us = exchange.ttft_us.or(self.ttft_us);
        self.total_us = exchange.total_us.or(self.total_us);
        if let Some(usage) = exchange.usage.clone() {
            self.usage = Some(usage);
        }
        self.cost = self
            .usage
            .as_ref()
            .zip(self.price.as_ref())
            .and_then(|(u, p)| cost(u, p));
        // The record's frames replace the live window; rows exist for the frames seen live
        // (all of them, unless the decoder was bypassed).
        if self.trace.rows.is_empty() {
            let n = exchange.frames.len();
            self.trace.rows = (0..n).map(|i| TraceRow::Frame(index(i))).collect();
        }
        self.trace
            .frames
            .complete(std::mem::take(&mut exchange.frames));
        if self.trace.request.is_none() {
            self.trace.request = Some(exchange.request.clone());
        }
        self.trace.status = exchange.status.or(self.trace.status);
        if self.trace.headers.is_empty() {
            self.trace.headers = exchange.response_headers.clone();
        }
        self.status = match exchange.error.clone() {
            None => TurnStatus::Done {
                stop: exchange.stop_reason.clone(),
            },
            Some(ProviderError::Cancelled) => TurnStatus::Cancelled,
            Some(error) => TurnStatus::Failed { error },
        };
        self.trace.exchange = Some(exchange);
        self.trace.version += 1;
        self.notice = None;
        self.version += 1;
    }

    /// Ends the turn with an error that came before any request.
    pub fn fail(&mut self, error: ProviderError, now: Instant) {
        self.answer.finish();
        self.reasoning.finish();
        self.total_us = Some(self.elapsed_us(now));
        self.status = TurnStatus::Failed { error };
        self.trace.version += 1;
        self.version += 1;
    }

    /// Cancels the turn if it streams: the token is cancelled at once and the turn is marked
    /// cancelled, keeping its text; later messages for it are dropped. True if it streamed.
    pub fn cancel(&mut self, now: Instant) -> bool {
        let TurnStatus::Streaming { cancel } = &self.status else {
            return false;
        };
        cancel.cancel();
        self.answer.finish();
        self.reasoning.finish();
        self.total_us = Some(self.elapsed_us(now));
        self.status = TurnStatus::Cancelled;
        self.notice = None;
        self.version += 1;
        true
    }
}
