//! Live model lists: a refresh against the demo server's `/v1/models` (the Clipia form) and
//! `/v1beta/models` (Gemini's), the other list forms from recorded fixtures, paging, and
//! the merge over the bundled catalog with per-field provenance.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

use rust_decimal::Decimal;
use switchboard::demo::DemoServer;
use switchboard::llm::catalog::{
    Origin, fetch_live, merge_model, merge_provider, parse_anthropic_list, parse_gemini_list,
    parse_models_list,
};
use switchboard::llm::money::{Currency, Price};
use switchboard::llm::protocol::Protocol;
use switchboard::llm::provider::ProviderConfig;
use switchboard::llm::run::{self, Timeouts};
use tokio_util::sync::CancellationToken;

fn fixture(name: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/wire/models")
        .join(name);
    std::fs::read_to_string(path).ok()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn local(name: &str, base: &str, protocol: Protocol) -> ProviderConfig {
    let mut p = ProviderConfig::demo();
    p.name = name.into();
    p.base_url = Some(base.into());
    p.protocol = protocol;
    p
}

#[tokio::test]
async fn refresh_from_the_demo_servers_openai_form() {
    let server = DemoServer::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let timeouts = Timeouts::default();
    let client = run::client(&timeouts).unwrap();
    let p = local("demo", &server.base_url(), Protocol::OpenAiChat);
    let (models, url) = fetch_live(
        &client,
        &timeouts,
        &p,
        &server.base_url(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(url.ends_with("/v1/models"), "{url}");
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        ["demo-fast", "demo-flagship", "demo-reasoner", "demo-coder"]
    );
    let fast = &models[0];
    // Per-token strings become exact per-million prices in the configured currency.
    let price = fast.price.as_ref().unwrap();
    assert_eq!(price.currency, Some(Currency::Usd));
    assert_eq!(price.input_per_mtok, Some(d("0.10")));
    assert_eq!(price.output_per_mtok, Some(d("0.40")));
    assert_eq!(fast.context_window, Some(128_000));
    // Every known figure is marked live, with the fetch time.
    let src = fast.source_of("price").unwrap();
    assert_eq!(src.origin, Origin::Live);
    assert!(src.fetched_at.unwrap() > 1_700_000_000);
    assert!(src.detail.starts_with("live GET http://127.0.0.1:"));
    // With no bundled entries for the demo provider, the merge changes nothing.
    assert_eq!(merge_provider("demo", &models), models);
}

#[tokio::test]
async fn refresh_from_the_demo_servers_gemini_form() {
    let server = DemoServer::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let timeouts = Timeouts::default();
    let client = run::client(&timeouts).unwrap();
    let base = format!("{}/v1beta", server.root_url());
    let p = local("gem", &base, Protocol::Gemini);
    let (models, url) = fetch_live(&client, &timeouts, &p, &base, &CancellationToken::new())
        .await
        .unwrap();
    assert!(url.contains("/v1beta/models?pageSize=1000"), "{url}");
    let reasoner = models.iter().find(|m| m.id == "demo-reasoner").unwrap();
    assert_eq!(reasoner.capabilities.reasoning, Some(true));
    assert_eq!(reasoner.protocols, vec![Protocol::Gemini]);
    assert!(reasoner.context_window.is_some());
}

#[tokio::test]
async fn a_failed_refresh_is_an_error_with_the_providers_reason() {
    let server = DemoServer::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let timeouts = Timeouts::default();
    let client = run::client(&timeouts).unwrap();
    let mut p = local("demo", &server.base_url(), Protocol::OpenAiChat);
    p.headers.insert("x-demo-fault".into(), "503".into());
    let err = fetch_live(
        &client,
        &timeouts,
        &p,
        &server.base_url(),
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");
}

#[test]
fn anthropic_list_merges_over_the_bundled_catalog() {
    let Some(body) = fixture("anthropic-list.constructed.json") else {
        return;
    };
    let page = parse_anthropic_list(
        "anthropic",
        &body,
        "live GET https://api.anthropic.com/v1/models",
    )
    .unwrap();
    assert_eq!(page.next, None, "has_more is false");
    assert_eq!(page.models.len(), 2);
    let live = &page.models[0];
    assert_eq!(live.id, "claude-sonnet-4-5-20250929");
    assert_eq!(live.name.as_deref(), Some("Claude Sonnet 4.5"));
    assert!(live.price.is_none(), "the list form has no prices");

    let merged = merge_provider("anthropic", &page.models);
    let sonnet = merged
        .iter()
        .find(|m| m.id == "claude-sonnet-4-5-20250929")
        .unwrap();
    // Live wins for what it gives, bundled fills the rest, and each says where it is from.
    assert_eq!(sonnet.source_of("name").unwrap().origin, Origin::Live);
    assert_eq!(sonnet.context_window, Some(200_000));
    assert_eq!(
        sonnet.source_of("context_window").unwrap().origin,
        Origin::Bundled
    );
    let price = sonnet.price.as_ref().unwrap();
    assert_eq!(price.input_per_mtok, Some(d("3")));
    assert_eq!(sonnet.source_of("price").unwrap().origin, Origin::Bundled);
    // Bundled models the live list does not mention stay, marked bundled.
    let haiku = merged
        .iter()
        .find(|m| m.id == "claude-3-haiku-20240307")
        .unwrap();
    assert_eq!(haiku.source_of("price").unwrap().origin, Origin::Bundled);
    assert_eq!(
        merged.len(),
        11,
        "2 live (both bundled too) + 9 bundled only"
    );
}

#[test]
fn anthropic_pages_follow_last_id() {
    let body = r#"{"data":[{"type":"model","id":"a","display_name":"A","created_at":"2025-01-01T00:00:00Z",
        "max_input_tokens":200000,"max_tokens":64000}],"has_more":true,"first_id":"a","last_id":"a"}"#;
    let page = parse_anthropic_list("anthropic", body, "live").unwrap();
    assert_eq!(page.next.as_deref(), Some("a"));
    assert_eq!(page.models[0].context_window, Some(200_000));
    assert_eq!(page.models[0].max_output, Some(64_000));
}

