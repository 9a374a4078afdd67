//! Whether and when to send a request again: only replies that refused before any answer
//! began, waiting what the provider asked for.

use std::time::{Duration, SystemTime};

use super::io::{ceil_secs, header_pairs, http_error, read_body};
use super::{Session, Update, micros_since};
use crate::llm::error::ProviderError;
use crate::llm::protocol::error_message;
use crate::llm::ratelimit::{body_wait, header_wait, should_retry};

/// The statuses that mean "not now" rather than "no".
pub const RETRY_STATUSES: [u16; 4] = [429, 502, 503, 529];

/// The wait before retry `attempt` (1-based) when the provider gave none.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 << attempt.saturating_sub(1).min(4))
}

impl Session<'_> {
    /// Reads a retryable reply and decides: the wait and its reason to send again, or,
    /// when the reply stands (a wait above the cap, `x-should-retry: false`, spent quota),
    /// the reply recorded as the response and its error.
    pub(super) async fn retry_wait(
        &mut self,
        resp: reqwest::Response,
        attempt: u32,
        on: &mut (dyn FnMut(Update<'_>) + Send),
    ) -> Result<(Duration, String), ProviderError> {
        let status = resp.status().as_u16();
        let headers = header_pairs(resp.headers());
        let ttfb = micros_since(self.start);
        let body = read_body(resp, self.opts.timeouts.idle, self.cancel).await?;
        let from_headers = header_wait(&headers, SystemTime::now());
        let from_body = body_wait(&body.text);
        let quota_spent = error_message(&body.text)
            .and_then(|(_, code)| code)
            .is_some_and(|c| c == "insufficient_quota");
        let (wait, reason) = match (from_headers, from_body) {
            (Some(w), _) => (
                w,
                format!(
                    "HTTP {status}, the provider asks to wait {:.1} s",
                    w.as_secs_f64()
                ),
            ),
            (None, Some(w)) => (
                w,
                format!(
                    "HTTP {status}, retryDelay {:.1} s in the body",
                    w.as_secs_f64()
                ),
            ),
            (None, None) => {
                let w = backoff(attempt);
                (
                    w,
                    format!(
                        "HTTP {status}, no wait given: backing off {:.1} s",
                        w.as_secs_f64()
                    ),
                )
            }
        };
        let refused = should_retry(&headers) == Some(false) || quota_spent;
        if !refused && wait <= self.opts.retry.max_wait {
            return Ok((wait, reason));
        }
        self.ex.status = Some(status);
        self.ex.ttfb_us = Some(ttfb);
        self.ex.response_headers = headers;
        on(Update::Response {
            status,
            headers: &self.ex.response_headers,
        });
        self.ex.decode_errors.extend(body.utf8_error);
        let hint = from_headers.or(from_body).map(ceil_secs);
        let error = http_error(status, body.text.clone(), hint);
        self.ex.body = Some(body.text);
        Err(error)
    }
}
