//! The inspector as a debugger, through `update`: the timeline (raw and decoded, with a
//! stall and rate-limit headers) and search results as snapshots; copy, save (never
//! overwriting unasked), edit and resend (invalid JSON refused with its position),
//! resend unchanged, JSON-path queries, trace export and replay, as message flows.

use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::provider::ModelRef;
use switchboard::llm::usage::Usage;
use switchboard::trace::{Trace, TraceHeader};
use switchboard::tui::app::draw;
use switchboard::tui::debug::content::Content;
use switchboard::tui::debug::run::DebugEffect;
use switchboard::tui::debug::{DebugMsg, EditPurpose, Modal, View};
use switchboard::tui::effect::Effect;
use switchboard::tui::keymap::Keymap;
use switchboard::tui::msg::{Msg, TurnId};
use switchboard::tui::state::{Pane, State};
use switchboard::tui::theme::Theme;
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::ui::Look;
use switchboard::tui::update::update;

fn state() -> State {
    let model = ModelRef::parse("demo/demo-fast").unwrap();
    let mut s = State::new(model, &[], Keymap::builtin().unwrap(), Instant::now());
    s.show.catalog = false;
    s.show.meter = false;
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    let mods = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    update(s, Msg::Key(KeyEvent::new(code, mods)))
}

fn ctrl(s: &mut State, c: char) -> Vec<Effect> {
    update(
        s,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn keys(s: &mut State, text: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(key(s, KeyCode::Char(c)));
    }
    out
}

fn frame(s: &mut State, turn: TurnId, at_ms: u64, event: StreamEvent) {
    let data = match &event {
        StreamEvent::TextDelta { text } => {
            json!({"choices": [{"index": 0, "delta": {"content": text}}]}).to_string()
        }
        StreamEvent::Usage { usage } => {
            json!({"choices": [], "usage": {"prompt_tokens": usage.input, "completion_tokens": usage.output}})
                .to_string()
        }
        other => serde_json::to_string(other).unwrap(),
    };
    let f = Frame {
        offset_us: at_ms * 1000,
        event: None,
        data,
    };
    update(s, Msg::Frame { turn, frame: f });
    let msg = match event {
        StreamEvent::TextDelta { text } => Msg::Text { turn, text },
        other => Msg::Stream {
            turn,
            event: Box::new(other),
        },
    };
    update(s, msg);
}

const BODY: &str =
    r#"{"model":"demo-fast","messages":[{"role":"user","content":"hello world"}],"stream":true}"#;

/// One finished exchange: 6 text frames, the 4th after a 700 ms stall, then usage, with
/// OpenAI rate-limit headers.
fn scene() -> (State, TurnId) {
    let mut s = state();
    keys(&mut s, "hello world");
    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::Send { turn, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    let turn = *turn;
    let mut req = HttpRequest::post_json(
        "http://127.0.0.1:8080/v1/chat/completions",
        serde_json::from_str(BODY).unwrap(),
    );
    req.secret_header("Authorization", "Bearer sk-fake-0123456789abcdefghijklmnop");
    update(
        &mut s,
        Msg::Trace {
            turn,
            request: Box::new(req.redacted()),
        },
    );
    let headers = vec![
        ("content-type".to_string(), "text/event-stream".to_string()),
        ("x-ratelimit-limit-requests".into(), "60".into()),
        ("x-ratelimit-remaining-requests".into(), "59".into()),
        ("x-ratelimit-reset-requests".into(), "1s".into()),
        ("x-ratelimit-limit-tokens".into(), "150000".into()),
        ("x-ratelimit-remaining-tokens".into(), "149950".into()),
        ("x-ratelimit-reset-tokens".into(), "6m0s".into()),
    ];
    update(
        &mut s,
        Msg::Response {
            turn,
            status: 200,
            headers,
        },
    );
    let pieces = [
        (100, "Hello"),
        (130, " world"),
        (160, ", here"),
        (860, " is"),
        (890, " code:\n```sh\nls\n```"),
        (920, "\nBye"),
    ];
    for (at, text) in pieces {
        frame(
            &mut s,
            turn,
            at,
            StreamEvent::TextDelta { text: text.into() },
        );
    }
    let usage = Usage {
        input: 5,
        output: 6,
        ..Usage::default()
    };
    frame(
        &mut s,
        turn,
        950,
        StreamEvent::Usage {
            usage: usage.clone(),
        },
    );
    let mut ex = Exchange::new(req.redacted(), 0);
    ex.status = Some(200);
    ex.ttfb_us = Some(80_000);
    ex.ttft_us = Some(100_000);
    ex.total_us = Some(960_000);
    ex.usage = Some(usage);
    ex.stop_reason = Some(StopReason::Stop);
    update(
        &mut s,
        Msg::Done {
            turn,
            result: Ok(Box::new(ex)),
        },
    );
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('5'), KeyModifiers::ALT)),
    );
    assert_eq!(s.focus, Pane::Inspector);
    (s, turn)
}