#[test]
fn gemini_list_form() {
    let Some(body) = fixture("gemini-list.json") else {
        return;
    };
    let page = parse_gemini_list("gemini", &body, "live GET gemini").unwrap();
    assert_eq!(
        page.next.as_deref(),
        Some("Ch9tb2RlbHMvdmVvLTMuMS1nZW5lcmF0ZS1wcmV2aWV3")
    );
    let pro = &page.models[0];
    assert_eq!(pro.id, "gemini-2.5-pro", "the models/ prefix is dropped");
    assert_eq!(pro.context_window, Some(1_048_576));
    assert_eq!(pro.max_output, Some(65_536));
    assert_eq!(pro.capabilities.reasoning, Some(true));
    assert_eq!(pro.protocols, vec![Protocol::Gemini]);
    // Imagen is not a generateContent model: no chat protocol, its methods kept.
    let imagen = &page.models[1];
    assert!(imagen.protocols.is_empty());
    assert_eq!(imagen.endpoints, vec!["predict".to_string()]);
    assert_eq!(
        imagen.capabilities.reasoning, None,
        "no `thinking` says nothing"
    );
    // Merged with the bundled entry: live limits, bundled prices with their tier.
    let merged = merge_provider("gemini", &page.models);
    let pro = merged.iter().find(|m| m.id == "gemini-2.5-pro").unwrap();
    let price = pro.price.as_ref().unwrap();
    assert_eq!(price.tiers[0].input_per_mtok, Some(d("2.50")));
    assert_eq!(
        pro.source_of("context_window").unwrap().origin,
        Origin::Live
    );
}

#[test]
fn plain_openai_form() {
    let Some(body) = fixture("openai-compatible-cerebras.json") else {
        return;
    };
    let models = parse_models_list("cerebras", &body, None, "live").unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["gemma-4-31b", "gpt-oss-120b", "zai-glm-4.7"]);
    assert!(
        models
            .iter()
            .all(|m| m.price.is_none() && m.context_window.is_none())
    );
}

#[test]
fn clipia_live_list_over_bundled_rubles() {
    let Some(body) = fixture("clipia-openrouter-style.docs.json") else {
        return;
    };
    let live = parse_models_list("clipia", &body, Some(&Currency::Rub), "live GET clipia").unwrap();
    let merged = merge_provider("clipia", &live);
    assert_eq!(merged.len(), 9, "one live entry, eight bundled ones");
    let opus = &merged[0];
    assert_eq!(opus.id, "claude-opus-4-8");
    let price = opus.price.as_ref().unwrap();
    assert_eq!(price.input_per_mtok, Some(d("400")));
    assert_eq!(price.output_per_mtok, Some(d("2000")));
    assert_eq!(opus.source_of("price").unwrap().origin, Origin::Live);
    assert_eq!(opus.capabilities.tools, Some(true));
    assert!(
        opus.source.starts_with("live GET clipia + bundled"),
        "{}",
        opus.source
    );
}

#[test]
fn a_changed_live_price_is_not_patched_with_old_bundled_figures() {
    let bundled = switchboard::llm::catalog::bundled_model("openai", "gpt-4o").unwrap();
    let mut live = bundled.clone();
    live.sources.clear();
    live.price = Some(Price::per_mtok(Currency::Usd, d("3.00"), d("12.00")));
    live.source = "live".into();
    let merged = merge_model(live, Some(&bundled));
    let p = merged.price.unwrap();
    assert_eq!(p.input_per_mtok, Some(d("3.00")));
    assert_eq!(
        p.cached_input_per_mtok, None,
        "the old $1.25 cached price is not reused"
    );
    assert!(p.modes.is_empty());
    // Same base price: the gaps are filled and marked bundled.
    let mut live = bundled.clone();
    live.sources.clear();
    live.price = Some(Price::per_mtok(Currency::Usd, d("2.5"), d("10")));
    let merged = merge_model(live, Some(&bundled));
    assert_eq!(
        merged.price.as_ref().unwrap().cached_input_per_mtok,
        Some(d("1.25"))
    );
    assert_eq!(
        merged
            .source_of("price.cached_input_per_mtok")
            .unwrap()
            .origin,
        Origin::Bundled
    );
    // A live price in another currency is never mixed with the bundled one.
    let mut live = bundled.clone();
    live.price = Some(Price::per_mtok(Currency::Rub, d("200"), d("800")));
    let merged = merge_model(live, Some(&bundled));
    assert_eq!(merged.price.unwrap().cached_input_per_mtok, None);
}
