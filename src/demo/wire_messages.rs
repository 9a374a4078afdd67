//! Anthropic Messages as the demo writes it: `event:` + `data:` pairs (`message_start`,
//! `ping`, a `thinking` block with its `signature_delta`, a `text` block, `message_delta`
//! with the cumulative usage, `message_stop`), and the non-streamed `Message`.

use super::plan::Plan;
use serde_json::{Value, json};

/// Appends one SSE event with its name.
pub fn event(buf: &mut Vec<u8>, name: &str, data: &Value) {
    buf.extend_from_slice(b"event: ");
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(b"\ndata: ");
    buf.extend_from_slice(data.to_string().as_bytes());
    buf.extend_from_slice(b"\n\n");
}

/// A stand-in for the thinking block's signature, the same for the same answer.
fn signature(id: &str) -> String {
    format!("ZGVtby1zaWduYXR1cmU{}", id.len())
}

fn stop_reason(plan: &Plan) -> &'static str {
    if plan.finish_reason == "length" {
        "max_tokens"
    } else {
        "end_turn"
    }
}

/// Input usage as Messages counts it: cache reads apart from `input_tokens`.
fn usage(plan: &Plan, output: u64) -> Value {
    let c = &plan.counts;
    json!({
        "input_tokens": c.prompt - c.cached,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": c.cached,
        "output_tokens": output,
    })
}

/// The state of one streamed Message: which content block is open.
#[derive(Debug, Clone)]
pub struct MessagesWriter {
    id: String,
    model: String,
    /// The open block: its index and whether it is thinking.
    open: Option<(usize, bool)>,
    next_index: usize,
}

impl MessagesWriter {
    pub fn new(id: &str, model: &str) -> Self {
        MessagesWriter {
            id: format!("msg_demo_{id}"),
            model: model.to_string(),
            open: None,
            next_index: 0,
        }
    }

    /// `message_start` (usage with a placeholder output count, as the real API) and a ping.
    pub fn start(&mut self, buf: &mut Vec<u8>, plan: &Plan) {
        event(
            buf,
            "message_start",
            &json!({"type": "message_start", "message": {
                "id": self.id, "type": "message", "role": "assistant", "model": self.model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": usage(plan, 1),
            }}),
        );
        event(buf, "ping", &json!({"type": "ping"}));
    }

    fn close(&mut self, buf: &mut Vec<u8>) {
        if let Some((index, thinking)) = self.open.take() {
            if thinking {
                event(
                    buf,
                    "content_block_delta",
                    &json!({"type": "content_block_delta", "index": index,
                        "delta": {"type": "signature_delta", "signature": signature(&self.id)}}),
                );
            }
            event(
                buf,
                "content_block_stop",
                &json!({"type": "content_block_stop", "index": index}),
            );
        }
    }

    fn open(&mut self, buf: &mut Vec<u8>, thinking: bool) {
        let index = self.next_index;
        self.next_index += 1;
        let block = if thinking {
            json!({"type": "thinking", "thinking": "", "signature": ""})
        } else {
            json!({"type": "text", "text": ""})
        };
        event(
            buf,
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": block}),
        );
        self.open = Some((index, thinking));
    }

    /// One token, in a thinking block or a text block (opening it when needed).
    pub fn token(&mut self, buf: &mut Vec<u8>, reasoning: bool, text: &str) {
        if self.open.map(|(_, t)| t) != Some(reasoning) {
            self.close(buf);
            self.open(buf, reasoning);
        }
        let index = self.open.map_or(0, |(i, _)| i);
        let delta = if reasoning {
            json!({"type": "thinking_delta", "thinking": text})
        } else {
            json!({"type": "text_delta", "text": text})
        };
        event(
            buf,
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": index, "delta": delta}),
        );
    }

    /// Closes the open block, then `message_delta` (stop reason, usage) and `message_stop`.
    pub fn finish(&mut self, buf: &mut Vec<u8>, plan: &Plan) {
        if self.next_index == 0 {
            self.open(buf, false);
        }
        self.close(buf);
        event(
            buf,
            "message_delta",
            &json!({"type": "message_delta",
                "delta": {"stop_reason": stop_reason(plan), "stop_sequence": null},
                "usage": usage(plan, plan.counts.completion)}),
        );
        event(buf, "message_stop", &json!({"type": "message_stop"}));
    }

    /// The in-stream error event; no `message_stop` follows.
    pub fn error(&mut self, buf: &mut Vec<u8>) {
        event(
            buf,
            "error",
            &json!({"type": "error", "error": {"type": "overloaded_error",
                "message": "Overloaded (demo fault error)"}}),
        );
    }

    /// A `content_block_delta` whose JSON is cut off.
    pub fn malformed(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(
            b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"oops\"\n\n",
        );
    }
}

/// The non-streamed `Message`.
pub fn message(plan: &Plan, id: &str) -> Vec<u8> {
    let mut content = Vec::new();
    let reasoning = plan.reasoning_text();
    let id = format!("msg_demo_{id}");
    if !reasoning.is_empty() {
        content
            .push(json!({"type": "thinking", "thinking": reasoning, "signature": signature(&id)}));
    }
    content.push(json!({"type": "text", "text": plan.content_text()}));
    json!({
        "id": id, "type": "message", "role": "assistant", "model": plan.model.id,
        "content": content, "stop_reason": stop_reason(plan), "stop_sequence": null,
        "usage": usage(plan, plan.counts.completion),
    })
    .to_string()
    .into_bytes()
}
