//! OpenAI Responses: `POST {base}/responses`, the base ending in `/v1` as for Chat.

use serde_json::{Map, Value, json};

mod decode;

pub use decode::ResponsesDecoder;

use super::Endpoint;
use super::common::{deep_merge, system_text};
use super::params::{self, Built, ModelTraits, left_out};
use crate::llm::chat::{ChatRequest, Message, Part, Role};
use crate::llm::http::HttpRequest;

/// Builds the request with what the model id alone says about the model.
pub fn build_request(endpoint: &Endpoint, chat: &ChatRequest) -> HttpRequest {
    build(endpoint, chat, &ModelTraits::guess(&chat.model)).request
}

/// Builds the request: system messages as `instructions`, the rest as `input` items,
/// `max_output_tokens`, `reasoning: {effort, summary}`, `response_format` as `text.format`.
/// `stop` and `seed`, which Responses lacks, are left out with a note.
pub fn build(endpoint: &Endpoint, chat: &ChatRequest, traits: &ModelTraits) -> Built {
    let mut chat = chat.clone();
    let mut notes = Vec::new();
    params::drop_unsupported(&mut chat, traits, &mut notes);
    params::drop_effort_if_not_reasoning(&mut chat, traits, &mut notes);
    params::drop_sampling_for_openai_reasoning(&mut chat, traits, &mut notes);
    if !chat.params.stop.is_empty() {
        chat.params.stop.clear();
        left_out(
            &mut notes,
            "stop",
            "the Responses API has no stop sequences",
        );
    }
    if chat.params.seed.take().is_some() {
        left_out(&mut notes, "seed", "the Responses API has no seed");
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(chat.model));
    if let Some(system) = system_text(&chat) {
        body.insert("instructions".into(), json!(system));
    }
    let input: Vec<Value> = chat.messages.iter().flat_map(encode_message).collect();
    body.insert("input".into(), Value::Array(input));
    if chat.stream {
        body.insert("stream".into(), json!(true));
    }
    let p = &chat.params;
    if let Some(n) = p.max_tokens {
        body.insert("max_output_tokens".into(), json!(n));
    }
    if let Some(t) = p.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(t) = p.top_p {
        body.insert("top_p".into(), json!(t));
    }
    if let Some(e) = p.reasoning_effort {
        body.insert(
            "reasoning".into(),
            json!({"effort": e.as_str(), "summary": "auto"}),
        );
    }
    if let Some(f) = &p.response_format {
        body.insert("text".into(), json!({ "format": text_format(f) }));
    }
    if !p.tools.is_empty() {
        let tools: Vec<Value> = p
            .tools
            .iter()
            .map(|t| {
                let mut tool = Map::new();
                tool.insert("type".into(), json!("function"));
                tool.insert("name".into(), json!(t.name));
                if let Some(d) = &t.description {
                    tool.insert("description".into(), json!(d));
                }
                tool.insert("parameters".into(), t.parameters.clone());
                Value::Object(tool)
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    deep_merge(&mut body, &p.extra);
    let mut req = HttpRequest::post_json(endpoint.url("responses"), Value::Object(body));
    if chat.stream {
        req.header("Accept", "text/event-stream");
    }
    endpoint.apply_headers(&mut req);
    Built {
        request: req,
        notes,
    }
}

/// Chat's `response_format` in Responses' `text.format` form: the `json_schema` fields move
/// up one level.
fn text_format(f: &Value) -> Value {
    match (f.get("type").and_then(Value::as_str), f.get("json_schema")) {
        (Some("json_schema"), Some(Value::Object(schema))) => {
            let mut out = Map::new();
            out.insert("type".into(), json!("json_schema"));
            out.extend(schema.clone());
            Value::Object(out)
        }
        _ => f.clone(),
    }
}

/// One neutral message as Responses input items.
fn encode_message(m: &Message) -> Vec<Value> {
    match m.role {
        Role::System => Vec::new(),
        Role::User => vec![json!({
            "role": "user",
            "content": [{"type": "input_text", "text": m.joined_text()}]
        })],
        Role::Assistant => {
            let mut items = Vec::new();
            let text = m.joined_text();
            if !text.is_empty() {
                items.push(json!({
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text}]
                }));
            }
            for p in &m.parts {
                if let Part::ToolCall {
                    id,
                    name,
                    arguments,
                    ..
                } = p
                {
                    items.push(json!({
                        "type": "function_call", "call_id": id, "name": name,
                        "arguments": arguments
                    }));
                }
            }
            items
        }
        Role::Tool => m
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::ToolResult { call_id, content } => Some(json!({
                    "type": "function_call_output", "call_id": call_id, "output": content
                })),
                _ => None,
            })
            .collect(),
    }
}
