//! The wire protocols: for each, a pure request builder and a pure decoder. No I/O here.

pub mod openai_chat;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::chat::ChatRequest;
use super::error::ProviderError;
use super::event::StreamEvent;
use super::http::HttpRequest;

/// A wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Protocol {
    /// `POST {base}/chat/completions`, OpenAI's and every compatible gateway's.
    #[serde(rename = "openai-chat")]
    OpenAiChat,
    /// `POST {base}/v1/messages`.
    #[serde(rename = "anthropic")]
    Anthropic,
    /// `POST {base}/responses`.
    #[serde(rename = "openai-responses")]
    OpenAiResponses,
    /// `POST {base}/models/{model}:streamGenerateContent`.
    #[serde(rename = "gemini")]
    Gemini,
}

impl Protocol {
    /// Every protocol, in the order the docs list them.
    pub const ALL: [Protocol; 4] = [
        Protocol::OpenAiChat,
        Protocol::Anthropic,
        Protocol::OpenAiResponses,
        Protocol::Gemini,
    ];

    /// The name used in config files.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::OpenAiChat => "openai-chat",
            Protocol::Anthropic => "anthropic",
            Protocol::OpenAiResponses => "openai-responses",
            Protocol::Gemini => "gemini",
        }
    }

    /// Parses a config name.
    pub fn parse(s: &str) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.name() == s)
    }

    /// The auth scheme a provider of this protocol uses unless configured otherwise.
    pub fn default_auth(self) -> AuthScheme {
        match self {
            Protocol::OpenAiChat | Protocol::OpenAiResponses => AuthScheme::Bearer,
            Protocol::Anthropic => AuthScheme::XApiKey,
            Protocol::Gemini => AuthScheme::XGoogApiKey,
        }
    }

    fn unavailable(self) -> ProviderError {
        ProviderError::Config {
            message: format!(
                "the {} protocol is not available in this version of Switchboard yet; \
                 only openai-chat is",
                self.name()
            ),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the key is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthScheme {
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// `Authorization: Key KEY` (Clipia's media API).
    Key,
    /// `x-api-key: KEY` (Anthropic).
    XApiKey,
    /// `x-goog-api-key: KEY` (Gemini).
    XGoogApiKey,
    /// No auth header (local servers).
    None,
}

/// An API key. Its `Debug` never shows it, and it cannot be serialized.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key itself: only for building the header that is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", super::http::mask_secret(&self.0))
    }
}

/// Where and how to send: everything a builder needs besides the chat itself.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// As the provider's own SDK takes it, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub auth: AuthScheme,
    pub key: Option<ApiKey>,
    /// Extra headers sent with every request.
    pub headers: Vec<(String, String)>,
}

impl Endpoint {
    /// Adds the auth header (marked secret) and the extra headers to `req`.
    pub fn apply_headers(&self, req: &mut HttpRequest) {
        if let Some(key) = &self.key {
            let k = key.expose();
            match self.auth {
                AuthScheme::Bearer => req.secret_header("Authorization", format!("Bearer {k}")),
                AuthScheme::Key => req.secret_header("Authorization", format!("Key {k}")),
                AuthScheme::XApiKey => req.secret_header("x-api-key", k),
                AuthScheme::XGoogApiKey => req.secret_header("x-goog-api-key", k),
                AuthScheme::None => {}
            }
        }
        for (name, value) in &self.headers {
            req.header(name.clone(), value.clone());
        }
    }

    /// `base_url` joined with `path`, with exactly one slash between.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.base_url.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }
}

/// Builds the exact HTTP request for `chat` in `protocol`.
pub fn build_request(
    protocol: Protocol,
    endpoint: &Endpoint,
    chat: &ChatRequest,
) -> Result<HttpRequest, ProviderError> {
    match protocol {
        Protocol::OpenAiChat => Ok(openai_chat::build_request(endpoint, chat)),
        other => Err(other.unavailable()),
    }
}

/// A protocol's stream decoder, holding what it must remember between frames.
#[derive(Debug)]
pub enum Decoder {
    OpenAiChat(openai_chat::ChatDecoder),
}

impl Decoder {
    pub fn new(protocol: Protocol) -> Result<Decoder, ProviderError> {
        match protocol {
            Protocol::OpenAiChat => Ok(Decoder::OpenAiChat(openai_chat::ChatDecoder::default())),
            other => Err(other.unavailable()),
        }
    }

    /// Decodes one SSE frame into `out`. An `Err` is a frame that could not be understood;
    /// the stream may go on.
    pub fn frame(
        &mut self,
        event: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), String> {
        match self {
            Decoder::OpenAiChat(d) => d.frame(event, data, out),
        }
    }

    /// Decodes a whole non-streamed response body.
    pub fn body(&mut self, body: &str, out: &mut Vec<StreamEvent>) -> Result<(), String> {
        match self {
            Decoder::OpenAiChat(d) => d.body(body, out),
        }
    }

    /// True once the protocol's end marker arrived (`[DONE]`, `message_stop`, ...).
    pub fn is_complete(&self) -> bool {
        match self {
            Decoder::OpenAiChat(d) => d.is_complete(),
        }
    }
}

/// The provider's message and code from an error body, in any of the envelopes in use:
/// OpenAI `{"error":{"message","type","code"}}`, Anthropic
/// `{"type":"error","error":{"type","message"}}`, Gemini `{"error":{"code","message","status"}}`,
/// or a bare `{"message": ...}` / `{"error": "..."}`.
pub fn error_message(body: &str) -> Option<(String, Option<String>)> {
    let v: Value = serde_json::from_str(body).ok()?;
    let err = v.get("error").unwrap_or(&v);
    if let Some(s) = err.as_str() {
        return Some((s.to_string(), None));
    }
    let message = err.get("message")?.as_str()?.to_string();
    let code = ["code", "type", "status"]
        .iter()
        .find_map(|k| match err.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        });
    Some((message, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelopes_of_every_protocol() {
        let openai = r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        assert_eq!(
            error_message(openai),
            Some(("Incorrect API key".into(), Some("invalid_api_key".into())))
        );
        let anthropic = r#"{"type":"error","error":{"type":"not_found_error","message":"model: x"},"request_id":"req_1"}"#;
        assert_eq!(
            error_message(anthropic),
            Some(("model: x".into(), Some("not_found_error".into())))
        );
        let openrouter = r#"{"error":{"message":"Provider returned error","code":429}}"#;
        assert_eq!(
            error_message(openrouter),
            Some(("Provider returned error".into(), Some("429".into())))
        );
        assert_eq!(error_message("<html>"), None);
    }

    #[test]
    fn protocol_names_round_trip() {
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.name()), Some(p));
        }
    }
}
