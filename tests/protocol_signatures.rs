//! Thinking signatures go back unchanged: Anthropic's signed `thinking` (and
//! `redacted_thinking`) blocks first in the assistant's content, Gemini's `thoughtSignature`
//! beside its `functionCall` part. Builders are checked on exact JSON; recorded streams of
//! `../shared/fixtures/wire/` are decoded, folded into the history message and built into
//! the next request, whose signature must equal the recorded one byte for byte. How the UI and
//! `ask --continue` keep them in a conversation: `history_signatures.rs`.

mod protocol_support;

use protocol_support::signed::{body, built, endpoint, recorded, wire};
use protocol_support::{decode, fixture};
use serde_json::json;
use switchboard::llm::chat::{ChatRequest, Message, Part, ReasoningEffort, Role};
use switchboard::llm::event::{Signed, StreamEvent};
use switchboard::llm::protocol::{Decoder, ModelTraits, Protocol, build};
use switchboard::llm::reply::Reply;

/// A prompt, the assistant's `answer`, the result of its call `call_1`, and the chat goes
/// on: the shape in which both providers require the signatures back.
fn after_tool_call(model: &str, answer: Message) -> ChatRequest {
    let mut chat = ChatRequest::new(model, "Weather in Oslo?");
    chat.params.reasoning_effort = Some(ReasoningEffort::Low);
    let call_id = answer
        .parts
        .iter()
        .find_map(|p| match p {
            Part::ToolCall { id, .. } => Some(id.clone()),
            _ => None,
        })
        .unwrap();
    chat.messages.push(answer);
    chat.messages.push(Message {
        role: Role::Tool,
        parts: vec![Part::ToolResult {
            call_id,
            content: "4°C, rain".into(),
        }],
    });
    chat
}

fn signed_answer() -> Message {
    Message {
        role: Role::Assistant,
        parts: vec![
            Part::Text {
                text: "Checking.".into(),
            },
            Part::Reasoning {
                text: "Unsigned: never sent back.".into(),
                signature: None,
            },
            Part::Reasoning {
                text: "The user wants Oslo's weather.".into(),
                signature: Some("EqQBCkYIBxgCKkB/sig+1==".into()),
            },
            Part::RedactedReasoning {
                data: "EmwKAhgBEgy3va3pzix/LafPsn4a".into(),
            },
            Part::ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                arguments: "{\"city\":\"Oslo\"}".into(),
                signature: Some("CiQBvj72+gemini/sig==".into()),
            },
        ],
    }
}

#[test]
fn anthropic_sends_signed_thinking_first() {
    let req = built(
        Protocol::Anthropic,
        &after_tool_call("claude-sonnet-4-5", signed_answer()),
    );
    let b = body(&req);
    assert_eq!(
        b["messages"][1],
        json!({"role": "assistant", "content": [
            {"type": "thinking", "thinking": "The user wants Oslo's weather.",
             "signature": "EqQBCkYIBxgCKkB/sig+1=="},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "call_1", "name": "get_weather",
             "input": {"city": "Oslo"}}
        ]})
    );
    assert_eq!(b["thinking"]["type"], "enabled");
    // Without signatures the assistant's text goes alone, as before.
    let plain = after_tool_call("claude-sonnet-4-5", signed_answer().without_signatures());
    let req = built(Protocol::Anthropic, &plain);
    let content = &body(&req)["messages"][1]["content"];
    assert_eq!(content[0], json!({"type": "text", "text": "Checking."}));
    assert_eq!(content.as_array().unwrap().len(), 2);
}

#[test]
fn anthropic_leaves_thinking_out_where_messages_refuses_it() {
    let thinking = Part::Reasoning {
        text: "Plan.".into(),
        signature: Some("SIG".into()),
    };
    // A prefilled last assistant message while thinking is off: no thinking block.
    let mut chat = ChatRequest::new("claude-sonnet-4-5", "Say hi");
    chat.messages.push(Message {
        role: Role::Assistant,
        parts: vec![thinking.clone(), Part::Text { text: "Hi".into() }],
    });
    let off = build(
        Protocol::Anthropic,
        &endpoint(Protocol::Anthropic),
        &chat,
        &ModelTraits::default(),
    )
    .unwrap()
    .request;
    assert_eq!(body(&off)["messages"][1]["content"], json!("Hi"));
    // With thinking on it stays.
    chat.params.reasoning_effort = Some(ReasoningEffort::Low);
    let on = built(Protocol::Anthropic, &chat);
    assert_eq!(body(&on)["messages"][1]["content"][0]["signature"], "SIG");
    // A message of thinking alone would end with a thinking block: it goes without.
    chat.messages[1].parts = vec![thinking];
    chat.messages.push(Message::text(Role::User, "go on"));
    let alone = built(Protocol::Anthropic, &chat);
    assert_eq!(body(&alone)["messages"][1]["content"], json!(""));
}

