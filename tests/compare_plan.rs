//! Lanes that differ by more than their model: `/lanes KEY=V1,V2` and
//! `/lanes protocol=P1,P2` in the composer expand the marked models (or the current one)
//! into lanes exactly as the headless `--param` and `--protocol` do; each lane's header
//! says what sets it apart, and each lane's request carries its own parameters and goes
//! over its own protocol (checked against the demo server).

mod tui_support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use switchboard::compare::{LaneSpec, expand, parse_param, run_all};
use switchboard::config::Config;
use switchboard::llm::chat::{ChatRequest, Role};
use switchboard::llm::protocol::Protocol;
use switchboard::llm::provider::ModelRef;
use switchboard::tui::app::draw;
use switchboard::tui::compare::planned_lanes;
use switchboard::tui::effect::Effect;
use switchboard::tui::state::{Pane, State};
use switchboard::tui::theme::Theme;
use switchboard::tui::ui::Look;
use switchboard::workbench::Workbench;
use tokio_util::sync::CancellationToken;
use tui_support::*;

fn render(s: &mut State, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    draw(&mut terminal, s, &Look::new(Theme::dark())).unwrap();
    terminal.backend().to_string()
}

fn m(s: &str) -> ModelRef {
    ModelRef::parse(s).unwrap()
}

/// Types `text` in the composer and presses Enter; returns the effects.
fn enter(s: &mut State, text: &str) -> Vec<Effect> {
    s.focus = Pane::Composer;
    type_text(s, text);
    key(s, KeyCode::Enter, KeyModifiers::NONE)
}

/// The lanes a send started: each lane's spec and request.
fn sent(effects: Vec<Effect>) -> Vec<(LaneSpec, ChatRequest)> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::SendLane { spec, chat, .. } => Some((*spec, *chat)),
            _ => None,
        })
        .collect()
}

fn notice(s: &State) -> String {
    s.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

#[test]
fn lanes_command_expands_the_marked_models_like_the_headless_param() {
    let mut s = state();
    s.catalog.marked = vec![m("demo/demo-fast"), m("demo/demo-coder")];
    assert!(enter(&mut s, "/lanes temperature=0,1").is_empty());
    assert!(s.composer.is_empty(), "a command is not a prompt");
    let n = notice(&s);
    assert!(n.contains("the next prompt goes to 4 lanes"), "{n}");
    assert!(n.contains("demo/demo-coder · temperature=1"), "{n}");
    // The very expansion `switchboard compare -m .. -m .. --param temperature=0,1` makes.
    let headless = expand(
        &s.catalog.marked,
        &[parse_param("temperature=0,1").unwrap()],
        &[],
    );
    assert_eq!(planned_lanes(&s).unwrap(), headless);

    let lanes = sent(enter(&mut s, "Name a colour"));
    assert_eq!(lanes.len(), 4);
    let labels: Vec<String> = lanes.iter().map(|(l, _)| l.label()).collect();
    assert_eq!(
        labels,
        [
            "demo/demo-fast · temperature=0",
            "demo/demo-fast · temperature=1",
            "demo/demo-coder · temperature=0",
            "demo/demo-coder · temperature=1",
        ]
    );
    // Each lane's request gets its own temperature when the task applies its spec.
    for ((spec, chat), want) in lanes.iter().zip([0.0, 1.0, 0.0, 1.0]) {
        let applied = spec.apply(chat).unwrap();
        assert_eq!(applied.params.temperature, Some(want), "{}", spec.label());
        assert_eq!(applied.model, spec.model.model);
    }
    // The lane headers say what sets each lane apart.
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(c.name(1), "B demo/demo-fast · temperature=1");
    // Marks and plan were this comparison's: the next prompt is a follow-up.
    assert!(s.catalog.marked.is_empty() && s.compare.plan.is_empty());
    assert!(planned_lanes(&s).is_none());
}

#[test]
fn a_plan_without_marks_compares_the_current_model_and_protocols_multiply() {
    let mut s = state();
    enter(&mut s, "/lanes protocol=openai-chat,anthropic");
    enter(&mut s, "/lanes system=Be terse.,Be thorough.");
    let n = notice(&s);
    assert!(n.contains("the next prompt goes to 4 lanes"), "{n}");
    let lanes = sent(enter(&mut s, "hi"));
    let got: Vec<(Option<Protocol>, String)> = lanes
        .iter()
        .map(|(spec, chat)| {
            let applied = spec.apply(chat).unwrap();
            let system = applied.messages[0].clone();
            assert_eq!(system.role, Role::System);
            (spec.protocol, system.joined_text())
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some(Protocol::OpenAiChat), "Be terse.".to_string()),
            (Some(Protocol::Anthropic), "Be terse.".to_string()),
            (Some(Protocol::OpenAiChat), "Be thorough.".to_string()),
            (Some(Protocol::Anthropic), "Be thorough.".to_string()),
        ]
    );
    assert!(lanes.iter().all(|(l, _)| l.model == m("demo/demo-fast")));
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(c.name(1), "B demo/demo-fast · system=Be terse. · anthropic");
}

