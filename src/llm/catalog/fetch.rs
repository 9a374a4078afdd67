//! Asking a provider for its model list: the request for each protocol's list form, and the
//! paged fetch. The request built here is the one sent (and shown), like every other.

use tokio_util::sync::CancellationToken;

use super::ModelInfo;
use super::live::{ListPage, parse_anthropic_list, parse_gemini_list, parse_models_list};
use crate::llm::error::ProviderError;
use crate::llm::http::HttpRequest;
use crate::llm::protocol::{Endpoint, Protocol};
use crate::llm::provider::ProviderConfig;
use crate::llm::run::{self, Timeouts};

/// At most this many pages are fetched (1,000 models a page where the API allows it).
const MAX_PAGES: usize = 20;

/// The Anthropic API version header sent when the config does not set one.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The `GET` for one page of `protocol`'s model list at `endpoint`.
///
/// * OpenAI chat and responses: `{base}/models`.
/// * Anthropic: `{base}/v1/models?limit=1000` (or `{base}/models` when the base already ends
///   in `/v1`), paged with `after_id`, with `anthropic-version`.
/// * Gemini: `{base}/v1beta/models?pageSize=1000` (the base is the host, as for
///   `streamGenerateContent`; a base that already ends in `/v1beta` or `/v1` is used as it
///   is), paged with `pageToken`.
pub fn list_request(protocol: Protocol, endpoint: &Endpoint, page: Option<&str>) -> HttpRequest {
    let url = match protocol {
        Protocol::OpenAiChat | Protocol::OpenAiResponses => endpoint.url("models"),
        Protocol::Anthropic => {
            let path = if endpoint.base_url.trim_end_matches('/').ends_with("/v1") {
                "models"
            } else {
                "v1/models"
            };
            let mut url = format!("{}?limit=1000", endpoint.url(path));
            if let Some(p) = page {
                url.push_str(&format!("&after_id={}", encode(p)));
            }
            url
        }
        Protocol::Gemini => {
            let base = endpoint.base_url.trim_end_matches('/');
            let path = if base.ends_with("/v1beta") || base.ends_with("/v1") {
                "models"
            } else {
                "v1beta/models"
            };
            let mut url = format!("{}?pageSize=1000", endpoint.url(path));
            if let Some(p) = page {
                url.push_str(&format!("&pageToken={}", encode(p)));
            }
            url
        }
    };
    let mut req = HttpRequest::get(url);
    endpoint.apply_headers(&mut req);
    if protocol == Protocol::Anthropic && req.header_value("anthropic-version").is_none() {
        req.header("anthropic-version", ANTHROPIC_VERSION);
    }
    req
}

/// Parses one page of `protocol`'s list form.
pub fn parse_list(
    protocol: Protocol,
    provider: &ProviderConfig,
    body: &str,
    source: &str,
) -> Result<ListPage, String> {
    match protocol {
        Protocol::OpenAiChat | Protocol::OpenAiResponses => Ok(ListPage {
            models: parse_models_list(
                &provider.name,
                body,
                provider.price_currency.as_ref(),
                source,
            )?,
            next: None,
        }),
        Protocol::Anthropic => parse_anthropic_list(&provider.name, body, source),
        Protocol::Gemini => parse_gemini_list(&provider.name, body, source),
    }
}

/// A provider's whole live list, every page, each entry stamped with the fetch time.
/// Returns the list and the (key-masked) URL of its first page.
pub async fn fetch_live(
    client: &reqwest::Client,
    timeouts: &Timeouts,
    provider: &ProviderConfig,
    base_url: &str,
    cancel: &CancellationToken,
) -> Result<(Vec<ModelInfo>, String), ProviderError> {
    let endpoint = provider.endpoint(Some(base_url)).await?;
    let fetched_at = super::cache::now_unix();
    let mut models = Vec::new();
    let mut page: Option<String> = None;
    let mut first_url = None;
    for _ in 0..MAX_PAGES {
        let req = list_request(provider.protocol, &endpoint, page.as_deref());
        let url = req.redacted().url;
        let source = format!("live GET {url}");
        first_url.get_or_insert(url);
        let body = run::get_text(client, &req, timeouts, cancel).await?;
        let parsed = parse_list(provider.protocol, provider, &body, &source)
            .map_err(|message| ProviderError::Decode { message })?;
        models.extend(parsed.models);
        match parsed.next {
            Some(next) if Some(&next) != page.as_ref() => page = Some(next),
            _ => break,
        }
    }
    for m in &mut models {
        m.stamp_fetched(fetched_at);
    }
    Ok((models, first_url.unwrap_or_default()))
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::protocol::{ApiKey, AuthScheme};

    fn endpoint(base: &str, auth: AuthScheme) -> Endpoint {
        Endpoint {
            base_url: base.into(),
            auth,
            key: Some(ApiKey::new("k-123")),
            headers: Vec::new(),
        }
    }

    #[test]
    fn list_urls_per_protocol() {
        let e = endpoint("https://api.openai.com/v1", AuthScheme::Bearer);
        assert_eq!(
            list_request(Protocol::OpenAiChat, &e, None).url,
            "https://api.openai.com/v1/models"
        );
        let a = endpoint("https://api.anthropic.com", AuthScheme::XApiKey);
        let req = list_request(Protocol::Anthropic, &a, Some("claude-x"));
        assert_eq!(
            req.url,
            "https://api.anthropic.com/v1/models?limit=1000&after_id=claude-x"
        );
        assert_eq!(
            req.header_value("anthropic-version"),
            Some(ANTHROPIC_VERSION)
        );
        assert_eq!(req.header_value("x-api-key"), Some("k-123"));
        let a1 = endpoint("https://api.aisa.one/v1", AuthScheme::XApiKey);
        assert_eq!(
            list_request(Protocol::Anthropic, &a1, None).url,
            "https://api.aisa.one/v1/models?limit=1000"
        );
        let g = endpoint(
            "https://generativelanguage.googleapis.com/v1beta",
            AuthScheme::XGoogApiKey,
        );
        assert_eq!(
            list_request(Protocol::Gemini, &g, Some("Ch9t/b2==")).url,
            "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000&pageToken=Ch9t%2Fb2%3D%3D"
        );
        // The preset's base is the host alone, as `streamGenerateContent` takes it.
        let host = endpoint(
            "https://generativelanguage.googleapis.com",
            AuthScheme::XGoogApiKey,
        );
        assert_eq!(
            list_request(Protocol::Gemini, &host, None).url,
            "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000"
        );
        let aisa = endpoint("https://api.aisa.one/", AuthScheme::XGoogApiKey);
        assert_eq!(
            list_request(Protocol::Gemini, &aisa, None).url,
            "https://api.aisa.one/v1beta/models?pageSize=1000"
        );
    }
}
