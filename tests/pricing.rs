//! Pricing end to end with the bundled catalog: usage in, exact money out, per currency; the
//! provider's own figure compared only when it can be; the cost before sending and the
//! budget. Every figure is worked out in the comments.

use std::str::FromStr;

use rust_decimal::Decimal;
use switchboard::llm::catalog::bundled_model;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::money::{
    Budget, BudgetStatus, CostCheck, CreditRate, Currency, Money, Totals, compare_reported, cost,
    cost_breakdown, max_cost,
};
use switchboard::llm::tokens::estimate_prompt;
use switchboard::llm::usage::Usage;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn price(provider: &str, id: &str) -> switchboard::llm::money::Price {
    bundled_model(provider, id)
        .and_then(|m| m.price)
        .unwrap_or_else(|| panic!("{provider}/{id} has a bundled price"))
}

#[test]
fn anthropic_usage_with_both_cache_durations_usd() {
    // Sonnet 4.5 by its alias: $3 in, $3.75 5m write, $6 1h write, $0.30 hit, $15 out.
    let p = price("anthropic", "claude-sonnet-4-5");
    // Anthropic reports input_tokens 1000 (uncached), cache_creation 3000 (1h: 1000),
    // cache_read 20000, output 800: the decoder's normalised Usage is
    let usage = Usage {
        input: 24_000,
        cached_read: 20_000,
        cache_write: 3_000,
        cache_write_1h: 1_000,
        output: 800,
        ..Usage::default()
    };
    // 1000*3 + 20000*0.30 + 2000*3.75 + 1000*6 + 800*15
    // = 3000 + 6000 + 7500 + 6000 + 12000 = 34500 per million = $0.0345
    assert_eq!(
        cost(&usage, &p).unwrap(),
        Money::new(d("0.0345"), Currency::Usd)
    );
}

#[test]
fn gemini_long_prompt_tier_and_thinking_as_output_usd() {
    let p = price("gemini", "gemini-2.5-pro");
    // 300k prompt (100k from the cache), 4k output of which 3k thinking.
    let usage = Usage {
        input: 300_000,
        cached_read: 100_000,
        output: 4_000,
        reasoning: 3_000,
        ..Usage::default()
    };
    // > 200k: 200000*2.50 + 100000*0.25 + 4000*15 = 500000 + 25000 + 60000 = $0.585
    let b = cost_breakdown(&usage, &p, None).unwrap();
    assert_eq!(b.total.amount, d("0.585"));
    assert_eq!(b.tier_above, Some(200_000));
    // The batch price has its own tier: 200000*1.25 + 100000*0.25 + 4000*7.5 = $0.305
    let b = cost_breakdown(&usage, &p, Some("batch")).unwrap();
    assert_eq!(b.total.amount, d("0.305"));
}

#[test]
fn openai_priority_mode_and_reasoning_usd() {
    let p = price("openai", "o4-mini");
    let usage = Usage {
        input: 10_000,
        cached_read: 8_000,
        output: 5_000,
        reasoning: 4_500,
        ..Usage::default()
    };
    // standard: 2000*1.10 + 8000*0.275 + 5000*4.40 = 2200 + 2200 + 22000 = $0.0264
    assert_eq!(cost(&usage, &p).unwrap().amount, d("0.0264"));
    // priority: 2000*2.00 + 8000*0.50 + 5000*8.00 = 4000 + 4000 + 40000 = $0.048
    let b = cost_breakdown(&usage, &p, Some("priority")).unwrap();
    assert_eq!(b.total.amount, d("0.048"));
}

#[test]
fn deepseek_cache_hit_and_miss_usd() {
    let p = price("deepseek", "deepseek-reasoner");
    // DeepSeek: prompt_cache_hit_tokens 600, miss 400, completion 2000 (reasoning 1500).
    let usage = Usage {
        input: 1_000,
        cached_read: 600,
        output: 2_000,
        reasoning: 1_500,
        ..Usage::default()
    };
    // 400*0.28 + 600*0.028 + 2000*0.42 = 112 + 16.8 + 840 = 968.8 per million
    assert_eq!(cost(&usage, &p).unwrap().amount, d("0.0009688"));
}

#[test]
fn clipia_rubles_beside_reported_credits() {
    let p = price("clipia", "gpt-5.5");
    let usage = Usage {
        input: 1_200,
        output: 300,
        provider_cost: Some(Money::new(d("0.5"), Currency::Credits)),
        ..Usage::default()
    };
    // 1200*400 + 300*2400 = 480000 + 720000 = 1,200,000 per million = 1.2 RUB
    let computed = cost(&usage, &p).unwrap();
    assert_eq!(computed, Money::new(d("1.2"), Currency::Rub));
    let reported = usage.provider_cost.clone().unwrap();
    // Both are shown; with no configured rate they are not compared.
    assert!(matches!(
        compare_reported(&computed, &reported, None),
        CostCheck::NotComparable { .. }
    ));
    // With a configured 2.4 RUB per credit: 0.5 cr = 1.2 RUB, they agree.
    let rate = CreditRate {
        currency: Currency::Rub,
        per_credit: d("2.4"),
    };
    assert!(!compare_reported(&computed, &reported, Some(&rate)).is_flagged());
    // At 2.5 RUB per credit it is 1.25 RUB: +4.17%, flagged.
    let rate = CreditRate {
        currency: Currency::Rub,
        per_credit: d("2.5"),
    };
    let check = compare_reported(&computed, &reported, Some(&rate));
    assert!(check.is_flagged(), "{check:?}");
}

#[test]
fn aisa_without_an_input_price_is_unknown_not_cheap() {
    let p = price("aisa", "gpt-5");
    let usage = Usage {
        input: 100,
        output: 100,
        ..Usage::default()
    };
    assert_eq!(cost(&usage, &p), None);
    // Per-request models: the flat price alone when no tokens are billed.
    let img = price("aisa", "wan2.7-image");
    assert_eq!(
        cost(&Usage::default(), &img).unwrap(),
        Money::new(d("0.030"), Currency::Usd)
    );
}

#[test]
fn before_sending_estimate_max_cost_and_budget() {
    let mut chat = ChatRequest::new("gpt-4o", "hello world");
    chat.params.max_tokens = Some(1_000);
    let estimate = estimate_prompt(&chat);
    assert!(estimate.is_exact());
    assert_eq!(estimate.tokens, 9);
    let p = price("openai", "gpt-4o");
    // 9*2.50 + 1000*10.00 = 22.5 + 10000 = 10022.5 per million = $0.0100225
    let most = max_cost(estimate.tokens, 1_000, &p).unwrap();
    assert_eq!(most, Money::new(d("0.0100225"), Currency::Usd));

    let budget = Budget::default().with_limit(Money::new(d("0.05"), Currency::Usd));
    let mut spent = Totals::default();
    spent.add(&Money::new(d("0.02"), Currency::Usd));
    spent.add(&Money::new(d("10"), Currency::Rub));
    // 0.02 + 0.0100225 = 0.0300225 < 0.04 (80%)
    assert_eq!(budget.check(&spent, &most), BudgetStatus::Ok);
    spent.add(&Money::new(d("0.02"), Currency::Usd));
    // 0.04 + 0.0100225 = 0.0500225 > 0.05
    assert!(matches!(
        budget.check(&spent, &most),
        BudgetStatus::WouldExceed { .. }
    ));
    // Totals stay per currency.
    let all: Vec<Money> = spent.iter().collect();
    assert_eq!(
        all,
        vec![
            Money::new(d("0.04"), Currency::Usd),
            Money::new(d("10"), Currency::Rub)
        ]
    );
}
