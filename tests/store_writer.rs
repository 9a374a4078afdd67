//! The no-loss machinery in one process: the prompt is committed at once, text in batches,
//! a writer dropped mid-stream leaves an interrupted turn, and at open a turn is marked
//! interrupted only when no live process holds its lease.

mod store_support;

use std::time::{Duration, Instant};

use rusqlite::Connection;
use store_support::TempDir;
use switchboard::store::{NewConversation, NewTurn, Store, TurnStatus, TurnWriter};

fn turn<'a>(prompt: &'a str) -> NewTurn<'a> {
    NewTurn {
        model: "demo/demo-fast",
        prompt,
        parent_turn: None,
    }
}

/// What another connection sees of turn `id` right now: (status, answer).
fn seen(store: &Store, id: i64) -> (String, String) {
    let c = Connection::open(store.path()).unwrap();
    c.query_row(
        "SELECT status, answer FROM turns WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[test]
fn the_prompt_is_committed_before_anything_is_sent_and_text_in_batches() {
    let dir = TempDir::new("batches");
    let s = Store::open(dir.path()).unwrap();
    let mut w = s
        .begin_conversation(&NewConversation::default(), turn("the prompt"))
        .unwrap();
    let id = w.turn();
    assert_eq!(
        seen(&s, id),
        ("streaming".into(), String::new()),
        "committed at begin"
    );

    let start = Instant::now();
    w.push_text("Hello");
    assert!(!w.flush_if_due(start).unwrap(), "not yet due");
    assert_eq!(seen(&s, id).1, "");
    w.push_text(", world");
    assert!(w.flush_if_due(start + TurnWriter::FLUSH_EVERY).unwrap());
    assert_eq!(seen(&s, id).1, "Hello, world", "due after 250 ms");
    assert!(
        !w.flush_if_due(start + Duration::from_secs(9)).unwrap(),
        "nothing waiting"
    );
    w.push_text("!");
    w.push_tool_call(0, Some("call_1"), Some("lookup"), "{\"q\":");
    w.push_tool_call(0, None, None, "1}");
    w.finish(TurnStatus::Done, None, None).unwrap();
    assert_eq!(
        seen(&s, id),
        ("done".into(), "Hello, world!".into()),
        "the rest at finish"
    );
    let t = s.turn(id).unwrap();
    assert_eq!(t.tool_calls[0].name, "lookup");
    assert_eq!(t.tool_calls[0].arguments, "{\"q\":1}");
}

#[test]
fn a_dropped_writer_leaves_an_interrupted_turn_with_its_text() {
    let dir = TempDir::new("drop");
    let s = Store::open(dir.path()).unwrap();
    let mut w = s
        .begin_conversation(&NewConversation::default(), turn("p"))
        .unwrap();
    let id = w.turn();
    w.push_text("partial");
    drop(w);
    let t = s.turn(id).unwrap();
    assert_eq!(
        (t.status, t.answer.as_str()),
        (TurnStatus::Interrupted, "partial")
    );
}

#[test]
fn a_live_writer_is_left_alone_and_a_dead_one_is_marked_interrupted() {
    let dir = TempDir::new("lease");
    let writer_store = Store::open(dir.path()).unwrap();
    let mut w = writer_store
        .begin_conversation(&NewConversation::default(), turn("p"))
        .unwrap();
    let id = w.turn();
    w.push_text("so far");
    w.flush().unwrap();

    // Another opener while the writer lives: its lease is held, the turn stays streaming.
    let other = Store::open(dir.path()).unwrap();
    assert_eq!(other.recover_interrupted().unwrap(), 0);
    assert_eq!(other.turn(id).unwrap().status, TurnStatus::Streaming);

    // A turn stamped with a lease nobody holds (its process died): interrupted, text kept.
    let c = Connection::open(other.path()).unwrap();
    c.execute_batch(
        "INSERT INTO turns (conversation_id, position, model, prompt, answer, status, lease,
             created_ms, updated_ms)
         SELECT conversation_id, 5, model, 'dead', 'dead text', 'streaming', '999999-1', 0, 0
         FROM turns LIMIT 1;",
    )
    .unwrap();
    std::fs::write(dir.path().join("leases/999999-1.lock"), b"").unwrap();
    assert_eq!(other.recover_interrupted().unwrap(), 1);
    let dead = other.turns(w.conversation()).unwrap().pop().unwrap();
    assert_eq!(
        (dead.status, dead.answer.as_str()),
        (TurnStatus::Interrupted, "dead text")
    );
    assert!(
        !dir.path().join("leases/999999-1.lock").exists(),
        "the dead lease is cleared"
    );
    assert_eq!(
        other.turn(id).unwrap().status,
        TurnStatus::Streaming,
        "the live one untouched"
    );

    w.push_text(", and the rest");
    w.finish(TurnStatus::Done, None, None).unwrap();
    assert_eq!(other.turn(id).unwrap().answer, "so far, and the rest");
}

#[test]
fn two_connections_write_at_once() {
    let dir = TempDir::new("threads");
    Store::open(dir.path()).unwrap();
    let handles: Vec<_> = (0..2)
        .map(|n| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let s = Store::open(&path).unwrap();
                for i in 0..20 {
                    let prompt = format!("thread {n} turn {i}");
                    let mut w = s
                        .begin_conversation(&NewConversation::default(), turn(&prompt))
                        .unwrap();
                    for k in 0..10 {
                        w.push_text(&format!("{k} "));
                        w.flush().unwrap();
                    }
                    w.finish(TurnStatus::Done, None, None).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let all = s.list(100, 0).unwrap();
    assert_eq!(all.len(), 40);
    for e in all {
        let t = &s.turns(e.id).unwrap()[0];
        assert_eq!(t.answer, "0 1 2 3 4 5 6 7 8 9 ");
    }
    assert_eq!(s.integrity_check().unwrap(), "ok");
}

#[test]
fn a_store_and_a_writer_move_into_request_tasks() {
    fn sendable<T: Send + Sync>() {}
    fn movable<T: Send>() {}
    sendable::<Store>();
    movable::<TurnWriter>();
    movable::<switchboard::store::Recorder>();
}
