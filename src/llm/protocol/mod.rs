//! The wire protocols: for each, a pure request builder and a pure decoder. No I/O here.

pub mod anthropic;
pub mod common;
pub mod endpoint;
pub mod gemini;
pub mod openai_chat;
pub mod openai_responses;
pub mod params;
pub mod stray;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::chat::ChatRequest;
use super::error::ProviderError;
use super::event::StreamEvent;
use super::http::HttpRequest;

pub use endpoint::{ApiKey, AuthScheme, Endpoint};
pub use params::{Built, ModelTraits};

/// A wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Protocol {
    /// `POST {base}/chat/completions`, OpenAI's and every compatible gateway's.
    #[serde(rename = "openai-chat")]
    OpenAiChat,
    /// `POST {base}/v1/messages`, the base being the host alone.
    #[serde(rename = "anthropic")]
    Anthropic,
    /// `POST {base}/responses`, the base ending in `/v1`.
    #[serde(rename = "openai-responses")]
    OpenAiResponses,
    /// `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`, the base being the
    /// host alone.
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

    /// True when the base URL includes the API version (`.../v1`), as the OpenAI SDK takes
    /// it; the Anthropic and Gemini SDKs take the host alone and add the version themselves.
    pub fn base_has_version(self) -> bool {
        matches!(self, Protocol::OpenAiChat | Protocol::OpenAiResponses)
    }

    /// The request path after the base URL, for messages and docs.
    pub fn path(self) -> &'static str {
        match self {
            Protocol::OpenAiChat => "/chat/completions",
            Protocol::Anthropic => "/v1/messages",
            Protocol::OpenAiResponses => "/responses",
            Protocol::Gemini => "/v1beta/models/{model}:streamGenerateContent?alt=sse",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Builds the exact HTTP request for `chat` in `protocol`, mapping parameters by what the
/// model id alone says. `build` does the same with what the catalog knows, and says what it
/// changed.
pub fn build_request(
    protocol: Protocol,
    endpoint: &Endpoint,
    chat: &ChatRequest,
) -> Result<HttpRequest, ProviderError> {
    build(protocol, endpoint, chat, &ModelTraits::guess(&chat.model)).map(|b| b.request)
}

/// Builds the exact HTTP request, with parameters mapped for the protocol and the model
/// (`max_completion_tokens` for OpenAI reasoning models, the effort as a thinking budget,
/// parameters the model or protocol lacks left out) and a note for each change. Extra body
/// fields (`chat.params.extra`) are merged last, objects key by key.
pub fn build(
    protocol: Protocol,
    endpoint: &Endpoint,
    chat: &ChatRequest,
    traits: &ModelTraits,
) -> Result<Built, ProviderError> {
    Ok(match protocol {
        Protocol::OpenAiChat => build_openai_chat(endpoint, chat, traits),
        Protocol::Anthropic => anthropic::build(endpoint, chat, traits),
        Protocol::OpenAiResponses => openai_responses::build(endpoint, chat, traits),
        Protocol::Gemini => gemini::build(endpoint, chat, traits),
    })
}

/// Chat Completions with the parameter mapping around the plain builder.
fn build_openai_chat(endpoint: &Endpoint, chat: &ChatRequest, traits: &ModelTraits) -> Built {
    let mut chat = chat.clone();
    let mut notes = Vec::new();
    params::drop_unsupported(&mut chat, traits, &mut notes);
    params::drop_effort_if_not_reasoning(&mut chat, traits, &mut notes);
    params::drop_sampling_for_openai_reasoning(&mut chat, traits, &mut notes);
    let extra = std::mem::take(&mut chat.params.extra);
    let mut request = openai_chat::build_request(endpoint, &chat);
    let listed = |name: &str| {
        traits
            .supported_parameters
            .as_ref()
            .is_some_and(|l| l.iter().any(|p| p == name))
    };
    let completion_tokens = params::is_openai_reasoning(&chat.model)
        || (listed("max_completion_tokens") && !listed("max_tokens"));
    if let Some(Value::Object(body)) = request.body.as_mut() {
        if completion_tokens && body.contains_key("max_tokens") {
            rename_key(body, "max_tokens", "max_completion_tokens");
            notes.push(format!(
                "sent `max_tokens` as `max_completion_tokens`: {} is a reasoning model",
                chat.model
            ));
        }
        common::deep_merge(body, &extra);
    }
    Built { request, notes }
}

/// Renames a key in place, keeping the order of the fields.
fn rename_key(map: &mut Map<String, Value>, from: &str, to: &str) {
    let old = std::mem::take(map);
    for (k, v) in old {
        map.insert(if k == from { to.to_string() } else { k }, v);
    }
}

/// A protocol's stream decoder, holding what it must remember between frames.
#[derive(Debug)]
pub enum Decoder {
    OpenAiChat(openai_chat::ChatDecoder),
    Anthropic(anthropic::MessagesDecoder),
    OpenAiResponses(openai_responses::ResponsesDecoder),
    Gemini(gemini::GeminiDecoder),
}

impl Decoder {
    pub fn new(protocol: Protocol) -> Result<Decoder, ProviderError> {
        Ok(match protocol {
            Protocol::OpenAiChat => Decoder::OpenAiChat(openai_chat::ChatDecoder::default()),
            Protocol::Anthropic => Decoder::Anthropic(anthropic::MessagesDecoder::default()),
            Protocol::OpenAiResponses => {
                Decoder::OpenAiResponses(openai_responses::ResponsesDecoder::default())
            }
            Protocol::Gemini => Decoder::Gemini(gemini::GeminiDecoder::default()),
        })
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
            Decoder::Anthropic(d) => d.frame(event, data, out),
            Decoder::OpenAiResponses(d) => d.frame(event, data, out),
            Decoder::Gemini(d) => d.frame(event, data, out),
        }
    }

    /// Decodes a whole non-streamed response body.
    pub fn body(&mut self, body: &str, out: &mut Vec<StreamEvent>) -> Result<(), String> {
        match self {
            Decoder::OpenAiChat(d) => d.body(body, out),
            Decoder::Anthropic(d) => d.body(body, out),
            Decoder::OpenAiResponses(d) => d.body(body, out),
            Decoder::Gemini(d) => d.body(body, out),
        }
    }

    /// True when this protocol can end a stream with text outside SSE framing that matters
    /// (Gemini's bare JSON error): the runner then collects it for `trailing`.
    pub fn wants_stray_lines(&self) -> bool {
        matches!(self, Decoder::Gemini(_))
    }

    /// Takes the stream's lines that SSE framing skipped (see `stray::StrayLines`), at its
    /// end.
    pub fn trailing(&mut self, stray: &str, out: &mut Vec<StreamEvent>) {
        if let Decoder::Gemini(d) = self {
            d.trailing(stray, out);
        }
    }

    /// True once the protocol's end marker arrived: `[DONE]` (or a finish reason) on Chat,
    /// `message_stop`, `response.completed`/`.incomplete`/`.failed`, a Gemini
    /// `finishReason`.
    pub fn is_complete(&self) -> bool {
        match self {
            Decoder::OpenAiChat(d) => d.is_complete(),
            Decoder::Anthropic(d) => d.is_complete(),
            Decoder::OpenAiResponses(d) => d.is_complete(),
            Decoder::Gemini(d) => d.is_complete(),
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
    // A word (`rate_limit_exceeded`, Gemini's `RESOURCE_EXHAUSTED`) says more than a
    // number, which is often just the HTTP status again.
    let code = ["code", "type", "status"]
        .iter()
        .find_map(|k| match err.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
        .or_else(|| match err.get("code") {
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
        let gemini = r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}"#;
        assert_eq!(
            error_message(gemini),
            Some(("quota".into(), Some("RESOURCE_EXHAUSTED".into())))
        );
    }

    #[test]
    fn protocol_names_round_trip() {
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.name()), Some(p));
        }
    }
}
