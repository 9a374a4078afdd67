//! The history browser: snapshots of its list, search results, delete question, branch
//! picker and "history is off" notice (wide and at 20 columns); and what its keys do to
//! the state (the effects `update` asks for, the answers it takes).

mod tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use switchboard::llm::money::{Currency, Money};
use switchboard::store::{self, EntryKind, HistoryEntry, SearchHit, TurnStatus};
use switchboard::tui::effect::Effect;
use switchboard::tui::msg::Msg;
use switchboard::tui::pane::history::{Browser, Mode, Row, StoreStatus, render};
use switchboard::tui::state::{Overlay, State};
use switchboard::tui::store_link::{
    HistoryMsg, Listing, LoadFor, Loaded, LoadedTurn, StoreJob, Target,
};
use switchboard::tui::theme::Theme;
use switchboard::tui::update::update;
use tui_support::{key, state, type_text};

const NOW: i64 = 1_800_000_000_000;

fn entry(id: i64, title: &str, first: &str, model: &str, turns: u64, ago_s: i64) -> HistoryEntry {
    HistoryEntry {
        kind: EntryKind::Conversation,
        id,
        title: title.into(),
        first_line: first.into(),
        models: vec![model.into()],
        created_ms: NOW - ago_s * 1000 - 60_000,
        updated_ms: NOW - ago_s * 1000,
        count: turns,
        last_status: Some(TurnStatus::Done),
        input_tokens: 120 * turns,
        output_tokens: 480 * turns,
        cost: vec![Money::new(
            Decimal::new(35 * turns as i64, 6),
            Currency::Usd,
        )],
        provider_cost: Vec::new(),
        cost_unknown: 0,
    }
}

fn entries() -> Vec<HistoryEntry> {
    let mut cmp = entry(
        3,
        "Three models on one haiku",
        "Write a haiku about SQLite",
        "demo/demo-fast",
        3,
        7200,
    );
    cmp.kind = EntryKind::Comparison;
    cmp.models = vec![
        "demo/demo-fast".into(),
        "demo/demo-flagship".into(),
        "demo/demo-reasoner".into(),
    ];
    cmp.last_status = None;
    let mut broken = entry(
        2,
        "Why is the sky blue?",
        "Why is the sky blue?",
        "demo/demo-reasoner",
        1,
        86_400 * 3,
    );
    broken.last_status = Some(TurnStatus::Interrupted);
    broken.cost = Vec::new();
    broken.cost_unknown = 1;
    vec![
        entry(
            7,
            "Lighthouses of Brittany",
            "Tell me about the lighthouses of Brittany",
            "demo/demo-fast",
            4,
            30,
        ),
        cmp,
        broken,
        entry(
            1,
            "Rust hello world — 日本語 🚀",
            "a rust hello world",
            "demo/demo-coder",
            2,
            86_400 * 30,
        ),
    ]
}

fn browser(rows: Vec<Row>) -> Browser {
    Browser {
        rows,
        now_ms: NOW,
        ..Browser::default()
    }
}

