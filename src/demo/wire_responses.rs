//! OpenAI Responses as the demo writes it: `response.created`, a `reasoning` item with
//! summary text deltas, a `message` item with `output_text` deltas, each item added and
//! done, and `response.completed` (or `.incomplete`) carrying the usage; every event with
//! its `sequence_number`.

use super::plan::Plan;
use super::wire_messages::event;
use serde_json::{Value, json};

fn usage(plan: &Plan) -> Value {
    let c = &plan.counts;
    json!({
        "input_tokens": c.prompt,
        "input_tokens_details": {"cached_tokens": c.cached},
        "output_tokens": c.completion,
        "output_tokens_details": {"reasoning_tokens": c.reasoning},
        "total_tokens": c.prompt + c.completion,
    })
}

/// The open output item.
#[derive(Debug, Clone)]
struct Open {
    reasoning: bool,
    output_index: usize,
    item_id: String,
    text: String,
}

/// The state of one streamed Response.
#[derive(Debug, Clone)]
pub struct ResponsesWriter {
    id: String,
    model: String,
    created: u64,
    seq: u64,
    open: Option<Open>,
    output: Vec<Value>,
}

impl ResponsesWriter {
    pub fn new(id: &str, created: u64, model: &str) -> Self {
        ResponsesWriter {
            id: format!("resp_demo_{id}"),
            model: model.to_string(),
            created,
            seq: 0,
            open: None,
            output: Vec::new(),
        }
    }

    fn emit(&mut self, buf: &mut Vec<u8>, kind: &str, mut data: Value) {
        if let Value::Object(m) = &mut data {
            m.insert("type".into(), json!(kind));
            m.insert("sequence_number".into(), json!(self.seq));
        }
        self.seq += 1;
        event(buf, kind, &data);
    }

    fn response(&self, status: &str, usage: Value) -> Value {
        json!({
            "id": self.id, "object": "response", "created_at": self.created,
            "status": status, "error": null, "incomplete_details": null,
            "model": self.model, "output": self.output, "usage": usage,
        })
    }

    pub fn start(&mut self, buf: &mut Vec<u8>) {
        let r = self.response("in_progress", Value::Null);
        self.emit(buf, "response.created", json!({ "response": r }));
        self.emit(buf, "response.in_progress", json!({ "response": r }));
    }

    fn open(&mut self, buf: &mut Vec<u8>, reasoning: bool) {
        let output_index = self.output.len();
        let item_id = format!(
            "{}_demo_{}_{output_index}",
            if reasoning { "rs" } else { "msg" },
            self.id
        );
        if reasoning {
            let item = json!({"id": item_id, "type": "reasoning", "summary": []});
            self.emit(
                buf,
                "response.output_item.added",
                json!({"output_index": output_index, "item": item}),
            );
            self.emit(
                buf,
                "response.reasoning_summary_part.added",
                json!({
                "item_id": item_id, "output_index": output_index, "summary_index": 0,
                "part": {"type": "summary_text", "text": ""}}),
            );
        } else {
            let item = json!({"id": item_id, "type": "message", "status": "in_progress",
                "role": "assistant", "content": []});
            self.emit(
                buf,
                "response.output_item.added",
                json!({"output_index": output_index, "item": item}),
            );
            self.emit(
                buf,
                "response.content_part.added",
                json!({
                "item_id": item_id, "output_index": output_index, "content_index": 0,
                "part": {"type": "output_text", "annotations": [], "text": ""}}),
            );
        }
        self.open = Some(Open {
            reasoning,
            output_index,
            item_id,
            text: String::new(),
        });
    }

