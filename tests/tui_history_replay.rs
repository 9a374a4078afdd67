//! Replay from the history, through `update` and the real store thread: a conversation
//! stored in a temporary data directory is replayed from the browser (Ctrl+T) with the
//! stored frames and the events decoded from them; the inspector replays the exchange it
//! shows (P); a resumed turn lists its frames with their decoded events; `switchboard
//! replay --conversation ID` plays a stored conversation; and the inspector's title counts
//! turns by position.

mod replay_support;
mod store_support;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use replay_support::*;
use store_support::TempDir;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::http::Frame;
use switchboard::llm::protocol::Protocol;
use switchboard::llm::provider::ModelRef;
use switchboard::store::{EntryKind, OpenOptions};
use switchboard::tui::app::draw;
use switchboard::tui::effect::Effect;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::pane::history::StoreStatus;
use switchboard::tui::state::Pane;
use switchboard::tui::store_link::{LoadFor, StoreJob, StoreThread, Target};
use switchboard::tui::theme::Theme;
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::ui::Look;
use switchboard::tui::update::update;
use tokio::sync::mpsc::unbounded_channel;

#[tokio::test]
async fn ctrl_t_in_the_browser_replays_the_stored_frames_and_events() {
    let tmp = TempDir::new("replay-browser");
    let dir = tmp.path().join("data");
    let conversation = store_with_conversation(&dir);

    let (tx, mut rx) = unbounded_channel();
    let thread = StoreThread::start(dir.clone(), OpenOptions::default(), demo(), tx).unwrap();
    let link = thread.link();
    let mut s = state();
    // Opened, then the browser's first page, through the real store thread.
    let opened = next(&mut rx).await;
    update(&mut s, opened);
    assert!(matches!(s.history.status, StoreStatus::On(_)));
    for e in press(&mut s, KeyCode::Char('o'), KeyModifiers::CONTROL) {
        if let Effect::Store(j) = e {
            link.send(*j);
        }
    }
    while s.history.browser.rows.is_empty() {
        let m = next(&mut rx).await;
        update(&mut s, m);
    }
    let effects = press(&mut s, KeyCode::Char('t'), KeyModifiers::CONTROL);
    let load = match &effects[..] {
        [Effect::Store(j)] => (**j).clone(),
        other => panic!("expected one store job, got {other:?}"),
    };
    assert_eq!(
        load,
        StoreJob::Load {
            target: Target {
                kind: EntryKind::Conversation,
                id: conversation
            },
            purpose: LoadFor::Replay,
        }
    );
    link.send(load);
    let effects = loop {
        let m = next(&mut rx).await;
        let loaded = matches!(&m, Msg::History(h) if matches!(**h, switchboard::tui::store_link::HistoryMsg::Loaded { .. }));
        let effects = update(&mut s, m);
        if loaded {
            break effects;
        }
    };
    thread.shutdown();
    // The browser closed; the inspector shows the replay.
    assert!(s.overlays.is_empty());
    assert_eq!(s.focus, Pane::Inspector);
    let plays = replays(effects);
    assert_eq!(plays.len(), 1);
    let (turn, traced, _, speed) = &plays[0];
    let turn = *turn;
    assert_eq!(*speed, Some(1.0), "the recorded timing");
    // The frames as stored, offsets and all; the events the decoder makes of them.
    let stored = recorded();
    assert_eq!(traced.exchange.frames, stored.frames);
    assert_eq!(traced.exchange.ttfb_us, stored.ttfb_us);
    let events: Vec<_> = traced
        .events
        .iter()
        .map(|e| (e.frame, e.event.clone()))
        .collect();
    assert_eq!(events, decoded(&stored.frames));
    assert!(events.contains(&(Some(0), StreamEvent::TextDelta { text: "Hel".into() })));
    assert!(events.contains(&(Some(1), StreamEvent::TextDelta { text: "lo".into() })));
    assert_eq!(traced.protocol, Some(Protocol::OpenAiChat));
    assert_eq!(traced.label.as_deref(), Some(MODEL));

    // Played, the new turn has the answer, the frames and the stop of the stored one.
    let plays = plays.into_iter().map(|(t, x, c, _)| (t, x, c)).collect();
    play(&mut s, plays).await;
    let t = s.chat.turn(turn).expect("the replayed turn");
    assert_eq!(t.answer.text(), "Hello");
    assert_eq!(t.prompt, "↻ Say hello");
    assert!(
        matches!(
            t.status,
            TurnStatus::Done {
                stop: Some(StopReason::Stop)
            }
        ),
        "{:?}",
        t.status
    );
    let frames: Vec<Frame> = (0..t.trace.frames.len())
        .filter_map(|i| t.trace.frames.get(i).cloned())
        .collect();
    assert_eq!(frames, stored.frames);
    assert_eq!(t.usage.as_ref().map(|u| u.output), Some(2));
}

