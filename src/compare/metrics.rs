//! Per-lane metrics, taken from the runner's `Exchange` (its timing fields and
//! `tokens_per_second`) and priced with `money::cost`; and the marks a comparison gives:
//! fastest first token, fastest finish, cheapest.

use serde::{Deserialize, Serialize};

use crate::llm::error::ProviderError;
use crate::llm::http::Exchange;
use crate::llm::money::{Currency, Money, Price, cost};

/// Where a lane is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneStatus {
    /// Sent; nothing has arrived yet.
    #[default]
    Waiting,
    /// Tokens are arriving.
    Streaming,
    /// The answer ended normally.
    Done,
    /// The request failed (before or during the answer); what arrived is kept.
    Failed,
    /// The user cancelled it; what arrived is kept.
    Cancelled,
}

impl LaneStatus {
    /// A word for tables.
    pub fn label(self) -> &'static str {
        match self {
            LaneStatus::Waiting => "waiting",
            LaneStatus::Streaming => "streaming",
            LaneStatus::Done => "done",
            LaneStatus::Failed => "failed",
            LaneStatus::Cancelled => "cancelled",
        }
    }

    /// True once the lane will change no more.
    pub fn is_over(self) -> bool {
        matches!(
            self,
            LaneStatus::Done | LaneStatus::Failed | LaneStatus::Cancelled
        )
    }
}

/// What one lane's answer measured. Unknown is `None`, never zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LaneMetrics {
    pub status: LaneStatus,
    /// Microseconds from sending to the first token.
    pub ttft_us: Option<u64>,
    /// Microseconds from sending to the end (or so far, while streaming).
    pub total_us: Option<u64>,
    /// Output tokens per second after the first token.
    pub tokens_per_second: Option<f64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
    pub cached_tokens: Option<u64>,
    /// Computed from the catalog price; `None` when the price is unknown.
    pub cost: Option<Money>,
    /// What the provider said it cost, when it said.
    pub provider_cost: Option<Money>,
    pub stop_reason: Option<String>,
    /// Why it failed, worded for people.
    pub error: Option<String>,
}

impl LaneMetrics {
    /// The metrics of a finished request: the runner's timings and usage, priced at
    /// `price`.
    pub fn from_exchange(ex: &Exchange, price: Option<&Price>) -> LaneMetrics {
        let usage = ex.usage.as_ref();
        let status = match &ex.error {
            None => LaneStatus::Done,
            Some(ProviderError::Cancelled) => LaneStatus::Cancelled,
            Some(_) => LaneStatus::Failed,
        };
        LaneMetrics {
            status,
            ttft_us: ex.ttft_us,
            total_us: ex.total_us,
            tokens_per_second: ex.tokens_per_second(),
            input_tokens: usage.map(|u| u.input),
            output_tokens: usage.map(|u| u.output),
            reasoning_tokens: usage.map(|u| u.reasoning),
            cached_tokens: usage.map(|u| u.cached_read),
            cost: usage.zip(price).and_then(|(u, p)| cost(u, p)),
            provider_cost: usage.and_then(|u| u.provider_cost.clone()),
            stop_reason: ex.stop_reason.as_ref().map(|s| s.label().to_string()),
            error: match &ex.error {
                None | Some(ProviderError::Cancelled) => None,
                Some(e) => Some(e.to_string()),
            },
        }
    }

    /// The metrics of a lane whose request could not even be built (a missing key, an
    /// unknown provider) or was cancelled before it went out.
    pub fn failed_before(error: &ProviderError) -> LaneMetrics {
        match error {
            ProviderError::Cancelled => LaneMetrics {
                status: LaneStatus::Cancelled,
                ..LaneMetrics::default()
            },
            e => LaneMetrics {
                status: LaneStatus::Failed,
                error: Some(e.to_string()),
                ..LaneMetrics::default()
            },
        }
    }
}

/// Which lane (by index) holds each record. Only lanes that finished well compete for the
/// fastest finish and the cheapest answer; any lane with a first token competes for the
/// fastest first token, so that mark shows while lanes still stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    pub fastest_first_token: Option<usize>,
    pub fastest_finish: Option<usize>,
    /// `None` also when the finished lanes' costs are in different currencies (they are
    /// never compared) or no price is known.
    pub cheapest: Option<usize>,
}

