//! The history store: one SQLite database (WAL mode) holding conversations, their turns,
//! comparisons with lanes and verdicts, and every exchange (the redacted request, the
//! response, raw frames, usage and cost).
//!
//! Nothing typed or received is lost: a turn's prompt is committed (status `streaming`)
//! before its request is sent, streamed text is appended in small transactions at least
//! every 250 ms while it arrives (`TurnWriter`), and a turn left `streaming` by a process
//! that died is marked `interrupted`, partial text kept, by the next process that opens
//! the store (`lease.rs` tells a dead writer from a live one).
//!
//! Files: `schema.rs` migrations; `lease.rs` writer leases and recovery; `writer.rs`
//! `TurnWriter`; `record.rs` `Recorder`, which feeds a writer from the runner's updates;
//! `exchange.rs` and `frames.rs` exchanges and their frames; `conversation.rs` turns,
//! resume, rename, delete, branch; `comparison.rs`; `browse.rs` the browser's list and
//! full-text search; `prune.rs` retention; `transfer.rs` export and import; `paths.rs`
//! where the database lives.

mod browse;
mod comparison;
mod conversation;
mod exchange;
mod frames;
mod lease;
pub mod paths;
mod prune;
mod record;
pub mod schema;
mod signed;
mod transfer;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use browse::{EntryKind, HistoryEntry, SearchHit};
pub use comparison::{Comparison, Lane, NewLane, Verdict};
pub use conversation::{
    Conversation, NewConversation, ToolCallRecord, Turn, TurnStatus, auto_title,
};
pub use exchange::{ExchangeRecord, ExchangeSummary, StoredExchange};
pub use frames::{PackedFrames, decode_frames, encode_frames, pack_frames};
pub use prune::{PruneReport, parse_age};
pub use record::{Recorder, outcome};
pub use transfer::{ExportFormat, Imported, export, parse_import};
pub use writer::{NewTurn, TurnWriter};

/// A conversation's row id.
pub type ConversationId = i64;
/// A turn's row id.
pub type TurnId = i64;
/// An exchange's row id; ids only grow, so `changes_since` can poll by id.
pub type ExchangeId = i64;
/// A comparison's row id.
pub type ComparisonId = i64;
/// A comparison lane's row id.
pub type LaneId = i64;

/// The database file inside the data directory.
pub const DB_FILE: &str = "switchboard.db";
/// The default cap on the raw frames kept per exchange.
pub const DEFAULT_FRAMES_CAP: usize = 4 * 1024 * 1024;
/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database was written by a newer Switchboard; it is left untouched.
    #[error(
        "the history database {path} has schema version {found}, newer than this \
         Switchboard knows ({supported}); it was left untouched: upgrade Switchboard, or \
         use --data-dir for a separate history"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The file is an SQLite database, but not one of ours.
    #[error("{path} is not a Switchboard history database; it was left untouched")]
    Foreign { path: PathBuf },
    /// The data directory or a lease file could not be made.
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A conversation, turn, comparison or exchange that does not exist.
    #[error("no {0}")]
    NotFound(String),
    /// Input that cannot be stored: a bad import file, an empty title.
    #[error("{0}")]
    Invalid(String),
    /// SQLite said no.
    #[error("history database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How to open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Raw frames kept per exchange, in encoded bytes; beyond it the middle is dropped.
    pub frames_cap: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            frames_cap: DEFAULT_FRAMES_CAP,
        }
    }
}

/// An open history store. Cheap to clone: clones share one connection (behind a mutex)
/// and one writer lease, so a `TurnWriter` can move into a request task.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    dir: PathBuf,
    path: PathBuf,
    options: OpenOptions,
    lease: Mutex<Option<lease::Lease>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, with default options.
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_with(dir, OpenOptions::default())
    }

    /// Opens the store in `dir`: creates the directory and database, refuses a database
    /// from a newer schema (untouched), runs migrations, and marks turns left `streaming`
    /// by dead processes `interrupted`.
    pub fn open_with(dir: &Path, options: OpenOptions) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            what: "cannot create the data directory",
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Checked before anything is written: a newer or foreign database stays as it is.
        schema::check(&conn, &path)?;
        // WAL: readers never block the writer and commits are appends. NORMAL sync in WAL
        // survives a killed process (only a power cut can lose the last commits).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn, &path)?;
        let store = Store {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                dir: dir.to_path_buf(),
                path,
                options,
                lease: Mutex::new(None),
            }),
        };
        store.recover_interrupted()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Changes whenever another connection commits: a cheap test before polling
    /// `changes_since`.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic elsewhere while holding the lock leaves SQLite itself consistent.
        self.inner.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in one short write transaction (`BEGIN IMMEDIATE`, so two processes queue
    /// on the busy timeout instead of failing to upgrade a read lock).
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
