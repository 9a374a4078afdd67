//! Gemini: `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse` (and
//! `:generateContent`), the base being the host alone
//! (`https://generativelanguage.googleapis.com`), as the official SDK takes it.

use serde_json::{Map, Value, json};

use super::Endpoint;
use super::common::{arguments_object, count, deep_merge, system_text, tool_name_of};
use super::params::{self, Built, ModelTraits};
use crate::llm::chat::{ChatRequest, Message, Part, ReasoningEffort, Role};
use crate::llm::event::{Signed, StopReason, StreamEvent};
use crate::llm::http::HttpRequest;
use crate::llm::usage::Usage;

/// Builds the request with what the model id alone says about the model.
pub fn build_request(endpoint: &Endpoint, chat: &ChatRequest) -> HttpRequest {
    build(endpoint, chat, &ModelTraits::guess(&chat.model)).request
}

/// The path of a model's method: `v1beta/models/{model}:{method}`.
pub fn model_path(model: &str, method: &str) -> String {
    let id = model.strip_prefix("models/").unwrap_or(model);
    format!("v1beta/models/{id}:{method}")
}

/// Builds the request: `contents` with roles `user`/`model`, `systemInstruction`,
/// `generationConfig` (with `thinkingConfig` from the effort), function declarations. A
/// streamed request always asks for `alt=sse`: without it the answer is one JSON array.
pub fn build(endpoint: &Endpoint, chat: &ChatRequest, traits: &ModelTraits) -> Built {
    let mut chat = chat.clone();
    let mut notes = Vec::new();
    params::drop_unsupported(&mut chat, traits, &mut notes);
    params::drop_effort_if_not_reasoning(&mut chat, traits, &mut notes);
    let mut body = Map::new();
    let contents: Vec<Value> = chat
        .messages
        .iter()
        .filter_map(|m| encode_message(&chat, m))
        .collect();
    body.insert("contents".into(), Value::Array(contents));
    if let Some(system) = system_text(&chat) {
        body.insert(
            "systemInstruction".into(),
            json!({"parts": [{"text": system}]}),
        );
    }
    let p = &chat.params;
    let mut config = Map::new();
    if let Some(n) = p.max_tokens {
        config.insert("maxOutputTokens".into(), json!(n));
    }
    if let Some(t) = p.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if let Some(t) = p.top_p {
        config.insert("topP".into(), json!(t));
    }
    if !p.stop.is_empty() {
        config.insert("stopSequences".into(), json!(p.stop));
    }
    if let Some(s) = p.seed {
        config.insert("seed".into(), json!(s));
    }
    if let Some(f) = &p.response_format {
        match f.get("type").and_then(Value::as_str) {
            Some("json_object") => {
                config.insert("responseMimeType".into(), json!("application/json"));
            }
            Some("json_schema") => {
                config.insert("responseMimeType".into(), json!("application/json"));
                if let Some(schema) = f.pointer("/json_schema/schema") {
                    config.insert("responseJsonSchema".into(), schema.clone());
                }
            }
            _ => params::left_out(
                &mut notes,
                "response_format",
                "Gemini takes only JSON output formats",
            ),
        }
    }
    if let Some(thinking) = thinking_config(&chat.model, p.reasoning_effort, traits) {
        config.insert("thinkingConfig".into(), thinking);
    }
    if !config.is_empty() {
        body.insert("generationConfig".into(), Value::Object(config));
    }
    if !p.tools.is_empty() {
        let declarations: Vec<Value> = p
            .tools
            .iter()
            .map(|t| {
                let mut d = Map::new();
                d.insert("name".into(), json!(t.name));
                if let Some(desc) = &t.description {
                    d.insert("description".into(), json!(desc));
                }
                d.insert("parameters".into(), schema_for_gemini(&t.parameters));
                Value::Object(d)
            })
            .collect();
        body.insert(
            "tools".into(),
            json!([{ "functionDeclarations": declarations }]),
        );
    }
    deep_merge(&mut body, &p.extra);
    let path = if chat.stream {
        format!(
            "{}?alt=sse",
            model_path(&chat.model, "streamGenerateContent")
        )
    } else {
        model_path(&chat.model, "generateContent")
    };
    let mut req = HttpRequest::post_json(endpoint.url(&path), Value::Object(body));
    if chat.stream {
        req.header("Accept", "text/event-stream");
    }
    endpoint.apply_headers(&mut req);
    Built {
        request: req,
        notes,
    }
}

