//! Worked figures for every pricing rule, in USD, RUB, CNY and credits. Prices are the
//! bundled catalog's (seed lines named) unless marked as made up for the rule.

use super::*;
use crate::llm::money::{Currency, PriceMode, PriceTier};
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Claude Sonnet 4.5 (004 line 3038): $3 in, $3.75 5m write, $6 1h write, $0.30 hit, $15 out.
fn sonnet_45() -> Price {
    Price {
        currency: Some(Currency::Usd),
        input_per_mtok: Some(d("3")),
        output_per_mtok: Some(d("15")),
        cached_input_per_mtok: Some(d("0.30")),
        cache_write_per_mtok: Some(d("3.75")),
        cache_write_1h_per_mtok: Some(d("6")),
        tiers: vec![PriceTier {
            above_input_tokens: 200_000,
            input_per_mtok: Some(d("6")),
            output_per_mtok: Some(d("22.50")),
            ..PriceTier::default()
        }],
        ..Price::default()
    }
}

#[test]
fn usd_cache_reads_and_both_cache_write_durations() {
    let usage = Usage {
        input: 10_000,
        cached_read: 6_000,
        cache_write: 2_000,
        cache_write_1h: 500,
        output: 1_200,
        reasoning: 400,
        ..Usage::default()
    };
    // 2000*3 + 6000*0.30 + 1500*3.75 + 500*6 + 1200*15 = 6000 + 1800 + 5625 + 3000 + 18000
    // = 34425 per million = $0.034425
    let b = cost_breakdown(&usage, &sonnet_45(), None).unwrap();
    assert_eq!(b.total, Money::new(d("0.034425"), Currency::Usd));
    let whats: Vec<&str> = b.lines.iter().map(|l| l.what.as_str()).collect();
    assert_eq!(
        whats,
        [
            "input",
            "cached input",
            "cache write",
            "cache write 1h",
            "output"
        ]
    );
    assert_eq!(b.tier_above, None);
}

#[test]
fn usd_long_prompt_tier_prices_every_token_and_caches_at_the_tier_input() {
    // 250k prompt passes 200k: input $6, output $22.50; the tier gives no cache price, so
    // the 50k cached tokens are charged at the tier's input price, not the base $0.30.
    let usage = Usage {
        input: 250_000,
        cached_read: 50_000,
        output: 1_000,
        ..Usage::default()
    };
    // 200000*6 + 50000*6 + 1000*22.5 = 1,200,000 + 300,000 + 22,500 = $1.5225
    let b = cost_breakdown(&usage, &sonnet_45(), None).unwrap();
    assert_eq!(b.total.amount, d("1.5225"));
    assert_eq!(b.tier_above, Some(200_000));
}

#[test]
fn usd_gemini_tier_with_its_own_cache_price() {
    // Gemini 2.5 Pro (004 lines 5771-5777): $1.25/$2.50 in, $10/$15 out, $0.125/$0.25 cache.
    let price = Price {
        currency: Some(Currency::Usd),
        input_per_mtok: Some(d("1.25")),
        output_per_mtok: Some(d("10.00")),
        cached_input_per_mtok: Some(d("0.125")),
        tiers: vec![PriceTier {
            above_input_tokens: 200_000,
            input_per_mtok: Some(d("2.50")),
            output_per_mtok: Some(d("15.00")),
            cached_input_per_mtok: Some(d("0.25")),
            ..PriceTier::default()
        }],
        ..Price::default()
    };
    // Thinking tokens are inside `output` (the decoder adds thoughtsTokenCount).
    let usage = Usage {
        input: 250_000,
        cached_read: 50_000,
        output: 2_000,
        reasoning: 1_500,
        ..Usage::default()
    };
    // 200000*2.5 + 50000*0.25 + 2000*15 = 500000 + 12500 + 30000 = $0.5425
    assert_eq!(cost(&usage, &price).unwrap().amount, d("0.5425"));
    let short = Usage {
        input: 150_000,
        output: 2_000,
        ..Usage::default()
    };
    // 150000*1.25 + 2000*10 = 187500 + 20000 = $0.2075
    assert_eq!(cost(&short, &price).unwrap().amount, d("0.2075"));
}

#[test]
fn usd_reasoning_is_billed_as_output() {
    // o3 standard (004 line 3838): $2.00 in, $0.50 cached, $8.00 out.
    let price = Price {
        currency: Some(Currency::Usd),
        input_per_mtok: Some(d("2.00")),
        output_per_mtok: Some(d("8.00")),
        cached_input_per_mtok: Some(d("0.50")),
        ..Price::default()
    };
    let usage = Usage {
        input: 500,
        output: 1_000,
        reasoning: 900,
        ..Usage::default()
    };
    // 500*2 + 1000*8 = 1000 + 8000 = $0.009 (the 900 reasoning tokens are among the 1000)
    assert_eq!(cost(&usage, &price).unwrap().amount, d("0.009"));
}

