//! The schema, versioned with `PRAGMA user_version`, and its migrations. Each migration
//! runs once, in order, inside one transaction with the version bump; a database from a
//! newer version is refused before anything is written to it.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::{Result, StoreError};

/// `PRAGMA application_id` of a Switchboard database ("SwBd").
pub const APPLICATION_ID: i64 = 0x5377_4264;

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: [&str; 2] = [V1_TABLES, V2_SEARCH];

/// Conversations, turns, comparisons (lanes are conversations of their own, so a lane
/// streams through the same no-loss turn machinery), verdicts, exchanges and their frames.
/// Every foreign key has an index, so cascades and `SET NULL` never scan a table.
const V1_TABLES: &str = "
CREATE TABLE comparisons (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    prompt TEXT NOT NULL,
    system_prompt TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX comparisons_updated ON comparisons(updated_ms);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    models TEXT NOT NULL DEFAULT '[]',
    system_prompt TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    comparison_id INTEGER REFERENCES comparisons(id) ON DELETE CASCADE,
    branched_from_turn INTEGER REFERENCES turns(id) ON DELETE SET NULL
);
CREATE INDEX conversations_updated ON conversations(comparison_id, updated_ms);
CREATE INDEX conversations_branched ON conversations(branched_from_turn)
    WHERE branched_from_turn IS NOT NULL;

CREATE TABLE turns (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    parent_turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    reasoning TEXT NOT NULL DEFAULT '',
    tool_calls TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('streaming', 'done', 'cancelled', 'failed', 'interrupted')),
    error TEXT,
    lease TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    UNIQUE (conversation_id, position)
);
CREATE INDEX turns_streaming ON turns(lease) WHERE status = 'streaming';
CREATE INDEX turns_parent ON turns(parent_turn_id) WHERE parent_turn_id IS NOT NULL;

CREATE TABLE lanes (
    id INTEGER PRIMARY KEY,
    comparison_id INTEGER NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    model TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    UNIQUE (comparison_id, position)
);
CREATE INDEX lanes_conversation ON lanes(conversation_id);

CREATE TABLE verdicts (
    id INTEGER PRIMARY KEY,
    comparison_id INTEGER NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE,
    lane_id INTEGER REFERENCES lanes(id) ON DELETE CASCADE,
    verdict TEXT NOT NULL,
    note TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX verdicts_comparison ON verdicts(comparison_id);
CREATE INDEX verdicts_lane ON verdicts(lane_id) WHERE lane_id IS NOT NULL;

CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    turn_id INTEGER REFERENCES turns(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    model TEXT,
    protocol TEXT,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    request TEXT NOT NULL,
    status INTEGER,
    response_headers TEXT NOT NULL DEFAULT '[]',
    body TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    input_tokens INTEGER,
    output_tokens INTEGER,
    usage TEXT,
    cost TEXT,
    cost_currency TEXT,
    provider_cost TEXT,
    provider_cost_currency TEXT,
    started_ms INTEGER NOT NULL,
    ttfb_us INTEGER,
    ttft_us INTEGER,
    total_us INTEGER,
    stop_reason TEXT,
    decode_errors TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    frame_count INTEGER NOT NULL DEFAULT 0,
    frames_truncated INTEGER NOT NULL DEFAULT 0,
    frames_note TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX exchanges_turn ON exchanges(turn_id);
CREATE INDEX exchanges_started ON exchanges(started_ms);

-- Frames apart from the exchange row, so listing and summing exchanges never pages
-- through megabytes of raw stream.
CREATE TABLE exchange_frames (
    exchange_id INTEGER PRIMARY KEY REFERENCES exchanges(id) ON DELETE CASCADE,
    encoding INTEGER NOT NULL,
    data BLOB NOT NULL
);
";

/// Full-text search over prompts and answers. The index holds a turn once it stops
/// streaming (so the appends of a live stream do not rewrite it every 250 ms); one update
/// trigger removes the old entry before adding the new, in that order, which an external
/// content FTS5 table needs.
const V2_SEARCH: &str = "
CREATE VIRTUAL TABLE turns_fts USING fts5(
    prompt, answer,
    content = 'turns', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO turns_fts(rowid, prompt, answer)
    SELECT id, prompt, answer FROM turns WHERE status != 'streaming';
CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns WHEN new.status != 'streaming' BEGIN
    INSERT INTO turns_fts(rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer);
END;
CREATE TRIGGER turns_fts_update AFTER UPDATE OF prompt, answer, status ON turns BEGIN
    INSERT INTO turns_fts(turns_fts, rowid, prompt, answer)
        SELECT 'delete', old.id, old.prompt, old.answer WHERE old.status != 'streaming';
    INSERT INTO turns_fts(rowid, prompt, answer)
        SELECT new.id, new.prompt, new.answer WHERE new.status != 'streaming';
END;
CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns WHEN old.status != 'streaming' BEGIN
    INSERT INTO turns_fts(turns_fts, rowid, prompt, answer)
        VALUES ('delete', old.id, old.prompt, old.answer);
END;
";

/// The schema version of an open database.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Refuses a database from a newer Switchboard or from another program. Reads only.
pub fn check(conn: &Connection, path: &Path) -> Result<()> {
    let found = version(conn)?;
    if found > VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: VERSION,
        });
    }
    let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    let ours = app == APPLICATION_ID || (app == 0 && found == 0 && tables == 0);
    if !ours {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Brings the schema up to `VERSION`.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, VERSION)
}

/// Brings the schema up to `target` (tests build each earlier version with it). Safe
/// against a second process migrating at the same moment: the version is read again
/// inside the write transaction.
pub fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    if version(conn)? >= target {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found > VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let to = i as i64 + 1;
        if to > found && to <= target {
            tx.execute_batch(sql)?;
        }
    }
    tx.pragma_update(None, "user_version", target.max(found))?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}
