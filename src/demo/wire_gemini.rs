//! Gemini as the demo writes it: `data:` lines of `GenerateContentResponse` with CRLF line
//! ends and no terminator (the last chunk carries `finishReason` and the full
//! `usageMetadata`), `thought: true` parts for reasoning, and the mid-stream error as a
//! bare JSON object outside SSE framing, as the real service does.

use super::plan::Plan;
use serde_json::{Value, json};

fn chunk(buf: &mut Vec<u8>, v: &Value) {
    buf.extend_from_slice(b"data: ");
    buf.extend_from_slice(v.to_string().as_bytes());
    buf.extend_from_slice(b"\r\n\r\n");
}

/// The full usage: `promptTokenCount` includes the cached tokens; thoughts apart from
/// candidates.
fn usage(plan: &Plan) -> Value {
    let c = &plan.counts;
    let mut u = json!({
        "promptTokenCount": c.prompt,
        "candidatesTokenCount": c.completion - c.reasoning,
        "totalTokenCount": c.prompt + c.completion,
    });
    if c.cached > 0 {
        u["cachedContentTokenCount"] = json!(c.cached);
    }
    if c.reasoning > 0 {
        u["thoughtsTokenCount"] = json!(c.reasoning);
    }
    u
}

fn finish_reason(plan: &Plan) -> &'static str {
    if plan.finish_reason == "length" {
        "MAX_TOKENS"
    } else {
        "STOP"
    }
}

fn part(reasoning: bool, text: &str) -> Value {
    if reasoning {
        json!({"text": text, "thought": true})
    } else {
        json!({"text": text})
    }
}

/// The state of one streamed answer.
#[derive(Debug, Clone)]
pub struct GeminiWriter {
    id: String,
    model: String,
    /// The usage sent before the end: only the prompt is counted yet.
    early_usage: Value,
}

impl GeminiWriter {
    pub fn new(id: &str, model: &str, plan: &Plan) -> Self {
        let c = &plan.counts;
        let mut early = json!({"promptTokenCount": c.prompt, "totalTokenCount": c.prompt});
        if c.cached > 0 {
            early["cachedContentTokenCount"] = json!(c.cached);
        }
        GeminiWriter {
            id: format!("demo{id}"),
            model: model.to_string(),
            early_usage: early,
        }
    }

    fn response(&self, candidate: Value, usage: &Value) -> Value {
        json!({"candidates": [candidate], "usageMetadata": usage,
            "modelVersion": self.model, "responseId": self.id})
    }

    /// One token as one chunk.
    pub fn token(&mut self, buf: &mut Vec<u8>, reasoning: bool, text: &str) {
        let candidate = json!({"content": {"parts": [part(reasoning, text)], "role": "model"},
            "index": 0});
        chunk(buf, &self.response(candidate, &self.early_usage));
    }

    /// The last chunk: `finishReason` and the full usage.
    pub fn finish(&mut self, buf: &mut Vec<u8>, plan: &Plan) {
        let candidate = json!({"content": {"parts": [{"text": ""}], "role": "model"},
            "finishReason": finish_reason(plan), "index": 0});
        chunk(buf, &self.response(candidate, &usage(plan)));
    }

    /// A bare JSON error object, not framed as `data:`; no `finishReason` came before.
    pub fn error(&mut self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(
            b"{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is overloaded (demo fault error).\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n",
        );
    }

    /// A chunk whose JSON is cut off.
    pub fn malformed(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(
            b"data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"oops\"\r\n\r\n",
        );
    }
}

/// The non-streamed `GenerateContentResponse`.
pub fn generate_content(plan: &Plan, id: &str) -> Vec<u8> {
    let w = GeminiWriter::new(id, plan.model.id, plan);
    let mut parts = Vec::new();
    let reasoning = plan.reasoning_text();
    if !reasoning.is_empty() {
        parts.push(part(true, reasoning));
    }
    parts.push(part(false, &plan.content_text()));
    let candidate = json!({"content": {"parts": parts, "role": "model"},
        "finishReason": finish_reason(plan), "index": 0});
    w.response(candidate, &usage(plan)).to_string().into_bytes()
}
