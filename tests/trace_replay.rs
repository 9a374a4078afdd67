//! Trace export and `switchboard replay`: a real run exported and read back gives the same
//! exchange, events and timings; replay prints the answer like `ask`, keeping the recorded
//! timing (scaled by `--speed`) or none (`--instant`); `switchboard proxy --record` writes
//! a trace that replays and keeps the exchange in the history of its `--data-dir`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use switchboard::demo::DemoServer;
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::event::StreamEvent;
use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::protocol::{ApiKey, AuthScheme, Endpoint, Protocol, build_request};
use switchboard::llm::run::{self, RunOptions, Update};
use switchboard::trace::{self, TraceWriter, TracedEvent, TracedExchange};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

const PATIENCE: Duration = Duration::from_secs(20);

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("switchboard-trace-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("trace.jsonl")
}

fn text_of(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::TextDelta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// Streams a demo answer with the runner, as `ask` does, and returns what it reported.
async fn ask(base: &str, protocol: Protocol, model: &str) -> (Exchange, Vec<StreamEvent>) {
    let endpoint = Endpoint {
        base_url: base.to_string(),
        auth: AuthScheme::Bearer,
        key: Some(ApiKey::new("sk-trace-test-0123456789abcdef")),
        headers: Vec::new(),
    };
    let request = build_request(
        protocol,
        &endpoint,
        &ChatRequest::new(model, "Tell me about traces"),
    )
    .unwrap();
    let opts = RunOptions::default();
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
    assert_eq!(ex.error, None);
    (ex, events)
}

fn replay(file: &Path, args: &[&str]) -> (String, String, Duration) {
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("replay")
        .arg(file)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "replay failed: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr, took)
}

#[tokio::test]
async fn a_real_run_round_trips_and_replays() {
    let demo = DemoServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let root = demo.root_url();
    let path = temp("roundtrip");
    let mut file = std::fs::File::create(&path).unwrap();
    let (ex, events) = ask(&root, Protocol::Anthropic, "demo-reasoner+ttft=0+delay=1").await;
    trace::write_exchange(&mut file, Protocol::Anthropic, &ex, &events).unwrap();
    drop(file);

    let back = trace::read_file(&path).unwrap();
    assert_eq!(back.exchanges.len(), 1);
    let t = &back.exchanges[0];
    assert_eq!(
        t.exchange, ex,
        "the same exchange: request, frames, offsets, usage, timings"
    );
    let replayed: Vec<StreamEvent> = t.events.iter().map(|e| e.event.clone()).collect();
    assert_eq!(replayed, events, "the same events");
    assert!(
        t.events.iter().all(|e| e.frame.is_some()),
        "every event tied to its frame"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("sk-trace-test"),
        "the key is not in the file"
    );

    let (stdout, stderr, _) = replay(&path, &["--instant"]);
    assert_eq!(stdout.trim_end(), text_of(&events));
    assert!(stderr.contains("replayed: "), "{stderr}");
    assert!(stderr.contains("anthropic"), "{stderr}");
    let reasoning: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ReasoningDelta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    if !reasoning.is_empty() {
        assert!(
            stderr.contains(reasoning.trim()),
            "reasoning goes to stderr"
        );
    }
    let (_, quiet, _) = replay(&path, &["--instant", "--no-reasoning"]);
    assert!(reasoning.is_empty() || !quiet.contains(reasoning.trim()));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A trace with two frames 400 ms apart.
fn slow_trace(path: &Path) {
    let mut ex = Exchange::new(
        HttpRequest::post_json("http://h/v1/chat/completions", json!({"stream": true})),
        0,
    );
    ex.status = Some(200);
    let f = |offset_us: u64, text: &str| Frame {
        offset_us,
        event: None,
        data: json!({"choices": [{"index": 0, "delta": {"content": text}}]}).to_string(),
    };
    ex.frames = vec![f(1_000, "slow "), f(401_000, "answer")];
    ex.total_us = Some(401_500);
    let events = ["slow ", "answer"]
        .iter()
        .enumerate()
        .map(|(i, t)| TracedEvent {
            frame: Some(i),
            event: StreamEvent::TextDelta {
                text: t.to_string(),
            },
        })
        .collect();
    let t = TracedExchange {
        label: None,
        protocol: Some(Protocol::OpenAiChat),
        exchange: ex,
        events,
        cost: None,
    };
    let mut w = TraceWriter::new(std::fs::File::create(path).unwrap()).unwrap();
    w.write(&t).unwrap();
    w.write(&t).unwrap();
}

#[test]
fn replay_keeps_or_scales_the_timing() {
    let path = temp("timing");
    slow_trace(&path);
    let (out, err, real) = replay(&path, &["--exchange", "2"]);
    assert_eq!(out, "slow answer\n");
    assert!(!err.contains("exchange 1 of 2"), "{err}");
    assert!(real >= Duration::from_millis(400), "real time: {real:?}");
    let (out, _, fast) = replay(&path, &["--speed", "4", "--exchange", "1"]);
    assert_eq!(out, "slow answer\n");
    assert!(fast >= Duration::from_millis(100), "4x: {fast:?}");
    let (out, err, instant) = replay(&path, &["--instant"]);
    assert_eq!(out, "slow answer\nslow answer\n");
    assert!(err.contains("exchange 2 of 2"), "{err}");
    assert!(instant < real, "instant {instant:?} vs real {real:?}");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["replay", "--exchange", "3"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("holds 2 exchange"));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn proxy_record_writes_a_trace_that_replays() {
    let demo = DemoServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let path = temp("proxy");
    let config = path.with_file_name("config.toml");
    std::fs::write(&config, "").unwrap();
    let data = path.with_file_name("data");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .args([
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &demo.base_url(),
            "--record",
        ])
        .arg(&path)
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let banner = timeout(PATIENCE, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .to_string();
    let (ex, events) = ask(
        &format!("http://{addr}/v1"),
        Protocol::OpenAiChat,
        "demo-fast+ttft=0+delay=0",
    )
    .await;
    assert_eq!(ex.status, Some(200));
    let summary = timeout(PATIENCE, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("proxy #1") {
                return line;
            }
        }
        panic!("the proxy ended without a summary line");
    })
    .await
    .unwrap();
    assert!(
        summary.contains("POST /v1/chat/completions · 200 · openai-chat"),
        "{summary}"
    );
    // The history's writer works on its own thread: wait (bounded) for its commit.
    let kept = timeout(PATIENCE, async {
        loop {
            if let Ok(store) = switchboard::store::Store::open(&data)
                && let Ok(found) = store.changes_since(0, 10)
                && !found.is_empty()
            {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the proxy kept nothing in its history");
    child.kill().await.unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].source, "proxy");
    assert_eq!(kept[0].model.as_deref(), Some("demo-fast+ttft=0+delay=0"));
    assert_eq!(kept[0].protocol.as_deref(), Some("openai-chat"));
    assert_eq!(kept[0].status, Some(200));
    assert!(kept[0].frame_count > 0);
    assert!(kept[0].turn_id.is_none());

    let back = trace::read_file(&path).unwrap();
    assert_eq!(back.exchanges.len(), 1);
    let replayed: Vec<StreamEvent> = back.exchanges[0]
        .events
        .iter()
        .map(|e| e.event.clone())
        .collect();
    assert_eq!(replayed, events);
    let (stdout, _, _) = replay(&path, &["--instant"]);
    assert_eq!(stdout.trim_end(), text_of(&events));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn the_proxy_stays_on_loopback_unless_told() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "proxy",
            "--listen",
            "0.0.0.0:0",
            "--upstream",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-remote"), "{err}");
}
