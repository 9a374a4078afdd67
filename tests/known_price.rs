//! `Workbench::known_price`: the demo's own table, else the bundled catalog's price with the
//! last cached live list laid over it; unknown (never zero) when neither knows the model.

use rust_decimal::Decimal;
use switchboard::llm::catalog::{CatalogCache, ModelInfo};
use switchboard::llm::money::{Currency, Price};
use switchboard::llm::provider::ModelRef;
use switchboard::workbench::Workbench;

fn bench() -> Workbench {
    let config = switchboard::config::parse(
        "[[providers]]\nname = \"clipia\"\n",
        std::path::Path::new("c"),
    )
    .unwrap();
    Workbench::new(config).unwrap()
}

#[test]
fn bundled_then_live_then_unknown() {
    let b = bench();
    let gpt = ModelRef::parse("clipia/gpt-5.5").unwrap();
    let empty = CatalogCache::default();
    // Bundled (seed 000): 400 / 2,400 RUB per 1M.
    let p = b.known_price_with(&gpt, &empty).unwrap();
    assert_eq!(p.currency, Some(Currency::Rub));
    assert_eq!(p.input_per_mtok, Some(Decimal::from(400)));
    assert_eq!(p.output_per_mtok, Some(Decimal::from(2400)));
    // A cached live list wins where it gives a figure.
    let mut cache = CatalogCache::default();
    let live = ModelInfo {
        provider: "clipia".into(),
        id: "gpt-5.5".into(),
        price: Some(Price::per_mtok(
            Currency::Rub,
            Decimal::from(420),
            Decimal::from(2500),
        )),
        ..ModelInfo::default()
    };
    cache.put("clipia", "GET http://x/v1/models", vec![live], 1);
    let p = b.known_price_with(&gpt, &cache).unwrap();
    assert_eq!(p.input_per_mtok, Some(Decimal::from(420)));
    assert_eq!(p.output_per_mtok, Some(Decimal::from(2500)));
    // A model neither knows has no price, not a zero one.
    let unknown = ModelRef::parse("clipia/no-such-model").unwrap();
    assert_eq!(b.known_price_with(&unknown, &empty), None);
    // The demo's own table.
    let demo = ModelRef::parse("demo/demo-fast+429").unwrap();
    let p = b.known_price_with(&demo, &empty).unwrap();
    assert_eq!(p.input_per_mtok, Some(Decimal::new(10, 2)));
}
