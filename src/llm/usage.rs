//! Token counts of one response, as the provider reported them, in one convention.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::money::Money;

/// Token usage of one response.
///
/// `input` counts every prompt token, cached or not; `cached_read` and `cache_write` are the
/// parts of it read from or written to a prompt cache, and `cache_write_1h` the part of
/// `cache_write` kept for an hour rather than the default duration. `output` counts every
/// generated token, and `reasoning` is the part of it spent thinking. This is the OpenAI
/// convention; each protocol's decoder converts to it:
///
/// | protocol | `input` | `cached_read` | `cache_write` | `output` | `reasoning` |
/// | --- | --- | --- | --- | --- | --- |
/// | OpenAI chat | `prompt_tokens` | `prompt_tokens_details.cached_tokens` | — | `completion_tokens` | `completion_tokens_details.reasoning_tokens` |
/// | OpenAI responses | `input_tokens` | `input_tokens_details.cached_tokens` | — | `output_tokens` | `output_tokens_details.reasoning_tokens` |
/// | Anthropic | `input_tokens + cache_creation_input_tokens + cache_read_input_tokens` | `cache_read_input_tokens` | `cache_creation_input_tokens` (1h: `cache_creation.ephemeral_1h_input_tokens`) | `output_tokens` | — |
/// | Gemini | `promptTokenCount` (already includes the cache) | `cachedContentTokenCount` | — | `candidatesTokenCount + thoughtsTokenCount` | `thoughtsTokenCount` |
/// | DeepSeek | `prompt_tokens` (= hit + miss) | `prompt_cache_hit_tokens` | — | `completion_tokens` | `completion_tokens_details.reasoning_tokens` |
///
/// The object as the provider sent it is kept in `raw`, for the inspector and for checking.
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
    /// The part of `cache_write` written to a one-hour cache (Anthropic's
    /// `cache_creation.ephemeral_1h_input_tokens`), priced differently from the default.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cache_write_1h: u64,
    /// The usage object exactly as the provider sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<Value>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Usage {
    /// Prompt tokens that were neither read from nor written to a cache.
    pub fn uncached_input(&self) -> u64 {
        self.input
            .saturating_sub(self.cached_read)
            .saturating_sub(self.cache_write)
    }

    /// Cache writes at the default duration (all of them but the one-hour ones).
    pub fn cache_write_default(&self) -> u64 {
        self.cache_write.saturating_sub(self.cache_write_1h)
    }

    /// The provider's cost figure as a bare decimal, if any.
    pub fn provider_cost_amount(&self) -> Option<Decimal> {
        self.provider_cost.as_ref().map(|m| m.amount)
    }
}
