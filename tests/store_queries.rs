//! The browser's queries and the conversation operations, on a store in a temp dir.

mod store_support;

use std::time::Duration;

use store_support::{TempDir, exchange, usd};
use switchboard::llm::chat::{ChatRequest, Message, Part, Role};
use switchboard::llm::money::Currency;
use switchboard::store::{
    EntryKind, ExchangeRecord, NewConversation, NewLane, NewTurn, Recorder, Store, TurnStatus,
    auto_title,
};

fn turn<'a>(prompt: &'a str) -> NewTurn<'a> {
    NewTurn {
        model: "demo/demo-fast",
        prompt,
        parent_turn: None,
    }
}

/// A conversation with one finished turn per (prompt, answer), each with an exchange.
fn chat(store: &Store, model: &str, pairs: &[(&str, &str)]) -> i64 {
    let mut conversation = None;
    for (prompt, answer) in pairs {
        let t = NewTurn {
            model,
            prompt,
            parent_turn: None,
        };
        let mut w = match conversation {
            None => store
                .begin_conversation(&NewConversation::default(), t)
                .unwrap(),
            Some(c) => store.begin_turn(c, t).unwrap(),
        };
        conversation = Some(w.conversation());
        w.push_text(answer);
        let ex = exchange(3, 7);
        let cost = usd(120);
        let rec = ExchangeRecord {
            exchange: &ex,
            source: "test",
            model: Some(model),
            protocol: None,
            cost: Some(&cost),
            packed: None,
        };
        w.finish(TurnStatus::Done, None, Some(&rec)).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    conversation.unwrap()
}

#[test]
fn list_is_newest_first_with_models_first_line_tokens_and_cost() {
    let dir = TempDir::new("list");
    let s = Store::open(dir.path()).unwrap();
    let a = chat(
        &s,
        "demo/demo-fast",
        &[("first question\nmore", "one"), ("second", "two")],
    );
    let b = chat(&s, "demo/demo-coder", &[("write code", "fn main() {}")]);
    let cmp = s
        .create_comparison(
            "compare me",
            None,
            &[
                NewLane {
                    label: "fast".into(),
                    model: "demo/demo-fast".into(),
                    params: serde_json::json!({}),
                },
                NewLane {
                    label: "coder".into(),
                    model: "demo/demo-coder".into(),
                    params: serde_json::json!({}),
                },
            ],
        )
        .unwrap();
    let lane = &cmp.lanes[1];
    let mut w = s
        .begin_turn(lane.conversation_id, turn("compare me"))
        .unwrap();
    w.push_text("lane answer");
    let ex = exchange(2, 5);
    let rec = ExchangeRecord {
        exchange: &ex,
        source: "test",
        model: None,
        protocol: None,
        cost: None,
        packed: None,
    };
    w.finish(TurnStatus::Done, None, Some(&rec)).unwrap();
    s.add_verdict(cmp.id, Some(lane.id), "best", Some("clearer"))
        .unwrap();

    let list = s.list(10, 0).unwrap();
    let kinds: Vec<(EntryKind, i64)> = list.iter().map(|e| (e.kind, e.id)).collect();
    assert_eq!(
        kinds,
        vec![
            (EntryKind::Comparison, cmp.id),
            (EntryKind::Conversation, b),
            (EntryKind::Conversation, a)
        ],
        "lanes are not listed on their own"
    );
    let first = &list[2];
    assert_eq!(first.first_line, "first question");
    assert_eq!(first.title, "first question");
    assert_eq!(first.models, vec!["demo/demo-fast"]);
    assert_eq!(first.count, 2);
    assert_eq!((first.input_tokens, first.output_tokens), (20, 14));
    assert_eq!(first.cost, vec![usd(240)]);
    assert_eq!(
        first.provider_cost[0].currency,
        Currency::Credits,
        "credits stay credits"
    );
    assert_eq!(first.last_status, Some(TurnStatus::Done));
    let c = &list[0];
    assert_eq!(c.models, vec!["demo/demo-fast", "demo/demo-coder"]);
    assert_eq!(
        (c.count, c.output_tokens, c.cost_unknown),
        (2, 5, 1),
        "unknown price is counted, not zero"
    );
    assert_eq!(s.comparison(cmp.id).unwrap().verdicts[0].verdict, "best");
    // Paging.
    assert_eq!(
        s.list(2, 1)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        vec![b, a]
    );
}

#[test]
fn search_finds_prompts_and_answers_of_finished_turns() {
    let dir = TempDir::new("search");
    let s = Store::open(dir.path()).unwrap();
    let a = chat(
        &s,
        "demo/demo-fast",
        &[
            ("tell me about lighthouses", "they guide ships"),
            ("and café?", "coffee"),
        ],
    );
    chat(&s, "demo/demo-fast", &[("unrelated", "nothing here")]);
    let mut live = s
        .begin_conversation(&NewConversation::default(), turn("lighthouse keeper"))
        .unwrap();
    live.push_text("streaming text");
    live.flush().unwrap();

    let hits = s.search("lighthouse", 10).unwrap();
    assert_eq!(
        hits.len(),
        1,
        "prefix match; the streaming turn is not indexed yet: {hits:?}"
    );
    assert_eq!((hits[0].conversation_id, hits[0].position), (a, 0));
    assert!(
        hits[0].snippet.contains("[lighthouses]"),
        "{}",
        hits[0].snippet
    );
    assert_eq!(
        s.search("ships", 10).unwrap().len(),
        1,
        "answers are searched"
    );
    assert_eq!(s.search("cafe", 10).unwrap().len(), 1, "diacritics folded");
    assert!(
        s.search("\"unbalanced -quote OR", 10).unwrap().is_empty(),
        "no syntax errors"
    );
    live.finish(TurnStatus::Done, None, None).unwrap();
    assert_eq!(
        s.search("keeper", 10).unwrap().len(),
        1,
        "indexed once finished"
    );
    s.delete_conversation(a).unwrap();
    assert!(
        s.search("ships", 10).unwrap().is_empty(),
        "deleted turns leave the index"
    );
}

#[test]
fn resume_loads_the_history_as_messages() {
    let dir = TempDir::new("resume");
    let s = Store::open(dir.path()).unwrap();
    let new = NewConversation {
        system_prompt: Some("be brief".into()),
        ..NewConversation::default()
    };
    let mut w = s.begin_conversation(&new, turn("q1")).unwrap();
    let id = w.conversation();
    w.push_reasoning("thinking");
    w.push_text("a1");
    w.finish(TurnStatus::Done, None, None).unwrap();
    let w = s.begin_turn(id, turn("failed before any text")).unwrap();
    w.finish(TurnStatus::Failed, Some("HTTP 500"), None)
        .unwrap();
    let mut w = s.begin_turn(id, turn("q3")).unwrap();
    w.push_text("partial");
    w.finish(TurnStatus::Cancelled, None, None).unwrap();

    let m = s.messages(id).unwrap();
    let roles: Vec<Role> = m.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::System,
            Role::User,
            Role::Assistant,
            Role::User,
            Role::Assistant
        ]
    );
    assert_eq!(m[1].joined_text(), "q1");
    assert_eq!(
        m[2].parts[0],
        Part::Reasoning {
            text: "thinking".into(),
            signature: None,
        }
    );
    assert_eq!(m[2].joined_text(), "a1");
    assert_eq!(m[4].joined_text(), "partial");

    // The recorder continues it: history before the new prompt, the turn appended.
    let mut rec = Recorder::new(s.clone(), Some(id), "test");
    let mut chat = ChatRequest::new("m", "q4");
    rec.prepend_history(&mut chat).unwrap();
    assert_eq!(chat.messages.len(), 6);
    assert_eq!(chat.messages[5], Message::text(Role::User, "q4"));
    rec.begin("demo/demo-fast", Some("openai-chat"), &chat)
        .unwrap();
    let ex = exchange(1, 1);
    rec.finish(&ex, None).unwrap().unwrap();
    let turns = s.turns(id).unwrap();
    assert_eq!((turns.len(), turns[3].prompt.as_str()), (4, "q4"));
}