#[test]
fn usd_deepseek_hit_and_miss() {
    // deepseek-chat (004 lines 6429-6431): $0.028 hit, $0.28 miss, $0.42 out.
    let price = Price {
        currency: Some(Currency::Usd),
        input_per_mtok: Some(d("0.28")),
        cached_input_per_mtok: Some(d("0.028")),
        output_per_mtok: Some(d("0.42")),
        ..Price::default()
    };
    let usage = Usage {
        input: 1_000,
        cached_read: 800,
        output: 100,
        ..Usage::default()
    };
    // 200*0.28 + 800*0.028 + 100*0.42 = 56 + 22.4 + 42 = 120.4 per million = $0.0001204
    assert_eq!(cost(&usage, &price).unwrap().amount, d("0.0001204"));
}

#[test]
fn usd_batch_mode_has_its_own_prices() {
    // gpt-5 (004 lines 3773 and 3809): batch $0.625/$0.0625/$5.00, standard $1.25/$0.125/$10.
    let price = Price {
        currency: Some(Currency::Usd),
        input_per_mtok: Some(d("1.25")),
        cached_input_per_mtok: Some(d("0.125")),
        output_per_mtok: Some(d("10.00")),
        modes: vec![PriceMode {
            mode: "batch".into(),
            price: Price {
                input_per_mtok: Some(d("0.625")),
                cached_input_per_mtok: Some(d("0.0625")),
                output_per_mtok: Some(d("5.00")),
                ..Price::default()
            },
        }],
        ..Price::default()
    };
    let usage = Usage {
        input: 10_000,
        cached_read: 4_000,
        output: 2_000,
        ..Usage::default()
    };
    // standard: 6000*1.25 + 4000*0.125 + 2000*10 = 7500 + 500 + 20000 = $0.028
    assert_eq!(cost(&usage, &price).unwrap().amount, d("0.028"));
    // batch: 6000*0.625 + 4000*0.0625 + 2000*5 = 3750 + 250 + 10000 = $0.014
    let b = cost_breakdown(&usage, &price, Some("batch")).unwrap();
    assert_eq!(b.total, Money::new(d("0.014"), Currency::Usd));
    assert_eq!(b.mode.as_deref(), Some("batch"));
    assert!(cost_breakdown(&usage, &price, Some("flex")).is_none());
}

#[test]
fn rub_clipia_example_request() {
    // claude-opus-4-8 on Clipia (000 line 38): 400 RUB in, 2,000 RUB out per 1M; the
    // request of 001's example: 18 prompt and 72 completion tokens.
    let price = Price::per_mtok(Currency::Rub, d("400"), d("2000"));
    let usage = Usage {
        input: 18,
        output: 72,
        ..Usage::default()
    };
    // 18*400 + 72*2000 = 7200 + 144000 = 151200 per million = 0.1512 RUB
    let m = cost(&usage, &price).unwrap();
    assert_eq!(m, Money::new(d("0.1512"), Currency::Rub));
    assert_eq!(m.to_string(), "0.1512 RUB");
}

#[test]
fn cny_per_request_price_is_added() {
    // Made up for the rule (no CNY figure in the seeds): 4 CNY in, 16 CNY out, 0.01 per call.
    let price = Price {
        currency: Some(Currency::Cny),
        input_per_mtok: Some(d("4")),
        output_per_mtok: Some(d("16")),
        per_request: Some(d("0.01")),
        ..Price::default()
    };
    let usage = Usage {
        input: 1_000,
        output: 500,
        ..Usage::default()
    };
    // 1000*4 + 500*16 = 4000 + 8000 = 0.012, + 0.01 = 0.022 CNY
    let b = cost_breakdown(&usage, &price, None).unwrap();
    assert_eq!(b.total, Money::new(d("0.022"), Currency::Cny));
    assert_eq!(b.lines.last().unwrap().what, "per request");
}

#[test]
fn credits_price_list() {
    // Made up for the rule: a price list in credits (OpenRouter-style gateways).
    let price = Price::per_mtok(Currency::Credits, d("0.5"), d("1.5"));
    let usage = Usage {
        input: 2_000,
        output: 1_000,
        ..Usage::default()
    };
    // 2000*0.5 + 1000*1.5 = 1000 + 1500 = 0.0025 credits
    assert_eq!(
        cost(&usage, &price).unwrap(),
        Money::new(d("0.0025"), Currency::Credits)
    );
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
    // No currency, no cost.
    let mut p = sonnet_45();
    p.currency = None;
    assert!(cost(&usage, &p).is_none());
}

#[test]
fn max_cost_is_prompt_at_input_plus_max_tokens_at_output() {
    // 1,200 prompt tokens and max_tokens 4,000 on Sonnet 4.5: 1200*3 + 4000*15 = 63600
    assert_eq!(
        max_cost(1_200, 4_000, &sonnet_45()).unwrap(),
        Money::new(d("0.0636"), Currency::Usd)
    );
    // A 300k prompt is priced in the long-context tier: 300000*6 + 1000*22.5 = $1.8225
    assert_eq!(
        max_cost(300_000, 1_000, &sonnet_45()).unwrap().amount,
        d("1.8225")
    );
}
