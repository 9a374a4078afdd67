//! `switchboard ask --protocol ...` as a process against `switchboard demo-server` as a
//! process: the same answer over each of the four protocols, notes for parameters a
//! protocol lacks, and errors that say what to do.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
const FAKE_KEY: &str = "sk-switchboard-test-0123456789abcdef";
const PROTOCOLS: [&str; 4] = ["openai-chat", "anthropic", "openai-responses", "gemini"];

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
        for _ in 0..10 {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(i) = line.find("http://127.0.0.1:") {
                base_url = line[i..].split_whitespace().next().map(str::to_string);
                break;
            }
        }
        DemoProcess {
            child,
            base_url: base_url.expect("demo-server printed its address"),
        }
    }
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config naming the demo at the process's address: its one base serves all protocols.
fn config_for(demo: &DemoProcess, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-protocols-{}-{name}",
        std::process::id()
    ));
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

fn ask(config: &PathBuf, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(config)
        .arg("ask")
        .args(args)
        .env("SWITCHBOARD_E2E_KEY", FAKE_KEY)
        .env("NO_COLOR", "1")
        // Never the user's own history.
        .env("SWITCHBOARD_NO_STORE", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run ask")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_same_answer_over_each_protocol() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "same");
    let mut answers = Vec::new();
    for protocol in PROTOCOLS {
        for stream in [true, false] {
            let mut args = vec!["-m", "demo/demo-fast", "--protocol", protocol];
            if !stream {
                args.push("--no-stream");
            }
            args.push("What is a wire protocol?");
            let out = ask(&cfg, &args);
            let stderr = text(&out.stderr);
            assert!(out.status.success(), "{protocol}: {stderr}");
            let summary = stderr.lines().last().unwrap_or_default();
            assert!(summary.starts_with("demo/demo-fast · in "), "{summary}");
            assert!(summary.ends_with("stop"), "{protocol}: {summary}");
            answers.push((protocol, text(&out.stdout)));
        }
    }
    assert!(
        answers[0].1.contains("What is a wire protocol?"),
        "{}",
        answers[0].1
    );
    for (protocol, answer) in &answers[1..] {
        assert_eq!(answer, &answers[0].1, "{protocol}");
    }
}

#[test]
fn json_summary_names_the_protocol_and_masks_the_key() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "json");
    for protocol in PROTOCOLS {
        let out = ask(
            &cfg,
            &[
                "-m",
                "demo/demo-fast",
                "--protocol",
                protocol,
                "--json",
                "hi",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(!stdout.contains(FAKE_KEY), "{protocol}: the key leaked");
        let summary: serde_json::Value =
            serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!(summary["protocol"], protocol);
        assert_eq!(summary["status"], 200);
        assert!(summary["usage"]["output"].as_u64().unwrap() > 0);
    }
}

#[test]
fn notes_for_parameters_a_protocol_lacks() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "notes");
    let out = ask(
        &cfg,
        &[
            "-m",
            "demo/demo-fast",
            "--protocol",
            "anthropic",
            "--seed",
            "3",
            "hi",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("note: left out `seed`")),
        "{stderr}"
    );
    let out = ask(
        &cfg,
        &[
            "-m",
            "demo/demo-fast",
            "--protocol",
            "openai-responses",
            "--stop",
            "x",
            "hi",
        ],
    );
    assert!(text(&out.stderr).contains("note: left out `stop`"));
}

#[test]
fn errors_say_what_to_do_in_one_line() {
    let demo = DemoProcess::start();
    let cfg = config_for(&demo, "errors");
    for protocol in PROTOCOLS {
        let out = ask(
            &cfg,
            &["-m", "demo/demo-fast+402", "--protocol", protocol, "hi"],
        );
        assert!(!out.status.success());
        let stderr = text(&out.stderr);
        let last = stderr.lines().last().unwrap();
        assert!(
            last.starts_with("switchboard: HTTP 402"),
            "{protocol}: {stderr}"
        );
        assert!(last.contains("top up"), "{protocol}: {last}");
        assert!(
            !stderr.contains("retrying"),
            "{protocol}: a 402 is never retried"
        );
    }
    let out = ask(&cfg, &["-m", "demo/demo-fast", "--protocol", "grpc", "hi"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("openai-responses"));
}
