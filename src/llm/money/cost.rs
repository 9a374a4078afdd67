//! What a response cost at a price, line by line, and what a request can cost at most.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Money, Price};
use crate::llm::usage::Usage;

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// One line of a cost: so many tokens at so much per million.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLine {
    /// `input`, `cached input`, `cache write`, `cache write 1h`, `output`, `per request`.
    pub what: String,
    pub tokens: u64,
    /// The price per million tokens used (for `per request`, the flat charge).
    pub rate: Decimal,
    pub amount: Decimal,
}

/// A computed cost with the lines it is made of, for showing the arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostBreakdown {
    pub lines: Vec<CostLine>,
    /// The prompt-size threshold whose tier priced this request, if one did.
    pub tier_above: Option<u64>,
    /// The pricing mode used (`batch`, ...), `None` for standard.
    pub mode: Option<String>,
    pub total: Money,
}

/// What `usage` costs at `price`, or `None` when a price it needs is unknown.
///
/// Cached reads and cache writes are charged at their own price when the catalog has one,
/// and otherwise at the input price (a provider that lists no cache price does not discount).
/// Reasoning tokens are part of `output` and are billed as output. Prompt-size tiers apply
/// by the whole prompt (`usage.input`), and a per-request price is added.
pub fn cost(usage: &Usage, price: &Price) -> Option<Money> {
    cost_breakdown(usage, price, None).map(|b| b.total)
}

/// `cost`, with the lines it is made of, in the standard price or in `mode` (`batch`, ...).
/// `None` when a needed price is unknown or the model has no such mode.
pub fn cost_breakdown(usage: &Usage, price: &Price, mode: Option<&str>) -> Option<CostBreakdown> {
    let in_mode = price.in_mode(mode)?;
    let currency = in_mode.currency.clone()?;
    let tier_above = in_mode
        .tiers
        .iter()
        .filter(|t| usage.input > t.above_input_tokens)
        .map(|t| t.above_input_tokens)
        .max();
    let p = in_mode.at_prompt_size(usage.input);
    let input = p.input_per_mtok;
    let cache_write = p.cache_write_per_mtok.or(input);
    let parts = [
        ("input", usage.uncached_input(), input),
        (
            "cached input",
            usage.cached_read,
            p.cached_input_per_mtok.or(input),
        ),
        ("cache write", usage.cache_write_default(), cache_write),
        (
            "cache write 1h",
            usage.cache_write_1h.min(usage.cache_write),
            p.cache_write_1h_per_mtok.or(cache_write),
        ),
        ("output", usage.output, p.output_per_mtok),
    ];
    let mut lines = Vec::new();
    for (what, tokens, rate) in parts {
        if tokens == 0 {
            continue;
        }
        let rate = rate?;
        lines.push(CostLine {
            what: what.to_string(),
            tokens,
            rate,
            amount: Decimal::from(tokens) * rate / MILLION,
        });
    }
    if let Some(flat) = p.per_request {
        lines.push(CostLine {
            what: "per request".to_string(),
            tokens: 0,
            rate: flat,
            amount: flat,
        });
    }
    let total: Decimal = lines.iter().map(|l| l.amount).sum();
    Some(CostBreakdown {
        lines,
        tier_above,
        mode: mode.map(str::to_string),
        total: Money::new(total.normalize(), currency),
    })
}

/// The most a request can cost before it is sent: the prompt estimate at the input price
/// (the tier for that prompt size, no cache discount assumed) plus `max_output_tokens` at
/// the output price, plus any per-request price. `None` when a needed price is unknown.
pub fn max_cost(prompt_tokens: u64, max_output_tokens: u64, price: &Price) -> Option<Money> {
    let usage = Usage {
        input: prompt_tokens,
        output: max_output_tokens,
        ..Usage::default()
    };
    cost(&usage, price)
}

#[cfg(test)]
#[path = "cost_tests.rs"]
mod tests;