fn draw(status: &StoreStatus, b: &Browser, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::monochrome();
    t.draw(|f| {
        let area = f.area();
        render(status, b, &theme, area, f.buffer_mut());
    })
    .unwrap();
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

fn on() -> StoreStatus {
    StoreStatus::On("/tmp/x/switchboard.db".into())
}

#[test]
fn the_list_newest_first_with_models_tokens_and_cost() {
    let mut b = browser(entries().into_iter().map(Row::Entry).collect());
    b.selected = 1;
    let screen = draw(&on(), &b, 100, 16);
    assert!(
        screen.contains("Lighthouses of Brittany — Tell me about"),
        "{screen}"
    );
    assert!(screen.contains("$0.00014"), "{screen}");
    assert!(screen.contains("interrupted"), "{screen}");
    insta::assert_snapshot!("history_list", screen);
    insta::assert_snapshot!("history_list_20", draw(&on(), &b, 20, 12));
}

#[test]
fn search_results_mark_the_matching_words() {
    let hit = |conv, cmp, turn, title: &str, snippet: &str| SearchHit {
        conversation_id: conv,
        comparison_id: cmp,
        turn_id: turn,
        position: 1,
        title: title.into(),
        snippet: snippet.into(),
        updated_ms: NOW - 600_000,
    };
    let mut b = browser(vec![
        Row::Hit(hit(
            7,
            None,
            30,
            "Lighthouses of Brittany",
            "…the [lighthouse] at Créac'h is the most powerful…",
        )),
        Row::Hit(hit(
            9,
            Some(3),
            41,
            "Three models on one haiku",
            "stone [lighthouse] keeps its…",
        )),
    ]);
    b.query = "lighthou".into();
    let screen = draw(&on(), &b, 90, 10);
    assert!(screen.contains("Search lighthou"), "{screen}");
    assert!(screen.contains("turn 2"), "{screen}");
    assert!(
        !screen.contains("[lighthouse]"),
        "the marks become highlighting: {screen}"
    );
    insta::assert_snapshot!("history_search", screen);
    let mut none = browser(Vec::new());
    none.query = "zebra".into();
    assert!(draw(&on(), &none, 60, 8).contains("Nothing matches “zebra”"));
}

#[test]
fn delete_asks_first_and_rename_has_a_line() {
    let mut b = browser(entries().into_iter().map(Row::Entry).collect());
    b.mode = Mode::Delete;
    let screen = draw(&on(), &b, 100, 14);
    assert!(
        screen.contains("Delete “Lighthouses of Brittany” and everything in it?"),
        "{screen}"
    );
    insta::assert_snapshot!("history_delete", screen);
    insta::assert_snapshot!("history_delete_20", draw(&on(), &b, 20, 10));
    b.mode = Mode::Rename {
        text: "Breton lights".into(),
    };
    let screen = draw(&on(), &b, 100, 14);
    assert!(screen.contains("Rename Breton lights▏"), "{screen}");
}

#[test]
fn off_and_empty_say_why() {
    let b = browser(Vec::new());
    let off = StoreStatus::Off("--no-store".into());
    let screen = draw(&off, &b, 60, 8);
    assert!(screen.contains("History is off: --no-store"), "{screen}");
    insta::assert_snapshot!("history_off", screen);
    assert!(draw(&on(), &b, 80, 8).contains("No conversations yet"));
    // Tiny screens draw something, never panic.
    for (w, h) in [(1, 1), (3, 3), (20, 4), (10, 30)] {
        draw(&off, &b, w, h);
        draw(
            &on(),
            &browser(entries().into_iter().map(Row::Entry).collect()),
            w,
            h,
        );
    }
}

fn stored_turn(
    id: i64,
    position: i64,
    prompt: &str,
    answer: &str,
    status: TurnStatus,
) -> store::Turn {
    store::Turn {
        id,
        conversation_id: 7,
        position,
        parent_turn_id: None,
        model: "demo/demo-fast".into(),
        prompt: prompt.into(),
        answer: answer.into(),
        reasoning: String::new(),
        tool_calls: Vec::new(),
        status,
        error: None,
        created_ms: NOW - 5000,
        updated_ms: NOW - 4000,
    }
}

fn loaded() -> Box<Loaded> {
    Box::new(Loaded {
        target: Target {
            kind: EntryKind::Conversation,
            id: 7,
        },
        title: "Lighthouses of Brittany".into(),
        system: Some("Be brief.".into()),
        turns: vec![
            LoadedTurn {
                turn: stored_turn(
                    30,
                    0,
                    "Tell me about lighthouses",
                    "They guide ships.",
                    TurnStatus::Done,
                ),
                exchange: None,
                lane: None,
            },
            LoadedTurn {
                turn: stored_turn(
                    31,
                    1,
                    "Which is the tallest?",
                    "Île Vierge, 82.5 m, and then",
                    TurnStatus::Interrupted,
                ),
                exchange: None,
                lane: None,
            },
        ],
    })
}

#[test]
fn the_branch_picker_lists_the_turns() {
    let mut b = browser(Vec::new());
    b.mode = Mode::PickTurn {
        loaded: loaded(),
        selected: 1,
    };
    let screen = draw(&on(), &b, 90, 10);
    assert!(screen.contains("#2 Which is the tallest?"), "{screen}");
    insta::assert_snapshot!("history_branch", screen);
}

fn open_state() -> State {
    let mut s = state();
    update(
        &mut s,
        Msg::History(Box::new(HistoryMsg::Opened(Ok(
            "/tmp/x/switchboard.db".into()
        )))),
    );
    s
}

fn jobs(effects: &[Effect]) -> Vec<StoreJob> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store(j) => Some((**j).clone()),
            _ => None,
        })
        .collect()
}

