//! Error replies, in each protocol's envelope: OpenAI's
//! `{"error":{"message","type","param","code"}}` (Chat and Responses), Anthropic's
//! `{"type":"error","error":{"type","message"},"request_id"}`, and Google's
//! `{"error":{"code","message","status","details"}}` (with the 429 wait in `RetryInfo`).

use super::dialect::Dialect;
use super::faults::FaultStatus;
use super::models;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error reply in the OpenAI envelope `{"error":{"message","type","param","code"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable message.
    pub message: String,
    /// `invalid_request_error`, `rate_limit_exceeded`, ...
    pub kind: &'static str,
    /// The offending request field, if any.
    pub param: Option<&'static str>,
    /// A machine-readable code, if any.
    pub code: Option<&'static str>,
    /// `Retry-After` seconds, if any.
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// A 400 `invalid_request_error`.
    pub fn invalid(message: impl Into<String>, param: Option<&'static str>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind: "invalid_request_error",
            param,
            code: None,
            retry_after: None,
        }
    }

    /// The envelope JSON.
    pub fn body(&self) -> Vec<u8> {
        let value = serde_json::json!({
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        });
        serde_json::to_vec(&value).unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.response(Dialect::Chat)
    }
}

impl ApiError {
    /// Anthropic's error `type` for this status.
    pub fn anthropic_type(&self) -> &'static str {
        match self.status.as_u16() {
            401 => "authentication_error",
            402 => "billing_error",
            403 => "permission_error",
            404 => "not_found_error",
            413 => "request_too_large",
            429 => "rate_limit_error",
            529 | 503 => "overloaded_error",
            s if s >= 500 => "api_error",
            _ => "invalid_request_error",
        }
    }

    /// Google's status name for this HTTP status.
    pub fn google_status(&self) -> &'static str {
        match self.status.as_u16() {
            401 => "UNAUTHENTICATED",
            402 => "FAILED_PRECONDITION",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            429 => "RESOURCE_EXHAUSTED",
            503 | 529 => "UNAVAILABLE",
            s if s >= 500 => "INTERNAL",
            _ => "INVALID_ARGUMENT",
        }
    }

    /// The envelope JSON of `dialect`.
    pub fn body_for(&self, dialect: Dialect) -> Vec<u8> {
        let value = match dialect {
            Dialect::Chat | Dialect::Responses => return self.body(),
            Dialect::Messages => json!({
                "type": "error",
                "error": {"type": self.anthropic_type(), "message": self.message},
                "request_id": "req_demo",
            }),
            Dialect::Gemini => {
                let mut details = vec![json!({
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": self.code.unwrap_or(self.kind),
                    "domain": "switchboard.demo",
                })];
                if let Some(secs) = self.retry_after {
                    details.push(json!({
                        "@type": "type.googleapis.com/google.rpc.RetryInfo",
                        "retryDelay": format!("{secs}s"),
                    }));
                }
                json!({"error": {
                    "code": self.status.as_u16(),
                    "message": self.message,
                    "status": self.google_status(),
                    "details": details,
                }})
            }
        };
        serde_json::to_vec(&value).unwrap_or_default()
    }

    /// The reply in `dialect`'s form. The wait goes where that protocol puts it: the
    /// `Retry-After` header, and for Gemini only the body's `RetryInfo`.
    pub fn response(&self, dialect: Dialect) -> Response {
        let body = self.body_for(dialect);
        let mut resp = (self.status, [("content-type", "application/json")], body).into_response();
        if let Some(secs) = self.retry_after
            && dialect != Dialect::Gemini
        {
            resp.headers_mut().insert("retry-after", secs.into());
        }
        resp
    }
}

/// The error a fault status asks for.
pub fn fault_error(status: FaultStatus) -> ApiError {
    match status {
        FaultStatus::Unauthorized => ApiError {
            status: StatusCode::UNAUTHORIZED,
            message: "Incorrect API key provided (demo fault 401).".into(),
            kind: "invalid_request_error",
            param: None,
            code: Some("invalid_api_key"),
            retry_after: None,
        },
        FaultStatus::RateLimited => ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: "Rate limit exceeded (demo fault 429). Try again in 2 seconds.".into(),
            kind: "rate_limit_exceeded",
            param: None,
            code: Some("rate_limit_exceeded"),
            retry_after: Some(2),
        },
        FaultStatus::ServerError => ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "The server had an error while processing your request (demo fault 500)."
                .into(),
            kind: "server_error",
            param: None,
            code: None,
            retry_after: None,
        },
        FaultStatus::PaymentRequired => ApiError {
            status: StatusCode::PAYMENT_REQUIRED,
            message: "Insufficient credits: the balance is spent (demo fault 402).".into(),
            kind: "insufficient_credits",
            param: None,
            code: Some("insufficient_credits"),
            retry_after: None,
        },
        FaultStatus::Unavailable => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "The service is temporarily unavailable (demo fault 503).".into(),
            kind: "server_error",
            param: None,
            code: Some("unavailable"),
            retry_after: None,
        },
        FaultStatus::Overloaded => ApiError {
            status: StatusCode::from_u16(529).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            message: "Overloaded (demo fault 529).".into(),
            kind: "overloaded_error",
            param: None,
            code: Some("overloaded"),
            retry_after: None,
        },
    }
}

/// The `model_not_found` error for `id`, listing the valid ids.
pub fn model_error(id: &str) -> ApiError {
    let shown: String = id.chars().take(80).collect();
    ApiError {
        status: StatusCode::NOT_FOUND,
        message: format!(
            "The model `{shown}` does not exist. The demo provider serves: {}.",
            models::id_list()
        ),
        kind: "invalid_request_error",
        param: Some("model"),
        code: Some("model_not_found"),
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        let v: serde_json::Value =
            serde_json::from_slice(&model_error("gpt-9").body()).expect("json");
        assert_eq!(v["error"]["code"], "model_not_found");
        assert_eq!(v["error"]["param"], "model");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("demo-reasoner")
        );
        let e = fault_error(FaultStatus::RateLimited);
        assert_eq!((e.status.as_u16(), e.retry_after), (429, Some(2)));
        let resp = e.into_response();
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("2")
        );
        let v: serde_json::Value =
            serde_json::from_slice(&ApiError::invalid("bad", None).body()).expect("json");
        assert_eq!(v["error"]["type"], "invalid_request_error");
        let limited = fault_error(FaultStatus::RateLimited);
        let v: serde_json::Value =
            serde_json::from_slice(&limited.body_for(Dialect::Gemini)).expect("json");
        assert_eq!(v["error"]["status"], "RESOURCE_EXHAUSTED");
        assert_eq!(v["error"]["details"][1]["retryDelay"], "2s");
        let resp = limited.response(Dialect::Gemini);
        assert!(resp.headers().get("retry-after").is_none());
        let v: serde_json::Value =
            serde_json::from_slice(&limited.body_for(Dialect::Messages)).expect("json");
        assert_eq!(v["error"]["type"], "rate_limit_error");
        assert!(v["error"]["code"].is_null() && v["error"]["param"].is_null());
    }
}
