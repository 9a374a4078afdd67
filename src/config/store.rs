//! `[store]`: whether the history is written, and how much of each response's raw frames
//! it keeps.

use serde::Deserialize;

/// `[store]` in the config file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StoreConfig {
    /// `false`: nothing is written to the history database (as `--no-store`).
    #[serde(default = "d_enabled")]
    pub enabled: bool,
    /// Raw frames kept per exchange, in megabytes (the first and last frames are kept and
    /// a note says what was cut).
    #[serde(default = "d_frames_cap_mb")]
    pub frames_cap_mb: f64,
    /// `PROVIDER/MODEL` that writes each new conversation's title after its first answer
    /// (one short extra request, costed like any other). Unset: the title is the first
    /// line of the first prompt, and nothing is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_model: Option<String>,
}

fn d_enabled() -> bool {
    true
}

fn d_frames_cap_mb() -> f64 {
    crate::store::DEFAULT_FRAMES_CAP as f64 / (1024.0 * 1024.0)
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            enabled: d_enabled(),
            frames_cap_mb: d_frames_cap_mb(),
            title_model: None,
        }
    }
}

impl StoreConfig {
    /// The frames cap in bytes (at least 1 KB; a bad value falls back to the default).
    pub fn frames_cap(&self) -> usize {
        let mb = self.frames_cap_mb;
        if !mb.is_finite() || mb <= 0.0 {
            return crate::store::DEFAULT_FRAMES_CAP;
        }
        ((mb * 1024.0 * 1024.0) as usize).max(1024)
    }

    /// The store's open options.
    pub fn open_options(&self) -> crate::store::OpenOptions {
        crate::store::OpenOptions {
            frames_cap: self.frames_cap(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_caps() {
        let d = StoreConfig::default();
        assert!(d.enabled);
        assert_eq!(d.frames_cap(), crate::store::DEFAULT_FRAMES_CAP);
        let c: StoreConfig = toml::from_str("enabled = false\nframes_cap_mb = 0.5").unwrap();
        assert!(!c.enabled);
        assert_eq!(c.frames_cap(), 512 * 1024);
        let bad = StoreConfig {
            frames_cap_mb: -1.0,
            ..d
        };
        assert_eq!(bad.frames_cap(), crate::store::DEFAULT_FRAMES_CAP);
        // A misspelt key is a warning of the config file, not an error.
        let l = crate::config::read(
            "[store]\nenable = true\n",
            std::path::Path::new("c.toml"),
            &|_| None,
            &[],
        )
        .unwrap();
        assert!(l.warnings[0].message.contains("store.enable"), "{l:?}");
    }
}
