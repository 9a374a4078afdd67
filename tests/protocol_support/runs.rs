//! Running a request through `llm::run::run` against a scripted server, and canned
//! streams in each protocol's grammar.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::event::StreamEvent;
use switchboard::llm::http::Exchange;
use switchboard::llm::money::Currency;
use switchboard::llm::protocol::{Protocol, build_request};
use switchboard::llm::run::{self, RetryPolicy, RunOptions, Timeouts, Update};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::server::{PATIENCE, Server};

#[derive(Debug, Default)]
pub struct Got {
    pub events: Vec<StreamEvent>,
    pub retries: Vec<Duration>,
    pub statuses: Vec<u16>,
}

impl Got {
    pub fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::TextDelta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

pub fn opts(retry: RetryPolicy) -> RunOptions {
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

pub fn retries(n: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries: n,
        max_wait: Duration::from_secs(1),
    }
}

pub async fn send(server: &Server, protocol: Protocol, o: &RunOptions) -> (Exchange, Got) {
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
pub fn frames(protocol: Protocol, events: &[Value]) -> Vec<u8> {
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
pub fn hello(protocol: Protocol, keep: Option<usize>) -> Vec<u8> {
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
