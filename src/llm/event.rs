//! `StreamEvent`: the provider-neutral output of every decoder.

use serde::{Deserialize, Serialize};

use super::usage::Usage;

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model finished its answer (`stop`, `end_turn`, `STOP`).
    Stop,
    /// The output token limit was reached (`length`, `max_tokens`).
    Length,
    /// The model wants tool results before it goes on.
    ToolCalls,
    /// A stop sequence matched (where the protocol says so apart from `Stop`).
    StopSequence,
    /// The provider's filter cut or refused the answer.
    ContentFilter,
    /// The model refused.
    Refusal,
    /// Anything else, as the provider spelled it.
    Other(String),
}

impl StopReason {
    /// A short label for meters and reports.
    pub fn label(&self) -> &str {
        match self {
            StopReason::Stop => "stop",
            StopReason::Length => "length",
            StopReason::ToolCalls => "tool_calls",
            StopReason::StopSequence => "stop_sequence",
            StopReason::ContentFilter => "content_filter",
            StopReason::Refusal => "refusal",
            StopReason::Other(s) => s,
        }
    }
}

/// What a `StreamEvent::Signature` signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signed {
    /// The reasoning that streamed since the previous signature: one Anthropic thinking
    /// block (its `signature_delta`, at the end of the block).
    Reasoning,
    /// A reasoning block the provider sent encrypted, with no text (Anthropic's
    /// `redacted_thinking`): the signature is the block's `data`.
    RedactedReasoning,
    /// Tool call `index` (Gemini's `thoughtSignature` on a `functionCall` part).
    ToolCall { index: u32 },
}

/// One decoded happening in a response, in arrival order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// A piece of the answer text.
    TextDelta { text: String },
    /// A piece of the model's reasoning, shown apart from the answer.
    ReasoningDelta { text: String },
    /// A piece of a tool call. The first piece of a call carries `id` and `name`; later
    /// pieces carry only argument fragments, to be concatenated by `index`.
    ToolCallDelta {
        index: u32,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
    /// Token counts so far. Protocols that restate usage send it more than once: the last
    /// value wins, values are never summed.
    Usage { usage: Usage },
    /// The model stopped, for this reason.
    Finished { reason: StopReason },
    /// The provider signed a piece of the answer: the signature must go back unchanged with
    /// that piece when the conversation goes on (Anthropic's `signature_delta` and
    /// `redacted_thinking`, Gemini's `thoughtSignature`).
    Signature { of: Signed, signature: String },
    /// The provider reported an error inside a stream that had started well (HTTP 200).
    ProviderError {
        message: String,
        code: Option<String>,
    },
}
