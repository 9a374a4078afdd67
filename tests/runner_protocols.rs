//! `llm::run::run` over each wire protocol against scripted raw HTTP/1.1 servers on
//! 127.0.0.1: success, error status with the protocol's error body, in-stream error, EOF
//! before the end marker, retries after 429 with each kind of wait hint, no retry after
//! 402/401/403, rate-limit headers. (The demo server over each protocol:
//! `protocol_demo_runs.rs`.) No sleep decides an outcome; every wait and loop is bounded.

mod protocol_support;

use std::time::Duration;

use protocol_support::runs::{frames, hello, opts, retries, send};
use protocol_support::server::{KEY, Reply, Server};
use serde_json::json;
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::StopReason;
use switchboard::llm::protocol::Protocol;
use switchboard::llm::ratelimit::RateLimits;
use switchboard::llm::run::{self, RetryPolicy};

// ---------------------------------------------------------------------------------------
// Scripted servers
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn success_over_each_protocol() {
    for protocol in Protocol::ALL {
        let mut server = Server::start(vec![Reply::sse(hello(protocol, None))]).await;
        let (ex, got) = send(&server, protocol, &opts(RetryPolicy::NONE)).await;
        let seen = server.next().await;
        assert_eq!(ex.error, None, "{protocol}");
        assert_eq!(got.text(), "Hello, wörld", "{protocol}");
        assert_eq!(ex.stop_reason, Some(StopReason::Stop), "{protocol}");
        let u = ex.usage.as_ref().expect("usage");
        assert_eq!((u.input, u.output), (5, 3), "{protocol}");
        let path = seen.head.lines().next().unwrap().to_string();
        let expected = match protocol {
            Protocol::OpenAiChat => "POST /v1/chat/completions ",
            Protocol::Anthropic => "POST /v1/messages ",
            Protocol::OpenAiResponses => "POST /v1/responses ",
            Protocol::Gemini => "POST /v1beta/models/m-test:streamGenerateContent?alt=sse ",
        };
        assert!(path.starts_with(expected), "{protocol}: {path}");
        assert!(!serde_json::to_string(&ex).unwrap().contains(KEY));
    }
}

#[tokio::test]
async fn error_status_with_each_protocols_error_body() {
    let cases = [
        (
            Protocol::Anthropic,
            400,
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"},"request_id":"req_1"}"#,
            "max_tokens: Field required",
            "invalid_request_error",
        ),
        (
            Protocol::OpenAiResponses,
            400,
            r#"{"error":{"message":"The requested model 'x' does not exist.","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#,
            "The requested model 'x' does not exist.",
            "model_not_found",
        ),
        (
            Protocol::Gemini,
            400,
            r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}"#,
            "API key not valid. Please pass a valid API key.",
            "INVALID_ARGUMENT",
        ),
    ];
    for (protocol, status, body, message, code) in cases {
        let mut server = Server::start(vec![Reply::json(status, body)]).await;
        let (ex, got) = send(&server, protocol, &opts(retries(2))).await;
        server.next().await;
        assert!(
            got.events.is_empty(),
            "{protocol}: an error body is not decoded as a stream"
        );
        match &ex.error {
            Some(ProviderError::Http {
                status: s,
                message: m,
                code: c,
                ..
            }) => {
                assert_eq!(
                    (*s, m.as_str(), c.as_deref()),
                    (status, message, Some(code))
                );
            }
            other => panic!("{protocol}: {other:?}"),
        }
        assert_eq!(ex.body.as_deref(), Some(body));
        assert_eq!(ex.attempts, 1, "a 400 is not retried");
    }
}

