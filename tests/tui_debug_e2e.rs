//! Edit and resend, end to end: the real app loop, scripted keys, the in-process demo
//! provider. A prompt is answered; the request is copied as curl (the OSC 52 sequence the
//! loop writes to the terminal is captured); the body is edited in `$EDITOR` (a `sed`
//! command) and sent as a new exchange; an invalid edit in the in-app editor is refused
//! with its position and nothing is sent; the exchange is resent unchanged with one key.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::config::Config;
use switchboard::tui::external::{Console, RawSink};
use switchboard::tui::pane::catalog::Load;
use switchboard::tui::state::{Pane, State};
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::{Options, run_loop};
use switchboard::workbench::Workbench;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

type Keys = UnboundedSender<io::Result<Event>>;

fn key(tx: &Keys, code: KeyCode, mods: KeyModifiers) {
    tx.send(Ok(Event::Key(KeyEvent::new(code, mods)))).unwrap();
}

fn chars(tx: &Keys, text: &str) {
    for c in text.chars() {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        key(tx, KeyCode::Char(c), mods);
    }
}

fn script() -> (Keys, impl Stream<Item = io::Result<Event>> + Unpin) {
    let (tx, rx) = unbounded_channel();
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    (tx, Box::pin(stream))
}

fn done(s: &State, n: usize) -> bool {
    s.chat.turns.len() == n && s.chat.turns.iter().all(|t| !t.is_streaming())
}

fn decode_base64(s: &str) -> Vec<u8> {
    let abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = abc.iter().position(|a| *a == c).unwrap() as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[tokio::test]
async fn copy_as_curl_edit_and_resend_through_the_loop() {
    let (tx, inputs) = script();
    let mut terminal = Terminal::new(TestBackend::new(140, 44)).unwrap();
    let osc = Arc::new(Mutex::new(Vec::new()));
    let mut options = Options::new();
    options.console = Console {
        raw: RawSink::Memory(osc.clone()),
        editor: Some("sed -i s/hello/goodbye/".into()),
        ..Console::default()
    };
    let mut step = 0;
    let mut refused = None;
    let until = |s: &State, _: &Terminal<TestBackend>| {
        match step {
            0 if s
                .catalog
                .providers
                .iter()
                .any(|p| p.name == "demo" && p.load != Load::Loading) =>
            {
                chars(&tx, "hello there");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 1;
            }
            1 if done(s, 1) => {
                key(&tx, KeyCode::Char('5'), KeyModifiers::ALT);
                chars(&tx, "yc");
                // Edit in $EDITOR (sed), then sent as turn 2.
                chars(&tx, "E");
                step = 2;
            }
            2 if done(s, 2) => {
                // The in-app editor: a stray character makes it invalid JSON.
                chars(&tx, "ex");
                key(&tx, KeyCode::Char('s'), KeyModifiers::CONTROL);
                step = 3;
            }
            3 if s.notice.as_ref().is_some_and(|n| n.error) => {
                refused = s.notice.clone();
                key(&tx, KeyCode::Esc, KeyModifiers::NONE);
                chars(&tx, "R");
                step = 4;
            }
            4 if s.focus == Pane::Inspector && done(s, 3) => return true,
            _ => {}
        }
        false
    };
    let workbench = Arc::new(Workbench::new(Config::default()).unwrap());
    let run = run_loop(
        &mut terminal,
        inputs,
        workbench,
        "demo/demo-fast".into(),
        options,
        until,
    );
    let state = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the loop made no progress in 60 s")
        .unwrap();

    // The copy went out as OSC 52, and it is the curl command for the request.
    let raw = String::from_utf8(osc.lock().unwrap().clone()).unwrap();
    let payload = raw
        .strip_prefix("\x1b]52;c;")
        .and_then(|r| r.strip_suffix('\x07'))
        .unwrap_or_else(|| panic!("not an OSC 52 sequence: {raw:?}"));
    let curl = String::from_utf8(decode_base64(payload)).unwrap();
    assert!(curl.starts_with("curl -sN 'http://127.0.0.1:"), "{curl}");
    assert!(curl.contains("hello there"), "{curl}");

    let turns = &state.chat.turns;
    assert_eq!(turns.len(), 3, "the invalid edit sent nothing");
    for t in turns {
        assert!(
            matches!(t.status, TurnStatus::Done { .. }),
            "{:?}",
            t.status
        );
    }
    let body = |i: usize| {
        turns[i]
            .trace
            .request
            .as_ref()
            .unwrap()
            .body
            .clone()
            .unwrap()
    };
    assert_eq!(body(0)["messages"][0]["content"], "hello there");
    assert_eq!(body(1)["messages"][0]["content"], "goodbye there");
    assert_eq!(body(2), body(1), "resent unchanged");
    // The demo answers about the prompt it was sent.
    assert!(
        turns[1].answer.text().contains("goodbye there"),
        "{}",
        turns[1].answer.text()
    );
    assert_eq!(turns[2].answer.text(), turns[1].answer.text());
    // Sent to the same URL with the same headers.
    let req = |i: usize| turns[i].trace.request.clone().unwrap();
    assert_eq!(req(1).url, req(0).url);
    assert_eq!(req(1).headers, req(0).headers);
    let refused = refused.unwrap();
    assert!(
        refused.text.starts_with("invalid JSON at line 1, column 1"),
        "{refused:?}"
    );
}