#[test]
fn rename_delete_and_branch() {
    let dir = TempDir::new("branch");
    let s = Store::open(dir.path()).unwrap();
    let id = chat(
        &s,
        "demo/demo-fast",
        &[("one", "1"), ("two", "2"), ("three", "3")],
    );
    s.rename(id, "  Counting  ").unwrap();
    assert_eq!(s.conversation(id).unwrap().title, "Counting");
    assert!(s.rename(id, " ").is_err());
    assert!(s.rename(999, "x").is_err());

    let turns = s.turns(id).unwrap();
    let branch = s.branch(turns[1].id, false).unwrap();
    let copied = s.turns(branch).unwrap();
    assert_eq!(copied.len(), 1, "turns before the branch point");
    assert_eq!(copied[0].parent_turn_id, Some(turns[0].id));
    assert_eq!(
        s.conversation(branch).unwrap().branched_from_turn,
        Some(turns[1].id)
    );
    let w = s
        .begin_turn(
            branch,
            NewTurn {
                model: "demo/demo-fast",
                prompt: "TWO, edited",
                parent_turn: Some(turns[1].id),
            },
        )
        .unwrap();
    w.finish(TurnStatus::Done, None, None).unwrap();
    assert_eq!(s.turns(branch).unwrap()[1].prompt, "TWO, edited");
    assert_eq!(s.turns(id).unwrap().len(), 3, "the original is kept");
    let dup = s.branch(turns[2].id, true).unwrap();
    assert_eq!(
        s.turns(dup).unwrap().len(),
        3,
        "a duplicate through the turn"
    );

    let ex_before = s.changes_since(0, 100).unwrap().len();
    s.delete_conversation(id).unwrap();
    assert!(s.conversation(id).is_err());
    assert!(s.turns(id).unwrap().is_empty());
    assert_eq!(
        s.changes_since(0, 100).unwrap().len(),
        ex_before - 3,
        "exchanges cascade"
    );
    assert_eq!(
        s.conversation(branch).unwrap().branched_from_turn,
        None,
        "the branch survives"
    );
    assert!(s.delete_conversation(id).is_err());
}