fn listed(s: &mut State, rows: Vec<HistoryEntry>) {
    let generation = s.history.browser.generation;
    update(
        s,
        Msg::History(Box::new(HistoryMsg::Listed {
            generation,
            offset: 0,
            now_ms: NOW,
            result: Ok(Listing::Entries(rows)),
        })),
    );
}

#[test]
fn keys_open_search_rename_delete_and_close() {
    let mut s = open_state();
    let effects = key(&mut s, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert_eq!(s.overlays.last(), Some(&Overlay::History));
    let j = jobs(&effects);
    assert!(
        matches!(
            &j[..],
            [StoreJob::List { offset: 0, .. }, StoreJob::Watch(true)]
        ),
        "{j:?}"
    );
    listed(&mut s, entries());
    assert_eq!(s.history.browser.rows.len(), 4);
    // Typed text searches (a `q` is text here, not quit).
    type_text(&mut s, "q");
    assert!(!s.quit);
    let effects = key(&mut s, KeyCode::Backspace, KeyModifiers::NONE);
    assert!(matches!(&jobs(&effects)[..], [StoreJob::List { query, .. }] if query.is_empty()));
    type_text(&mut s, "light");
    assert_eq!(s.history.browser.query, "light");
    // A stale page (an older generation) is dropped.
    update(
        &mut s,
        Msg::History(Box::new(HistoryMsg::Listed {
            generation: 1,
            offset: 0,
            now_ms: NOW,
            result: Ok(Listing::Entries(Vec::new())),
        })),
    );
    assert_eq!(s.history.browser.rows.len(), 4);
    // Esc clears the search first.
    let effects = key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(s.history.browser.query.is_empty());
    assert!(matches!(&jobs(&effects)[..], [StoreJob::List { .. }]));
    listed(&mut s, entries());
    key(&mut s, KeyCode::Down, KeyModifiers::NONE);
    key(&mut s, KeyCode::Down, KeyModifiers::NONE);
    // Rename: the line starts with the title.
    key(&mut s, KeyCode::Char('r'), KeyModifiers::CONTROL);
    for _ in 0.."Why is the sky blue?".len() {
        key(&mut s, KeyCode::Backspace, KeyModifiers::NONE);
    }
    type_text(&mut s, "Rayleigh");
    let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        jobs(&effects),
        vec![StoreJob::Rename {
            target: Target {
                kind: EntryKind::Conversation,
                id: 2
            },
            title: "Rayleigh".into()
        }]
    );
    // Delete asks; `n` keeps, `y` deletes.
    key(&mut s, KeyCode::Char('d'), KeyModifiers::CONTROL);
    assert!(matches!(s.history.browser.mode, Mode::Delete));
    let effects = key(&mut s, KeyCode::Char('n'), KeyModifiers::NONE);
    assert!(jobs(&effects).is_empty());
    assert!(matches!(s.history.browser.mode, Mode::Browse));
    key(&mut s, KeyCode::Delete, KeyModifiers::NONE);
    let effects = key(&mut s, KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(matches!(&jobs(&effects)[..], [StoreJob::Delete { target }] if target.id == 2));
    // Esc closes and stops watching.
    let effects = key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(s.overlays.is_empty());
    assert_eq!(jobs(&effects), vec![StoreJob::Watch(false)]);
}

#[test]
fn enter_resumes_and_the_next_prompt_carries_the_history() {
    let mut s = open_state();
    key(&mut s, KeyCode::Char('o'), KeyModifiers::CONTROL);
    listed(&mut s, entries());
    let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(matches!(
        &jobs(&effects)[..],
        [StoreJob::Load { target, purpose: LoadFor::Resume }] if target.id == 7
    ));
    update(
        &mut s,
        Msg::History(Box::new(HistoryMsg::Loaded {
            purpose: LoadFor::Resume,
            result: Ok(loaded()),
        })),
    );
    assert!(s.overlays.is_empty());
    assert_eq!(s.chat.turns.len(), 2);
    assert!(matches!(
        s.chat.turns[1].status,
        switchboard::tui::turn::TurnStatus::Interrupted
    ));
    assert_eq!(s.history.conversation, Some(7));
    type_text(&mut s, "And in Cornwall?");
    let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    let begin = jobs(&effects);
    assert!(
        matches!(
            &begin[..],
            [StoreJob::Begin {
                conversation: Some(7),
                branch_from: None,
                ..
            }]
        ),
        "{begin:?}"
    );
    let Some(Effect::Send { chat, .. }) = effects.last() else {
        panic!("no send: {effects:?}");
    };
    let texts: Vec<String> = chat.messages.iter().map(|m| m.joined_text()).collect();
    assert_eq!(
        texts,
        [
            "Be brief.",
            "Tell me about lighthouses",
            "They guide ships.",
            "Which is the tallest?",
            "Île Vierge, 82.5 m, and then",
            "And in Cornwall?"
        ]
    );
}

#[test]
fn branch_copies_the_turns_before_and_edits_the_prompt() {
    let mut s = open_state();
    key(&mut s, KeyCode::Char('o'), KeyModifiers::CONTROL);
    listed(&mut s, entries());
    let effects = key(&mut s, KeyCode::Char('b'), KeyModifiers::CONTROL);
    assert!(matches!(
        &jobs(&effects)[..],
        [StoreJob::Load {
            purpose: LoadFor::Branch { .. },
            ..
        }]
    ));
    update(
        &mut s,
        Msg::History(Box::new(HistoryMsg::Loaded {
            purpose: LoadFor::Branch { turn: None },
            result: Ok(loaded()),
        })),
    );
    assert!(matches!(
        s.history.browser.mode,
        Mode::PickTurn { selected: 1, .. }
    ));
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(s.overlays.is_empty());
    assert_eq!(
        s.chat.turns.len(),
        1,
        "only the turns before the picked one"
    );
    assert_eq!(s.composer.text(), "Which is the tallest?");
    assert_eq!(s.history.conversation, None);
    assert_eq!(s.history.branch_from, Some(31));
    type_text(&mut s, " In metres?");
    let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(matches!(
        &jobs(&effects)[..],
        [StoreJob::Begin {
            conversation: None,
            branch_from: Some(31),
            ..
        }]
    ));
}

#[test]
fn a_store_that_cannot_open_turns_history_off_and_says_why() {
    let mut s = state();
    s.history.status = StoreStatus::Opening;
    update(
        &mut s,
        Msg::History(Box::new(HistoryMsg::Opened(Err(
            "the history database /x/switchboard.db has schema version 99".into(),
        )))),
    );
    assert!(matches!(&s.history.status, StoreStatus::Off(w) if w.contains("schema version 99")));
    let notice = s.notice.as_ref().unwrap();
    assert!(
        notice.error && notice.text.starts_with("history is off:"),
        "{notice:?}"
    );
    // Turns are still sent, and nothing asks the store.
    type_text(&mut s, "hi");
    let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(matches!(&effects[..], [Effect::Send { .. }]));
}
