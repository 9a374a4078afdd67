//! What a model's tokens cost: the base prices, prompt-size tiers, other ways of buying the
//! same tokens (batch, flex, priority, ...) and prices of things other than text tokens.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Currency;

/// The prices of one model, per million tokens unless said otherwise, all in one currency.
/// A field the source does not give is `None`: unknown, never zero.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Price {
    pub currency: Option<Currency>,
    pub input_per_mtok: Option<Decimal>,
    pub output_per_mtok: Option<Decimal>,
    /// Prompt tokens read from the cache.
    pub cached_input_per_mtok: Option<Decimal>,
    /// Prompt tokens written to the cache (the default duration: five minutes at Anthropic).
    pub cache_write_per_mtok: Option<Decimal>,
    /// A flat charge for each request, on top of tokens.
    pub per_request: Option<Decimal>,
    /// Prompt tokens written to a one-hour cache, where that price differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h_per_mtok: Option<Decimal>,
    /// Prices that replace these once the prompt is longer than a threshold, lowest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<PriceTier>,
    /// Other ways of buying the same tokens: batch, flex, priority, fast, off-peak.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<PriceMode>,
    /// Prices of things other than text tokens (audio input, image output, cache storage,
    /// searches), shown but not used in token cost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<OtherPrice>,
    /// Where the figures came from: seed file, line and section, or the live list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Prices for prompts longer than `above_input_tokens` (all prompt tokens, cached or not,
/// are counted, as Anthropic and Google do). A field left `None` here falls back to the
/// tier's input price for cache fields and to the base price otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PriceTier {
    pub above_input_tokens: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_per_mtok: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_per_mtok: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_per_mtok: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_per_mtok: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h_per_mtok: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Another way of buying the same tokens, with its own complete price.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PriceMode {
    /// `batch`, `flex`, `priority`, `fast`, `off-peak`, ...
    pub mode: String,
    /// Its prices; a `None` currency means the parent price's currency.
    pub price: Price,
}

/// A price for something other than text tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OtherPrice {
    /// What is priced: `audio input`, `image output`, `cache storage`, `web search`, ...
    pub item: String,
    pub amount: Decimal,
    /// The unit it is priced per: `1M tokens`, `1M tokens per hour`, `1K calls`, `image`.
    pub per: String,
}

impl Price {
    /// Input and output prices per million tokens in `currency`.
    pub fn per_mtok(currency: Currency, input: Decimal, output: Decimal) -> Self {
        Price {
            currency: Some(currency),
            input_per_mtok: Some(input),
            output_per_mtok: Some(output),
            ..Price::default()
        }
    }

    /// The price in effect for `mode` (`None`: the standard price). A mode without its own
    /// currency takes this price's. `None` when the model has no such mode.
    pub fn in_mode(&self, mode: Option<&str>) -> Option<Price> {
        let Some(mode) = mode else {
            return Some(self.clone());
        };
        let found = self.modes.iter().find(|m| m.mode == mode)?;
        let mut p = found.price.clone();
        if p.currency.is_none() {
            p.currency = self.currency.clone();
        }
        Some(p)
    }

    /// The flat per-token prices in effect for a prompt of `input_tokens`: the base prices
    /// with the highest tier whose threshold the prompt passes laid over them.
    pub fn at_prompt_size(&self, input_tokens: u64) -> Price {
        let tier = self
            .tiers
            .iter()
            .filter(|t| input_tokens > t.above_input_tokens)
            .max_by_key(|t| t.above_input_tokens);
        let Some(t) = tier else {
            return Price {
                tiers: Vec::new(),
                ..self.clone()
            };
        };
        // A tier that gives an input price but no cache price: caching stays undiscounted
        // at the tier's rate rather than borrowing the cheaper base cache price.
        let cache_fallback = t.input_per_mtok;
        Price {
            input_per_mtok: t.input_per_mtok.or(self.input_per_mtok),
            output_per_mtok: t.output_per_mtok.or(self.output_per_mtok),
            cached_input_per_mtok: t
                .cached_input_per_mtok
                .or(cache_fallback)
                .or(self.cached_input_per_mtok),
            cache_write_per_mtok: t
                .cache_write_per_mtok
                .or(cache_fallback)
                .or(self.cache_write_per_mtok),
            cache_write_1h_per_mtok: t
                .cache_write_1h_per_mtok
                .or(cache_fallback)
                .or(self.cache_write_1h_per_mtok),
            tiers: Vec::new(),
            source: t.source.clone().or_else(|| self.source.clone()),
            ..self.clone()
        }
    }