#[test]
fn bad_values_are_refused_off_clears_and_too_many_lanes_are_not_sent() {
    let mut s = state();
    for bad in [
        "/lanes temperature=hot",
        "/lanes reasoning_effort=extreme",
        "/lanes max_tokens=-3",
        "/lanes protocol=smtp",
        "/lanes temperature",
    ] {
        enter(&mut s, bad);
        let n = s.notice.clone().unwrap();
        assert!(n.error, "{bad}: {n:?}");
        assert!(s.compare.plan.is_empty(), "{bad} changed the plan");
    }
    enter(&mut s, "/lanes reasoning_effort=low,high");
    assert_eq!(
        s.compare.plan.params[0].1,
        vec![json!("low"), json!("high")]
    );
    // Setting a key again replaces its values.
    enter(&mut s, "/lanes reasoning_effort=medium,high");
    assert_eq!(s.compare.plan.params.len(), 1);
    assert_eq!(
        s.compare.plan.params[0].1,
        vec![json!("medium"), json!("high")]
    );
    enter(&mut s, "/lanes off");
    assert!(s.compare.plan.is_empty());
    // With nothing planned and nothing marked, the prompt is an ordinary turn.
    let effects = enter(&mut s, "hello");
    assert!(
        matches!(effects.as_slice(), [Effect::Send { .. }]),
        "{effects:?}"
    );

    // 3 models × 3 temperatures: 9 lanes, one more than a comparison takes.
    let mut s = state();
    s.catalog.marked = vec![
        m("demo/demo-fast"),
        m("demo/demo-coder"),
        m("demo/demo-flagship"),
    ];
    enter(&mut s, "/lanes temperature=0,0.5,1");
    assert!(s.notice.as_ref().unwrap().error);
    let effects = enter(&mut s, "too many");
    assert!(effects.is_empty());
    assert_eq!(s.composer.text(), "too many", "the prompt is kept");
    assert!(notice(&s).contains("9 lanes planned"), "{}", notice(&s));
}

/// The lanes the UI planned, run on the demo server: every request carries its lane's
/// temperature, and each protocol lane went to its own endpoint.
#[tokio::test]
async fn each_lane_request_carries_its_params_over_its_protocol() {
    let mut s = state();
    enter(&mut s, "/lanes temperature=0.2,0.9");
    enter(&mut s, "/lanes protocol=openai-chat,anthropic");
    let lanes = sent(enter(&mut s, "Say hi"));
    assert_eq!(lanes.len(), 4);
    let bench = Workbench::new(Config::default()).unwrap();
    let specs: Vec<LaneSpec> = lanes.iter().map(|(l, _)| l.clone()).collect();
    let chats: Vec<ChatRequest> = lanes.iter().map(|(_, c)| c.clone()).collect();
    let cancels: Vec<_> = specs.iter().map(|_| CancellationToken::new()).collect();
    let run = run_all(&bench, &specs, &chats, &cancels, &|_, _| {});
    let outcomes = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the lanes ended within 60 s");
    let want = [
        (0.2, "/v1/chat/completions"),
        (0.2, "/v1/messages"),
        (0.9, "/v1/chat/completions"),
        (0.9, "/v1/messages"),
    ];
    for ((o, spec), (temp, path)) in outcomes.iter().zip(&specs).zip(want) {
        let ex = o.exchange.as_ref().expect("a request went out");
        assert!(o.error().is_none(), "{}: {:?}", spec.label(), o.error());
        assert_eq!(o.protocol, spec.protocol);
        let body = ex.request.body.as_ref().unwrap();
        assert_eq!(body["temperature"], json!(temp), "{}", spec.label());
        assert!(ex.request.url.ends_with(path), "{}", ex.request.url);
        assert!(!o.answer.is_empty());
    }
}

/// Before sending, the meter lists the planned lanes (what varies first); after, each
/// lane's header keeps what sets it apart even when the lane is too narrow for its full
/// name.
#[test]
fn the_meter_and_narrow_lane_headers_show_what_sets_lanes_apart() {
    let mut s = state();
    s.catalog.marked = vec![m("demo/demo-fast"), m("demo/demo-flagship")];
    enter(&mut s, "/lanes reasoning_effort=low,high");
    s.focus = Pane::Composer;
    type_text(&mut s, "Why?");
    let before = render(&mut s, 120, 40);
    assert!(before.contains("Compare · 4 lanes"), "{before}");
    assert!(before.contains("D reasoning_effort=hi"), "{before}");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    // At 120 columns two lanes are shown at a time, at 240 all four; the summary table
    // lists all four either way.
    let narrow = render(&mut s, 120, 40);
    let wide = render(&mut s, 240, 40);
    for (letter, effort, model) in [
        ("A", "low", "fast"),
        ("B", "high", "fast"),
        ("C", "low", "flagship"),
        ("D", "high", "flagship"),
    ] {
        // Wide: the table row names the lane in full, its column header too (the
        // provider left out where the column is narrower).
        let row = format!("│ {letter} demo/demo-{model} · reasoning_effort={effort} ");
        assert!(wide.contains(&row), "{row} in:\n{wide}");
        let name = format!("demo-{model} · reasoning_effort={effort} ");
        assert!(wide.matches(&name).count() >= 2, "{name} in:\n{wide}");
        // Narrow: the table row keeps the value, the column header the setting.
        let row = format!("│ {letter} {effort} · demo-");
        assert!(narrow.contains(&row), "{row} in:\n{narrow}");
        if letter < "C" {
            let header = format!(" {letter} reasoning_effort={effort}");
            assert!(narrow.contains(&header), "{header} in:\n{narrow}");
        }
    }
    // Wide enough, the full name is shown as it is.
    let c = s.compare.active.as_ref().unwrap();
    assert_eq!(
        c.name_within(3, 80),
        "D demo/demo-flagship · reasoning_effort=high"
    );
    assert_eq!(
        c.name_within(3, 30),
        "D reasoning_effort=high · demo-flagship"
    );
    assert_eq!(
        c.name_within(3, 40),
        "D demo-flagship · reasoning_effort=high"
    );
    assert_eq!(c.name_within(3, 18), "D high · demo-flagship");
}
