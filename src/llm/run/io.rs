//! The HTTP plumbing of the runner: turning an `HttpRequest` into a reqwest request,
//! reading bodies and waits with timeouts and cancellation, and wording HTTP and transport
//! errors without secrets.

use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio_util::sync::CancellationToken;

use super::Timeouts;
use crate::llm::error::{ProviderError, TimeoutPhase};
use crate::llm::http::HttpRequest;
use crate::llm::protocol::error_message;
use crate::llm::ratelimit::{body_wait, header_wait};

pub(super) fn config_error(message: &str) -> ProviderError {
    ProviderError::Config {
        message: message.to_string(),
    }
}

pub(super) fn prepare(
    client: &reqwest::Client,
    request: &HttpRequest,
) -> Result<reqwest::Request, ProviderError> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| config_error("invalid HTTP method"))?;
    let mut headers = HeaderMap::new();
    for h in &request.headers {
        let name =
            HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| ProviderError::Config {
                message: format!("invalid header name {:?}", h.name),
            })?;
        let mut value = HeaderValue::from_str(&h.value).map_err(|_| ProviderError::Config {
            // Never echo the value: it may be a key.
            message: format!("invalid characters in the value of header {}", h.name),
        })?;
        value.set_sensitive(h.secret);
        headers.append(name, value);
    }
    let mut builder = client.request(method, &request.url).headers(headers);
    if let Some(body) = &request.body {
        let bytes = serde_json::to_vec(body).map_err(|e| ProviderError::Config {
            message: format!("could not serialize the body: {e}"),
        })?;
        builder = builder.body(bytes);
    }
    builder.build().map_err(|e| ProviderError::Config {
        message: format!("invalid request: {}", without_url_secrets(&e.to_string())),
    })
}

/// reqwest errors quote the URL, which may carry a `key=` query parameter.
pub(super) fn without_url_secrets(text: &str) -> String {
    match text.find("key=") {
        Some(i) => format!("{}key=***", &text[..i]),
        None => text.to_string(),
    }
}

pub(super) fn transport_error(e: &reqwest::Error, connect: Duration) -> ProviderError {
    if e.is_connect() && e.is_timeout() {
        return ProviderError::Timeout {
            phase: TimeoutPhase::Connect,
            after_ms: u64::try_from(connect.as_millis()).unwrap_or(u64::MAX),
        };
    }
    ProviderError::Transport {
        message: without_url_secrets(&crate::llm::sse::error_chain(e)),
    }
}

/// The response headers as name/value pairs, for the record.
pub(super) fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A wait in whole seconds, rounded up (a 0.4 s wait is "retry after 1 s", not 0).
pub(super) fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// A plain GET (model lists and the like): the body text, with the same timeouts and
/// cancellation as a run. A non-success status is a `ProviderError::Http`.
pub async fn get_text(
    client: &reqwest::Client,
    request: &HttpRequest,
    timeouts: &Timeouts,
    cancel: &CancellationToken,
) -> Result<String, ProviderError> {
    let prepared = prepare(client, request)?;
    let resp = guard(
        cancel,
        timeouts.first_byte,
        TimeoutPhase::FirstByte,
        client.execute(prepared),
    )
    .await?
    .map_err(|e| transport_error(&e, timeouts.connect))?;
    let status = resp.status().as_u16();
    let header_hint = header_wait(&header_pairs(resp.headers()), SystemTime::now());
    let body = read_body(resp, timeouts.idle, cancel).await?.text;
    if !(200..300).contains(&status) {
        let hint = header_hint.or_else(|| body_wait(&body)).map(ceil_secs);
        return Err(http_error(status, body, hint));
    }
    Ok(body)
}

pub(super) fn http_error(
    status: u16,
    body: String,
    retry_after_secs: Option<u64>,
) -> ProviderError {
    let (message, code) = error_message(&body).unwrap_or_else(|| {
        // Whitespace collapsed: an HTML error page must not make the error span lines.
        let snippet: String = body
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(300)
            .collect();
        (snippet, None)
    });
    ProviderError::Http {
        status,
        message,
        code,
        body,
        retry_after_secs,
    }
}

/// A whole body, read with the idle timeout between reads.
pub(super) struct Body {
    pub(super) text: String,
    /// Set when the bytes were not UTF-8 (the text then holds replacement characters).
    pub(super) utf8_error: Option<String>,
}

pub(super) async fn read_body(
    resp: reqwest::Response,
    idle: Duration,
    cancel: &CancellationToken,
) -> Result<Body, ProviderError> {
    let mut bytes = Vec::new();
    let chunks = resp.bytes_stream();
    tokio::pin!(chunks);
    while let Some(chunk) = guard(cancel, idle, TimeoutPhase::Idle, chunks.next()).await? {
        match chunk {
            Ok(b) => bytes.extend_from_slice(&b),
            Err(e) => {
                return Err(ProviderError::Transport {
                    message: format!(
                        "the connection broke after {} bytes of the body: {}",
                        bytes.len(),
                        without_url_secrets(&crate::llm::sse::error_chain(&e))
                    ),
                });
            }
        }
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Body {
            text,
            utf8_error: None,
        },
        Err(e) => Body {
            utf8_error: Some(format!("the body is not valid UTF-8: {}", e.utf8_error())),
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
        },
    })
}

/// Awaits `fut`, failing on timeout or cancel (cancel wins a tie).
pub(super) async fn guard<T>(
    cancel: &CancellationToken,
    limit: Duration,
    phase: TimeoutPhase,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, ProviderError> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(ProviderError::Cancelled),
        r = tokio::time::timeout(limit, fut) => r.map_err(|_| ProviderError::Timeout {
            phase,
            after_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
        }),
    }
}