/// The effort as Gemini's thinking settings: `thinkingLevel` on Gemini 3, a
/// `thinkingBudget` before; thoughts are shown whenever the model reasons.
pub fn thinking_config(
    model: &str,
    effort: Option<ReasoningEffort>,
    traits: &ModelTraits,
) -> Option<Value> {
    let Some(effort) = effort else {
        return (traits.reasoning == Some(true)).then(|| json!({"includeThoughts": true}));
    };
    if model.contains("gemini-3") {
        let level = match effort {
            ReasoningEffort::Minimal | ReasoningEffort::Low => "low",
            ReasoningEffort::Medium | ReasoningEffort::High => "high",
        };
        return Some(json!({"thinkingLevel": level, "includeThoughts": true}));
    }
    let budget = match effort {
        // Pro models cannot switch thinking off; 128 is their least.
        ReasoningEffort::Minimal if model.contains("pro") => 128,
        ReasoningEffort::Minimal => 0,
        ReasoningEffort::Low => 1024,
        ReasoningEffort::Medium => 8192,
        ReasoningEffort::High => 24576,
    };
    Some(json!({"thinkingBudget": budget, "includeThoughts": budget > 0}))
}

/// A JSON Schema as function `parameters`: Gemini's OpenAPI subset spells types in capitals
/// and rejects `$schema` and `additionalProperties`.
pub fn schema_for_gemini(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$schema" | "additionalProperties" | "$id" | "$comment", _) => {}
                    ("type", Value::String(t)) => {
                        out.insert(k.clone(), json!(t.to_ascii_uppercase()));
                    }
                    // Property names are the user's, not schema keywords.
                    ("properties", Value::Object(props)) => {
                        let props: Map<String, Value> = props
                            .iter()
                            .map(|(name, s)| (name.clone(), schema_for_gemini(s)))
                            .collect();
                        out.insert(k.clone(), Value::Object(props));
                    }
                    _ => {
                        out.insert(k.clone(), schema_for_gemini(v));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(schema_for_gemini).collect()),
        other => other.clone(),
    }
}

/// One neutral message as a Gemini `content`; system messages go to `systemInstruction`.
fn encode_message(chat: &ChatRequest, m: &Message) -> Option<Value> {
    let mut parts = Vec::new();
    for p in &m.parts {
        match p {
            Part::Text { text } if !text.is_empty() => parts.push(json!({"text": text})),
            Part::ToolCall {
                name,
                arguments,
                signature,
                ..
            } => {
                let mut part = json!({"functionCall": {
                    "name": name, "args": arguments_object(arguments)
                }});
                // Gemini refuses a function call of the current turn without the signature
                // it came with, on the same part.
                if let (Some(s), Some(obj)) = (signature, part.as_object_mut()) {
                    obj.insert("thoughtSignature".into(), json!(s));
                }
                parts.push(part);
            }
            Part::ToolResult { call_id, content } => {
                let name = tool_name_of(chat, call_id).unwrap_or_else(|| call_id.clone());
                let response = match serde_json::from_str::<Value>(content) {
                    Ok(v @ Value::Object(_)) => v,
                    _ => json!({"result": content}),
                };
                parts.push(json!({"functionResponse": {"name": name, "response": response}}));
            }
            _ => {}
        }
    }
    let role = match m.role {
        Role::System => return None,
        Role::Assistant => "model",
        Role::User | Role::Tool => "user",
    };
    if parts.is_empty() {
        parts.push(json!({"text": ""}));
    }
    Some(json!({"role": role, "parts": parts}))
}

/// The stream decoder. Gemini has no end marker: the stream is complete once a
/// `finishReason` (or a prompt block) arrived. `usageMetadata` is cumulative and repeated;
/// it is reported when it changes.
#[derive(Debug, Default)]
pub struct GeminiDecoder {
    finished: bool,
    tools: u32,
    last_usage: Option<Usage>,
    errored: bool,
}

