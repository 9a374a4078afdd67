//! The response bodies of every protocol: the paced SSE stream (with `drop`, `error`,
//! `malformed` and `stall`) and the non-streaming answer.

use super::dialect::Dialect;
use super::faults::MAX_MS;
use super::plan::Plan;
use super::writer::{Writer, completion_body};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::io;
use std::time::Duration;

/// When not pacing, events are batched into chunks of about this many bytes.
const BATCH_BYTES: usize = 16 * 1024;
/// ... or this many events, whichever comes first.
const BATCH_EVENTS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    Tokens,
    Finish,
    Done,
}

/// How long the body waits before aborting, so hyper flushes what was sent before.
const FLUSH_GRACE: Duration = Duration::from_millis(50);

/// The error that makes hyper abort the connection without finishing the chunked body.
/// It first waits a moment: while the body is pending, hyper flushes its write buffer, so
/// the client really receives the part before the break.
async fn abort() -> io::Error {
    tokio::time::sleep(FLUSH_GRACE).await;
    io::Error::new(io::ErrorKind::ConnectionAborted, "demo fault: drop")
}

/// The state of one streaming response.
struct Sse {
    plan: Plan,
    writer: Writer,
    phase: Phase,
    /// Index of the next token to send.
    next: usize,
    ttft: Duration,
    delay: Duration,
    stall: Option<(usize, Duration)>,
    drop_at: Option<usize>,
    malformed_at: Option<usize>,
    error_at: Option<usize>,
    buf: Vec<u8>,
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n.min(MAX_MS))
}

impl Sse {
    fn new(plan: Plan, dialect: Dialect, id: &str, created: u64) -> Sse {
        let f = plan.faults;
        let total = plan.total();
        let middle = total / 2;
        Sse {
            writer: Writer::new(dialect, &plan, id, created),
            ttft: ms(f.ttft_ms.unwrap_or(plan.model.ttft_ms)),
            delay: ms(f.token_delay_ms(plan.model.token_delay_ms)),
            stall: f.stall_ms.map(|s| (middle, ms(s))),
            drop_at: f.drop.then_some(middle),
            malformed_at: f.malformed.then_some(middle),
            error_at: f.error.then_some(middle),
            phase: Phase::Start,
            next: 0,
            buf: Vec::with_capacity(BATCH_BYTES + 1024),
            plan,
        }
    }

    fn take(&mut self) -> Bytes {
        Bytes::from(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(BATCH_BYTES + 1024),
        ))
    }

    /// The next piece of the body; `None` at the end.
    async fn step(&mut self) -> Option<Result<Bytes, io::Error>> {
        match self.phase {
            Phase::Start => {
                if !self.ttft.is_zero() {
                    tokio::time::sleep(self.ttft).await;
                }
                self.writer.start(&mut self.buf, &self.plan);
                self.phase = Phase::Tokens;
                Some(Ok(self.take()))
            }
            Phase::Tokens => Some(self.tokens().await),
            Phase::Finish => {
                self.writer.finish(&mut self.buf, &self.plan);
                self.phase = Phase::Done;
                Some(Ok(self.take()))
            }
            Phase::Done => None,
        }
    }

    /// Writes token events until a batch is full, a pause is due or the tokens run out.
    async fn tokens(&mut self) -> Result<Bytes, io::Error> {
        let total = self.plan.total();
        // Bounded: each pass either sends a token, clears a one-shot fault, or leaves.
        loop {
            let i = self.next;
            if self.drop_at == Some(i) {
                if !self.buf.is_empty() {
                    return Ok(self.take());
                }
                self.phase = Phase::Done;
                return Err(abort().await);
            }
            if let Some((at, pause)) = self.stall
                && at == i
            {
                if !self.buf.is_empty() {
                    return Ok(self.take());
                }
                self.stall = None;
                tokio::time::sleep(pause).await;
            }
            if self.malformed_at == Some(i) {
                self.malformed_at = None;
                self.writer.malformed(&mut self.buf);
            }
            if self.error_at == Some(i) {
                self.writer.error(&mut self.buf);
                self.phase = Phase::Done;
                return Ok(self.take());
            }
            if i >= total {
                self.phase = Phase::Finish;
                return Ok(self.take());
            }
            let paced = !self.delay.is_zero() && i > 0;
            if paced {
                if !self.buf.is_empty() {
                    return Ok(self.take());
                }
                tokio::time::sleep(self.delay).await;
            }
            let (reasoning, text) = self.plan.token(i);
            self.writer.token(&mut self.buf, reasoning, text);
            self.next += 1;
            if paced || self.buf.len() >= BATCH_BYTES || self.next.is_multiple_of(BATCH_EVENTS) {
                return Ok(self.take());
            }
        }
    }
}