#[tokio::test]
async fn in_stream_error_in_each_protocols_form() {
    let anthropic = [
        hello(Protocol::Anthropic, Some(3)),
        b"event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n".to_vec(),
    ]
    .concat();
    let responses = [
        hello(Protocol::OpenAiResponses, Some(3)),
        frames(
            Protocol::OpenAiResponses,
            &[
                json!({"type": "error", "code": "server_error", "message": "The model failed"}),
                json!({"type": "response.failed", "response": {"status": "failed",
                "error": {"code": "server_error", "message": "The model failed"}}}),
            ],
        ),
    ]
    .concat();
    let gemini = [
        hello(Protocol::Gemini, Some(1)),
        b"{\n  \"error\": {\n    \"code\": 499,\n    \"message\": \"The operation was cancelled.\",\n    \"status\": \"CANCELLED\"\n  }\n}\n".to_vec(),
    ]
    .concat();
    for (protocol, body, message, code) in [
        (
            Protocol::Anthropic,
            anthropic,
            "Overloaded",
            "overloaded_error",
        ),
        (
            Protocol::OpenAiResponses,
            responses,
            "The model failed",
            "server_error",
        ),
        (
            Protocol::Gemini,
            gemini,
            "The operation was cancelled.",
            "CANCELLED",
        ),
    ] {
        let mut server = Server::start(vec![Reply::sse(body)]).await;
        let (ex, got) = send(&server, protocol, &opts(RetryPolicy::NONE)).await;
        server.next().await;
        assert_eq!(ex.status, Some(200));
        assert!(
            got.text().starts_with("Hello"),
            "{protocol}: what arrived is kept"
        );
        assert_eq!(
            ex.error,
            Some(ProviderError::Stream {
                message: message.into(),
                code: Some(code.into())
            }),
            "{protocol}"
        );
    }
}

#[tokio::test]
async fn eof_before_the_end_marker_is_incomplete() {
    for (protocol, keep) in [
        (Protocol::OpenAiChat, 2),
        (Protocol::Anthropic, 4),
        (Protocol::OpenAiResponses, 4),
        (Protocol::Gemini, 2),
    ] {
        let mut server = Server::start(vec![Reply::sse(hello(protocol, Some(keep)))]).await;
        let (ex, got) = send(&server, protocol, &opts(RetryPolicy::NONE)).await;
        server.next().await;
        assert_eq!(got.text(), "Hello, wörld", "{protocol}");
        assert_eq!(ex.error, Some(ProviderError::Incomplete), "{protocol}");
    }
}

#[tokio::test]
async fn non_sse_success_is_decoded_as_a_whole_body() {
    let bodies = [
        (
            Protocol::Anthropic,
            r#"{"type":"message","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{"input_tokens":2,"output_tokens":1}}"#,
        ),
        (
            Protocol::OpenAiResponses,
            r#"{"status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"Hi"}]}],"usage":{"input_tokens":2,"output_tokens":1}}"#,
        ),
        (
            Protocol::Gemini,
            r#"[{"candidates":[{"content":{"parts":[{"text":"Hi"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":1}}]"#,
        ),
    ];
    for (protocol, body) in bodies {
        let mut server = Server::start(vec![Reply::json(200, body)]).await;
        let (ex, got) = send(&server, protocol, &opts(RetryPolicy::NONE)).await;
        server.next().await;
        assert_eq!(
            (ex.error.clone(), got.text()),
            (None, "Hi".to_string()),
            "{protocol}"
        );
        assert!(ex.frames.is_empty());
    }
}

const RATE_LIMITED: &str = r#"{"error":{"message":"Rate limit exceeded","type":"rate_limit_error","code":"rate_limit_exceeded"}}"#;
const GEMINI_429: &str = r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"0.02s"}]}}"#;

#[tokio::test]
async fn retry_after_429_with_each_kind_of_wait_hint() {
    let past = "Sun, 06 Nov 1994 08:49:37 GMT";
    let cases = [
        (
            Protocol::OpenAiChat,
            Reply::json(429, RATE_LIMITED).header("retry-after-ms", "15"),
            Duration::from_millis(15),
        ),
        (
            Protocol::OpenAiResponses,
            Reply::json(429, RATE_LIMITED).header("Retry-After", "0.01"),
            Duration::from_millis(10),
        ),
        (
            Protocol::Anthropic,
            Reply::json(
                529,
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            )
            .header("retry-after", "0"),
            Duration::ZERO,
        ),
        (
            Protocol::Anthropic,
            Reply::json(503, "{}").header("Retry-After", past),
            Duration::ZERO,
        ),
        (
            Protocol::Gemini,
            Reply::json(429, GEMINI_429),
            Duration::from_millis(20),
        ),
        (
            Protocol::OpenAiChat,
            Reply::json(502, "<html>bad gateway</html>").header("retry-after-ms", "1"),
            Duration::from_millis(1),
        ),
    ];
    for (protocol, first, wait) in cases {
        let mut server = Server::start(vec![first, Reply::sse(hello(protocol, None))]).await;
        let (ex, got) = send(&server, protocol, &opts(retries(2))).await;
        server.next().await;
        server.next().await;
        assert_eq!(ex.error, None, "{protocol}");
        assert_eq!(ex.attempts, 2, "{protocol}");
        assert_eq!(got.retries, vec![wait], "{protocol}");
        // Only the answer is shown as the response; the refused attempt is not.
        assert_eq!(got.statuses, vec![200], "{protocol}");
        assert_eq!(got.text(), "Hello, wörld");
    }
}

