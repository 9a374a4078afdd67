//! Snapshots of the comparison view: 2, 3 and 8 lanes at 120 and 240 columns with the live
//! summary table (lanes done, streaming, waiting and failed), a follow-up round, the word
//! diff of two lanes, blind mode, and narrow sizes that must not panic.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use switchboard::llm::catalog::ModelInfo;
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::StopReason;
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::money::{Currency, Price};
use switchboard::llm::provider::ModelRef;
use switchboard::llm::usage::Usage;
use switchboard::tui::action::Action;
use switchboard::tui::app::draw;
use switchboard::tui::effect::Effect;
use switchboard::tui::keymap::Keymap;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::state::{Pane, State};
use switchboard::tui::theme::Theme;
use switchboard::tui::ui::Look;
use switchboard::tui::update::update;

const EIGHT: [&str; 8] = [
    "demo/demo-fast",
    "demo/demo-flagship",
    "demo/demo-reasoner",
    "demo/demo-coder",
    "demo/demo-fast+tokens=50",
    "demo/demo-coder+echo",
    "demo/demo-flagship+drop",
    "demo/demo-reasoner+trickle",
];

const ANSWERS: [&str; 4] = [
    "Rayleigh scattering: shorter blue wavelengths scatter more in the air, so the sky looks blue.",
    "The sky is blue because molecules in the atmosphere scatter blue light more than red light.",
    "Short answer: scattering. Blue light is scattered about five times more than red light.",
    "Sunlight hits gas molecules; blue scatters most, which is why we see a blue sky by day.",
];

struct Scene {
    s: State,
    t0: Instant,
    lanes: Vec<TurnId>,
}

fn price(i: i64, o: i64) -> Option<Price> {
    Some(Price::per_mtok(
        Currency::Usd,
        Decimal::new(i, 2),
        Decimal::new(o, 2),
    ))
}

impl Scene {
    fn new(models: &[&str], prompt: &str) -> Scene {
        let t0 = Instant::now();
        let mut s = State::new(
            ModelRef::parse("demo/demo-fast").unwrap(),
            &["demo".into()],
            Keymap::builtin().unwrap(),
            t0,
        );
        let info = |id: &str, p| ModelInfo {
            provider: "demo".into(),
            id: id.into(),
            context_window: Some(128_000),
            max_output: Some(8192),
            price: p,
            ..ModelInfo::default()
        };
        update(
            &mut s,
            Msg::Models {
                provider: "demo".into(),
                result: Ok(vec![
                    info("demo-fast", price(10, 40)),
                    info("demo-flagship", price(500, 2500)),
                    info("demo-reasoner", price(110, 440)),
                    info("demo-coder", price(30, 120)),
                ]),
            },
        );
        s.catalog.marked = models.iter().map(|m| ModelRef::parse(m).unwrap()).collect();
        let mut sc = Scene {
            s,
            t0,
            lanes: Vec::new(),
        };
        sc.lanes = sc.send(prompt);
        sc
    }

