//! Clipia's account endpoints against the demo server on 127.0.0.1: `GET /v1/key` (balance
//! and limits) and `GET /v1/generation?id=` (the exact cost of a finished request), with the
//! key sent and never shown.

use std::net::{Ipv4Addr, SocketAddr};

use rust_decimal::Decimal;
use switchboard::config::Config;
use switchboard::demo::DemoServer;
use switchboard::llm::account::{AccountApi, fetch_generation, fetch_key, generation_id};
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::error::ProviderError;
use switchboard::llm::money::Currency;
use switchboard::llm::protocol::Protocol;
use switchboard::llm::provider::{ModelRef, ProviderConfig};
use switchboard::llm::run;
use switchboard::workbench::Workbench;
use tokio_util::sync::CancellationToken;

const KEY: &str = "clipia_live_fake-0123456789abcdef7f3a";

fn provider(base: &str) -> ProviderConfig {
    let mut p = ProviderConfig::new("gw", Protocol::OpenAiChat, base, None);
    p.api_key_cmd = Some(format!("printf {KEY}"));
    p.reported_cost_currency = Some(Currency::Usd);
    p.account = Some(AccountApi::Clipia);
    p
}

#[tokio::test]
async fn key_and_generation_against_the_demo_server() {
    let server = DemoServer::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = server.base_url();
    let p = provider(&base);
    let bench = Workbench::new(Config {
        providers: vec![p.clone()],
        ..Config::default()
    })
    .unwrap();
    let cancel = CancellationToken::new();

    // Nothing spent yet: the whole limit remains.
    let before = fetch_key(&bench.client, &bench.timeouts, &p, &base, &cancel)
        .await
        .unwrap();
    assert_eq!(before.get("limit"), Some("10"));
    assert_eq!(before.get("limit_remaining"), Some("10"));

    // One streamed answer...
    let model = ModelRef::parse("gw/demo-fast").unwrap();
    let prepared = bench
        .prepare(
            &model,
            &ChatRequest::new("demo-fast", "How do I stream tokens?"),
        )
        .await
        .unwrap();
    let ex = run::run(
        &bench.client,
        &prepared.request,
        prepared.protocol,
        &prepared.options,
        &cancel,
        &mut |_| {},
    )
    .await;
    assert!(ex.error.is_none(), "{:?}", ex.error);
    let reported = ex
        .usage
        .as_ref()
        .and_then(|u| u.provider_cost.clone())
        .unwrap();
    let id = generation_id(&ex).unwrap();
    assert!(id.starts_with("chatcmpl-"), "{id}");

    // ...whose exact cost is the cost the stream reported, and is spent from the key.
    let exact = fetch_generation(&bench.client, &bench.timeouts, &p, &base, &id, &cancel)
        .await
        .unwrap();
    assert_eq!(exact, reported);
    assert!(exact.amount > Decimal::ZERO);
    let after = fetch_key(&bench.client, &bench.timeouts, &p, &base, &cancel)
        .await
        .unwrap();
    let remaining: Decimal = after.get("limit_remaining").unwrap().parse().unwrap();
    assert_eq!(remaining, Decimal::from(10) - exact.amount);
    assert_eq!(
        after.get("usage").unwrap().parse::<Decimal>().unwrap(),
        exact.amount
    );
    assert!(!format!("{after:?}").contains(KEY));

    // An id the server never gave: the provider's 404, as an HTTP error with its message.
    let err = fetch_generation(
        &bench.client,
        &bench.timeouts,
        &p,
        &base,
        "chatcmpl-nope",
        &cancel,
    )
    .await
    .unwrap_err();
    match &err {
        ProviderError::Http { status, .. } => assert_eq!(*status, 404),
        other => panic!("expected HTTP 404, got {other:?}"),
    }
    assert!(!err.to_string().contains(KEY), "{err}");
}

#[test]
fn the_clipia_preset_has_the_account_endpoints_and_no_credit_rate() {
    let clipia = switchboard::llm::provider::presets()
        .into_iter()
        .find(|p| p.name == "clipia")
        .unwrap();
    assert_eq!(clipia.account, Some(AccountApi::Clipia));
    assert_eq!(clipia.reported_cost_currency, Some(Currency::Credits));
    // The value of a credit is not published: no rate is ever assumed.
    assert_eq!(clipia.credit_rate, None);
}

#[test]
fn budget_credit_rate_and_account_read_from_the_config() {
    use std::path::Path;
    use switchboard::llm::money::CreditRate;
    let text = r#"
[budget]
USD = "5.00"
RUB = "300"

[[providers]]
name = "clipia"
credit_rate = { currency = "RUB", per_credit = "1.5" }

[[providers]]
name = "demo"
account = "clipia"
"#;
    let c = switchboard::config::parse(text, Path::new("c.toml")).unwrap();
    assert_eq!(c.budget.limits[&Currency::Usd], Decimal::new(500, 2));
    assert_eq!(c.budget.limits[&Currency::Rub], Decimal::from(300));
    let clipia = c.provider("clipia").unwrap();
    assert_eq!(
        clipia.credit_rate,
        Some(CreditRate {
            currency: Currency::Rub,
            per_credit: Decimal::new(15, 1),
        })
    );
    // The preset's account endpoints are inherited; the demo gets them by asking.
    assert_eq!(clipia.account, Some(AccountApi::Clipia));
    assert_eq!(
        c.provider("demo").unwrap().account,
        Some(AccountApi::Clipia)
    );

    let bad = switchboard::config::parse("[budget]\nUSD = \"-1\"\n", Path::new("c.toml"));
    assert!(bad.unwrap_err().message.contains("budget.USD"));
    let zero = "[[providers]]\nname = \"clipia\"\ncredit_rate = { currency = \"RUB\", per_credit = \"0\" }\n";
    let e = switchboard::config::parse(zero, Path::new("c.toml")).unwrap_err();
    assert!(e.message.contains("per_credit"), "{e}");
    let typo = "[[providers]]\nname = \"clipia\"\ncredit_rate = { currency = \"RUB\", per_credt = \"1\" }\n";
    assert!(switchboard::config::parse(typo, Path::new("c.toml")).is_err());
}
