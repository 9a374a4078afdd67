//! `switchboard models` as a process: the first run fetches and caches, later runs use the
//! cache without the network, `--refresh` that fails keeps the cache and says why; sorting,
//! filtering, `--all`, `--json` and `--csv`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use switchboard::demo::DemoServer;

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sb-catalog-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A config with one provider, `local`, at `base` (no key needed), and `extra` lines.
fn config(dir: &Path, base: &str, extra: &str) -> PathBuf {
    let path = dir.join(format!("config-{}.toml", extra.len()));
    std::fs::write(
        &path,
        format!("[[providers]]\nname = \"local\"\nbase_url = \"{base}\"\nprice_currency = \"USD\"\n{extra}"),
    )
    .unwrap();
    path
}

fn models(cfg: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(cfg)
        .arg("models")
        .arg("--cache")
        .arg(cache)
        .args(args)
        .env_remove("SWITCHBOARD_CATALOG_CACHE")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_cache_and_failed_refresh() {
    let server = DemoServer::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let d = dir("cache");
    let cache = d.join("catalog.json");
    let good = config(&d, &server.base_url(), "");
    let failing = config(
        &d,
        &server.base_url(),
        "headers = { \"x-demo-fault\" = \"503\" }\n",
    );
    let cfg_good = good.clone();
    let cache2 = cache.clone();

    // No cache yet and no key needed: the list is fetched and cached.
    let out = tokio::task::spawn_blocking(move || models(&cfg_good, &cache2, &["--json"]))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let local: Vec<&serde_json::Value> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["provider"] == "local")
        .collect();
    assert_eq!(local.len(), 4);
    assert_eq!(local[0]["sources"]["price"]["origin"], "live");
    assert!(cache.exists(), "the list was cached");

    // Without --refresh the cache is used: the failing server is not asked.
    let (f, c) = (failing.clone(), cache.clone());
    let out = tokio::task::spawn_blocking(move || models(&f, &c, &[]))
        .await
        .unwrap();
    assert!(out.status.success());
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("local/demo-fast"));
    // The age says where the figure came from and how old it is (seconds: the test may run
    // on a busy machine, so not which second).
    let stdout = text(&out.stdout);
    let aged = stdout.split("live ").skip(1).any(|rest| {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with('s')
    });
    assert!(aged, "{stdout}");

    // A refresh that fails keeps the cached list and says why.
    let (f, c) = (failing.clone(), cache.clone());
    let out = tokio::task::spawn_blocking(move || models(&f, &c, &["--refresh"]))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("local: could not fetch the model list"),
        "{err}"
    );
    assert!(err.contains("503"), "{err}");
    assert!(err.contains("showing the cached list from"), "{err}");
    assert!(text(&out.stdout).contains("local/demo-fast"));
    let saved = std::fs::read_to_string(&cache).unwrap();
    assert!(
        saved.contains("last_failure"),
        "the failure is noted in the cache"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn sorts_filters_and_formats_the_bundled_catalog() {
    let d = dir("views");
    let cache = d.join("catalog.json");
    // A provider on a closed port with no cache: listed from the bundled catalog only.
    let cfg = config(
        &d,
        "http://127.0.0.1:9/v1",
        "api_key_env = \"SB_TEST_UNSET_KEY_VAR\"\n",
    );

    let out = models(
        &cfg,
        &cache,
        &[
            "--all",
            "--provider",
            "anthropic",
            "--sort",
            "input",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.first(),
        Some(&"claude-3-haiku-20240307"),
        "cheapest input first"
    );
    assert_eq!(ids.len(), 11);

    // Filter by capability and text; table with currency signs and the price source.
    let out = models(
        &cfg,
        &cache,
        &["--all", "--cap", "reasoning", "--search", "sonnet"],
    );
    let table = text(&out.stdout);
    assert!(table.starts_with("MODEL"), "{table}");
    assert!(
        table.contains("anthropic/claude-sonnet-4-5-20250929  $3"),
        "{table}"
    );
    assert!(table.contains("bundled"), "{table}");
    assert!(
        !table.contains("claude-sonnet-4-20250514"),
        "no reasoning flag: {table}"
    );

    // Rubles keep their sign; blended is 3:1.
    let out = models(
        &cfg,
        &cache,
        &["--all", "--provider", "clipia", "--sort", "blended"],
    );
    let table = text(&out.stdout);
    let first = table.lines().nth(1).unwrap();
    assert!(first.starts_with("clipia/deepseek-v4-flash"), "{first}");
    assert!(first.contains("9.3 ₽"), "{first}");

    // CSV: one header and one row per model, prices as plain decimals.
    let out = models(&cfg, &cache, &["--all", "--provider", "deepseek", "--csv"]);
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("provider,id,name,currency,input_per_mtok")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(
            "deepseek,deepseek-chat,DeepSeek-V3.2 (Non-thinking Mode),USD,0.28,0.42,0.028,"
        ),
        "{row}"
    );
    assert!(!cache.exists(), "nothing fetched, nothing cached");
    let _ = std::fs::remove_dir_all(&d);
}
