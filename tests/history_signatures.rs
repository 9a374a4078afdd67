//! Thinking signatures kept in a conversation's history: the UI folds a turn's signed
//! reasoning into the next request to the same model (and leaves it out for another), and
//! `ask --continue` reads the signed blocks again from the stored stream. Recorded streams
//! of `../shared/fixtures/wire/` are used; the signature of the next request must equal the
//! recorded one byte for byte.

mod protocol_support;
mod store_support;
mod tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use protocol_support::signed::{body, built, recorded, wire};
use protocol_support::{decode, fixture};
use serde_json::json;
use switchboard::llm::chat::{ChatRequest, Part, Role};
use switchboard::llm::event::StreamEvent;
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::protocol::Protocol;
use switchboard::llm::provider::ModelRef;
use switchboard::llm::run::Update;
use switchboard::store::{Recorder, Store};
use switchboard::tui::effect::Effect;
use switchboard::tui::msg::Msg;
use switchboard::tui::update::update;

/// The chat of the `Send` effect that pressing Enter after `prompt` produces.
fn send(s: &mut switchboard::tui::state::State, prompt: &str) -> ChatRequest {
    tui_support::type_text(s, prompt);
    match tui_support::key(s, KeyCode::Enter, KeyModifiers::NONE).as_slice() {
        [Effect::Send { chat, .. }] => (**chat).clone(),
        other => panic!("expected one Send, got {other:?}"),
    }
}

#[tokio::test]
async fn the_ui_keeps_signed_thinking_in_the_history_of_the_same_model() {
    let name = "thinking-signature.chunks.jsonl";
    let Some(bytes) = fixture(Protocol::Anthropic, name) else {
        return;
    };
    let raw = String::from_utf8(bytes.clone()).unwrap();
    let signature = recorded(&raw, "signature");
    let d = decode(Protocol::Anthropic, vec![bytes]).await;
    let mut s = tui_support::state();
    send(&mut s, "925 / 5?");
    let turn = s.chat.turns[0].id;
    // As the request task forwards them.
    for e in d.events.clone() {
        let msg = match e {
            StreamEvent::TextDelta { text } => Msg::Text { turn, text },
            StreamEvent::ReasoningDelta { text } => Msg::Reasoning { turn, text },
            other => Msg::Stream {
                turn,
                event: Box::new(other),
            },
        };
        update(&mut s, msg);
    }
    update(
        &mut s,
        Msg::Done {
            turn,
            result: Ok(tui_support::exchange(None, None)),
        },
    );
    let next = send(&mut s, "and times 2?");
    let answer = &next.messages[1];
    assert_eq!(answer.role, Role::Assistant);
    assert_eq!(
        answer.parts[0],
        Part::Reasoning {
            text: d.reasoning(),
            signature: Some(signature.clone()),
        }
    );
    assert_eq!(answer.joined_text(), "925 ÷ 5 = 185");
    let req = built(Protocol::Anthropic, &next);
    assert_eq!(
        body(&req)["messages"][1]["content"][0]["signature"].as_str(),
        Some(signature.as_str())
    );

    // Another model could not verify the signature: it gets the text alone.
    let turns = s.chat.turns.len();
    let id = s.chat.turns[turns - 1].id;
    update(
        &mut s,
        Msg::Done {
            turn: id,
            result: Ok(tui_support::exchange(None, None)),
        },
    );
    s.model = ModelRef::parse("demo/demo-reasoner").unwrap();
    let other = send(&mut s, "again?");
    assert_eq!(
        other.messages[1].parts,
        [Part::Text {
            text: "925 ÷ 5 = 185".into()
        }]
    );
}

#[tokio::test]
async fn a_continued_conversation_gets_its_signatures_from_the_stored_stream() {
    let name = "thinking-signature.chunks.jsonl";
    let Some(bytes) = fixture(Protocol::Anthropic, name) else {
        return;
    };
    let raw = String::from_utf8(bytes.clone()).unwrap();
    let signature = recorded(&raw, "signature");
    let d = decode(Protocol::Anthropic, vec![bytes]).await;
    let dir = store_support::TempDir::new("signatures");
    let store = Store::open(dir.path()).unwrap();
    let model = "anthropic/claude-sonnet-4-5";
    // What `ask` records: the turn from the runner's events, the exchange with its frames.
    let mut rec = Recorder::new(store.clone(), None, "test");
    rec.begin(model, Some("anthropic"), &ChatRequest::new("m", "925 / 5?"))
        .unwrap();
    for e in &d.events {
        rec.update(&Update::Event(e)).unwrap();
    }
    let mut ex = Exchange::new(
        HttpRequest::post_json("https://example.test/v1/messages", json!({})),
        0,
    );
    ex.status = Some(200);
    ex.frames = d
        .frames
        .iter()
        .enumerate()
        .map(|(i, (event, data))| Frame {
            offset_us: i as u64,
            event: event.clone(),
            data: data.clone(),
        })
        .collect();
    rec.finish(&ex, None).unwrap().unwrap();
    let conversation = rec.conversation().unwrap();

    // `ask --continue` with the same model: the block comes back signed, unchanged.
    let next = Recorder::new(store.clone(), Some(conversation), "test");
    let mut chat = ChatRequest::new("m", "and times 2?");
    next.prepend_history_for(&mut chat, Some(model)).unwrap();
    assert_eq!(
        chat.messages[1].parts[0],
        Part::Reasoning {
            text: d.reasoning(),
            signature: Some(signature.clone()),
        }
    );
    let req = built(Protocol::Anthropic, &chat);
    assert!(wire(&req).contains(&format!("\"signature\":\"{signature}\"")));

    // With another model the reasoning stays unsigned text, which is never sent back.
    let mut chat = ChatRequest::new("m", "and times 2?");
    next.prepend_history_for(&mut chat, Some("anthropic/claude-opus-4-1"))
        .unwrap();
    assert_eq!(
        chat.messages[1].parts[0],
        Part::Reasoning {
            text: d.reasoning(),
            signature: None,
        }
    );
    let req = built(Protocol::Anthropic, &chat);
    assert!(!wire(&req).contains(&signature));
}
