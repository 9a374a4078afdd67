//! Shared by the replay tests: a recorded OpenAI-style exchange, a store holding it, the
//! events its frames decode to, and the replay effects `update` returns.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use switchboard::config::Config;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::protocol::{Decoder, Protocol};
use switchboard::llm::provider::ModelRef;
use switchboard::llm::usage::Usage;
use switchboard::store::{ExchangeRecord, NewConversation, NewTurn, Store, TurnStatus as Stored};
use switchboard::trace::TracedExchange;
use switchboard::tui::debug::run::DebugEffect;
use switchboard::tui::effect::Effect;
use switchboard::tui::keymap::Keymap;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::state::State;
use switchboard::tui::update::update;
use switchboard::workbench::Workbench;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio_util::sync::CancellationToken;

pub const MODEL: &str = "demo/demo-fast";

pub fn state() -> State {
    let model = ModelRef::parse(MODEL).unwrap();
    State::new(model, &[], Keymap::builtin().unwrap(), Instant::now())
}

pub fn press(s: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, mods)))
}

pub fn demo() -> Arc<Workbench> {
    Arc::new(Workbench::new(Config::default()).unwrap())
}

/// An OpenAI-style streamed answer "Hello": four frames, a usage report, a stop.
pub fn recorded() -> Exchange {
    let body = json!({"model": "demo-fast", "stream": true,
        "messages": [{"role": "user", "content": "Say hello"}]});
    let mut ex = Exchange::new(
        HttpRequest::post_json("http://127.0.0.1:9/v1/chat/completions", body),
        1_700_000_000_000,
    );
    ex.status = Some(200);
    ex.response_headers = vec![("content-type".into(), "text/event-stream".into())];
    let data = [
        r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}"#,
        r#"{"choices":[{"index":0,"delta":{"content":"lo"}}]}"#,
        r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#,
        "[DONE]",
    ];
    ex.frames = data
        .iter()
        .enumerate()
        .map(|(i, d)| Frame {
            offset_us: 12_000 + i as u64 * 30_000,
            event: None,
            data: (*d).into(),
        })
        .collect();
    ex.ttfb_us = Some(9_000);
    ex.ttft_us = Some(12_000);
    ex.total_us = Some(110_000);
    ex.usage = Some(Usage {
        input: 3,
        output: 2,
        ..Usage::default()
    });
    ex.stop_reason = Some(StopReason::Stop);
    ex
}

/// A store in `dir` holding one conversation whose one turn has `recorded()`.
pub fn store_with_conversation(dir: &Path) -> i64 {
    let store = Store::open(dir).unwrap();
    let new = NewConversation {
        title: None,
        system_prompt: None,
        params: None,
    };
    let turn = NewTurn {
        model: MODEL,
        prompt: "Say hello",
        parent_turn: None,
    };
    let mut w = store.begin_conversation(&new, turn).unwrap();
    w.push_text("Hello");
    let ex = recorded();
    let rec = ExchangeRecord {
        exchange: &ex,
        source: "tui",
        model: Some(MODEL),
        protocol: Some("openai-chat"),
        cost: None,
        packed: None,
    };
    let conversation = w.conversation();
    w.finish(Stored::Done, None, Some(&rec)).unwrap();
    conversation
}

/// The events the OpenAI decoder makes of `frames`, each with its frame.
pub fn decoded(frames: &[Frame]) -> Vec<(Option<usize>, StreamEvent)> {
    let mut d = Decoder::new(Protocol::OpenAiChat).unwrap();
    let mut out = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let mut evs = Vec::new();
        d.frame(f.event.as_deref(), &f.data, &mut evs).unwrap();
        out.extend(evs.into_iter().map(|e| (Some(i), e)));
    }
    out
}

pub async fn next(rx: &mut UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("no message in 20 s")
        .expect("the channel closed")
}

/// Plays a replay effect instantly and folds its messages into the state.
pub async fn play(s: &mut State, plays: Vec<(TurnId, TracedExchange, CancellationToken)>) {
    let (tx, mut rx) = unbounded_channel();
    switchboard::tui::debug::replay::play(tx, plays, None).await;
    while let Ok(m) = rx.try_recv() {
        update(s, m);
    }
}

pub fn replays(
    effects: Vec<Effect>,
) -> Vec<(TurnId, TracedExchange, CancellationToken, Option<f64>)> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Debug(d) => match *d {
                DebugEffect::Replay { plays, speed } => Some(
                    plays
                        .into_iter()
                        .map(move |(t, x, c)| (t, x, c, speed))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            },
            _ => None,
        })
        .flatten()
        .collect()
}

pub fn done(s: &State, n: usize) -> bool {
    s.chat.turns.len() == n && s.chat.turns.iter().all(|t| !t.is_streaming())
}
