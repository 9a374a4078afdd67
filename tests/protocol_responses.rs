//! The OpenAI Responses decoder over the recorded streams in
//! `../shared/fixtures/wire/openai-responses/` and over streams of our own: every stream
//! decoded whole, at every byte boundary, in random pieces and with CRLF line ends, then
//! its meaning checked.

mod protocol_support;

use protocol_support::{
    Decoded, body_fixture, decode, decode_body, decode_every_way, every_way_all, fixture,
    fixture_names,
};
use serde_json::{Value, json};
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::protocol::{Protocol, error_message};
use switchboard::llm::usage::Usage;

const P: Protocol = Protocol::OpenAiResponses;

async fn recorded(name: &str) -> Option<Decoded> {
    let bytes = fixture(P, name)?;
    Some(decode(P, vec![bytes]).await)
}

fn usage(input: u64, cached: u64, output: u64, reasoning: u64) -> Usage {
    Usage {
        input,
        cached_read: cached,
        output,
        reasoning,
        ..Usage::default()
    }
}

/// Frames events as the Responses API does: `event:` repeats the payload's type, and every
/// payload has its `sequence_number`.
fn stream(events: &[Value]) -> Vec<u8> {
    let mut out = String::new();
    for (i, e) in events.iter().enumerate() {
        let mut e = e.clone();
        e["sequence_number"] = json!(i);
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
        assert!(
            d.complete,
            "{name}: every recording ends with a terminal event"
        );
        d.tool_arguments();
    }
}

#[tokio::test]
async fn reasoning_item_with_empty_summary_then_text() {
    let Some(d) = recorded("text-reasoning-item.sse").await else {
        return;
    };
    assert_eq!(d.text(), "Oi!");
    assert_eq!(d.reasoning(), "");
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    // Reasoning is part of output: 118 including 64.
    assert_eq!(d.usage(), Some(usage(19, 0, 118, 64)));
    // The obfuscation padding never becomes text.
    assert!(!d.text().contains("jiWK3"));
}

#[tokio::test]
async fn function_call_arguments_from_deltas() {
    let Some(d) = recorded("function-call.sse").await else {
        return;
    };
    let calls = d.tool_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].1.as_deref(), Some("call_PRiJm2RVAvt7IoRvjxIXxFVF"));
    assert_eq!(calls[0].2.as_deref(), Some("weather"));
    assert_eq!(
        d.tool_arguments(),
        vec![json!({"location": "Florence, Italy"})]
    );
    assert_eq!(d.finishes(), vec![&StopReason::ToolCalls]);
    assert_eq!(d.usage(), Some(usage(58, 0, 17, 0)));
}

#[tokio::test]
async fn reasoning_model_tool_call_with_reasoning_tokens() {
    let Some(d) = recorded("reasoning-summary-tool.sse").await else {
        return;
    };
    assert_eq!(
        d.tool_arguments(),
        vec![json!({"location": "Florence, Italy"})]
    );
    assert_eq!(
        d.tool_calls()[0].1.as_deref(),
        Some("call_EDay3PkaZNpmYHDVyeY69wF9")
    );
    assert_eq!(d.usage(), Some(usage(60, 0, 225, 192)));
}

#[tokio::test]
async fn two_message_items_are_two_paragraphs_and_done_texts_fill_gaps() {
    let Some(d) = recorded("two-messages.chunks.jsonl").await else {
        return;
    };
    let text = d.text();
    // The recorder kept only some deltas; each item's `output_text.done` has the whole.
    assert!(
        text.starts_with(
            "Got it — I’ll quickly check reliable, up-to-date sources for AI headlines from \
             **today (February 25, 2026)** and then summarize the key items with links.\n\n\
             Here are a few **AI headlines for today"
        ),
        "{text}"
    );
    assert_eq!(d.usage(), Some(usage(7112, 3072, 463, 64)));
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
}

