//! The providers' live model lists on disk, with when each was fetched, so the catalog does
//! not ask the network every time. One JSON file; a list older than a day is stale.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ModelInfo;

/// A list older than this many seconds is shown as stale.
pub const STALE_AFTER_SECS: u64 = 24 * 60 * 60;

const VERSION: u32 = 1;

/// The whole cache file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogCache {
    #[serde(default)]
    pub version: u32,
    /// By provider name.
    #[serde(default)]
    pub providers: BTreeMap<String, CachedList>,
}

/// One provider's last good live list, and its last failed refresh if that came later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedList {
    /// Unix seconds.
    pub fetched_at: u64,
    /// The request, keys masked.
    pub url: String,
    pub models: Vec<ModelInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<FailedRefresh>,
}

/// A refresh that did not work; the list before it is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedRefresh {
    pub at: u64,
    pub message: String,
}

impl CachedList {
    /// Seconds since the fetch (zero if the clock went back).
    pub fn age_secs(&self, now: u64) -> u64 {
        now.saturating_sub(self.fetched_at)
    }

    /// Older than a day.
    pub fn is_stale(&self, now: u64) -> bool {
        self.age_secs(now) > STALE_AFTER_SECS
    }
}

impl CatalogCache {
    /// `catalog.json` in the platform cache dir (`~/.cache/switchboard` on Linux).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "switchboard")
            .map(|d| d.cache_dir().join("catalog.json"))
    }

    /// Reads the cache. A missing file is an empty cache; an unreadable or malformed one is
    /// an error (the caller says so and goes on without it).
    pub fn load(path: &Path) -> Result<CatalogCache, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(CatalogCache::default());
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let cache: CatalogCache = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a catalog cache: {e}", path.display()))?;
        if cache.version != VERSION {
            // An older layout: start afresh rather than misread it.
            return Ok(CatalogCache::default());
        }
        Ok(cache)
    }

    /// Writes the cache whole: to a temporary file first, then renamed over the old one.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut me = self.clone();
        me.version = VERSION;
        let text = serde_json::to_string_pretty(&me).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// The list of `provider`, if one was ever fetched.
    pub fn get(&self, provider: &str) -> Option<&CachedList> {
        self.providers.get(provider)
    }

    /// Stores a fresh list, replacing the old one and any failure note.
    pub fn put(&mut self, provider: &str, url: &str, models: Vec<ModelInfo>, fetched_at: u64) {
        self.providers.insert(
            provider.to_string(),
            CachedList {
                fetched_at,
                url: url.to_string(),
                models,
                last_failure: None,
            },
        );
    }

    /// Notes a failed refresh beside the kept list (nothing to note it on if there is none).
    pub fn record_failure(&mut self, provider: &str, message: &str, at: u64) {
        if let Some(list) = self.providers.get_mut(provider) {
            list.last_failure = Some(FailedRefresh {
                at,
                message: message.to_string(),
            });
        }
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An age as people say it: `40s`, `12m`, `3h`, `2d`.
pub fn age_text(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_staleness_and_failures() {
        let dir = std::env::temp_dir().join(format!("sb-cache-unit-{}", std::process::id()));
        let path = dir.join("catalog.json");
        let _ = std::fs::remove_file(&path);
        assert_eq!(CatalogCache::load(&path).unwrap(), CatalogCache::default());
        let mut c = CatalogCache::default();
        let m = ModelInfo {
            provider: "p".into(),
            id: "m".into(),
            ..ModelInfo::default()
        };
        c.put("p", "GET http://x/models", vec![m], 1_000);
        c.record_failure("p", "HTTP 503", 2_000);
        c.record_failure("nobody", "ignored", 2_000);
        c.save(&path).unwrap();
        let back = CatalogCache::load(&path).unwrap();
        let list = back.get("p").unwrap();
        assert_eq!(list.models.len(), 1);
        assert_eq!(list.last_failure.as_ref().unwrap().message, "HTTP 503");
        assert!(!list.is_stale(1_000 + STALE_AFTER_SECS));
        assert!(list.is_stale(1_001 + STALE_AFTER_SECS));
        assert!(back.get("nobody").is_none());
        std::fs::write(&path, "{not json").unwrap();
        assert!(CatalogCache::load(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(age_text(59), "59s");
        assert_eq!(age_text(3 * 3600 + 5), "3h");
        assert_eq!(age_text(2 * 86_400), "2d");
    }
}
