//! Anthropic Messages: `POST {base}/v1/messages`, the base being the host alone
//! (`https://api.anthropic.com`), as the official SDK takes it.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::Endpoint;
use super::common::{arguments_object, count, decimal_of, deep_merge, system_text};
use super::params::{self, Built, ModelTraits, left_out};
use crate::llm::chat::{ChatRequest, Message, Part, ReasoningEffort, Role};
use crate::llm::event::{StopReason, StreamEvent};
use crate::llm::http::HttpRequest;
use crate::llm::money::{Currency, Money};
use crate::llm::usage::Usage;

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
    let messages: Vec<Value> = chat.messages.iter().filter_map(encode_message).collect();
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
/// Reasoning parts are not sent back: Messages needs them with their signature.
fn encode_message(m: &Message) -> Option<Value> {
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
            let mut blocks = Vec::new();
            for p in &m.parts {
                match p {
                    Part::Text { text } if !text.is_empty() => {
                        blocks.push(json!({"type": "text", "text": text}));
                    }
                    Part::ToolCall {
                        id,
                        name,
                        arguments,
                    } => blocks.push(json!({
                        "type": "tool_use", "id": id, "name": name,
                        "input": arguments_object(arguments)
                    })),
                    _ => {}
                }
            }
            let only_text = blocks.iter().all(|b| b["type"] == "text");
            let content = if only_text {
                json!(m.joined_text())
            } else {
                Value::Array(blocks)
            };
            Some(json!({"role": "assistant", "content": content}))
        }
    }
}

/// What a content block is, by its index.
#[derive(Debug, Clone)]
enum Block {
    Text,
    Thinking,
    /// A tool call: its position among the answer's tool calls, whether any argument
    /// fragment arrived, and the `input` the start event carried.
    Tool {
        index: u32,
        got_arguments: bool,
        input: Value,
    },
    Other,
}

/// The stream decoder: dispatches on the `event:` name (the payload's `type` when a proxy
/// dropped the name), assembles tool arguments by block, and keeps usage cumulative.
#[derive(Debug, Default)]
pub struct MessagesDecoder {
    started: bool,
    stopped: bool,
    blocks: HashMap<u64, Block>,
    tools: u32,
    /// The latest value of each usage field: `message_delta` restates them.
    input: u64,
    cache_write: u64,
    cache_read: u64,
    output: u64,
    cache_write_1h: u64,
    /// The usage objects as sent, merged: `message_delta` restates only some fields.
    raw: Option<Value>,
    /// A gateway's own `usage.cost`, when it sends one.
    cost: Option<Money>,
}

