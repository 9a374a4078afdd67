//! `ProviderError`: every way a request can fail, as a value.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutPhase {
    /// No TCP/TLS connection could be made in time.
    Connect,
    /// Connected, but the response headers did not arrive in time.
    FirstByte,
    /// The stream had started, then went silent for too long between frames.
    Idle,
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProviderError {
    /// The provider answered with a non-success HTTP status.
    Http {
        status: u16,
        /// The provider's own message, pulled out of its error envelope when there is one.
        message: String,
        /// The provider's error code or type (`rate_limit_exceeded`, `invalid_api_key`, ...).
        code: Option<String>,
        /// The raw response body.
        body: String,
        /// Seconds from a `Retry-After` header, when sent.
        retry_after_secs: Option<u64>,
    },
    /// The connection failed or broke: refused, reset, or dropped in the middle of a stream.
    Transport { message: String },
    /// The response could not be understood (not JSON where JSON was due, broken UTF-8).
    Decode { message: String },
    /// A wait ran out.
    Timeout { phase: TimeoutPhase, after_ms: u64 },
    /// The user cancelled.
    Cancelled,
    /// The provider reported an error inside a stream that had started with HTTP 200.
    Stream {
        message: String,
        code: Option<String>,
    },
    /// The stream ended cleanly but before the protocol's end marker (`[DONE]`, ...): the
    /// answer may be truncated.
    Incomplete,
    /// The request could not be built or sent as configured (missing key, protocol not
    /// available, bad URL).
    Config { message: String },
}

impl ProviderError {
    /// True when this failure happened before any response began, so sending again cannot
    /// double-bill.
    pub fn is_before_response(&self) -> bool {
        matches!(
            self,
            ProviderError::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }
        )
    }
}

impl ProviderError {
    /// What the user can do about this failure, when there is something specific: shown
    /// after the error. Payment and auth failures are never retried, so they say how to fix
    /// them.
    pub fn advice(&self) -> Option<&'static str> {
        match self {
            ProviderError::Http { status, code, .. } => match (*status, code.as_deref()) {
                (402, _) | (429, Some("insufficient_quota")) => Some(
                    "the account is out of credits or quota: top up the balance (or raise \
                     the limit) with the provider, then send again",
                ),
                (401, _) => Some(
                    "the key was refused: check the provider's key (its api_key_env \
                     variable or api_key_cmd) and that it is a key of this provider",
                ),
                (403, _) => Some(
                    "the key may not use this model or route: check the key's scopes and \
                     the model's access (plan, region, verification)",
                ),
                (404, _) => Some(
                    "check the model id (`switchboard models` lists them) and the \
                     provider's base URL for this protocol",
                ),
                (413, _) => Some("the request is too large: shorten the conversation"),
                (429, _) => Some("rate limited: wait as the provider says, or send fewer requests"),
                (529, _) | (503, _) => Some("the provider is overloaded: try again shortly"),
                _ => None,
            },
            // A connection that broke after the answer began is not a reachability problem.
            ProviderError::Transport { message } if message.starts_with("the connection broke") => {
                Some("send again; what arrived before the break is kept")
            }
            ProviderError::Transport { .. }
            | ProviderError::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            } => Some(
                "could not reach the provider: check its base URL and the network (a \
                 local server must be running)",
            ),
            ProviderError::Incomplete => Some("send again to get the whole answer"),
            _ => None,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::Http {
                status,
                message,
                retry_after_secs,
                ..
            } => {
                write!(f, "HTTP {status}")?;
                if let Some(reason) = http_reason(*status) {
                    write!(f, " {reason}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if let Some(secs) = retry_after_secs {
                    write!(f, " (retry after {secs} s)")?;
                }
                Ok(())
            }
            ProviderError::Transport { message } => write!(f, "connection error: {message}"),
            ProviderError::Decode { message } => {
                write!(f, "could not decode the response: {message}")
            }
            ProviderError::Timeout { phase, after_ms } => {
                let what = match phase {
                    TimeoutPhase::Connect => "could not connect",
                    TimeoutPhase::FirstByte => "no response",
                    TimeoutPhase::Idle => "the stream stalled: no data",
                };
                write!(
                    f,
                    "timed out: {what} within {:.1} s",
                    *after_ms as f64 / 1000.0
                )
            }
            ProviderError::Cancelled => f.write_str("cancelled"),
            ProviderError::Stream { message, code } => match code {
                Some(code) => write!(f, "provider error in stream ({code}): {message}"),
                None => write!(f, "provider error in stream: {message}"),
            },
            ProviderError::Incomplete => {
                f.write_str("the stream ended before the end marker: the answer may be truncated")
            }
            ProviderError::Config { message } => f.write_str(message),
        }
    }
}

impl std::error::Error for ProviderError {}

fn http_reason(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_error_reads_as_one_line() {
        let e = ProviderError::Http {
            status: 429,
            message: "Rate limit exceeded".into(),
            code: Some("rate_limit_exceeded".into()),
            body: "{}".into(),
            retry_after_secs: Some(12),
        };
        assert_eq!(
            e.to_string(),
            "HTTP 429 Too Many Requests: Rate limit exceeded (retry after 12 s)"
        );
        assert!(e.advice().is_some_and(|a| a.contains("rate limited")));
        let paid = ProviderError::Http {
            status: 402,
            message: "Insufficient credits".into(),
            code: None,
            body: String::new(),
            retry_after_secs: None,
        };
        assert!(paid.advice().is_some_and(|a| a.contains("top up")));
    }
}