#[tokio::test]
async fn a_status_without_a_hint_backs_off() {
    let mut server = Server::start(vec![
        Reply::json(503, "{}"),
        Reply::sse(hello(Protocol::Gemini, None)),
    ])
    .await;
    let (ex, got) = send(&server, Protocol::Gemini, &opts(retries(2))).await;
    server.next().await;
    assert_eq!(ex.error, None);
    assert_eq!(got.retries, vec![run::backoff(1)]);
}

#[tokio::test]
async fn at_most_the_allowed_retries_then_the_last_reply_stands() {
    let replies = (0..3)
        .map(|_| Reply::json(429, GEMINI_429))
        .collect::<Vec<_>>();
    let mut server = Server::start(replies).await;
    let (ex, got) = send(&server, Protocol::Gemini, &opts(retries(2))).await;
    for _ in 0..3 {
        server.next().await;
    }
    assert_eq!(ex.attempts, 3);
    assert_eq!(got.retries.len(), 2);
    assert_eq!(got.statuses, vec![429]);
    assert!(
        matches!(
            ex.error,
            Some(ProviderError::Http {
                status: 429,
                retry_after_secs: Some(1),
                ..
            })
        ),
        "{:?}",
        ex.error
    );
}

#[tokio::test]
async fn payment_and_auth_failures_are_never_retried() {
    for (status, body) in [
        (
            402,
            r#"{"error":{"message":"Insufficient credits","type":"insufficient_credits","code":"insufficient_credits"}}"#,
        ),
        (
            401,
            r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        ),
        (
            403,
            r#"{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}"#,
        ),
        (
            429,
            r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
        ),
    ] {
        // Only one reply: a retry would find no server.
        let mut server =
            Server::start(vec![Reply::json(status, body).header("Retry-After", "0")]).await;
        let (ex, got) = send(&server, Protocol::Anthropic, &opts(retries(2))).await;
        server.next().await;
        assert_eq!(ex.attempts, 1, "{status}");
        assert!(got.retries.is_empty(), "{status}");
        let err = ex.error.expect("an error");
        assert!(matches!(err, ProviderError::Http { status: s, .. } if s == status));
        let advice = err.advice().unwrap_or_default();
        let expected = match status {
            401 => "key was refused",
            403 => "may not use this model",
            _ => "top up",
        };
        assert!(advice.contains(expected), "{status}: {advice}");
    }
}

#[tokio::test]
async fn waits_above_the_cap_and_should_retry_false_are_reported() {
    let long = r#"{"error":{"code":429,"message":"Quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.4s"}]}}"#;
    for reply in [
        Reply::json(429, long),
        Reply::json(429, RATE_LIMITED)
            .header("x-should-retry", "false")
            .header("retry-after", "0"),
    ] {
        let mut server = Server::start(vec![reply]).await;
        let (ex, got) = send(&server, Protocol::Gemini, &opts(retries(2))).await;
        server.next().await;
        assert_eq!(ex.attempts, 1);
        assert!(got.retries.is_empty());
        assert_eq!(got.statuses, vec![429]);
        assert!(matches!(
            ex.error,
            Some(ProviderError::Http { status: 429, .. })
        ));
    }
    // The body's wait is reported even when it is not waited out.
    let mut server = Server::start(vec![Reply::json(429, long)]).await;
    let (ex, _) = send(&server, Protocol::Gemini, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    assert!(matches!(
        ex.error,
        Some(ProviderError::Http {
            retry_after_secs: Some(35),
            ..
        })
    ));
}

#[tokio::test]
async fn rate_limit_headers_are_kept_and_summarised() {
    let reply = Reply::sse(hello(Protocol::Anthropic, None))
        .header("anthropic-ratelimit-requests-limit", "50")
        .header("anthropic-ratelimit-requests-remaining", "49")
        .header("anthropic-ratelimit-output-tokens-remaining", "7999");
    let mut server = Server::start(vec![reply]).await;
    let (ex, _) = send(&server, Protocol::Anthropic, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    let limits = RateLimits::of(&ex);
    assert_eq!(limits.requests.remaining, Some(49));
    assert_eq!(limits.output_tokens.remaining, Some(7999));
    assert!(limits.summary().unwrap().starts_with("requests 49/50 left"));
}
