//! `llm::run::run` against scripted HTTP/1.1 servers on 127.0.0.1: statuses, error bodies,
//! retries, timeouts, cancel, broken and malformed streams.
//!
//! Each server is raw TCP: it reads one request (head, then the body by Content-Length),
//! plays a script (head, body pieces in chunked or connection-close framing, pauses, hangs)
//! and reports what it saw: the request, and whether the client closed the connection
//! before the script ended. Pauses in scripts only create conditions; no outcome is decided
//! by a sleep. Every loop and wait is bounded.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::error::{ProviderError, TimeoutPhase};
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::http::Exchange;
use switchboard::llm::money::Currency;
use switchboard::llm::protocol::{ApiKey, AuthScheme, Endpoint, Protocol, openai_chat};
use switchboard::llm::run::{self, RetryPolicy, RunOptions, Timeouts, Update};
use switchboard::llm::usage::Usage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-test-0123456789abcdefghij";
/// How long a test waits for anything it expects to happen; only reached when it fails.
const PATIENCE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// The scripted server
// ---------------------------------------------------------------------------------------

/// How the response body is delimited.
#[derive(Clone, Copy, PartialEq)]
enum Framing {
    /// `Transfer-Encoding: chunked`; each body piece is one chunk.
    Chunked,
    /// No length: the body ends when the server closes the connection.
    Close,
    /// `Content-Length`, the sum of all body pieces.
    Length,
}

enum Step {
    /// A piece of the body, framed per `Framing`.
    Body(Vec<u8>),
    /// The chunked terminator `0\r\n\r\n`.
    EndChunks,
    /// Wait, watching for the client to close.
    Pause(Duration),
    /// Wait until the client closes the connection, at most this long.
    Hang(Duration),
}

/// One scripted response.
struct Reply {
    /// `None`: never send a status line (the script is only waits).
    status: Option<u16>,
    headers: Vec<(String, String)>,
    framing: Framing,
    steps: Vec<Step>,
}

impl Reply {
    fn new(status: u16, content_type: &str, framing: Framing) -> Self {
        Reply {
            status: Some(status),
            headers: vec![("Content-Type".into(), content_type.into())],
            framing,
            steps: Vec::new(),
        }
    }

    /// A 200 event stream in chunked framing.
    fn sse() -> Self {
        Reply::new(200, "text/event-stream", Framing::Chunked)
    }

    /// A complete JSON body with a Content-Length.
    fn json(status: u16, body: &str) -> Self {
        Reply::new(status, "application/json", Framing::Length).body(body)
    }

    /// Reads the request and answers nothing.
    fn silent() -> Self {
        Reply {
            status: None,
            headers: Vec::new(),
            framing: Framing::Close,
            steps: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn body(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.steps.push(Step::Body(bytes.as_ref().to_vec()));
        self
    }

    /// One `data:` frame as its own body piece.
    fn frame(self, data: &str) -> Self {
        self.body(format!("data: {data}\n\n"))
    }

    fn frames(self, data: &[&str]) -> Self {
        data.iter().fold(self, |r, d| r.frame(d))
    }

    fn end_chunks(mut self) -> Self {
        self.steps.push(Step::EndChunks);
        self
    }

    fn pause_ms(mut self, ms: u64) -> Self {
        self.steps.push(Step::Pause(Duration::from_millis(ms)));
        self
    }

    fn hang(mut self) -> Self {
        self.steps.push(Step::Hang(PATIENCE));
        self
    }

    fn head_bytes(&self) -> Option<Vec<u8>> {
        let status = self.status?;
        let mut head = format!("HTTP/1.1 {status} Scripted\r\n");
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        match self.framing {
            Framing::Chunked => head.push_str("Transfer-Encoding: chunked\r\n"),
            Framing::Close => {}
            Framing::Length => {
                let len: usize = self
                    .steps
                    .iter()
                    .map(|s| match s {
                        Step::Body(b) => b.len(),
                        _ => 0,
                    })
                    .sum();
                head.push_str(&format!("Content-Length: {len}\r\n"));
            }
        }
        // One response per connection keeps the scripts simple (no pooled reuse).
        head.push_str("Connection: close\r\n\r\n");
        Some(head.into_bytes())
    }
}

/// What the server saw on one connection.
#[derive(Debug)]
struct Seen {
    head: String,
    body: Vec<u8>,
    /// The client closed (read gave EOF or an error, or a write failed) before the script
    /// ended.
    client_closed: bool,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

struct Server {
    port: u16,
    seen: mpsc::UnboundedReceiver<Seen>,
}

impl Server {
    /// Serves `replies` in order, one connection each.
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
                    if let Some(seen) = serve(sock, reply).await {
                        let _ = tx.send(seen);
                    }
                });
            }
        });
        Server { port, seen }
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint {
            base_url: format!("http://127.0.0.1:{}/v1", self.port),
            auth: AuthScheme::Bearer,
            key: Some(ApiKey::new(KEY)),
            headers: Vec::new(),
        }
    }

    /// The next connection's report.
    async fn next(&mut self) -> Seen {
        timeout(PATIENCE, self.seen.recv())
            .await
            .expect("the server reports in time")
            .expect("the server saw a connection")
    }
}

