//! Logging to a file in the platform state directory (never to the terminal the UI draws
//! on). `SWITCHBOARD_LOG` sets the level (`debug`) or a full filter (`switchboard=trace`).

use std::fs::OpenOptions;
use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Keeps the log writer alive; drop it last, to flush.
#[derive(Debug)]
pub struct LogGuard {
    /// The log file.
    pub path: PathBuf,
    _worker: WorkerGuard,
}

/// The log file's path: the state dir where the platform has one, else the local data dir.
pub fn log_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "switchboard")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(dir.join("switchboard.log"))
}

/// The filter for a `SWITCHBOARD_LOG` value: a bare level applies to Switchboard (its
/// dependencies stay at `warn`); anything else is an `EnvFilter` directive list.
pub fn filter(value: Option<&str>) -> EnvFilter {
    let directives = match value.map(str::trim) {
        None | Some("") => "switchboard=info,warn".to_string(),
        Some(level @ ("error" | "warn" | "info" | "debug" | "trace")) => {
            format!("switchboard={level},warn")
        }
        Some(other) => other.to_string(),
    };
    EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("switchboard=info,warn"))
}

/// Starts logging to the file. `None` when the directory cannot be made or a global
/// subscriber is already set: then nothing is logged, and the help overlay says so.
pub fn init() -> Option<LogGuard> {
    let path = log_path()?;
    std::fs::create_dir_all(path.parent()?).ok()?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, worker) = tracing_appender::non_blocking(file);
    let level = std::env::var("SWITCHBOARD_LOG").ok();
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter(level.as_deref()))
        .try_init()
        .ok()?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "switchboard started");
    Some(LogGuard {
        path,
        _worker: worker,
    })
}
