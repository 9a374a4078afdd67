//! The Responses stream decoder, and the decoder of a whole `Response` body.

use std::collections::HashMap;

use serde_json::Value;

use crate::llm::event::{StopReason, StreamEvent};
use crate::llm::money::{Currency, Money};
use crate::llm::protocol::common::{count, decimal_of};
use crate::llm::usage::Usage;

/// What one output item is, by its `output_index`.
#[derive(Debug, Clone)]
enum Item {
    Message { wrote: bool },
    Tool { index: u32, got_arguments: bool },
    Other,
}

/// The stream decoder: items keyed by `output_index`, text and reasoning summary deltas,
/// tool arguments assembled per call, usage and stop reason from the terminal event.
#[derive(Debug, Default)]
pub struct ResponsesDecoder {
    done: bool,
    items: HashMap<u64, Item>,
    tools: u32,
    wrote_text: bool,
    text_ends_with_newline: bool,
    errored: bool,
    /// The text assembled so far per (output index, content or summary index, is
    /// reasoning): a `.done` event that carries more (a proxy dropped deltas) adds the rest.
    assembled: HashMap<(u64, u64, bool), String>,
}

impl ResponsesDecoder {
    /// Decodes one SSE frame.
    pub fn frame(
        &mut self,
        event: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), String> {
        let data = data.trim();
        if data.is_empty() || data == "[DONE]" {
            return Ok(());
        }
        let v: Value =
            serde_json::from_str(data).map_err(|e| format!("frame is not valid JSON: {e}"))?;
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .or(event)
            .unwrap_or_default();
        self.event(kind, &v, out);
        Ok(())
    }

    fn event(&mut self, kind: &str, v: &Value, out: &mut Vec<StreamEvent>) {
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
        let output_index = count(v, "output_index").unwrap_or(0);
        match kind {
            "response.output_item.added" => {
                if let Some(item) = v.get("item") {
                    self.item_added(output_index, item, out);
                }
            }
            "response.output_text.delta" | "response.refusal.delta" => {
                let key = (output_index, count(v, "content_index").unwrap_or(0), false);
                self.assembled
                    .entry(key)
                    .or_default()
                    .push_str(text("delta"));
                self.text(output_index, text("delta"), out);
            }
            "response.output_text.done" | "response.refusal.done" => {
                let key = (output_index, count(v, "content_index").unwrap_or(0), false);
                let whole = v.get("text").or_else(|| v.get("refusal"));
                if let Some(rest) = self.rest(key, whole) {
                    self.text(output_index, &rest, out);
                }
            }
            // A new summary part is a new paragraph.
            "response.reasoning_summary_part.added"
                if count(v, "summary_index").is_some_and(|i| i > 0) =>
            {
                push(out, false, "\n\n");
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                let key = (output_index, reasoning_index(v), true);
                self.assembled
                    .entry(key)
                    .or_default()
                    .push_str(text("delta"));
                push(out, false, text("delta"));
            }
            "response.reasoning_summary_text.done" | "response.reasoning_text.done" => {
                let key = (output_index, reasoning_index(v), true);
                if let Some(rest) = self.rest(key, v.get("text")) {
                    push(out, false, &rest);
                }
            }
            "response.function_call_arguments.delta" => {
                self.arguments(output_index, text("delta"), false, out);
            }
            "response.function_call_arguments.done" => {
                self.arguments(output_index, text("arguments"), true, out);
            }
            "response.output_item.done" => {
                if let Some(item) = v.get("item") {
                    self.item_done(output_index, item, out);
                }
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                if let Some(r) = v.get("response") {
                    self.terminal(kind, r, out);
                }
                self.done = true;
            }
            "error" => {
                let err = v.get("error").unwrap_or(v);
                self.error(err, out);
            }
            _ => {}
        }
    }

    /// What a `.done` text has beyond the deltas that arrived, when it extends them.
    fn rest(&mut self, key: (u64, u64, bool), whole: Option<&Value>) -> Option<String> {
        let whole = whole?.as_str()?;
        let have = self.assembled.entry(key).or_default();
        let rest = whole.strip_prefix(have.as_str())?.to_string();
        have.push_str(&rest);
        (!rest.is_empty()).then_some(rest)
    }

    fn item_added(&mut self, output_index: u64, item: &Value, out: &mut Vec<StreamEvent>) {
        let kind = item.get("type").and_then(Value::as_str).unwrap_or_default();
        let entry = match kind {
            "message" => Item::Message { wrote: false },
            "function_call" | "custom_tool_call" => {
                let index = self.tools;
                self.tools += 1;
                let field = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
                out.push(StreamEvent::ToolCallDelta {
                    index,
                    id: field("call_id").or_else(|| field("id")),
                    name: field("name"),
                    arguments: String::new(),
                });
                Item::Tool {
                    index,
                    got_arguments: false,
                }
            }
            _ => Item::Other,
        };
        self.items.insert(output_index, entry);
    }

    fn text(&mut self, output_index: u64, delta: &str, out: &mut Vec<StreamEvent>) {
        if delta.is_empty() {
            return;
        }
        let item = self
            .items
            .entry(output_index)
            .or_insert(Item::Message { wrote: false });
        if let Item::Message { wrote } = item {
            // A second message item is a new paragraph, not a run-on of the first.
            if !*wrote && self.wrote_text && !self.text_ends_with_newline {
                push(out, true, "\n\n");
            }
            *wrote = true;
        }
        self.wrote_text = true;
        self.text_ends_with_newline = delta.ends_with('\n');
        push(out, true, delta);
    }

