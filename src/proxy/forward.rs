//! One call through the proxy: read the client's request, send it upstream, and pass the
//! response back chunk by chunk while the tee copies each chunk to the recorder.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::Stream;
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::Shared;
use super::headers;
use super::record::{Pending, Piece, record};
use super::route::{self, Route};
use crate::llm::error::ProviderError;
use crate::llm::http::{Exchange, HttpRequest};
use crate::llm::sse::error_chain;
use crate::trace::TracedExchange;

/// The largest request body the proxy takes (images make requests big).
const MAX_BODY: usize = 64 * 1024 * 1024;

fn micros_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The proxy's own failure, in the OpenAI error envelope (which every SDK can show).
fn proxy_error(status: StatusCode, message: &str) -> Response {
    let body = json!({"error": {"message": format!("switchboard proxy: {message}"),
        "type": "proxy_error", "code": null}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The model a call names: the body's `model`, or Gemini's `models/{model}:method`.
fn model_of(path: &str, body: Option<&Value>) -> Option<String> {
    if let Some(m) = body.and_then(|b| b.get("model")).and_then(Value::as_str) {
        return Some(m.to_string());
    }
    let rest = path.split("/models/").nth(1)?;
    Some(rest.split(':').next().unwrap_or(rest).to_string())
}

/// The request body for the record: JSON when it is, else the text as a JSON string.
fn body_value(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    Some(
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned())),
    )
}

/// Hands an exchange that never got a response to the sinks.
fn record_failed(shared: &Shared, label: Option<String>, route: Option<&Route>, ex: Exchange) {
    let traced = TracedExchange {
        label,
        protocol: route.and_then(|r| r.protocol),
        exchange: ex,
        events: Vec::new(),
        cost: None,
    };
    for sink in &shared.sinks {
        sink.record(&traced);
    }
}

/// The axum handler for every path.
pub async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let started_unix_ms = unix_ms();
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            let message = format!("could not read the request body: {}", error_chain(&e));
            return proxy_error(StatusCode::BAD_REQUEST, &message);
        }
    };
    let json_body = body_value(&body);
    let model = model_of(&path, json_body.as_ref());
    let label = Some(format!("#{id} {}", model.as_deref().unwrap_or(&path)));
    let routed = route::route(&shared.upstream, &path, parts.uri.query(), &parts.headers);
    let headers = headers::request_headers(
        &parts.headers,
        shared.upstream.add_key.as_ref(),
        routed
            .as_ref()
            .map_or(crate::llm::protocol::Protocol::OpenAiChat, |r| r.family),
    );
    let request = HttpRequest {
        method: parts.method.as_str().to_string(),
        url: routed
            .as_ref()
            .map_or_else(|_| path.clone(), |r| r.url.clone()),
        headers,
        body: json_body,
    };
    let mut exchange = Exchange::new(request.redacted(), started_unix_ms);
    let route = match routed {
        Ok(r) => r,
        Err(message) => {
            exchange.error = Some(ProviderError::Config {
                message: message.clone(),
            });
            exchange.total_us = Some(0);
            record_failed(&shared, label, None, exchange);
            return proxy_error(StatusCode::BAD_GATEWAY, &message);
        }
    };
    let sent = match headers::to_header_map(&request.headers) {
        Ok(map) => {
            let start = Instant::now();
            let r = shared
                .client
                .request(parts.method.clone(), &route.url)
                .headers(map)
                .body(body)
                .send()
                .await;
            r.map(|resp| (start, resp)).map_err(|e| error_chain(&e))
        }
        Err(message) => Err(message),
    };
    let (start, resp) = match sent {
        Ok(ok) => ok,
        Err(message) => {
            let message = message.replace(&route.url, &exchange.request.url);
            exchange.error = Some(ProviderError::Transport {
                message: message.clone(),
            });
            exchange.total_us = Some(0);
            record_failed(&shared, label, Some(&route), exchange);
            return proxy_error(
                StatusCode::BAD_GATEWAY,
                &format!("could not reach the upstream: {message}"),
            );
        }
    };
    exchange.ttfb_us = Some(micros_since(start));
    let status = resp.status();
    exchange.status = Some(status.as_u16());
    exchange.response_headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_string(), v)
        })
        .collect();
    let sse = status.is_success()
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
    let headers: HeaderMap = headers::response_headers(resp.headers());
    let (tx, rx) = unbounded_channel();
    let pending = Pending {
        label,
        model,
        protocol: route.protocol,
        exchange,
        sse,
    };
    tokio::spawn(record(pending, rx, shared.clone()));
    // A reply that has no body whatever its length says (RFC 9110 6.4.1).
    let bodiless = parts.method == axum::http::Method::HEAD
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let tee = Tee {
        expected: if bodiless {
            Some(0)
        } else {
            resp.content_length()
        },
        passed: 0,
        inner: Box::pin(resp.bytes_stream()),
        tx: Some(tx),
        start,
    };
    let mut response = Response::new(Body::from_stream(tee));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// The response body on its way to the client, copying each chunk to the recorder as it
/// passes. Dropped before the end (the client went away), it drops the upstream response,
/// which closes the upstream connection: the upstream request is cancelled.
struct Tee {
    inner: Chunks,
    tx: Option<UnboundedSender<Piece>>,
    start: Instant,
    /// The upstream's `Content-Length`: the server may stop asking once it is reached.
    expected: Option<u64>,
    passed: u64,
}

impl Tee {
    fn finish(&mut self, piece: Piece) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(piece);
        }
    }
}

impl Stream for Tee {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match this.inner.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(bytes))) => {
                this.passed += bytes.len() as u64;
                if let Some(tx) = &this.tx {
                    let at_us = micros_since(this.start);
                    let _ = tx.send(Piece::Chunk {
                        at_us,
                        bytes: bytes.clone(),
                    });
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(Some(Err(e))) => {
                let message = error_chain(&e);
                let at_us = micros_since(this.start);
                this.finish(Piece::Broken {
                    at_us,
                    message: message.clone(),
                });
                Poll::Ready(Some(Err(std::io::Error::other(message))))
            }
            Poll::Ready(None) => {
                let at_us = micros_since(this.start);
                this.finish(Piece::End { at_us });
                Poll::Ready(None)
            }
        }
    }
}

impl Drop for Tee {
    fn drop(&mut self) {
        let at_us = micros_since(self.start);
        if self.expected == Some(self.passed) {
            self.finish(Piece::End { at_us });
        } else {
            self.finish(Piece::ClientGone { at_us });
        }
    }
}
