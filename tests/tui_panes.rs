//! Snapshots of the screen (every pane) in the states that matter: empty, waiting,
//! streaming mid-token, reasoning, code, error, cancelled, tool calls, CJK, from 20 to 200
//! columns; and sizes that must not panic.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use rust_decimal::Decimal;
use serde_json::json;
use switchboard::llm::catalog::{Capabilities, ModelInfo};
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::money::{Currency, Money, Price};
use switchboard::llm::provider::ModelRef;
use switchboard::llm::usage::Usage;
use switchboard::tui::app::draw;
use switchboard::tui::effect::Effect;
use switchboard::tui::keymap::Keymap;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::state::State;
use switchboard::tui::theme::Theme;
use switchboard::tui::ui::Look;
use switchboard::tui::update::update;

fn model(id: &str, ctx: u64, i: i64, o: i64, reasoning: bool) -> ModelInfo {
    ModelInfo {
        provider: "demo".into(),
        id: id.into(),
        context_window: Some(ctx),
        capabilities: Capabilities {
            reasoning: Some(reasoning),
            tools: Some(false),
            vision: Some(false),
            ..Capabilities::default()
        },
        price: Some(Price::per_mtok(
            Currency::Usd,
            Decimal::new(i, 2),
            Decimal::new(o, 2),
        )),
        ..ModelInfo::default()
    }
}

struct Scene {
    s: State,
    t0: Instant,
}

impl Scene {
    fn new() -> Scene {
        let t0 = Instant::now();
        let model = ModelRef::parse("demo/demo-fast").unwrap();
        let s = State::new(
            model,
            &["demo".into(), "clipia".into()],
            Keymap::builtin().unwrap(),
            t0,
        );
        Scene { s, t0 }
    }

    fn loaded() -> Scene {
        let mut sc = Scene::new();
        let models = vec![
            model("demo-fast", 128_000, 10, 40, false),
            model("demo-flagship", 400_000, 500, 2500, false),
            model("demo-reasoner", 200_000, 110, 440, true),
            model("demo-coder", 256_000, 30, 120, false),
        ];
        update(
            &mut sc.s,
            Msg::Models {
                provider: "demo".into(),
                result: Ok(models),
            },
        );
        let err = ProviderError::Config {
            message: "provider clipia: the environment variable CLIPIA_API_KEY is not set".into(),
        };
        update(
            &mut sc.s,
            Msg::Models {
                provider: "clipia".into(),
                result: Err(err.to_string()),
            },
        );
        sc
    }

    fn at(&mut self, ms: u64) {
        self.s.now = self.t0 + Duration::from_millis(ms);
    }

    fn key(&mut self, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
        update(&mut self.s, Msg::Key(KeyEvent::new(code, mods)))
    }

    fn send(&mut self, prompt: &str) -> TurnId {
        for c in prompt.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE);
        }
        let effects = self.key(KeyCode::Enter, KeyModifiers::NONE);
        let Some(Effect::Send { turn, .. }) = effects.first() else {
            panic!("{effects:?}")
        };
        let turn = *turn;
        let mut req = HttpRequest::post_json(
            "http://127.0.0.1:8080/v1/chat/completions",
            json!({"model": "demo-fast", "messages": [{"role": "user", "content": prompt}], "stream": true}),
        );
        req.secret_header("Authorization", "Bearer sk-fake-0123456789abcdefghijklmnop");
        update(
            &mut self.s,
            Msg::Trace {
                turn,
                request: Box::new(req.redacted()),
            },
        );
        let headers = vec![("content-type".to_string(), "text/event-stream".to_string())];
        update(
            &mut self.s,
            Msg::Response {
                turn,
                status: 200,
                headers,
            },
        );
        turn
    }

    fn event(&mut self, turn: TurnId, event: StreamEvent, at_ms: u64) {
        let data = serde_json::to_string(&event).unwrap();
        let frame = Frame {
            offset_us: at_ms * 1000,
            event: None,
            data,
        };
        update(&mut self.s, Msg::Frame { turn, frame });
        update(
            &mut self.s,
            Msg::Stream {
                turn,
                event: Box::new(event),
            },
        );
    }

    fn text(&mut self, turn: TurnId, text: &str, at_ms: u64) {
        for (i, piece) in text.split_inclusive(' ').enumerate() {
            let at = at_ms + i as u64 * 5;
            self.event(turn, StreamEvent::TextDelta { text: piece.into() }, at);
        }
    }

    fn done(&mut self, turn: TurnId, usage: Usage, error: Option<ProviderError>) {
        self.event(
            turn,
            StreamEvent::Usage {
                usage: usage.clone(),
            },
            900,
        );
        let mut ex = Exchange::new(
            HttpRequest::get("http://127.0.0.1:8080/v1/chat/completions"),
            0,
        );
        ex.status = Some(200);
        ex.ttft_us = Some(120_000);
        ex.total_us = Some(950_000);
        ex.stop_reason = Some(StopReason::Stop);
        ex.usage = Some(usage);
        ex.error = error;
        update(
            &mut self.s,
            Msg::Done {
                turn,
                result: Ok(Box::new(ex)),
            },
        );
    }

    fn render(&mut self, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        draw(&mut terminal, &mut self.s, &Look::new(Theme::dark())).unwrap();
        terminal.backend().to_string()
    }
}

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input,
        output,
        provider_cost: Some(Money::new(Decimal::new(21, 6), Currency::Usd)),
        ..Usage::default()
    }
}

