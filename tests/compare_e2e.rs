//! End to end: a 3-lane comparison against the demo provider with one lane made to fail,
//! through the engine (`compare::run_all` on the shared client) and through the real app
//! loop (models marked with Space in the catalog, the prompt sent from the composer, the
//! screen read back from a `TestBackend`). The failing lane is
//! the demo provider with per-model headers asking for HTTP 500 (`x-demo-fault`).

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::compare::{LaneSpec, LaneStatus, Marks, Session, marks, run_all};
use switchboard::config::{Config, parse};
use switchboard::llm::provider::ModelRef;
use switchboard::tui::compare::to_report;
use switchboard::tui::pane::catalog::Load;
use switchboard::tui::state::State;
use switchboard::tui::{Options, run_loop};
use switchboard::workbench::Workbench;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

/// Checks `m` against the metrics' own figures: the mark goes to the least TTFT among
/// lanes that did not fail, the least total and the least cost among finished ones.
fn check_marks(m: &Marks, metrics: &[switchboard::compare::LaneMetrics]) {
    let best = |f: &dyn Fn(&switchboard::compare::LaneMetrics) -> Option<u128>| {
        metrics
            .iter()
            .enumerate()
            .filter_map(|(i, x)| f(x).map(|v| (v, i)))
            .min()
            .map(|(_, i)| i)
    };
    let done = |x: &switchboard::compare::LaneMetrics| x.status == LaneStatus::Done;
    assert_eq!(
        m.fastest_first_token,
        best(&|x| x
            .ttft_us
            .filter(|_| x.status != LaneStatus::Failed)
            .map(u128::from))
    );
    assert_eq!(
        m.fastest_finish,
        best(&|x| x.total_us.filter(|_| done(x)).map(u128::from))
    );
    assert_eq!(
        m.cheapest,
        best(&|x| {
            x.cost.as_ref().filter(|_| done(x)).map(|c| {
                (c.amount * rust_decimal::Decimal::from(1_000_000_000u64))
                    .try_into()
                    .unwrap()
            })
        })
    );
}

#[tokio::test]
async fn three_lanes_on_the_engine_one_fails_the_others_finish() {
    let bench = Workbench::new(Config::default()).unwrap();
    let specs: Vec<LaneSpec> = ["demo/demo-fast", "demo/demo-coder", "demo/demo-fast+500"]
        .iter()
        .map(|m| LaneSpec::new(ModelRef::parse(m).unwrap()))
        .collect();
    let session = Session::new(3, None, Default::default());
    let chats: Vec<_> = (0..3)
        .map(|i| session.chat_for(i, "Why is the sky blue?"))
        .collect();
    let cancels: Vec<_> = (0..3).map(|_| CancellationToken::new()).collect();
    let run = run_all(&bench, &specs, &chats, &cancels, &|_, _| {});
    let outcomes = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the lanes ended within 60 s");
    assert_eq!(outcomes[0].metrics.status, LaneStatus::Done);
    assert_eq!(outcomes[1].metrics.status, LaneStatus::Done);
    assert_eq!(outcomes[2].metrics.status, LaneStatus::Failed);
    assert!(!outcomes[0].answer.is_empty() && !outcomes[1].answer.is_empty());
    let err = outcomes[2].metrics.error.as_deref().unwrap();
    assert!(err.contains("500"), "{err}");
    let metrics: Vec<_> = outcomes.iter().map(|o| o.metrics.clone()).collect();
    let m = marks(&metrics);
    check_marks(&m, &metrics);
    // demo-fast is priced below demo-coder: the cheapest mark is a fact of the catalog.
    assert_eq!(m.cheapest, Some(0));
    assert_ne!(m.fastest_finish, Some(2), "a failed lane never wins");
    // Each lane's request went to its own model over the same client.
    let models: Vec<_> = outcomes
        .iter()
        .map(|o| o.exchange.as_ref().unwrap().request.body.as_ref().unwrap()["model"].clone())
        .collect();
    assert_eq!(models, ["demo-fast", "demo-coder", "demo-fast+500"]);
}

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

