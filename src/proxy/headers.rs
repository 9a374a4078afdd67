//! The headers the proxy forwards: all but the hop-by-hop ones, with the client's auth
//! marked secret for the record (or replaced by the provider's key with `--add-key`).

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use super::route::AddKey;
use crate::llm::http::{Header, HttpRequest};
use crate::llm::protocol::{AuthScheme, Protocol};

/// Headers that describe one connection, not the message (RFC 9110 7.6.1), plus `host`
/// and `content-length`, which the forwarding client sets for its own connection.
const HOP_BY_HOP: [&str; 11] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// Headers that carry a client's key: forwarded, but recorded masked.
const AUTH: [&str; 4] = ["authorization", "x-api-key", "x-goog-api-key", "api-key"];

/// True for a header that must not be forwarded: hop-by-hop ones and any the `Connection`
/// header names.
fn is_hop(name: &str, connection: &[String]) -> bool {
    HOP_BY_HOP.contains(&name) || connection.iter().any(|c| c == name)
}

fn connection_tokens(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("connection")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The request headers to send upstream, in order. `Accept-Encoding` becomes `identity`:
/// the recorder must read the body, and a compressed stream could not be decoded frame by
/// frame. With `add_key`, the client's auth headers are replaced by the provider's key.
pub fn request_headers(
    headers: &HeaderMap,
    add_key: Option<&AddKey>,
    family: Protocol,
) -> Vec<Header> {
    let connection = connection_tokens(headers);
    let mut out = Vec::with_capacity(headers.len() + 1);
    for (name, value) in headers {
        let n = name.as_str();
        if is_hop(n, &connection) || (add_key.is_some() && AUTH.contains(&n)) {
            continue;
        }
        let value = if n == "accept-encoding" {
            "identity".to_string()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        out.push(Header {
            name: n.to_string(),
            value,
            secret: AUTH.contains(&n) || n == "cookie",
        });
    }
    if let Some(add) = add_key {
        let scheme = add
            .schemes
            .get(&family)
            .copied()
            .unwrap_or_else(|| family.default_auth());
        let k = add.key.expose();
        let mut carrier = HttpRequest::get("");
        match scheme {
            AuthScheme::Bearer => carrier.secret_header("authorization", format!("Bearer {k}")),
            AuthScheme::Key => carrier.secret_header("authorization", format!("Key {k}")),
            AuthScheme::XApiKey => carrier.secret_header("x-api-key", k),
            AuthScheme::XGoogApiKey => carrier.secret_header("x-goog-api-key", k),
            AuthScheme::None => {}
        }
        out.extend(carrier.headers);
    }
    out
}

/// The response headers to give the client: all but the hop-by-hop ones (the length
/// stays: the body is passed on byte for byte).
pub fn response_headers(headers: &HeaderMap) -> HeaderMap {
    let connection = connection_tokens(headers);
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let n = name.as_str();
        if n != "content-length" && is_hop(n, &connection) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

/// `headers` as a reqwest/http header map; a header that cannot be sent is an error.
pub fn to_header_map(headers: &[Header]) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for h in headers {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| format!("invalid header name {:?}", h.name))?;
        let mut value = HeaderValue::from_str(&h.value)
            .map_err(|_| format!("invalid characters in header {}", h.name))?;
        value.set_sensitive(h.secret);
        map.append(name, value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::llm::protocol::ApiKey;

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

    #[test]
    fn hop_by_hop_headers_stay_behind_and_keys_are_secret() {
        let h = map(&[
            ("host", "127.0.0.1:8080"),
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("content-length", "12"),
            ("accept-encoding", "gzip, br"),
            ("authorization", "Bearer sk-client"),
            ("x-stainless-lang", "python"),
        ]);
        let out = request_headers(&h, None, Protocol::OpenAiChat);
        let names: Vec<&str> = out.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            ["accept-encoding", "authorization", "x-stainless-lang"]
        );
        assert_eq!(out[0].value, "identity");
        assert!(out[1].secret && !out[2].secret);
        let add = AddKey {
            key: ApiKey::new("sk-provider"),
            schemes: BTreeMap::from([(Protocol::Anthropic, AuthScheme::XApiKey)]),
        };
        let out = request_headers(&h, Some(&add), Protocol::Anthropic);
        assert!(!out.iter().any(|h| h.value.contains("sk-client")));
        let key = out.iter().find(|h| h.name == "x-api-key").unwrap();
        assert!(key.secret && key.value == "sk-provider");
        let resp = response_headers(&map(&[
            ("transfer-encoding", "chunked"),
            ("content-length", "5"),
            ("x-ratelimit-remaining", "9"),
        ]));
        assert_eq!(resp.len(), 2);
    }
}
