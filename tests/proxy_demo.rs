//! The proxy with the demo server behind it: Switchboard's own runner calls through it
//! over all four protocols, streamed and not, and each exchange is recorded with the same
//! events the runner decoded, its usage and its cost; `--record` writes them as a trace.

mod proxy_support;

use std::sync::Arc;

use proxy_support::*;
use switchboard::demo::DemoServer;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::event::StreamEvent;
use switchboard::llm::http::Exchange;
use switchboard::llm::money::{Currency, Price};
use switchboard::llm::protocol::{ApiKey, Endpoint, Protocol, build_request};
use switchboard::llm::run::{self, RetryPolicy, RunOptions, Update};
use switchboard::proxy::{ProxyConfig, ProxyServer, TraceFile, Upstream};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-demo-client-0123456789abcdef";

/// Calls `model` over `protocol` through the proxy with Switchboard's runner.
async fn call(
    proxy: &ProxyServer,
    protocol: Protocol,
    model: &str,
    stream: bool,
) -> (Exchange, Vec<StreamEvent>) {
    let endpoint = Endpoint {
        base_url: if protocol.base_has_version() {
            proxy.base_url()
        } else {
            proxy.root_url()
        },
        auth: protocol.default_auth(),
        key: Some(ApiKey::new(KEY)),
        headers: Vec::new(),
    };
    let mut chat = ChatRequest::new(model, "What does the proxy record?");
    chat.stream = stream;
    let request = build_request(protocol, &endpoint, &chat).unwrap();
    let opts = RunOptions {
        retry: RetryPolicy::NONE,
        ..RunOptions::default()
    };
    let client = run::client(&opts.timeouts).unwrap();
    let mut events = Vec::new();
    let ex = run::run(
        &client,
        &request,
        protocol,
        &opts,
        &CancellationToken::new(),
        &mut |u| {
            if let Update::Event(e) = u {
                events.push(e.clone());
            }
        },
    )
    .await;
    (ex, events)
}

fn demo_price() -> Price {
    Price {
        currency: Some(Currency::Usd),
        input_per_mtok: Some(1.into()),
        output_per_mtok: Some(2.into()),
        ..Price::default()
    }
}

#[tokio::test]
async fn every_protocol_streamed_and_not_is_recorded_as_the_runner_saw_it() {
    let demo = DemoServer::start(loopback()).await.unwrap();
    let (sink, mut records) = collecting();
    let dir = std::env::temp_dir().join(format!("switchboard-proxy-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace_path = dir.join("trace.jsonl");
    let mut config = ProxyConfig::new(Upstream::from_url(&demo.base_url())).unwrap();
    config.sinks.push(sink);
    config
        .sinks
        .push(Arc::new(TraceFile::create(&trace_path).unwrap()));
    config.price = Some(Arc::new(|model: &str| {
        model.starts_with("demo-").then(demo_price)
    }));
    let proxy = ProxyServer::start(loopback(), config).await.unwrap();

    let mut seen = Vec::new();
    for protocol in Protocol::ALL {
        for stream in [true, false] {
            let (ex, events) = call(&proxy, protocol, "demo-fast+ttft=0+delay=0", stream).await;
            assert_eq!(ex.error, None, "{protocol} stream={stream}: {:?}", ex.error);
            let t = records.next().await;
            let what = format!("{protocol} stream={stream}");
            assert_eq!(t.protocol, Some(protocol), "{what}");
            assert_eq!(t.exchange.status, Some(200), "{what}");
            assert_eq!(t.exchange.error, None, "{what}");
            let recorded: Vec<StreamEvent> = t.events.iter().map(|e| e.event.clone()).collect();
            assert_eq!(
                recorded, events,
                "{what}: the proxy decoded what the runner decoded"
            );
            assert_eq!(
                t.exchange.usage,
                ex.usage.map(|mut u| {
                    u.provider_cost = u.provider_cost.map(|mut c| {
                        c.currency = Currency::Credits;
                        c
                    });
                    u
                }),
                "{what}"
            );
            assert_eq!(t.exchange.frames.len(), ex.frames.len(), "{what}");
            assert_eq!(t.exchange.frames.is_empty(), !stream, "{what}");
            assert_eq!(t.exchange.body.is_some(), !stream, "{what}");
            assert!(t.cost.is_some(), "{what}: priced");
            assert!(t.label.as_deref().unwrap().contains("demo-fast"), "{what}");
            let text = serde_json::to_string(&t.exchange).unwrap();
            assert!(!text.contains(KEY), "{what}: the client's key is masked");
            seen.push(t);
        }
    }
    // The trace file holds the same exchanges.
    let trace = switchboard::trace::read_file(&trace_path).unwrap();
    assert_eq!(trace.exchanges, seen);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn demo_errors_pass_through_with_their_status() {
    let demo = DemoServer::start(loopback()).await.unwrap();
    let (proxy, mut records) = proxy(Upstream::from_url(&demo.root_url())).await;
    let (ex, _) = call(&proxy, Protocol::Anthropic, "demo-fast+429", true).await;
    assert_eq!(ex.status, Some(429));
    let t = records.next().await;
    assert_eq!(t.exchange.status, Some(429));
    assert_eq!(t.exchange.error, ex.error, "recorded as the runner saw it");
    let (ex, _) = call(
        &proxy,
        Protocol::OpenAiChat,
        "demo-fast+drop+delay=0+ttft=0",
        true,
    )
    .await;
    assert!(ex.error.is_some());
    let t = records.next().await;
    assert!(
        matches!(
            t.exchange.error,
            Some(switchboard::llm::error::ProviderError::Transport { .. })
        ),
        "{:?}",
        t.exchange.error
    );
}
