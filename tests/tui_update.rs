//! `update` as a function: messages in, state and effects out. No terminal, no tasks.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal::Decimal;
use serde_json::json;
use switchboard::llm::catalog::ModelInfo;
use switchboard::llm::chat::Role;
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::money::{Currency, Price};
use switchboard::llm::provider::ModelRef;
use switchboard::llm::usage::Usage;
use switchboard::tui::action::Action;
use switchboard::tui::effect::Effect;
use switchboard::tui::keymap::Keymap;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::state::{Pane, State};
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::update::update;

fn state() -> State {
    let model = ModelRef::parse("demo/demo-fast").unwrap();
    let mut s = State::new(
        model,
        &["demo".into()],
        Keymap::builtin().unwrap(),
        Instant::now(),
    );
    let info = ModelInfo {
        provider: "demo".into(),
        id: "demo-fast".into(),
        context_window: Some(128_000),
        price: Some(Price::per_mtok(
            Currency::Usd,
            Decimal::new(10, 2),
            Decimal::new(40, 2),
        )),
        ..ModelInfo::default()
    };
    update(
        &mut s,
        Msg::Models {
            provider: "demo".into(),
            result: Ok(vec![info]),
        },
    );
    s
}

fn key(s: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, mods)))
}

fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

/// Types `prompt`, presses Enter, and returns the new turn's id and request messages.
fn send(s: &mut State, prompt: &str) -> (TurnId, Vec<(Role, String)>) {
    type_text(s, prompt);
    let effects = key(s, KeyCode::Enter, KeyModifiers::NONE);
    match effects.as_slice() {
        [Effect::Send { turn, chat, .. }] => {
            let msgs = chat
                .messages
                .iter()
                .map(|m| (m.role, m.joined_text()))
                .collect();
            (*turn, msgs)
        }
        other => panic!("expected one Send, got {other:?}"),
    }
}

fn text(s: &mut State, turn: TurnId, t: &str, at_us: u64) {
    let frame = Frame {
        offset_us: at_us,
        event: None,
        data: format!("{{\"delta\":\"{t}\"}}"),
    };
    update(s, Msg::Frame { turn, frame });
    update(
        s,
        Msg::Stream {
            turn,
            event: StreamEvent::TextDelta { text: t.into() },
        },
    );
}

