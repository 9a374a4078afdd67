//! A spending budget for one run of the app, per currency: warn at 80%, ask before a request
//! that could pass it. Amounts in different currencies are never compared with each other.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Currency, Money, Totals};

/// Limits per currency. A currency without a limit is not limited. In a config file it is a
/// plain table of currency codes: `[budget]` then `USD = "1.00"` and `RUB = "100"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Budget {
    pub limits: BTreeMap<Currency, Decimal>,
}

/// What the budget says about the next request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BudgetStatus {
    /// No limit in that currency, or spent plus the request's maximum stays under 80% of it.
    Ok,
    /// Spent plus the request's maximum reaches 80% of the limit but not past it: warn.
    Warn80 { after: Money, limit: Money },
    /// Spent plus the request's maximum could pass the limit: ask before sending.
    WouldExceed { after: Money, limit: Money },
}

const WARN_AT: Decimal = Decimal::from_parts(8, 0, 0, false, 1);

impl Budget {
    /// A budget with one limit.
    pub fn with_limit(mut self, limit: Money) -> Self {
        self.limits.insert(limit.currency, limit.amount);
        self
    }

    /// Judges a request whose cost is at most `next_max`, after `spent` so far this run.
    pub fn check(&self, spent: &Totals, next_max: &Money) -> BudgetStatus {
        let Some(limit) = self.limits.get(&next_max.currency) else {
            return BudgetStatus::Ok;
        };
        let so_far = spent
            .by_currency
            .get(&next_max.currency)
            .copied()
            .unwrap_or(Decimal::ZERO);
        let after = so_far + next_max.amount;
        let money = |a: Decimal| Money::new(a, next_max.currency.clone());
        if after > *limit {
            BudgetStatus::WouldExceed {
                after: money(after),
                limit: money(*limit),
            }
        } else if after >= *limit * WARN_AT {
            BudgetStatus::Warn80 {
                after: money(after),
                limit: money(*limit),
            }
        } else {
            BudgetStatus::Ok
        }
    }

    /// How much of the limit in `currency` is spent, in percent, if there is a limit.
    pub fn used_pct(&self, spent: &Totals, currency: &Currency) -> Option<Decimal> {
        let limit = self.limits.get(currency).filter(|l| !l.is_zero())?;
        let so_far = spent
            .by_currency
            .get(currency)
            .copied()
            .unwrap_or(Decimal::ZERO);
        Some((so_far / limit * Decimal::from(100)).round_dp(1))
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
    fn per_currency_warn_and_exceed() {
        let budget = Budget::default()
            .with_limit(Money::new(d("1.00"), Currency::Usd))
            .with_limit(Money::new(d("100"), Currency::Rub));
        let mut spent = Totals::default();
        spent.add(&Money::new(d("0.70"), Currency::Usd));
        spent.add(&Money::new(d("99"), Currency::Rub));

        let usd = |s: &str| Money::new(d(s), Currency::Usd);
        assert_eq!(budget.check(&spent, &usd("0.05")), BudgetStatus::Ok);
        assert_eq!(
            budget.check(&spent, &usd("0.10")),
            BudgetStatus::Warn80 {
                after: usd("0.80"),
                limit: usd("1.00")
            }
        );
        assert_eq!(
            budget.check(&spent, &usd("0.30")),
            BudgetStatus::Warn80 {
                after: usd("1.00"),
                limit: usd("1.00")
            }
        );
        assert!(matches!(
            budget.check(&spent, &usd("0.31")),
            BudgetStatus::WouldExceed { .. }
        ));
        // Rubles are judged against the ruble limit only.
        let rub = Money::new(d("2"), Currency::Rub);
        assert!(matches!(
            budget.check(&spent, &rub),
            BudgetStatus::WouldExceed { .. }
        ));
        // No limit in credits: never limited.
        let credits = Money::new(d("1000"), Currency::Credits);
        assert_eq!(budget.check(&spent, &credits), BudgetStatus::Ok);
        assert_eq!(budget.used_pct(&spent, &Currency::Usd), Some(d("70.0")));
        assert_eq!(budget.used_pct(&spent, &Currency::Credits), None);
    }

    #[test]
    fn reads_as_a_table_of_currency_codes() {
        #[derive(Deserialize)]
        struct Config {
            budget: Budget,
        }
        let c: Config = toml::from_str("[budget]\nUSD = \"1.50\"\nRUB = \"100\"\n").unwrap();
        assert_eq!(c.budget.limits[&Currency::Usd], d("1.50"));
        assert_eq!(c.budget.limits[&Currency::Rub], d("100"));
    }
}