async fn read_request(sock: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length.min(1 << 20) {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((head, body))
}

/// Waits up to `limit` for the client to close; true if it did.
async fn watch_close(sock: &mut TcpStream, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 1024];
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return false,
            r = sock.read(&mut buf) => match r {
                Ok(0) | Err(_) => return true,
                Ok(_) => {} // a client speaking again is ignored
            },
        }
    }
}

async fn serve(mut sock: TcpStream, reply: Reply) -> Option<Seen> {
    let (head, body) = timeout(PATIENCE, read_request(&mut sock)).await.ok()??;
    let mut seen = Seen {
        head,
        body,
        client_closed: false,
    };
    let mut out = reply.head_bytes().into_iter().collect::<Vec<_>>();
    for step in &reply.steps {
        match step {
            Step::Body(bytes) if reply.framing == Framing::Chunked => {
                let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
                framed.extend_from_slice(bytes);
                framed.extend_from_slice(b"\r\n");
                out.push(framed);
            }
            Step::Body(bytes) => out.push(bytes.clone()),
            Step::EndChunks => out.push(b"0\r\n\r\n".to_vec()),
            Step::Pause(d) | Step::Hang(d) => {
                // Everything queued so far goes out, then the wait.
                for bytes in out.drain(..) {
                    if sock.write_all(&bytes).await.is_err() {
                        seen.client_closed = true;
                        return Some(seen);
                    }
                }
                let _ = sock.flush().await;
                let closed = watch_close(&mut sock, *d).await;
                if closed {
                    seen.client_closed = true;
                    return Some(seen);
                }
            }
        }
    }
    for bytes in out {
        if sock.write_all(&bytes).await.is_err() {
            seen.client_closed = true;
            return Some(seen);
        }
    }
    let _ = sock.shutdown().await;
    Some(seen)
}

// ---------------------------------------------------------------------------------------
// Running requests
// ---------------------------------------------------------------------------------------

/// What the callback saw, with lifetimes dropped.
#[derive(Debug, Clone, PartialEq)]
enum Got {
    Response(u16),
    Frame(String),
    Event(StreamEvent),
    Pending,
    Retrying { attempt: u32, wait: Duration },
}

