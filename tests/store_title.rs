//! `[store] title_model`: a model names each new conversation after its first answer, its
//! cost is reported, a continued conversation is not renamed, and without the setting the
//! title is the first prompt's first line with no extra request.

mod store_support;

use store_support::{DemoProcess, TempDir, config_in, switchboard, text};
use switchboard::store::Store;

fn with_title_model(cfg: &std::path::Path, model: &str) {
    let mut s = std::fs::read_to_string(cfg).unwrap();
    s.push_str(&format!("\n[store]\ntitle_model = \"{model}\"\n"));
    std::fs::write(cfg, s).unwrap();
}

#[test]
fn a_title_model_names_a_new_conversation_once() {
    let demo = DemoProcess::start();
    let tmp = TempDir::new("title-on");
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), &demo);
    with_title_model(&cfg, "demo/demo-fast");

    let out = switchboard(&cfg, &data)
        .args([
            "ask",
            "-m",
            "demo/demo-coder",
            "how do tokio tasks get cancelled cleanly?",
        ])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    // The demo model's title: the first six words of the prompt.
    assert!(
        err.contains("title: How do tokio tasks get cancelled (by demo/demo-fast, $0.0"),
        "{err}"
    );
    let store = Store::open(&data).unwrap();
    let list = store.list(10, 0).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "How do tokio tasks get cancelled");

    // Continuing keeps the title and asks for none.
    let out = switchboard(&cfg, &data)
        .args(["ask", "--continue", "and abort handles?"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("title:"), "{err}");
    let list = store.list(10, 0).unwrap();
    assert_eq!(list[0].title, "How do tokio tasks get cancelled");

    // --json carries it in the summary.
    let out = switchboard(&cfg, &data)
        .args(["ask", "--json", "what is a waker?"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let last = text(&out.stdout).lines().last().unwrap().to_string();
    let summary: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(summary["title"]["title"], "What is a waker");
    assert_eq!(summary["title"]["model"], "demo/demo-fast");
    assert!(
        summary["title"]["cost"]
            .as_str()
            .unwrap()
            .starts_with("$0.0")
    );
}

#[test]
fn without_a_title_model_the_first_line_is_the_title_and_a_broken_one_only_warns() {
    let demo = DemoProcess::start();
    let tmp = TempDir::new("title-off");
    let data = tmp.path().join("data");
    let cfg = config_in(tmp.path(), &demo);
    let out = switchboard(&cfg, &data)
        .args(["ask", "what is a waker?\nsecond line"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("title"), "{err}");
    let store = Store::open(&data).unwrap();
    assert_eq!(store.list(10, 0).unwrap()[0].title, "what is a waker?");

    // A title model that does not exist: the answer and the first-line title are kept.
    let cfg2 = tmp.path().join("c2.toml");
    std::fs::copy(&cfg, &cfg2).unwrap();
    with_title_model(&cfg2, "demo/no-such-model");
    let out = switchboard(&cfg2, &data)
        .args(["ask", "why is the sea salty?"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning: demo/no-such-model could not write the title"),
        "{err}"
    );
    let titles: Vec<String> = store
        .list(10, 0)
        .unwrap()
        .into_iter()
        .map(|e| e.title)
        .collect();
    assert!(
        titles.contains(&"why is the sea salty?".to_string()),
        "{titles:?}"
    );

    // A title model that is not PROVIDER/MODEL is refused with the config.
    let cfg3 = tmp.path().join("c3.toml");
    std::fs::copy(&cfg, &cfg3).unwrap();
    with_title_model(&cfg3, "nonsense");
    let out = switchboard(&cfg3, &data)
        .args(["ask", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("store.title_model"),
        "{}",
        text(&out.stderr)
    );
}
