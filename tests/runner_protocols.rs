//! `llm::run::run` over each wire protocol: against scripted raw HTTP/1.1 servers on
//! 127.0.0.1 (success, error status with the protocol's error body, in-stream error, EOF
//! before the end marker, retries after 429 with each kind of wait hint, no retry after
//! 402/401/403) and against the demo server (the same answer over all four, each fault in
//! each protocol's form). No sleep decides an outcome; every wait and loop is bounded.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard::config::Config;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::http::Exchange;
use switchboard::llm::money::Currency;
use switchboard::llm::protocol::{ApiKey, Endpoint, Protocol, build_request};
use switchboard::llm::provider::ModelRef;
use switchboard::llm::ratelimit::RateLimits;
use switchboard::llm::run::{self, RetryPolicy, RunOptions, Timeouts, Update};
use switchboard::workbench::Workbench;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-test-0123456789abcdefghij";
/// How long anything expected may take; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// A scripted server: one reply per connection, in order.
// ---------------------------------------------------------------------------------------

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn sse(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "text/event-stream".into())],
            body: body.into(),
        }
    }

    fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The request line and headers the server saw.
struct Seen {
    head: String,
}

struct Server {
    port: u16,
    seen: mpsc::UnboundedReceiver<Seen>,
}

impl Server {
    async fn start(replies: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, seen) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            for reply in replies {
                let Ok(Ok((sock, _))) = timeout(PATIENCE, listener.accept()).await else {
                    return;
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(head) = serve(sock, reply).await {
                        let _ = tx.send(Seen { head });
                    }
                });
            }
        });
        Server { port, seen }
    }

    async fn next(&mut self) -> Seen {
        timeout(PATIENCE, self.seen.recv())
            .await
            .expect("a request arrived")
            .expect("the server is running")
    }

    fn endpoint(&self, protocol: Protocol) -> Endpoint {
        let root = format!("http://127.0.0.1:{}", self.port);
        Endpoint {
            base_url: if protocol.base_has_version() {
                format!("{root}/v1")
            } else {
                root
            },
            auth: protocol.default_auth(),
            key: Some(ApiKey::new(KEY)),
            headers: Vec::new(),
        }
    }
}

/// Reads the request (head, then the body by Content-Length), writes the reply with a
/// Content-Length, and closes.
async fn serve(mut sock: TcpStream, reply: Reply) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = timeout(PATIENCE, sock.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = timeout(PATIENCE, sock.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut out = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&reply.body);
    sock.write_all(&bytes).await.ok()?;
    let _ = sock.shutdown().await;
    Some(head)
}

// ---------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Got {
    events: Vec<StreamEvent>,
    retries: Vec<Duration>,
    statuses: Vec<u16>,
}

impl Got {
    fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::TextDelta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

fn opts(retry: RetryPolicy) -> RunOptions {
    RunOptions {
        timeouts: Timeouts {
            connect: Duration::from_secs(5),
            first_byte: PATIENCE,
            idle: PATIENCE,
        },
        retry,
        reported_cost_currency: Currency::Credits,
    }
}

fn retries(n: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries: n,
        max_wait: Duration::from_secs(1),
    }
}

async fn send(server: &Server, protocol: Protocol, o: &RunOptions) -> (Exchange, Got) {
    let request = build_request(
        protocol,
        &server.endpoint(protocol),
        &ChatRequest::new("m-test", "Say hello"),
    )
    .unwrap();
    let client = run::client(&o.timeouts).unwrap();
    let mut got = Got::default();
    let mut on = |u: Update<'_>| match u {
        Update::Event(e) => got.events.push(e.clone()),
        Update::Retrying { wait, .. } => got.retries.push(wait),
        Update::Response { status, .. } => got.statuses.push(status),
        _ => {}
    };
    let cancel = CancellationToken::new();
    let ex = timeout(
        PATIENCE * 2,
        run::run(&client, &request, protocol, o, &cancel, &mut on),
    )
    .await
    .expect("run returns in time");
    (ex, got)
}