impl Got {
    fn of(update: &Update<'_>) -> Got {
        match update {
            Update::Response { status, .. } => Got::Response(*status),
            Update::Frame(f) => Got::Frame(f.data.clone()),
            Update::Event(e) => Got::Event((*e).clone()),
            Update::Pending => Got::Pending,
            Update::Retrying { attempt, wait, .. } => Got::Retrying {
                attempt: *attempt,
                wait: *wait,
            },
        }
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

/// A 250 ms limit for `phase` alone; the other waits stay generous so that a slow machine
/// cannot trip the wrong one.
fn short_timeout(phase: TimeoutPhase) -> RunOptions {
    let mut o = opts(RetryPolicy::NONE);
    let short = Duration::from_millis(250);
    match phase {
        TimeoutPhase::Connect => o.timeouts.connect = short,
        TimeoutPhase::FirstByte => o.timeouts.first_byte = short,
        TimeoutPhase::Idle => o.timeouts.idle = short,
    }
    o
}

/// Sends `chat` to `server` and returns the exchange and everything the callback saw.
async fn send_with(
    server: &Server,
    chat: &ChatRequest,
    opts: &RunOptions,
    cancel: &CancellationToken,
    mut also: impl FnMut(&Update<'_>) + Send,
) -> (Exchange, Vec<Got>) {
    let request = openai_chat::build_request(&server.endpoint(), chat);
    let client = run::client(&opts.timeouts).unwrap();
    let mut got = Vec::new();
    let mut on = |u: Update<'_>| {
        got.push(Got::of(&u));
        also(&u);
    };
    let ex = timeout(
        PATIENCE * 2,
        run::run(
            &client,
            &request,
            Protocol::OpenAiChat,
            opts,
            cancel,
            &mut on,
        ),
    )
    .await
    .expect("run returns in time");
    (ex, got)
}

async fn send(server: &Server, opts: &RunOptions) -> (Exchange, Vec<Got>) {
    let chat = ChatRequest::new("gpt-test", "Say hello");
    send_with(server, &chat, opts, &CancellationToken::new(), |_| {}).await
}

fn text_of(got: &[Got]) -> String {
    got.iter()
        .filter_map(|g| match g {
            Got::Event(StreamEvent::TextDelta { text }) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn frame_texts(ex: &Exchange) -> Vec<&str> {
    ex.frames.iter().map(|f| f.data.as_str()).collect()
}

fn content(text: &str) -> String {
    json!({"choices":[{"index":0,"delta":{"content":text},"finish_reason":null}]}).to_string()
}

const ROLE: &str =
    r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#;
const FINISH: &str = r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;
const USAGE: &str = r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16,"prompt_tokens_details":{"cached_tokens":2},"completion_tokens_details":{"reasoning_tokens":0}}}"#;

fn usage() -> Usage {
    Usage {
        input: 12,
        cached_read: 2,
        output: 4,
        ..Usage::default()
    }
}

/// A complete, well-formed stream: "Hello, wörld 👋", stop, usage, [DONE].
fn good_stream() -> Reply {
    let second = content(", wörld 👋");
    // The second content frame is cut inside the emoji, across two reads.
    let cut = second.find('👋').unwrap() + 2;
    let framed = format!("data: {second}\n\n");
    let cut = cut + "data: ".len();
    Reply::sse()
        .frame(ROLE)
        .frame(&content("Hello"))
        .pause_ms(20)
        .body(&framed.as_bytes()[..cut])
        .pause_ms(20)
        .body(&framed.as_bytes()[cut..])
        .frames(&[FINISH, USAGE, "[DONE]"])
        .end_chunks()
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn streamed_success() {
    let mut server = Server::start(vec![good_stream()]).await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    let seen = server.next().await;

    assert_eq!(ex.error, None);
    assert_eq!(ex.status, Some(200));
    assert_eq!(ex.attempts, 1);
    assert!(ex.decode_errors.is_empty(), "{:?}", ex.decode_errors);
    assert!(ex.body.is_none());
    assert_eq!(ex.usage, Some(usage()));
    assert_eq!(ex.stop_reason, Some(StopReason::Stop));

    // The callback saw everything in order: headers, then each frame followed by its events.
    let hello2 = content(", wörld 👋");
    let hello1 = content("Hello");
    let expected = vec![
        Got::Response(200),
        Got::Frame(ROLE.into()),
        Got::Frame(hello1),
        Got::Event(StreamEvent::TextDelta {
            text: "Hello".into(),
        }),
        Got::Frame(hello2),
        Got::Event(StreamEvent::TextDelta {
            text: ", wörld 👋".into(),
        }),
        Got::Frame(FINISH.into()),
        Got::Event(StreamEvent::Finished {
            reason: StopReason::Stop,
        }),
        Got::Frame(USAGE.into()),
        Got::Event(StreamEvent::Usage { usage: usage() }),
        Got::Frame("[DONE]".into()),
    ];
    let without_pending: Vec<Got> = got
        .iter()
        .filter(|g| **g != Got::Pending)
        .cloned()
        .collect();
    assert_eq!(without_pending, expected);
    assert_eq!(
        got.last(),
        Some(&Got::Pending),
        "a last Pending before returning"
    );

    assert_eq!(ex.frames.len(), 6);
    assert!(
        ex.frames
            .windows(2)
            .all(|w| w[0].offset_us <= w[1].offset_us),
        "{:?}",
        ex.frames
    );
    let (ttfb, ttft, total) = (
        ex.ttfb_us.unwrap(),
        ex.ttft_us.unwrap(),
        ex.total_us.unwrap(),
    );
    assert!(ttfb <= ttft && ttft <= total, "{ttfb} {ttft} {total}");
    assert!(ex.frames[0].offset_us >= ttfb);
    assert!(
        ex.response_headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "text/event-stream")
    );

    // What went over the wire.
    assert!(
        seen.head
            .starts_with("POST /v1/chat/completions HTTP/1.1\r\n"),
        "{}",
        seen.head
    );
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("accept"), Some("text/event-stream"));
    let body = seen.json();
    assert_eq!(body["stream"], json!(true));
    assert_eq!(body["stream_options"]["include_usage"], json!(true));
    assert_eq!(body["model"], json!("gpt-test"));
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "Say hello"}])
    );
    // The recorded request is the sent one, with the key masked.
    assert_eq!(ex.request.body.as_ref(), Some(&body));
    assert_eq!(
        ex.request.header_value("authorization"),
        Some("Bearer sk-t…ghij")
    );
    assert!(!seen.client_closed);
}