fn render(s: &mut State, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    draw(&mut terminal, s, &Look::new(Theme::dark())).unwrap();
    terminal.backend().to_string()
}

fn debug_effects(effects: Vec<Effect>) -> Vec<DebugEffect> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Debug(d) => Some(*d),
            _ => None,
        })
        .collect()
}

#[test]
fn timeline_decoded_and_raw() {
    let (mut s, _) = scene();
    s.show.zoom = true;
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(s.inspector.debug.view, View::Timeline);
    let decoded = render(&mut s, 110, 40);
    assert!(decoded.contains("stalls 1"), "{decoded}");
    assert!(decoded.contains("requests 59/60 left"), "{decoded}");
    insta::assert_snapshot!("timeline_decoded", decoded);
    key(&mut s, KeyCode::Char('d'));
    assert!(s.inspector.debug.raw);
    let raw = render(&mut s, 110, 40);
    assert!(
        raw.contains(r#"{"choices":[{"index":0,"delta":{"content":" is"}}]}"#),
        "{raw}"
    );
    insta::assert_snapshot!("timeline_raw", raw);
    // Narrow: nothing panics, rows are cut.
    render(&mut s, 20, 12);
}

#[test]
fn the_stall_is_the_frame_after_the_gap() {
    let (mut s, _) = scene();
    key(&mut s, KeyCode::Char('t'));
    render(&mut s, 100, 40);
    let tl = &s.inspector.debug.timeline;
    let stalls: Vec<u64> = tl
        .frames
        .iter()
        .filter(|f| f.stall)
        .map(|f| f.offset_us / 1000)
        .collect();
    assert_eq!(stalls, vec![860]);
    assert_eq!(tl.first_byte_us, Some(80_000));
    assert_eq!(tl.last_token_us, Some(920_000));
}

#[test]
fn search_highlights_and_moves_through_matches() {
    let (mut s, _) = scene();
    s.show.zoom = true;
    key(&mut s, KeyCode::Char('/'));
    keys(&mut s, "WORLD");
    key(&mut s, KeyCode::Enter);
    let screen = render(&mut s, 100, 40);
    let m = s.inspector.debug.search.matches.clone();
    // The request body, the text frame and its decoded delta.
    assert!(m.len() >= 3, "{m:?}");
    insta::assert_snapshot!("search_results", screen);
    let first = s.inspector.debug.search.at;
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(s.inspector.debug.search.at, (first + 1) % m.len());
    assert_eq!(
        s.inspector.scroll.top,
        m[(first + 1) % m.len()].saturating_sub(2)
    );
    key(&mut s, KeyCode::Char('N'));
    assert_eq!(s.inspector.debug.search.at, first);
    // In the timeline the search filters the frames.
    key(&mut s, KeyCode::Char('t'));
    let screen = render(&mut s, 100, 30);
    assert_eq!(s.inspector.debug.visible.len(), 1, "{screen}");
    insta::assert_snapshot!("timeline_filtered", screen);
    // Esc clears it.
    key(&mut s, KeyCode::Esc);
    render(&mut s, 100, 30);
    assert!(s.inspector.debug.search.query.is_empty());
    assert_eq!(s.inspector.debug.visible.len(), 7);
}

#[test]
fn json_path_query_lists_matches_per_frame() {
    let (mut s, _) = scene();
    key(&mut s, KeyCode::Char('J'));
    let Some(Modal::Prompt { input, .. }) = &s.inspector.debug.modal else {
        panic!("no prompt");
    };
    assert_eq!(input, ".usage", "a useful default");
    key(&mut s, KeyCode::Enter);
    let q = s.inspector.debug.query.clone().unwrap();
    assert_eq!(
        q.lines,
        vec![r#"frame 7 +950 ms: {"prompt_tokens":5,"completion_tokens":6}"#]
    );
    key(&mut s, KeyCode::Char('J'));
    ctrl(&mut s, 'u');
    keys(&mut s, ".choices[0].delta.content");
    key(&mut s, KeyCode::Enter);
    let q = s.inspector.debug.query.clone().unwrap();
    assert_eq!(q.lines.len(), 6);
    assert_eq!(q.lines[1], r#"frame 2 +130 ms: " world""#);
    insta::assert_snapshot!("json_query", render(&mut s, 100, 30));
    render(&mut s, 20, 8);
    key(&mut s, KeyCode::Char('J'));
    ctrl(&mut s, 'u');
    keys(&mut s, ".choices[");
    key(&mut s, KeyCode::Enter);
    let q = s.inspector.debug.query.clone().unwrap();
    assert!(q.error && q.lines[0].starts_with("bad path"), "{q:?}");
    key(&mut s, KeyCode::Esc);
    assert!(s.inspector.debug.query.is_none());
}

#[test]
fn copy_offers_curl_bodies_answer_and_code_blocks() {
    let (mut s, turn) = scene();
    key(&mut s, KeyCode::Char('y'));
    let e = debug_effects(keys(&mut s, "c"));
    match e.as_slice() {
        [
            DebugEffect::Copy {
                label,
                content: Content::Curl { request, provider },
            },
        ] => {
            assert_eq!(label, "the request as curl");
            assert_eq!(provider, "demo");
            assert!(request.url.ends_with("/chat/completions"));
        }
        other => panic!("{other:?}"),
    }
    key(&mut s, KeyCode::Char('y'));
    let e = debug_effects(keys(&mut s, "a"));
    let answer = s.chat.turn(turn).unwrap().answer.text().to_string();
    assert!(
        matches!(e.as_slice(), [DebugEffect::Copy { content: Content::Text(t), .. }] if *t == answer)
    );
    key(&mut s, KeyCode::Char('y'));
    let e = debug_effects(keys(&mut s, "1"));
    assert!(
        matches!(e.as_slice(), [DebugEffect::Copy { content: Content::Text(t), .. }] if t == "ls")
    );
    key(&mut s, KeyCode::Char('y'));
    let e = debug_effects(keys(&mut s, "2"));
    assert!(e.is_empty());
    assert!(
        s.notice.as_ref().unwrap().text.contains("1 code block"),
        "{:?}",
        s.notice
    );
    key(&mut s, KeyCode::Char('y'));
    let e = debug_effects(keys(&mut s, "r"));
    let [
        DebugEffect::Copy {
            content: Content::Text(t),
            ..
        },
    ] = e.as_slice()
    else {
        panic!("{e:?}");
    };
    assert!(t.starts_with("data: {\"choices\""), "{t}");
    assert_eq!(
        t.matches("\n\n").count(),
        7,
        "frames joined as an event stream"
    );
    key(&mut s, KeyCode::Char('y'));
    let e = debug_effects(key(&mut s, KeyCode::Esc));
    assert!(e.is_empty() && s.inspector.debug.modal.is_none());
}

#[test]
fn save_asks_for_a_path_and_never_overwrites_unasked() {
    let (mut s, _) = scene();
    key(&mut s, KeyCode::Char('s'));
    keys(&mut s, "b");
    let Some(Modal::Prompt { input, .. }) = &s.inspector.debug.modal else {
        panic!("no path prompt");
    };
    assert_eq!(input, "switchboard-turn1-request.json");
    let e = debug_effects(key(&mut s, KeyCode::Enter));
    let [
        DebugEffect::Save {
            path,
            content: Content::Text(body),
            overwrite,
            ..
        },
    ] = e.as_slice()
    else {
        panic!("{e:?}");
    };
    assert_eq!(path, &PathBuf::from("switchboard-turn1-request.json"));
    assert!(!overwrite);
    let parsed: Value = serde_json::from_str(body).unwrap();
    assert_eq!(parsed, serde_json::from_str::<Value>(BODY).unwrap());
    // The runner found the file there: the user is asked.
    update(
        &mut s,
        DebugMsg::Exists {
            path: path.clone(),
            label: "the request body".into(),
            content: Content::Text(body.clone()),
        }
        .into(),
    );
    assert!(matches!(
        s.inspector.debug.modal,
        Some(Modal::Overwrite { .. })
    ));
    let none = debug_effects(keys(&mut s, "n"));
    assert!(none.is_empty() && s.inspector.debug.modal.is_none());
    update(
        &mut s,
        DebugMsg::Exists {
            path: path.clone(),
            label: "the request body".into(),
            content: Content::Text(body.clone()),
        }
        .into(),
    );
    let yes = debug_effects(keys(&mut s, "y"));
    assert!(matches!(
        yes.as_slice(),
        [DebugEffect::Save {
            overwrite: true,
            ..
        }]
    ));
}

#[test]
fn the_save_runner_refuses_to_overwrite() {
    let dir = std::env::temp_dir().join(format!("h7-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.txt");
    let _ = std::fs::remove_file(&path);
    switchboard::tui::debug::run::save(&path, "one", false).unwrap();
    let err = switchboard::tui::debug::run::save(&path, "two", false).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
    switchboard::tui::debug::run::save(&path, "two", true).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn edit_and_resend_refuses_invalid_json_and_sends_the_edit() {
    let (mut s, turn) = scene();
    key(&mut s, KeyCode::Char('e'));
    let Some(Modal::Editor(ed)) = &s.inspector.debug.modal else {
        panic!("no editor");
    };
    assert_eq!(ed.turn, turn);
    let text = ed.textarea.lines().join("\n");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        serde_json::from_str::<Value>(BODY).unwrap(),
        "the exact body"
    );
    // A stray character before the object.
    keys(&mut s, "x");
    let e = ctrl(&mut s, 's');
    assert!(e.is_empty(), "nothing is sent: {e:?}");
    let note = s.notice.clone().unwrap();
    assert!(
        note.error && note.text.starts_with("invalid JSON at line 1, column 1"),
        "{note:?}"
    );
    insta::assert_snapshot!("editor_with_error", render(&mut s, 80, 24));
    // Narrow and tiny screens draw without panicking.
    render(&mut s, 20, 10);
    render(&mut s, 9, 5);
    key(&mut s, KeyCode::Backspace);
    let e = debug_effects(ctrl(&mut s, 's'));
    let [
        DebugEffect::Resend {
            turn: new,
            body,
            model,
            ..
        },
    ] = e.as_slice()
    else {
        panic!("{e:?}");
    };
    assert_ne!(*new, turn);
    assert_eq!(model.to_string(), "demo/demo-fast");
    assert_eq!(**body, serde_json::from_str::<Value>(BODY).unwrap());
    assert!(s.chat.turn(*new).unwrap().is_streaming());
    assert!(s.inspector.debug.modal.is_none());
}

#[test]
fn external_editor_results_are_validated_before_sending() {
    let (mut s, turn) = scene();
    let e = debug_effects(key(&mut s, KeyCode::Char('E')));
    let [DebugEffect::Edit { text, purpose }] = e.as_slice() else {
        panic!("{e:?}");
    };
    assert_eq!(*purpose, EditPurpose::RequestBody(turn));
    assert!(e[0].needs_terminal());
    let broken = text.replace("\"stream\": true", "\"stream\": tru,");
    let e = update(
        &mut s,
        DebugMsg::Edited {
            purpose: EditPurpose::RequestBody(turn),
            result: Ok(broken.clone()),
        }
        .into(),
    );
    assert!(e.is_empty());
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .text
            .contains("invalid JSON at line")
    );
    let Some(Modal::Editor(ed)) = &s.inspector.debug.modal else {
        panic!("the text is kept in the editor");
    };
    assert_eq!(ed.textarea.lines().join("\n"), broken);
    key(&mut s, KeyCode::Esc);
    let edited = text.replace("hello world", "goodbye");
    let e = debug_effects(update(
        &mut s,
        DebugMsg::Edited {
            purpose: EditPurpose::RequestBody(turn),
            result: Ok(edited),
        }
        .into(),
    ));
    let [DebugEffect::Resend { body, .. }] = e.as_slice() else {
        panic!("{e:?}");
    };
    assert_eq!(body["messages"][0]["content"], "goodbye");
}

#[test]
fn resend_unchanged_with_one_key() {
    let (mut s, turn) = scene();
    let e = debug_effects(key(&mut s, KeyCode::Char('R')));
    let [
        DebugEffect::Resend {
            turn: new, body, ..
        },
    ] = e.as_slice()
    else {
        panic!("{e:?}");
    };
    assert_eq!(**body, serde_json::from_str::<Value>(BODY).unwrap());
    assert_eq!(s.chat.turns.len(), 2);
    // Not while it streams.
    let e = debug_effects(key(&mut s, KeyCode::Char('R')));
    assert!(e.is_empty());
    assert!(s.chat.turn(*new).unwrap().is_streaming() && *new != turn);
}

#[test]
fn compose_in_the_editor() {
    let mut s = state();
    let e = debug_effects(ctrl(&mut s, 'g'));
    assert!(matches!(
        e.as_slice(),
        [DebugEffect::Edit {
            purpose: EditPurpose::Prompt,
            ..
        }]
    ));
    update(
        &mut s,
        DebugMsg::Edited {
            purpose: EditPurpose::Prompt,
            result: Ok("line one\nline two\n".into()),
        }
        .into(),
    );
    assert_eq!(s.composer.text(), "line one\nline two");
    update(
        &mut s,
        DebugMsg::Edited {
            purpose: EditPurpose::Prompt,
            result: Err("neither $VISUAL nor $EDITOR is set".into()),
        }
        .into(),
    );
    assert!(s.notice.as_ref().unwrap().error);
    assert_eq!(s.composer.text(), "line one\nline two", "nothing lost");
}

#[test]
fn export_then_replay_gives_the_same_events_and_timing() {
    let (mut s, turn) = scene();
    key(&mut s, KeyCode::Char('x'));
    let e = debug_effects(key(&mut s, KeyCode::Enter));
    let [
        DebugEffect::Save {
            path,
            content: Content::Trace(traced),
            ..
        },
    ] = e.as_slice()
    else {
        panic!("{e:?}");
    };
    assert_eq!(
        path,
        &PathBuf::from(format!("switchboard-turn{}.jsonl", turn.0))
    );
    assert_eq!(traced.len(), 1);
    let t = &traced[0];
    assert_eq!(t.exchange.frames.len(), 7);
    assert_eq!(t.events.len(), 7);
    assert_eq!(t.events[3].frame, Some(3));
    assert_eq!(t.offset_us(&t.events[3]), 860_000);
    // Written and read back.
    let mut bytes = Vec::new();
    switchboard::trace::write(
        &mut bytes,
        &Trace {
            header: TraceHeader::now(),
            exchanges: traced.clone(),
        },
    )
    .unwrap();
    let back = switchboard::trace::read(bytes.as_slice()).unwrap();
    assert_eq!(&back.exchanges, traced);
    // Replayed into a new turn.
    key(&mut s, KeyCode::Char('o'));
    keys(&mut s, "t.jsonl 4");
    let e = debug_effects(key(&mut s, KeyCode::Enter));
    assert!(matches!(
        e.as_slice(),
        [DebugEffect::OpenTrace {
            speed: Some(4.0),
            ..
        }]
    ));
    let e = debug_effects(update(
        &mut s,
        DebugMsg::TraceOpened {
            path: "t.jsonl".into(),
            result: Ok(Box::new(back)),
            speed: Some(4.0),
        }
        .into(),
    ));
    let [DebugEffect::Replay { plays, speed }] = e.as_slice() else {
        panic!("{e:?}");
    };
    assert_eq!(*speed, Some(4.0));
    let new = plays[0].0;
    let t = s.chat.turn(new).unwrap();
    assert_eq!(t.prompt, "↻ hello world");
    assert!(matches!(t.status, TurnStatus::Streaming { .. }));
}

#[test]
fn a_missing_trace_file_is_reported() {
    let (mut s, _) = scene();
    let n = s.chat.turns.len();
    update(
        &mut s,
        DebugMsg::TraceOpened {
            path: "nope.jsonl".into(),
            result: Err("No such file or directory (os error 2)".into()),
            speed: None,
        }
        .into(),
    );
    let note = s.notice.clone().unwrap();
    assert!(note.error && note.text.contains("cannot replay nope.jsonl"));
    assert_eq!(s.chat.turns.len(), n);
}

#[test]
fn an_instant_replay_is_a_finished_turn_with_the_same_answer_and_frames() {
    let (mut s, turn) = scene();
    key(&mut s, KeyCode::Char('x'));
    let e = debug_effects(key(&mut s, KeyCode::Enter));
    let [
        DebugEffect::Save {
            content: Content::Trace(traced),
            ..
        },
    ] = e.as_slice()
    else {
        panic!("{e:?}");
    };
    let mut traced = traced.clone();
    // Priced where it was recorded: shown on the turn, never spent again.
    let recorded = switchboard::llm::money::Money::new(
        rust_decimal::Decimal::new(42, 4),
        switchboard::llm::money::Currency::Usd,
    );
    traced[0].cost = Some(recorded.clone());
    let before = s.spend.session.clone();
    update(
        &mut s,
        DebugMsg::TraceOpened {
            path: "t.jsonl".into(),
            result: Ok(Box::new(Trace {
                header: TraceHeader::now(),
                exchanges: traced,
            })),
            speed: None,
        }
        .into(),
    );
    let original = s.chat.turn(turn).unwrap();
    let replayed = s.chat.turns.last().unwrap();
    assert_ne!(replayed.id, turn);
    assert!(
        matches!(replayed.status, TurnStatus::Done { .. }),
        "{:?}",
        replayed.status
    );
    assert_eq!(replayed.answer.text(), original.answer.text());
    assert_eq!(replayed.trace.frames.len(), 7);
    assert_eq!(replayed.trace.rows, original.trace.rows);
    assert_eq!(replayed.ttft_us, Some(100_000));
    assert_eq!(replayed.usage, original.usage);
    assert_eq!(replayed.cost.as_ref(), Some(&recorded));
    assert_eq!(s.spend.session, before, "a replay spends nothing now");
    // A replay is not part of the conversation: the next prompt's history leaves it out.
    assert_eq!(replayed.origin, switchboard::tui::turn::Origin::Replay);
    assert!(!replayed.in_history());
    assert!(original.in_history());
}
