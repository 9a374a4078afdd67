//! `HttpRequest`, the value that is both sent and shown, and `Exchange`, the record of one
//! request and everything that came back. Secrets are masked when a request is recorded.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ProviderError;
use super::event::StopReason;
use super::usage::Usage;

/// One request header. `secret` headers are masked in every recorded or shown copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// The exact request: what the runner sends, byte for byte, and what the inspector shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    /// The JSON body; `None` for a GET.
    pub body: Option<Value>,
}

impl HttpRequest {
    /// A POST with a JSON body and a `Content-Type` header.
    pub fn post_json(url: impl Into<String>, body: Value) -> Self {
        HttpRequest {
            method: "POST".into(),
            url: url.into(),
            headers: vec![Header {
                name: "Content-Type".into(),
                value: "application/json".into(),
                secret: false,
            }],
            body: Some(body),
        }
    }

    /// A GET without a body.
    pub fn get(url: impl Into<String>) -> Self {
        HttpRequest {
            method: "GET".into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header that is shown as is.
    pub fn header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push(Header {
            name: name.into(),
            value: value.into(),
            secret: false,
        });
    }

    /// Adds a header that holds a secret and is masked in every recorded copy.
    pub fn secret_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push(Header {
            name: name.into(),
            value: value.into(),
            secret: true,
        });
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// A copy safe to record and show: secret headers masked, and `key=` in the query string
    /// (Gemini's scheme) masked too.
    pub fn redacted(&self) -> HttpRequest {
        let headers = self
            .headers
            .iter()
            .map(|h| Header {
                name: h.name.clone(),
                value: if h.secret {
                    mask_header_value(&h.value)
                } else {
                    h.value.clone()
                },
                secret: h.secret,
            })
            .collect();
        HttpRequest {
            method: self.method.clone(),
            url: mask_url_key(&self.url),
            headers,
            body: self.body.clone(),
        }
    }
}

/// Masks a secret, keeping a hint to tell keys apart: `clip…7f3a` for long keys, `***` for
/// short ones (where showing 8 characters would give too much away).
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 20 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    } else {
        "***".to_string()
    }
}

/// Masks a header value, keeping an auth scheme word (`Bearer`, `Key`) readable.
fn mask_header_value(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, rest))
            if !rest.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            format!("{scheme} {}", mask_secret(rest.trim()))
        }
        _ => mask_secret(value),
    }
}

fn mask_url_key(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if k == "key" || k == "api_key" => format!("{k}={}", mask_secret(v)),
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", masked.join("&"))
}

/// One raw server-sent event as it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// Microseconds from the moment the request was sent.
    pub offset_us: u64,
    /// The `event:` name, when the server sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The `data:` payload (several `data:` lines joined by `\n`).
    pub data: String,
}

/// Shorter streaming spans than this are not a rate measurement (see `tokens_per_second`).
const MIN_STREAM_SPAN_US: u64 = 1_000;

/// The record of one request: what was sent (secrets masked), what came back and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// The request as sent, with secrets masked.
    pub request: HttpRequest,
    /// Wall-clock start, milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// How many times the request was sent (more than one only for failures before any
    /// response began).
    pub attempts: u32,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    /// Every SSE frame, in arrival order.
    pub frames: Vec<Frame>,
    /// The body when it was not an event stream: a non-streamed answer or an error body.
    pub body: Option<String>,
    /// Microseconds from sending to the response headers.
    pub ttfb_us: Option<u64>,
    /// Microseconds from sending to the first text, reasoning or tool-call delta.
    pub ttft_us: Option<u64>,
    /// Microseconds from sending to the end (success, failure or cancel).
    pub total_us: Option<u64>,
    /// The last usage the provider reported.
    pub usage: Option<Usage>,
    pub stop_reason: Option<StopReason>,
    /// Frames or bodies that could not be decoded; the stream went on past them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decode_errors: Vec<String>,
    /// Why the request failed, if it did.
    pub error: Option<ProviderError>,
}

