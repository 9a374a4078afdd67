//! Helpers shared by the `update` tests: a state with the demo catalog loaded, keys,
//! and the messages a request task would send.

#![allow(dead_code)]

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal::Decimal;
use serde_json::json;
use switchboard::llm::catalog::ModelInfo;
use switchboard::llm::chat::Role;
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::StopReason;
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::money::{Currency, Price};
use switchboard::llm::provider::ModelRef;
use switchboard::llm::usage::Usage;
use switchboard::tui::effect::Effect;
use switchboard::tui::keymap::Keymap;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::state::State;
use switchboard::tui::update::update;

pub fn state() -> State {
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

pub fn key(s: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, mods)))
}

pub fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

/// Types `prompt`, presses Enter, and returns the new turn's id and request messages.
pub fn send(s: &mut State, prompt: &str) -> (TurnId, Vec<(Role, String)>) {
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

pub fn text(s: &mut State, turn: TurnId, t: &str, at_us: u64) {
    let frame = Frame {
        offset_us: at_us,
        event: None,
        data: format!("{{\"delta\":\"{t}\"}}"),
    };
    update(s, Msg::Frame { turn, frame });
    update(
        s,
        Msg::Text {
            turn,
            text: t.into(),
        },
    );
}

pub fn exchange(usage: Option<Usage>, error: Option<ProviderError>) -> Box<Exchange> {
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

pub fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input,
        output,
        ..Usage::default()
    }
}