#[tokio::test]
async fn in_band_error_then_failed_is_one_error() {
    let Some(d) = recorded("error-insufficient-quota.chunks.jsonl").await else {
        return;
    };
    let errors = d.errors_reported();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("You exceeded your current quota"));
    assert_eq!(errors[0].1.as_deref(), Some("insufficient_quota"));
    assert!(d.complete, "response.failed is a terminal event");
}

#[test]
fn non_streamed_response_and_error_bodies() {
    let Some(body) = body_fixture(P, "response.json") else {
        return;
    };
    let d = decode_body(P, &body);
    assert_eq!(d.text(), "Olá!");
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    assert_eq!(d.usage(), Some(usage(19, 0, 86, 64)));
    for (name, code) in [
        ("error-400-model-not-found.json", "model_not_found"),
        ("error-429-insufficient-quota.json", "insufficient_quota"),
    ] {
        let Some(body) = body_fixture(P, name) else {
            return;
        };
        let (message, got) = error_message(&body).unwrap();
        assert!(!message.is_empty(), "{name}");
        assert_eq!(got.as_deref(), Some(code), "{name}");
    }
}

fn added(i: u64, item: Value) -> Value {
    json!({"type": "response.output_item.added", "output_index": i, "item": item})
}

#[tokio::test]
async fn summaries_refusals_and_incomplete() {
    let bytes = stream(&[
        json!({"type": "response.created", "response": {"id": "r", "status": "in_progress"}}),
        added(0, json!({"id": "rs_1", "type": "reasoning", "summary": []})),
        json!({"type": "response.reasoning_summary_part.added", "output_index": 0, "summary_index": 0}),
        json!({"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": 0, "delta": "First."}),
        json!({"type": "response.reasoning_summary_part.added", "output_index": 0, "summary_index": 1}),
        json!({"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": 1, "delta": "Second."}),
        json!({"type": "response.reasoning_summary_text.done", "output_index": 0, "summary_index": 1, "text": "Second."}),
        added(1, json!({"id": "msg_1", "type": "message", "content": []})),
        json!({"type": "response.refusal.delta", "output_index": 1, "content_index": 0, "delta": "I can't"}),
        json!({"type": "response.output_text.delta", "output_index": 1, "content_index": 1, "delta": " help."}),
        json!({"type": "response.incomplete", "response": {"status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "usage": {"input_tokens": 9, "input_tokens_details": {"cached_tokens": 4},
                "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 12}}}}),
    ]);
    let d = decode_every_way(P, "own", &bytes).await;
    assert_eq!(d.reasoning(), "First.\n\nSecond.");
    assert_eq!(d.text(), "I can't help.");
    assert_eq!(d.finishes(), vec![&StopReason::Length]);
    assert_eq!(d.usage(), Some(usage(9, 4, 20, 12)));
    assert!(d.complete);
}

#[tokio::test]
async fn whole_items_without_deltas_and_eof_before_the_end() {
    // A proxy that sends only whole items still gives the text and the arguments.
    let bytes = stream(&[
        added(
            0,
            json!({"type": "function_call", "call_id": "c1", "name": "f", "arguments": ""}),
        ),
        json!({"type": "response.output_item.done", "output_index": 0,
            "item": {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{\"x\":1}"}}),
        added(1, json!({"type": "message"})),
        json!({"type": "response.output_item.done", "output_index": 1,
            "item": {"type": "message", "content": [{"type": "output_text", "text": "Done."}]}}),
    ]);
    let d = decode_every_way(P, "whole items", &bytes).await;
    assert_eq!(d.tool_arguments(), vec![json!({"x": 1})]);
    assert_eq!(d.text(), "Done.");
    assert!(
        !d.complete,
        "no response.completed: the stream is not complete"
    );
    assert!(
        d.events
            .iter()
            .all(|e| !matches!(e, StreamEvent::Finished { .. }))
    );
}
