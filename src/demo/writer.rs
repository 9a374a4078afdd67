//! One stream writer per protocol behind one interface, so the pacing and the faults in
//! `stream.rs` work the same over all four.

use super::dialect::Dialect;
use super::plan::Plan;
use super::wire::{ChunkWriter, Completion, DONE, MALFORMED_FRAME, push_json_str, usage_json};
use super::wire_gemini::{self, GeminiWriter};
use super::wire_messages::{self, MessagesWriter};
use super::wire_responses::{self, ResponsesWriter};

/// The writer of one streamed answer.
#[derive(Debug, Clone)]
pub enum Writer {
    Chat(ChunkWriter),
    Messages(MessagesWriter),
    Responses(ResponsesWriter),
    Gemini(GeminiWriter),
}

impl Writer {
    /// `id` is unique to the response; each protocol adds its own prefix.
    pub fn new(dialect: Dialect, plan: &Plan, id: &str, created: u64) -> Writer {
        let model = plan.model.id;
        match dialect {
            Dialect::Chat => Writer::Chat(ChunkWriter::new(
                &format!("chatcmpl-demo-{id}"),
                created,
                model,
            )),
            Dialect::Messages => Writer::Messages(MessagesWriter::new(id, model)),
            Dialect::Responses => Writer::Responses(ResponsesWriter::new(id, created, model)),
            Dialect::Gemini => Writer::Gemini(GeminiWriter::new(id, model, plan)),
        }
    }

    /// What comes before the first token.
    pub fn start(&mut self, buf: &mut Vec<u8>, plan: &Plan) {
        match self {
            Writer::Chat(w) => w.role(buf),
            Writer::Messages(w) => w.start(buf, plan),
            Writer::Responses(w) => w.start(buf),
            Writer::Gemini(_) => {}
        }
    }

    /// One token of reasoning or answer.
    pub fn token(&mut self, buf: &mut Vec<u8>, reasoning: bool, text: &str) {
        match self {
            Writer::Chat(w) => w.token(buf, reasoning, text),
            Writer::Messages(w) => w.token(buf, reasoning, text),
            Writer::Responses(w) => w.token(buf, reasoning, text),
            Writer::Gemini(w) => w.token(buf, reasoning, text),
        }
    }

    /// Everything after the last token, through the protocol's end marker.
    pub fn finish(&mut self, buf: &mut Vec<u8>, plan: &Plan) {
        match self {
            Writer::Chat(w) => {
                w.finish(buf, plan.finish_reason);
                if plan.include_usage {
                    w.usage(buf, &usage_json(plan.model, &plan.counts));
                }
                buf.extend_from_slice(DONE);
            }
            Writer::Messages(w) => w.finish(buf, plan),
            Writer::Responses(w) => w.finish(buf, plan),
            Writer::Gemini(w) => w.finish(buf, plan),
        }
    }

    /// The protocol's in-stream error; the stream ends after it, without an end marker.
    pub fn error(&mut self, buf: &mut Vec<u8>) {
        match self {
            Writer::Chat(_) => {
                buf.extend_from_slice(b"data: {\"error\":{\"message\":");
                push_json_str(
                    buf,
                    "The upstream model failed mid-answer (demo fault error).",
                );
                buf.extend_from_slice(
                    b",\"type\":\"server_error\",\"code\":\"upstream_error\"}}\n\n",
                );
            }
            Writer::Messages(w) => w.error(buf),
            Writer::Responses(w) => w.error(buf),
            Writer::Gemini(w) => w.error(buf),
        }
    }

    /// A frame whose JSON is cut off.
    pub fn malformed(&self, buf: &mut Vec<u8>) {
        match self {
            Writer::Chat(_) => buf.extend_from_slice(MALFORMED_FRAME),
            Writer::Messages(w) => w.malformed(buf),
            Writer::Responses(w) => w.malformed(buf),
            Writer::Gemini(w) => w.malformed(buf),
        }
    }
}

/// The whole non-streamed answer body of `dialect`.
pub fn completion_body(dialect: Dialect, plan: &Plan, id: &str, created: u64) -> Vec<u8> {
    match dialect {
        Dialect::Chat => {
            let content = plan.content_text();
            let usage = usage_json(plan.model, &plan.counts);
            Completion {
                id: &format!("chatcmpl-demo-{id}"),
                created,
                model: plan.model.id,
                content: &content,
                reasoning: plan.model.reasoning.then(|| plan.reasoning_text()),
                finish_reason: plan.finish_reason,
                usage: &usage,
            }
            .to_json()
        }
        Dialect::Messages => wire_messages::message(plan, id),
        Dialect::Responses => wire_responses::response(plan, id, created),
        Dialect::Gemini => wire_gemini::generate_content(plan, id),
    }
}
