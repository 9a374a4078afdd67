//! Time to first byte through the recording proxy vs straight to the demo server.
//!
//! `cargo bench --bench proxy` (release build). A streamed chat request
//! (`demo-fast+ttft=0+delay=0`: the demo answers at once) is timed from sending to the
//! first body chunk, many times, alternating direct and proxied calls so drift hits both
//! alike; with kept-alive connections (as SDKs do) and with a new connection per call.
//! Prints median and p95 of each and what the proxy adds. The target: under 5 ms added.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use switchboard::demo::DemoServer;
use switchboard::proxy::{ProxyConfig, ProxyServer, Upstream};

const RUNS: usize = 400;
const WARMUP: usize = 30;

async fn ttfb(client: &reqwest::Client, url: &str) -> Duration {
    let body = json!({"model": "demo-fast+ttft=0+delay=0+tokens=16", "stream": true,
        "messages": [{"role": "user", "content": "ping"}]});
    let start = Instant::now();
    let mut resp = client.post(url).json(&body).send().await.expect("sent");
    let first = resp.chunk().await.expect("a chunk").expect("not empty");
    let took = start.elapsed();
    assert!(!first.is_empty());
    // Read to the end, so a kept-alive connection is reusable.
    while resp.chunk().await.expect("the rest").is_some() {}
    took
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn scenario(name: &str, direct_url: &str, proxied_url: &str, fresh: bool) {
    let pooled = reqwest::Client::new();
    let client = || {
        if fresh {
            reqwest::Client::new()
        } else {
            pooled.clone()
        }
    };
    for _ in 0..WARMUP {
        ttfb(&client(), direct_url).await;
        ttfb(&client(), proxied_url).await;
    }
    let mut direct = Vec::with_capacity(RUNS);
    let mut proxied = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        // Alternate which goes first.
        if i % 2 == 0 {
            direct.push(ttfb(&client(), direct_url).await);
            proxied.push(ttfb(&client(), proxied_url).await);
        } else {
            proxied.push(ttfb(&client(), proxied_url).await);
            direct.push(ttfb(&client(), direct_url).await);
        }
    }
    direct.sort();
    proxied.sort();
    let (d50, d95) = (quantile(&direct, 0.5), quantile(&direct, 0.95));
    let (p50, p95) = (quantile(&proxied, 0.5), quantile(&proxied, 0.95));
    println!(
        "{name:<16} direct   median {:>7.3} ms  p95 {:>7.3} ms\n\
         {:<16} proxied  median {:>7.3} ms  p95 {:>7.3} ms\n\
         {:<16} added    median {:>7.3} ms  p95 {:>7.3} ms  ({RUNS} runs each){}",
        ms(d50),
        ms(d95),
        "",
        ms(p50),
        ms(p95),
        "",
        ms(p50) - ms(d50),
        ms(p95) - ms(d95),
        if ms(p50) - ms(d50) < 5.0 {
            "  under the 5 ms target"
        } else {
            "  OVER the 5 ms target"
        },
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less args; keep that quick.
    let quick = std::env::args().all(|a| a != "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let loopback: SocketAddr = "127.0.0.1:0".parse().expect("an address");
        let demo = DemoServer::start(loopback).await.expect("the demo server");
        let mut config = ProxyConfig::new(Upstream::from_url(&demo.base_url())).expect("a config");
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = count.clone();
        config
            .sinks
            .push(Arc::new(move |_: &switchboard::trace::TracedExchange| {
                seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }));
        let proxy = ProxyServer::start(loopback, config)
            .await
            .expect("the proxy");
        let direct = format!("{}/chat/completions", demo.base_url());
        let proxied = format!("{}/chat/completions", proxy.base_url());
        if quick {
            ttfb(&reqwest::Client::new(), &proxied).await;
            println!("proxy bench: smoke run only (use `cargo bench --bench proxy`)");
            return;
        }
        println!("time to first byte of a streamed chat answer (demo server, loopback)");
        scenario("keep-alive", &direct, &proxied, false).await;
        scenario("new connection", &direct, &proxied, true).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        println!(
            "recorded {} proxied exchanges",
            count.load(std::sync::atomic::Ordering::Relaxed)
        );
    });
}
