//! The UI with a history store in a temporary data directory, driven through the real
//! loop by scripted keys: a turn is kept, the app quits, a second run opens the browser,
//! resumes the conversation and sends a follow-up that carries the earlier turn; a turn
//! left streaming by a killed process reopens as interrupted with its text; and a turn
//! sent with a real key leaves no trace of the key in any file of the data directory.

mod store_support;

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use store_support::TempDir;
use switchboard::config::Config;
use switchboard::store::{NewConversation, NewTurn, OpenOptions, Store, TurnStatus as Stored};
use switchboard::tui::pane::catalog::Load;
use switchboard::tui::pane::history::StoreStatus;
use switchboard::tui::state::State;
use switchboard::tui::store_link::History;
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::{Options, run_loop};
use switchboard::workbench::Workbench;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

type Keys = UnboundedSender<io::Result<Event>>;

fn key(tx: &Keys, code: KeyCode, mods: KeyModifiers) {
    tx.send(Ok(Event::Key(KeyEvent::new(code, mods)))).unwrap();
}

fn type_text(tx: &Keys, text: &str) {
    for c in text.chars() {
        key(tx, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn script() -> (Keys, impl Stream<Item = io::Result<Event>> + Unpin) {
    let (tx, rx) = unbounded_channel();
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    (tx, Box::pin(stream))
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn options(dir: &Path) -> Options {
    let mut o = Options::new();
    o.history = History::At {
        dir: dir.to_path_buf(),
        options: OpenOptions::default(),
    };
    o
}

fn ready(s: &State) -> bool {
    matches!(s.history.status, StoreStatus::On(_))
        && s.catalog
            .providers
            .iter()
            .any(|p| p.name == "demo" && p.load != Load::Loading)
}

async fn run<F>(bench: Arc<Workbench>, model: &str, dir: &Path, until: F) -> State
where
    F: FnMut(&State, &Terminal<TestBackend>) -> bool,
{
    let (_tx, inputs) = script();
    run_with(bench, model, dir, inputs, until).await
}

async fn run_with<S, F>(
    bench: Arc<Workbench>,
    model: &str,
    dir: &Path,
    inputs: S,
    until: F,
) -> State
where
    S: Stream<Item = io::Result<Event>> + Unpin,
    F: FnMut(&State, &Terminal<TestBackend>) -> bool,
{
    let mut terminal = Terminal::new(TestBackend::new(140, 40)).unwrap();
    let run = run_loop(
        &mut terminal,
        inputs,
        bench,
        model.into(),
        options(dir),
        until,
    );
    tokio::time::timeout(Duration::from_secs(40), run)
        .await
        .expect("the loop made no progress in 40 s")
        .unwrap()
}

fn demo() -> Arc<Workbench> {
    Arc::new(Workbench::new(Config::default()).unwrap())
}

#[tokio::test]
async fn a_turn_is_kept_and_resumed_after_a_restart() {
    let tmp = TempDir::new("tui-resume");
    let dir = tmp.path().join("data");

    // First run: one turn, then quit.
    let (tx, inputs) = script();
    let mut step = 0;
    let first = run_with(demo(), "demo/demo-fast", &dir, inputs, |s, _| {
        match step {
            0 if ready(s) => {
                type_text(&tx, "Name three lighthouses");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 1;
            }
            1 if s.chat.turns.first().is_some_and(|t| !t.is_streaming()) => {
                key(&tx, KeyCode::Char('q'), KeyModifiers::CONTROL);
                step = 2;
            }
            _ => {}
        }
        false
    })
    .await;
    assert!(first.quit);
    let answer = first.chat.turns[0].answer.text().to_string();
    assert!(!answer.is_empty());
    assert!(first.history.conversation.is_some());

    // Second run: open the history, resume, send a follow-up.
    let (tx, inputs) = script();
    let mut step = 0;
    let mut screens = Vec::new();
    let second = run_with(demo(), "demo/demo-flagship", &dir, inputs, |s, t| {
        match step {
            0 if ready(s) => {
                key(&tx, KeyCode::Char('o'), KeyModifiers::CONTROL);
                step = 1;
            }
            1 if !s.history.browser.rows.is_empty() => {
                screens.push(screen(t));
                type_text(&tx, "lighthou");
                step = 2;
            }
            2 if s.history.browser.query == "lighthou"
                && !s.history.browser.loading
                && !s.history.browser.rows.is_empty() =>
            {
                screens.push(screen(t));
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 3;
            }
            3 if s.overlays.is_empty() && s.chat.turns.len() == 1 => {
                screens.push(screen(t));
                type_text(&tx, "And the tallest?");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 4;
            }
            4 if s.chat.turns.len() == 2 && !s.chat.turns[1].is_streaming() => return true,
            _ => {}
        }
        false
    })
    .await;
    let [list, search, resumed] = &screens[..] else {
        panic!("{} screens", screens.len());
    };
    assert!(list.contains("Name three lighthouses"), "{list}");
    assert!(list.contains("demo/demo-fast"), "{list}");
    assert!(search.contains("Search lighthou"), "{search}");
    assert!(
        resumed.contains("resumed “Name three lighthouses”"),
        "{resumed}"
    );
    // The resumed conversation continues on its own model, with its history.
    let follow = &second.chat.turns[1];
    assert!(
        matches!(follow.status, TurnStatus::Done { .. }),
        "{:?}",
        follow.status
    );
    assert_eq!(follow.model.to_string(), "demo/demo-fast");
    let sent: Vec<String> = follow
        .chat
        .messages
        .iter()
        .map(|m| m.joined_text())
        .collect();
    assert_eq!(
        sent,
        [
            "Name three lighthouses",
            answer.as_str(),
            "And the tallest?"
        ]
    );
    let request = follow.trace.request.as_ref().expect("the request");
    let body = request
        .body
        .as_ref()
        .map(|b| b.to_string())
        .unwrap_or_default();
    assert!(body.contains("Name three lighthouses"), "{body}");
    assert_eq!(second.history.conversation, first.history.conversation);

    // The store holds both turns, done, in one conversation, with their exchanges.
    let store = Store::open(&dir).unwrap();
    let id = first.history.conversation.unwrap();
    let turns = store.turns(id).unwrap();
    assert_eq!(turns.len(), 2);
    assert!(turns.iter().all(|t| t.status == Stored::Done), "{turns:?}");
    assert_eq!(turns[0].answer, answer);
    assert_eq!(turns[1].prompt, "And the tallest?");
    assert_eq!(turns[1].answer, follow.answer.text());
    for t in &turns {
        let ex = store.turn_exchanges(t.id).unwrap();
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].source, "tui");
        assert!(ex[0].frame_count > 0);
        assert!(ex[0].cost.is_some(), "the demo's price is known");
    }
    assert_eq!(store.list(10, 0).unwrap().len(), 1);
}

#[tokio::test]
async fn a_turn_cut_by_a_killed_process_reopens_interrupted_with_its_text() {
    let tmp = TempDir::new("tui-interrupted");
    let dir = tmp.path().join("data");
    // What a SIGKILL mid-stream leaves: the prompt and the text committed so far, status
    // `streaming`, stamped with a lease whose holder is gone.
    let store = Store::open(&dir).unwrap();
    let turn = NewTurn {
        model: "demo/demo-reasoner",
        prompt: "Why is the sky blue?",
        parent_turn: None,
    };
    let mut w = store
        .begin_conversation(&NewConversation::default(), turn)
        .unwrap();
    w.push_reasoning("Short wavelengths scatter more.");
    w.push_text("Because of Rayleigh scattering, blue light");
    w.flush().unwrap();
    let turn_id = w.turn();
    drop(w);
    drop(store);
    let db = rusqlite::Connection::open(dir.join("switchboard.db")).unwrap();
    db.execute(
        "UPDATE turns SET status = 'streaming', lease = '1-dead', error = NULL WHERE id = ?1",
        [turn_id],
    )
    .unwrap();
    drop(db);

    let (tx, inputs) = script();
    let mut step = 0;
    let mut shown = String::new();
    let s = run_with(demo(), "demo/demo-fast", &dir, inputs, |s, t| {
        match step {
            0 if ready(s) => {
                key(&tx, KeyCode::Char('o'), KeyModifiers::CONTROL);
                step = 1;
            }
            1 if !s.history.browser.rows.is_empty() => {
                assert!(screen(t).contains("interrupted"), "{}", screen(t));
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 2;
            }
            2 if s.chat.turns.len() == 1 && s.overlays.is_empty() => {
                shown = screen(t);
                return true;
            }
            _ => {}
        }
        false
    })
    .await;
    let t = &s.chat.turns[0];
    assert!(
        matches!(t.status, TurnStatus::Interrupted),
        "{:?}",
        t.status
    );
    assert_eq!(
        t.answer.text(),
        "Because of Rayleigh scattering, blue light"
    );
    assert_eq!(t.reasoning.text(), "Short wavelengths scatter more.");
    assert!(shown.contains("Because of Rayleigh scattering"), "{shown}");
    assert!(shown.contains("⚠ interrupted"), "{shown}");
    // The store itself says so too.
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.turn(turn_id).unwrap().status, Stored::Interrupted);
}

#[tokio::test]
async fn no_store_writes_nothing_and_a_newer_database_only_turns_history_off() {
    let tmp = TempDir::new("tui-off");
    // A database from a newer Switchboard: refused, untouched, and the UI still runs.
    let dir = tmp.path().join("newer");
    std::fs::create_dir_all(&dir).unwrap();
    let db = rusqlite::Connection::open(dir.join("switchboard.db")).unwrap();
    db.execute_batch("PRAGMA user_version = 999; CREATE TABLE x (y);")
        .unwrap();
    drop(db);
    let before = std::fs::read(dir.join("switchboard.db")).unwrap();
    let s = run(demo(), "demo/demo-fast", &dir, |s, _| {
        matches!(s.history.status, StoreStatus::Off(_))
    })
    .await;
    let StoreStatus::Off(why) = &s.history.status else {
        unreachable!()
    };
    assert!(
        why.contains("newer") || why.contains("not a Switchboard"),
        "{why}"
    );
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("history is off")
    );
    assert_eq!(std::fs::read(dir.join("switchboard.db")).unwrap(), before);

    // History off: a turn is sent and nothing is created.
    let none = tmp.path().join("none");
    let (tx, inputs) = script();
    let mut step = 0;
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut o = Options::new();
    o.history = History::Off("--no-store".into());
    let run = run_loop(
        &mut terminal,
        inputs,
        demo(),
        "demo/demo-fast".into(),
        o,
        |s, _| {
            match step {
                0 => {
                    type_text(&tx, "off the record");
                    key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                    step = 1;
                }
                1 if s.chat.turns.first().is_some_and(|t| !t.is_streaming()) => return true,
                _ => {}
            }
            false
        },
    );
    let s = tokio::time::timeout(Duration::from_secs(40), run)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(s.chat.turns[0].status, TurnStatus::Done { .. }));
    assert!(!none.exists());
}