    fn close(&mut self, buf: &mut Vec<u8>) {
        let Some(o) = self.open.take() else { return };
        let (id, i, text) = (&o.item_id, o.output_index, &o.text);
        let item = if o.reasoning {
            let part = json!({"type": "summary_text", "text": text});
            self.emit(
                buf,
                "response.reasoning_summary_text.done",
                json!({
                "item_id": id, "output_index": i, "summary_index": 0, "text": text}),
            );
            self.emit(
                buf,
                "response.reasoning_summary_part.done",
                json!({
                "item_id": id, "output_index": i, "summary_index": 0, "part": part}),
            );
            json!({"id": id, "type": "reasoning", "summary": [part]})
        } else {
            let part = json!({"type": "output_text", "annotations": [], "text": text});
            self.emit(
                buf,
                "response.output_text.done",
                json!({
                "item_id": id, "output_index": i, "content_index": 0, "text": text}),
            );
            self.emit(
                buf,
                "response.content_part.done",
                json!({
                "item_id": id, "output_index": i, "content_index": 0, "part": part}),
            );
            json!({"id": id, "type": "message", "status": "completed", "role": "assistant",
                "content": [part]})
        };
        self.emit(
            buf,
            "response.output_item.done",
            json!({"output_index": i, "item": item}),
        );
        self.output.push(item);
    }

    /// One token, in a reasoning item or a message item (opening it when needed).
    pub fn token(&mut self, buf: &mut Vec<u8>, reasoning: bool, text: &str) {
        if self.open.as_ref().map(|o| o.reasoning) != Some(reasoning) {
            self.close(buf);
            self.open(buf, reasoning);
        }
        let Some(o) = self.open.as_mut() else { return };
        o.text.push_str(text);
        let (id, i) = (o.item_id.clone(), o.output_index);
        if reasoning {
            self.emit(
                buf,
                "response.reasoning_summary_text.delta",
                json!({
                "item_id": id, "output_index": i, "summary_index": 0, "delta": text}),
            );
        } else {
            self.emit(
                buf,
                "response.output_text.delta",
                json!({
                "item_id": id, "output_index": i, "content_index": 0, "delta": text,
                "logprobs": []}),
            );
        }
    }

    /// Closes the open item, then `response.completed` or, cut by the limit,
    /// `response.incomplete`.
    pub fn finish(&mut self, buf: &mut Vec<u8>, plan: &Plan) {
        if self.output.is_empty() && self.open.is_none() {
            self.open(buf, false);
        }
        self.close(buf);
        let length = plan.finish_reason == "length";
        let mut r = self.response(if length { "incomplete" } else { "completed" }, usage(plan));
        if length {
            r["incomplete_details"] = json!({"reason": "max_output_tokens"});
        }
        let kind = if length {
            "response.incomplete"
        } else {
            "response.completed"
        };
        self.emit(buf, kind, json!({ "response": r }));
    }

    /// The `error` event, then `response.failed`.
    pub fn error(&mut self, buf: &mut Vec<u8>) {
        let (code, message) = (
            "server_error",
            "The model failed mid-answer (demo fault error).",
        );
        self.emit(
            buf,
            "error",
            json!({"code": code, "message": message, "param": null}),
        );
        let mut r = self.response("failed", Value::Null);
        r["error"] = json!({"code": code, "message": message});
        self.emit(buf, "response.failed", json!({ "response": r }));
    }

    /// An `output_text.delta` whose JSON is cut off.
    pub fn malformed(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(
            b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"oops\"\n\n",
        );
    }
}

/// The non-streamed `Response`.
pub fn response(plan: &Plan, id: &str, created: u64) -> Vec<u8> {
    let mut w = ResponsesWriter::new(id, created, plan.model.id);
    let mut scratch = Vec::new();
    let reasoning = plan.reasoning_text();
    if !reasoning.is_empty() {
        w.token(&mut scratch, true, reasoning);
    }
    w.token(&mut scratch, false, &plan.content_text());
    w.close(&mut scratch);
    let length = plan.finish_reason == "length";
    let mut r = w.response(if length { "incomplete" } else { "completed" }, usage(plan));
    if length {
        r["incomplete_details"] = json!({"reason": "max_output_tokens"});
    }
    r.to_string().into_bytes()
}
