//! Replays and resends in the real loop and through the effect runner, with a store in a
//! temporary data directory: a chat turn replays from the browser (Ctrl+T) with its frames
//! and timing, a resend (R) is a stored turn of the conversation, and an edited resend is
//! stored with the edited body and its prompt taken from the body's last user message.

mod replay_support;
mod store_support;

use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use replay_support::*;
use serde_json::{Value, json};
use store_support::TempDir;
use switchboard::llm::http::Frame;
use switchboard::store::{OpenOptions, Store, TurnStatus as Stored};
use switchboard::tui::effect::Effect;
use switchboard::tui::external::Console;
use switchboard::tui::pane::catalog::Load;
use switchboard::tui::pane::history::StoreStatus;
use switchboard::tui::state::State;
use switchboard::tui::store_link::{History, StoreJob, StoreThread};
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::update::update;
use switchboard::tui::{Options, run_loop};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

type Keys = UnboundedSender<io::Result<Event>>;

fn key(tx: &Keys, code: KeyCode, mods: KeyModifiers) {
    tx.send(Ok(Event::Key(KeyEvent::new(code, mods)))).unwrap();
}

fn script() -> (Keys, impl Stream<Item = io::Result<Event>> + Unpin) {
    let (tx, rx) = unbounded_channel();
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    (tx, Box::pin(stream))
}

fn ready(s: &State) -> bool {
    matches!(s.history.status, StoreStatus::On(_))
        && s.catalog
            .providers
            .iter()
            .any(|p| p.name == "demo" && p.load != Load::Loading)
}

#[tokio::test]
async fn a_chat_turn_replays_from_the_browser_and_a_resend_is_stored() {
    let tmp = TempDir::new("replay-loop");
    let dir = tmp.path().join("data");
    let (tx, inputs) = script();
    let mut options = Options::new();
    options.history = History::At {
        dir: dir.clone(),
        options: OpenOptions::default(),
    };
    let mut terminal = Terminal::new(TestBackend::new(140, 40)).unwrap();
    let mut step = 0;
    let run = run_loop(
        &mut terminal,
        inputs,
        demo(),
        MODEL.into(),
        options,
        |s, _| {
            match step {
                0 if ready(s) => {
                    for c in "Name a lighthouse".chars() {
                        key(&tx, KeyCode::Char(c), KeyModifiers::NONE);
                    }
                    key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                    step = 1;
                }
                1 if done(s, 1) && s.history.conversation.is_some() => {
                    key(&tx, KeyCode::Char('o'), KeyModifiers::CONTROL);
                    step = 2;
                }
                2 if !s.history.browser.rows.is_empty() => {
                    key(&tx, KeyCode::Char('t'), KeyModifiers::CONTROL);
                    step = 3;
                }
                3 if done(s, 2) => {
                    // The original turn, in the inspector: resend it unchanged.
                    key(&tx, KeyCode::Char('5'), KeyModifiers::ALT);
                    key(&tx, KeyCode::Char('['), KeyModifiers::NONE);
                    key(&tx, KeyCode::Char('R'), KeyModifiers::SHIFT);
                    step = 4;
                }
                4 if done(s, 3) => return true,
                _ => {}
            }
            false
        },
    );
    let s = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the loop made no progress in 60 s")
        .unwrap();
    let [first, replayed, resent] = &s.chat.turns[..] else {
        panic!("{} turns", s.chat.turns.len());
    };
    // The replay shows what the store kept of the first turn.
    assert!(
        replayed.prompt.starts_with("↻ Name a lighthouse"),
        "{}",
        replayed.prompt
    );
    assert_eq!(replayed.answer.text(), first.answer.text());
    assert!(matches!(replayed.status, TurnStatus::Done { .. }));
    let frames = |t: &switchboard::tui::turn::Turn| -> Vec<Frame> {
        (0..t.trace.frames.len())
            .filter_map(|i| t.trace.frames.get(i).cloned())
            .collect()
    };
    assert!(!frames(first).is_empty());
    assert_eq!(frames(replayed), frames(first), "same frames, same offsets");
    // The resend is a stored turn of the same conversation, with its exchange.
    assert!(
        matches!(resent.status, TurnStatus::Done { .. }),
        "{:?}",
        resent.status
    );
    assert!(resent.prompt.ends_with("(resent)"), "{}", resent.prompt);
    let store = Store::open(&dir).unwrap();
    let id = s.history.conversation.expect("a stored conversation");
    let turns = store.turns(id).unwrap();
    assert_eq!(turns.len(), 2, "{turns:?}");
    assert_eq!(turns[1].prompt, "Name a lighthouse");
    assert_eq!(turns[1].status, Stored::Done);
    assert_eq!(turns[1].answer, resent.answer.text());
    let ex = store.turn_exchanges(turns[1].id).unwrap();
    assert_eq!(ex.len(), 1);
    assert!(ex[0].frame_count > 0);
    assert_eq!(store.list(10, 0).unwrap().len(), 1, "one conversation");
}

