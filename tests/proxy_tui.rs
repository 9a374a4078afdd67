//! `switchboard proxy --tui`: another program's call through the recording proxy appears in
//! the workbench (conversation, meter totals, inspector) as it finishes, through the real
//! app loop.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::Event;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::config::Config;
use switchboard::demo::DemoServer;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::event::StreamEvent;
use switchboard::llm::money::{Currency, Price};
use switchboard::llm::protocol::{ApiKey, Endpoint, Protocol, build_request};
use switchboard::llm::run::{self, RetryPolicy, RunOptions, Update};
use switchboard::proxy::{ProxyConfig, ProxyServer, Sink, Upstream};
use switchboard::tui::state::State;
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::{Options, run_loop};
use switchboard::workbench::Workbench;
use tokio_util::sync::CancellationToken;

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

async fn client_call(base_url: String) -> String {
    let protocol = Protocol::OpenAiChat;
    let endpoint = Endpoint {
        base_url,
        auth: protocol.default_auth(),
        key: Some(ApiKey::new("sk-client-0123456789abcdefghij")),
        headers: Vec::new(),
    };
    let chat = ChatRequest::new("demo-fast+ttft=0+delay=0", "Who made this call?");
    let request = build_request(protocol, &endpoint, &chat).unwrap();
    let opts = RunOptions {
        retry: RetryPolicy::NONE,
        ..RunOptions::default()
    };
    let client = run::client(&opts.timeouts).unwrap();
    let mut text = String::new();
    let ex = run::run(
        &client,
        &request,
        protocol,
        &opts,
        &CancellationToken::new(),
        &mut |u| {
            if let Update::Event(StreamEvent::TextDelta { text: t }) = u {
                text.push_str(t);
            }
        },
    )
    .await;
    assert_eq!(ex.error, None);
    text
}

#[tokio::test]
async fn a_proxied_call_appears_in_the_workbench() {
    let demo = DemoServer::start(loopback()).await.unwrap();
    let (sink, feed) = switchboard::tui::proxy_feed::channel("demo");
    let mut config = ProxyConfig::new(Upstream::from_url(&demo.base_url())).unwrap();
    config.sinks.push(Arc::new(sink) as Arc<dyn Sink>);
    config.price = Some(Arc::new(|_: &str| {
        Some(Price {
            currency: Some(Currency::Usd),
            input_per_mtok: Some(1.into()),
            output_per_mtok: Some(2.into()),
            ..Price::default()
        })
    }));
    let proxy = ProxyServer::start(loopback(), config).await.unwrap();
    let mut options = Options::new();
    options.proxy = Some(feed);

    let (_keys, rx) = tokio::sync::mpsc::unbounded_channel::<io::Result<Event>>();
    let inputs = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let base = proxy.base_url();
    let mut call = None;
    let until = |s: &State, _: &Terminal<TestBackend>| {
        if call.is_none() {
            call = Some(tokio::spawn(client_call(base.clone())));
        }
        s.chat
            .turns
            .first()
            .is_some_and(|t| matches!(t.status, TurnStatus::Done { .. }))
    };
    let workbench = Arc::new(Workbench::new(Config::default()).unwrap());
    let run = run_loop(
        &mut terminal,
        inputs,
        workbench,
        "demo/demo-fast".into(),
        options,
        until,
    );
    let state = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the proxied call never showed")
        .unwrap();
    let answer = call.unwrap().await.unwrap();
    let t = &state.chat.turns[0];
    assert_eq!(t.model.to_string(), "demo/demo-fast+ttft=0+delay=0");
    assert_eq!(t.prompt, "↻ Who made this call?");
    assert_eq!(t.answer.text(), answer, "the client's answer, as it saw it");
    assert!(t.trace.frames.len() > 3);
    assert!(t.usage.is_some());
    assert!(t.cost.is_some(), "priced by the proxy");
    assert_ne!(
        state.spend.session,
        Default::default(),
        "the meter's totals include it"
    );
    let masked = serde_json::to_string(&t.trace.request).unwrap();
    assert!(!masked.contains("sk-client-0123456789abcdefghij"));
}
