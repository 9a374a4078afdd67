//! `update` as a function, for turns: send, stream, cancel, stale events, errors, retry.
//! Messages in, state and effects out; no terminal, no tasks.

mod tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use std::time::Duration;
use switchboard::tui::msg::Msg;
use switchboard::tui::update::update;
use tui_support::*;

use rust_decimal::Decimal;
use switchboard::llm::chat::Role;
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::StopReason;
use switchboard::llm::money::Currency;
use switchboard::tui::action::Action;
use switchboard::tui::effect::Effect;
use switchboard::tui::msg::TurnId;
use switchboard::tui::turn::TurnStatus;

#[test]
fn send_stream_done_costs_and_the_next_request_carries_the_history() {
    let mut s = state();
    let (t1, msgs) = send(&mut s, "hello");
    assert_eq!(msgs, vec![(Role::User, "hello".to_string())]);
    assert!(s.composer.is_empty());
    assert!(s.chat.turns[0].is_streaming());
    text(&mut s, t1, "Hi ", 15_000);
    text(&mut s, t1, "there.", 18_000);
    assert_eq!(s.chat.turns[0].answer.text(), "Hi there.");
    assert_eq!(s.chat.turns[0].ttft_us, Some(15_000));
    assert_eq!(s.chat.turns[0].trace.frames.len(), 2);
    update(
        &mut s,
        Msg::Done {
            turn: t1,
            result: Ok(exchange(Some(usage(1000, 500)), None)),
        },
    );
    let t = &s.chat.turns[0];
    assert!(matches!(
        t.status,
        TurnStatus::Done {
            stop: Some(StopReason::Stop)
        }
    ));
    // 1000 * 0.10 + 500 * 0.40 per million = 0.0003 USD
    assert_eq!(t.cost.as_ref().unwrap().amount, Decimal::new(3, 4));
    assert_eq!(
        s.spend.session.by_currency[&Currency::Usd],
        Decimal::new(3, 4)
    );
    assert!(
        !s.is_streaming(),
        "nothing streams: the ticker has no reason to exist"
    );

    let (_, msgs) = send(&mut s, "and then?");
    assert_eq!(
        msgs,
        vec![
            (Role::User, "hello".to_string()),
            (Role::Assistant, "Hi there.".to_string()),
            (Role::User, "and then?".to_string()),
        ]
    );
}

#[test]
fn cancel_is_immediate_and_stale_events_are_dropped() {
    let mut s = state();
    let (t1, _) = send(&mut s, "long one");
    let TurnStatus::Streaming { cancel } = s.chat.turns[0].status.clone() else {
        panic!()
    };
    text(&mut s, t1, "partial", 10_000);
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(
        cancel.is_cancelled(),
        "the task's token is cancelled at once"
    );
    assert!(matches!(s.chat.turns[0].status, TurnStatus::Cancelled));
    // Whatever the task still sends for that turn is stale.
    text(&mut s, t1, " more", 20_000);
    update(
        &mut s,
        Msg::Done {
            turn: t1,
            result: Ok(exchange(Some(usage(1, 1)), None)),
        },
    );
    let t = &s.chat.turns[0];
    assert_eq!(t.answer.text(), "partial");
    assert!(matches!(t.status, TurnStatus::Cancelled));
    assert_eq!(t.trace.frames.len(), 1);
    // A cancelled turn with text stays in the history.
    let (_, msgs) = send(&mut s, "next");
    assert_eq!(msgs.len(), 3);
}

#[test]
fn ctrl_c_cancels_while_streaming_and_messages_for_unknown_turns_are_ignored() {
    let mut s = state();
    let (t1, _) = send(&mut s, "x");
    text(&mut s, TurnId(999), "ghost", 1);
    key(&mut s, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(matches!(s.chat.turns[0].status, TurnStatus::Cancelled));
    assert_eq!(s.chat.turns[0].answer.text(), "");
    assert!(!s.quit, "Ctrl+C cancels, it does not quit");
    let _ = t1;
}

#[test]
fn a_failed_turn_keeps_its_error_and_retry_sends_the_same_request() {
    let mut s = state();
    let (t1, _) = send(&mut s, "please");
    let err = ProviderError::Http {
        status: 429,
        message: "Rate limit exceeded".into(),
        code: Some("rate_limit_exceeded".into()),
        body: "{}".into(),
        retry_after_secs: Some(2),
    };
    update(
        &mut s,
        Msg::Done {
            turn: t1,
            result: Ok(exchange(None, Some(err.clone()))),
        },
    );
    assert!(matches!(&s.chat.turns[0].status, TurnStatus::Failed { error } if *error == err));
    let effects = key(&mut s, KeyCode::Char('r'), KeyModifiers::CONTROL);
    let [Effect::Send { turn: t2, chat, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_ne!(*t2, t1);
    assert_eq!(**chat, s.chat.turns[0].chat);
    assert!(s.chat.turns[0].retried);
    // The failed turn is not history.
    let t2 = *t2;
    text(&mut s, t2, "ok", 1);
    update(
        &mut s,
        Msg::Done {
            turn: t2,
            result: Ok(exchange(Some(usage(1, 1)), None)),
        },
    );
    let (t4, msgs) = send(&mut s, "next");
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    // An error before any request (no key, say) also fails the turn.
    update(
        &mut s,
        Msg::Done {
            turn: t4,
            result: Err(Box::new(ProviderError::Config {
                message: "no key".into(),
            })),
        },
    );
    assert!(matches!(
        s.chat.turns.last().unwrap().status,
        TurnStatus::Failed { .. }
    ));
}

#[test]
fn retry_waits_for_the_stream_and_needs_a_turn() {
    let mut s = state();
    assert!(update(&mut s, Msg::Action(Action::Retry)).is_empty());
    send(&mut s, "a");
    assert!(
        update(&mut s, Msg::Action(Action::Retry)).is_empty(),
        "still streaming"
    );
}

#[test]
fn retrying_notes_and_a_new_conversation_resets_its_totals_only() {
    let mut s = state();
    let (t1, _) = send(&mut s, "x");
    update(
        &mut s,
        Msg::Retrying {
            turn: t1,
            attempt: 1,
            wait: Duration::from_secs(2),
            reason: "HTTP 429".into(),
        },
    );
    assert!(
        s.chat.turns[0]
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("HTTP 429"))
    );
    update(
        &mut s,
        Msg::Done {
            turn: t1,
            result: Ok(exchange(Some(usage(1000, 0)), None)),
        },
    );
    key(&mut s, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert!(s.chat.turns.is_empty());
    assert!(s.spend.conversation.by_currency.is_empty());
    assert!(!s.spend.session.by_currency.is_empty());
}