    fn send(&mut self, prompt: &str) -> Vec<TurnId> {
        self.s.focus = Pane::Composer;
        self.s.composer.set_text(prompt);
        update(&mut self.s, Msg::Action(Action::Send))
            .into_iter()
            .map(|e| match e {
                Effect::SendLane { turn, .. } => turn,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn at(&mut self, ms: u64) {
        self.s.now = self.t0 + Duration::from_millis(ms);
    }

    fn text(&mut self, turn: TurnId, text: &str, at_ms: u64) {
        for (i, piece) in text.split_inclusive(' ').enumerate() {
            let at = (at_ms + i as u64 * 5) * 1000;
            let frame = Frame {
                offset_us: at,
                event: None,
                data: "{}".into(),
            };
            update(&mut self.s, Msg::Frame { turn, frame });
            update(
                &mut self.s,
                Msg::Text {
                    turn,
                    text: piece.into(),
                },
            );
        }
    }

    fn done(&mut self, turn: TurnId, out: u64, ttft_ms: u64, total_ms: u64) {
        let mut ex = Exchange::new(
            HttpRequest::get("http://127.0.0.1:8080/v1/chat/completions"),
            0,
        );
        ex.status = Some(200);
        ex.ttft_us = Some(ttft_ms * 1000);
        ex.total_us = Some(total_ms * 1000);
        ex.stop_reason = Some(StopReason::Stop);
        ex.usage = Some(Usage {
            input: 14,
            output: out,
            ..Usage::default()
        });
        update(
            &mut self.s,
            Msg::Done {
                turn,
                result: Ok(Box::new(ex)),
            },
        );
    }

    fn fail(&mut self, turn: TurnId) {
        let mut ex = Exchange::new(
            HttpRequest::get("http://127.0.0.1:8080/v1/chat/completions"),
            0,
        );
        ex.status = Some(500);
        ex.total_us = Some(8_000);
        ex.error = Some(ProviderError::Http {
            status: 500,
            message: "The server had an error while processing your request (demo fault 500)."
                .into(),
            code: None,
            body: String::new(),
            retry_after_secs: None,
        });
        update(
            &mut self.s,
            Msg::Done {
                turn,
                result: Ok(Box::new(ex)),
            },
        );
    }

    /// Every lane answers; lane k finishes after `(k + 1) * 400` ms, except those left
    /// streaming or waiting by `running` and `waiting`.
    fn play(&mut self, running: &[usize], waiting: &[usize], failed: &[usize]) {
        let lanes = self.lanes.clone();
        for (k, t) in lanes.iter().enumerate() {
            let k64 = k as u64;
            if waiting.contains(&k) {
                continue;
            }
            if failed.contains(&k) {
                self.fail(*t);
                continue;
            }
            self.text(*t, ANSWERS[k % ANSWERS.len()], 20 + k64 * 30);
            if !running.contains(&k) {
                self.done(*t, 20 + k64, 20 + k64 * 30, (k64 + 1) * 400);
            }
        }
        self.at(1_500);
    }

    fn render(&mut self, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        draw(&mut terminal, &mut self.s, &Look::new(Theme::dark())).unwrap();
        terminal.backend().to_string()
    }
}

#[test]
fn two_lanes_done() {
    let mut sc = Scene::new(&EIGHT[..2], "Why is the sky blue?");
    sc.play(&[], &[], &[]);
    insta::assert_snapshot!("two_lanes_120", sc.render(120, 36));
    insta::assert_snapshot!("two_lanes_240", sc.render(240, 40));
}

#[test]
fn three_lanes_one_streaming_one_failed() {
    let mut sc = Scene::new(&EIGHT[..3], "Why is the sky blue?");
    sc.play(&[1], &[], &[2]);
    insta::assert_snapshot!("three_lanes_120", sc.render(120, 36));
    insta::assert_snapshot!("three_lanes_240", sc.render(240, 40));
}

#[test]
fn eight_lanes_stack_or_scroll() {
    let mut sc = Scene::new(&EIGHT, "Why is the sky blue?");
    sc.play(&[3, 5], &[7], &[6]);
    insta::assert_snapshot!("eight_lanes_120", sc.render(120, 40));
    insta::assert_snapshot!("eight_lanes_240", sc.render(240, 50));
    // The focus moves the window of lanes along.
    sc.s.focus = Pane::Chat;
    for _ in 0..7 {
        update(&mut sc.s, Msg::Action(Action::LaneNext));
    }
    insta::assert_snapshot!("eight_lanes_120_last_focused", sc.render(120, 40));
}

#[test]
fn diff_of_two_lanes() {
    let mut sc = Scene::new(&EIGHT[..3], "Why is the sky blue?");
    sc.play(&[], &[], &[]);
    sc.s.focus = Pane::Chat;
    update(&mut sc.s, Msg::Action(Action::DiffLanes));
    update(&mut sc.s, Msg::Action(Action::LaneNext));
    update(&mut sc.s, Msg::Action(Action::DiffLanes));
    insta::assert_snapshot!("diff_120", sc.render(120, 36));
}

#[test]
fn a_follow_up_round_and_a_verdict() {
    let mut sc = Scene::new(&EIGHT[..2], "Why is the sky blue?");
    sc.play(&[], &[], &[]);
    sc.lanes = sc.send("And at sunset?");
    sc.play(&[], &[], &[]);
    sc.s.focus = Pane::Chat;
    update(&mut sc.s, Msg::Action(Action::MarkBest));
    insta::assert_snapshot!("follow_up_verdict_120", sc.render(120, 36));
}

#[test]
fn blind_lanes_and_the_estimate_before_sending() {
    let mut sc = Scene::new(&EIGHT[..3], "Why is the sky blue?");
    sc.s.compare.active.as_mut().unwrap().blind = true;
    sc.play(&[], &[], &[]);
    let screen = sc.render(160, 36);
    // Only the catalog names the models; the lanes and the table do not.
    assert_eq!(screen.matches("demo-flagship").count(), 1, "{screen}");
    assert!(screen.contains("Lane A"), "{screen}");
    insta::assert_snapshot!("blind_160", screen);
    // Before a follow-up, the meter estimates the cost across every lane.
    sc.s.composer.set_text("And at sunset?");
    let screen = sc.render(160, 36);
    assert!(screen.contains("Compare · 3 lanes"), "{screen}");
    assert!(screen.contains("at most"), "{screen}");
}

#[test]
fn narrow_and_tiny_sizes_do_not_panic() {
    let mut sc = Scene::new(&EIGHT, "Why is the sky blue? 空はなぜ青い 🌈");
    sc.play(&[1], &[2], &[3]);
    for (w, h) in [(20, 10), (30, 8), (48, 12), (1, 1), (80, 3), (200, 5)] {
        sc.render(w, h);
    }
    let screen = sc.render(20, 12);
    assert!(screen.lines().all(|l| l.chars().count() <= 22), "{screen}");
}
