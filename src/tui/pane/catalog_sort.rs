//! The catalog pane's sort and filter keys (`s`, `c`, `p`), its refresh (`R`) and what its
//! title and error rows say about them. The sorting and filtering themselves are
//! `llm::catalog::query`'s, applied in `CatalogState::rebuild`.

use super::catalog::{CatalogState, Entry, Load};
use crate::llm::catalog::{ModelInfo, SortKey};

/// The capabilities `c` cycles through.
pub const CAPABILITY_FILTERS: [&str; 3] = ["reasoning", "tools", "vision"];

impl CatalogState {
    /// The next sort: as listed, then each `SortKey` in turn.
    pub fn cycle_sort(&mut self) {
        self.sort = match self.sort {
            None => Some(SortKey::ALL[0]),
            Some(k) => {
                let at = SortKey::ALL.iter().position(|x| *x == k).unwrap_or(0);
                SortKey::ALL.get(at + 1).copied()
            }
        };
        self.rebuild();
    }

    /// The next capability filter: none, then each of `CAPABILITY_FILTERS`.
    pub fn cycle_capability(&mut self) {
        self.capability = match self.capability {
            None => Some(CAPABILITY_FILTERS[0]),
            Some(c) => {
                let at = CAPABILITY_FILTERS.iter().position(|x| *x == c).unwrap_or(0);
                CAPABILITY_FILTERS.get(at + 1).copied()
            }
        };
        self.rebuild();
    }

    /// The next provider filter: all, then each configured provider.
    pub fn cycle_provider(&mut self) {
        let names: Vec<&String> = self.providers.iter().map(|p| &p.name).collect();
        self.provider = match &self.provider {
            None => names.first().map(|n| (*n).clone()),
            Some(p) => {
                let at = names.iter().position(|n| *n == p);
                at.and_then(|i| names.get(i + 1)).map(|n| (*n).clone())
            }
        };
        self.rebuild();
    }

    /// The provider of the selected entry (a model, or a heading or its error).
    pub fn selected_provider(&self) -> Option<&str> {
        match self.entries.get(self.selected)? {
            Entry::Model(i) => self.models.get(*i).map(|m| m.provider.as_str()),
            Entry::Provider(pi) | Entry::Error(pi) => {
                self.providers.get(*pi).map(|p| p.name.as_str())
            }
        }
    }

    /// A refresh of `provider` started: its heading says so until it ends.
    pub fn refreshing(&mut self, provider: &str) {
        if !self.refreshing.iter().any(|p| p == provider) {
            self.refreshing.push(provider.to_string());
        }
    }

    /// A refresh of `provider` ended. A new list replaces the old; a failed refresh keeps
    /// the list there was (cached, bundled or live) and remembers why it failed.
    pub fn refreshed(&mut self, provider: &str, result: Result<Vec<ModelInfo>, String>) {
        self.refreshing.retain(|p| p != provider);
        self.refresh_failed.retain(|(p, _)| p != provider);
        match result {
            Ok(models) => self.loaded(provider, Ok(models)),
            Err(e) => {
                self.refresh_failed.push((provider.to_string(), e));
                self.rebuild();
            }
        }
    }

    /// Why the last refresh of `provider` failed, if it did.
    pub fn refresh_error(&self, provider: &str) -> Option<&str> {
        self.refresh_failed
            .iter()
            .find(|(p, _)| p == provider)
            .map(|(_, e)| e.as_str())
    }

    /// Wall-clock seconds now, when the app gave the catalog a clock.
    pub fn now_unix(&self, now: std::time::Instant) -> Option<u64> {
        let (at, unix) = self.clock?;
        Some(unix + now.saturating_duration_since(at).as_secs())
    }

    /// What the title says besides the pane's name: the sort and the filters in effect.
    pub fn title(&self) -> String {
        let mut parts = vec![match self.sort {
            None => "by provider".to_string(),
            Some(k) => format!("by {}", k.name()),
        }];
        if let Some(c) = self.capability {
            parts.push(c.to_string());
        }
        if let Some(p) = &self.provider {
            parts.push(format!("only {p}"));
        }
        parts.join(" · ")
    }

    /// What the error entry of provider `pi` says: its failed list, or its failed refresh.
    pub fn error_text(&self, pi: usize) -> Option<String> {
        let p = self.providers.get(pi)?;
        match (&p.load, self.refresh_error(&p.name)) {
            (_, Some(e)) => Some(format!("refresh failed, the list before it is kept: {e}")),
            (Load::Failed(msg), None) => Some(msg.clone()),
            _ => None,
        }
    }
}
