//! The four protocols the demo speaks, and each one's request body read into one neutral
//! form (`Inbound`), so the same question gets the same answer over every protocol.

use super::error::ApiError;
use serde_json::Value;

/// A wire protocol, as the demo server sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `POST /v1/chat/completions`.
    Chat,
    /// `POST /v1/messages` (Anthropic).
    Messages,
    /// `POST /v1/responses` (OpenAI Responses).
    Responses,
    /// `POST /v1beta/models/{model}:streamGenerateContent` / `:generateContent`.
    Gemini,
}

/// One message: its role in Chat terms (`system`, `user`, `assistant`, `tool`), its text
/// and its number of images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InMessage {
    pub role: &'static str,
    pub text: String,
    pub images: u64,
}

/// A request body in neutral form.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// The model with its fault suffix (`demo-fast+429`).
    pub model: String,
    pub messages: Vec<InMessage>,
    /// The field that holds the messages, for error messages.
    pub messages_field: &'static str,
    /// Bytes of the tool definitions (they count toward the prompt).
    pub tools_len: u64,
    /// The output limit and the field it came from.
    pub max_tokens: Option<(u64, &'static str)>,
    pub seed: u64,
    pub temperature: Option<f64>,
    pub stop: Vec<String>,
    pub stream: bool,
    /// Chat only: `stream_options.include_usage`; the others always report usage.
    pub include_usage: bool,
}

/// Parses the body as JSON object.
pub fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(
            format!("We could not parse the JSON body of your request: {e}"),
            None,
        )
    })?;
    if !v.is_object() {
        return Err(ApiError::invalid(
            "The request body must be a JSON object.",
            None,
        ));
    }
    Ok(v)
}

fn positive(v: Option<&Value>, key: &'static str) -> Result<Option<(u64, &'static str)>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Ok(Some((n, key))),
            _ => Err(ApiError::invalid(
                format!("`{key}` must be an integer of at least 1"),
                Some(key),
            )),
        },
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .take(4)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

fn seed(v: Option<&Value>) -> u64 {
    v.and_then(|s| s.as_u64().or_else(|| s.as_i64().map(|i| i as u64)))
        .unwrap_or(0)
}

/// Text of a `content` (a string or parts of any protocol) and its number of images.
pub fn content_of(content: Option<&Value>) -> (String, u64) {
    match content {
        Some(Value::String(s)) => (s.clone(), 0),
        Some(Value::Array(parts)) => {
            let mut text = String::new();
            let mut images = 0;
            for part in parts {
                let kind = part.get("type").and_then(Value::as_str);
                let t = part.get("text").and_then(Value::as_str);
                match (kind, t) {
                    (Some("image_url" | "input_image" | "image"), _) => images += 1,
                    (None, None) if part.get("inlineData").is_some() => images += 1,
                    (Some("tool_result"), _) => {
                        let (inner, _) = content_of(part.get("content"));
                        push_line(&mut text, &inner);
                    }
                    (_, Some(t)) => push_line(&mut text, t),
                    _ => {}
                }
            }
            (text, images)
        }
        _ => (String::new(), 0),
    }
}

fn push_line(text: &mut String, more: &str) {
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(more);
}

fn model_of(body: &Value) -> Result<String, ApiError> {
    body.get("model")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| ApiError::invalid("you must provide a model parameter", Some("model")))
}

/// A Chat Completions body.
pub fn chat(body: &Value) -> Result<Inbound, ApiError> {
    let model = model_of(body)?;
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let (text, images) = content_of(m.get("content"));
            let role = match m.get("role").and_then(Value::as_str).unwrap_or("") {
                "system" | "developer" => "system",
                "user" => "user",
                "assistant" => "assistant",
                "tool" => "tool",
                _ => "",
            };
            InMessage { role, text, images }
        })
        .collect();
    let max_tokens = match positive(body.get("max_completion_tokens"), "max_completion_tokens")? {
        Some(n) => Some(n),
        None => positive(body.get("max_tokens"), "max_tokens")?,
    };
    Ok(Inbound {
        model,
        messages,
        messages_field: "messages",
        tools_len: tools_len(body.get("tools")),
        max_tokens,
        seed: seed(body.get("seed")),
        temperature: body.get("temperature").and_then(Value::as_f64),
        stop: strings(body.get("stop")),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        include_usage: body
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || body
                .pointer("/usage/include")
                .and_then(Value::as_bool)
                .unwrap_or(false),
    })
}

fn tools_len(tools: Option<&Value>) -> u64 {
    tools.map(|t| t.to_string().len() as u64).unwrap_or(0)
}