/// `event:` + `data:` frames (Anthropic, Responses) or `data:` frames with CRLF (Gemini).
fn frames(protocol: Protocol, events: &[Value]) -> Vec<u8> {
    let mut out = String::new();
    for e in events {
        match (protocol, e.get("type").and_then(Value::as_str)) {
            (Protocol::Gemini, _) => out.push_str(&format!("data: {e}\r\n\r\n")),
            (_, Some(t)) => out.push_str(&format!("event: {t}\ndata: {e}\n\n")),
            (_, None) => out.push_str(&format!("data: {e}\n\n")),
        }
    }
    out.into_bytes()
}

/// "Hello, wörld" in the protocol's grammar, cut after `keep` events (all when `None`).
fn hello(protocol: Protocol, keep: Option<usize>) -> Vec<u8> {
    let events: Vec<Value> = match protocol {
        Protocol::OpenAiChat => vec![
            json!({"choices": [{"index": 0, "delta": {"content": "Hello"}}]}),
            json!({"choices": [{"index": 0, "delta": {"content": ", wörld"}}]}),
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
            json!({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3}}),
        ],
        Protocol::Anthropic => vec![
            json!({"type": "message_start", "message": {"usage": {"input_tokens": 5, "output_tokens": 1}}}),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": ", wörld"}}),
            json!({"type": "content_block_stop", "index": 0}),
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}}),
            json!({"type": "message_stop"}),
        ],
        Protocol::OpenAiResponses => vec![
            json!({"type": "response.created", "response": {"status": "in_progress"}}),
            json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "message"}}),
            json!({"type": "response.output_text.delta", "output_index": 0, "delta": "Hello"}),
            json!({"type": "response.output_text.delta", "output_index": 0, "delta": ", wörld"}),
            json!({"type": "response.completed", "response": {"status": "completed",
                "usage": {"input_tokens": 5, "output_tokens": 3}}}),
        ],
        Protocol::Gemini => vec![
            json!({"candidates": [{"content": {"parts": [{"text": "Hello"}]}, "index": 0}]}),
            json!({"candidates": [{"content": {"parts": [{"text": ", wörld"}]}, "index": 0}]}),
            json!({"candidates": [{"content": {"parts": [{"text": ""}]}, "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3}}),
        ],
    };
    let n = keep.unwrap_or(events.len());
    let mut body = frames(protocol, &events[..n]);
    if protocol == Protocol::OpenAiChat && keep.is_none() {
        body.extend_from_slice(b"data: [DONE]\n\n");
    }
    body
}

const NEW_PROTOCOLS: [Protocol; 3] = [
    Protocol::Anthropic,
    Protocol::OpenAiResponses,
    Protocol::Gemini,
];

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

// ---------------------------------------------------------------------------------------
// The demo server, over each protocol
// ---------------------------------------------------------------------------------------

async fn demo_run(
    bench: &Workbench,
    model: &str,
    protocol: Protocol,
    stream: bool,
) -> (Exchange, Got) {
    let mut chat = ChatRequest::new("", "Why does streaming need an end marker?");
    chat.stream = stream;
    let model = ModelRef::parse(&format!("demo/{model}")).unwrap();
    let prepared = bench
        .prepare_with(&model, &chat, Some(protocol))
        .await
        .unwrap();
    assert_eq!(prepared.protocol, protocol);
    let mut got = Got::default();
    let mut on = |u: Update<'_>| match u {
        Update::Event(e) => got.events.push(e.clone()),
        Update::Retrying { wait, .. } => got.retries.push(wait),
        Update::Response { status, .. } => got.statuses.push(status),
        _ => {}
    };
    let o = RunOptions {
        retry: RetryPolicy::NONE,
        ..prepared.options.clone()
    };
    let ex = timeout(
        PATIENCE * 2,
        run::run(
            &bench.client,
            &prepared.request,
            protocol,
            &o,
            &CancellationToken::new(),
            &mut on,
        ),
    )
    .await
    .expect("run returns in time");
    (ex, got)
}

#[tokio::test]
async fn the_demo_gives_the_same_answer_over_every_protocol() {
    let bench = Workbench::new(Config::default()).unwrap();
    for stream in [true, false] {
        let mut answers = Vec::new();
        for protocol in Protocol::ALL {
            let (ex, got) =
                demo_run(&bench, "demo-reasoner+delay=0+ttft=0", protocol, stream).await;
            assert_eq!(ex.error, None, "{protocol} stream={stream}");
            assert_eq!(ex.stop_reason, Some(StopReason::Stop), "{protocol}");
            let reasoning: String = got
                .events
                .iter()
                .filter_map(|e| match e {
                    StreamEvent::ReasoningDelta { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            assert!(
                !reasoning.is_empty(),
                "{protocol}: reasoning in the protocol's form"
            );
            let u = ex.usage.clone().expect("usage");
            assert!(u.input > 0 && u.output > 0, "{protocol}");
            answers.push((protocol, got.text(), reasoning, u.input, u.output));
        }
        for a in &answers[1..] {
            assert_eq!(
                a.1, answers[0].1,
                "{} vs {} (stream={stream})",
                a.0, answers[0].0
            );
            assert_eq!(a.2, answers[0].2, "{}", a.0);
            assert_eq!((a.3, a.4), (answers[0].3, answers[0].4), "{}", a.0);
        }
    }
}

#[tokio::test]
async fn demo_faults_in_each_protocols_form() {
    let bench = Workbench::new(Config::default()).unwrap();
    for protocol in Protocol::ALL {
        let (ex, _) = demo_run(&bench, "demo-fast+429", protocol, true).await;
        assert!(
            matches!(
                ex.error,
                Some(ProviderError::Http {
                    status: 429,
                    retry_after_secs: Some(2),
                    ..
                })
            ),
            "{protocol}: {:?}",
            ex.error
        );
        let (ex, _) = demo_run(&bench, "demo-fast+402", protocol, true).await;
        assert!(
            matches!(ex.error, Some(ProviderError::Http { status: 402, .. })),
            "{protocol}"
        );
        let (ex, got) = demo_run(&bench, "demo-fast+error+delay=0", protocol, true).await;
        assert!(
            matches!(ex.error, Some(ProviderError::Stream { .. })),
            "{protocol}: {:?}",
            ex.error
        );
        assert!(!got.text().is_empty(), "{protocol}: the first half is kept");
        let (ex, _) = demo_run(&bench, "demo-fast+drop+delay=0", protocol, true).await;
        assert!(
            matches!(ex.error, Some(ProviderError::Transport { .. })),
            "{protocol}: {:?}",
            ex.error
        );
        let (ex, _) = demo_run(&bench, "demo-fast+malformed+delay=0", protocol, true).await;
        assert_eq!(ex.error, None, "{protocol}");
        assert_eq!(
            ex.decode_errors.len(),
            1,
            "{protocol}: {:?}",
            ex.decode_errors
        );
    }
    for protocol in NEW_PROTOCOLS {
        let (ex, _) = demo_run(&bench, "nope", protocol, true).await;
        let Some(ProviderError::Http {
            status: 404, body, ..
        }) = ex.error
        else {
            panic!("{protocol}: {:?}", ex.error);
        };
        // The error comes in the protocol's own envelope.
        let v: Value = serde_json::from_str(&body).unwrap();
        match protocol {
            Protocol::Anthropic => assert_eq!(v["error"]["type"], "not_found_error"),
            Protocol::Gemini => assert_eq!(v["error"]["status"], "NOT_FOUND"),
            _ => assert_eq!(v["error"]["code"], "model_not_found"),
        }
    }
}
