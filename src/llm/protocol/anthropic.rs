//! Anthropic Messages: `POST {base}/v1/messages`, the base being the host alone
//! (`https://api.anthropic.com`), as the official SDK takes it.

use serde_json::{Map, Value, json};

mod decode;

pub use decode::{MessagesDecoder, stop_reason};

use super::Endpoint;
use super::common::{arguments_object, deep_merge, system_text};
use super::params::{self, Built, ModelTraits, left_out};
use crate::llm::chat::{ChatRequest, Message, Part, ReasoningEffort, Role};
use crate::llm::http::HttpRequest;

/// The API version sent unless the provider's headers set another.
pub const API_VERSION: &str = "2023-06-01";
/// `max_tokens` when neither the user nor the catalog gives one (the API requires it).
pub const DEFAULT_MAX_TOKENS: u64 = 8192;
/// The smallest thinking budget the API accepts.
pub const MIN_THINKING_BUDGET: u64 = 1024;

/// The thinking budget an effort asks for; `None` for `minimal` (thinking off).
pub fn thinking_budget(effort: ReasoningEffort) -> Option<u64> {
    match effort {
        ReasoningEffort::Minimal => None,
        ReasoningEffort::Low => Some(1024),
        ReasoningEffort::Medium => Some(4096),
        ReasoningEffort::High => Some(16384),
    }
}

/// Builds the request with what the model id alone says about the model.
pub fn build_request(endpoint: &Endpoint, chat: &ChatRequest) -> HttpRequest {
    build(endpoint, chat, &ModelTraits::guess(&chat.model)).request
}