#[tokio::test]
async fn p_in_the_inspector_replays_the_exchange_it_shows() {
    let mut s = state();
    let model = ModelRef::parse(MODEL).unwrap();
    let (turn, _) = switchboard::tui::debug::push_turn(
        &mut s,
        model,
        "Say hello".into(),
        switchboard::llm::chat::ChatRequest {
            model: "demo-fast".into(),
            messages: Vec::new(),
            params: Default::default(),
            stream: true,
        },
    );
    // A turn as read back from the store: frames, no decoded events in its rows.
    update(
        &mut s,
        Msg::Done {
            turn,
            result: Ok(Box::new(recorded())),
        },
    );
    press(&mut s, KeyCode::Char('5'), KeyModifiers::ALT);
    assert_eq!(s.focus, Pane::Inspector);
    let effects = press(&mut s, KeyCode::Char('P'), KeyModifiers::SHIFT);
    let plays = replays(effects);
    assert_eq!(plays.len(), 1, "one replay of the shown exchange");
    let (new, traced, _, speed) = &plays[0];
    let new = *new;
    assert_ne!(new, turn);
    assert_eq!(*speed, Some(1.0));
    assert_eq!(traced.exchange.frames, recorded().frames);
    let events: Vec<_> = traced
        .events
        .iter()
        .map(|e| (e.frame, e.event.clone()))
        .collect();
    assert_eq!(events, decoded(&recorded().frames));
    let plays = plays.into_iter().map(|(t, x, c, _)| (t, x, c)).collect();
    play(&mut s, plays).await;
    assert_eq!(s.chat.turn(new).unwrap().answer.text(), "Hello");
    // While it streams, nothing else replays.
    let chat = s.chat.turns[0].chat.clone();
    let (streaming, _) = switchboard::tui::debug::push_turn(
        &mut s,
        ModelRef::parse(MODEL).unwrap(),
        "x".into(),
        chat,
    );
    s.inspector.selected = Some(streaming);
    assert!(replays(press(&mut s, KeyCode::Char('P'), KeyModifiers::SHIFT)).is_empty());
}

#[test]
fn the_inspector_title_counts_turns_by_position() {
    let mut s = state();
    // Ids keep counting across conversations: the shown turn is the first of one.
    s.next_turn = 4;
    let (turn, _) = switchboard::tui::debug::push_turn(
        &mut s,
        ModelRef::parse(MODEL).unwrap(),
        "Say hello".into(),
        switchboard::llm::chat::ChatRequest {
            model: "demo-fast".into(),
            messages: Vec::new(),
            params: Default::default(),
            stream: true,
        },
    );
    assert_eq!(turn, TurnId(4));
    update(
        &mut s,
        Msg::Done {
            turn,
            result: Ok(Box::new(recorded())),
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(140, 30)).unwrap();
    draw(&mut terminal, &mut s, &Look::new(Theme::dark())).unwrap();
    let screen = terminal.backend().to_string();
    assert!(screen.contains("Inspector · turn 1 of 1"), "{screen}");
    assert!(!screen.contains("turn 4 of 1"), "{screen}");
}

#[test]
fn switchboard_replay_plays_a_stored_conversation() {
    let tmp = TempDir::new("replay-cli");
    let dir = tmp.path().join("data");
    let id = store_with_conversation(&dir);
    let run = |args: &[&str]| {
        std::process::Command::new(store_support::BIN)
            .arg("--data-dir")
            .arg(&dir)
            .arg("replay")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--conversation", &id.to_string(), "--instant"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), "Hello");
    assert!(stderr.contains("replayed:"), "{stderr}");
    assert!(stderr.contains("openai-chat"), "{stderr}");
    let missing = run(&["--conversation", "999", "--instant"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("--conversation 999"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

#[tokio::test]
async fn a_resumed_turn_lists_its_frames_with_their_decoded_events() {
    let tmp = TempDir::new("resume-decoded");
    let dir = tmp.path().join("data");
    let conversation = store_with_conversation(&dir);
    let (tx, mut rx) = unbounded_channel();
    let thread = StoreThread::start(dir.clone(), OpenOptions::default(), demo(), tx).unwrap();
    let mut s = state();
    thread.link().send(StoreJob::Load {
        target: Target {
            kind: EntryKind::Conversation,
            id: conversation,
        },
        purpose: LoadFor::Resume,
    });
    while s.chat.turns.is_empty() {
        let m = next(&mut rx).await;
        update(&mut s, m);
    }
    thread.shutdown();
    let t = &s.chat.turns[0];
    assert_eq!(t.answer.text(), "Hello");
    assert!(matches!(t.status, TurnStatus::Done { .. }));
    // As live: each frame, then the events decoded from it.
    let traced = switchboard::tui::debug::export::traced(t).expect("its exchange");
    let events: Vec<_> = traced
        .events
        .iter()
        .map(|e| (e.frame, e.event.clone()))
        .collect();
    assert_eq!(events, decoded(&recorded().frames));
    assert_eq!(traced.exchange.frames, recorded().frames);
    use switchboard::tui::trace::TraceRow;
    assert_eq!(t.trace.rows.first(), Some(&TraceRow::Frame(0)));
    assert!(matches!(
        t.trace.rows.get(1),
        Some(TraceRow::Text { start: 0, len: 3 })
    ));
}