const KEY: &str = "sk-h8-loopback-secret-0123456789abcdefXYZ";

/// A one-request-per-connection OpenAI-style server on 127.0.0.1 that answers only with
/// the right key (401 otherwise). Returns its base URL.
async fn keyed_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for _ in 0..20 {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Headers, then the body by its length (bounded reads).
                let mut body_needed = None;
                for _ in 0..1000 {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        body_needed = Some((end, len));
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let authorised = head
                    .lines()
                    .any(|l| l.eq_ignore_ascii_case(&format!("authorization: Bearer {KEY}")));
                let reply = if authorised && body_needed.is_some() {
                    let mut body = String::new();
                    for w in ["Kept ", "without ", "the ", "key."] {
                        body.push_str(&format!(
                            "data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{w}\"}}}}]}}\n\n"
                        ));
                    }
                    body.push_str("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4,\"total_tokens\":9}}\n\n");
                    body.push_str("data: [DONE]\n\n");
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    let body = r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#;
                    format!(
                        "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}/v1")
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

#[tokio::test]
async fn no_key_reaches_the_database_after_a_tui_turn() {
    let tmp = TempDir::new("tui-key");
    let dir = tmp.path().join("data");
    let base = keyed_server().await;
    let text = format!(
        "[[providers]]\nname = \"keyed\"\nbase_url = \"{base}\"\nprotocol = \"openai-chat\"\n\
         api_key_cmd = \"printf '%s' {KEY}\"\n"
    );
    let config = switchboard::config::parse(&text, Path::new("test.toml")).unwrap();
    let bench = Arc::new(Workbench::new(config).unwrap());
    let (tx, inputs) = script();
    let mut step = 0;
    let s = run_with(bench, "keyed/m1", &dir, inputs, |s, _| {
        match step {
            0 if matches!(s.history.status, StoreStatus::On(_)) => {
                type_text(&tx, "keep this without the key");
                key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                step = 1;
            }
            1 if s.chat.turns.first().is_some_and(|t| !t.is_streaming()) => return true,
            _ => {}
        }
        false
    })
    .await;
    let t = &s.chat.turns[0];
    assert!(
        matches!(t.status, TurnStatus::Done { .. }),
        "the server took the key: {:?}",
        t.status
    );
    assert_eq!(t.answer.text(), "Kept without the key.");
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    assert!(
        paths.iter().any(|p| p.ends_with("switchboard.db")),
        "{paths:?}"
    );
    let needles = [
        KEY.as_bytes(),
        &KEY.as_bytes()[..20],
        &KEY.as_bytes()[KEY.len() - 20..],
    ];
    let mut scanned = 0;
    for p in &paths {
        let bytes = std::fs::read(p).unwrap_or_default();
        scanned += bytes.len();
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the key reached {}",
                p.display()
            );
        }
    }
    assert!(scanned > 0);
    // The request is there, masked.
    let store = Store::open(&dir).unwrap();
    let ex = store.changes_since(0, 10).unwrap();
    assert_eq!(ex.len(), 1);
    let full = store.exchange(ex[0].id).unwrap();
    let auth = full
        .exchange
        .request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("authorization"))
        .expect("the auth header is kept, masked");
    assert!(
        auth.value.contains('…') && !auth.value.contains(KEY),
        "{}",
        auth.value
    );
    let a = store.turns(ex[0].conversation_id.unwrap()).unwrap();
    assert_eq!(a[0].answer, "Kept without the key.");
}

