//! Small pieces the protocol files share: JSON merging, exact numbers, tool arguments,
//! system prompts.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::llm::chat::{ChatRequest, Message, Part, Role};

/// Merges `extra` into `body`: objects merge key by key (so `{"generationConfig":{"seed":1}}`
/// adds to the builder's `generationConfig` instead of replacing it); anything else in
/// `extra` replaces what was there.
pub fn deep_merge(body: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (k, v) in extra {
        match (body.get_mut(k), v) {
            (Some(Value::Object(have)), Value::Object(more)) => deep_merge(have, more),
            _ => {
                body.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A JSON number or numeric string as an exact decimal.
pub fn decimal_of(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

/// Tool-call arguments (JSON text from an earlier answer) as a JSON object for protocols that
/// send them as objects; text that is not an object becomes `{}` rather than a broken request.
pub fn arguments_object(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(v @ Value::Object(_)) => v,
        _ => Value::Object(Map::new()),
    }
}

/// The system messages' text, joined by blank lines; `None` when there is none.
pub fn system_text(chat: &ChatRequest) -> Option<String> {
    let parts: Vec<String> = chat
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(Message::joined_text)
        .filter(|t| !t.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// The name of the tool that call `call_id` went to, from the assistant messages before it
/// (Gemini answers a call by the function's name, not by an id).
pub fn tool_name_of(chat: &ChatRequest, call_id: &str) -> Option<String> {
    chat.messages
        .iter()
        .flat_map(|m| &m.parts)
        .find_map(|p| match p {
            Part::ToolCall { id, name, .. } if id == call_id => Some(name.clone()),
            _ => None,
        })
}

/// Reads a JSON field as an unsigned count (missing or not a number: `None`).
pub fn count(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_is_deep_for_objects_only() {
        let mut body = json!({"a": 1, "cfg": {"x": 1, "y": 2}, "list": [1]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let extra = json!({"cfg": {"y": 3, "z": 4}, "list": [2], "a": {"b": 1}});
        deep_merge(&mut body, extra.as_object().unwrap());
        assert_eq!(
            Value::Object(body),
            json!({"a": {"b": 1}, "cfg": {"x": 1, "y": 3, "z": 4}, "list": [2]})
        );
    }

    #[test]
    fn arguments_become_objects() {
        assert_eq!(arguments_object("{\"a\":1}"), json!({"a": 1}));
        assert_eq!(arguments_object(""), json!({}));
        assert_eq!(arguments_object("[1]"), json!({}));
    }
}