/// The SSE body for `plan` in `dialect`; `id` is unique to the response.
pub fn sse(
    plan: Plan,
    dialect: Dialect,
    id: String,
    created: u64,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send {
    let state = Sse::new(plan, dialect, &id, created);
    futures_util::stream::unfold(state, |mut s| async move {
        s.step().await.map(|item| (item, s))
    })
}

/// The non-streaming reply: how long generation would take (wait before answering), the
/// JSON, and whether to abort the connection after it. `drop` sends half of the JSON and
/// then aborts; `malformed` sends the JSON cut off in the middle.
pub fn completion(
    plan: &Plan,
    dialect: Dialect,
    id: &str,
    created: u64,
) -> (Duration, Bytes, bool) {
    let f = plan.faults;
    let per_token = f.token_delay_ms(plan.model.token_delay_ms);
    let wait_ms = f
        .ttft_ms
        .unwrap_or(plan.model.ttft_ms)
        .saturating_add(per_token.saturating_mul(plan.total() as u64))
        .saturating_add(f.stall_ms.unwrap_or(0));
    let json = completion_body(dialect, plan, id, created);
    let half = json.len() / 2;
    let mut body = Bytes::from(json);
    if f.drop || f.malformed {
        body.truncate(half);
    }
    (ms(wait_ms), body, f.drop)
}

/// A body that sends `bytes` and then aborts the connection.
pub fn aborting(bytes: Bytes) -> impl Stream<Item = Result<Bytes, io::Error>> + Send {
    let first = futures_util::stream::once(std::future::ready(Ok(bytes)));
    first.chain(futures_util::stream::once(async { Err(abort().await) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::faults::Faults;
    use crate::demo::request::plan;

    async fn collect(model: &str, extra: serde_json::Value) -> (Vec<u8>, bool) {
        let mut req = serde_json::json!({
            "model": model,
            "messages": [{"role": "user", "content": "Tell me about streaming costs"}],
            "stream": true,
            "stream_options": {"include_usage": true}
        });
        if let (Some(obj), Some(more)) = (req.as_object_mut(), extra.as_object()) {
            obj.extend(more.clone());
        }
        let p = plan(&serde_json::to_vec(&req).expect("json"), Faults::default()).expect("plan");
        let mut s = std::pin::pin!(sse(p, Dialect::Chat, "t".into(), 1));
        let mut out = Vec::new();
        let mut errored = false;
        while let Some(item) = s.next().await {
            match item {
                Ok(b) => out.extend_from_slice(&b),
                Err(_) => errored = true,
            }
        }
        (out, errored)
    }

    fn frames(body: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(body)
            .split("\n\n")
            .filter(|f| !f.is_empty())
            .map(|f| f.strip_prefix("data: ").unwrap_or(f).to_string())
            .collect()
    }

    #[tokio::test]
    async fn stream_shape_and_usage() {
        let (body, errored) = collect("demo-reasoner+delay=0+ttft=0", serde_json::json!({})).await;
        assert!(!errored);
        let frames = frames(&body);
        assert_eq!(frames.last().map(String::as_str), Some("[DONE]"));
        let chunks: Vec<serde_json::Value> = frames[..frames.len() - 1]
            .iter()
            .map(|f| serde_json::from_str(f).expect("json"))
            .collect();
        let reasoning = chunks
            .iter()
            .filter(|c| c["choices"][0]["delta"]["reasoning_content"].is_string())
            .count();
        let content = chunks
            .iter()
            .filter(|c| c["choices"][0]["delta"]["content"].is_string())
            .count()
            - 1;
        let usage = &chunks[chunks.len() - 1]["usage"];
        assert_eq!(
            usage["completion_tokens"].as_u64(),
            Some((reasoning + content) as u64)
        );
        assert_eq!(
            usage["completion_tokens_details"]["reasoning_tokens"].as_u64(),
            Some(reasoning as u64)
        );
        assert_eq!(
            chunks[chunks.len() - 2]["choices"][0]["finish_reason"],
            "stop"
        );
    }

    #[tokio::test]
    async fn faults_in_stream() {
        let (body, errored) =
            collect("demo-fast+drop+tokens=100+delay=0", serde_json::json!({})).await;
        assert!(errored);
        let n = frames(&body).len();
        assert!((40..=60).contains(&n), "{n}");
        let (body, errored) =
            collect("demo-fast+malformed+stall=5+delay=0", serde_json::json!({})).await;
        assert!(!errored);
        let bad = frames(&body)
            .iter()
            .filter(|f| *f != "[DONE]" && serde_json::from_str::<serde_json::Value>(f).is_err())
            .count();
        assert_eq!(bad, 1);
        let (body, _) = collect(
            "demo-fast+tokens=3+delay=0",
            serde_json::json!({"max_tokens": 2}),
        )
        .await;
        assert!(String::from_utf8_lossy(&body).contains("\"finish_reason\":\"length\""));
    }

    #[tokio::test]
    async fn completion_body() {
        let req = serde_json::json!({"model": "demo-fast+echo", "messages": [{"role": "user", "content": "hello there"}]});
        let p = plan(&serde_json::to_vec(&req).expect("json"), Faults::default()).expect("plan");
        let (wait, body, abort) = completion(&p, Dialect::Chat, "id", 1);
        assert!(wait > Duration::ZERO && !abort);
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["choices"][0]["message"]["content"], "hello there");
        assert_eq!(v["usage"]["completion_tokens"], 2);
        let req = serde_json::json!({"model": "demo-fast+drop", "messages": [{"role": "user", "content": "x"}]});
        let p = plan(&serde_json::to_vec(&req).expect("json"), Faults::default()).expect("plan");
        let (_, body, abort) = completion(&p, Dialect::Chat, "id", 1);
        assert!(abort);
        assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
        let parts: Vec<_> = aborting(body).collect().await;
        assert!(matches!(parts.as_slice(), [Ok(_), Err(_)]));
    }
}
