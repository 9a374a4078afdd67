//! Before and after a comparison is sent, in `update`: a comparison whose lanes together
//! could pass the budget asks the same yes/no question a single request does (y sends
//! every lane, n or Esc keeps the prompt); and with a history, the first round asks the
//! store to create the comparison before any lane starts, follow-ups and retries begin
//! their lane turns there, and the verdict is kept with the blind flag.

mod tui_support;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use switchboard::llm::catalog::ModelInfo;
use switchboard::llm::money::{Budget, Currency, Money, Price};
use switchboard::llm::provider::ModelRef;
use switchboard::tui::app::draw;
use switchboard::tui::effect::Effect;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::pane::history::StoreStatus;
use switchboard::tui::state::{Overlay, Pane, State};
use switchboard::tui::store_link::StoreJob;
use switchboard::tui::theme::Theme;
use switchboard::tui::ui::Look;
use switchboard::tui::update::update;
use tui_support::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Two demo models priced $0.10/$0.40 and $1/$4 per 1M, 8,192 output tokens at most,
/// both marked, `hello` typed in the composer.
fn two_marked(limit: Option<&str>) -> State {
    let mut s = state();
    if let Some(l) = limit {
        s.costs.budget = Budget::default().with_limit(Money::new(d(l), Currency::Usd));
    }
    let info = |id: &str, i: &str, o: &str| ModelInfo {
        provider: "demo".into(),
        id: id.into(),
        max_output: Some(8_192),
        price: Some(Price::per_mtok(Currency::Usd, d(i), d(o))),
        ..ModelInfo::default()
    };
    update(
        &mut s,
        Msg::Models {
            provider: "demo".into(),
            result: Ok(vec![
                info("demo-fast", "0.10", "0.40"),
                info("demo-coder", "1", "4"),
            ]),
        },
    );
    s.catalog.marked = ["demo/demo-fast", "demo/demo-coder"]
        .iter()
        .map(|m| ModelRef::parse(m).unwrap())
        .collect();
    s.focus = Pane::Composer;
    type_text(&mut s, "hello");
    s
}

fn enter(s: &mut State) -> Vec<Effect> {
    key(s, KeyCode::Enter, KeyModifiers::NONE)
}

fn lane_turns(effects: &[Effect]) -> Vec<TurnId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendLane { turn, .. } => Some(*turn),
            _ => None,
        })
        .collect()
}

fn jobs(effects: &[Effect]) -> Vec<StoreJob> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store(j) => Some((**j).clone()),
            _ => None,
        })
        .collect()
}

fn render(s: &mut State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    draw(&mut terminal, s, &Look::new(Theme::dark())).unwrap();
    terminal.backend().to_string()
}

