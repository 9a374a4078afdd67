//! Where a client's call goes: its protocol by path, and the upstream URL for it.
//!
//! The proxy looks to each client like the upstream's host: OpenAI SDKs take
//! `http://PROXY/v1` as base URL, the Anthropic and Gemini SDKs `http://PROXY`. A call's
//! path says its protocol (`/chat/completions`, `/v1/messages`, `/responses`,
//! `:streamGenerateContent`); other paths go by family (`/v1beta/...` is Gemini's, a call
//! with an `anthropic-version` header Anthropic's, anything else OpenAI's). The path is then
//! put on that protocol's upstream base as each SDK would: the OpenAI bases include the
//! version (`https://openrouter.ai/api/v1` + `/chat/completions`), the others are hosts
//! (`https://api.anthropic.com` + `/v1/messages`).

use std::collections::BTreeMap;

use axum::http::HeaderMap;

use crate::llm::protocol::{ApiKey, AuthScheme, Protocol};

/// Where the proxy forwards to.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// How summaries name it: a provider name or the URL.
    pub name: String,
    /// The base URL of each protocol, as its SDK takes it.
    pub bases: BTreeMap<Protocol, String>,
    /// With `--add-key`: the provider's key, put in place of the client's auth.
    pub add_key: Option<AddKey>,
}

/// The key the proxy adds, and how each protocol presents it.
#[derive(Debug, Clone)]
pub struct AddKey {
    pub key: ApiKey,
    pub schemes: BTreeMap<Protocol, AuthScheme>,
}

impl Upstream {
    /// A URL upstream (`http://127.0.0.1:8787`, `https://openrouter.ai/api/v1`): every
    /// protocol is served under it, the OpenAI ones at `/v1`.
    pub fn from_url(url: &str) -> Upstream {
        let url = url.trim_end_matches('/');
        let root = url.strip_suffix("/v1").unwrap_or(url);
        let bases = Protocol::ALL
            .into_iter()
            .map(|p| {
                let base = if p.base_has_version() {
                    format!("{root}/v1")
                } else {
                    root.to_string()
                };
                (p, base)
            })
            .collect();
        Upstream {
            name: url.to_string(),
            bases,
            add_key: None,
        }
    }

    /// The base for `family`; the two OpenAI protocols stand in for each other (a gateway
    /// configured for Chat may well serve Responses at the same base).
    fn base(&self, family: Protocol) -> Option<&str> {
        let sibling = match family {
            Protocol::OpenAiChat => Some(Protocol::OpenAiResponses),
            Protocol::OpenAiResponses => Some(Protocol::OpenAiChat),
            _ => None,
        };
        self.bases
            .get(&family)
            .or_else(|| sibling.and_then(|s| self.bases.get(&s)))
            .map(String::as_str)
    }
}

/// The protocol a call speaks, by its path; `None` for anything that is not a generation
/// call (model lists, embeddings), which is forwarded and recorded raw.
pub fn protocol_for_path(path: &str) -> Option<Protocol> {
    if path.ends_with("/chat/completions") {
        Some(Protocol::OpenAiChat)
    } else if path == "/v1/messages" || path.ends_with("/v1/messages") {
        Some(Protocol::Anthropic)
    } else if path.ends_with("/responses") {
        Some(Protocol::OpenAiResponses)
    } else if path.ends_with(":streamGenerateContent") || path.ends_with(":generateContent") {
        Some(Protocol::Gemini)
    } else {
        None
    }
}

/// Where one call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The protocol to decode the answer with, when the path says.
    pub protocol: Option<Protocol>,
    /// The protocol whose base URL and auth scheme the call uses.
    pub family: Protocol,
    /// The full upstream URL, query included.
    pub url: String,
}

