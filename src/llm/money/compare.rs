//! The provider's own cost figure against the computed one: compared only when they are in
//! the same unit, or when the user gave the rate between them. A rate is never guessed.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Currency, Money};

/// What one credit is worth in a currency, as the user configured it (Clipia does not
/// publish it: "the monetary value of one credit is not exposed via the API").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditRate {
    pub currency: Currency,
    /// Units of `currency` per credit.
    pub per_credit: Decimal,
}

/// The outcome of comparing a reported cost with a computed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum CostCheck {
    /// Within 1% of each other (after conversion by the configured rate, if one was used).
    Agrees { difference_pct: Decimal },
    /// More than 1% apart: worth a flag in the meter.
    Differs {
        /// The reported figure in the computed one's unit.
        reported: Money,
        computed: Money,
        /// `(reported - computed) / computed`, in percent; `None` when computed is zero.
        difference_pct: Option<Decimal>,
    },
    /// Different units and no rate between them: both are shown, neither is judged.
    NotComparable { reason: String },
}

impl CostCheck {
    /// True when the difference deserves a flag.
    pub fn is_flagged(&self) -> bool {
        matches!(self, CostCheck::Differs { .. })
    }
}

const HUNDRED: Decimal = Decimal::from_parts(100, 0, 0, false, 0);
const TOLERANCE_PCT: Decimal = Decimal::ONE;

/// Compares `reported` (the provider's `usage.cost`) with `computed` (from the catalog).
///
/// They are compared when they are in the same unit, or when `rate` converts credits to the
/// other's currency (either side may be the credits). A difference over 1% is `Differs`.
/// The config field that should feed `rate` is a provider's `credit_rate`
/// (`{ currency = "RUB", per_credit = "1" }`), which no preset sets.
pub fn compare_reported(
    computed: &Money,
    reported: &Money,
    rate: Option<&CreditRate>,
) -> CostCheck {
    let reported_converted = if reported.currency == computed.currency {
        reported.amount
    } else {
        match rate {
            Some(r)
                if reported.currency == Currency::Credits && r.currency == computed.currency =>
            {
                reported.amount * r.per_credit
            }
            Some(r)
                if computed.currency == Currency::Credits
                    && r.currency == reported.currency
                    && !r.per_credit.is_zero() =>
            {
                reported.amount / r.per_credit
            }
            _ => {
                return CostCheck::NotComparable {
                    reason: format!(
                        "reported in {} and computed in {}, with no configured rate between them",
                        reported.currency, computed.currency
                    ),
                };
            }
        }
    };
    let diff = reported_converted - computed.amount;
    let pct = (!computed.amount.is_zero()).then(|| (diff / computed.amount * HUNDRED).round_dp(4));
    let agrees = match pct {
        Some(p) => p.abs() <= TOLERANCE_PCT,
        None => diff.is_zero(),
    };
    if agrees {
        CostCheck::Agrees {
            difference_pct: pct.unwrap_or(Decimal::ZERO),
        }
    } else {
        CostCheck::Differs {
            reported: Money::new(reported_converted.normalize(), computed.currency.clone()),
            computed: computed.clone(),
            difference_pct: pct,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn same_unit_within_one_percent_agrees() {
        let computed = Money::new(d("0.034425"), Currency::Usd);
        // +0.5%: 0.034425 * 1.005 = 0.034597125
        let reported = Money::new(d("0.034597125"), Currency::Usd);
        assert_eq!(
            compare_reported(&computed, &reported, None),
            CostCheck::Agrees {
                difference_pct: d("0.5")
            }
        );
    }

    #[test]
    fn same_unit_over_one_percent_is_flagged() {
        let computed = Money::new(d("0.10"), Currency::Usd);
        let reported = Money::new(d("0.102"), Currency::Usd);
        let check = compare_reported(&computed, &reported, None);
        assert!(check.is_flagged(), "{check:?}");
        let CostCheck::Differs { difference_pct, .. } = check else {
            unreachable!()
        };
        assert_eq!(difference_pct, Some(d("2")));
    }

    #[test]
    fn credits_against_rubles_need_a_rate() {
        // Clipia: the price list is in rubles, usage.cost in credits (001's example: 0.05).
        let computed = Money::new(d("0.1512"), Currency::Rub);
        let reported = Money::new(d("0.05"), Currency::Credits);
        let check = compare_reported(&computed, &reported, None);
        assert!(matches!(check, CostCheck::NotComparable { .. }));
        assert!(!check.is_flagged());
        // A rate for another currency does not help either.
        let usd = CreditRate {
            currency: Currency::Usd,
            per_credit: d("0.01"),
        };
        assert!(matches!(
            compare_reported(&computed, &reported, Some(&usd)),
            CostCheck::NotComparable { .. }
        ));
        // With a configured (made-up) 3.024 RUB per credit: 0.05 * 3.024 = 0.1512 RUB.
        let rub = CreditRate {
            currency: Currency::Rub,
            per_credit: d("3.024"),
        };
        assert_eq!(
            compare_reported(&computed, &reported, Some(&rub)),
            CostCheck::Agrees {
                difference_pct: d("0")
            }
        );
        // At 1 RUB per credit the figures are 0.05 vs 0.1512: flagged.
        let one = CreditRate {
            currency: Currency::Rub,
            per_credit: d("1"),
        };
        assert!(compare_reported(&computed, &reported, Some(&one)).is_flagged());
    }

    #[test]
    fn zero_computed_cost() {
        let zero = Money::new(Decimal::ZERO, Currency::Usd);
        assert!(!compare_reported(&zero, &zero, None).is_flagged());
        let some = Money::new(d("0.01"), Currency::Usd);
        assert!(compare_reported(&zero, &some, None).is_flagged());
    }
}
