//! Proof with real clients: the official `openai` and `anthropic` Python SDKs, pointed at
//! the recording proxy with the demo server behind it, make streamed and non-streamed calls
//! that succeed, and each appears in the recording with what the SDK saw.
//!
//! The SDKs are installed from PyPI at pinned versions into `target/sdk-venv` by
//! `scripts/sdk-venv.sh`, which this test runs (it returns at once once installed). The test
//! skips, saying so, only when `python3` is missing.

mod proxy_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use proxy_support::*;
use serde_json::Value;
use switchboard::demo::DemoServer;
use switchboard::llm::event::StreamEvent;
use switchboard::llm::protocol::Protocol;
use switchboard::proxy::Upstream;
use switchboard::trace::TracedExchange;
use tokio::process::Command;
use tokio::time::timeout;

const MODEL: &str = "demo-fast+ttft=0+delay=0";

const OPENAI_SCRIPT: &str = r#"
import json, os
from openai import OpenAI
c = OpenAI(max_retries=0)   # OPENAI_BASE_URL and OPENAI_API_KEY from the environment
model = os.environ["MODEL"]
msgs = [{"role": "user", "content": "Say something about proxies."}]
def out(case, text, usage):
    print(json.dumps({"case": case, "text": text, "output_tokens": usage}), flush=True)

text, usage = "", None
for ch in c.chat.completions.create(model=model, messages=msgs, stream=True,
                                    stream_options={"include_usage": True}):
    if ch.choices and ch.choices[0].delta.content:
        text += ch.choices[0].delta.content
    if ch.usage:
        usage = ch.usage.completion_tokens
out("openai-chat-stream", text, usage)

r = c.chat.completions.create(model=model, messages=msgs)
out("openai-chat", r.choices[0].message.content, r.usage.completion_tokens)

text, usage = "", None
for ev in c.responses.create(model=model, input="Say something about proxies.", stream=True):
    if ev.type == "response.output_text.delta":
        text += ev.delta
    if ev.type == "response.completed":
        usage = ev.response.usage.output_tokens
out("openai-responses-stream", text, usage)
"#;

const ANTHROPIC_SCRIPT: &str = r#"
import json, os
import anthropic
a = anthropic.Anthropic(max_retries=0)   # ANTHROPIC_BASE_URL (no /v1), ANTHROPIC_API_KEY
model = os.environ["MODEL"]
msgs = [{"role": "user", "content": "Say something about proxies."}]
def out(case, text, usage):
    print(json.dumps({"case": case, "text": text, "output_tokens": usage}), flush=True)

with a.messages.stream(model=model, max_tokens=256, messages=msgs) as s:
    text = "".join(s.text_stream)
    final = s.get_final_message()
out("anthropic-stream", text, final.usage.output_tokens)

m = a.messages.create(model=model, max_tokens=256, messages=msgs)
out("anthropic", "".join(b.text for b in m.content if b.type == "text"), m.usage.output_tokens)
"#;

fn python_present() -> bool {
    std::process::Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs the project's script and returns the venv's python.
async fn sdk_python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target dir")
        .to_path_buf();
    let out = timeout(
        Duration::from_secs(300),
        Command::new("sh")
            .arg(root.join("scripts/sdk-venv.sh"))
            .arg(target.join("sdk-venv"))
            .stderr(Stdio::inherit())
            .output(),
    )
    .await
    .expect("the SDK install finishes within 5 minutes")
    .expect("sh runs");
    assert!(out.status.success(), "scripts/sdk-venv.sh failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("the script prints the python path")
            .trim(),
    )
}

/// Runs one SDK script; returns its result lines by case.
async fn run_script(
    python: &Path,
    script: &str,
    env: &[(&str, String)],
) -> BTreeMap<String, Value> {
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(script).env("MODEL", MODEL);
    // Local calls must not go to a proxy from the environment.
    cmd.env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the SDK script finishes within a minute")
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the SDK script failed:\n{stderr}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON line");
            (v["case"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

fn recorded_text(t: &TracedExchange) -> String {
    t.events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::TextDelta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// Checks an SDK case against its record.
fn check(
    case: &str,
    result: &Value,
    t: &TracedExchange,
    protocol: Protocol,
    path: &str,
    stream: bool,
) {
    let text = result["text"].as_str().unwrap_or_default();
    assert!(!text.is_empty(), "{case}: the SDK got an answer: {result}");
    assert_eq!(t.protocol, Some(protocol), "{case}");
    assert!(
        t.exchange.request.url.ends_with(path),
        "{case}: {}",
        t.exchange.request.url
    );
    assert_eq!(t.exchange.status, Some(200), "{case}");
    assert_eq!(t.exchange.error, None, "{case}");
    assert_eq!(
        t.exchange.frames.is_empty(),
        !stream,
        "{case}: streamed or not"
    );
    assert_eq!(
        recorded_text(t),
        text,
        "{case}: the record holds what the SDK saw"
    );
    let usage = t.exchange.usage.as_ref().expect("usage recorded");
    assert_eq!(
        Some(usage.output),
        result["output_tokens"].as_u64(),
        "{case}"
    );
    let raw = serde_json::to_string(&t.exchange.request).unwrap();
    assert!(
        !raw.contains("sk-sdk-test"),
        "{case}: the SDK's key is not recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_sdks_through_the_proxy() {
    if !python_present() {
        println!("skipping the SDK proof: python3 is not installed");
        return;
    }
    let python = sdk_python().await;
    let demo = DemoServer::start(loopback()).await.unwrap();
    let (proxy, mut records) = proxy(Upstream::from_url(&demo.root_url())).await;

    let openai = run_script(
        &python,
        OPENAI_SCRIPT,
        &[
            ("OPENAI_BASE_URL", proxy.base_url()),
            ("OPENAI_API_KEY", "sk-sdk-test-openai-0123456789".into()),
        ],
    )
    .await;
    let cases = [
        (
            "openai-chat-stream",
            Protocol::OpenAiChat,
            "/v1/chat/completions",
            true,
        ),
        (
            "openai-chat",
            Protocol::OpenAiChat,
            "/v1/chat/completions",
            false,
        ),
        (
            "openai-responses-stream",
            Protocol::OpenAiResponses,
            "/v1/responses",
            true,
        ),
    ];
    for (case, protocol, path, stream) in cases {
        check(
            case,
            &openai[case],
            &records.next().await,
            protocol,
            path,
            stream,
        );
    }

    let anthropic = run_script(
        &python,
        ANTHROPIC_SCRIPT,
        &[
            ("ANTHROPIC_BASE_URL", proxy.root_url()),
            (
                "ANTHROPIC_API_KEY",
                "sk-sdk-test-anthropic-0123456789".into(),
            ),
        ],
    )
    .await;
    for (case, stream) in [("anthropic-stream", true), ("anthropic", false)] {
        let t = records.next().await;
        check(
            case,
            &anthropic[case],
            &t,
            Protocol::Anthropic,
            "/v1/messages",
            stream,
        );
        assert!(
            t.exchange
                .request
                .headers
                .iter()
                .any(|h| h.name == "anthropic-version"),
            "{case}: the SDK's headers are forwarded and recorded"
        );
    }
    // Streamed and whole answers agree (the demo is deterministic).
    assert_eq!(
        openai["openai-chat-stream"]["text"],
        openai["openai-chat"]["text"]
    );
    assert_eq!(
        anthropic["anthropic-stream"]["text"],
        anthropic["anthropic"]["text"]
    );
}
