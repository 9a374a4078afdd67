//! The catalog pane's state: every provider's models, grouped by provider or sorted by a
//! figure (`s` cycles the sort: input, output or blended price, context, name, provider);
//! `c` filters by capability, `p` by provider, `/` by text (fuzzy); Enter picks; `R`
//! refreshes the selected provider's live list. Sorting and the capability and provider
//! filters are `llm::catalog::query`'s, the same as `switchboard models`. Drawing is in
//! `catalog_view.rs`.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::style::Style;
use ratatui::text::Span;

use crate::llm::catalog::{BUNDLED_FILES, Filter, ModelInfo, SortKey, compare, merge_provider};
use crate::llm::provider::ModelRef;
use crate::tui::action::Action;
use crate::tui::wrap::wrap_text;

pub use super::catalog_view::{WIDE_MIN, amount, context_label, price_label, render};

/// How far a provider's model list got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    /// The request is out.
    Loading,
    /// The list arrived.
    Loaded,
    /// It failed; the message is shown in the pane.
    Failed(String),
}

/// One configured provider and its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRow {
    /// The provider's name.
    pub name: String,
    /// Where its list is.
    pub load: Load,
}

/// `live` laid over the bundled catalog's entries for `provider`. Providers without a
/// bundled file (the demo, a local server) skip it, so the bundled files are only parsed
/// when some configured provider has one.
fn with_bundled(provider: &str, live: Vec<ModelInfo>) -> Vec<ModelInfo> {
    let file = format!("{provider}.toml");
    if BUNDLED_FILES.iter().any(|(name, _)| *name == file) {
        merge_provider(provider, &live)
    } else {
        live
    }
}

/// One displayed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A provider heading (1 row), by index into `providers`.
    Provider(usize),
    /// A provider's load error (2 rows).
    Error(usize),
    /// A model (2 rows), by index into `models`.
    Model(usize),
}

/// Most rows a provider's error takes.
const ERROR_ROWS: usize = 4;

pub(super) fn error_lines(msg: &str, width: usize, style: Style) -> Vec<Vec<Span<'static>>> {
    let w = u16::try_from(width.saturating_sub(2).max(1)).unwrap_or(u16::MAX);
    wrap_text(msg, w, style)
        .into_iter()
        .take(ERROR_ROWS)
        .map(|l| {
            let mut spans = vec![Span::raw("  ")];
            spans.extend(l.spans);
            spans
        })
        .collect()
}

/// The catalog pane's state.
#[derive(Debug, Clone, Default)]
pub struct CatalogState {
    /// Configured providers, in config order.
    pub providers: Vec<ProviderRow>,
    /// Every model that arrived.
    pub models: Vec<ModelInfo>,
    /// The filter text.
    pub filter: String,
    /// Typing goes to the filter.
    pub filtering: bool,
    /// What is shown, in order (rebuilt when models or the filter change).
    pub entries: Vec<Entry>,
    /// The selected entry (always a `Model` entry when there is one).
    pub selected: usize,
    /// The first visible row.
    pub top: usize,
    /// Visible rows at the last layout.
    pub view: usize,
    /// Columns at the last layout.
    pub width: usize,
    /// The sort; `None` lists each provider's models under its heading, as listed.
    pub sort: Option<SortKey>,
    /// Only models known to have this capability (`reasoning`, `tools`, `vision`).
    pub capability: Option<&'static str>,
    /// Only this provider's models.
    pub provider: Option<String>,
    /// The pane takes the whole width while focused (more columns).
    pub wide: bool,
    /// A wall-clock reading and the loop's clock at that moment, for the age of live
    /// prices (`update` never reads the clock; the app sets this at start).
    pub clock: Option<(std::time::Instant, u64)>,
    /// Providers whose refresh is under way.
    pub refreshing: Vec<String>,
    /// The last refresh of a provider that failed, with why (the list before it is kept).
    pub refresh_failed: Vec<(String, String)>,
    /// Models marked (Space) for a side-by-side comparison, in marking order.
    pub marked: Vec<ModelRef>,
}

pub use super::catalog_sort::CAPABILITY_FILTERS;

impl CatalogState {
    /// A catalog waiting for these providers' live lists, showing their bundled entries
    /// meanwhile.
    pub fn new(providers: &[String]) -> CatalogState {
        let mut c = CatalogState {
            models: providers
                .iter()
                .flat_map(|p| with_bundled(p, Vec::new()))
                .collect(),
            providers: providers
                .iter()
                .map(|name| ProviderRow {
                    name: name.clone(),
                    load: Load::Loading,
                })
                .collect(),
            ..CatalogState::default()
        };
        c.rebuild();
        c
    }