const ANSWER: &str = "Streaming sends **one event per token**, so the first words show at once.\n\n\
- time to first token\n- tokens per second\n\n> The total time does not change.\n";

const CODE: &str = "# Reading SSE\n\nSplit on blank lines:\n\n```rust\nfn frames(buf: &str) -> Vec<&str> {\n    buf.split(\"\\n\\n\").collect()\n}\n```\n\n| field | meaning |\n|---|---|\n| `data:` | the payload |\n| `event:` | its type |\n";

#[test]
fn empty_while_the_catalog_loads() {
    let mut sc = Scene::new();
    insta::assert_snapshot!(sc.render(120, 30));
}

#[test]
fn empty_with_models_and_a_provider_error() {
    let mut sc = Scene::loaded();
    insta::assert_snapshot!(sc.render(120, 30));
}

#[test]
fn waiting_for_the_first_token() {
    let mut sc = Scene::loaded();
    sc.send("Why stream tokens?");
    sc.at(1_230);
    insta::assert_snapshot!(sc.render(120, 30));
}

#[test]
fn streaming_mid_token() {
    let mut sc = Scene::loaded();
    let t = sc.send("Why stream tokens?");
    sc.text(
        t,
        "Streaming sends **one event per token**, so the first wor",
        120,
    );
    sc.at(700);
    insta::assert_snapshot!(sc.render(120, 30));
}

#[test]
fn reasoning_collapsed_and_expanded() {
    let mut sc = Scene::loaded();
    let t = sc.send("Is 221 prime?");
    let thinking = "221 = 13 × 17, so it is not prime. Check: 13 × 17 = 221.";
    for (i, w) in thinking.split_inclusive(' ').enumerate() {
        sc.event(
            t,
            StreamEvent::ReasoningDelta { text: w.into() },
            100 + i as u64,
        );
    }
    sc.text(t, "No: **221 = 13 × 17**.", 300);
    sc.done(
        t,
        Usage {
            reasoning: 14,
            ..usage(12, 30)
        },
        None,
    );
    insta::assert_snapshot!("reasoning_expanded", sc.render(100, 24));
    sc.key(KeyCode::Tab, KeyModifiers::NONE); // inspector
    sc.key(KeyCode::Tab, KeyModifiers::NONE); // meter
    sc.key(KeyCode::Tab, KeyModifiers::NONE); // catalog
    sc.key(KeyCode::Tab, KeyModifiers::NONE); // chat
    sc.key(KeyCode::Char('t'), KeyModifiers::NONE);
    insta::assert_snapshot!("reasoning_collapsed", sc.render(100, 24));
}

#[test]
fn code_block_and_table() {
    let mut sc = Scene::loaded();
    let t = sc.send("How do I split SSE?");
    sc.text(t, CODE, 100);
    sc.done(t, usage(20, 80), None);
    insta::assert_snapshot!(sc.render(120, 36));
}

#[test]
fn failed_turn_shows_the_provider_error() {
    let mut sc = Scene::loaded();
    let t = sc.send("hello");
    let error = ProviderError::Http {
        status: 429,
        message: "Rate limit exceeded: 3 requests per minute".into(),
        code: Some("rate_limit_exceeded".into()),
        body: "{\"error\":{\"message\":\"Rate limit exceeded: 3 requests per minute\"}}".into(),
        retry_after_secs: Some(20),
    };
    let mut ex = Exchange::new(HttpRequest::get("http://x"), 0);
    ex.status = Some(429);
    ex.body =
        Some("{\"error\":{\"message\":\"Rate limit exceeded: 3 requests per minute\"}}".into());
    ex.error = Some(error);
    ex.total_us = Some(80_000);
    update(
        &mut sc.s,
        Msg::Done {
            turn: t,
            result: Ok(Box::new(ex)),
        },
    );
    insta::assert_snapshot!(sc.render(120, 30));
}

#[test]
fn cancelled_turn_keeps_its_text() {
    let mut sc = Scene::loaded();
    let t = sc.send("Tell me a long story");
    sc.text(t, "Once upon a time there was a stream that", 150);
    sc.at(2_000);
    sc.key(KeyCode::Esc, KeyModifiers::NONE);
    sc.at(5_000);
    insta::assert_snapshot!(sc.render(120, 30));
}