#[tokio::test]
async fn the_key_never_leaks_into_the_record() {
    let mut server = Server::start(vec![
        good_stream(),
        Reply::json(
            401,
            r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
        ),
    ])
    .await;
    let o = opts(RetryPolicy::NONE);
    let (ok, _) = send(&server, &o).await;
    server.next().await;
    let (failed, _) = send(&server, &o).await;
    let seen = server.next().await;
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "the key itself was sent"
    );
    assert_eq!(ok.error, None);
    assert!(matches!(
        failed.error,
        Some(ProviderError::Http { status: 401, .. })
    ));
    for ex in [&ok, &failed] {
        let text = serde_json::to_string(ex).unwrap();
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains("0123456789abcdef"), "{text}");
        assert!(!format!("{ex:?}").contains(KEY));
    }
}

#[tokio::test]
async fn non_streamed_success() {
    let body = r#"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16,"prompt_tokens_details":{"cached_tokens":2},"cost":0.05}}"#;
    let mut server = Server::start(vec![Reply::json(200, body)]).await;
    let mut chat = ChatRequest::new("gpt-test", "Say hello");
    chat.stream = false;
    let o = opts(RetryPolicy::NONE);
    let (ex, got) = send_with(&server, &chat, &o, &CancellationToken::new(), |_| {}).await;
    let seen = server.next().await;

    assert_eq!(ex.error, None);
    assert_eq!(ex.status, Some(200));
    assert_eq!(ex.body.as_deref(), Some(body));
    assert!(ex.frames.is_empty());
    assert_eq!(text_of(&got), "Hello!");
    assert_eq!(ex.stop_reason, Some(StopReason::Stop));
    let u = ex.usage.expect("usage");
    assert_eq!((u.input, u.cached_read, u.output), (12, 2, 4));
    let cost = u.provider_cost.expect("cost");
    assert_eq!(cost.amount.to_string(), "0.05");
    assert_eq!(cost.currency, Currency::Credits);
    assert!(ex.ttfb_us.unwrap() <= ex.total_us.unwrap());
    assert!(seen.json().get("stream").is_none());
}