    /// A provider's live list arrived or failed. Its entries are laid over the bundled
    /// catalog's (live figures win, bundled ones fill the gaps); a failed list leaves the
    /// bundled entries, with the error above them.
    pub fn loaded(&mut self, provider: &str, result: Result<Vec<ModelInfo>, String>) {
        let (live, load) = match result {
            Ok(models) => (models, Load::Loaded),
            Err(e) => (Vec::new(), Load::Failed(e)),
        };
        self.models.retain(|m| m.provider != provider);
        self.models.extend(with_bundled(provider, live));
        match self.providers.iter_mut().find(|p| p.name == provider) {
            Some(p) => p.load = load,
            None => self.providers.push(ProviderRow {
                name: provider.to_string(),
                load,
            }),
        }
        self.rebuild();
    }

    /// The model `r` names, if listed.
    pub fn find(&self, r: &ModelRef) -> Option<&ModelInfo> {
        let exact = self
            .models
            .iter()
            .find(|m| m.provider == r.provider && m.id == r.model);
        // The demo's fault suffixes (`demo-fast+429`) name the same model.
        exact.or_else(|| {
            let base = r.model.split('+').next()?;
            self.models
                .iter()
                .find(|m| m.provider == r.provider && m.id == base)
        })
    }

    /// The selected model.
    pub fn selected_model(&self) -> Option<&ModelInfo> {
        match self.entries.get(self.selected) {
            Some(Entry::Model(i)) => self.models.get(*i),
            _ => None,
        }
    }

    /// Rebuilds `entries` from the models, the filters and the sort, keeping the selection
    /// on the same model when it is still shown.
    pub fn rebuild(&mut self) {
        let keep = self
            .selected_model()
            .map(|m| (m.provider.clone(), m.id.clone()));
        let filter = Filter {
            capabilities: self.capability.iter().map(|c| c.to_string()).collect(),
            providers: self.provider.iter().cloned().collect(),
            text: None,
        };
        let pattern = Pattern::parse(&self.filter, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut score = |m: &ModelInfo| -> Option<u32> {
            if !filter.matches(m) {
                return None;
            }
            if self.filter.is_empty() {
                return Some(0);
            }
            let hay = format!(
                "{}/{} {}",
                m.provider,
                m.id,
                m.name.as_deref().unwrap_or("")
            );
            pattern.score(Utf32Str::new(&hay, &mut buf), &mut matcher)
        };
        let mut entries = Vec::new();
        let shown = |p: &ProviderRow| self.provider.as_ref().is_none_or(|f| *f == p.name);
        match self.sort {
            None => {
                for (pi, p) in self.providers.iter().enumerate() {
                    if !shown(p) {
                        continue;
                    }
                    let mut scored: Vec<(u32, usize)> = self
                        .models
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| m.provider == p.name)
                        .filter_map(|(i, m)| Some((score(m)?, i)))
                        .collect();
                    let narrowed = !self.filter.is_empty() || self.capability.is_some();
                    if narrowed && scored.is_empty() {
                        continue;
                    }
                    // Stable: equal scores keep the provider's order.
                    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
                    entries.push(Entry::Provider(pi));
                    if matches!(p.load, Load::Failed(_)) || self.refresh_error(&p.name).is_some() {
                        entries.push(Entry::Error(pi));
                    }
                    entries.extend(scored.into_iter().map(|(_, i)| Entry::Model(i)));
                }
            }
            Some(key) => {
                // One list across providers; the providers whose list failed say so first.
                for (pi, p) in self.providers.iter().enumerate() {
                    let failed =
                        matches!(p.load, Load::Failed(_)) || self.refresh_error(&p.name).is_some();
                    if shown(p) && failed {
                        entries.push(Entry::Provider(pi));
                        entries.push(Entry::Error(pi));
                    }
                }
                let order: Vec<&str> = self.providers.iter().map(|p| p.name.as_str()).collect();
                let rank = |m: &ModelInfo| order.iter().position(|p| *p == m.provider);
                let mut idx: Vec<usize> = (0..self.models.len())
                    .filter(|i| score(&self.models[*i]).is_some())
                    .collect();
                // Ties keep the provider order of the config, then the list order.
                idx.sort_by(|a, b| {
                    let (x, y) = (&self.models[*a], &self.models[*b]);
                    compare(x, y, key, false)
                        .then_with(|| rank(x).cmp(&rank(y)))
                        .then_with(|| a.cmp(b))
                });
                entries.extend(idx.into_iter().map(Entry::Model));
            }
        }
        self.entries = entries;
        let kept = keep.and_then(|(p, id)| {
            self.entries.iter().position(|e| match e {
                Entry::Model(i) => self.models[*i].provider == p && self.models[*i].id == id,
                _ => false,
            })
        });
        self.selected = kept.or_else(|| self.first_model()).unwrap_or(0);
    }