#[test]
fn gemini_sends_the_thought_signature_beside_the_call() {
    let req = built(
        Protocol::Gemini,
        &after_tool_call("gemini-2.5-flash", signed_answer()),
    );
    let b = body(&req);
    assert_eq!(
        b["contents"][1],
        json!({"role": "model", "parts": [
            {"text": "Checking."},
            {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}},
             "thoughtSignature": "CiQBvj72+gemini/sig=="}
        ]})
    );
    // Anthropic's signatures are not Gemini's: nothing of them goes there.
    assert!(!serde_json::to_string(b).unwrap().contains("EqQB"));
}

fn reply_of(events: &[StreamEvent]) -> Reply {
    let mut r = Reply::default();
    events.iter().for_each(|e| r.apply(e));
    r
}

#[tokio::test]
async fn anthropic_stream_signature_reaches_the_next_request() {
    let name = "thinking-tool-padded.sse";
    let Some(bytes) = fixture(Protocol::Anthropic, name) else {
        return;
    };
    let raw = String::from_utf8(bytes.clone()).unwrap();
    let signature = recorded(&raw, "signature");
    let d = decode(Protocol::Anthropic, vec![bytes]).await;
    assert!(d.complete && d.errors.is_empty(), "{:?}", d.errors);
    let answer = reply_of(&d.events).message();
    let req = built(
        Protocol::Anthropic,
        &after_tool_call("claude-sonnet-4", answer),
    );
    let content = &body(&req)["messages"][1]["content"];
    assert_eq!(content[0]["type"], "thinking");
    assert_eq!(content[0]["thinking"], json!(d.reasoning()));
    assert_eq!(content[0]["signature"].as_str(), Some(signature.as_str()));
    assert_eq!(content[1]["type"], "tool_use");
    assert_eq!(content[1]["id"], "toolu_01Js4AMfx5qpTLhwTusnvT68");
    // Byte for byte on the wire, too.
    let wire = wire(&req);
    assert!(wire.contains(&format!("\"signature\":\"{signature}\"")));
}

#[tokio::test]
async fn gemini_stream_signature_reaches_the_next_request() {
    let name = "function-call-thought-signature.sse";
    let Some(bytes) = fixture(Protocol::Gemini, name) else {
        return;
    };
    let raw = String::from_utf8(bytes.clone()).unwrap();
    let signature = recorded(&raw, "thoughtSignature");
    let d = decode(Protocol::Gemini, vec![bytes]).await;
    assert!(d.complete && d.errors.is_empty(), "{:?}", d.errors);
    assert!(d.events.contains(&StreamEvent::Signature {
        of: Signed::ToolCall { index: 0 },
        signature: signature.clone(),
    }));
    let answer = reply_of(&d.events).message();
    let req = built(
        Protocol::Gemini,
        &after_tool_call("gemini-2.5-flash", answer),
    );
    let model = &body(&req)["contents"][1];
    let call = model["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p.get("functionCall").is_some())
        .unwrap();
    assert_eq!(call["functionCall"]["name"], "weather");
    assert_eq!(call["thoughtSignature"].as_str(), Some(signature.as_str()));
    let wire = wire(&req);
    assert!(wire.contains(&format!("\"thoughtSignature\":\"{signature}\"")));
}

#[test]
fn anthropic_message_body_signatures_and_redacted_blocks() {
    let message = json!({"type": "message", "role": "assistant", "content": [
        {"type": "thinking", "thinking": "Plan.", "signature": "SIG/body+1"},
        {"type": "redacted_thinking", "data": "ENCRYPTED=="},
        {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}
    ], "stop_reason": "tool_use", "usage": {"input_tokens": 3, "output_tokens": 4}});
    let mut events = Vec::new();
    Decoder::new(Protocol::Anthropic)
        .unwrap()
        .body(&message.to_string(), &mut events)
        .unwrap();
    let answer = reply_of(&events).message();
    let req = built(
        Protocol::Anthropic,
        &after_tool_call("claude-opus-4-1", answer),
    );
    assert_eq!(
        body(&req)["messages"][1]["content"],
        json!([
            {"type": "thinking", "thinking": "Plan.", "signature": "SIG/body+1"},
            {"type": "redacted_thinking", "data": "ENCRYPTED=="},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}
        ])
    );
}