impl Marks {
    /// The marks of lane `i`, as short words (`first token`, `finish`, `cheapest`).
    pub fn of(&self, i: usize) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.fastest_first_token == Some(i) {
            out.push("fastest first token");
        }
        if self.fastest_finish == Some(i) {
            out.push("fastest finish");
        }
        if self.cheapest == Some(i) {
            out.push("cheapest");
        }
        out
    }

    /// The marks of lane `i` as symbols, one column each: `↯` first token, `⚑` finish,
    /// `$` cheapest.
    pub fn symbols(&self, i: usize) -> String {
        let mut out = String::new();
        if self.fastest_first_token == Some(i) {
            out.push('↯');
        }
        if self.fastest_finish == Some(i) {
            out.push('⚑');
        }
        if self.cheapest == Some(i) {
            out.push('$');
        }
        out
    }
}

/// The marks of a set of lanes. Ties go to the earlier lane; nothing is marked when fewer
/// than two lanes exist.
pub fn marks(lanes: &[LaneMetrics]) -> Marks {
    if lanes.len() < 2 {
        return Marks::default();
    }
    let min_by = |f: &dyn Fn(&LaneMetrics) -> Option<u64>| {
        lanes
            .iter()
            .enumerate()
            .filter_map(|(i, m)| f(m).map(|v| (v, i)))
            .min()
            .map(|(_, i)| i)
    };
    let done = |m: &LaneMetrics| m.status == LaneStatus::Done;
    let fastest_first_token = min_by(&|m| m.ttft_us.filter(|_| m.status != LaneStatus::Failed));
    let fastest_finish = min_by(&|m| m.total_us.filter(|_| done(m)));
    let priced: Vec<(usize, &Money)> = lanes
        .iter()
        .enumerate()
        .filter(|(_, m)| done(m))
        .filter_map(|(i, m)| m.cost.as_ref().map(|c| (i, c)))
        .collect();
    let one_currency = priced
        .first()
        .map(|(_, c)| c.currency.clone())
        .filter(|cur: &Currency| priced.iter().all(|(_, c)| c.currency == *cur));
    let cheapest = one_currency.and_then(|_| {
        priced
            .iter()
            .min_by(|a, b| a.1.amount.cmp(&b.1.amount).then(a.0.cmp(&b.0)))
            .map(|(i, _)| *i)
    });
    Marks {
        fastest_first_token,
        fastest_finish,
        cheapest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn lane(
        status: LaneStatus,
        ttft: u64,
        total: u64,
        cost: Option<(i64, Currency)>,
    ) -> LaneMetrics {
        LaneMetrics {
            status,
            ttft_us: Some(ttft),
            total_us: Some(total),
            cost: cost.map(|(c, cur)| Money::new(Decimal::new(c, 6), cur)),
            ..LaneMetrics::default()
        }
    }

    #[test]
    fn marks_pick_fastest_and_cheapest_among_finished_lanes() {
        let lanes = vec![
            lane(LaneStatus::Done, 300, 900, Some((50, Currency::Usd))),
            lane(LaneStatus::Done, 100, 1200, Some((20, Currency::Usd))),
            // Failed lanes win nothing, however fast.
            lane(LaneStatus::Failed, 10, 20, Some((1, Currency::Usd))),
        ];
        let m = marks(&lanes);
        assert_eq!(m.fastest_first_token, Some(1));
        assert_eq!(m.fastest_finish, Some(0));
        assert_eq!(m.cheapest, Some(1));
        assert_eq!(m.of(1), vec!["fastest first token", "cheapest"]);
        assert_eq!(m.symbols(0), "⚑");
    }

    #[test]
    fn currencies_are_never_compared_and_one_lane_gets_no_marks() {
        let lanes = vec![
            lane(LaneStatus::Done, 1, 2, Some((50, Currency::Usd))),
            lane(LaneStatus::Done, 1, 2, Some((20, Currency::Rub))),
        ];
        assert_eq!(marks(&lanes).cheapest, None);
        // Ties go to the earlier lane.
        assert_eq!(marks(&lanes).fastest_finish, Some(0));
        assert_eq!(marks(&lanes[..1]), Marks::default());
    }
}
