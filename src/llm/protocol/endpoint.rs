//! Where and how a request goes: the base URL, the auth scheme and key, extra headers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::llm::http::HttpRequest;

/// How the key is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthScheme {
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// `Authorization: Key KEY` (Clipia's media API).
    Key,
    /// `x-api-key: KEY` (Anthropic; Clipia accepts it too).
    XApiKey,
    /// `x-goog-api-key: KEY` (Gemini).
    XGoogApiKey,
    /// No auth header (local servers).
    None,
}

impl AuthScheme {
    /// The name used in config files.
    pub fn name(self) -> &'static str {
        match self {
            AuthScheme::Bearer => "bearer",
            AuthScheme::Key => "key",
            AuthScheme::XApiKey => "x-api-key",
            AuthScheme::XGoogApiKey => "x-goog-api-key",
            AuthScheme::None => "none",
        }
    }
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
        write!(f, "ApiKey({})", crate::llm::http::mask_secret(&self.0))
    }
}

/// Where and how to send: everything a builder needs besides the chat itself.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// As the protocol's official SDK takes it: `https://api.openai.com/v1` for the OpenAI
    /// protocols, the host alone for Anthropic (`https://api.anthropic.com`) and Gemini
    /// (`https://generativelanguage.googleapis.com`).
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

    /// True when the extra headers already set `name` (case-insensitive): a builder's own
    /// default for that header then gives way.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
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
