//! The recording side of the tee: takes the response body's chunks as the client got them,
//! frames and decodes them like the runner does, and hands the finished exchange to the
//! sinks. It runs in its own task, so nothing here delays the client.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use tokio::sync::mpsc::UnboundedReceiver;

use super::Shared;
use crate::llm::error::ProviderError;
use crate::llm::event::StreamEvent;
use crate::llm::http::{Exchange, Frame};
use crate::llm::money::cost;
use crate::llm::protocol::{Decoder, Protocol, error_message};
use crate::llm::ratelimit::header_wait;
use crate::llm::sse::{SseError, frames};
use crate::trace::{TracedEvent, TracedExchange};

/// What the tee saw of the response body, in order.
#[derive(Debug)]
pub enum Piece {
    /// A chunk, passed to the client at this offset (microseconds from sending upstream).
    Chunk { at_us: u64, bytes: Bytes },
    /// The upstream body ended cleanly.
    End { at_us: u64 },
    /// The upstream connection broke.
    Broken { at_us: u64, message: String },
    /// The client went away before the end; the upstream request was dropped with it.
    ClientGone { at_us: u64 },
}

/// An exchange whose response has begun.
pub struct Pending {
    pub label: Option<String>,
    pub model: Option<String>,
    pub protocol: Option<Protocol>,
    /// With the request, start, status, headers and time to first byte filled in.
    pub exchange: Exchange,
    /// The answer is an event stream (a 2xx with `text/event-stream`).
    pub sse: bool,
}

/// How the body ended, and what arrived, shared with the framer's input stream.
#[derive(Default)]
struct Tally {
    last_at_us: u64,
    bytes: usize,
    ending: Option<Piece>,
}

