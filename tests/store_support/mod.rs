//! Shared by the store tests: temporary directories and fake exchanges.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use switchboard::llm::http::{Exchange, Frame, HttpRequest};
use switchboard::llm::money::{Currency, Money};
use switchboard::llm::usage::Usage;

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "switchboard-store-{}-{name}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A finished exchange with `frames` small frames, usage and a USD cost.
pub fn exchange(frames: usize, output: u64) -> Exchange {
    let mut req = HttpRequest::post_json(
        "http://127.0.0.1:1/v1/chat/completions",
        serde_json::json!({"model": "m"}),
    );
    req.secret_header("Authorization", "Bearer sk-test-0123456789abcdefghij");
    let mut ex = Exchange::new(req.redacted(), 1_700_000_000_000);
    ex.status = Some(200);
    ex.response_headers = vec![("content-type".into(), "text/event-stream".into())];
    ex.frames = (0..frames)
        .map(|i| Frame {
            offset_us: i as u64 * 1000,
            event: None,
            data: format!(r#"{{"choices":[{{"delta":{{"content":"tok{i} "}}}}]}}"#),
        })
        .collect();
    ex.usage = Some(Usage {
        input: 10,
        output,
        provider_cost: Some(Money::new(
            rust_decimal::Decimal::new(3, 2),
            Currency::Credits,
        )),
        ..Usage::default()
    });
    ex.ttft_us = Some(1000);
    ex.total_us = Some(5000);
    ex
}

pub fn usd(cents_millis: i64) -> Money {
    Money::new(rust_decimal::Decimal::new(cents_millis, 5), Currency::Usd)
}

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
pub const FAKE_KEY: &str = "sk-switchboard-store-test-0123456789abcdef";

/// A `switchboard demo-server` child process on a free loopback port, killed on drop.
pub struct DemoProcess {
    child: std::process::Child,
    pub base_url: String,
}

impl DemoProcess {
    pub fn start() -> DemoProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(BIN)
            .args(["demo-server", "--listen", "127.0.0.1:0"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start demo-server");
        let stderr = child.stderr.take().unwrap();
        let mut lines = std::io::BufReader::new(stderr).lines();
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

/// A config file in `dir` pointing the demo provider at `demo`, keyed by `FAKE_KEY`.
pub fn config_in(dir: &Path, demo: &DemoProcess) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[[providers]]\nname = \"demo\"\nbase_url = \"{}\"\napi_key_env = \"SWITCHBOARD_STORE_TEST_KEY\"\n",
            demo.base_url
        ),
    )
    .unwrap();
    path
}

/// `switchboard --config CONFIG --data-dir DATA` with the key set and no stray
/// environment (never the user's own config or data directory).
pub fn switchboard(config: &Path, data: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(BIN);
    c.arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .env("SWITCHBOARD_STORE_TEST_KEY", FAKE_KEY)
        .env("NO_COLOR", "1")
        .env_remove("SWITCHBOARD_DATA_DIR")
        .env_remove("SWITCHBOARD_NO_STORE")
        .env_remove("SWITCHBOARD_CONFIG")
        .stdin(std::process::Stdio::null());
    c
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
