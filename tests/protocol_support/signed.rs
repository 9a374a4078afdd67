//! Shared by the signature tests: requests built for a reasoning model on a fixed
//! endpoint, their bodies as sent, and a value read straight from a recorded stream.

use serde_json::Value;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::http::HttpRequest;
use switchboard::llm::protocol::{ApiKey, Endpoint, ModelTraits, Protocol, build};

pub fn endpoint(protocol: Protocol) -> Endpoint {
    Endpoint {
        base_url: "https://example.test".into(),
        auth: protocol.default_auth(),
        key: Some(ApiKey::new("sk-test-0123456789abcdefghij")),
        headers: Vec::new(),
    }
}

pub fn reasoning_traits() -> ModelTraits {
    ModelTraits {
        reasoning: Some(true),
        ..ModelTraits::default()
    }
}

pub fn built(protocol: Protocol, chat: &ChatRequest) -> HttpRequest {
    build(protocol, &endpoint(protocol), chat, &reasoning_traits())
        .unwrap()
        .request
}

pub fn body(req: &HttpRequest) -> &Value {
    req.body.as_ref().unwrap()
}

/// The body as the runner serializes it onto the wire.
pub fn wire(req: &HttpRequest) -> String {
    String::from_utf8(serde_json::to_vec(body(req)).unwrap()).unwrap()
}

/// The string value of `key` in the first JSON payload of `text` (one per line, after an
/// optional `data: `) that holds it anywhere: read apart from the decoder under test.
pub fn recorded(text: &str, key: &str) -> String {
    fn find(v: &Value, key: &str) -> Option<String> {
        match v {
            Value::Object(m) => m
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or_else(|| m.values().find_map(|v| find(v, key))),
            Value::Array(a) => a.iter().find_map(|v| find(v, key)),
            _ => None,
        }
    }
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l.trim_start_matches("data:").trim()).ok())
        .find_map(|v| find(&v, key))
        .unwrap_or_else(|| panic!("no {key} in the fixture"))
}