fn loaded(s: &State) -> bool {
    s.catalog
        .providers
        .iter()
        .any(|p| p.name == "demo" && p.load == Load::Loaded)
}

#[tokio::test]
async fn three_lanes_in_the_app_one_fails_and_shows_its_error() {
    // The demo provider, with its reasoner and coder made to answer HTTP 500 (the model
    // list is unaffected): the last model in the catalog is a failing lane.
    let config = "[[providers]]\nname = \"demo\"\n\
        [providers.models.\"demo-reasoner\"]\nheaders = { \"x-demo-fault\" = \"500\" }\n\
        [providers.models.\"demo-coder\"]\nheaders = { \"x-demo-fault\" = \"500\" }\n";
    let config = parse(config, Path::new("test.toml")).unwrap();
    let bench = Arc::new(Workbench::new(config).unwrap());
    let (tx, inputs) = script();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut step = 0;
    let mut shot = String::new();
    let until = |s: &State, t: &Terminal<TestBackend>| {
        match step {
            0 if loaded(s) => {
                // Catalog: the first demo model, the second, and the last model listed
                // (the broken provider's).
                key(&tx, KeyCode::Char('1'), KeyModifiers::ALT);
                key(&tx, KeyCode::Char(' '), KeyModifiers::NONE);
                key(&tx, KeyCode::Down, KeyModifiers::NONE);
                key(&tx, KeyCode::Char(' '), KeyModifiers::NONE);
                key(&tx, KeyCode::End, KeyModifiers::NONE);
                key(&tx, KeyCode::Char(' '), KeyModifiers::NONE);
                step = 1;
            }
            1 if s.catalog.marked.len() == 3 => {
                key(&tx, KeyCode::Char('3'), KeyModifiers::ALT);
                for c in "Why is the sky blue?".chars() {
                    key(&tx, KeyCode::Char(c), KeyModifiers::NONE);
                }
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 2;
            }
            2 if s.compare.active.as_ref().is_some_and(|c| {
                !c.lanes.is_empty()
                    && c.lanes.iter().all(|l| !l.turns.is_empty())
                    && !c.is_streaming()
            }) =>
            {
                shot = screen(t);
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
        Options::new(),
        until,
    );
    let state = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the loop made no progress in 60 s")
        .unwrap();
    let c = state.compare.active.as_ref().unwrap();
    let models: Vec<String> = c.lanes.iter().map(|l| l.spec.model.to_string()).collect();
    assert_eq!(
        models[..2],
        ["demo/demo-fast", "demo/demo-flagship"],
        "{models:?}"
    );
    let metrics = c.metrics(state.now);
    assert_eq!(metrics[0].status, LaneStatus::Done, "{metrics:?}");
    assert_eq!(metrics[1].status, LaneStatus::Done, "{metrics:?}");
    assert_eq!(metrics[2].status, LaneStatus::Failed, "{metrics:?}");
    assert!(!c.lanes[0].turns[0].answer.text().is_empty());
    // The failed lane shows its error on screen, with the provider's message.
    assert!(shot.contains("✗ HTTP 500"), "{shot}");
    assert!(shot.contains("Comparison · 3 lanes"), "{shot}");
    // The report marks fastest and cheapest from the lanes' own metrics.
    let report = to_report(c, state.now);
    let round = &report.rounds[0];
    let m: Vec<_> = round.answers.iter().map(|a| a.metrics.clone()).collect();
    check_marks(&round.marks, &m);
    assert!(round.marks.cheapest.is_some());
    assert_ne!(round.marks.fastest_finish, Some(2));
    let md = report.to_markdown();
    assert!(md.contains("**Failed:** HTTP 500"), "{md}");
}
