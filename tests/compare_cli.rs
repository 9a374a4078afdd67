//! `switchboard compare` as a process against the in-process demo provider: the Markdown
//! report, the JSON report, a failed lane reported with its error, the exit codes, the
//! comparison kept in the store and exported again with `export cN`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-compare-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("config.toml"), "").unwrap();
    d
}

fn run(d: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(d.join("config.toml"))
        .arg("--data-dir")
        .arg(d.join("data"))
        .args(args)
        .env_remove("SWITCHBOARD_NO_STORE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run switchboard")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn markdown_report_with_a_failed_lane_and_export_from_the_store() {
    let d = dir("md");
    let out = run(
        &d,
        &[
            "compare",
            "-m",
            "demo/demo-fast",
            "-m",
            "demo/demo-coder",
            "-m",
            "demo/demo-fast+500",
            "Why is the sky blue?",
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("# Comparison: Why is the sky blue?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| Lane | Model | Status | TTFT |"),
        "{stdout}"
    );
    assert!(stdout.contains("| A | demo/demo-fast | done |"), "{stdout}");
    assert!(
        stdout.contains("| B | demo/demo-coder | done |"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| C | demo/demo-fast+500 | failed |"),
        "{stdout}"
    );
    assert!(stdout.contains("### A · demo/demo-fast"), "{stdout}");
    assert!(stdout.contains("**Failed:** HTTP 500"), "{stdout}");
    // demo-fast is the cheaper of the two that finished.
    let row_a = stdout.lines().find(|l| l.starts_with("| A |")).unwrap();
    assert!(row_a.ends_with('$') || row_a.contains("$ |"), "{row_a}");
    // Progress on stderr, one plain line per lane at the end (stderr is not a terminal).
    assert!(stderr.contains("C demo/demo-fast+500: failed"), "{stderr}");
    assert!(stderr.contains("A demo/demo-fast: done"), "{stderr}");
    assert!(stdout.contains("Stored as comparison c1."), "{stdout}");

    let export = run(&d, &["export", "c1", "--format", "md"]);
    let exported = text(&export.stdout);
    assert!(export.status.success(), "{}", text(&export.stderr));
    assert!(
        exported.contains("| C | demo/demo-fast+500 | failed |"),
        "{exported}"
    );
    assert!(exported.contains("### B · demo/demo-coder"), "{exported}");
    let json = run(&d, &["export", "c1", "--format", "json"]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["lanes"].as_array().unwrap().len(), 3);
    assert_eq!(v["rounds"][0]["answers"][2]["metrics"]["status"], "failed");
    let bad = run(&d, &["export", "c1", "--format", "jsonl"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("md or json"));
}

#[test]
fn json_report_with_parameter_lanes_and_no_store() {
    let d = dir("json");
    let out = run(
        &d,
        &[
            "--no-store",
            "compare",
            "-m",
            "demo/demo-fast",
            "--param",
            "temperature=0,1",
            "--param",
            "max_tokens=64",
            "--json",
            "hello",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lanes = v["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 2);
    assert_eq!(
        lanes[0]["label"],
        "demo/demo-fast · temperature=0 · max_tokens=64"
    );
    assert_eq!(lanes[1]["params"]["temperature"], 1);
    assert_eq!(v["id"], Value::Null);
    let answers = v["rounds"][0]["answers"].as_array().unwrap();
    for a in answers {
        assert_eq!(a["metrics"]["status"], "done");
        assert!(!a["answer"].as_str().unwrap().is_empty());
        assert!(a["metrics"]["output_tokens"].as_u64().unwrap() > 0);
        assert_eq!(a["metrics"]["cost"]["currency"], "USD");
    }
    let marks = &v["rounds"][0]["marks"];
    assert!(marks["cheapest"].is_u64(), "{marks}");
    assert!(
        !d.join("data").join("switchboard.db").exists(),
        "--no-store wrote nothing"
    );
}

#[test]
fn every_lane_failing_exits_non_zero_and_bad_input_is_a_clear_error() {
    let d = dir("fail");
    let out = run(
        &d,
        &[
            "--no-store",
            "compare",
            "-m",
            "demo/demo-fast+401",
            "-m",
            "demo/demo-coder+500",
            "hi",
        ],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("every lane failed"), "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    // The report still shows both lanes with their errors.
    assert!(text(&out.stdout).contains("| B | demo/demo-coder+500 | failed |"));

    let one = run(&d, &["--no-store", "compare", "-m", "demo/demo-fast", "hi"]);
    assert!(!one.status.success());
    assert!(text(&one.stderr).contains("at least two lanes"));
    let bad = run(
        &d,
        &[
            "--no-store",
            "compare",
            "-m",
            "demo/demo-fast",
            "--param",
            "temperature=hot,1",
            "hi",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("temperature: expected a number"),
        "{}",
        text(&bad.stderr)
    );
}