#[tokio::test]
async fn an_edited_resend_is_a_stored_turn_with_the_edited_body() {
    let tmp = TempDir::new("resend-edited");
    let dir = tmp.path().join("data");
    let bench = demo();
    let (tx, mut rx) = unbounded_channel();
    let thread = StoreThread::start(
        dir.clone(),
        OpenOptions::default(),
        bench.clone(),
        tx.clone(),
    )
    .unwrap();
    let link = thread.link();
    let console = Console::default();
    let mut s = state();
    let run = |effects: Vec<Effect>| {
        for e in effects {
            match e {
                Effect::Store(j) => link.send(*j),
                Effect::Debug(d) => {
                    assert!(
                        switchboard::tui::debug::run::run(*d, &bench, &tx, &console, Some(&link))
                            .is_none()
                    );
                }
                Effect::Send {
                    turn,
                    model,
                    chat,
                    cancel,
                } => switchboard::tui::task::spawn_turn(
                    bench.clone(),
                    tx.clone(),
                    switchboard::tui::task::TurnTask {
                        turn,
                        model,
                        chat: *chat,
                        cancel,
                        store: Some(link.clone()),
                    },
                ),
                _ => {}
            }
        }
    };
    let opened = next(&mut rx).await;
    update(&mut s, opened);
    assert!(matches!(s.history.status, StoreStatus::On(_)));
    // A first turn, sent and stored as usual.
    for c in "Name a lighthouse".chars() {
        press(&mut s, KeyCode::Char(c), KeyModifiers::NONE);
    }
    let effects = press(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    run(effects);
    while !done(&s, 1) {
        let m = next(&mut rx).await;
        let effects = update(&mut s, m);
        run(effects);
    }
    let first = s.chat.turns[0].id;
    let conversation = s.history.conversation.expect("stored");
    // Its body edited: another question, another max_tokens.
    let mut body: Value = s.chat.turns[0]
        .trace
        .request
        .as_ref()
        .unwrap()
        .body
        .clone()
        .unwrap();
    let last = body["messages"].as_array_mut().unwrap().last_mut().unwrap();
    last["content"] = json!("Name a lighthouse in Japan");
    body["max_tokens"] = json!(64);
    let effects = switchboard::tui::debug::resend(&mut s, first, body.clone());
    assert!(
        matches!(effects.first(), Some(Effect::Store(j)) if matches!(**j, StoreJob::Begin { .. })),
        "the prompt is committed first: {effects:?}"
    );
    run(effects);
    while !done(&s, 2) {
        let m = next(&mut rx).await;
        let effects = update(&mut s, m);
        run(effects);
    }
    // Let the store thread take what the task handed over, then stop it.
    thread.shutdown();
    let edited = &s.chat.turns[1];
    assert!(
        matches!(edited.status, TurnStatus::Done { .. }),
        "{:?}",
        edited.status
    );
    assert_eq!(s.history.conversation, Some(conversation));

    let store = Store::open(&dir).unwrap();
    let turns = store.turns(conversation).unwrap();
    assert_eq!(turns.len(), 2, "{turns:?}");
    assert_eq!(turns[1].prompt, "Name a lighthouse in Japan");
    assert_eq!(turns[1].status, Stored::Done);
    assert_eq!(turns[1].answer, edited.answer.text());
    assert!(!turns[1].answer.is_empty());
    let ex = store.turn_exchanges(turns[1].id).unwrap();
    assert_eq!(ex.len(), 1);
    let full = store.exchange(ex[0].id).unwrap();
    assert_eq!(
        full.exchange.request.body.as_ref(),
        Some(&body),
        "the edited body"
    );
    assert!(!full.exchange.frames.is_empty());
}
