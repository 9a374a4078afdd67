//! Frame time at 200x50 with about 1 MB of markdown already in the conversation while a
//! new turn streams: push a few tokens, draw on a `TestBackend`, time each frame.
//! Target: under 4 ms per frame. Run: `cargo bench --bench frame`.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::provider::ModelRef;
use switchboard::tui::app::draw;
use switchboard::tui::effect::Effect;
use switchboard::tui::keymap::Keymap;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::state::State;
use switchboard::tui::theme::Theme;
use switchboard::tui::ui::Look;
use switchboard::tui::update::update;

const WORDS: [&str; 16] = [
    "stream", "token", "latency", "the", "model", "answers", "with", "a", "frame", "per", "event",
    "and", "cost", "is", "exact", "decimal",
];

/// About `bytes` of varied markdown: headings, paragraphs, lists, a table, code.
fn markdown(seed: usize, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 512);
    let mut i = seed;
    let mut word = || {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        WORDS[(i >> 33) % WORDS.len()]
    };
    let mut section = 0;
    while out.len() < bytes {
        section += 1;
        out.push_str(&format!("## Section {section}\n\n"));
        for _ in 0..3 {
            for k in 0..60 {
                out.push_str(word());
                out.push_str(if k % 13 == 12 { ". " } else { " " });
            }
            out.push_str("with **bold**, *emphasis* and `code`.\n\n");
        }
        for k in 0..4 {
            out.push_str(&format!("- item {k}: {} {} {}\n", word(), word(), word()));
        }
        out.push_str("\n| name | value |\n|---|---|\n| tokens | 42 |\n| cost | $0.01 |\n\n");
        out.push_str("```rust\nfn main() {\n    let x = 42;\n    println!(\"{x}\");\n}\n```\n\n");
    }
    out
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn start_turn(s: &mut State, prompt: &str) -> TurnId {
    for c in prompt.chars() {
        key(s, KeyCode::Char(c));
    }
    match key(s, KeyCode::Enter).first() {
        Some(Effect::Send { turn, .. }) => *turn,
        _ => panic!("no turn started"),
    }
}

fn stream(s: &mut State, turn: TurnId, text: &str, at_us: u64) {
    let frame = Frame {
        offset_us: at_us,
        event: None,
        data: format!("{{\"choices\":[{{\"delta\":{{\"content\":{text:?}}}}}]}}"),
    };
    update(s, Msg::Frame { turn, frame });
    update(
        s,
        Msg::Text {
            turn,
            text: text.to_string(),
        },
    );
}

fn finish(s: &mut State, turn: TurnId) {
    let ex = Exchange::new(HttpRequest::get("http://127.0.0.1/v1/chat/completions"), 0);
    update(
        s,
        Msg::Done {
            turn,
            result: Ok(Box::new(ex)),
        },
    );
}

fn stats(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let n = times.len();
    let total: Duration = times.iter().sum();
    let pct = |p: usize| times[(n * p / 100).min(n - 1)];
    println!(
        "{name:<44} frames {n:>5}  mean {:>7.3} ms  p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        total.as_secs_f64() * 1e3 / n as f64,
        pct(50).as_secs_f64() * 1e3,
        pct(99).as_secs_f64() * 1e3,
        times[n - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let model = ModelRef::parse("demo/demo-coder").unwrap_or_else(|e| panic!("{e}"));
    let keymap = Keymap::builtin().unwrap_or_else(|e| panic!("{e}"));
    let mut s = State::new(model, &["demo".into()], keymap, Instant::now());
    let look = Look::new(Theme::dark());
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap_or_else(|e| panic!("{e}"));

    // ~1 MB of finished markdown in 50 turns.
    let mut bytes = 0;
    for k in 0..50 {
        let t = start_turn(&mut s, &format!("question {k}"));
        let text = markdown(k, 20_000);
        bytes += text.len();
        stream(&mut s, t, &text, 1000);
        finish(&mut s, t);
    }
    let cold = Instant::now();
    draw(&mut terminal, &mut s, &look).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "first frame with {:.2} MB of markdown in {} turns (lays out all of it once): {:.1} ms",
        bytes as f64 / 1e6,
        s.chat.turns.len(),
        cold.elapsed().as_secs_f64() * 1e3
    );

    // A resize lays every turn out again at the new width (parsed rows are kept).
    for (w, h) in [(160, 50), (200, 50)] {
        terminal.backend_mut().resize(w, h);
        let start = Instant::now();
        draw(&mut terminal, &mut s, &look).unwrap_or_else(|e| panic!("{e}"));
        println!(
            "resize to {w}x{h} (re-wraps all 1 MB): {:.1} ms",
            start.elapsed().as_secs_f64() * 1e3
        );
    }

    // A new turn streams: a few tokens per frame, as a fast provider coalesced at 60 fps.
    let t = start_turn(&mut s, "and now a long answer");
    let answer = markdown(999, 60_000);
    let tokens: Vec<&str> = answer.split_inclusive(' ').collect();
    let mut times = Vec::new();
    let mut at = 0;
    for (i, chunk) in tokens.chunks(8).enumerate() {
        for tok in chunk {
            stream(&mut s, t, tok, 1000 + i as u64);
        }
        let start = Instant::now();
        draw(&mut terminal, &mut s, &look).unwrap_or_else(|e| panic!("{e}"));
        times.push(start.elapsed());
        at += chunk.len();
    }
    stats("streaming, following the bottom, 8 tok/frame", times);
    println!("  ({at} tokens, {} KB streamed)", answer.len() / 1000);

    // The same while the user has scrolled up into the old turns: the view holds still.
    for _ in 0..200 {
        key(&mut s, KeyCode::PageUp);
    }
    let t2 = {
        finish(&mut s, t);
        start_turn(&mut s, "another")
    };
    for _ in 0..200 {
        update(
            &mut s,
            Msg::Action(switchboard::tui::action::Action::PageUp),
        );
    }
    let mut times = Vec::new();
    for (i, chunk) in tokens.chunks(8).take(1000).enumerate() {
        for tok in chunk {
            stream(&mut s, t2, tok, 1000 + i as u64);
        }
        let start = Instant::now();
        draw(&mut terminal, &mut s, &look).unwrap_or_else(|e| panic!("{e}"));
        times.push(start.elapsed());
    }
    stats("streaming, scrolled up (view held), 8 tok/frame", times);

    // Idle redraws (a tick) with nothing new.
    let mut times = Vec::new();
    for _ in 0..500 {
        update(&mut s, Msg::Tick);
        let start = Instant::now();
        draw(&mut terminal, &mut s, &look).unwrap_or_else(|e| panic!("{e}"));
        times.push(start.elapsed());
    }
    stats("tick redraw, nothing new", times);
}