/// An Anthropic Messages body: `system` at the top, `max_tokens` required.
pub fn messages(body: &Value) -> Result<Inbound, ApiError> {
    let model = model_of(body)?;
    let mut messages = Vec::new();
    let (system, _) = content_of(body.get("system"));
    if !system.is_empty() {
        messages.push(InMessage {
            role: "system",
            text: system,
            images: 0,
        });
    }
    for m in body
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (text, images) = content_of(m.get("content"));
        let results_only = m
            .get("content")
            .and_then(Value::as_array)
            .is_some_and(|b| !b.is_empty() && b.iter().all(|b| b["type"] == "tool_result"));
        let role = match (m.get("role").and_then(Value::as_str), results_only) {
            (Some("user"), true) => "tool",
            (Some("user"), false) => "user",
            (Some("assistant"), _) => "assistant",
            _ => "",
        };
        messages.push(InMessage { role, text, images });
    }
    let Some(max_tokens) = positive(body.get("max_tokens"), "max_tokens")? else {
        return Err(ApiError::invalid(
            "max_tokens: Field required",
            Some("max_tokens"),
        ));
    };
    Ok(Inbound {
        model,
        messages,
        messages_field: "messages",
        tools_len: tools_len(body.get("tools")),
        max_tokens: Some(max_tokens),
        seed: 0,
        temperature: body.get("temperature").and_then(Value::as_f64),
        stop: strings(body.get("stop_sequences")),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        include_usage: true,
    })
}

/// An OpenAI Responses body: `instructions`, then `input` (a string or items).
pub fn responses(body: &Value) -> Result<Inbound, ApiError> {
    let model = model_of(body)?;
    let mut messages = Vec::new();
    if let Some(s) = body.get("instructions").and_then(Value::as_str) {
        messages.push(InMessage {
            role: "system",
            text: s.to_string(),
            images: 0,
        });
    }
    match body.get("input") {
        Some(Value::String(s)) => messages.push(InMessage {
            role: "user",
            text: s.clone(),
            images: 0,
        }),
        Some(Value::Array(items)) => {
            for item in items {
                let kind = item.get("type").and_then(Value::as_str);
                let (role, (text, images)) = match (kind, item.get("role").and_then(Value::as_str))
                {
                    (Some("function_call_output"), _) => ("tool", content_of(item.get("output"))),
                    (Some("function_call"), _) => ("assistant", (String::new(), 0)),
                    (_, Some("system" | "developer")) => {
                        ("system", content_of(item.get("content")))
                    }
                    (_, Some("user")) => ("user", content_of(item.get("content"))),
                    (_, Some("assistant")) => ("assistant", content_of(item.get("content"))),
                    _ => continue,
                };
                messages.push(InMessage { role, text, images });
            }
        }
        _ => {}
    }
    Ok(Inbound {
        model,
        messages,
        messages_field: "input",
        tools_len: tools_len(body.get("tools")),
        max_tokens: positive(body.get("max_output_tokens"), "max_output_tokens")?,
        seed: 0,
        temperature: body.get("temperature").and_then(Value::as_f64),
        stop: Vec::new(),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        include_usage: true,
    })
}

/// A Gemini body; the model and streaming come from the path.
pub fn gemini(body: &Value, model: &str, stream: bool) -> Result<Inbound, ApiError> {
    let mut messages = Vec::new();
    let parts_text = |c: &Value| content_of(c.get("parts"));
    if let Some(sys) = body.get("systemInstruction") {
        let (text, _) = parts_text(sys);
        if !text.is_empty() {
            messages.push(InMessage {
                role: "system",
                text,
                images: 0,
            });
        }
    }
    for c in body
        .get("contents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (text, images) = parts_text(c);
        let responses_only = c.get("parts").and_then(Value::as_array).is_some_and(|p| {
            !p.is_empty() && p.iter().all(|p| p.get("functionResponse").is_some())
        });
        let role = match (c.get("role").and_then(Value::as_str), responses_only) {
            (_, true) => "tool",
            (Some("model"), _) => "assistant",
            _ => "user",
        };
        messages.push(InMessage { role, text, images });
    }
    let config = body.get("generationConfig");
    let field = |k: &str| config.and_then(|c| c.get(k));
    Ok(Inbound {
        model: model.to_string(),
        messages,
        messages_field: "contents",
        tools_len: tools_len(body.get("tools")),
        max_tokens: positive(field("maxOutputTokens"), "maxOutputTokens")?,
        seed: seed(field("seed")),
        temperature: field("temperature").and_then(Value::as_f64),
        stop: strings(field("stopSequences")),
        stream,
        include_usage: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_question_in_every_dialect() {
        let chat_body = json!({"model": "demo-fast", "messages": [
            {"role": "system", "content": "be brief"}, {"role": "user", "content": "hi there"}]});
        let msgs = json!({"model": "demo-fast", "max_tokens": 100, "system": "be brief",
            "messages": [{"role": "user", "content": "hi there"}]});
        let resp = json!({"model": "demo-fast", "instructions": "be brief", "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "hi there"}]}]});
        let gem = json!({"systemInstruction": {"parts": [{"text": "be brief"}]},
            "contents": [{"role": "user", "parts": [{"text": "hi there"}]}]});
        let all = [
            chat(&chat_body).unwrap().messages,
            messages(&msgs).unwrap().messages,
            responses(&resp).unwrap().messages,
            gemini(&gem, "demo-fast", true).unwrap().messages,
        ];
        for m in &all[1..] {
            assert_eq!(m, &all[0]);
        }
        let e = messages(&json!({"model": "demo-fast", "messages": []})).unwrap_err();
        assert_eq!(e.status.as_u16(), 400);
    }
}
