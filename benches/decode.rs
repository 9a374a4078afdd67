//! How fast the engine takes in a stream: 20,000 tokens served as fast as possible by the
//! demo server on 127.0.0.1, through `llm::run` (reqwest, SSE framing, decoding, Exchange
//! recording), and the decoder alone on the same bytes.
//!
//! Run: `cargo bench --bench decode`. The client runs on a current-thread runtime on the main
//! thread, so the thread's CPU time is the client's; the server runs on other threads.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use cpu_time::ThreadTime;
use tokio_util::sync::CancellationToken;

use switchboard::demo::DemoServer;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::event::StreamEvent;
use switchboard::llm::protocol::openai_chat::{ChatDecoder, build_request};
use switchboard::llm::protocol::{AuthScheme, Endpoint, Protocol};
use switchboard::llm::run::{self, RetryPolicy, RunOptions, Update};
use switchboard::llm::sse::frames_of_chunks;

const TOKENS: usize = 20_000;
const RUNS: usize = 5;

fn main() {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let server = server_rt
        .block_on(DemoServer::start(SocketAddr::from((
            Ipv4Addr::LOCALHOST,
            0,
        ))))
        .expect("demo server");
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");

    let endpoint = Endpoint {
        base_url: server.base_url(),
        auth: AuthScheme::Bearer,
        key: None,
        headers: vec![],
    };
    let chat = ChatRequest::new(format!("demo-fast+tokens={TOKENS}+delay=0"), "benchmark");
    let request = build_request(&endpoint, &chat);
    let client = run::client(&run::Timeouts::default()).expect("client");
    let opts = RunOptions {
        retry: RetryPolicy::NONE,
        ..RunOptions::default()
    };

    println!("llm::run, {TOKENS} tokens from the demo server, {RUNS} runs:");
    let mut body = Vec::new();
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for i in 0..RUNS {
        let cancel = CancellationToken::new();
        let mut text_bytes = 0usize;
        let cpu0 = ThreadTime::now();
        let t0 = Instant::now();
        let ex = client_rt.block_on(run::run(
            &client,
            &request,
            Protocol::OpenAiChat,
            &opts,
            &cancel,
            &mut |u| {
                if let Update::Event(StreamEvent::TextDelta { text }) = u {
                    text_bytes += text.len();
                }
            },
        ));
        let wall = t0.elapsed();
        let cpu = cpu0.elapsed();
        assert!(ex.error.is_none(), "run failed: {:?}", ex.error);
        let out = ex.usage.as_ref().map_or(0, |u| u.output);
        println!(
            "  run {i}: wall {:>6.1} ms, client CPU {:>6.1} ms, {:>9.0} tokens/s (wall), {} frames, {} text bytes, {out} output tokens",
            ms(wall),
            ms(cpu),
            out as f64 / wall.as_secs_f64(),
            ex.frames.len(),
            text_bytes,
        );
        walls.push(wall);
        cpus.push(cpu);
        if i == 0 {
            for f in &ex.frames {
                body.extend_from_slice(b"data: ");
                body.extend_from_slice(f.data.as_bytes());
                body.extend_from_slice(b"\n\n");
            }
        }
    }
    println!(
        "  median: wall {:.1} ms, client CPU {:.1} ms",
        ms(median(&mut walls)),
        ms(median(&mut cpus))
    );

    // The decoder alone: SSE framing + JSON decoding of the recorded body, in 16 KiB reads.
    let chunks: Vec<Vec<u8>> = body.chunks(16 * 1024).map(<[u8]>::to_vec).collect();
    let mut times = Vec::new();
    let mut events = 0;
    for _ in 0..RUNS {
        let t0 = ThreadTime::now();
        let frames = client_rt.block_on(frames_of_chunks(chunks.clone()));
        let mut d = ChatDecoder::default();
        let mut out = Vec::new();
        for f in frames.into_iter().flatten() {
            let _ = d.frame(f.event.as_deref(), &f.data, &mut out);
        }
        events = out.len();
        times.push(t0.elapsed());
    }
    let t = median(&mut times);
    let mut framing = Vec::new();
    for _ in 0..RUNS {
        let t0 = ThreadTime::now();
        let frames = client_rt.block_on(frames_of_chunks(chunks.clone()));
        assert!(frames.len() > TOKENS);
        framing.push(t0.elapsed());
    }
    println!(
        "SSE framing alone (eventsource-stream): median {:.1} ms CPU",
        ms(median(&mut framing))
    );
    println!(
        "decoder alone: {} KiB, {events} events, median {:.1} ms CPU = {:.0} tokens/s",
        body.len() / 1024,
        ms(t),
        TOKENS as f64 / t.as_secs_f64()
    );
    server.shutdown();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}
