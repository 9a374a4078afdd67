//! The history from the command line, as processes: `ask` keeps its turns, `ask --continue`
//! resumes with the stored history, `history`, `export`, `import`, `--no-store`, and no key
//! ever reaches the database file.

mod store_support;

use std::path::Path;

use store_support::{DemoProcess, FAKE_KEY, TempDir, config_in, switchboard, text};
use switchboard::store::{Store, TurnStatus};

fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd.get_args().collect::<Vec<_>>(),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn ask_keeps_the_turn_and_continue_resumes_with_the_history() {
    let demo = DemoProcess::start();
    let tmp = TempDir::new("cli-ask");
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), &demo);
    let first = run_ok(switchboard(&cfg, &data).args([
        "ask",
        "-m",
        "demo/demo-fast",
        "--system",
        "be brief",
        "Why is the sea salty?",
    ]));
    // No ID and a prompt right after `--continue`: the latest conversation, whole prompt.
    run_ok(switchboard(&cfg, &data).args(["ask", "--continue", "and", "the", "Dead", "Sea?"]));

    let store = Store::open(&data).unwrap();
    let list = store.list(10, 0).unwrap();
    assert_eq!(list.len(), 1, "continued, not a new conversation");
    let turns = store.turns(list[0].id).unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(
        turns[0].answer.trim_end(),
        first.trim_end(),
        "the answer as streamed"
    );
    assert_eq!(turns[1].prompt, "and the Dead Sea?");
    assert_eq!(
        turns[1].model, "demo/demo-fast",
        "the conversation's model when -m is not given"
    );
    assert!(turns.iter().all(|t| t.status == TurnStatus::Done));
    // The second request carried the history: system, user, assistant, user.
    let ex = store.turn_exchanges(turns[1].id).unwrap();
    let sent = store.exchange(ex[0].id).unwrap().exchange.request;
    let messages = sent.body.unwrap()["messages"].as_array().unwrap().clone();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(ex[0].status, Some(200));
    assert!(ex[0].cost.is_some() && ex[0].output_tokens.unwrap() > 0);

    // An explicit id works too; a missing one is a clear error.
    let id = list[0].id.to_string();
    run_ok(switchboard(&cfg, &data).args(["ask", "--continue", &id, "third"]));
    assert_eq!(store.turns(list[0].id).unwrap().len(), 3);
    let out = switchboard(&cfg, &data)
        .args(["ask", "--continue", "999", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no conversation 999"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn history_lists_searches_exports_and_imports() {
    let demo = DemoProcess::start();
    let tmp = TempDir::new("cli-history");
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), &demo);
    run_ok(switchboard(&cfg, &data).args([
        "ask",
        "-m",
        "demo/demo-fast",
        "Tell me about lighthouses",
    ]));
    run_ok(switchboard(&cfg, &data).args(["ask", "-m", "demo/demo-coder", "a rust hello world"]));

    let human = run_ok(switchboard(&cfg, &data).arg("history"));
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 2, "{human}");
    assert!(
        lines[0].contains("demo/demo-coder") && lines[0].contains("a rust hello world"),
        "{human}"
    );
    assert!(lines[1].contains("$"), "cost per currency: {human}");
    let json: serde_json::Value = serde_json::from_str(&run_ok(
        switchboard(&cfg, &data).args(["history", "--json", "--limit", "1"]),
    ))
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["models"][0], "demo/demo-coder");
    assert!(json[0]["output_tokens"].as_u64().unwrap() > 0);
    let hits: serde_json::Value = serde_json::from_str(&run_ok(switchboard(&cfg, &data).args([
        "history",
        "lighthouse",
        "--json",
    ])))
    .unwrap();
    assert_eq!(hits.as_array().unwrap().len(), 1);
    let id = hits[0]["conversation_id"].to_string();

    let md = run_ok(switchboard(&cfg, &data).args(["export", &id, "--format", "md"]));
    assert!(md.starts_with("# Tell me about lighthouses\n"), "{md}");
    assert!(md.contains("## demo/demo-fast"));
    let jsonl = run_ok(switchboard(&cfg, &data).args(["export", &id, "-f", "jsonl"]));
    assert_eq!(jsonl.lines().count(), 2);
    let file = tmp.path().join("export.json");
    run_ok(
        switchboard(&cfg, &data)
            .args(["export", &id, "-f", "json", "-o"])
            .arg(&file),
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["format"], "switchboard.conversation");
    assert!(!doc.to_string().contains(FAKE_KEY));

    // Our export, back in: a new conversation with the same turns.
    let new_id = run_ok(switchboard(&cfg, &data).arg("import").arg(&file));
    let store = Store::open(&data).unwrap();
    let a = store.turns(id.parse().unwrap()).unwrap();
    let b = store.turns(new_id.trim().parse().unwrap()).unwrap();
    assert_eq!(
        (a[0].prompt.as_str(), a[0].answer.as_str()),
        (b[0].prompt.as_str(), b[0].answer.as_str())
    );
    // OpenAI-style messages, wrapped and bare; jsonl export too.
    let openai = tmp.path().join("openai.json");
    std::fs::write(&openai, r#"{"model":"gpt-x","messages":[{"role":"system","content":"sys"},{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"hello"}]},{"role":"user","content":"bye"},{"role":"assistant","content":"ciao"}]}"#).unwrap();
    let oid: i64 = run_ok(switchboard(&cfg, &data).arg("import").arg(&openai))
        .trim()
        .parse()
        .unwrap();
    let t = store.turns(oid).unwrap();
    assert_eq!(
        t.iter()
            .map(|t| (t.prompt.as_str(), t.answer.as_str()))
            .collect::<Vec<_>>(),
        [("hi", "hello"), ("bye", "ciao")]
    );
    assert_eq!(
        store.conversation(oid).unwrap().system_prompt.as_deref(),
        Some("sys")
    );
    std::fs::write(
        &openai,
        r#"[{"role":"user","content":"bare"},{"role":"assistant","content":"array"}]"#,
    )
    .unwrap();
    run_ok(switchboard(&cfg, &data).arg("import").arg(&openai));
    std::fs::write(&openai, &jsonl).unwrap();
    run_ok(switchboard(&cfg, &data).arg("import").arg(&openai));
    std::fs::write(&openai, "{\"nope\": 1}").unwrap();
    let out = switchboard(&cfg, &data)
        .arg("import")
        .arg(&openai)
        .output()
        .unwrap();
    assert!(!out.status.success() && text(&out.stderr).contains("messages"));

    // Rename, delete, prune.
    run_ok(switchboard(&cfg, &data).args(["history", "rename", &id, "Lights", "at", "sea"]));
    assert_eq!(
        store.conversation(id.parse().unwrap()).unwrap().title,
        "Lights at sea"
    );
    run_ok(switchboard(&cfg, &data).args(["history", "delete", &id]));
    assert!(store.conversation(id.parse().unwrap()).is_err());
    let pruned = run_ok(switchboard(&cfg, &data).args(["history", "prune", "--older-than", "90d"]));
    assert!(pruned.starts_with("removed 0 conversations"), "{pruned}");
    let out = switchboard(&cfg, &data)
        .args(["history", "prune", "--older-than", "soon"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

#[test]
fn no_key_in_the_database_and_no_store_writes_nothing() {
    let demo = DemoProcess::start();
    let tmp = TempDir::new("cli-privacy");
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), &demo);
    // A stream that is interrupted holds the request too: scan while a process is
    // writing (the WAL still there) and after.
    let mut child = switchboard(&cfg, &data)
        .args(["ask", "-m", "demo/demo-fast+tokens=400", "hello"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(600));
    let mut during = Vec::new();
    files(&data, &mut during);
    let during: Vec<Vec<u8>> = during
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_default())
        .collect();
    assert!(child.wait().unwrap().success());
    run_ok(switchboard(&cfg, &data).args(["ask", "--protocol", "gemini", "hi"]));
    run_ok(switchboard(&cfg, &data).args(["ask", "--protocol", "anthropic", "hi"]));
    let mut paths = Vec::new();
    files(&data, &mut paths);
    assert!(paths.iter().any(|p| p.ends_with("switchboard.db")));
    let store = Store::open(&data).unwrap();
    assert_eq!(
        store.changes_since(0, 10).unwrap().len(),
        3,
        "three exchanges stored"
    );
    let masked = &FAKE_KEY[FAKE_KEY.len() - 4..];
    let mut all = during;
    all.extend(paths.iter().map(|p| std::fs::read(p).unwrap()));
    let needles = [FAKE_KEY.as_bytes(), &FAKE_KEY.as_bytes()[..24]];
    for bytes in &all {
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the key reached a file"
            );
        }
    }
    assert!(
        all.iter()
            .any(|b| b.windows(4).any(|w| w == masked.as_bytes())),
        "the masked hint is kept"
    );

    // --no-store and SWITCHBOARD_NO_STORE: not a file written.
    let none = tmp.path().join("none");
    run_ok(switchboard(&cfg, &none).args(["--no-store", "ask", "hi"]));
    run_ok(
        switchboard(&cfg, &none)
            .args(["ask", "hi"])
            .env("SWITCHBOARD_NO_STORE", "1"),
    );
    assert!(!none.exists(), "nothing was created");
    let out = switchboard(&cfg, &none)
        .args(["--no-store", "ask", "--continue", "hi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn config_path_names_the_database_and_a_newer_database_stops_ask() {
    let demo = DemoProcess::start();
    let tmp = TempDir::new("cli-newer");
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), &demo);
    let out = run_ok(switchboard(&cfg, &data).args(["config", "path"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            cfg.display().to_string(),
            data.join("switchboard.db").display().to_string()
        ]
    );

    std::fs::create_dir_all(&data).unwrap();
    let c = rusqlite::Connection::open(data.join("switchboard.db")).unwrap();
    c.execute_batch("PRAGMA user_version = 99;").unwrap();
    drop(c);
    let before = std::fs::read(data.join("switchboard.db")).unwrap();
    let out = switchboard(&cfg, &data)
        .args(["ask", "hi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("newer") && err.contains("--no-store"), "{err}");
    assert!(text(&out.stdout).is_empty(), "nothing was asked");
    assert_eq!(std::fs::read(data.join("switchboard.db")).unwrap(), before);
}