#[tokio::test]
async fn unauthorized_gives_the_providers_message() {
    let body = r#"{"error":{"message":"Incorrect API key provided: sk-test-****ghij.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
    let mut server = Server::start(vec![Reply::json(401, body)]).await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    assert_eq!(ex.status, Some(401));
    assert_eq!(ex.body.as_deref(), Some(body));
    assert!(got.contains(&Got::Response(401)));
    let err = ex.error.expect("an error");
    let ProviderError::Http {
        status,
        message,
        code,
        body: kept,
        retry_after_secs,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 401);
    assert_eq!(message, "Incorrect API key provided: sk-test-****ghij.");
    assert_eq!(code.as_deref(), Some("invalid_api_key"));
    assert_eq!(kept, body);
    assert_eq!(*retry_after_secs, None);
    let shown = err.to_string();
    assert!(!shown.contains('\n'), "{shown}");
    assert_eq!(
        shown,
        "HTTP 401 Unauthorized: Incorrect API key provided: sk-test-****ghij."
    );
}

const RATE_LIMITED: &str = r#"{"error":{"message":"Rate limit exceeded. Try again later.","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}"#;

#[tokio::test]
async fn rate_limit_reports_retry_after_without_retrying() {
    let mut server = Server::start(vec![
        Reply::json(429, RATE_LIMITED).header("Retry-After", "7"),
    ])
    .await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    assert_eq!(ex.attempts, 1);
    assert!(!got.iter().any(|g| matches!(g, Got::Retrying { .. })));
    match ex.error {
        Some(ProviderError::Http {
            status: 429,
            retry_after_secs,
            ref code,
            ..
        }) => {
            assert_eq!(retry_after_secs, Some(7));
            assert_eq!(code.as_deref(), Some("rate_limit_exceeded"));
        }
        ref other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn rate_limit_with_a_short_retry_after_is_retried() {
    let mut server = Server::start(vec![
        Reply::json(429, RATE_LIMITED).header("Retry-After", "0"),
        good_stream(),
    ])
    .await;
    let policy = RetryPolicy {
        max_retries: 1,
        max_wait: Duration::from_secs(1),
    };
    let (ex, got) = send(&server, &opts(policy)).await;
    let first = server.next().await;
    let second = server.next().await;
    assert_eq!(ex.error, None);
    assert_eq!(ex.attempts, 2);
    assert_eq!(ex.status, Some(200));
    assert_eq!(text_of(&got), "Hello, wörld 👋");
    assert_eq!(
        got.iter()
            .filter(|g| matches!(g, Got::Retrying { .. }))
            .collect::<Vec<_>>(),
        vec![&Got::Retrying {
            attempt: 1,
            wait: Duration::ZERO
        }]
    );
    // The 429 was not shown as the response: the one reported is the 200.
    assert_eq!(
        got.first(),
        Some(&Got::Retrying {
            attempt: 1,
            wait: Duration::ZERO
        })
    );
    assert!(!got.contains(&Got::Response(429)));
    // The same request both times.
    assert_eq!(first.body, second.body);
}

#[tokio::test]
async fn a_retry_after_longer_than_max_wait_is_not_waited_out() {
    // Only one reply: a second connection would be refused.
    let mut server = Server::start(vec![
        Reply::json(429, RATE_LIMITED).header("Retry-After", "30"),
    ])
    .await;
    let policy = RetryPolicy {
        max_retries: 3,
        max_wait: Duration::from_secs(1),
    };
    let (ex, got) = send(&server, &opts(policy)).await;
    server.next().await;
    assert_eq!(ex.attempts, 1);
    assert!(!got.iter().any(|g| matches!(g, Got::Retrying { .. })));
    assert!(
        matches!(
            ex.error,
            Some(ProviderError::Http {
                status: 429,
                retry_after_secs: Some(30),
                ..
            })
        ),
        "{:?}",
        ex.error
    );
}

#[tokio::test]
async fn server_error_keeps_the_body() {
    let body = r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#;
    let mut server = Server::start(vec![Reply::json(500, body)]).await;
    let (ex, _) = send(&server, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    match ex.error {
        Some(ProviderError::Http {
            status: 500,
            ref message,
            ref code,
            body: ref kept,
            ..
        }) => {
            assert_eq!(kept, body);
            assert_eq!(
                message,
                "The server had an error while processing your request. Sorry about that!"
            );
            assert_eq!(code.as_deref(), Some("server_error"));
        }
        ref other => panic!("{other:?}"),
    }
    assert_eq!(ex.body.as_deref(), Some(body));
}

#[tokio::test]
async fn first_byte_timeout() {
    let mut server = Server::start(vec![Reply::silent().hang()]).await;
    let (ex, got) = send(&server, &short_timeout(TimeoutPhase::FirstByte)).await;
    assert!(
        matches!(
            ex.error,
            Some(ProviderError::Timeout {
                phase: TimeoutPhase::FirstByte,
                after_ms: 250
            })
        ),
        "{:?}",
        ex.error
    );
    assert_eq!(ex.status, None);
    assert!(got.is_empty(), "{got:?}");
    // Giving up closes the connection.
    assert!(server.next().await.client_closed);
}

#[tokio::test]
async fn idle_timeout_keeps_what_arrived() {
    let mut server =
        Server::start(vec![Reply::sse().frame(&content("Partial answer")).hang()]).await;
    let (ex, got) = send(&server, &short_timeout(TimeoutPhase::Idle)).await;
    assert!(
        matches!(
            ex.error,
            Some(ProviderError::Timeout {
                phase: TimeoutPhase::Idle,
                ..
            })
        ),
        "{:?}",
        ex.error
    );
    assert_eq!(ex.status, Some(200));
    assert_eq!(frame_texts(&ex), vec![content("Partial answer")]);
    assert_eq!(text_of(&got), "Partial answer");
    assert!(ex.ttft_us.is_some());
    assert!(server.next().await.client_closed);
}

#[tokio::test]
async fn cancel_mid_stream_closes_the_connection() {
    let mut server = Server::start(vec![
        Reply::sse()
            .frame(ROLE)
            .frame(&content("First"))
            .hang()
            .frame(&content("never sent"))
            .frames(&[FINISH, "[DONE]"])
            .end_chunks(),
    ])
    .await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let chat = ChatRequest::new("gpt-test", "Say hello");
    let o = opts(RetryPolicy::NONE);
    let (ex, got) = send_with(&server, &chat, &o, &cancel, move |u| {
        if matches!(u, Update::Event(StreamEvent::TextDelta { .. })) {
            trigger.cancel();
        }
    })
    .await;
    assert_eq!(ex.error, Some(ProviderError::Cancelled));
    assert_eq!(text_of(&got), "First");
    assert_eq!(ex.frames.len(), 2);
    assert!(ex.total_us.is_some());
    let seen = server.next().await;
    assert!(seen.client_closed, "the server saw the connection close");
}

#[tokio::test]
async fn cancel_from_another_task() {
    let mut server = Server::start(vec![Reply::sse().frame(&content("First")).hang()]).await;
    let cancel = CancellationToken::new();
    let (first_tx, mut first_rx) = mpsc::unbounded_channel();
    let canceller = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if timeout(PATIENCE, first_rx.recv()).await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let chat = ChatRequest::new("gpt-test", "Say hello");
    let o = opts(RetryPolicy::NONE);
    let (ex, _) = send_with(&server, &chat, &o, &cancel, move |u| {
        if matches!(u, Update::Frame(_)) {
            let _ = first_tx.send(());
        }
    })
    .await;
    canceller.await.unwrap();
    assert_eq!(ex.error, Some(ProviderError::Cancelled));
    assert_eq!(frame_texts(&ex), vec![content("First")]);
    assert!(server.next().await.client_closed);
}

#[tokio::test]
async fn cancel_is_honoured_while_frames_are_already_buffered() {
    // The whole answer arrives in one write: every frame is ready at once. A cancel from the
    // first text must still stop the run, not deliver the rest.
    let mut all = String::new();
    for d in [
        ROLE,
        &content("One"),
        &content(" two"),
        &content(" three"),
        FINISH,
        USAGE,
        "[DONE]",
    ] {
        all.push_str(&format!("data: {d}\n\n"));
    }
    let mut server = Server::start(vec![Reply::sse().body(all).end_chunks()]).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let chat = ChatRequest::new("gpt-test", "Say hello");
    let o = opts(RetryPolicy::NONE);
    let (ex, got) = send_with(&server, &chat, &o, &cancel, move |u| {
        if matches!(u, Update::Event(StreamEvent::TextDelta { .. })) {
            trigger.cancel();
        }
    })
    .await;
    server.next().await;
    assert_eq!(ex.error, Some(ProviderError::Cancelled));
    assert_eq!(text_of(&got), "One");
}

#[tokio::test]
async fn dropped_mid_stream_is_a_transport_error() {
    // Chunked, and the socket closes without the terminating chunk.
    let mut server = Server::start(vec![
        Reply::sse()
            .frames(&[ROLE, &content("Half"), &content(" an answer")])
            .pause_ms(20),
    ])
    .await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    match &ex.error {
        Some(ProviderError::Transport { message }) => {
            println!("dropped mid-stream: {message}");
            assert!(message.contains("broke mid-stream"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ex.frames.len(), 3);
    assert_eq!(text_of(&got), "Half an answer");
    assert_eq!(ex.attempts, 1, "a stream that broke is not retried");
}

#[tokio::test]
async fn clean_eof_before_done_is_incomplete() {
    // Connection-close framing: the body ends cleanly, but with no [DONE] and no finish.
    let close_framed =
        Reply::new(200, "text/event-stream", Framing::Close).frames(&[ROLE, &content("Cut short")]);
    // A complete chunked body, equally unfinished.
    let chunked = Reply::sse()
        .frames(&[ROLE, &content("Cut short")])
        .end_chunks();
    let mut server = Server::start(vec![close_framed, chunked]).await;
    for _ in 0..2 {
        let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
        server.next().await;
        assert_eq!(ex.error, Some(ProviderError::Incomplete));
        assert_eq!(text_of(&got), "Cut short");
        assert_eq!(ex.frames.len(), 2);
        assert_eq!(ex.stop_reason, None);
    }
}

#[tokio::test]
async fn finish_without_done_is_complete() {
    let mut server = Server::start(vec![
        Reply::new(200, "text/event-stream", Framing::Close).frames(&[&content("Done"), FINISH]),
    ])
    .await;
    let (ex, _) = send(&server, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    assert_eq!(ex.error, None);
    assert_eq!(ex.stop_reason, Some(StopReason::Stop));
}

#[tokio::test]
async fn malformed_frame_is_recorded_and_the_stream_goes_on() {
    let mut server = Server::start(vec![
        Reply::sse()
            .frames(&[
                ROLE,
                &content("Hel"),
                r#"{"choices":[{"index":0,"delta":"#,
                &content("lo"),
                FINISH,
                USAGE,
                "[DONE]",
            ])
            .end_chunks(),
    ])
    .await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    assert_eq!(ex.error, None);
    assert_eq!(ex.decode_errors.len(), 1, "{:?}", ex.decode_errors);
    assert!(
        ex.decode_errors[0].starts_with("frame 3 "),
        "{:?}",
        ex.decode_errors
    );
    assert_eq!(text_of(&got), "Hello");
    assert_eq!(ex.frames.len(), 7);
    assert_eq!(ex.usage, Some(usage()));
}

#[tokio::test]
async fn in_stream_error_ends_the_answer() {
    let mut server = Server::start(vec![
        Reply::sse()
            .frames(&[
                ROLE,
                &content("Start"),
                r#"{"error":{"message":"The server is overloaded","type":"server_error","code":"overloaded"}}"#,
            ])
            .hang(),
    ])
    .await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    assert_eq!(
        ex.error,
        Some(ProviderError::Stream {
            message: "The server is overloaded".into(),
            code: Some("overloaded".into()),
        })
    );
    assert_eq!(text_of(&got), "Start");
    assert!(got.iter().any(|g| matches!(
        g,
        Got::Event(StreamEvent::ProviderError { message, .. }) if message == "The server is overloaded"
    )));
    assert_eq!(ex.status, Some(200));
    // The run stops reading at once; it does not wait for the server to end the stream.
    assert!(server.next().await.client_closed);
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error() {
    let mut bad = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"".to_vec();
    bad.extend_from_slice(&[0xff, 0xfe, b'!']);
    bad.extend_from_slice(b"\"}}]}\n\n");
    let mut server = Server::start(vec![
        Reply::new(200, "text/event-stream", Framing::Close)
            .frame(&content("Fine"))
            .body(bad)
            .frames(&[&content("after"), FINISH, "[DONE]"]),
    ])
    .await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    println!("invalid UTF-8: {:?}", ex.error);
    assert!(
        matches!(ex.error, Some(ProviderError::Decode { .. })),
        "{:?}",
        ex.error
    );
    assert_eq!(text_of(&got), "Fine");
    assert_eq!(frame_texts(&ex), vec![content("Fine")]);
}

#[tokio::test]
async fn invalid_utf8_fails_while_the_connection_stays_open() {
    // The bad bytes are reported as soon as they arrive, not only at the end of the body:
    // the stream stays open here (the idle limit is far away).
    // One body piece: a good frame, then a frame with a broken two-byte character.
    let mut piece = format!("data: {}\n\n", content("Fine")).into_bytes();
    piece.extend_from_slice(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
    piece.extend_from_slice(&[0xc3, 0x28]);
    piece.extend_from_slice(b"\"}}]}\n\n");
    let mut server = Server::start(vec![
        Reply::sse().body(piece).frame(&content("after")).hang(),
    ])
    .await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    println!("invalid UTF-8, stream open: {:?}", ex.error);
    assert!(
        matches!(ex.error, Some(ProviderError::Decode { .. })),
        "{:?}",
        ex.error
    );
    assert_eq!(text_of(&got), "Fine");
    assert!(server.next().await.client_closed);
}

#[tokio::test]
async fn connection_refused() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let endpoint = Endpoint {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        auth: AuthScheme::Bearer,
        key: Some(ApiKey::new(KEY)),
        headers: Vec::new(),
    };
    let request = openai_chat::build_request(&endpoint, &ChatRequest::new("gpt-test", "hi"));
    for retries in [0, 1] {
        let o = opts(RetryPolicy {
            max_retries: retries,
            max_wait: Duration::from_secs(1),
        });
        let client = run::client(&o.timeouts).unwrap();
        let mut got = Vec::new();
        let mut on = |u: Update<'_>| got.push(Got::of(&u));
        let ex = timeout(
            PATIENCE,
            run::run(
                &client,
                &request,
                Protocol::OpenAiChat,
                &o,
                &CancellationToken::new(),
                &mut on,
            ),
        )
        .await
        .expect("run returns in time");
        println!("refused, {retries} retries: {:?}", ex.error);
        match &ex.error {
            Some(ProviderError::Transport { message }) => {
                assert!(!message.contains(KEY));
            }
            Some(ProviderError::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(ex.status, None);
        let retried = got
            .iter()
            .filter(|g| matches!(g, Got::Retrying { .. }))
            .count();
        assert_eq!(retried, retries as usize, "{got:?}");
        assert_eq!(ex.attempts, retries + 1);
    }
}

#[tokio::test]
async fn html_error_page_on_a_streaming_request() {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                </body>\r\n</html>\r\n"
        .to_string()
        + &"<!-- a padding comment to make the page long -->\r\n".repeat(20);
    let mut server = Server::start(vec![
        Reply::new(502, "text/html", Framing::Length).body(&page),
    ])
    .await;
    let (ex, got) = send(&server, &opts(RetryPolicy::NONE)).await;
    server.next().await;
    assert!(ex.frames.is_empty(), "HTML is never fed to the SSE decoder");
    assert!(!got.iter().any(|g| matches!(g, Got::Event(_))));
    match &ex.error {
        Some(ProviderError::Http {
            status: 502,
            message,
            code: None,
            body,
            ..
        }) => {
            assert_eq!(body, &page);
            assert!(message.starts_with("<html>"), "{message}");
            assert!(message.contains("502 Bad Gateway"), "{message}");
            assert!(message.chars().count() <= 300, "{message}");
            let shown = ex.error.as_ref().unwrap().to_string();
            assert!(!shown.contains('\n'), "one line: {shown:?}");
        }
        other => panic!("{other:?}"),
    }
}
