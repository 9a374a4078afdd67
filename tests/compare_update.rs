//! `update` for comparisons: lanes started from marked models, streaming side by side,
//! one failing, one cancelled, stale events after a cancel, retries, follow-up rounds with
//! each lane's own history, blind mode and the verdict. Messages in, state and effects out.

mod tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use rust_decimal::Decimal;
use switchboard::compare::LaneStatus;
use switchboard::llm::catalog::ModelInfo;
use switchboard::llm::chat::Role;
use switchboard::llm::error::ProviderError;
use switchboard::llm::money::{Currency, Price};
use switchboard::llm::provider::ModelRef;
use switchboard::tui::effect::Effect;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::state::{Pane, State};
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::update::update;
use tui_support::*;

const MODELS: [&str; 3] = ["demo/demo-fast", "demo/demo-flagship", "demo/demo-coder"];

/// The support state, with three priced demo models in the catalog.
fn three() -> State {
    let mut s = state();
    let info = |id: &str, input: i64, output: i64| ModelInfo {
        provider: "demo".into(),
        id: id.into(),
        price: Some(Price::per_mtok(
            Currency::Usd,
            Decimal::new(input, 2),
            Decimal::new(output, 2),
        )),
        ..ModelInfo::default()
    };
    update(
        &mut s,
        Msg::Models {
            provider: "demo".into(),
            result: Ok(vec![
                info("demo-fast", 10, 40),
                info("demo-flagship", 500, 2000),
                info("demo-coder", 50, 150),
            ]),
        },
    );
    s
}

struct Sent {
    turn: TurnId,
    model: String,
    messages: Vec<(Role, String)>,
}

fn lanes_of(effects: Vec<Effect>) -> Vec<Sent> {
    effects
        .into_iter()
        .map(|e| match e {
            Effect::SendLane {
                turn, spec, chat, ..
            } => Sent {
                turn,
                model: spec.model.to_string(),
                messages: chat
                    .messages
                    .iter()
                    .map(|m| (m.role, m.joined_text()))
                    .collect(),
            },
            other => panic!("expected SendLane, got {other:?}"),
        })
        .collect()
}

/// Marks `models` and sends `prompt` from the composer.
fn compare(s: &mut State, models: &[&str], prompt: &str) -> Vec<Sent> {
    s.catalog.marked = models.iter().map(|m| ModelRef::parse(m).unwrap()).collect();
    round(s, prompt)
}

fn round(s: &mut State, prompt: &str) -> Vec<Sent> {
    s.focus = Pane::Composer;
    type_text(s, prompt);
    lanes_of(key(s, KeyCode::Enter, KeyModifiers::NONE))
}

fn done(s: &mut State, turn: TurnId, out: u64, ttft_us: u64, total_us: u64) {
    let mut ex = exchange(Some(usage(1000, out)), None);
    ex.ttft_us = Some(ttft_us);
    ex.total_us = Some(total_us);
    update(
        s,
        Msg::Done {
            turn,
            result: Ok(ex),
        },
    );
}

fn status(s: &State, lane: usize) -> LaneStatus {
    let c = s.compare.active.as_ref().unwrap();
    c.metrics(s.now)[lane].status
}

fn chat_key(s: &mut State, c: char) -> Vec<Effect> {
    s.focus = Pane::Chat;
    key(s, KeyCode::Char(c), KeyModifiers::NONE)
}

#[test]
fn all_lanes_succeed_with_metrics_marks_and_spend() {
    let mut s = three();
    let sent = compare(&mut s, &MODELS, "Why is the sky blue?");
    assert_eq!(sent.len(), 3);
    assert_eq!(
        sent.iter().map(|l| l.model.as_str()).collect::<Vec<_>>(),
        MODELS
    );
    for l in &sent {
        assert_eq!(
            l.messages,
            vec![(Role::User, "Why is the sky blue?".into())]
        );
    }
    assert!(s.catalog.marked.is_empty(), "the marks became lanes");
    assert!(s.compare.is_streaming());
    // Lanes stream independently: text lands in its own lane only.
    text(&mut s, sent[0].turn, "fast ", 10_000);
    text(&mut s, sent[2].turn, "coder ", 30_000);
    text(&mut s, sent[1].turn, "flag ", 900_000);
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(c.lanes[0].turns[0].answer.text(), "fast ");
    assert_eq!(c.lanes[1].turns[0].answer.text(), "flag ");
    // Live: lane A has the fastest first token before anything finished.
    assert_eq!(c.marks(s.now).fastest_first_token, Some(0));
    assert_eq!(c.marks(s.now).fastest_finish, None);
    done(&mut s, sent[0].turn, 100, 10_000, 300_000);
    done(&mut s, sent[1].turn, 100, 900_000, 5_000_000);
    done(&mut s, sent[2].turn, 100, 30_000, 200_000);
    assert!(!s.compare.is_streaming());
    let c = s.compare.active.as_ref().unwrap();
    let m = c.metrics(s.now);
    assert!(m.iter().all(|m| m.status == LaneStatus::Done));
    // The runner's figures are the metrics once a lane ended.
    assert_eq!(m[1].ttft_us, Some(900_000));
    assert_eq!(m[1].total_us, Some(5_000_000));
    let marks = c.marks(s.now);
    assert_eq!(marks.fastest_first_token, Some(0));
    assert_eq!(marks.fastest_finish, Some(2));
    assert_eq!(marks.cheapest, Some(0));
    // 1000 in + 100 out at each price, added per currency: 0.00014 + 0.007 + 0.00065.
    assert_eq!(
        s.spend.session.by_currency[&Currency::Usd],
        Decimal::new(779, 5)
    );
}