    /// The "blended" price of a million tokens at three input tokens to one output token,
    /// the usual single figure for comparing models. `None` if either price is unknown.
    pub fn blended_per_mtok(&self) -> Option<Decimal> {
        let i = self.input_per_mtok?;
        let o = self.output_per_mtok?;
        Some((i * Decimal::from(3) + o) / Decimal::from(4))
    }

    /// True when any figure is negative (a data error: prices are never negative).
    pub fn has_negative(&self) -> bool {
        let neg = |d: &Option<Decimal>| d.is_some_and(|d| d.is_sign_negative() && !d.is_zero());
        [
            &self.input_per_mtok,
            &self.output_per_mtok,
            &self.cached_input_per_mtok,
            &self.cache_write_per_mtok,
            &self.cache_write_1h_per_mtok,
            &self.per_request,
        ]
        .into_iter()
        .any(neg)
            || self.tiers.iter().any(|t| {
                [
                    &t.input_per_mtok,
                    &t.output_per_mtok,
                    &t.cached_input_per_mtok,
                    &t.cache_write_per_mtok,
                    &t.cache_write_1h_per_mtok,
                ]
                .into_iter()
                .any(neg)
            })
            || self.modes.iter().any(|m| m.price.has_negative())
            || self.other.iter().any(|o| neg(&Some(o.amount)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn gemini_pro() -> Price {
        Price {
            currency: Some(Currency::Usd),
            input_per_mtok: Some(d("1.25")),
            output_per_mtok: Some(d("10")),
            cached_input_per_mtok: Some(d("0.125")),
            tiers: vec![PriceTier {
                above_input_tokens: 200_000,
                input_per_mtok: Some(d("2.50")),
                output_per_mtok: Some(d("15")),
                cached_input_per_mtok: Some(d("0.25")),
                ..PriceTier::default()
            }],
            modes: vec![PriceMode {
                mode: "batch".into(),
                price: Price {
                    input_per_mtok: Some(d("0.625")),
                    output_per_mtok: Some(d("5")),
                    ..Price::default()
                },
            }],
            ..Price::default()
        }
    }

    #[test]
    fn tiers_apply_strictly_above_the_threshold() {
        let p = gemini_pro();
        assert_eq!(p.at_prompt_size(200_000).input_per_mtok, Some(d("1.25")));
        let long = p.at_prompt_size(200_001);
        assert_eq!(long.input_per_mtok, Some(d("2.50")));
        assert_eq!(long.output_per_mtok, Some(d("15")));
        assert_eq!(long.cached_input_per_mtok, Some(d("0.25")));
    }

    #[test]
    fn a_tier_without_cache_prices_does_not_borrow_the_cheaper_base_ones() {
        let mut p = gemini_pro();
        p.tiers[0].cached_input_per_mtok = None;
        assert_eq!(
            p.at_prompt_size(300_000).cached_input_per_mtok,
            Some(d("2.50"))
        );
    }

    #[test]
    fn modes_inherit_the_currency_and_unknown_modes_are_none() {
        let p = gemini_pro();
        let batch = p.in_mode(Some("batch")).unwrap();
        assert_eq!(batch.currency, Some(Currency::Usd));
        assert_eq!(batch.input_per_mtok, Some(d("0.625")));
        assert!(p.in_mode(Some("flex")).is_none());
        assert_eq!(p.in_mode(None), Some(p.clone()));
    }

    #[test]
    fn blended_is_three_to_one() {
        // (1.25 * 3 + 10) / 4 = 3.4375
        assert_eq!(gemini_pro().blended_per_mtok(), Some(d("3.4375")));
        assert_eq!(Price::default().blended_per_mtok(), None);
    }
}