/// Maps a call (path and query as the client sent them) onto the upstream.
pub fn route(
    upstream: &Upstream,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Route, String> {
    let protocol = protocol_for_path(path);
    let family = protocol.unwrap_or_else(|| {
        if path.starts_with("/v1beta") || path.starts_with("/v1alpha") {
            Protocol::Gemini
        } else if headers.contains_key("anthropic-version") {
            Protocol::Anthropic
        } else {
            Protocol::OpenAiChat
        }
    });
    let base = upstream.base(family).ok_or_else(|| {
        format!(
            "upstream {} has no base URL for the {family} protocol",
            upstream.name
        )
    })?;
    let rest = match path.strip_prefix("/v1") {
        Some(r) if family.base_has_version() && (r.is_empty() || r.starts_with('/')) => r,
        _ => path,
    };
    let mut url = format!("{}{rest}", base.trim_end_matches('/'));
    let query = match (&upstream.add_key, query) {
        (Some(_), Some(q)) => Some(without_key_params(q)),
        (_, q) => q.map(str::to_string),
    };
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(&q);
    }
    Ok(Route {
        protocol,
        family,
        url,
    })
}

fn without_key_params(query: &str) -> String {
    query
        .split('&')
        .filter(|kv| !matches!(kv.split_once('=').map(|(k, _)| k), Some("key" | "api_key")))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        m
    }

    fn url(
        up: &Upstream,
        path: &str,
        query: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (Option<Protocol>, String) {
        let r = route(up, path, query, &map(headers)).unwrap();
        (r.protocol, r.url)
    }

    #[test]
    fn each_protocol_lands_on_its_base() {
        let demo = Upstream::from_url("http://127.0.0.1:8787/v1/");
        assert_eq!(
            url(&demo, "/v1/chat/completions", None, &[]),
            (
                Some(Protocol::OpenAiChat),
                "http://127.0.0.1:8787/v1/chat/completions".into()
            )
        );
        assert_eq!(
            url(&demo, "/v1/messages", None, &[]),
            (
                Some(Protocol::Anthropic),
                "http://127.0.0.1:8787/v1/messages".into()
            )
        );
        assert_eq!(
            url(&demo, "/v1/responses", None, &[]).0,
            Some(Protocol::OpenAiResponses)
        );
        assert_eq!(
            url(
                &demo,
                "/v1beta/models/g:streamGenerateContent",
                Some("alt=sse"),
                &[]
            ),
            (
                Some(Protocol::Gemini),
                "http://127.0.0.1:8787/v1beta/models/g:streamGenerateContent?alt=sse".into()
            )
        );
        assert_eq!(
            url(
                &demo,
                "/v1/models",
                None,
                &[("anthropic-version", "2023-06-01")]
            )
            .1,
            "http://127.0.0.1:8787/v1/models"
        );
        // A gateway whose OpenAI base has its own prefix.
        let mut or = Upstream::from_url("https://openrouter.ai/api/v1");
        assert_eq!(
            url(&or, "/v1/chat/completions", None, &[]).1,
            "https://openrouter.ai/api/v1/chat/completions"
        );
        assert_eq!(
            url(&or, "/chat/completions", None, &[]).1,
            "https://openrouter.ai/api/v1/chat/completions"
        );
        assert_eq!(
            url(&or, "/v1/models", None, &[]),
            (None, "https://openrouter.ai/api/v1/models".into())
        );
        // A provider upstream with only some protocols.
        or.bases.retain(|p, _| *p == Protocol::OpenAiChat);
        assert_eq!(
            url(&or, "/v1/responses", None, &[]).1,
            "https://openrouter.ai/api/v1/responses"
        );
        let err = route(&or, "/v1/messages", None, &HeaderMap::new()).unwrap_err();
        assert!(
            err.contains("no base URL for the anthropic protocol"),
            "{err}"
        );
    }

    #[test]
    fn added_keys_replace_query_keys() {
        let mut up = Upstream::from_url("https://g.example");
        up.add_key = Some(AddKey {
            key: ApiKey::new("k"),
            schemes: BTreeMap::new(),
        });
        let (_, u) = url(
            &up,
            "/v1beta/models/g:generateContent",
            Some("key=client&alt=sse"),
            &[],
        );
        assert_eq!(
            u,
            "https://g.example/v1beta/models/g:generateContent?alt=sse"
        );
    }
}
