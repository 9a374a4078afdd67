//! End to end: `switchboard ask` as a process against `switchboard demo-server` as a process,
//! on a free loopback port.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
const FAKE_KEY: &str = "sk-switchboard-test-0123456789abcdef";

/// A `switchboard demo-server` child process, killed on drop.
struct DemoProcess {
    child: Child,
    base_url: String,
}

impl DemoProcess {
    fn start() -> Self {
        let mut child = Command::new(BIN)
            .args(["demo-server", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start demo-server");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut base_url = None;
        // The first lines announce the address; bounded.
        for _ in 0..10 {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(i) = line.find("http://127.0.0.1:") {
                let url: String = line[i..].split_whitespace().next().unwrap().to_string();
                base_url = Some(url);
                break;
            }
        }
        let base_url = base_url.expect("demo-server printed its address");
        DemoProcess { child, base_url }
    }
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config_for(demo: &DemoProcess, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("switchboard-e2e-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[[providers]]\nname = \"demo\"\nbase_url = \"{}\"\napi_key_env = \"SWITCHBOARD_E2E_KEY\"\n",
            demo.base_url
        ),
    )
    .unwrap();
    path
}

fn ask(config: &PathBuf, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .arg("ask")
        .args(args)
        .env("SWITCHBOARD_E2E_KEY", FAKE_KEY)
        .env("NO_COLOR", "1")
        // Never the user's own history.
        .env("SWITCHBOARD_NO_STORE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ask");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn ask_streams_an_answer_and_summarises_it() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "stream");
    let out = ask(
        &cfg,
        &["-m", "demo/demo-fast", "--seed", "3", "What is SSE?"],
        None,
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}");
    assert!(
        stdout.contains("What is SSE?"),
        "the demo quotes the question: {stdout}"
    );
    assert!(stdout.ends_with('\n'));
    let summary = stderr.lines().last().unwrap();
    assert!(summary.starts_with("demo/demo-fast · in "), "{summary}");
    assert!(
        summary.contains("out ") && summary.contains("(reasoning 0)"),
        "{summary}"
    );
    assert!(
        summary.contains("TTFT") && summary.contains("tok/s"),
        "{summary}"
    );
    assert!(
        summary.contains("$") && summary.contains("(provider: $"),
        "{summary}"
    );
    assert!(summary.ends_with("stop"), "{summary}");

    // Deterministic: the same prompt, model and seed give the same answer.
    let again = ask(
        &cfg,
        &["-m", "demo/demo-fast", "--seed", "3", "What is SSE?"],
        None,
    );
    assert_eq!(text(&again.stdout), stdout);
}

#[test]
fn prompt_from_stdin_and_reasoning_to_stderr() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "stdin");
    let out = ask(
        &cfg,
        &["-m", "demo/demo-reasoner"],
        Some("why is the sky blue?\n"),
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("why is the sky blue?"), "{stdout}");
    // Reasoning went to stderr, not into the answer.
    let reasoning_line = stderr.lines().next().unwrap();
    assert!(
        !stdout.contains(reasoning_line),
        "reasoning leaked into stdout"
    );
    assert!(!stderr.lines().last().unwrap().contains("(reasoning 0)"));

    let hidden = ask(
        &cfg,
        &["-m", "demo/demo-reasoner", "--no-reasoning", "why?"],
        None,
    );
    let hidden_err = text(&hidden.stderr);
    assert_eq!(
        hidden_err.lines().count(),
        1,
        "only the summary: {hidden_err}"
    );
}

#[test]
fn json_mode_prints_events_and_a_redacted_summary() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "json");
    let out = ask(&cfg, &["-m", "demo/demo-fast", "--json", "hello"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        !stdout.contains(FAKE_KEY),
        "the key leaked into --json output"
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert!(lines.iter().any(|v| v["type"] == "text_delta"));
    assert!(lines.iter().any(|v| v["type"] == "usage"));
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["status"], 200);
    assert_eq!(summary["cost"]["currency"], "USD");
    assert!(summary["usage"]["output"].as_u64().unwrap() > 0);
    let auth = summary["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Authorization")
        .unwrap();
    assert_eq!(auth["value"], "Bearer sk-s…cdef");
}

#[test]
fn failures_exit_non_zero_with_one_line() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "fail");
    let out = ask(&cfg, &["-m", "demo/demo-fast+500", "hi"], None);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("switchboard: HTTP 500"), "{stderr}");

    let out = ask(&cfg, &["-m", "demo/demo-fast+drop", "hi"], None);
    assert!(!out.status.success());
    assert!(!text(&out.stdout).is_empty(), "the partial answer is kept");
    assert!(
        text(&out.stderr).contains("broke mid-stream"),
        "{}",
        text(&out.stderr)
    );

    let out = ask(&cfg, &["-m", "nope", "hi"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("PROVIDER/MODEL"));
}

#[test]
fn malformed_config_is_reported_with_line() {
    let path = std::env::temp_dir().join(format!("switchboard-bad-{}.toml", std::process::id()));
    std::fs::write(&path, "[[providers]]\nname = \"x\"\nbase_url = 3\n").unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&path)
        .args(["ask", "hi"])
        .env("SWITCHBOARD_NO_STORE", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:3:", path.display())),
        "file and line: {stderr}"
    );
}

#[test]
fn models_lists_the_demo_catalog() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "models");
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&cfg)
        .args(["models", "--json"])
        .env("SWITCHBOARD_E2E_KEY", FAKE_KEY)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in ["demo-fast", "demo-flagship", "demo-reasoner", "demo-coder"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    let fast = &v["models"][0];
    assert_eq!(fast["price"]["currency"], "USD");
    assert!(fast["context_window"].as_u64().unwrap() > 0);
}