#[test]
fn titles_come_from_the_first_line() {
    assert_eq!(auto_title("  \n  Hello   there \nsecond"), "Hello there");
    assert_eq!(auto_title(""), "untitled");
    let long =
        "Explain the difference between server-sent events and websockets for streaming tokens";
    let t = auto_title(long);
    assert_eq!(t, "Explain the difference between server-sent events and…");
    assert!(t.chars().count() <= 61);
    let cjk = "流".repeat(100);
    assert_eq!(auto_title(&cjk).chars().count(), 61);
}

#[test]
fn exchanges_keep_frames_up_to_the_cap_and_changes_since_follows_them() {
    let dir = TempDir::new("frames");
    let opts = switchboard::store::OpenOptions {
        frames_cap: 8 * 1024,
    };
    let s = Store::open_with(dir.path(), opts).unwrap();
    let small = exchange(5, 1);
    let big = exchange(2000, 1);
    let rec = |e| ExchangeRecord {
        exchange: e,
        source: "proxy",
        model: None,
        protocol: None,
        cost: None,
        packed: None,
    };
    let a = s.record_exchange(None, &rec(&small)).unwrap();
    let b = s.record_exchange(None, &rec(&big)).unwrap();
    let full = s.exchange(a).unwrap();
    assert_eq!(full.exchange.frames, small.frames);
    assert_eq!(full.exchange.usage, small.usage);
    assert_eq!(full.exchange.request, small.request);
    assert!(!full.summary.frames_truncated);
    let cut = s.exchange(b).unwrap();
    assert!(cut.summary.frames_truncated);
    assert!(cut.frames_note.unwrap().contains("of 2000 frames"));
    assert_eq!(cut.exchange.frames.first(), big.frames.first());
    assert_eq!(cut.exchange.frames.last(), big.frames.last());

    let seen = s.changes_since(0, 10).unwrap();
    assert_eq!(seen.iter().map(|e| e.id).collect::<Vec<_>>(), vec![a, b]);
    assert!(s.changes_since(b, 10).unwrap().is_empty());
    // Another connection (another process, in effect) writes: the first one sees it.
    let other = Store::open(dir.path()).unwrap();
    let version = s.data_version().unwrap();
    let c = other.record_exchange(None, &rec(&small)).unwrap();
    assert_ne!(s.data_version().unwrap(), version, "a cheap signal to poll");
    assert_eq!(s.changes_since(b, 10).unwrap()[0].id, c);
}

#[test]
fn prune_removes_what_is_old() {
    let dir = TempDir::new("prune");
    let s = Store::open(dir.path()).unwrap();
    let old = chat(&s, "demo/demo-fast", &[("old", "x")]);
    let fresh = chat(&s, "demo/demo-fast", &[("fresh", "y")]);
    let c = rusqlite::Connection::open(s.path()).unwrap();
    c.execute(
        "UPDATE conversations SET updated_ms = 1000 WHERE id = ?1",
        [old],
    )
    .unwrap();
    let r = s.prune(Duration::from_secs(90 * 86400)).unwrap();
    assert_eq!((r.conversations, r.comparisons), (1, 0));
    assert!(s.conversation(old).is_err());
    assert!(s.conversation(fresh).is_ok());
}