/// Builds the request, mapping parameters to what Messages takes: `max_tokens` always set,
/// the effort as a thinking budget, `stop` as `stop_sequences`; `seed` and
/// `response_format`, which Messages lacks, are left out with a note.
pub fn build(endpoint: &Endpoint, chat: &ChatRequest, traits: &ModelTraits) -> Built {
    let mut chat = chat.clone();
    let mut notes = Vec::new();
    params::drop_unsupported(&mut chat, traits, &mut notes);
    params::drop_effort_if_not_reasoning(&mut chat, traits, &mut notes);
    let p = &mut chat.params;
    if p.seed.take().is_some() {
        left_out(&mut notes, "seed", "the Anthropic Messages API has no seed");
    }
    if p.response_format.take().is_some() {
        left_out(
            &mut notes,
            "response_format",
            "the Anthropic Messages API has none; ask for JSON in the prompt or use a tool",
        );
    }
    let default_max = traits
        .max_output
        .map_or(DEFAULT_MAX_TOKENS, |m| m.min(DEFAULT_MAX_TOKENS));
    let mut max_tokens = p.max_tokens.map_or(default_max, u64::from);
    let mut budget = None;
    if let Some(effort) = p.reasoning_effort {
        budget = thinking_budget(effort);
        if budget.is_none() {
            notes.push("thinking left off: the effort is minimal".into());
        }
    }
    if let Some(b) = budget {
        if p.max_tokens.is_none() {
            max_tokens = b + default_max;
            if let Some(cap) = traits.max_output {
                max_tokens = max_tokens.min(cap);
            }
        }
        // The budget must stay below max_tokens, and at least the API's minimum.
        let fitted = if b < max_tokens { b } else { max_tokens / 2 };
        budget = if fitted >= MIN_THINKING_BUDGET {
            Some(fitted)
        } else {
            notes.push(format!(
                "thinking left off: max_tokens {max_tokens} leaves no room for the \
                 {MIN_THINKING_BUDGET}-token minimum thinking budget"
            ));
            None
        };
    }
    if budget.is_some() {
        if p.temperature.take().is_some() {
            left_out(
                &mut notes,
                "temperature",
                "extended thinking allows only the default",
            );
        }
        if p.top_p.is_some_and(|t| t < 0.95) {
            p.top_p = None;
            left_out(
                &mut notes,
                "top_p",
                "with thinking it must be between 0.95 and 1",
            );
        }
    } else if p.temperature.is_some() && p.top_p.take().is_some() {
        left_out(
            &mut notes,
            "top_p",
            "Anthropic's newer models take temperature or top_p, not both",
        );
    }

    let mut body = Map::new();
    body.insert("model".into(), json!(chat.model));
    body.insert("max_tokens".into(), json!(max_tokens));
    if let Some(system) = system_text(&chat) {
        body.insert("system".into(), json!(system));
    }
    // With thinking off, Messages refuses thinking blocks in a last (prefilled) assistant
    // message; earlier ones it takes and ignores.
    let last = chat.messages.len().saturating_sub(1);
    let messages: Vec<Value> = chat
        .messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| encode_message(m, budget.is_some() || i != last))
        .collect();
    body.insert("messages".into(), Value::Array(messages));
    if chat.stream {
        body.insert("stream".into(), json!(true));
    }
    let p = &chat.params;
    if let Some(t) = p.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(t) = p.top_p {
        body.insert("top_p".into(), json!(t));
    }
    if !p.stop.is_empty() {
        body.insert("stop_sequences".into(), json!(p.stop));
    }
    if let Some(b) = budget {
        body.insert(
            "thinking".into(),
            json!({"type": "enabled", "budget_tokens": b}),
        );
    }
    if !p.tools.is_empty() {
        let tools: Vec<Value> = p
            .tools
            .iter()
            .map(|t| {
                let mut tool = Map::new();
                tool.insert("name".into(), json!(t.name));
                if let Some(d) = &t.description {
                    tool.insert("description".into(), json!(d));
                }
                tool.insert("input_schema".into(), t.parameters.clone());
                Value::Object(tool)
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    deep_merge(&mut body, &p.extra);
    let mut req = HttpRequest::post_json(endpoint.url("v1/messages"), Value::Object(body));
    if chat.stream {
        req.header("Accept", "text/event-stream");
    }
    if !endpoint.has_header("anthropic-version") {
        req.header("anthropic-version", API_VERSION);
    }
    endpoint.apply_headers(&mut req);
    Built {
        request: req,
        notes,
    }
}

/// One neutral message as a Messages message; system messages go to the top-level `system`.
/// Signed reasoning goes back first in the assistant's content, unchanged, as Messages
/// requires when a conversation goes on after a tool call with thinking on (and as it keeps
/// for later turns on newer models); unsigned reasoning is not sent back: Messages refuses
/// a thinking block without its signature. `keep_thinking` false leaves the signed blocks
/// out too (a prefilled last message while thinking is off).
fn encode_message(m: &Message, keep_thinking: bool) -> Option<Value> {
    match m.role {
        Role::System => None,
        Role::User => Some(json!({"role": "user", "content": m.joined_text()})),
        Role::Tool => {
            let results: Vec<Value> = m
                .parts
                .iter()
                .filter_map(|p| match p {
                    Part::ToolResult { call_id, content } => Some(json!({
                        "type": "tool_result", "tool_use_id": call_id, "content": content
                    })),
                    _ => None,
                })
                .collect();
            Some(json!({"role": "user", "content": results}))
        }
        Role::Assistant => {
            let mut signed = Vec::new();
            let mut blocks = Vec::new();
            for p in &m.parts {
                match p {
                    Part::Reasoning {
                        text,
                        signature: Some(signature),
                    } => signed.push(json!({
                        "type": "thinking", "thinking": text, "signature": signature
                    })),
                    Part::RedactedReasoning { data } => {
                        signed.push(json!({"type": "redacted_thinking", "data": data}));
                    }
                    Part::Text { text } if !text.is_empty() => {
                        blocks.push(json!({"type": "text", "text": text}));
                    }
                    Part::ToolCall {
                        id,
                        name,
                        arguments,
                        ..
                    } => blocks.push(json!({
                        "type": "tool_use", "id": id, "name": name,
                        "input": arguments_object(arguments)
                    })),
                    _ => {}
                }
            }
            // A message of thinking alone is refused (its last block cannot be thinking).
            if !keep_thinking || blocks.is_empty() {
                signed.clear();
            }
            let only_text = signed.is_empty() && blocks.iter().all(|b| b["type"] == "text");
            let content = if only_text {
                json!(m.joined_text())
            } else {
                signed.extend(blocks);
                Value::Array(signed)
            };
            Some(json!({"role": "assistant", "content": content}))
        }
    }
}