impl MessagesDecoder {
    /// Decodes one SSE frame.
    pub fn frame(
        &mut self,
        event: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), String> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(());
        }
        let v: Value =
            serde_json::from_str(data).map_err(|e| format!("frame is not valid JSON: {e}"))?;
        let kind = event
            .or_else(|| v.get("type").and_then(Value::as_str))
            .unwrap_or_default();
        self.event(kind, &v, out);
        Ok(())
    }

    fn event(&mut self, kind: &str, v: &Value, out: &mut Vec<StreamEvent>) {
        match kind {
            // Proxies in the wild repeat it: the first one counts.
            "message_start" if !self.started => {
                self.started = true;
                if let Some(u) = v.pointer("/message/usage") {
                    self.usage(u, out);
                }
            }
            "content_block_start" => self.block_start(v, out),
            "content_block_delta" => self.block_delta(v, out),
            "content_block_stop" => self.block_stop(v, out),
            "message_delta" => {
                if let Some(reason) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    out.push(StreamEvent::Finished {
                        reason: stop_reason(reason),
                    });
                }
                if let Some(u) = v.get("usage") {
                    self.usage(u, out);
                }
            }
            "message_stop" => self.stopped = true,
            "error" => out.push(error_event(v)),
            _ => {}
        }
    }

    fn block_start(&mut self, v: &Value, out: &mut Vec<StreamEvent>) {
        let index = count(v, "index").unwrap_or(0);
        let Some(cb) = v.get("content_block") else {
            return;
        };
        let text = |k: &str| cb.get(k).and_then(Value::as_str).unwrap_or_default();
        let block = match cb.get("type").and_then(Value::as_str).unwrap_or_default() {
            "text" => {
                push_text(out, text("text"));
                Block::Text
            }
            "thinking" => {
                push_reasoning(out, text("thinking"));
                Block::Thinking
            }
            "tool_use" | "server_tool_use" => {
                let tool = self.tools;
                self.tools += 1;
                out.push(StreamEvent::ToolCallDelta {
                    index: tool,
                    id: cb.get("id").and_then(Value::as_str).map(str::to_string),
                    name: cb.get("name").and_then(Value::as_str).map(str::to_string),
                    arguments: String::new(),
                });
                Block::Tool {
                    index: tool,
                    got_arguments: false,
                    input: cb.get("input").cloned().unwrap_or(Value::Null),
                }
            }
            _ => Block::Other,
        };
        self.blocks.insert(index, block);
    }

    fn block_delta(&mut self, v: &Value, out: &mut Vec<StreamEvent>) {
        let index = count(v, "index").unwrap_or(0);
        let Some(delta) = v.get("delta") else { return };
        let text = |k: &str| delta.get(k).and_then(Value::as_str).unwrap_or_default();
        match delta
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "text_delta" => push_text(out, text("text")),
            "thinking_delta" => push_reasoning(out, text("thinking")),
            "input_json_delta" => {
                let fragment = text("partial_json");
                if let Some(Block::Tool {
                    index: tool,
                    got_arguments,
                    ..
                }) = self.blocks.get_mut(&index)
                    && !fragment.is_empty()
                {
                    *got_arguments = true;
                    out.push(StreamEvent::ToolCallDelta {
                        index: *tool,
                        id: None,
                        name: None,
                        arguments: fragment.to_string(),
                    });
                }
            }
            // signature_delta, citations_delta: nothing to show.
            _ => {}
        }
    }

    /// A tool block that got no argument fragment ends with its start `input` (`{}` for a
    /// call without arguments), so the assembled arguments are always JSON.
    fn block_stop(&mut self, v: &Value, out: &mut Vec<StreamEvent>) {
        let index = count(v, "index").unwrap_or(0);
        if let Some(Block::Tool {
            index: tool,
            got_arguments: false,
            input,
        }) = self.blocks.remove(&index)
        {
            let arguments = match input {
                Value::Object(_) => input.to_string(),
                _ => "{}".to_string(),
            };
            out.push(StreamEvent::ToolCallDelta {
                index: tool,
                id: None,
                name: None,
                arguments,
            });
        }
    }

    fn usage(&mut self, u: &Value, out: &mut Vec<StreamEvent>) {
        let fields = [
            ("input_tokens", &mut self.input),
            ("cache_creation_input_tokens", &mut self.cache_write),
            ("cache_read_input_tokens", &mut self.cache_read),
            ("output_tokens", &mut self.output),
        ];
        for (key, slot) in fields {
            if let Some(n) = count(u, key) {
                *slot = n;
            }
        }
        if let Some(n) = u
            .pointer("/cache_creation/ephemeral_1h_input_tokens")
            .and_then(Value::as_u64)
        {
            self.cache_write_1h = n;
        }
        match (&mut self.raw, u) {
            (Some(Value::Object(have)), Value::Object(more)) => {
                have.extend(more.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => self.raw = Some(u.clone()),
        }
        if let Some(amount) = u.get("cost").and_then(decimal_of) {
            self.cost = Some(Money {
                amount,
                currency: Currency::Credits,
            });
        }
        out.push(StreamEvent::Usage {
            usage: Usage {
                // Messages counts cache reads and writes apart from input_tokens.
                input: self.input + self.cache_write + self.cache_read,
                cached_read: self.cache_read,
                cache_write: self.cache_write,
                output: self.output,
                reasoning: 0,
                provider_cost: self.cost.clone(),
                cache_write_1h: self.cache_write_1h,
                raw: self.raw.clone(),
            },
        });
    }

    /// Decodes a whole non-streamed `Message` body.
    pub fn body(&mut self, body: &str, out: &mut Vec<StreamEvent>) -> Result<(), String> {
        let v: Value =
            serde_json::from_str(body).map_err(|e| format!("body is not valid JSON: {e}"))?;
        if v.get("type").and_then(Value::as_str) == Some("error") {
            out.push(error_event(&v));
            self.stopped = true;
            return Ok(());
        }
        for (i, block) in v
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let index = json!(i);
            self.block_start(&json!({"index": index, "content_block": block}), out);
            if block.get("type").and_then(Value::as_str) == Some("tool_use") {
                self.block_stop(&json!({"index": index}), out);
            }
        }
        if let Some(reason) = v.get("stop_reason").and_then(Value::as_str) {
            out.push(StreamEvent::Finished {
                reason: stop_reason(reason),
            });
        }
        if let Some(u) = v.get("usage") {
            self.usage(u, out);
        }
        self.stopped = true;
        Ok(())
    }

    /// True once `message_stop` arrived.
    pub fn is_complete(&self) -> bool {
        self.stopped
    }
}

fn push_text(out: &mut Vec<StreamEvent>, text: &str) {
    if !text.is_empty() {
        out.push(StreamEvent::TextDelta { text: text.into() });
    }
}

fn push_reasoning(out: &mut Vec<StreamEvent>, text: &str) {
    if !text.is_empty() {
        out.push(StreamEvent::ReasoningDelta { text: text.into() });
    }
}

/// `{"type":"error","error":{"type","message"}}`, in a stream or as a body.
fn error_event(v: &Value) -> StreamEvent {
    let err = v.get("error").unwrap_or(v);
    StreamEvent::ProviderError {
        message: err
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("unknown error")
            .to_string(),
        code: err.get("type").and_then(Value::as_str).map(str::to_string),
    }
}

/// Maps `stop_reason`.
pub fn stop_reason(s: &str) -> StopReason {
    match s {
        "end_turn" => StopReason::Stop,
        "max_tokens" => StopReason::Length,
        "stop_sequence" => StopReason::StopSequence,
        "tool_use" => StopReason::ToolCalls,
        "refusal" => StopReason::Refusal,
        other => StopReason::Other(other.to_string()),
    }
}
