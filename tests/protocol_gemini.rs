//! The Gemini decoder over the recorded streams in `../shared/fixtures/wire/gemini/` and
//! over streams of our own: every stream decoded whole, at every byte boundary, in random
//! pieces and with CRLF line ends, then its meaning checked. Gemini has no end marker: a
//! stream is complete only once a `finishReason` (or a prompt block) arrived.

mod protocol_support;

use protocol_support::{
    Decoded, body_fixture, decode, decode_body, decode_every_way, every_way_all, fixture,
    fixture_names,
};
use serde_json::json;
use switchboard::llm::event::StopReason;
use switchboard::llm::protocol::{Protocol, error_message};
use switchboard::llm::ratelimit::body_wait;
use switchboard::llm::usage::Usage;

const P: Protocol = Protocol::Gemini;

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

#[tokio::test(flavor = "multi_thread")]
async fn every_recorded_stream_decodes_the_same_in_any_pieces() {
    let names = fixture_names(P, &[".sse"]);
    for (name, d) in every_way_all(P, names).await {
        assert!(d.errors.is_empty(), "{name}: {:?}", d.errors);
        d.tool_arguments();
    }
}

#[tokio::test]
async fn crlf_stream_with_cumulative_usage() {
    let Some(d) = recorded("text-short.sse").await else {
        return;
    };
    assert_eq!(d.text(), "The capital of Wyoming is **Cheyenne**.\n");
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    // usageMetadata repeats on every chunk: the last one holds the totals.
    assert_eq!(d.usage(), Some(usage(7, 0, 10, 0)));
    assert!(d.complete);
}

#[tokio::test]
async fn thought_parts_are_reasoning_and_thought_tokens_are_output() {
    let Some(d) = recorded("thinking-thoughts-tokens.sse").await else {
        return;
    };
    assert!(d.reasoning().starts_with("**Exploring Sky Color**"));
    assert!(!d.text().contains("Exploring Sky Color"));
    assert!(
        d.text()
            .starts_with("The sky is blue because tiny gas molecules")
    );
    // The last chunk: totalTokenCount 598 = prompt 10 + candidates 48 + thoughts 540.
    assert_eq!(d.usage(), Some(usage(10, 0, 48 + 540, 540)));
}

#[tokio::test]
async fn whole_function_call_with_thought_signature() {
    let Some(d) = recorded("function-call-thought-signature.sse").await else {
        return;
    };
    assert!(
        d.reasoning()
            .starts_with("**Determining the Weather Inquiry**")
    );
    let calls = d.tool_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].2.as_deref(), Some("weather"));
    assert!(calls[0].1.is_some(), "a call always gets an id");
    assert_eq!(
        d.tool_arguments(),
        vec![json!({"location": "Florence, Italy"})]
    );
    // Gemini says STOP after a function call.
    assert_eq!(d.finishes(), vec![&StopReason::ToolCalls]);
    assert_eq!(d.usage(), Some(usage(54, 0, 14 + 62, 62)));
}

#[tokio::test]
async fn cjk_text_split_across_chunks() {
    let Some(d) = recorded("utf8-cjk.sse").await else {
        return;
    };
    assert!(
        d.text()
            .starts_with("秋风瑟瑟，叶落纷纷，\n西风残照，寒霜渐浓。")
    );
    assert!(d.text().ends_with("领悟秋天的哲理。"));
    // This server repeats finishReason on every chunk: reported once.
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
}

#[tokio::test]
async fn safety_blocks() {
    let Some(d) = recorded("finish-reason-safety.sse").await else {
        return;
    };
    assert_eq!(d.finishes(), vec![&StopReason::ContentFilter]);
    assert_eq!(d.usage(), Some(usage(10, 0, 66, 0)));
    let Some(d) = recorded("prompt-blocked-safety.sse").await else {
        return;
    };
    // No candidates at all: the prompt was blocked, and that ends the answer.
    assert_eq!(d.text(), "");
    assert_eq!(d.finishes(), vec![&StopReason::ContentFilter]);
    assert!(d.complete);
}

#[tokio::test]
async fn bare_json_error_after_data_chunks() {
    let Some(d) = recorded("error-mid-stream.sse").await else {
        return;
    };
    assert_eq!(d.text(), "First Second ");
    assert_eq!(
        d.errors_reported(),
        vec![(
            "The operation was cancelled.".to_string(),
            Some("CANCELLED".to_string())
        )]
    );
}

#[test]
fn non_streamed_bodies_and_error_envelopes() {
    let Some(body) = body_fixture(P, "generate-content.json") else {
        return;
    };
    let d = decode_body(P, &body);
    assert_eq!(
        d.text(),
        "Google's headquarters, also known as the Googleplex, is located in **Mountain View, \
         California**.\n"
    );
    assert_eq!(d.usage(), Some(usage(7, 0, 22, 0)));
    assert!(d.complete);
    let Some(body) = body_fixture(P, "safety-blocked.json") else {
        return;
    };
    let d = decode_body(P, &body);
    assert_eq!(d.text(), "");
    assert_eq!(d.finishes(), vec![&StopReason::ContentFilter]);
    for (name, code) in [
        ("error-400-api-key.json", "INVALID_ARGUMENT"),
        ("error-404-model.json", "NOT_FOUND"),
        ("error-429-retry-info.json", "RESOURCE_EXHAUSTED"),
    ] {
        let Some(body) = body_fixture(P, name) else {
            return;
        };
        let (message, got) = error_message(&body).unwrap();
        assert!(!message.is_empty(), "{name}");
        assert_eq!(got.as_deref(), Some(code), "{name}");
    }
    let Some(body) = body_fixture(P, "error-429-retry-info.json") else {
        return;
    };
    assert_eq!(
        body_wait(&body),
        Some(std::time::Duration::from_millis(34_400))
    );
}

fn chunk(v: serde_json::Value) -> String {
    format!("data: {v}\r\n\r\n")
}

#[tokio::test]
async fn cached_prompt_tokens_stay_inside_the_prompt_count() {
    let body = [
        chunk(json!({"candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 1200, "cachedContentTokenCount": 1024, "totalTokenCount": 1200}})),
        chunk(json!({"candidates": [{"content": {"parts": [{"text": "!"}], "role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}],
            "usageMetadata": {"promptTokenCount": 1200, "cachedContentTokenCount": 1024,
                "candidatesTokenCount": 2, "thoughtsTokenCount": 5, "totalTokenCount": 1207}})),
    ]
    .concat();
    let d = decode_every_way(P, "cached", body.as_bytes()).await;
    assert_eq!(d.text(), "Hi!");
    assert_eq!(d.usage(), Some(usage(1200, 1024, 7, 5)));
    assert_eq!(d.finishes(), vec![&StopReason::Length]);
    assert!(d.complete);
}

#[tokio::test]
async fn eof_without_finish_reason_is_incomplete() {
    let body = chunk(
        json!({"candidates": [{"content": {"parts": [{"text": "Half an ans"}]}, "index": 0}],
        "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 3}}),
    );
    let d = decode_every_way(P, "cut", body.as_bytes()).await;
    assert_eq!(d.text(), "Half an ans");
    assert!(!d.complete, "no finishReason: the stream is not complete");
    // An error framed as data is an error too.
    let body =
        chunk(json!({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}));
    let d = decode_every_way(P, "data error", body.as_bytes()).await;
    assert_eq!(
        d.errors_reported(),
        vec![("overloaded".to_string(), Some("UNAVAILABLE".to_string()))]
    );
}