#[test]
fn one_lane_fails_and_the_others_finish() {
    let mut s = three();
    let sent = compare(&mut s, &MODELS, "hi");
    update(
        &mut s,
        Msg::Done {
            turn: sent[1].turn,
            result: Ok(exchange(
                None,
                Some(ProviderError::Http {
                    status: 500,
                    message: "boom".into(),
                    code: None,
                    body: String::new(),
                    retry_after_secs: None,
                }),
            )),
        },
    );
    assert_eq!(status(&s, 1), LaneStatus::Failed);
    assert!(s.compare.is_streaming(), "the other lanes still stream");
    text(&mut s, sent[0].turn, "still here", 5_000);
    done(&mut s, sent[0].turn, 10, 5_000, 50_000);
    done(&mut s, sent[2].turn, 10, 6_000, 60_000);
    let c = s.compare.active.as_ref().unwrap();
    let m = c.metrics(s.now);
    assert!(
        m[1].error.as_deref().unwrap().contains("boom"),
        "{:?}",
        m[1]
    );
    assert_eq!(c.lanes[0].turns[0].answer.text(), "still here");
    // The failed lane wins nothing.
    let marks = c.marks(s.now);
    assert_eq!(marks.fastest_finish, Some(0));
    assert_eq!(marks.cheapest, Some(0));
}

#[test]
fn one_lane_cancelled_its_stale_events_dropped_the_others_go_on() {
    let mut s = three();
    let sent = compare(&mut s, &MODELS, "hi");
    text(&mut s, sent[1].turn, "partial", 5_000);
    chat_key(&mut s, 'l'); // focus lane B
    chat_key(&mut s, 'x');
    let c = s.compare.active.as_ref().unwrap();
    let TurnStatus::Cancelled = c.lanes[1].turns[0].status else {
        panic!("{:?}", c.lanes[1].turns[0].status)
    };
    assert_eq!(status(&s, 1), LaneStatus::Cancelled);
    assert!(s.compare.is_streaming(), "lanes A and C stream on");
    // A stale event after the cancel changes nothing; its late Done neither.
    text(&mut s, sent[1].turn, " more", 9_000);
    done(&mut s, sent[1].turn, 10, 5_000, 9_000);
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(c.lanes[1].turns[0].answer.text(), "partial");
    assert_eq!(status(&s, 1), LaneStatus::Cancelled);
    text(&mut s, sent[0].turn, "A goes on", 6_000);
    assert_eq!(
        s.compare.active.as_ref().unwrap().lanes[0].turns[0]
            .answer
            .text(),
        "A goes on"
    );
    // Esc cancels every lane left.
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(!s.compare.is_streaming());
    assert_eq!(status(&s, 0), LaneStatus::Cancelled);
    assert_eq!(status(&s, 2), LaneStatus::Cancelled);
}

#[test]
fn a_follow_up_goes_to_every_lane_with_its_own_history() {
    let mut s = three();
    let sent = compare(&mut s, &MODELS, "first");
    text(&mut s, sent[0].turn, "answer A", 1_000);
    text(&mut s, sent[2].turn, "answer C", 1_000);
    done(&mut s, sent[0].turn, 2, 1_000, 2_000);
    update(
        &mut s,
        Msg::Done {
            turn: sent[1].turn,
            result: Err(Box::new(ProviderError::Config {
                message: "no key".into(),
            })),
        },
    );
    done(&mut s, sent[2].turn, 2, 1_000, 2_000);
    let next = round(&mut s, "and then?");
    assert_eq!(next.len(), 3);
    let user = |t: &str| (Role::User, t.to_string());
    let bot = |t: &str| (Role::Assistant, t.to_string());
    assert_eq!(
        next[0].messages,
        vec![user("first"), bot("answer A"), user("and then?")]
    );
    // The failed lane's turn is not in its history.
    assert_eq!(next[1].messages, vec![user("and then?")]);
    assert_eq!(
        next[2].messages,
        vec![user("first"), bot("answer C"), user("and then?")]
    );
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(c.prompts, vec!["first", "and then?"]);
    assert!(c.lanes.iter().all(|l| l.turns.len() == 2));
    // A follow-up waits for every lane to end.
    let blocked = round(&mut s, "too soon");
    assert!(blocked.is_empty());
}

