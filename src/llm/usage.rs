//! Token counts of one response, as the provider reported them.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Money;

/// Token usage of one response.
///
/// `input` counts every prompt token, cached or not; `cached_read` and `cache_write` are the
/// parts of it read from or written to a prompt cache. `reasoning` is the part of `output`
/// spent thinking. This is the OpenAI convention; decoders of protocols that count
/// differently convert to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input: u64,
    pub cached_read: u64,
    pub cache_write: u64,
    pub output: u64,
    pub reasoning: u64,
    /// What the provider says the request cost, when it says (Clipia and OpenRouter send
    /// `usage.cost`, in credits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_cost: Option<Money>,
}

impl Usage {
    /// Prompt tokens that were neither read from nor written to a cache.
    pub fn uncached_input(&self) -> u64 {
        self.input
            .saturating_sub(self.cached_read)
            .saturating_sub(self.cache_write)
    }

    /// The provider's cost figure as a bare decimal, if any.
    pub fn provider_cost_amount(&self) -> Option<Decimal> {
        self.provider_cost.as_ref().map(|m| m.amount)
    }
}
