//! Exact money: decimals with a currency, never floats. Unknown is `None`, never zero.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod budget;
mod compare;
mod cost;
mod price;

pub use budget::{Budget, BudgetStatus};
pub use compare::{CostCheck, CreditRate, compare_reported};
pub use cost::{CostBreakdown, CostLine, cost, cost_breakdown, max_cost};
pub use price::{OtherPrice, Price, PriceMode, PriceTier};

/// A unit money is counted in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Currency {
    Usd,
    Eur,
    Rub,
    Cny,
    /// A gateway's own billing unit (Clipia and OpenRouter report `usage.cost` in credits).
    Credits,
    /// Any other ISO code, upper-cased.
    Other(String),
}

impl Currency {
    /// Parses an ISO code or `credits`, case-insensitively.
    pub fn parse(s: &str) -> Currency {
        match s.trim().to_ascii_uppercase().as_str() {
            "USD" | "$" => Currency::Usd,
            "EUR" | "€" => Currency::Eur,
            "RUB" | "₽" => Currency::Rub,
            "CNY" | "¥" => Currency::Cny,
            "CREDITS" | "CREDIT" => Currency::Credits,
            other => Currency::Other(other.to_string()),
        }
    }

    /// The sign shown before or after an amount in tables: `$`, `€`, `₽`, `¥`, `cr`.
    pub fn symbol(&self) -> &str {
        match self {
            Currency::Usd => "$",
            Currency::Eur => "€",
            Currency::Rub => "₽",
            Currency::Cny => "¥",
            Currency::Credits => "cr",
            Currency::Other(s) => s,
        }
    }

    /// The code as written in files and JSON.
    pub fn code(&self) -> &str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Rub => "RUB",
            Currency::Cny => "CNY",
            Currency::Credits => "credits",
            Currency::Other(s) => s,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Currency::parse(&s))
    }
}

/// An exact amount of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }
}

impl fmt::Display for Money {
    /// Small amounts keep enough digits to be meaningful: `$0.000123`, `12.50 RUB`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.amount.normalize();
        let digits = if a.abs() >= Decimal::ONE { 4 } else { 6 };
        let shown = a.round_dp(digits).normalize();
        match self.currency {
            Currency::Usd => write!(f, "${shown}"),
            ref c => write!(f, "{shown} {c}"),
        }
    }
}

/// Running totals, one per currency: amounts in different currencies are never added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub by_currency: BTreeMap<Currency, Decimal>,
}

impl Totals {
    pub fn add(&mut self, money: &Money) {
        *self
            .by_currency
            .entry(money.currency.clone())
            .or_insert(Decimal::ZERO) += money.amount;
    }

    /// The totals as `Money`, one per currency, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = Money> + '_ {
        self.by_currency
            .iter()
            .map(|(c, a)| Money::new(*a, c.clone()))
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
    fn totals_never_mix_currencies() {
        let mut t = Totals::default();
        t.add(&Money::new(d("1.5"), Currency::Usd));
        t.add(&Money::new(d("2"), Currency::Rub));
        t.add(&Money::new(d("0.25"), Currency::Usd));
        let all: Vec<_> = t.iter().collect();
        assert_eq!(all.len(), 2);
        assert!(all.contains(&Money::new(d("1.75"), Currency::Usd)));
        assert!(all.contains(&Money::new(d("2"), Currency::Rub)));
    }

    #[test]
    fn money_displays_small_amounts() {
        assert_eq!(
            Money::new(d("0.0001234567"), Currency::Usd).to_string(),
            "$0.000123"
        );
        assert_eq!(Money::new(d("12.5"), Currency::Rub).to_string(), "12.5 RUB");
        assert_eq!(
            Money::new(d("0.12"), Currency::Credits).to_string(),
            "0.12 credits"
        );
    }

    #[test]
    fn currency_codes_and_symbols() {
        for (code, c, sym) in [
            ("usd", Currency::Usd, "$"),
            ("RUB", Currency::Rub, "₽"),
            ("cny", Currency::Cny, "¥"),
            ("credits", Currency::Credits, "cr"),
        ] {
            assert_eq!(Currency::parse(code), c);
            assert_eq!(c.symbol(), sym);
        }
    }
}