#[test]
fn the_config_can_turn_the_history_off_for_ask_too() {
    let tmp = TempDir::new("cfg-off");
    let cfg = tmp.path().join("config.toml");
    std::fs::write(&cfg, "[store]\nenabled = false\nframes_cap_mb = 1\n").unwrap();
    let data = tmp.path().join("data");
    let out = store_support::switchboard(&cfg, &data)
        .args(["ask", "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", store_support::text(&out.stderr));
    assert!(!data.exists(), "nothing was written");
    let out = store_support::switchboard(&cfg, &data)
        .args(["ask", "--continue", "hi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(store_support::text(&out.stderr).contains("enabled = false"));
}

/// Bytes of answer the database holds for a turn still marked streaming (0 if none).
fn streaming_text_in(db: &Path) -> usize {
    let Ok(db) = rusqlite::Connection::open(db) else {
        return 0;
    };
    db.query_row(
        "SELECT length(answer) FROM turns WHERE status = 'streaming' ORDER BY id DESC LIMIT 1",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map_or(0, |n| usize::try_from(n).unwrap_or(0))
}

#[tokio::test]
async fn text_is_committed_while_it_streams_and_a_cancel_is_kept() {
    let tmp = TempDir::new("tui-cancel");
    let dir = tmp.path().join("data");
    let db_path = dir.join("switchboard.db");
    let (tx, inputs) = script();
    let mut step = 0;
    let s = run_with(
        demo(),
        "demo/demo-fast+delay=20+tokens=2000",
        &dir,
        inputs,
        |s, _| {
            match step {
                0 if ready(s) => {
                    type_text(&tx, "count slowly");
                    key(&tx, KeyCode::Enter, KeyModifiers::NONE);
                    step = 1;
                }
                // While it streams, the database already holds part of the answer
                // (batches are committed as text arrives, not only at the end).
                1 if s.chat.turns.first().is_some_and(|t| t.is_streaming())
                    && streaming_text_in(&db_path) > 20 =>
                {
                    key(&tx, KeyCode::Esc, KeyModifiers::NONE);
                    step = 2;
                }
                2 if s.chat.turns.first().is_some_and(|t| !t.is_streaming()) => {
                    key(&tx, KeyCode::Char('q'), KeyModifiers::CONTROL);
                    step = 3;
                }
                _ => {}
            }
            false
        },
    )
    .await;
    let shown = s.chat.turns[0].answer.text().to_string();
    assert!(matches!(s.chat.turns[0].status, TurnStatus::Cancelled));
    let store = Store::open(&dir).unwrap();
    let id = s.history.conversation.unwrap();
    let turns = store.turns(id).unwrap();
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0].status, Stored::Cancelled, "{:?}", turns[0].error);
    // Everything shown was kept (the store may hold a few deltas more, which arrived
    // between the key and the request noticing).
    assert!(
        turns[0].answer.starts_with(&shown),
        "{:?} vs {shown:?}",
        turns[0].answer
    );
}

#[tokio::test]
async fn the_open_browser_shows_what_another_process_writes() {
    let tmp = TempDir::new("tui-two");
    let dir = tmp.path().join("data");
    let (tx, inputs) = script();
    let mut step = 0;
    let other_dir = dir.clone();
    let s = run_with(demo(), "demo/demo-fast", &dir, inputs, move |s, t| {
        match step {
            0 if ready(s) => {
                key(&tx, KeyCode::Char('o'), KeyModifiers::CONTROL);
                step = 1;
            }
            1 if s.overlays.last() == Some(&switchboard::tui::state::Overlay::History)
                && !s.history.browser.loading =>
            {
                assert!(s.history.browser.rows.is_empty());
                // Another writer on the same data directory (as `ask` or a proxy would).
                let other = Store::open(&other_dir).unwrap();
                let turn = NewTurn {
                    model: "demo/demo-coder",
                    prompt: "written elsewhere",
                    parent_turn: None,
                };
                let mut w = other
                    .begin_conversation(&NewConversation::default(), turn)
                    .unwrap();
                w.push_text("hello from the other side");
                let ex = store_support::exchange(3, 12);
                let rec = switchboard::store::ExchangeRecord {
                    exchange: &ex,
                    source: "proxy",
                    model: Some("demo/demo-coder"),
                    protocol: Some("openai-chat"),
                    cost: None,
                    packed: None,
                };
                w.finish(Stored::Done, None, Some(&rec)).unwrap();
                step = 2;
            }
            2 if !s.history.browser.external.is_empty() && !s.history.browser.rows.is_empty() => {
                assert!(
                    screen(t).contains("new from another process: proxy demo/demo-coder"),
                    "{}",
                    screen(t)
                );
                assert!(screen(t).contains("written elsewhere"), "{}", screen(t));
                return true;
            }
            _ => {}
        }
        false
    })
    .await;
    assert_eq!(s.history.browser.external[0].source, "proxy");
}
