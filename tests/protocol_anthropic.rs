//! The Anthropic Messages decoder over the recorded streams in
//! `../shared/fixtures/wire/anthropic/` (see its SOURCES.md) and over streams of our own:
//! every stream decoded whole, at every byte boundary, in random pieces and with CRLF line
//! ends, then its meaning checked: text, thinking, tool calls, usage, stop reason, errors.

mod protocol_support;

use protocol_support::{
    Decoded, body_fixture, decode, decode_body, decode_every_way, every_way_all, fixture,
    fixture_names,
};
use serde_json::json;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::protocol::{Protocol, error_message};
use switchboard::llm::usage::Usage;

const P: Protocol = Protocol::Anthropic;

/// A recorded stream decoded whole (the every-way checks run once per file, in
/// `every_recorded_stream_decodes_the_same_in_any_pieces`).
async fn recorded(name: &str) -> Option<Decoded> {
    let bytes = fixture(P, name)?;
    Some(decode(P, vec![bytes]).await)
}

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input,
        output,
        ..Usage::default()
    }
}

/// Frames SSE events as Anthropic sends them: `event:` then `data:`.
fn stream(events: &[serde_json::Value]) -> Vec<u8> {
    let mut out = String::new();
    for e in events {
        out.push_str(&format!(
            "event: {}\ndata: {e}\n\n",
            e["type"].as_str().unwrap()
        ));
    }
    out.into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_recorded_stream_decodes_the_same_in_any_pieces() {
    let names = fixture_names(P, &[".sse", ".chunks.jsonl"]);
    for (name, d) in every_way_all(P, names).await {
        assert!(d.errors.is_empty(), "{name}: {:?}", d.errors);
        assert!(!d.frames.is_empty(), "{name}");
        // Every recorded tool call assembles to JSON.
        d.tool_arguments();
    }
}

#[tokio::test]
async fn text_with_ping_and_no_final_blank_line() {
    let Some(d) = recorded("text.sse").await else {
        return;
    };
    assert_eq!(d.text(), "Hello there!");
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    assert_eq!(d.usage(), Some(usage(11, 6)));
    assert!(d.complete, "message_stop arrived");
}

#[tokio::test]
async fn padded_json_and_utf8() {
    let Some(d) = recorded("text-padded-utf8.sse").await else {
        return;
    };
    assert_eq!(
        d.text(),
        "Olá! (That's \"hi\" in Portuguese)\n\nYou could also say \"Oi!\" which is a more \
         casual way to say hi in Portuguese."
    );
    assert_eq!(d.usage(), Some(usage(16, 38)));
    assert!(d.complete);
}

#[tokio::test]
async fn tool_use_arguments_assembled_from_fragments() {
    let Some(d) = recorded("tool-use.sse").await else {
        return;
    };
    assert_eq!(d.text(), "I'll check the current weather in Paris for you.");
    let calls = d.tool_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].1.as_deref(),
        Some("toolu_01NRLabsLyVHZPKxbKvkfSMn")
    );
    assert_eq!(calls[0].2.as_deref(), Some("get_weather"));
    assert_eq!(d.tool_arguments(), vec![json!({"location": "Paris"})]);
    assert_eq!(d.finishes(), vec![&StopReason::ToolCalls]);
    // message_start's output count is a placeholder; message_delta's is the total.
    assert_eq!(d.usage(), Some(usage(377, 65)));
}

#[tokio::test]
async fn thinking_then_tool_call_on_the_real_wire() {
    let Some(d) = recorded("thinking-tool-padded.sse").await else {
        return;
    };
    assert!(
        d.reasoning()
            .starts_with("The user is asking for weather information for Florence"),
        "{}",
        d.reasoning()
    );
    assert_eq!(d.text(), "");
    assert_eq!(
        d.tool_arguments(),
        vec![json!({"location": "Florence, Italy"})]
    );
    assert_eq!(d.tool_calls()[0].2.as_deref(), Some("weather"));
    assert_eq!(d.finishes(), vec![&StopReason::ToolCalls]);
    assert_eq!(d.usage(), Some(usage(424, 119)));
}

#[tokio::test]
async fn thinking_with_signature_reframed_from_payload_lines() {
    let Some(d) = recorded("thinking-signature.chunks.jsonl").await else {
        return;
    };
    assert_eq!(
        d.reasoning(),
        "The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185"
    );
    assert_eq!(d.text(), "925 ÷ 5 = 185");
    assert_eq!(d.usage(), Some(usage(69, 53)));
    assert!(d.complete);
}

#[tokio::test]
async fn restated_usage_takes_the_last_value_never_the_sum() {
    let Some(d) = recorded("emoji-compaction.sse").await else {
        return;
    };
    assert_eq!(d.text(), "Hello! 👋");
    // message_start said input 100 + 55096 read from cache; message_delta restates the
    // whole request as 181 input, nothing cached.
    assert_eq!(d.usage(), Some(usage(181, 8)));
    let all: Vec<&StreamEvent> = d
        .events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Usage { .. }))
        .collect();
    assert_eq!(all.len(), 2);
    if let StreamEvent::Usage { usage } = all[0] {
        assert_eq!((usage.input, usage.cached_read), (100 + 55_096, 55_096));
    }
}

