//! The real app loop, driven by a scripted key stream against the in-process demo
//! provider, read back from a `TestBackend` screen. Progress is observed through the
//! loop's own `until` hook after each frame; the only timeout is the overall bound.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::config::Config;
use switchboard::tui::pane::catalog::Load;
use switchboard::tui::state::State;
use switchboard::tui::turn::TurnStatus;
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

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The demo provider's live list arrived (other providers, enabled by keys in the
/// environment, may still be asking the network; the tests do not wait for them).
fn catalog_loaded(s: &State) -> bool {
    s.catalog
        .providers
        .iter()
        .any(|p| p.name == "demo" && p.load != Load::Loading)
}

fn bench() -> Arc<Workbench> {
    Arc::new(Workbench::new(Config::default()).unwrap())
}

#[tokio::test]
async fn a_prompt_streams_and_the_meter_and_inspector_show_it() {
    let (tx, inputs) = script();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut step = 0;
    let mut screens = Vec::new();
    let until = |s: &State, t: &Terminal<TestBackend>| {
        match step {
            0 if catalog_loaded(s) => {
                type_text(&tx, "Explain streaming in one paragraph");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 1;
            }
            1 if s.chat.turns.first().is_some_and(|t| !t.is_streaming()) => {
                screens.push(screen(t));
                // Focus the inspector and go to its top: the request.
                key(&tx, KeyCode::Char('5'), KeyModifiers::ALT);
                key(&tx, KeyCode::Home, KeyModifiers::NONE);
                step = 2;
            }
            2 if s.focus == switchboard::tui::state::Pane::Inspector => {
                screens.push(screen(t));
                return true;
            }
            _ => {}
        }
        false
    };
    let run = run_loop(
        &mut terminal,
        inputs,
        bench(),
        "demo/demo-fast".into(),
        Options::new(),
        until,
    );
    let state = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the loop made no progress in 30 s")
        .unwrap();

    let turn = &state.chat.turns[0];
    assert!(
        matches!(turn.status, TurnStatus::Done { .. }),
        "{:?}",
        turn.status
    );
    let answer = turn.answer.text().to_string();
    assert!(!answer.is_empty());
    let [done, top] = [&screens[0], &screens[1]];
    // The answer is on screen (its first words; markdown may restyle the rest).
    let first_words: String = answer
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        done.contains(&first_words),
        "answer `{first_words}` not on screen:\n{done}"
    );
    // The meter: output tokens and the computed cost.
    let usage = turn.usage.as_ref().expect("usage reported");
    let output = switchboard::tui::pane::meter::thousands(usage.output);
    let meter_row = done
        .lines()
        .find(|l| l.contains(" output "))
        .unwrap_or_default();
    assert!(
        meter_row.contains(&format!(" {output} ")),
        "output {output} not in the meter:\n{done}"
    );
    let cost = turn
        .cost
        .as_ref()
        .expect("a cost from the demo's catalog price");
    assert!(
        done.contains(&cost.to_string()),
        "cost {cost} not on screen:\n{done}"
    );
    // The inspector: frames with offsets, live-followed to the end.
    assert!(done.contains("[DONE]"), "{done}");
    assert!(done.contains(" ms "), "{done}");
    assert!(
        done.contains("→ text \""),
        "decoded events under their frames:\n{done}"
    );
    assert!(done.contains("done · stop"), "{done}");
    // At its top, the request line and the pretty JSON body.
    assert!(top.contains("POST http://127.0.0.1:"), "{top}");
    assert!(top.contains("/v1/chat/completions"), "{top}");
    assert!(top.contains("\"model\": \"demo-fast\""), "{top}");
    assert!(top.contains("Content-Type: application/json"), "{top}");
}

#[tokio::test]
async fn esc_cancels_at_once_and_later_events_are_dropped() {
    let (tx, inputs) = script();
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let mut step = 0;
    let mut screens = Vec::new();
    let until = |s: &State, t: &Terminal<TestBackend>| {
        match step {
            0 if catalog_loaded(s) => {
                type_text(&tx, "/model demo/demo-fast+ttft=60000");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                type_text(&tx, "wait for me");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 1;
            }
            // Waiting for the first token (the spinner shows), then Esc.
            1 if s
                .chat
                .turns
                .first()
                .is_some_and(|t| t.trace.request.is_some()) =>
            {
                screens.push(screen(t));
                key(&tx, KeyCode::Esc, KeyModifiers::NONE);
                step = 2;
            }
            2 if s.chat.turns.first().is_some_and(|t| !t.is_streaming()) => {
                screens.push(screen(t));
                return true;
            }
            _ => {}
        }
        false
    };
    let run = run_loop(
        &mut terminal,
        inputs,
        bench(),
        "demo/demo-fast".into(),
        Options::new(),
        until,
    );
    let state = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the loop made no progress in 30 s")
        .unwrap();
    assert!(matches!(state.chat.turns[0].status, TurnStatus::Cancelled));
    assert!(screens[0].contains("waiting"), "{}", screens[0]);
    assert!(screens[1].contains("cancelled"), "{}", screens[1]);
}

#[tokio::test]
async fn a_failed_turn_shows_the_error_and_r_retries() {
    let (tx, inputs) = script();
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let mut step = 0;
    let mut screens = Vec::new();
    let until = |s: &State, t: &Terminal<TestBackend>| {
        match step {
            0 if catalog_loaded(s) => {
                type_text(&tx, "/model demo/demo-fast+500");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                type_text(&tx, "fail please");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 1;
            }
            1 if s.chat.turns.first().is_some_and(|t| !t.is_streaming()) => {
                screens.push(screen(t));
                key(&tx, KeyCode::Char('r'), KeyModifiers::CONTROL);
                step = 2;
            }
            2 if s.chat.turns.len() == 2 && !s.chat.turns[1].is_streaming() => return true,
            _ => {}
        }
        false
    };
    let run = run_loop(
        &mut terminal,
        inputs,
        bench(),
        "demo/demo-fast".into(),
        Options::new(),
        until,
    );
    let state = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the loop made no progress in 30 s")
        .unwrap();
    assert!(matches!(
        state.chat.turns[0].status,
        TurnStatus::Failed { .. }
    ));
    assert!(screens[0].contains("✗ HTTP 500"), "{}", screens[0]);
    assert!(state.chat.turns[0].retried);
    assert_eq!(state.chat.turns[1].prompt, "fail please");
}
