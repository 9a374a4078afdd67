//! The provider-neutral request: what the user asked, before any wire protocol shapes it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions that frame the whole conversation.
    System,
    /// The person at the keyboard.
    User,
    /// The model.
    Assistant,
    /// The result of a tool call, answering an assistant's `ToolCall` part.
    Tool,
}

impl Role {
    /// The role's name as every protocol spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// Plain text (markdown as the model wrote it).
    Text { text: String },
    /// Reasoning the model showed before its answer; kept for display, resent only by
    /// protocols that require it.
    Reasoning {
        text: String,
        /// The provider's signature of this block (Anthropic's thinking `signature`), to be
        /// sent back unchanged when the conversation goes on. Unsigned reasoning is never
        /// sent back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// Reasoning the provider returned encrypted instead of as text (Anthropic's
    /// `redacted_thinking`): never shown, sent back unchanged like a signed block.
    RedactedReasoning { data: String },
    /// A call the assistant asked the client to make.
    ToolCall {
        id: String,
        name: String,
        /// The arguments as the model produced them: JSON text, not necessarily valid.
        arguments: String,
        /// The provider's signature of the reasoning behind this call (Gemini's
        /// `thoughtSignature` on a `functionCall` part), sent back beside the call.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// The answer to a tool call, sent back in a `Role::Tool` message.
    ToolResult { call_id: String, content: String },
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub parts: Vec<Part>,
}

impl Message {
    /// A message made of one text part.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Message {
            role,
            parts: vec![Part::Text { text: text.into() }],
        }
    }

    /// This message without its signed and encrypted reasoning and signatures: what is
    /// sent to another model than the one that wrote it, which could not verify them.
    pub fn without_signatures(mut self) -> Self {
        self.parts
            .retain(|p| !matches!(p, Part::RedactedReasoning { .. }));
        for part in &mut self.parts {
            if let Part::Reasoning { signature, .. } | Part::ToolCall { signature, .. } = part {
                *signature = None;
            }
        }
        self
    }

    /// All text parts joined, in order.
    pub fn joined_text(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            if let Part::Text { text } = part {
                out.push_str(text);
            }
        }
        out
    }
}

/// How hard a reasoning model should think.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// The provider's lowest setting where it has one (`minimal` on OpenAI).
    Minimal,
    Low,
    Medium,
    High,
}

impl ReasoningEffort {
    /// The value as the OpenAI protocols spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasoningEffort::Minimal => "minimal",
            ReasoningEffort::Low => "low",
            ReasoningEffort::Medium => "medium",
            ReasoningEffort::High => "high",
        }
    }

    /// Parses `minimal`, `low`, `medium` or `high`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "minimal" => Some(Self::Minimal),
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            _ => None,
        }
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    pub parameters: Value,
}

/// Sampling and output settings. `None` means "leave it to the provider": the field is not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub stop: Vec<String>,
    pub seed: Option<i64>,
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Sent as given, e.g. `{"type":"json_object"}` or a `json_schema` object.
    pub response_format: Option<Value>,
    #[serde(default)]
    pub tools: Vec<ToolSpec>,
    /// Extra top-level body fields, merged last so they can override anything above.
    #[serde(default)]
    pub extra: Map<String, Value>,
}

/// Everything needed to build one request, whatever the protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The model id as the provider's API expects it (no provider prefix).
    pub model: String,
    pub messages: Vec<Message>,
    #[serde(default)]
    pub params: Params,
    /// Ask for a streamed (SSE) answer.
    pub stream: bool,
}

impl ChatRequest {
    /// A streamed request with one user message and default parameters.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        ChatRequest {
            model: model.into(),
            messages: vec![Message::text(Role::User, prompt)],
            params: Params::default(),
            stream: true,
        }
    }
}