#[tokio::test]
async fn refusal_with_an_empty_block() {
    let Some(d) = recorded("refusal.sse").await else {
        return;
    };
    assert_eq!(d.text(), "");
    assert_eq!(d.finishes(), vec![&StopReason::Refusal]);
    assert_eq!(d.usage(), Some(usage(20, 0)));
}

#[tokio::test]
async fn error_event_mid_stream_without_message_stop() {
    let Some(d) = recorded("error-overloaded-midstream.constructed.sse").await else {
        return;
    };
    assert_eq!(d.text(), "Olá! (That");
    assert_eq!(
        d.errors_reported(),
        vec![(
            "Overloaded".to_string(),
            Some("overloaded_error".to_string())
        )]
    );
    assert!(!d.complete, "no message_stop: the stream is not complete");
}

#[test]
fn non_streamed_message_and_error_bodies() {
    let Some(body) = body_fixture(P, "message.json") else {
        return;
    };
    let d = decode_body(P, &body);
    assert_eq!(
        d.text(),
        "Hello! I'm doing well, thanks for asking. How are you doing today? Is there \
         anything I can help you with?"
    );
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    assert_eq!(d.usage(), Some(usage(12, 29)));
    assert!(d.complete);
    let Some(err) = body_fixture(P, "error-400-invalid-request.json") else {
        return;
    };
    let (message, code) = error_message(&err).unwrap();
    assert!(
        message.starts_with("messages.1: `tool_use` ids were found"),
        "{message}"
    );
    assert_eq!(code.as_deref(), Some("invalid_request_error"));
    let Some(err) = body_fixture(P, "error-404-not-found.json") else {
        return;
    };
    assert_eq!(
        error_message(&err),
        Some((
            "model: claude-sonet-4-5".into(),
            Some("not_found_error".into())
        ))
    );
}

#[tokio::test]
async fn cache_reads_and_writes_count_as_input() {
    let bytes = stream(&[
        json!({"type": "message_start", "message": {"id": "m", "usage": {
            "input_tokens": 5, "cache_creation_input_tokens": 100,
            "cache_read_input_tokens": 2000,
            "cache_creation": {"ephemeral_5m_input_tokens": 60, "ephemeral_1h_input_tokens": 40},
            "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "message_delta", "delta": {"stop_reason": "max_tokens"},
            "usage": {"output_tokens": 30}}),
        json!({"type": "message_stop"}),
    ]);
    let d = decode_every_way(P, "cache", &bytes).await;
    assert_eq!(
        d.usage(),
        Some(Usage {
            input: 5 + 100 + 2000,
            cached_read: 2000,
            cache_write: 100,
            cache_write_1h: 40,
            output: 30,
            ..Usage::default()
        })
    );
    assert_eq!(d.finishes(), vec![&StopReason::Length]);
    // The raw usage keeps what the provider sent, merged across events.
    let raw = d.events.iter().rev().find_map(|e| match e {
        StreamEvent::Usage { usage } => usage.raw.clone(),
        _ => None,
    });
    assert_eq!(raw.unwrap()["cache_read_input_tokens"], 2000);
}

#[tokio::test]
async fn proxy_quirks_repeated_start_no_event_names_no_arguments() {
    let start = json!({"type": "message_start", "message": {"usage": {"input_tokens": 43, "output_tokens": 1}}});
    let events = [
        start.clone(),
        start,
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "t1", "name": "now", "input": {}}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": ""}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "t2", "name": "add", "input": {}}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"a\":"}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "1}"}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"input_tokens": 61, "output_tokens": 9}}),
        json!({"type": "message_stop"}),
    ];
    // A proxy that dropped the `event:` lines: the payload's type is enough.
    let data_only: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    let named = decode_every_way(P, "named", &stream(&events)).await;
    let bare = decode(P, vec![data_only.into_bytes()]).await;
    assert_eq!(named.events, bare.events);
    let calls = named.tool_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(named.tool_arguments(), vec![json!({}), json!({"a": 1})]);
    assert_eq!((calls[0].0, calls[1].0), (0, 1));
    // The repeated message_start is ignored; the restated input (43 -> 61) replaces.
    assert_eq!(named.usage(), Some(usage(61, 9)));
    assert!(named.complete);
}

#[tokio::test]
async fn end_of_stream_before_message_stop_is_incomplete() {
    let bytes = stream(&[
        json!({"type": "message_start", "message": {"usage": {"input_tokens": 3, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hal"}}),
    ]);
    let d = decode_every_way(P, "cut", &bytes).await;
    assert_eq!(d.text(), "Hal");
    assert!(!d.complete);
}
