//! Exact money: decimals with a currency, never floats. Unknown is `None`, never zero.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::usage::Usage;

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

/// The prices of one model, per million tokens unless said otherwise, all in one currency.
/// A field the source does not give is `None`: unknown, never zero.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Price {
    pub currency: Option<Currency>,
    pub input_per_mtok: Option<Decimal>,
    pub output_per_mtok: Option<Decimal>,
    /// Prompt tokens read from the cache.
    pub cached_input_per_mtok: Option<Decimal>,
    /// Prompt tokens written to the cache.
    pub cache_write_per_mtok: Option<Decimal>,
    /// A flat charge for each request, on top of tokens.
    pub per_request: Option<Decimal>,
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
}

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// What `usage` costs at `price`, or `None` when a price it needs is unknown.
///
/// Cached reads and cache writes are charged at their own price when the catalog has one,
/// and otherwise at the input price (a provider that lists no cache price does not discount).
/// Reasoning tokens are part of `output` and are billed as output.
pub fn cost(usage: &Usage, price: &Price) -> Option<Money> {
    let currency = price.currency.clone()?;
    let mut total = Decimal::ZERO;
    let mut add = |tokens: u64, per_mtok: Option<Decimal>| -> Option<()> {
        if tokens == 0 {
            return Some(());
        }
        total += Decimal::from(tokens) * per_mtok? / MILLION;
        Some(())
    };
    add(usage.uncached_input(), price.input_per_mtok)?;
    add(
        usage.cached_read,
        price.cached_input_per_mtok.or(price.input_per_mtok),
    )?;
    add(
        usage.cache_write,
        price.cache_write_per_mtok.or(price.input_per_mtok),
    )?;
    add(usage.output, price.output_per_mtok)?;
    if let Some(flat) = price.per_request {
        total += flat;
    }
    Some(Money::new(total, currency))
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
    fn cost_is_exact_and_uses_cache_prices() {
        let price = Price {
            currency: Some(Currency::Usd),
            input_per_mtok: Some(d("3")),
            output_per_mtok: Some(d("15")),
            cached_input_per_mtok: Some(d("0.30")),
            cache_write_per_mtok: None,
            per_request: None,
        };
        let usage = Usage {
            input: 1_000,
            cached_read: 400,
            output: 333,
            ..Usage::default()
        };
        // 600 * 3 + 400 * 0.3 + 333 * 15 = 1800 + 120 + 4995 = 6915 per million
        assert_eq!(cost(&usage, &price).unwrap().amount, d("0.006915"));
    }

    #[test]
    fn unknown_price_is_unknown_not_zero() {
        let price = Price {
            currency: Some(Currency::Usd),
            input_per_mtok: Some(d("1")),
            ..Price::default()
        };
        let usage = Usage {
            input: 10,
            output: 5,
            ..Usage::default()
        };
        assert!(cost(&usage, &price).is_none());
        // With no output tokens the missing output price is not needed.
        let usage = Usage {
            input: 10,
            ..Usage::default()
        };
        assert_eq!(cost(&usage, &price).unwrap().amount, d("0.00001"));
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
}
