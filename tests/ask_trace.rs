//! `switchboard ask --trace FILE` writes the exchange as a JSONL trace that
//! `switchboard replay FILE` plays back to the same answer, with no key in the file.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

#[test]
fn ask_writes_a_trace_that_replays_to_the_same_answer() {
    let dir = std::env::temp_dir().join(format!("switchboard-ask-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(&config, "default_model = \"demo/demo-coder\"\n").unwrap();
    let file = dir.join("t.jsonl");
    let ask = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["ask", "--trace"])
        .arg(&file)
        .arg("a rust hello world")
        .env("SWITCHBOARD_NO_STORE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        ask.status.success(),
        "{}",
        String::from_utf8_lossy(&ask.stderr)
    );
    let answer = String::from_utf8(ask.stdout).unwrap();
    assert!(answer.contains("```"), "{answer}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("{\"type\":\"trace\""), "{text}");
    assert!(text.contains("\"label\":\"demo/demo-coder\""), "{text}");
    assert!(
        text.lines()
            .filter(|l| l.contains("\"type\":\"frame\""))
            .count()
            > 5
    );
    let replay = Command::new(BIN)
        .args(["replay", "--instant"])
        .arg(&file)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert_eq!(String::from_utf8(replay.stdout).unwrap(), answer);
    std::fs::remove_dir_all(&dir).unwrap();
}
