//! Sorting and filtering the catalog, the same way in `switchboard models` and the catalog
//! pane. Prices in different currencies are never compared as numbers: price sorts group
//! by currency first.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::ModelInfo;
use crate::llm::money::{Currency, Price};

/// What to sort the catalog by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Input price per 1M tokens, cheapest first.
    Input,
    /// Output price per 1M tokens, cheapest first.
    Output,
    /// Three input tokens to one output token, cheapest first.
    Blended,
    /// Context window, largest first.
    Context,
    /// Display name (or id), A to Z.
    Name,
    /// Provider, then id.
    Provider,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Input,
        SortKey::Output,
        SortKey::Blended,
        SortKey::Context,
        SortKey::Name,
        SortKey::Provider,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Input => "input",
            SortKey::Output => "output",
            SortKey::Blended => "blended",
            SortKey::Context => "context",
            SortKey::Name => "name",
            SortKey::Provider => "provider",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// Which models to show. Empty parts match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Every one of these capabilities must be known to be present.
    pub capabilities: Vec<String>,
    /// One of these providers.
    pub providers: Vec<String>,
    /// Case-insensitive text in the provider, id or name.
    pub text: Option<String>,
}

impl Filter {
    pub fn matches(&self, m: &ModelInfo) -> bool {
        let caps = self
            .capabilities
            .iter()
            .all(|c| m.capabilities.get(c) == Some(true));
        let provider = self.providers.is_empty() || self.providers.contains(&m.provider);
        let text = self.text.as_deref().is_none_or(|t| {
            let t = t.to_lowercase();
            m.id.to_lowercase().contains(&t)
                || m.provider.to_lowercase().contains(&t)
                || m.name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&t))
        });
        caps && provider && text
    }
}

/// Keeps the models `filter` matches, in order.
pub fn filter_models(models: Vec<ModelInfo>, filter: &Filter) -> Vec<ModelInfo> {
    models.into_iter().filter(|m| filter.matches(m)).collect()
}

/// Sorts by `key` in its natural direction (`reverse` flips it). Models whose sort figure is
/// unknown always come last; ties keep their order (provider, then as listed).
pub fn sort_models(models: &mut [ModelInfo], key: SortKey, reverse: bool) {
    models.sort_by(|a, b| compare(a, b, key, reverse));
}

/// The order `sort_models` puts `a` and `b` in, for sorting other things that hold models
/// (the catalog pane sorts indices).
pub fn compare(a: &ModelInfo, b: &ModelInfo, key: SortKey, reverse: bool) -> Ordering {
    let flip = |o: Ordering| if reverse { o.reverse() } else { o };
    match key {
        SortKey::Input | SortKey::Output | SortKey::Blended => {
            match (price_key(a, key), price_key(b, key)) {
                (Some(x), Some(y)) => flip(x.cmp(&y)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        SortKey::Context => match (a.context_window, b.context_window) {
            (Some(x), Some(y)) => flip(y.cmp(&x)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        SortKey::Name => flip(display_name(a).cmp(&display_name(b))),
        SortKey::Provider => flip(
            a.provider
                .cmp(&b.provider)
                .then_with(|| a.id.to_lowercase().cmp(&b.id.to_lowercase())),
        ),
    }
}

fn display_name(m: &ModelInfo) -> String {
    m.name.as_deref().unwrap_or(&m.id).to_lowercase()
}

/// The figure a price sort uses, with its currency's rank first so that currencies are
/// grouped, never compared.
fn price_key(m: &ModelInfo, key: SortKey) -> Option<(u8, Decimal)> {
    let p: &Price = m.price.as_ref()?;
    let amount = match key {
        SortKey::Input => p.input_per_mtok?,
        SortKey::Output => p.output_per_mtok?,
        _ => p.blended_per_mtok()?,
    };
    Some((currency_rank(p.currency.as_ref()?), amount))
}

/// USD, EUR, RUB, CNY, credits, then others.
pub fn currency_rank(c: &Currency) -> u8 {
    match c {
        Currency::Usd => 0,
        Currency::Eur => 1,
        Currency::Rub => 2,
        Currency::Cny => 3,
        Currency::Credits => 4,
        Currency::Other(_) => 5,
    }
}