fn exchange(usage: Option<Usage>, error: Option<ProviderError>) -> Box<Exchange> {
    let mut ex = Exchange::new(
        HttpRequest::post_json("http://127.0.0.1:1/v1/chat/completions", json!({})),
        0,
    );
    ex.status = Some(200);
    ex.usage = usage;
    ex.error = error;
    ex.ttft_us = Some(20_000);
    ex.total_us = Some(120_000);
    ex.stop_reason = Some(StopReason::Stop);
    Box::new(ex)
}

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input,
        output,
        ..Usage::default()
    }
}

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
    let (_, msgs) = send(&mut s, "next");
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    // An error before any request (no key, say) also fails the turn.
    let (t4, _) = {
        s.chat.turns.last_mut().unwrap();
        (s.chat.turns.last().unwrap().id, ())
    };
    update(
        &mut s,
        Msg::Done {
            turn: t4,
            result: Err(ProviderError::Config {
                message: "no key".into(),
            }),
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
fn up_on_an_empty_composer_recalls_the_last_prompt() {
    let mut s = state();
    let (t1, _) = send(&mut s, "first prompt");
    update(
        &mut s,
        Msg::Done {
            turn: t1,
            result: Ok(exchange(None, None)),
        },
    );
    key(&mut s, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(s.composer.text(), "first prompt");
    key(&mut s, KeyCode::Down, KeyModifiers::NONE);
    assert_eq!(s.composer.text(), "");
    // With text in it, Up moves the cursor instead.
    type_text(&mut s, "draft");
    key(&mut s, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(s.composer.text(), "draft");
}

#[test]
fn newline_keys_and_paste_make_multi_line_prompts() {
    let mut s = state();
    type_text(&mut s, "a");
    key(&mut s, KeyCode::Enter, KeyModifiers::ALT);
    type_text(&mut s, "b");
    key(&mut s, KeyCode::Char('j'), KeyModifiers::CONTROL);
    type_text(&mut s, "c");
    key(&mut s, KeyCode::Enter, KeyModifiers::SHIFT);
    update(&mut s, Msg::Paste("d\r\ne".into()));
    assert_eq!(s.composer.text(), "a\nb\nc\nd\ne");
}

#[test]
fn tab_cycles_focus_over_the_shown_panes() {
    let mut s = state();
    assert_eq!(s.focus, Pane::Composer);
    let mut seen = Vec::new();
    for _ in 0..5 {
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
        seen.push(s.focus);
    }
    assert_eq!(
        seen,
        [
            Pane::Inspector,
            Pane::Meter,
            Pane::Catalog,
            Pane::Chat,
            Pane::Composer
        ]
    );
    key(&mut s, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(s.focus, Pane::Chat);
    // Hidden panes are skipped.
    key(&mut s, KeyCode::F(3), KeyModifiers::NONE);
    key(&mut s, KeyCode::F(4), KeyModifiers::NONE);
    let mut seen = Vec::new();
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
        seen.push(s.focus);
    }
    assert_eq!(seen, [Pane::Composer, Pane::Catalog, Pane::Chat]);
}

#[test]
fn catalog_filter_takes_text_and_enter_picks() {
    let mut s = state();
    let more = ["demo-coder", "demo-reasoner"].map(|id| ModelInfo {
        provider: "demo".into(),
        id: id.into(),
        ..ModelInfo::default()
    });
    let mut all = vec![s.catalog.models[0].clone()];
    all.extend(more);
    update(
        &mut s,
        Msg::Models {
            provider: "demo".into(),
            result: Ok(all),
        },
    );
    key(&mut s, KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(s.focus, Pane::Catalog);
    key(&mut s, KeyCode::Char('/'), KeyModifiers::NONE);
    type_text(&mut s, "rsnq");
    assert!(!s.quit, "q is filter text while filtering");
    key(&mut s, KeyCode::Backspace, KeyModifiers::NONE);
    assert_eq!(s.catalog.filter, "rsn");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.model.to_string(), "demo/demo-reasoner");
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(s.catalog.filter.is_empty());
}

#[test]
fn q_types_in_the_composer_and_quits_elsewhere_cancelling_streams() {
    let mut s = state();
    type_text(&mut s, "q?");
    assert_eq!(s.composer.text(), "q?");
    assert!(!s.quit && s.overlays.is_empty());
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    let TurnStatus::Streaming { cancel } = s.chat.turns[0].status.clone() else {
        panic!()
    };
    key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
    key(&mut s, KeyCode::Char('q'), KeyModifiers::NONE);
    assert!(s.quit);
    assert!(cancel.is_cancelled());
    assert!(s.root.is_cancelled());
}

#[test]
fn commands_set_parameters_and_are_not_sent() {
    let mut s = state();
    for cmd in ["/temp 0.7", "/max 256", "/effort low", "/system Be terse."] {
        type_text(&mut s, cmd);
        assert!(key(&mut s, KeyCode::Enter, KeyModifiers::NONE).is_empty());
    }
    assert_eq!(s.settings.params.temperature, Some(0.7));
    assert_eq!(s.settings.params.max_tokens, Some(256));
    assert_eq!(s.settings.system.as_deref(), Some("Be terse."));
    let (_, msgs) = send(&mut s, "hi");
    assert_eq!(msgs[0], (Role::System, "Be terse.".to_string()));
    type_text(&mut s, "/nonsense");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(s.notice.as_ref().is_some_and(|n| n.error));
    assert_eq!(
        s.composer.text(),
        "/nonsense",
        "a bad command stays to be fixed"
    );
}

#[test]
fn help_opens_from_the_keymap_and_closes() {
    let mut s = state();
    key(&mut s, KeyCode::F(1), KeyModifiers::NONE);
    assert_eq!(s.overlays.len(), 1);
    type_text(&mut s, "x");
    assert!(s.composer.is_empty(), "the overlay takes the keys");
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(s.overlays.is_empty());
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
