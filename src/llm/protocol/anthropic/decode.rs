//! The Messages stream decoder, and the decoder of a whole `Message` body.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::llm::event::{Signed, StopReason, StreamEvent};
use crate::llm::money::{Currency, Money};
use crate::llm::protocol::common::{count, decimal_of};
use crate::llm::usage::Usage;

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
                // A whole `Message` body carries the signature on the block itself; a
                // stream starts it empty and sends it as a `signature_delta`.
                push_signature(out, Signed::Reasoning, text("signature"));
                Block::Thinking
            }
            "redacted_thinking" => {
                push_signature(out, Signed::RedactedReasoning, text("data"));
                Block::Other
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
            "signature_delta" => push_signature(out, Signed::Reasoning, text("signature")),
            // citations_delta: nothing to show.
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

fn push_signature(out: &mut Vec<StreamEvent>, of: Signed, signature: &str) {
    if !signature.is_empty() {
        out.push(StreamEvent::Signature {
            of,
            signature: signature.into(),
        });
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