    /// Fragments as they come; a `.done` (or the item's `arguments` at `output_item.done`)
    /// only when no fragment came, so the call's arguments are sent once.
    fn arguments(
        &mut self,
        output_index: u64,
        text: &str,
        whole: bool,
        out: &mut Vec<StreamEvent>,
    ) {
        let Some(Item::Tool {
            index,
            got_arguments,
        }) = self.items.get_mut(&output_index)
        else {
            return;
        };
        if (whole && *got_arguments) || (text.is_empty() && !whole) {
            return;
        }
        *got_arguments = true;
        out.push(StreamEvent::ToolCallDelta {
            index: *index,
            id: None,
            name: None,
            arguments: if text.is_empty() {
                "{}".into()
            } else {
                text.into()
            },
        });
    }

    fn item_done(&mut self, output_index: u64, item: &Value, out: &mut Vec<StreamEvent>) {
        match self.items.get(&output_index) {
            Some(Item::Tool { .. }) => {
                let args = item.get("arguments").and_then(Value::as_str).unwrap_or("");
                self.arguments(output_index, args, true, out);
            }
            Some(Item::Message { wrote: false }) => {
                // A proxy that sends whole items without deltas.
                for part in item
                    .get("content")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let t = part
                        .get("text")
                        .or_else(|| part.get("refusal"))
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    self.text(output_index, t, out);
                }
            }
            _ => {}
        }
    }

    fn terminal(&mut self, kind: &str, r: &Value, out: &mut Vec<StreamEvent>) {
        if kind == "response.failed" {
            let err = r.get("error").filter(|e| !e.is_null()).unwrap_or(r);
            self.error(err, out);
        } else {
            let reason = if kind == "response.incomplete" {
                match r
                    .pointer("/incomplete_details/reason")
                    .and_then(Value::as_str)
                {
                    Some("max_output_tokens") => StopReason::Length,
                    Some("content_filter") => StopReason::ContentFilter,
                    Some(other) => StopReason::Other(other.to_string()),
                    None => StopReason::Other("incomplete".into()),
                }
            } else if self.tools > 0 {
                StopReason::ToolCalls
            } else {
                StopReason::Stop
            };
            out.push(StreamEvent::Finished { reason });
        }
        if let Some(u) = r.get("usage").filter(|u| u.is_object()) {
            out.push(StreamEvent::Usage { usage: usage(u) });
        }
    }

    /// An `error` event and the `response.failed` after it are one failure: reported once.
    fn error(&mut self, err: &Value, out: &mut Vec<StreamEvent>) {
        if self.errored {
            return;
        }
        self.errored = true;
        let field = |k: &str| err.get(k).and_then(Value::as_str).map(str::to_string);
        out.push(StreamEvent::ProviderError {
            message: field("message").unwrap_or_else(|| "the response failed".into()),
            code: field("code").or_else(|| field("type")),
        });
    }

    /// Decodes a whole non-streamed `Response` body.
    pub fn body(&mut self, body: &str, out: &mut Vec<StreamEvent>) -> Result<(), String> {
        let v: Value =
            serde_json::from_str(body).map_err(|e| format!("body is not valid JSON: {e}"))?;
        if let Some(err) = v.get("error").filter(|e| e.is_object())
            && v.get("output").is_none()
        {
            self.error(err, out);
            self.done = true;
            return Ok(());
        }
        let output = v.get("output").and_then(Value::as_array);
        for (i, item) in output.into_iter().flatten().enumerate() {
            let i = i as u64;
            self.item_added(i, item, out);
            if item.get("type").and_then(Value::as_str) == Some("reasoning") {
                for s in item
                    .get("summary")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    push(
                        out,
                        false,
                        s.get("text").and_then(Value::as_str).unwrap_or(""),
                    );
                }
            }
            self.item_done(i, item, out);
        }
        let kind = match v.get("status").and_then(Value::as_str) {
            Some("incomplete") => "response.incomplete",
            Some("failed") => "response.failed",
            _ => "response.completed",
        };
        self.terminal(kind, &v, out);
        self.done = true;
        Ok(())
    }

    /// True once `response.completed`, `.incomplete` or `.failed` arrived.
    pub fn is_complete(&self) -> bool {
        self.done
    }
}

/// The index of a reasoning text within its item: summary parts, or the raw text's part.
fn reasoning_index(v: &Value) -> u64 {
    count(v, "summary_index")
        .or_else(|| count(v, "content_index"))
        .unwrap_or(0)
}

fn push(out: &mut Vec<StreamEvent>, answer: bool, text: &str) {
    if text.is_empty() {
        return;
    }
    out.push(if answer {
        StreamEvent::TextDelta { text: text.into() }
    } else {
        StreamEvent::ReasoningDelta { text: text.into() }
    });
}

/// Responses usage: `input_tokens` counts cached ones, `output_tokens` reasoning ones.
fn usage(u: &Value) -> Usage {
    Usage {
        input: count(u, "input_tokens").unwrap_or(0),
        cached_read: u
            .pointer("/input_tokens_details/cached_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        cache_write: 0,
        output: count(u, "output_tokens").unwrap_or(0),
        reasoning: u
            .pointer("/output_tokens_details/reasoning_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        // Gateways that bill in credits add `usage.cost`, as on Chat.
        provider_cost: u.get("cost").and_then(decimal_of).map(|amount| Money {
            amount,
            currency: Currency::Credits,
        }),
        raw: Some(u.clone()),
        ..Usage::default()
    }
}
