//! OpenAI Chat Completions: `POST {base}/chat/completions`, spoken by OpenAI and by every
//! OpenAI-compatible gateway (Clipia, OpenRouter, DeepSeek, Groq, local servers, ...).

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Endpoint;
use crate::llm::chat::{ChatRequest, Message, Part, Role};
use crate::llm::event::{StopReason, StreamEvent};
use crate::llm::http::HttpRequest;
use crate::llm::money::{Currency, Money};
use crate::llm::usage::Usage;

/// Builds the request. Streaming asks for usage in the stream
/// (`stream_options.include_usage`): without it no token counts arrive.
pub fn build_request(endpoint: &Endpoint, chat: &ChatRequest) -> HttpRequest {
    let mut body = Map::new();
    body.insert("model".into(), json!(chat.model));
    body.insert(
        "messages".into(),
        Value::Array(chat.messages.iter().flat_map(encode_message).collect()),
    );
    if chat.stream {
        body.insert("stream".into(), json!(true));
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }
    let p = &chat.params;
    if let Some(t) = p.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(t) = p.top_p {
        body.insert("top_p".into(), json!(t));
    }
    if let Some(n) = p.max_tokens {
        body.insert("max_tokens".into(), json!(n));
    }
    if !p.stop.is_empty() {
        body.insert("stop".into(), json!(p.stop));
    }
    if let Some(s) = p.seed {
        body.insert("seed".into(), json!(s));
    }
    if let Some(e) = p.reasoning_effort {
        body.insert("reasoning_effort".into(), json!(e.as_str()));
    }
    if let Some(f) = &p.response_format {
        body.insert("response_format".into(), f.clone());
    }
    if !p.tools.is_empty() {
        let tools: Vec<Value> = p
            .tools
            .iter()
            .map(|t| {
                let mut f = Map::new();
                f.insert("name".into(), json!(t.name));
                if let Some(d) = &t.description {
                    f.insert("description".into(), json!(d));
                }
                f.insert("parameters".into(), t.parameters.clone());
                json!({"type": "function", "function": f})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    for (k, v) in &p.extra {
        body.insert(k.clone(), v.clone());
    }
    let mut req = HttpRequest::post_json(endpoint.url("chat/completions"), Value::Object(body));
    if chat.stream {
        req.header("Accept", "text/event-stream");
    }
    endpoint.apply_headers(&mut req);
    req
}

/// One neutral message as one or more chat messages (each tool result is its own message).
fn encode_message(m: &Message) -> Vec<Value> {
    match m.role {
        Role::Tool => m
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::ToolResult { call_id, content } => Some(json!({
                    "role": "tool", "tool_call_id": call_id, "content": content
                })),
                _ => None,
            })
            .collect(),
        Role::Assistant => {
            let text = m.joined_text();
            let calls: Vec<Value> = m
                .parts
                .iter()
                .filter_map(|p| match p {
                    Part::ToolCall {
                        id,
                        name,
                        arguments,
                        ..
                    } => Some(json!({
                        "id": id, "type": "function",
                        "function": {"name": name, "arguments": arguments}
                    })),
                    _ => None,
                })
                .collect();
            let mut msg = Map::new();
            msg.insert("role".into(), json!("assistant"));
            msg.insert(
                "content".into(),
                if text.is_empty() && !calls.is_empty() {
                    Value::Null
                } else {
                    json!(text)
                },
            );
            if !calls.is_empty() {
                msg.insert("tool_calls".into(), Value::Array(calls));
            }
            vec![Value::Object(msg)]
        }
        Role::System | Role::User => {
            vec![json!({"role": m.role.as_str(), "content": m.joined_text()})]
        }
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<RawUsage>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    index: u32,
    #[serde(default)]
    delta: Option<Delta>,
    /// Non-streamed bodies carry `message` instead of `delta`.
    #[serde(default)]
    message: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    /// DeepSeek, vLLM, llama.cpp.
    #[serde(default)]
    reasoning_content: Option<String>,
    /// OpenRouter.
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallChunk>>,
}

#[derive(Deserialize)]
struct ToolCallChunk {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionChunk>,
}

#[derive(Deserialize)]
struct FunctionChunk {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct RawUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
    /// DeepSeek's own name for cached prompt tokens.
    #[serde(default)]
    prompt_cache_hit_tokens: Option<u64>,
    /// Clipia and OpenRouter: what the request cost, in credits.
    #[serde(default)]
    cost: Option<Value>,
}

#[derive(Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
    #[serde(default)]
    cache_write_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

impl RawUsage {
    fn into_usage(self) -> Usage {
        let details = self.prompt_tokens_details;
        let cached = details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .or(self.prompt_cache_hit_tokens)
            .unwrap_or(0);
        let cache_write = details.and_then(|d| d.cache_write_tokens).unwrap_or(0);
        Usage {
            input: self.prompt_tokens,
            cached_read: cached,
            cache_write,
            output: self.completion_tokens,
            reasoning: self
                .completion_tokens_details
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
            provider_cost: self.cost.as_ref().and_then(decimal_of).map(|amount| Money {
                amount,
                currency: Currency::Credits,
            }),
            ..Usage::default()
        }
    }
}

/// A JSON number or numeric string as an exact decimal (the shortest text of the number,
/// which is what the provider wrote).
fn decimal_of(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

fn stop_reason(s: &str) -> StopReason {
    match s {
        "stop" => StopReason::Stop,
        "length" => StopReason::Length,
        "tool_calls" | "function_call" => StopReason::ToolCalls,
        "content_filter" => StopReason::ContentFilter,
        other => StopReason::Other(other.to_string()),
    }
}

/// The stream decoder. Only choice 0 is decoded: Switchboard never asks for `n > 1`, and
/// the other choices of a stream someone else asked for are ignored.
#[derive(Debug, Default)]
pub struct ChatDecoder {
    done: bool,
    finished: bool,
    /// Position of each tool index seen, for gateways that omit `index`.
    tool_calls_seen: u32,
}

impl ChatDecoder {
    /// Decodes one SSE frame. Unknown fields are ignored; a frame that is not JSON is an
    /// `Err` and the stream may go on.
    pub fn frame(
        &mut self,
        _event: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), String> {
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        if data.is_empty() {
            return Ok(());
        }
        let chunk: Chunk =
            serde_json::from_str(data).map_err(|e| format!("frame is not valid JSON: {e}"))?;
        self.chunk(chunk, false, out);
        Ok(())
    }

    /// Decodes a whole non-streamed `chat.completion` body.
    pub fn body(&mut self, body: &str, out: &mut Vec<StreamEvent>) -> Result<(), String> {
        let chunk: Chunk =
            serde_json::from_str(body).map_err(|e| format!("body is not valid JSON: {e}"))?;
        self.chunk(chunk, true, out);
        self.done = true;
        Ok(())
    }

    /// True once `[DONE]` arrived, or a `finish_reason` did (some gateways end a finished
    /// stream without `[DONE]`).
    pub fn is_complete(&self) -> bool {
        self.done || self.finished
    }

    fn chunk(&mut self, chunk: Chunk, whole: bool, out: &mut Vec<StreamEvent>) {
        if let Some(err) = chunk.error {
            let (message, code) = super::error_message(&json!({ "error": err }).to_string())
                .unwrap_or_else(|| (err.to_string(), None));
            out.push(StreamEvent::ProviderError { message, code });
        }
        for choice in chunk.choices {
            if choice.index != 0 {
                continue;
            }
            let delta = if whole {
                choice.message.or(choice.delta)
            } else {
                choice.delta.or(choice.message)
            };
            if let Some(delta) = delta {
                self.delta(delta, out);
            }
            if let Some(reason) = choice.finish_reason {
                // OpenRouter repeats the finish chunk to carry usage: report it once.
                if !self.finished {
                    self.finished = true;
                    out.push(StreamEvent::Finished {
                        reason: stop_reason(&reason),
                    });
                }
            }
        }
        if let Some(usage) = chunk.usage {
            out.push(StreamEvent::Usage {
                usage: usage.into_usage(),
            });
        }
    }

    fn delta(&mut self, delta: Delta, out: &mut Vec<StreamEvent>) {
        for reasoning in [delta.reasoning_content, delta.reasoning]
            .into_iter()
            .flatten()
        {
            if !reasoning.is_empty() {
                out.push(StreamEvent::ReasoningDelta { text: reasoning });
            }
        }
        for text in [delta.content, delta.refusal].into_iter().flatten() {
            if !text.is_empty() {
                out.push(StreamEvent::TextDelta { text });
            }
        }
        for call in delta.tool_calls.into_iter().flatten() {
            let index = call.index.unwrap_or(self.tool_calls_seen);
            if call.id.is_some() {
                self.tool_calls_seen = self.tool_calls_seen.max(index + 1);
            }
            let (name, arguments) = match call.function {
                Some(f) => (f.name, f.arguments.unwrap_or_default()),
                None => (None, String::new()),
            };
            out.push(StreamEvent::ToolCallDelta {
                index,
                id: call.id,
                name,
                arguments,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::chat::{Params, ReasoningEffort, ToolSpec};
    use crate::llm::protocol::{ApiKey, AuthScheme};

    fn endpoint() -> Endpoint {
        Endpoint {
            base_url: "https://api.clipia.ai/v1/".into(),
            auth: AuthScheme::Bearer,
            key: Some(ApiKey::new("clipia_test_key")),
            headers: vec![("X-Title".into(), "switchboard".into())],
        }
    }

    fn decode(frames: &[&str]) -> (Vec<StreamEvent>, ChatDecoder) {
        let mut d = ChatDecoder::default();
        let mut out = Vec::new();
        for f in frames {
            d.frame(None, f, &mut out).unwrap();
        }
        (out, d)
    }

    #[test]
    fn builder_sets_streaming_usage_params_and_extra() {
        let mut chat = ChatRequest::new("gpt-5.5", "hi");
        chat.messages
            .insert(0, Message::text(Role::System, "be brief"));
        chat.params = Params {
            temperature: Some(0.5),
            max_tokens: Some(100),
            stop: vec!["END".into()],
            seed: Some(7),
            reasoning_effort: Some(ReasoningEffort::High),
            tools: vec![ToolSpec {
                name: "get_weather".into(),
                description: None,
                parameters: json!({"type": "object"}),
            }],
            extra: [("temperature".to_string(), json!(0.1))]
                .into_iter()
                .collect(),
            ..Params::default()
        };
        let req = build_request(&endpoint(), &chat);
        assert_eq!(req.url, "https://api.clipia.ai/v1/chat/completions");
        assert_eq!(
            req.header_value("authorization"),
            Some("Bearer clipia_test_key")
        );
        assert_eq!(req.header_value("x-title"), Some("switchboard"));
        let body = req.body.unwrap();
        assert_eq!(body["stream"], json!(true));
        assert_eq!(body["stream_options"], json!({"include_usage": true}));
        assert_eq!(
            body["messages"][0],
            json!({"role": "system", "content": "be brief"})
        );
        assert_eq!(body["reasoning_effort"], json!("high"));
        assert_eq!(body["tools"][0]["function"]["name"], json!("get_weather"));
        assert_eq!(body["stop"], json!(["END"]));
        // extra fields are merged last and win.
        assert_eq!(body["temperature"], json!(0.1));
        assert!(body.get("top_p").is_none(), "unset params are not sent");
    }

    #[test]
    fn tool_history_is_encoded() {
        let mut chat = ChatRequest::new("m", "weather?");
        chat.stream = false;
        chat.messages.push(Message {
            role: Role::Assistant,
            parts: vec![Part::ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                arguments: "{\"city\":\"Oslo\"}".into(),
                signature: None,
            }],
        });
        chat.messages.push(Message {
            role: Role::Tool,
            parts: vec![Part::ToolResult {
                call_id: "call_1".into(),
                content: "4°C".into(),
            }],
        });
        let body = build_request(&endpoint(), &chat).body.unwrap();
        assert!(body.get("stream").is_none());
        assert_eq!(body["messages"][1]["content"], Value::Null);
        assert_eq!(body["messages"][1]["tool_calls"][0]["id"], json!("call_1"));
        assert_eq!(
            body["messages"][2],
            json!({"role": "tool", "tool_call_id": "call_1", "content": "4°C"})
        );
    }

    #[test]
    fn decodes_text_reasoning_finish_usage_and_done() {
        let (events, d) = decode(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"reasoning":"ok"}}],"obfuscation":"xyz"}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"Hi"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2},"cost":0.00042}}"#,
            "[DONE]",
        ]);
        assert!(d.is_complete());
        assert_eq!(
            events,
            vec![
                StreamEvent::ReasoningDelta { text: "hmm".into() },
                StreamEvent::ReasoningDelta { text: "ok".into() },
                StreamEvent::TextDelta { text: "Hi".into() },
                StreamEvent::Finished {
                    reason: StopReason::Length
                },
                StreamEvent::Usage {
                    usage: Usage {
                        input: 10,
                        cached_read: 4,
                        cache_write: 0,
                        output: 5,
                        reasoning: 2,
                        provider_cost: Some(Money {
                            amount: Decimal::from_str("0.00042").unwrap(),
                            currency: Currency::Credits
                        }),
                        ..Usage::default()
                    }
                },
            ]
        );
    }

    #[test]
    fn tool_call_fragments_keep_their_index() {
        let (events, _) = decode(&[
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_a","type":"function","function":{"name":"read","arguments":""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"pa"}}]}}]}"#,
        ]);
        assert_eq!(
            events[1],
            StreamEvent::ToolCallDelta {
                index: 1,
                id: None,
                name: None,
                arguments: "{\"pa".into()
            }
        );
    }

    #[test]
    fn in_stream_error_and_malformed_frames() {
        let mut d = ChatDecoder::default();
        let mut out = Vec::new();
        d.frame(
            None,
            r#"{"error":{"message":"Upstream overloaded","code":"overloaded"}}"#,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            out,
            vec![StreamEvent::ProviderError {
                message: "Upstream overloaded".into(),
                code: Some("overloaded".into())
            }]
        );
        assert!(d.frame(None, r#"{"choices":[{"delta":"#, &mut out).is_err());
        assert!(!d.is_complete());
    }

    #[test]
    fn non_streamed_body() {
        let mut d = ChatDecoder::default();
        let mut out = Vec::new();
        d.body(
            r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"4","reasoning_content":"2+2"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"cost":"0.05"}}"#,
            &mut out,
        )
        .unwrap();
        assert_eq!(out[0], StreamEvent::ReasoningDelta { text: "2+2".into() });
        assert_eq!(out[1], StreamEvent::TextDelta { text: "4".into() });
        assert!(
            matches!(out[3], StreamEvent::Usage { ref usage } if usage.provider_cost_amount() == Decimal::from_str("0.05").ok())
        );
        assert!(d.is_complete());
    }
}