#[test]
fn retrying_a_lane_replaces_its_answer_in_the_round() {
    let mut s = three();
    let sent = compare(&mut s, &MODELS[..2], "hi");
    done(&mut s, sent[0].turn, 2, 1_000, 2_000);
    update(
        &mut s,
        Msg::Done {
            turn: sent[1].turn,
            result: Err(Box::new(ProviderError::Config {
                message: "no key".into(),
            })),
        },
    );
    chat_key(&mut s, 'l');
    let again = lanes_of(chat_key(&mut s, 'r'));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].model, "demo/demo-flagship");
    assert_eq!(again[0].messages, vec![(Role::User, "hi".into())]);
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(c.lanes[1].turns.len(), 1);
    assert_eq!(status(&s, 1), LaneStatus::Waiting);
    // The old turn's late messages are stale now.
    text(&mut s, sent[1].turn, "ghost", 1_000);
    text(&mut s, again[0].turn, "fresh", 1_000);
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(c.lanes[1].turns[0].answer.text(), "fresh");
}

#[test]
fn blind_mode_hides_names_until_the_verdict_then_reveals() {
    let mut s = three();
    s.focus = Pane::Catalog;
    key(&mut s, KeyCode::Char('B'), KeyModifiers::SHIFT);
    assert!(s.compare.blind);
    let sent = compare(&mut s, &MODELS, "hi");
    for l in &sent {
        done(&mut s, l.turn, 5, 1_000, 2_000);
    }
    let c = s.compare.active.as_ref().unwrap();
    assert!(c.hidden());
    let mut order = c.order.clone();
    order.sort_unstable();
    assert_eq!(order, vec![0, 1, 2], "a permutation of the lanes");
    let theme = switchboard::tui::theme::Theme::monochrome();
    let table: String = switchboard::tui::pane::lanes::summary_lines(c, s.now, &theme, 100)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(table.contains("Lane A"), "{table}");
    assert!(!table.contains("demo-"), "{table}");
    assert!(!table.contains('$'), "costs give models away: {table}");
    // Export waits for the verdict.
    assert!(chat_key(&mut s, 'e').is_empty());
    chat_key(&mut s, 'b');
    let c = s.compare.active.as_ref().unwrap();
    assert!(c.judged() && !c.hidden());
    assert_eq!(c.verdict.best, c.order.first().copied());
    let table: String = switchboard::tui::pane::lanes::summary_lines(c, s.now, &theme, 100)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(table.contains("demo-"), "{table}");
    match chat_key(&mut s, 'e').as_slice() {
        [Effect::ExportComparison { markdown, json, .. }] => {
            assert!(markdown.contains("## Verdict"), "{markdown}");
            assert!(markdown.contains("| A |"), "{markdown}");
            assert!(json.contains("\"best\": 0"), "{json}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn space_marks_models_in_the_catalog_and_one_mark_is_not_a_comparison() {
    let mut s = three();
    s.focus = Pane::Catalog;
    key(&mut s, KeyCode::Char(' '), KeyModifiers::NONE);
    assert_eq!(s.catalog.marked.len(), 1);
    // One marked model: the prompt is an ordinary chat turn.
    s.focus = Pane::Composer;
    let (_, msgs) = send(&mut s, "solo");
    assert_eq!(msgs, vec![(Role::User, "solo".into())]);
    assert!(s.compare.active.is_none());
    s.focus = Pane::Catalog;
    key(&mut s, KeyCode::Char(' '), KeyModifiers::NONE);
    assert!(s.catalog.marked.is_empty(), "Space again unmarks");
}

#[test]
fn the_diff_needs_two_lanes_and_closes_again() {
    let mut s = three();
    let sent = compare(&mut s, &MODELS[..2], "hi");
    text(&mut s, sent[0].turn, "the sky is blue", 1_000);
    text(&mut s, sent[1].turn, "the sky is grey", 1_000);
    done(&mut s, sent[0].turn, 4, 1_000, 2_000);
    done(&mut s, sent[1].turn, 4, 1_000, 2_000);
    chat_key(&mut s, 'd');
    assert_eq!(s.compare.active.as_ref().unwrap().diff_pick, Some(0));
    chat_key(&mut s, 'l');
    chat_key(&mut s, 'd');
    assert_eq!(s.compare.active.as_ref().unwrap().diff, Some((0, 1)));
    chat_key(&mut s, 'd');
    assert_eq!(s.compare.active.as_ref().unwrap().diff, None);
}
