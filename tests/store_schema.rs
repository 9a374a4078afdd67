//! Schema versions: a new database, every earlier version upgraded with its data, reopening
//! changes nothing, and a database from a newer Switchboard (or another program) is
//! refused and left byte for byte as it was.

mod store_support;

use rusqlite::Connection;
use store_support::TempDir;
use switchboard::store::{
    DB_FILE, NewConversation, NewTurn, Store, StoreError, TurnStatus, schema,
};

fn user_version(dir: &std::path::Path) -> i64 {
    let c = Connection::open(dir.join(DB_FILE)).unwrap();
    c.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn file_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_new_database_gets_the_current_schema_in_wal_mode() {
    let dir = TempDir::new("new");
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    assert_eq!(user_version(dir.path()), schema::VERSION);
    let c = Connection::open(dir.path().join(DB_FILE)).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn every_earlier_version_upgrades_with_its_data() {
    for from in 0..schema::VERSION {
        let dir = TempDir::new("upgrade");
        let path = dir.path().join(DB_FILE);
        {
            let mut c = Connection::open(&path).unwrap();
            schema::migrate_to(&mut c, &path, from).unwrap();
            if from >= 1 {
                // Rows as version 1 wrote them (version 2 added search).
                c.execute_batch(
                    "INSERT INTO conversations (id, title, created_ms, updated_ms, models)
                         VALUES (1, 'old chat', 1, 2, '[\"demo/demo-fast\"]');
                     INSERT INTO turns (conversation_id, position, model, prompt, answer, status,
                         created_ms, updated_ms)
                         VALUES (1, 0, 'demo/demo-fast', 'what is a lighthouse', 'a tower', 'done', 1, 2);
                     INSERT INTO turns (conversation_id, position, model, prompt, answer, status,
                         created_ms, updated_ms)
                         VALUES (1, 1, 'demo/demo-fast', 'and a beacon', 'half', 'streaming', 1, 2);",
                )
                .unwrap();
            }
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        if from >= 1 {
            let turns = store.turns(1).unwrap();
            assert_eq!(turns[0].answer, "a tower");
            // Left streaming by no live process: interrupted, text kept.
            assert_eq!(turns[1].status, TurnStatus::Interrupted);
            assert_eq!(turns[1].answer, "half");
            let hits = store.search("lighthouse", 10).unwrap();
            assert_eq!(hits.len(), 1, "upgraded rows are searchable (from v{from})");
            assert_eq!(
                store.search("beacon", 10).unwrap().len(),
                1,
                "interrupted turns too"
            );
        }
        drop(store);
        assert_eq!(user_version(dir.path()), schema::VERSION, "from v{from}");
    }
}

#[test]
fn reopening_is_idempotent() {
    let dir = TempDir::new("reopen");
    {
        let s = Store::open(dir.path()).unwrap();
        let w = s
            .begin_conversation(
                &NewConversation::default(),
                NewTurn {
                    model: "demo/demo-fast",
                    prompt: "hello",
                    parent_turn: None,
                },
            )
            .unwrap();
        w.finish(TurnStatus::Done, None, None).unwrap();
    }
    for _ in 0..3 {
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.list(10, 0).unwrap().len(), 1);
        assert_eq!(
            s.search("hello", 5).unwrap().len(),
            1,
            "the index is not rebuilt twice"
        );
    }
    assert_eq!(user_version(dir.path()), schema::VERSION);
}

#[test]
fn a_newer_database_is_refused_and_left_untouched() {
    let dir = TempDir::new("newer");
    {
        let c = Connection::open(dir.path().join(DB_FILE)).unwrap();
        c.execute_batch(&format!(
            "CREATE TABLE future (x); INSERT INTO future VALUES (42);
             PRAGMA application_id = {}; PRAGMA user_version = {};",
            schema::APPLICATION_ID,
            schema::VERSION + 7
        ))
        .unwrap();
    }
    let before = file_bytes(dir.path());
    let err = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found, .. } if found == schema::VERSION + 7),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("newer") && msg.contains("untouched"), "{msg}");
    assert_eq!(
        file_bytes(dir.path()),
        before,
        "not a byte changed, no file added"
    );
}

#[test]
fn another_programs_database_is_refused() {
    let dir = TempDir::new("foreign");
    {
        let c = Connection::open(dir.path().join(DB_FILE)).unwrap();
        c.execute_batch("CREATE TABLE notes (body TEXT);").unwrap();
    }
    let before = file_bytes(dir.path());
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert_eq!(file_bytes(dir.path()), before);
}
