//! The only code that touches the network: send an `HttpRequest`, frame the SSE, decode,
//! time everything, honour timeouts and cancellation, and return the `Exchange`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{FutureExt, StreamExt};
use tokio_util::sync::CancellationToken;

use super::error::{ProviderError, TimeoutPhase};
use super::event::StreamEvent;
use super::http::{Exchange, Frame, HttpRequest};
use super::money::Currency;
use super::protocol::stray::StrayLines;
use super::protocol::{Decoder, Protocol};
use super::ratelimit::{body_wait, header_wait};
use super::sse::{SseError, frames};
use io::{
    ceil_secs, config_error, guard, header_pairs, http_error, prepare, read_body, transport_error,
};

mod io;
mod retry;

pub use io::get_text;
pub use retry::{RETRY_STATUSES, backoff};

/// How long to wait, phase by phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open the TCP (and TLS) connection.
    pub connect: Duration,
    /// From sending to the response headers. A non-streamed request waits here for the
    /// whole answer, so this is generous.
    pub first_byte: Duration,
    /// Between two reads of a streaming body.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(300),
            idle: Duration::from_secs(120),
        }
    }
}

/// When to send again. Only failures before any answer began are retried, so nothing that
/// may have been billed is sent twice: a refused connection, and 429, 502, 503 and 529
/// replies. The wait is what the provider asked for (`retry-after-ms`, `Retry-After`, or
/// Gemini's `RetryInfo.retryDelay` in the body), else a short backoff. 401, 402 and 403
/// (and a 429 for spent quota) are never retried: sending again cannot help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// A wait longer than this is reported, not waited out.
    pub max_wait: Duration,
}

impl RetryPolicy {
    /// Never retry.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_retries: 0,
        max_wait: Duration::ZERO,
    };
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            max_wait: Duration::from_secs(60),
        }
    }
}

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    /// The unit of the provider's own `usage.cost` (credits for Clipia and OpenRouter).
    pub reported_cost_currency: Currency,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            reported_cost_currency: Currency::Credits,
        }
    }
}

/// What the runner reports while it works, in order.
#[derive(Debug)]
pub enum Update<'a> {
    /// The response headers arrived.
    Response {
        status: u16,
        headers: &'a [(String, String)],
    },
    /// A raw SSE frame arrived (before it is decoded).
    Frame(&'a Frame),
    /// A decoded event.
    Event(&'a StreamEvent),
    /// Nothing more has arrived yet: a good moment to flush output or draw.
    Pending,
    /// A request failed before any response began and will be sent again after `wait`.
    Retrying {
        attempt: u32,
        wait: Duration,
        reason: String,
    },
}

/// The shared HTTP client: rustls, connection pooling, the connect timeout.
pub fn client(timeouts: &Timeouts) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProviderError::Config {
            message: format!("could not set up the HTTP client: {e}"),
        })
}

