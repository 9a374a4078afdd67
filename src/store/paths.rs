//! Where the history lives: `--data-dir`, else `SWITCHBOARD_DATA_DIR`, else the platform
//! data directory; and whether to store at all (`--no-store`, `SWITCHBOARD_NO_STORE`).

use std::path::{Path, PathBuf};

/// The environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";
/// The environment variable that turns storing off (`1`, `true`, `yes`).
pub const NO_STORE_ENV: &str = "SWITCHBOARD_NO_STORE";

/// The data directory and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    pub path: PathBuf,
    /// Named by `--data-dir` or `SWITCHBOARD_DATA_DIR`.
    pub explicit: bool,
}

impl DataDir {
    /// The database file in this directory.
    pub fn db_file(&self) -> PathBuf {
        self.path.join(super::DB_FILE)
    }
}

/// `--data-dir` first, then `SWITCHBOARD_DATA_DIR`, then the platform data directory
/// (`~/.local/share/switchboard` on Linux).
pub fn locate(cli: Option<&Path>) -> DataDir {
    if let Some(p) = cli {
        return DataDir {
            path: p.to_path_buf(),
            explicit: true,
        };
    }
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|p| !p.is_empty()) {
        return DataDir {
            path: PathBuf::from(p),
            explicit: true,
        };
    }
    let path = directories::ProjectDirs::from("", "", "switchboard")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("switchboard-data"));
    DataDir {
        path,
        explicit: false,
    }
}

/// True when `SWITCHBOARD_NO_STORE` asks to run without history.
pub fn no_store_env() -> bool {
    std::env::var(NO_STORE_ENV).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins() {
        let d = locate(Some(Path::new("/tmp/x")));
        assert!(d.explicit);
        assert_eq!(d.db_file(), Path::new("/tmp/x/switchboard.db"));
    }
}