#[test]
fn an_over_budget_comparison_asks_and_yes_sends_every_lane() {
    // At most 8,192 × ($0.40 + $4)/1M ≈ $0.036 across both lanes: past a $0.035 budget,
    // though neither lane alone ($0.0033, $0.0328) would be.
    let mut s = two_marked(Some("0.035"));
    let effects = enter(&mut s);
    assert!(lane_turns(&effects).is_empty(), "{effects:?}");
    assert_eq!(s.overlays.last(), Some(&Overlay::ConfirmSend));
    let reason = s.compare.confirm.clone().unwrap();
    assert!(reason.contains("across its 2 lanes"), "{reason}");
    assert!(
        reason.contains("$0.036"),
        "the total of both lanes: {reason}"
    );
    assert!(reason.contains("budget of $0.035"), "the budget: {reason}");
    let screen = render(&mut s);
    assert!(screen.contains("Over budget?"), "{screen}");
    assert!(
        screen.contains("This comparison could cost up to $0.036"),
        "{screen}"
    );
    assert!(screen.contains("y send anyway"), "{screen}");
    assert!(s.compare.active.is_none(), "nothing started while asking");
    // Yes: every lane is sent, the prompt leaves the composer.
    let effects = key(&mut s, KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(lane_turns(&effects).len(), 2, "{effects:?}");
    assert!(s.overlays.is_empty() && s.compare.confirm.is_none());
    assert!(s.composer.is_empty());
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(c.prompts, ["hello"]);
    assert!(s.catalog.marked.is_empty());
}

#[test]
fn no_or_esc_keeps_the_prompt_and_the_marks() {
    let mut s = two_marked(Some("0.02"));
    enter(&mut s);
    let effects = key(&mut s, KeyCode::Char('n'), KeyModifiers::NONE);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(s.overlays.is_empty() && s.compare.confirm.is_none());
    assert_eq!(s.composer.text(), "hello");
    assert_eq!(s.catalog.marked.len(), 2);
    assert!(s.compare.active.is_none());
    let n = s.notice.as_ref().unwrap();
    assert!(n.text.contains("not sent"), "{n:?}");
    // Esc answers no as well.
    enter(&mut s);
    assert_eq!(s.overlays.last(), Some(&Overlay::ConfirmSend));
    let effects = key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(effects.is_empty());
    assert!(s.overlays.is_empty() && s.compare.confirm.is_none());
    assert_eq!(s.composer.text(), "hello");
    // A budget the total stays under: sent at once, nothing asked.
    let mut s = two_marked(Some("1"));
    let effects = enter(&mut s);
    assert_eq!(lane_turns(&effects).len(), 2);
    assert!(s.overlays.is_empty());
}

#[test]
fn with_a_history_rounds_retries_and_the_verdict_go_to_the_store() {
    let mut s = two_marked(None);
    s.history.status = StoreStatus::On(PathBuf::from("/tmp/switchboard.db"));
    s.compare.blind = true;
    let effects = enter(&mut s);
    let turns = lane_turns(&effects);
    let first = jobs(&effects);
    // The store job comes first: the lanes' tasks wait for their prompts to be committed.
    assert!(
        matches!(effects.first(), Some(Effect::Store(_))),
        "{effects:?}"
    );
    let [
        StoreJob::BeginComparison {
            key,
            prompt,
            lanes,
            turns: begun,
            ..
        },
    ] = first.as_slice()
    else {
        panic!("expected BeginComparison, got {effects:?}");
    };
    assert_eq!(prompt, "hello");
    // Kept in display order (shuffled, blind): the store's letters are the screen's.
    let order = s.compare.active.as_ref().unwrap().order.clone();
    let shown: Vec<TurnId> = order.iter().map(|i| turns[*i]).collect();
    assert_eq!(begun, &shown);
    assert_eq!(*key, turns[0]);
    let labels: Vec<String> = lanes.iter().map(|l| l.label()).collect();
    let models = ["demo/demo-fast", "demo/demo-coder"];
    let want: Vec<&str> = order.iter().map(|i| models[*i]).collect();
    assert_eq!(labels, want);
    let key = *key;
    for t in &turns {
        text(&mut s, *t, "blue", 1_000);
        update(
            &mut s,
            Msg::Done {
                turn: *t,
                result: Ok(exchange(Some(usage(10, 1)), None)),
            },
        );
    }
    // A retry of the focused lane names the turn it replaces.
    s.focus = Pane::Chat;
    let effects = key_char(&mut s, 'r');
    let lane = order[0];
    let again = lane_turns(&effects);
    assert_eq!(
        jobs(&effects),
        [StoreJob::BeginLaneTurn {
            key,
            lane: 0,
            turn: again[0],
            prompt: "hello".into(),
            replaces: Some(turns[lane]),
        }]
    );
    update(
        &mut s,
        Msg::Done {
            turn: again[0],
            result: Ok(exchange(Some(usage(10, 1)), None)),
        },
    );
    // A follow-up: one lane turn per lane in the same comparison.
    s.focus = Pane::Composer;
    type_text(&mut s, "why?");
    let effects = enter(&mut s);
    let next = lane_turns(&effects);
    let want: Vec<StoreJob> = next
        .iter()
        .enumerate()
        .map(|(i, turn)| StoreJob::BeginLaneTurn {
            key,
            lane: order.iter().position(|x| *x == i).unwrap(),
            turn: *turn,
            prompt: "why?".into(),
            replaces: None,
        })
        .collect();
    assert_eq!(jobs(&effects), want);
    for t in &next {
        update(
            &mut s,
            Msg::Done {
                turn: *t,
                result: Ok(exchange(Some(usage(10, 1)), None)),
            },
        );
    }
    // The verdict, judged blind.
    s.focus = Pane::Chat;
    let effects = key_char(&mut s, 'b');
    let judged = jobs(&effects);
    let [
        StoreJob::Verdict {
            key: k,
            verdict,
            blind,
        },
    ] = judged.as_slice()
    else {
        panic!("expected a Verdict job, got {effects:?}");
    };
    assert_eq!(*k, key);
    assert_eq!(verdict.best, Some(0), "by display position");
    assert_eq!(s.compare.active.as_ref().unwrap().verdict.best, Some(lane));
    assert!(*blind);
}

#[test]
fn without_a_history_nothing_is_asked_of_the_store() {
    let mut s = two_marked(None);
    s.history.status = StoreStatus::Off("--no-store".into());
    let effects = enter(&mut s);
    assert_eq!(lane_turns(&effects).len(), 2);
    assert!(jobs(&effects).is_empty(), "{effects:?}");
    assert!(s.compare.active.as_ref().unwrap().key.is_none());
}

fn key_char(s: &mut State, c: char) -> Vec<Effect> {
    key(s, KeyCode::Char(c), KeyModifiers::NONE)
}
