//! Writer leases: how a process opening the store tells a turn left `streaming` by a dead
//! process (to be marked `interrupted`) from one another process is streaming right now.
//!
//! A process that writes turns first takes a lease: a small file `leases/<id>.lock` in
//! the data directory on which it holds an exclusive SQLite lock (`BEGIN EXCLUSIVE`) for as
//! long as it lives, and it stamps its streaming turns with `<id>`. The operating system
//! drops the lock when the process ends, however it ends (SIGKILL included). To test a
//! lease, try to take the same lock without waiting: if that works, or the file is gone,
//! the writer is dead. This needs no heartbeat (a PID plus heartbeat column would need a
//! timer in every writer, and would misjudge a long silent stream or a reused PID), and it
//! works the same on every platform SQLite runs on, because it is SQLite's own locking.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, params};

use super::{Result, Store, StoreError, now_ms};

/// The lease a process holds while it may write turns.
pub struct Lease {
    id: String,
    path: PathBuf,
    /// Holds the exclusive lock; dropping it releases the lease.
    _lock: Connection,
}

impl Lease {
    /// Takes a new lease in `dir/leases`.
    pub fn take(dir: &Path) -> Result<Lease> {
        let leases = dir.join("leases");
        std::fs::create_dir_all(&leases).map_err(|source| StoreError::Io {
            what: "cannot create the lease directory",
            path: leases.clone(),
            source,
        })?;
        let id = format!("{}-{}", std::process::id(), now_nanos());
        let path = leases.join(format!("{id}.lock"));
        let lock = Connection::open(&path)?;
        lock.pragma_update(None, "journal_mode", "MEMORY")?;
        lock.execute_batch("BEGIN EXCLUSIVE")?;
        Ok(Lease {
            id,
            path,
            _lock: lock,
        })
    }

    /// The id stamped on this process's streaming turns.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn lease_file(dir: &Path, id: &str) -> PathBuf {
    dir.join("leases").join(format!("{id}.lock"))
}

/// True when a live process holds the lease file's lock.
fn is_held(path: &Path) -> bool {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(probe) = Connection::open_with_flags(path, flags) else {
        return false;
    };
    let _ = probe.busy_timeout(Duration::ZERO);
    let _ = probe.pragma_update(None, "journal_mode", "MEMORY");
    match probe.execute_batch("BEGIN EXCLUSIVE") {
        Ok(()) => {
            let _ = probe.execute_batch("ROLLBACK");
            false
        }
        Err(_) => true,
    }
}

impl Store {
    /// This process's lease id, taking the lease on first use.
    pub(super) fn lease_id(&self) -> Result<String> {
        let mut lease = self.inner.lease.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = lease.as_ref() {
            return Ok(l.id().to_string());
        }
        let l = Lease::take(&self.inner.dir)?;
        let id = l.id().to_string();
        *lease = Some(l);
        Ok(id)
    }

    /// Marks `interrupted` every turn left `streaming` by a process that no longer holds
    /// its lease, keeping the text it had committed; removes dead lease files. Runs at
    /// open; the UI may call it again. Returns how many turns were marked.
    pub fn recover_interrupted(&self) -> Result<usize> {
        let own = self
            .inner
            .lease
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|l| l.id().to_string());
        let leases: Vec<Option<String>> = {
            let conn = self.conn();
            let mut stmt =
                conn.prepare("SELECT DISTINCT lease FROM turns WHERE status = 'streaming'")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut marked = 0;
        for lease in leases {
            if lease.is_some() && lease == own {
                continue;
            }
            let file = lease.as_deref().map(|id| lease_file(&self.inner.dir, id));
            if file.as_deref().is_some_and(is_held) {
                continue;
            }
            marked += self.write(|tx| {
                Ok(tx.execute(
                    "UPDATE turns SET status = 'interrupted', lease = NULL, updated_ms = ?1,
                         error = coalesce(error, 'the process writing this turn stopped before it finished')
                     WHERE status = 'streaming' AND lease IS ?2",
                    params![now_ms(), lease],
                )?)
            })?;
            if let Some(f) = file {
                let _ = std::fs::remove_file(f);
            }
        }
        self.remove_dead_lease_files(own.as_deref());
        Ok(marked)
    }

    /// Lease files of writers that died without streaming turns are litter: remove them.
    /// A file younger than a few seconds may be one another process has just created and
    /// not yet locked, so it is left alone.
    fn remove_dead_lease_files(&self, own: Option<&str>) {
        let Ok(entries) = std::fs::read_dir(self.inner.dir.join("leases")) else {
            return;
        };
        for entry in entries.flatten().take(64) {
            let path = entry.path();
            let is_own = own.is_some_and(|id| path == lease_file(&self.inner.dir, id));
            let is_lock = path.extension().is_some_and(|e| e == "lock");
            let settled = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > Duration::from_secs(10)));
            if is_lock && settled && !is_own && !is_held(&path) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}