impl GeminiDecoder {
    /// Decodes one SSE frame (one `GenerateContentResponse`).
    pub fn frame(
        &mut self,
        _event: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), String> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(());
        }
        let v: Value =
            serde_json::from_str(data).map_err(|e| format!("frame is not valid JSON: {e}"))?;
        self.value(&v, out);
        Ok(())
    }

    /// Bytes of the body outside SSE framing, given at the end: Gemini may end a stream
    /// with a bare JSON error object that an SSE parser skips.
    pub fn trailing(&mut self, stray: &str, out: &mut Vec<StreamEvent>) {
        if let Ok(v) = serde_json::from_str::<Value>(stray.trim())
            && v.get("error").is_some()
        {
            self.value(&v, out);
        }
    }

    /// Decodes a whole `generateContent` body (or the JSON array a stream without
    /// `alt=sse` sends).
    pub fn body(&mut self, body: &str, out: &mut Vec<StreamEvent>) -> Result<(), String> {
        let v: Value =
            serde_json::from_str(body).map_err(|e| format!("body is not valid JSON: {e}"))?;
        self.value(&v, out);
        if !self.finished && self.errored {
            self.finished = true;
        }
        Ok(())
    }

    fn value(&mut self, v: &Value, out: &mut Vec<StreamEvent>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| self.chunk(i, out)),
            other => self.chunk(other, out),
        }
    }

    fn chunk(&mut self, v: &Value, out: &mut Vec<StreamEvent>) {
        if let Some(err) = v.get("error") {
            if !self.errored {
                self.errored = true;
                let field = |k: &str| err.get(k).and_then(Value::as_str).map(str::to_string);
                out.push(StreamEvent::ProviderError {
                    message: field("message").unwrap_or_else(|| err.to_string()),
                    code: field("status").or_else(|| count(err, "code").map(|c| c.to_string())),
                });
            }
            return;
        }
        let candidate = v
            .get("candidates")
            .and_then(Value::as_array)
            .and_then(|c| c.iter().find(|c| count(c, "index").unwrap_or(0) == 0));
        if let Some(c) = candidate {
            let parts = c.pointer("/content/parts").and_then(Value::as_array);
            for part in parts.into_iter().flatten() {
                self.part(part, out);
            }
            if let Some(reason) = c.get("finishReason").and_then(Value::as_str) {
                self.finish(self.stop_reason(reason), out);
            }
        } else if v.pointer("/promptFeedback/blockReason").is_some() {
            // The prompt itself was blocked: no candidates will come.
            self.finish(StopReason::ContentFilter, out);
        }
        if let Some(u) = v.get("usageMetadata") {
            let usage = usage(u);
            if self.last_usage.as_ref() != Some(&usage) {
                self.last_usage = Some(usage.clone());
                out.push(StreamEvent::Usage { usage });
            }
        }
    }

    fn part(&mut self, part: &Value, out: &mut Vec<StreamEvent>) {
        if let Some(text) = part.get("text").and_then(Value::as_str) {
            if !text.is_empty() {
                let thought = part.get("thought").and_then(Value::as_bool) == Some(true);
                out.push(if thought {
                    StreamEvent::ReasoningDelta { text: text.into() }
                } else {
                    StreamEvent::TextDelta { text: text.into() }
                });
            }
        } else if let Some(call) = part.get("functionCall") {
            let index = self.tools;
            self.tools += 1;
            let args = call.get("args").cloned().unwrap_or_else(|| json!({}));
            out.push(StreamEvent::ToolCallDelta {
                index,
                id: Some(
                    call.get("id")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("call_{index}"), str::to_string),
                ),
                name: call.get("name").and_then(Value::as_str).map(str::to_string),
                arguments: args.to_string(),
            });
            if let Some(s) = part.get("thoughtSignature").and_then(Value::as_str) {
                out.push(StreamEvent::Signature {
                    of: Signed::ToolCall { index },
                    signature: s.to_string(),
                });
            }
        }
    }

    /// Gemini says `STOP` after function calls too.
    fn stop_reason(&self, reason: &str) -> StopReason {
        match reason {
            "STOP" if self.tools > 0 => StopReason::ToolCalls,
            "STOP" => StopReason::Stop,
            "MAX_TOKENS" => StopReason::Length,
            "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII"
            | "IMAGE_SAFETY" => StopReason::ContentFilter,
            other => StopReason::Other(other.to_string()),
        }
    }

    /// Reported once: some servers repeat `finishReason` on every chunk.
    fn finish(&mut self, reason: StopReason, out: &mut Vec<StreamEvent>) {
        if !self.finished {
            self.finished = true;
            out.push(StreamEvent::Finished { reason });
        }
    }

    /// True once a `finishReason` or a prompt block arrived.
    pub fn is_complete(&self) -> bool {
        self.finished
    }
}

/// `usageMetadata` in the neutral convention: `promptTokenCount` already holds the cached
/// tokens; output is candidates plus thoughts.
fn usage(u: &Value) -> Usage {
    let thoughts = count(u, "thoughtsTokenCount").unwrap_or(0);
    Usage {
        input: count(u, "promptTokenCount").unwrap_or(0)
            + count(u, "toolUsePromptTokenCount").unwrap_or(0),
        cached_read: count(u, "cachedContentTokenCount").unwrap_or(0),
        cache_write: 0,
        output: count(u, "candidatesTokenCount").unwrap_or(0) + thoughts,
        reasoning: thoughts,
        raw: Some(u.clone()),
        ..Usage::default()
    }
}
