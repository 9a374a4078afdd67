//! Error replies in the OpenAI envelope `{"error":{"message","type","param","code"}}`.

use super::faults::FaultStatus;
use super::models;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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
        let body = self.body();
        let mut resp = (self.status, [("content-type", "application/json")], body).into_response();
        if let Some(secs) = self.retry_after {
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
        assert!(v["error"]["code"].is_null() && v["error"]["param"].is_null());
    }
}