/// Records one exchange to the end of its body, then gives it to the sinks.
pub async fn record(p: Pending, mut rx: UnboundedReceiver<Piece>, shared: Arc<Shared>) {
    let Pending {
        label,
        model,
        protocol,
        mut exchange,
        sse,
    } = p;
    let mut decoder = protocol.and_then(|p| Decoder::new(p).ok());
    let mut events: Vec<TracedEvent> = Vec::new();
    let tally = Arc::new(Mutex::new(Tally::default()));
    if sse {
        let input = stream::unfold(rx, {
            let tally = tally.clone();
            move |mut rx| {
                let tally = tally.clone();
                async move {
                    let piece = rx.recv().await?;
                    let mut t = tally.lock().ok()?;
                    match piece {
                        Piece::Chunk { at_us, bytes } => {
                            t.last_at_us = at_us;
                            t.bytes += bytes.len();
                            Some((Ok(bytes), rx))
                        }
                        Piece::End { .. } => {
                            t.ending = Some(piece);
                            None
                        }
                        other => {
                            t.ending = Some(other);
                            Some((Err(std::io::Error::other("stopped")), rx))
                        }
                    }
                }
            }
        });
        let framed = frames(input);
        tokio::pin!(framed);
        while let Some(item) = framed.next().await {
            let f = match item {
                Ok(f) => f,
                // The tee's own stop (a broken upstream, a client gone): nothing after it
                // counts, not even a half-received last event.
                Err(_) if tally.lock().map(|t| t.ending.is_some()).unwrap_or(true) => break,
                Err(SseError::Decode(e) | SseError::Transport(e)) => {
                    exchange.decode_errors.push(e);
                    continue;
                }
            };
            let offset_us = tally.lock().map(|t| t.last_at_us).unwrap_or(0);
            let index = exchange.frames.len();
            let mut out = Vec::new();
            if let Some(d) = decoder.as_mut()
                && let Err(e) = d.frame(f.event.as_deref(), &f.data, &mut out)
            {
                exchange.decode_errors.push(e);
            }
            exchange.frames.push(Frame {
                offset_us,
                event: f.event,
                data: f.data,
            });
            events.extend(out.into_iter().map(|event| TracedEvent {
                frame: Some(index),
                event,
            }));
        }
    } else {
        let mut body = Vec::new();
        while let Some(piece) = rx.recv().await {
            match piece {
                Piece::Chunk { at_us, bytes } => {
                    body.extend_from_slice(&bytes);
                    if let Ok(mut t) = tally.lock() {
                        t.last_at_us = at_us;
                        t.bytes += bytes.len();
                    }
                }
                end => {
                    if let Ok(mut t) = tally.lock() {
                        t.ending = Some(end);
                    }
                    break;
                }
            }
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        let ok = exchange.status.is_some_and(|s| (200..300).contains(&s));
        if let (true, Some(d)) = (ok, decoder.as_mut()) {
            let mut out = Vec::new();
            if let Err(e) = d.body(&text, &mut out) {
                exchange.decode_errors.push(e);
            }
            events.extend(
                out.into_iter()
                    .map(|event| TracedEvent { frame: None, event }),
            );
        }
        exchange.body = Some(text);
    }
    let (ending, bytes, last_at_us) = match tally.lock() {
        Ok(mut t) => (t.ending.take(), t.bytes, t.last_at_us),
        Err(_) => (None, 0, 0),
    };
    let complete = decoder.as_ref().is_none_or(Decoder::is_complete);
    finish(
        &mut exchange,
        &events,
        ending,
        (bytes, last_at_us),
        &shared,
        complete,
    );
    let cost = model
        .as_deref()
        .and_then(|m| shared.price(m))
        .zip(exchange.usage.as_ref())
        .and_then(|(price, usage)| cost(usage, &price));
    let traced = TracedExchange {
        label,
        protocol,
        exchange,
        events,
        cost,
    };
    for sink in &shared.sinks {
        sink.record(&traced);
    }
}

/// Fills in what the events and the ending say: first token, usage, stop reason, errors.
fn finish(
    ex: &mut Exchange,
    events: &[TracedEvent],
    ending: Option<Piece>,
    (bytes, last_at_us): (usize, u64),
    shared: &Shared,
    complete: bool,
) {
    let end_us = match &ending {
        Some(Piece::End { at_us } | Piece::Broken { at_us, .. } | Piece::ClientGone { at_us }) => {
            *at_us
        }
        _ => last_at_us,
    };
    ex.total_us = Some(end_us);
    for e in events {
        let at = e
            .frame
            .and_then(|i| ex.frames.get(i))
            .map_or(end_us, |f| f.offset_us);
        match &e.event {
            StreamEvent::TextDelta { .. }
            | StreamEvent::ReasoningDelta { .. }
            | StreamEvent::ToolCallDelta { .. } => {
                ex.ttft_us.get_or_insert(at);
            }
            StreamEvent::Usage { usage } => {
                let mut usage = usage.clone();
                if let Some(c) = usage.provider_cost.as_mut() {
                    c.currency = shared.reported_cost_currency.clone();
                }
                ex.usage = Some(usage);
            }
            StreamEvent::Finished { reason } => ex.stop_reason = Some(reason.clone()),
            // Kept in the events (and the trace); nothing in the record to fill in.
            StreamEvent::Signature { .. } => {}
            StreamEvent::ProviderError { message, code } => {
                ex.error = Some(ProviderError::Stream {
                    message: message.clone(),
                    code: code.clone(),
                });
            }
        }
    }
    let status = ex.status.unwrap_or(0);
    if !(200..300).contains(&status) {
        let body = ex.body.clone().unwrap_or_default();
        let (message, code) = error_message(&body).unwrap_or_else(|| (String::new(), None));
        let wait = header_wait(&ex.response_headers, SystemTime::now());
        ex.error = Some(ProviderError::Http {
            status,
            message,
            code,
            body,
            retry_after_secs: wait.map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0)),
        });
    }
    match ending {
        Some(Piece::Broken { message, .. }) => {
            ex.error = Some(ProviderError::Transport {
                message: format!("the connection broke after {bytes} bytes of the body: {message}"),
            });
        }
        Some(Piece::ClientGone { .. }) | None => ex.error = Some(ProviderError::Cancelled),
        _ => {}
    }
    if ex.error.is_none() && !ex.frames.is_empty() && !complete {
        ex.error = Some(ProviderError::Incomplete);
    }
}