impl Exchange {
    /// A copy of everything but the frames, which are the bulk of a long stream (a
    /// 20,000-token answer's frames are megabytes): for a consumer that takes the frames in
    /// another form, such as the history store's packed blob.
    pub fn without_frames(&self) -> Exchange {
        Exchange {
            request: self.request.clone(),
            started_unix_ms: self.started_unix_ms,
            attempts: self.attempts,
            status: self.status,
            response_headers: self.response_headers.clone(),
            frames: Vec::new(),
            body: self.body.clone(),
            ttfb_us: self.ttfb_us,
            ttft_us: self.ttft_us,
            total_us: self.total_us,
            usage: self.usage.clone(),
            stop_reason: self.stop_reason.clone(),
            decode_errors: self.decode_errors.clone(),
            error: self.error.clone(),
        }
    }

    /// An exchange that has only been sent so far.
    pub fn new(request: HttpRequest, started_unix_ms: u64) -> Self {
        Exchange {
            request,
            started_unix_ms,
            attempts: 1,
            status: None,
            response_headers: Vec::new(),
            frames: Vec::new(),
            body: None,
            ttfb_us: None,
            ttft_us: None,
            total_us: None,
            usage: None,
            stop_reason: None,
            decode_errors: Vec::new(),
            error: None,
        }
    }

    /// Output tokens per second. A stream is measured from the first token to the end; an
    /// answer that came whole (no frames: a non-streamed body, or a stream whose tokens
    /// all arrived within a millisecond) over the whole request time, since the
    /// "streaming span" between its first token and its end is only parsing time and would
    /// give an absurd rate.
    pub fn tokens_per_second(&self) -> Option<f64> {
        let usage = self.usage.as_ref()?;
        let total_us = self.total_us?;
        if usage.output == 0 {
            return None;
        }
        let span_us = self
            .ttft_us
            .and_then(|t| total_us.checked_sub(t))
            .filter(|s| !self.frames.is_empty() && *s >= MIN_STREAM_SPAN_US)
            .unwrap_or(total_us);
        (span_us > 0).then(|| usage.output as f64 / (span_us as f64 / 1e6))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_per_second_for_streamed_and_whole_answers() {
        let usage = Usage {
            output: 100,
            ..Usage::default()
        };
        let mut ex = Exchange::new(HttpRequest::get("http://127.0.0.1/x"), 0);
        ex.usage = Some(usage);
        // Streamed: 100 tokens from the first token (0.5 s) to the end (2.5 s): 50 tok/s.
        ex.frames.push(Frame {
            offset_us: 500_000,
            event: None,
            data: "{}".into(),
        });
        ex.ttft_us = Some(500_000);
        ex.total_us = Some(2_500_000);
        assert_eq!(ex.tokens_per_second(), Some(50.0));
        // Not streamed: the body came whole after 2 s and was parsed 3 µs later. The rate
        // is over the whole request (50 tok/s), not 100 / 3 µs (33 million tok/s).
        ex.frames.clear();
        ex.body = Some("{}".into());
        ex.ttft_us = Some(1_999_997);
        ex.total_us = Some(2_000_000);
        assert_eq!(ex.tokens_per_second(), Some(50.0));
        // A stream whose every token came in one burst is measured the same way.
        ex.frames.push(Frame {
            offset_us: 1_999_997,
            event: None,
            data: "{}".into(),
        });
        assert_eq!(ex.tokens_per_second(), Some(50.0));
        ex.total_us = Some(0);
        assert_eq!(ex.tokens_per_second(), None);
        ex.total_us = None;
        assert_eq!(ex.tokens_per_second(), None);
    }

    #[test]
    fn redaction_masks_headers_and_query_keys() {
        let key = "clipia_live_fake-0123456789abcdef7f3a";
        let mut req = HttpRequest::post_json(
            format!("https://example.test/v1/x?alt=sse&key={key}"),
            json!({"model": "m"}),
        );
        req.secret_header("Authorization", format!("Bearer {key}"));
        req.secret_header("x-api-key", "short-key");
        let red = req.redacted();
        let text = serde_json::to_string(&red).unwrap();
        assert!(!text.contains(key), "{text}");
        assert_eq!(red.header_value("Authorization"), Some("Bearer clip…7f3a"));
        assert_eq!(red.header_value("x-api-key"), Some("***"));
        assert!(red.url.ends_with("key=clip…7f3a"));
        // The original is untouched: it is what gets sent.
        assert_eq!(
            req.header_value("Authorization"),
            Some(format!("Bearer {key}").as_str())
        );
    }
}
