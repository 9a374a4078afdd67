//! The catalog's `supported_parameters` (from a provider's live `/models` list, a cached one,
//! or a bundled entry) decide what a request leaves out, with a note naming each parameter,
//! rather than letting the provider answer 400; the config's per-model list overrides it.

mod protocol_support;

use std::path::{Path, PathBuf};

use protocol_support::server::{Reply, Server};
use serde_json::{Value, json};
use switchboard::config::parse;
use switchboard::llm::catalog::{CatalogCache, ModelInfo, merge_model, parse_models_list};
use switchboard::llm::chat::ChatRequest;
use switchboard::llm::provider::ModelRef;
use switchboard::workbench::{Prepared, Workbench};
use tokio_util::sync::CancellationToken;

/// A gateway's list: `picky` takes no temperature, `open` says nothing of its parameters.
const LIST: &str = r#"{"object":"list","data":[
  {"id":"picky","context_length":8000,
   "supported_parameters":["max_tokens","stop","tools"]},
  {"id":"open","context_length":8000}
]}"#;

fn config(base: &str, extra: &str) -> switchboard::config::Config {
    let text = format!(
        "[[providers]]\nname = \"gw\"\nbase_url = \"{base}\"\nprotocol = \"openai-chat\"\n\
         api_key_cmd = \"printf sk-gw-0123456789abcdefghij\"\n{extra}"
    );
    parse(&text, Path::new("test.toml")).unwrap()
}

fn chat() -> ChatRequest {
    let mut chat = ChatRequest::new("", "hi");
    chat.params.temperature = Some(0.3);
    chat.params.max_tokens = Some(50);
    chat
}

async fn prepared(bench: &Workbench, model: &str) -> Prepared {
    bench
        .prepare(&ModelRef::parse(model).unwrap(), &chat())
        .await
        .unwrap()
}

fn body(p: &Prepared) -> &Value {
    p.request.body.as_ref().unwrap()
}

fn temperature_note(p: &Prepared) -> Option<&String> {
    p.notes.iter().find(|n| n.contains("`temperature`"))
}

#[tokio::test]
async fn a_live_list_leaves_out_what_the_model_does_not_take() {
    let server = Server::start(vec![Reply::json(200, LIST)]).await;
    let base = format!("http://127.0.0.1:{}/v1", server.port);
    let bench = Workbench::new(config(&base, ""))
        .unwrap()
        .with_catalog_cache(None);

    // Before the list is known, nothing is assumed: temperature goes as given.
    let before = prepared(&bench, "gw/picky").await;
    assert_eq!(body(&before)["temperature"], json!(0.3));
    assert_eq!(temperature_note(&before), None);

    let p = bench.provider("gw").unwrap();
    let models = bench
        .list_models(&p, &CancellationToken::new())
        .await
        .unwrap();
    let picky = models.iter().find(|m| m.id == "picky").unwrap();
    assert_eq!(
        picky.supported_parameters.as_deref(),
        Some(&["max_tokens".to_string(), "stop".into(), "tools".into()][..])
    );
    assert!(picky.source_of("supported_parameters").is_some());

    let after = prepared(&bench, "gw/picky").await;
    let sent = body(&after);
    assert!(sent.get("temperature").is_none(), "{sent}");
    // What the list allows still goes.
    assert_eq!(sent["max_tokens"], json!(50));
    let note = temperature_note(&after).expect("a note names temperature");
    assert!(note.starts_with("left out `temperature`"), "{note}");
    assert!(note.contains("picky"), "{note}");

    // A model the list gives no parameters for keeps temperature, with no note.
    let open = prepared(&bench, "gw/open").await;
    assert_eq!(body(&open)["temperature"], json!(0.3));
    assert_eq!(temperature_note(&open), None);
}

#[tokio::test]
async fn the_configs_list_overrides_the_catalogs() {
    let server = Server::start(vec![Reply::json(200, LIST)]).await;
    let base = format!("http://127.0.0.1:{}/v1", server.port);
    let extra = "[providers.models.picky]\nsupported_parameters = [\"temperature\", \"max_tokens\"]\n\
                 [providers.models.open]\nsupported_parameters = [\"max_tokens\"]\n";
    let bench = Workbench::new(config(&base, extra))
        .unwrap()
        .with_catalog_cache(None);
    let p = bench.provider("gw").unwrap();
    bench
        .list_models(&p, &CancellationToken::new())
        .await
        .unwrap();
    let picky = prepared(&bench, "gw/picky").await;
    assert_eq!(body(&picky)["temperature"], json!(0.3));
    assert_eq!(temperature_note(&picky), None);
    let open = prepared(&bench, "gw/open").await;
    assert!(body(&open).get("temperature").is_none());
    assert!(temperature_note(&open).is_some(), "{:?}", open.notes);
}

/// A unique file under the system temp dir, removed on drop.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test]
async fn a_cached_list_counts_without_a_refresh() {
    let file = TempFile(std::env::temp_dir().join(format!(
        "switchboard-supported-params-{}.json",
        std::process::id()
    )));
    let models = parse_models_list("gw", LIST, None, "live GET test").unwrap();
    let mut cache = CatalogCache::default();
    cache.put("gw", "GET test", models, 1_800_000_000);
    cache.save(&file.0).unwrap();
    // Nothing listens there: the list can only come from the cache.
    let bench = Workbench::new(config("http://127.0.0.1:9/v1", ""))
        .unwrap()
        .with_catalog_cache(Some(file.0.clone()));
    let picky = prepared(&bench, "gw/picky").await;
    assert!(body(&picky).get("temperature").is_none());
    assert!(temperature_note(&picky).is_some());
    let open = prepared(&bench, "gw/open").await;
    assert_eq!(body(&open)["temperature"], json!(0.3));
}

#[test]
fn a_bundled_list_fills_in_for_a_live_entry_without_one() {
    let live = ModelInfo {
        provider: "gw".into(),
        id: "m".into(),
        ..ModelInfo::default()
    };
    let bundled = ModelInfo {
        supported_parameters: Some(vec!["tools".into()]),
        ..live.clone()
    };
    let merged = merge_model(live.clone(), Some(&bundled));
    assert_eq!(merged.supported_parameters, Some(vec!["tools".to_string()]));
    // The live list wins where it has one.
    let own = ModelInfo {
        supported_parameters: Some(vec!["temperature".into()]),
        ..live
    };
    let merged = merge_model(own, Some(&bundled));
    assert_eq!(
        merged.supported_parameters,
        Some(vec!["temperature".to_string()])
    );
}