#[test]
fn tool_calls_show_as_calls() {
    let mut sc = Scene::loaded();
    let t = sc.send("Weather in Paris?");
    let call = StreamEvent::ToolCallDelta {
        index: 0,
        id: Some("call_1".into()),
        name: Some("get_weather".into()),
        arguments: "{\"city\":".into(),
    };
    sc.event(t, call, 200);
    let more = StreamEvent::ToolCallDelta {
        index: 0,
        id: None,
        name: None,
        arguments: "\"Paris\"}".into(),
    };
    sc.event(t, more, 210);
    sc.done(t, usage(40, 12), None);
    insta::assert_snapshot!(sc.render(100, 24));
}

#[test]
fn cjk_and_emoji_by_display_width() {
    let mut sc = Scene::loaded();
    let t = sc.send("用中文解释流式传输 🚀");
    sc.text(
        t,
        "流式传输把答案按词元逐个发送，第一个字几乎立刻出现。😀 表情也占两列。",
        100,
    );
    sc.done(t, usage(15, 40), None);
    insta::assert_snapshot!("cjk_60", sc.render(60, 24));
    insta::assert_snapshot!("cjk_20", sc.render(20, 16));
}

#[test]
fn narrow_20_columns() {
    let mut sc = Scene::loaded();
    let t = sc.send("Why stream tokens?");
    sc.text(t, ANSWER, 100);
    sc.done(t, usage(12, 40), None);
    insta::assert_snapshot!("narrow_20x24_composer", sc.render(20, 24));
    sc.key(KeyCode::Char('1'), KeyModifiers::ALT);
    insta::assert_snapshot!("narrow_20x24_catalog", sc.render(20, 24));
    sc.key(KeyCode::Char('4'), KeyModifiers::ALT);
    insta::assert_snapshot!("narrow_20x24_meter", sc.render(20, 24));
    sc.key(KeyCode::Char('5'), KeyModifiers::ALT);
    insta::assert_snapshot!("narrow_20x10_inspector", sc.render(20, 10));
}

#[test]
fn wide_200_columns_with_a_conversation() {
    let mut sc = Scene::loaded();
    let t = sc.send("Why stream tokens?");
    sc.text(t, ANSWER, 100);
    sc.done(t, usage(12, 40), None);
    let t = sc.send("And the cost?");
    sc.text(t, CODE, 100);
    sc.at(600);
    insta::assert_snapshot!(sc.render(200, 50));
}

#[test]
fn help_overlay_lists_the_focused_pane_and_global_keys() {
    let mut sc = Scene::loaded();
    sc.s.log_path = Some("/home/u/.local/state/switchboard/switchboard.log".into());
    sc.key(KeyCode::F(1), KeyModifiers::NONE);
    insta::assert_snapshot!(sc.render(110, 50));
}

#[test]
fn inspector_full_width() {
    let mut sc = Scene::loaded();
    let t = sc.send("hi");
    sc.text(t, "Hello there, how can I help?", 100);
    sc.done(t, usage(5, 8), None);
    sc.key(KeyCode::F(5), KeyModifiers::NONE);
    insta::assert_snapshot!(sc.render(140, 40));
}

#[test]
fn no_size_panics_and_no_color_means_no_colour() {
    let mut sc = Scene::loaded();
    let t = sc.send("用中文 and **markdown**");
    sc.text(t, CODE, 100);
    for (w, h) in [
        (1, 1),
        (2, 2),
        (3, 3),
        (5, 40),
        (20, 10),
        (20, 3),
        (41, 7),
        (64, 12),
        (300, 100),
        (300, 2),
    ] {
        sc.render(w, h);
        sc.key(KeyCode::F(1), KeyModifiers::NONE);
        sc.render(w, h);
        sc.key(KeyCode::Esc, KeyModifiers::NONE);
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    draw(&mut terminal, &mut sc.s, &Look::new(Theme::monochrome())).unwrap();
    let coloured = terminal
        .backend()
        .buffer()
        .content
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(coloured, 0);
}

#[test]
fn a_retry_wait_counts_down_in_the_status_line() {
    let mut sc = Scene::loaded();
    let turn = sc.send("hello");
    let now = sc.s.now;
    update(
        &mut sc.s,
        Msg::Retrying {
            turn,
            attempt: 1,
            wait: Duration::from_secs(3),
            reason: "HTTP 429 Too Many Requests".into(),
        },
    );
    let screen = sc.render(120, 30);
    assert!(screen.contains("sending again in 3 s"), "{screen}");
    assert!(screen.contains("attempt 1 failed (HTTP 429"), "{screen}");
    sc.s.now = now + Duration::from_millis(1500);
    let screen = sc.render(120, 30);
    assert!(screen.contains("sending again in 2 s"), "{screen}");
    sc.s.now = now + Duration::from_secs(4);
    let screen = sc.render(120, 30);
    assert!(!screen.contains("sending again"), "{screen}");
}
