//! A comparison run in the UI is kept in the history: the real app loop with a data
//! directory in a temporary folder, two demo models marked with Space, blind mode on, the
//! prompt sent, one lane retried, a follow-up round, the best lane picked. Then the store
//! is opened and read back: the comparison, its two lanes, each lane's answers (the retried
//! answer in place of the replaced one), the verdict and the blind flag.

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
use switchboard::compare::{LaneStatus, load_report};
use switchboard::config::Config;
use switchboard::store::{EntryKind, OpenOptions, Store, TurnStatus};
use switchboard::tui::msg::Msg;
use switchboard::tui::pane::catalog::Load;
use switchboard::tui::pane::history::StoreStatus;
use switchboard::tui::state::State;
use switchboard::tui::store_link::{History, HistoryMsg, LoadFor, StoreJob, StoreThread, Target};
use switchboard::tui::{Options, run_loop};
use switchboard::workbench::Workbench;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

type Keys = UnboundedSender<io::Result<Event>>;

fn key(tx: &Keys, code: KeyCode, mods: KeyModifiers) {
    tx.send(Ok(Event::Key(KeyEvent::new(code, mods)))).unwrap();
}

fn type_text(tx: &Keys, text: &str) {
    for c in text.chars() {
        key(tx, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn script() -> (Keys, impl Stream<Item = io::Result<Event>> + Unpin) {
    let (tx, rx) = unbounded_channel();
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    (tx, Box::pin(stream))
}

fn options(dir: &Path) -> Options {
    let mut o = Options::new();
    o.history = History::At {
        dir: dir.to_path_buf(),
        options: OpenOptions::default(),
    };
    o
}

fn ready(s: &State) -> bool {
    matches!(s.history.status, StoreStatus::On(_))
        && s.catalog
            .providers
            .iter()
            .any(|p| p.name == "demo" && p.load == Load::Loaded)
}

/// Every lane has `rounds` turns and none streams.
fn settled(s: &State, rounds: usize) -> bool {
    s.compare
        .active
        .as_ref()
        .is_some_and(|c| c.lanes.iter().all(|l| l.turns.len() == rounds) && !c.is_streaming())
}

#[tokio::test]
async fn a_ui_comparison_is_kept_with_its_lanes_rounds_retry_and_verdict() {
    let tmp = TempDir::new("compare-ui");
    let dir = tmp.path().join("data");
    let bench = Arc::new(Workbench::new(Config::default()).unwrap());
    let (tx, inputs) = script();
    let mut terminal = Terminal::new(TestBackend::new(160, 44)).unwrap();
    let mut step = 0;
    // The lane retried (its index), the answer it had before and its turn then.
    let mut retried = (usize::MAX, String::new(), None);
    let until = |s: &State, _: &Terminal<TestBackend>| {
        match step {
            0 if ready(s) => {
                key(&tx, KeyCode::Char('1'), KeyModifiers::ALT);
                key(&tx, KeyCode::Char(' '), KeyModifiers::NONE);
                key(&tx, KeyCode::Down, KeyModifiers::NONE);
                key(&tx, KeyCode::Char(' '), KeyModifiers::NONE);
                key(&tx, KeyCode::Char('B'), KeyModifiers::SHIFT);
                step = 1;
            }
            1 if s.catalog.marked.len() == 2 && s.compare.blind => {
                key(&tx, KeyCode::Char('3'), KeyModifiers::ALT);
                type_text(&tx, "Why is the sky blue?");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 2;
            }
            2 if settled(s, 1) => {
                // The second lane on screen, sent again.
                let c = s.compare.active.as_ref().unwrap();
                let i = c.order[1];
                let t = &c.lanes[i].turns[0];
                retried = (i, t.answer.text().to_string(), Some(t.id));
                key(&tx, KeyCode::Char('2'), KeyModifiers::ALT);
                key(&tx, KeyCode::Char('l'), KeyModifiers::NONE);
                key(&tx, KeyCode::Char('r'), KeyModifiers::NONE);
                step = 3;
            }
            3 if settled(s, 1)
                && Some(s.compare.active.as_ref().unwrap().lanes[retried.0].turns[0].id)
                    != retried.2 =>
            {
                key(&tx, KeyCode::Char('3'), KeyModifiers::ALT);
                type_text(&tx, "And at sunset?");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 4;
            }
            4 if settled(s, 2) => {
                key(&tx, KeyCode::Char('2'), KeyModifiers::ALT);
                key(&tx, KeyCode::Char('b'), KeyModifiers::NONE);
                step = 5;
            }
            5 if s
                .compare
                .active
                .as_ref()
                .is_some_and(|c| c.verdict.best.is_some()) =>
            {
                return true;
            }
            _ => {}
        }
        false
    };
    let run = run_loop(
        &mut terminal,
        inputs,
        bench,
        "demo/demo-fast".into(),
        options(&dir),
        until,
    );
    let state = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the loop made no progress in 60 s")
        .unwrap();
    let c = state.compare.active.as_ref().unwrap();
    let best = c.verdict.best.unwrap();
    assert_eq!(best, c.order[1], "b judged the focused (second) lane");

    // The loop has ended and the store thread committed everything: read it back.
    let store = Store::open(&dir).unwrap();
    let entries = store.list(20, 0).unwrap();
    let kept: Vec<_> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Comparison)
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "the browser lists the comparison: {entries:?}"
    );
    assert_eq!(kept[0].count, 2, "two lanes");
    let stored = store.comparison(kept[0].id).unwrap();
    assert_eq!(stored.prompt, "Why is the sky blue?");
    // Kept in display order: the stored letters are the ones judged on screen.
    let models: Vec<&str> = stored.lanes.iter().map(|l| l.model.as_str()).collect();
    let ui_models: Vec<String> = c
        .order
        .iter()
        .map(|i| c.lanes[*i].spec.model.to_string())
        .collect();
    assert_eq!(models, ui_models, "lanes kept in display order");

    let report = load_report(&store, stored.id).unwrap();
    assert_eq!(report.rounds.len(), 2, "two rounds: {:?}", report.rounds);
    assert_eq!(report.rounds[0].prompt, "Why is the sky blue?");
    assert_eq!(report.rounds[1].prompt, "And at sunset?");
    for (k, round) in report.rounds.iter().enumerate() {
        for (p, a) in round.answers.iter().enumerate() {
            let i = c.order[p];
            let shown = c.lanes[i].turns[k].answer.text();
            assert!(!shown.is_empty());
            assert_eq!(a.answer, shown, "round {k}, lane {i}: the stored answer");
            assert_eq!(a.metrics.status, LaneStatus::Done);
            assert!(a.metrics.output_tokens.is_some(), "its exchange is kept");
        }
    }
    let verdict = report.verdict.as_ref().expect("the verdict is kept");
    assert_eq!(verdict.best, Some(1), "the second lane on screen");
    assert!(report.blind, "judged blind");

    // The retried lane keeps both answers of round one: the replaced one, and the new
    // one naming it as its parent.
    let lane = &stored.lanes[1];
    let turns = store.turns(lane.conversation_id).unwrap();
    assert_eq!(turns.len(), 3, "{turns:?}");
    assert_eq!(turns[0].answer, retried.1);
    assert_eq!(turns[1].parent_turn_id, Some(turns[0].id));
    assert!(turns.iter().all(|t| t.status == TurnStatus::Done));
    let other = store.turns(stored.lanes[0].conversation_id).unwrap();
    assert_eq!(other.len(), 2);

    // Opened from the history browser, each lane shows each round once: the replaced
    // answer is left out, the retried one is there.
    let (tx, mut rx) = unbounded_channel();
    let thread = StoreThread::start(
        dir.clone(),
        OpenOptions::default(),
        Arc::new(Workbench::new(Config::default()).unwrap()),
        tx,
    )
    .unwrap();
    thread.link().send(StoreJob::Load {
        target: Target {
            kind: EntryKind::Comparison,
            id: stored.id,
        },
        purpose: LoadFor::Resume,
    });
    let loaded = loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("no answer from the store thread in 20 s")
            .expect("the store thread ended");
        if let Msg::History(h) = msg
            && let HistoryMsg::Loaded { result, .. } = *h
        {
            break result.expect("the comparison loads");
        }
    };
    thread.shutdown();
    assert_eq!(loaded.turns.len(), 4, "two lanes, two rounds each");
    let ids: Vec<_> = loaded.turns.iter().map(|t| t.turn.id).collect();
    assert!(!ids.contains(&turns[0].id), "{ids:?}");
    assert!(ids.contains(&turns[1].id), "{ids:?}");
}