    fn first_model(&self) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| matches!(e, Entry::Model(_)))
    }

    /// Moves the selection by `delta` models.
    pub fn move_by(&mut self, delta: isize) {
        let models: Vec<usize> = (0..self.entries.len())
            .filter(|i| matches!(self.entries[*i], Entry::Model(_)))
            .collect();
        let Some(at) = models.iter().position(|i| *i == self.selected) else {
            if let Some(first) = models.first() {
                self.selected = *first;
            }
            return;
        };
        let to = at
            .saturating_add_signed(delta)
            .min(models.len().saturating_sub(1));
        self.selected = models[to];
    }

    /// Handles a catalog action. Returns the model to use on `Pick`, and whether the action
    /// was taken here (an `Esc` with no filter falls through to the global `cancel`).
    pub fn handle(&mut self, action: Action) -> (bool, Option<ModelRef>) {
        let page = isize::try_from(self.view / 2).unwrap_or(1).max(1);
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Filter => self.filtering = true,
            Action::ClearFilter if self.filtering || !self.filter.is_empty() => {
                self.filtering = false;
                self.filter.clear();
                self.rebuild();
            }
            Action::Pick => {
                self.filtering = false;
                let picked = self.selected_model().map(|m| ModelRef {
                    provider: m.provider.clone(),
                    model: m.id.clone(),
                });
                return (true, picked);
            }
            _ => return (false, None),
        }
        (true, None)
    }

    /// Filter typing: a character.
    pub fn type_char(&mut self, c: char) {
        self.filter.push(c);
        self.rebuild();
    }

    /// Filter typing: backspace.
    pub fn backspace(&mut self) {
        self.filter.pop();
        self.rebuild();
    }

    /// Rows `e` takes at the current width.
    pub fn rows(&self, e: Entry) -> usize {
        match e {
            Entry::Provider(_) => 1,
            Entry::Model(_) if self.width >= WIDE_MIN => 1,
            Entry::Model(_) => 2,
            Entry::Error(pi) => match self.error_text(pi) {
                Some(msg) => error_lines(&msg, self.width, Style::new()).len().max(1),
                None => 1,
            },
        }
    }

    /// Records the view size and keeps the selection visible.
    pub fn fit(&mut self, view: usize, width: usize) {
        // The wide layout's column header takes a row.
        let view = if width >= WIDE_MIN {
            view.saturating_sub(1)
        } else {
            view
        };
        self.view = view;
        self.width = width;
        let mut row = 0;
        for (i, e) in self.entries.iter().enumerate() {
            if i == self.selected {
                break;
            }
            row += self.rows(*e);
        }
        let sel_rows = self.entries.get(self.selected).map_or(1, |e| self.rows(*e));
        if row < self.top {
            self.top = row;
        } else if row + sel_rows > self.top + view {
            self.top = (row + sel_rows).saturating_sub(view);
        }
        let total: usize = self.entries.iter().map(|e| self.rows(*e)).sum();
        self.top = self.top.min(total.saturating_sub(view));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(provider: &str, id: &str) -> ModelInfo {
        ModelInfo {
            provider: provider.into(),
            id: id.into(),
            ..ModelInfo::default()
        }
    }

    #[test]
    fn filter_is_fuzzy_and_keeps_groups() {
        let mut c = CatalogState::new(&["demo".into(), "other".into()]);
        c.loaded(
            "demo",
            Ok(vec![
                model("demo", "demo-fast"),
                model("demo", "demo-coder"),
            ]),
        );
        c.loaded("other", Err("connection refused".into()));
        assert_eq!(c.entries.len(), 5);
        for ch in "dcod".chars() {
            c.type_char(ch);
        }
        assert_eq!(
            c.selected_model().map(|m| m.id.as_str()),
            Some("demo-coder")
        );
        assert_eq!(c.entries, vec![Entry::Provider(0), Entry::Model(1)]);
        let (_, picked) = c.handle(Action::Pick);
        assert_eq!(
            picked.map(|m| m.to_string()).as_deref(),
            Some("demo/demo-coder")
        );
    }
}
