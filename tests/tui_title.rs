//! The UI with `[store] title_model`: after the first answer of a new conversation the
//! title model names it, the footer says by whom and for how much, the meter counts that
//! cost, the store keeps the title, and a follow-up asks for no other. A title model that
//! fails only says so; the first-line title stays.

mod store_support;

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use store_support::TempDir;
use switchboard::config::Config;
use switchboard::llm::money::Totals;
use switchboard::store::{OpenOptions, Store};
use switchboard::tui::pane::catalog::Load;
use switchboard::tui::pane::history::StoreStatus;
use switchboard::tui::state::State;
use switchboard::tui::store_link::History;
use switchboard::tui::{Options, run_loop};
use switchboard::workbench::Workbench;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

type Keys = UnboundedSender<io::Result<Event>>;

fn key(tx: &Keys, code: KeyCode) {
    tx.send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))))
        .unwrap();
}

fn send(tx: &Keys, text: &str) {
    for c in text.chars() {
        key(tx, KeyCode::Char(c));
    }
    key(tx, KeyCode::Enter);
}

fn ready(s: &State) -> bool {
    matches!(s.history.status, StoreStatus::On(_))
        && s.catalog
            .providers
            .iter()
            .any(|p| p.name == "demo" && p.load != Load::Loading)
}

fn bench(title_model: &str) -> Arc<Workbench> {
    let mut config = Config::default();
    config.store.title_model = Some(title_model.into());
    Arc::new(Workbench::new(config).unwrap())
}

fn total(t: &Totals) -> rust_decimal::Decimal {
    t.iter().map(|m| m.amount).sum()
}

fn footer(s: &State) -> String {
    s.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

/// Runs the UI on `dir`; `step` is called on every pass with the key sender and returns
/// true to stop.
async fn drive<F>(bench: Arc<Workbench>, dir: &Path, mut step: F) -> State
where
    F: FnMut(&Keys, &State) -> bool,
{
    let (tx, rx) = unbounded_channel();
    let inputs: std::pin::Pin<Box<dyn Stream<Item = io::Result<Event>>>> =
        Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (e, rx))
        }));
    let mut options = Options::new();
    options.history = History::At {
        dir: dir.to_path_buf(),
        options: OpenOptions::default(),
    };
    let mut terminal = Terminal::new(TestBackend::new(120, 36)).unwrap();
    let run = run_loop(
        &mut terminal,
        inputs,
        bench,
        "demo/demo-coder".into(),
        options,
        |s, _| step(&tx, s),
    );
    tokio::time::timeout(Duration::from_secs(40), run)
        .await
        .expect("the loop made no progress in 40 s")
        .unwrap()
}

#[tokio::test]
async fn the_title_model_names_the_conversation_and_its_cost_is_counted() {
    let tmp = TempDir::new("tui-title");
    let dir = tmp.path().join("data");
    let mut stage = 0;
    let mut first_turn_cost = None;
    let mut titled_note = String::new();
    let state = drive(bench("demo/demo-fast"), &dir, |tx, s| {
        match stage {
            0 if ready(s) => {
                send(tx, "how do tokio tasks get cancelled cleanly?");
                stage = 1;
            }
            1 if s.history.title.as_deref() == Some("How do tokio tasks get cancelled") => {
                titled_note = footer(s);
                first_turn_cost = s.chat.turns[0].cost.clone();
                send(tx, "and abort handles?");
                stage = 2;
            }
            2 if s.chat.turns.len() == 2 && !s.chat.turns[1].is_streaming() => return true,
            _ => {}
        }
        false
    })
    .await;
    assert!(
        titled_note
            .starts_with("titled “How do tokio tasks get cancelled” by demo/demo-fast · $0.0"),
        "{titled_note}"
    );
    // The session's spend is both turns plus the title request.
    let turns: rust_decimal::Decimal = state
        .chat
        .turns
        .iter()
        .map(|t| t.cost.as_ref().unwrap().amount)
        .sum();
    assert!(first_turn_cost.is_some());
    assert!(
        total(&state.spend.session) > turns,
        "{:?}",
        state.spend.session
    );
    // The follow-up asks for no other title.
    assert_eq!(
        state.history.title.as_deref(),
        Some("How do tokio tasks get cancelled")
    );
    for t in &state.chat.turns {
        assert!(switchboard::tui::title::after_done(&state, t.id).is_empty());
    }
    let store = Store::open(&dir).unwrap();
    let list = store.list(10, 0).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "How do tokio tasks get cancelled");
    assert_eq!(store.turns(list[0].id).unwrap().len(), 2);
}

#[tokio::test]
async fn a_failing_title_model_keeps_the_first_line_and_says_why() {
    let tmp = TempDir::new("tui-title-fail");
    let dir = tmp.path().join("data");
    let mut stage = 0;
    let state = drive(bench("demo/no-such-model"), &dir, |tx, s| {
        match stage {
            0 if ready(s) => {
                send(tx, "why is the sea salty?");
                stage = 1;
            }
            1 if footer(s).contains("could not write the title") => return true,
            _ => {}
        }
        false
    })
    .await;
    let note = state.notice.as_ref().unwrap();
    assert!(note.error, "an error notice");
    assert!(
        note.text
            .starts_with("demo/no-such-model could not write the title"),
        "{}",
        note.text
    );
    assert!(
        note.text.ends_with("(the first line is kept)"),
        "{}",
        note.text
    );
    assert_eq!(
        state.history.title.as_deref(),
        Some("why is the sea salty?")
    );
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.list(10, 0).unwrap()[0].title, "why is the sea salty?");
}