fn micros_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Sends `request` (the exact value; the record keeps it with secrets masked), streams and
/// decodes the answer, and returns the full `Exchange`. Never panics; every failure is in
/// `Exchange::error`, with everything received before it kept.
pub async fn run(
    client: &reqwest::Client,
    request: &HttpRequest,
    protocol: Protocol,
    opts: &RunOptions,
    cancel: &CancellationToken,
    on: &mut (dyn FnMut(Update<'_>) + Send),
) -> Exchange {
    let start = Instant::now();
    let mut ex = Exchange::new(request.redacted(), unix_ms());
    let result = match Decoder::new(protocol) {
        Ok(decoder) => {
            let mut s = Session {
                ex: &mut ex,
                start,
                decoder,
                opts,
                cancel,
            };
            s.drive(client, request, on).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        ex.error = Some(e);
    }
    ex.total_us = Some(micros_since(start));
    ex
}

struct Session<'a> {
    ex: &'a mut Exchange,
    start: Instant,
    decoder: Decoder,
    opts: &'a RunOptions,
    cancel: &'a CancellationToken,
}

impl Session<'_> {
    async fn drive(
        &mut self,
        client: &reqwest::Client,
        request: &HttpRequest,
        on: &mut (dyn FnMut(Update<'_>) + Send),
    ) -> Result<(), ProviderError> {
        let prepared = prepare(client, request)?;
        let mut attempt = 1;
        let response = loop {
            self.ex.attempts = attempt;
            let Some(req) = prepared.try_clone() else {
                return Err(config_error("the request body cannot be sent twice"));
            };
            let sent = guard(
                self.cancel,
                self.opts.timeouts.first_byte,
                TimeoutPhase::FirstByte,
                client.execute(req),
            );
            let max_retries = self.opts.retry.max_retries;
            let (wait, reason) = match sent.await? {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if !RETRY_STATUSES.contains(&status) || attempt > max_retries {
                        break resp;
                    }
                    self.retry_wait(resp, attempt, on).await?
                }
                Err(e) if e.is_connect() && attempt <= max_retries => (
                    Duration::from_millis(250 << attempt.min(4)),
                    transport_error(&e, self.opts.timeouts.connect).to_string(),
                ),
                Err(e) => return Err(transport_error(&e, self.opts.timeouts.connect)),
            };
            on(Update::Retrying {
                attempt,
                wait,
                reason,
            });
            tokio::select! {
                _ = self.cancel.cancelled() => return Err(ProviderError::Cancelled),
                _ = tokio::time::sleep(wait) => {}
            }
            attempt += 1;
        };
        self.receive(response, on).await
    }

    async fn receive(
        &mut self,
        resp: reqwest::Response,
        on: &mut (dyn FnMut(Update<'_>) + Send),
    ) -> Result<(), ProviderError> {
        let status = resp.status().as_u16();
        self.ex.status = Some(status);
        self.ex.ttfb_us = Some(micros_since(self.start));
        self.ex.response_headers = header_pairs(resp.headers());
        on(Update::Response {
            status,
            headers: &self.ex.response_headers,
        });
        let header_hint = header_wait(&self.ex.response_headers, SystemTime::now());
        let is_sse = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("text/event-stream"));
        if !(200..300).contains(&status) {
            let body = self.read_body(resp).await?;
            self.ex.body = Some(body.clone());
            let hint = header_hint.or_else(|| body_wait(&body)).map(ceil_secs);
            return Err(http_error(status, body, hint));
        }
        if is_sse {
            self.stream(resp, on).await
        } else {
            let body = self.read_body(resp).await?;
            let mut events = Vec::new();
            let decoded = self.decoder.body(&body, &mut events);
            self.ex.body = Some(body);
            if let Err(e) = decoded {
                return Err(ProviderError::Decode { message: e });
            }
            for ev in &mut events {
                self.record_event(ev);
                on(Update::Event(ev));
            }
            self.finish()
        }
    }

    async fn stream(
        &mut self,
        resp: reqwest::Response,
        on: &mut (dyn FnMut(Update<'_>) + Send),
    ) -> Result<(), ProviderError> {
        // Gemini may end a stream with an error outside SSE framing: keep those lines.
        let mut stray = self.decoder.wants_stray_lines().then(StrayLines::default);
        let mut events = Vec::new();
        {
            let bytes = resp.bytes_stream().inspect(|chunk| {
                if let (Some(s), Ok(b)) = (stray.as_mut(), chunk) {
                    s.feed(b);
                }
            });
            let frames = frames(bytes);
            tokio::pin!(frames);
            loop {
                // Frames already buffered are taken without waiting, so the waits below would
                // not see a cancel made meanwhile (from the callback, say): check it here.
                if self.cancel.is_cancelled() {
                    return Err(ProviderError::Cancelled);
                }
                // Take what is ready without waiting; before waiting, say so once. The body
                // arrives from the connection's own task one HTTP chunk at a time (often one
                // SSE event each), so "not ready" first lets that task run once: only if it
                // still has nothing is the network really idle. Without this, a fast stream
                // looks idle after every event, and every consumer flushes or draws per event.
                let mut next = frames.next().now_or_never();
                if next.is_none() {
                    yield_once().await;
                    next = frames.next().now_or_never();
                }
                let next = match next {
                    Some(item) => item,
                    None => {
                        on(Update::Pending);
                        guard(
                            self.cancel,
                            self.opts.timeouts.idle,
                            TimeoutPhase::Idle,
                            frames.next(),
                        )
                        .await?
                    }
                };
                let Some(item) = next else { break };
                let frame = match item {
                    Ok(f) => Frame {
                        offset_us: micros_since(self.start),
                        event: f.event,
                        // Kept for the whole exchange: without the slack the SSE parser
                        // grew it with (a 20,000-frame stream: about 2 MB less).
                        data: {
                            let mut data = f.data;
                            data.shrink_to_fit();
                            data
                        },
                    },
                    Err(SseError::Transport(e)) => {
                        return Err(ProviderError::Transport {
                            message: format!("the connection broke mid-stream: {e}"),
                        });
                    }
                    Err(SseError::Decode(message)) => {
                        return Err(ProviderError::Decode { message });
                    }
                };
                on(Update::Frame(&frame));
                events.clear();
                if let Err(e) = self
                    .decoder
                    .frame(frame.event.as_deref(), &frame.data, &mut events)
                {
                    self.ex.decode_errors.push(format!(
                        "frame {} at +{} ms: {e}",
                        self.ex.frames.len() + 1,
                        frame.offset_us / 1000
                    ));
                }
                self.ex.frames.push(frame);
                for ev in &mut events {
                    self.record_event(ev);
                    on(Update::Event(ev));
                }
                if self.ex.error.is_some() {
                    // A provider error inside the stream ends the answer.
                    return Ok(());
                }
            }
        }
        let stray = stray.map(StrayLines::finish).unwrap_or_default();
        if !stray.trim().is_empty() {
            events.clear();
            self.decoder.trailing(&stray, &mut events);
            if events.is_empty() {
                self.ex.decode_errors.push(format!(
                    "{} bytes outside SSE framing were ignored",
                    stray.len()
                ));
            }
            for ev in &mut events {
                self.record_event(ev);
                on(Update::Event(ev));
            }
        }
        on(Update::Pending);
        self.finish()
    }

    async fn read_body(&mut self, resp: reqwest::Response) -> Result<String, ProviderError> {
        let body = read_body(resp, self.opts.timeouts.idle, self.cancel).await?;
        self.ex.decode_errors.extend(body.utf8_error);
        Ok(body.text)
    }

    fn finish(&mut self) -> Result<(), ProviderError> {
        if self.ex.error.is_none() && !self.decoder.is_complete() {
            return Err(ProviderError::Incomplete);
        }
        Ok(())
    }

    fn record_event(&mut self, ev: &mut StreamEvent) {
        // The decoder cannot know the unit of a reported cost; the provider's config does.
        if let StreamEvent::Usage { usage } = ev
            && let Some(cost) = usage.provider_cost.as_mut()
        {
            cost.currency = self.opts.reported_cost_currency.clone();
        }
        match ev {
            StreamEvent::TextDelta { .. }
            | StreamEvent::ReasoningDelta { .. }
            | StreamEvent::ToolCallDelta { .. } => {
                if self.ex.ttft_us.is_none() {
                    self.ex.ttft_us = Some(micros_since(self.start));
                }
            }
            StreamEvent::Usage { usage } => self.ex.usage = Some(usage.clone()),
            StreamEvent::Finished { reason } => self.ex.stop_reason = Some(reason.clone()),
            StreamEvent::Signature { .. } => {}
            StreamEvent::ProviderError { message, code } => {
                self.ex.error = Some(ProviderError::Stream {
                    message: message.clone(),
                    code: code.clone(),
                });
            }
        }
    }
}

/// Lets the other ready tasks run once, then resumes. Unlike `tokio::task::yield_now`, which
/// defers the wake until the runtime has polled its I/O driver (a syscall), this queues the
/// task again at once, so handing over to the connection's task costs no system call.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}
