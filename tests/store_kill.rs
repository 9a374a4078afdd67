//! No loss under SIGKILL, and two processes writing one store.
//!
//! The kill test runs `switchboard ask` on a long deterministic demo stream and kills it
//! (SIGKILL: `Child::kill` on Unix) at pseudo-random moments from a fixed seed; then opens
//! the store as the next start would. The database must pass `integrity_check`, the turn
//! must be `interrupted`, and its text must be a prefix of the full answer: every token
//! that was committed is there, in order, and nothing else. Rounds: `SWITCHBOARD_KILL_ROUNDS`
//! (default 20), run four at a time.

mod store_support;

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use store_support::{DemoProcess, TempDir, config_in, switchboard, text};
use switchboard::store::{Store, TurnStatus};

const PROMPT: &str = "Tell me everything about write-ahead logs";
const MODEL_SLOW: &str = "demo/demo-fast+tokens=3000+delay=1";
/// The same answer at full speed (the pacing does not change the text).
const MODEL_FAST: &str = "demo/demo-fast+tokens=3000+delay=0";

/// xorshift64*: deterministic kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Outcome of one round: the length of the partial text kept (None: killed before the
/// prompt was stored).
fn round(demo: &DemoProcess, full: &str, kill_after: Duration, n: u64) -> Option<usize> {
    let tmp = TempDir::new(&format!("kill-{n}"));
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), demo);
    let mut child = switchboard(&cfg, &data)
        .args(["ask", "-m", MODEL_SLOW, "--seed", "7", PROMPT])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(kill_after);
    child.kill().unwrap();
    child.wait().unwrap();
    if !data.join("switchboard.db").exists() {
        return None;
    }
    let store = Store::open(&data).unwrap_or_else(|e| panic!("round {n}: the store opens: {e}"));
    assert_eq!(store.integrity_check().unwrap(), "ok", "round {n}");
    let entry = store.list(1, 0).unwrap().pop()?;
    let turn = store.turns(entry.id).unwrap().pop().unwrap();
    assert_eq!(turn.prompt, PROMPT, "round {n}");
    if turn.status == TurnStatus::Done {
        assert_eq!(turn.answer, full, "round {n}: finished whole");
        return Some(full.len());
    }
    assert_eq!(
        turn.status,
        TurnStatus::Interrupted,
        "round {n} after {kill_after:?}"
    );
    assert!(
        full.starts_with(&turn.answer),
        "round {n} after {kill_after:?}: the kept text ({} bytes) is not a prefix of the answer",
        turn.answer.len()
    );
    // The next start shows it; a second open changes nothing more.
    drop(store);
    let again = Store::open(&data).unwrap();
    assert_eq!(again.turn(turn.id).unwrap().answer, turn.answer);
    Some(turn.answer.len())
}

#[test]
fn killed_mid_stream_keeps_every_committed_token() {
    let rounds: u64 = std::env::var("SWITCHBOARD_KILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let demo = Arc::new(DemoProcess::start());
    let tmp = TempDir::new("kill-full");
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), &demo);
    let out = switchboard(&cfg, &data)
        .args(["ask", "-m", MODEL_FAST, "--seed", "7", PROMPT])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let store = Store::open(&data).unwrap();
    let full = store.turns(store.list(1, 0).unwrap()[0].id).unwrap()[0]
        .answer
        .clone();
    assert!(full.len() > 10_000, "a long answer: {}", full.len());
    assert_eq!(
        full.trim_end(),
        text(&out.stdout).trim_end(),
        "stored as streamed"
    );
    drop(store);

    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let plan: Vec<(u64, Duration)> = (0..rounds)
        .map(|n| (n, Duration::from_millis(30 + rng.next() % 2200)))
        .collect();
    let full = Arc::new(full);
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let mine: Vec<_> = plan.iter().copied().filter(|(n, _)| n % 4 == w).collect();
            let (demo, full) = (demo.clone(), full.clone());
            std::thread::spawn(move || {
                mine.into_iter()
                    .map(|(n, after)| (after, round(&demo, &full, after, n)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<(Duration, Option<usize>)> = workers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let kept = results
        .iter()
        .filter(|(_, r)| r.is_some_and(|n| n > 0))
        .count();
    eprintln!("kill rounds: {results:?}");
    assert!(
        kept * 2 >= results.len(),
        "most kills land mid-stream with text committed: {results:?}"
    );
}

#[test]
fn two_processes_write_the_same_store() {
    let demo = DemoProcess::start();
    let tmp = TempDir::new("two-procs");
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), &demo);
    let watcher = Store::open(&data).unwrap();
    for round in 0..3 {
        let children: Vec<_> = (0..2)
            .map(|p| {
                switchboard(&cfg, &data)
                    .args([
                        "ask",
                        "-m",
                        "demo/demo-fast+tokens=250",
                        &format!("process {p} round {round}"),
                    ])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
    }
    // The watcher, open all along, sees what both wrote.
    let seen = watcher.changes_since(0, 100).unwrap();
    assert_eq!(seen.len(), 6);
    assert!(
        seen.iter()
            .all(|e| e.status == Some(200) && e.source == "ask")
    );
    let list = watcher.list(100, 0).unwrap();
    assert_eq!(list.len(), 6);
    for e in &list {
        let t = &watcher.turns(e.id).unwrap()[0];
        assert_eq!(t.status, TurnStatus::Done);
        assert!(t.answer.len() > 500, "{}", t.prompt);
    }
    assert_eq!(watcher.integrity_check().unwrap(), "ok");
}
