//! The tasks behind the catalog refresh, the estimate and the account endpoints. Each ends
//! with one message; nothing here touches the state.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::msg::{Msg, TurnId};
use crate::llm::account::{fetch_generation, fetch_key};
use crate::llm::catalog::{CatalogCache, ModelInfo};
use crate::llm::chat::ChatRequest;
use crate::llm::provider::{DEMO, ModelRef};
use crate::llm::tokens::estimate_prompt_for;
use crate::workbench::Workbench;

/// The on-disk cache of live lists. The demo provider's list is local and never cached.
fn cache_path(provider: &str) -> Option<std::path::PathBuf> {
    (provider != DEMO)
        .then(CatalogCache::default_path)
        .flatten()
}

/// Fetches `provider`'s live list. A good list is written to the cache with its fetch time;
/// a failure is returned as it is (the caller keeps what it has).
pub async fn fetch_and_cache(
    workbench: &Workbench,
    provider: &str,
    cancel: &CancellationToken,
) -> Result<Vec<ModelInfo>, String> {
    let p = workbench.provider(provider).map_err(|e| e.to_string())?;
    let result = workbench.list_models(&p, cancel).await;
    let path = cache_path(provider);
    let mut cache = path
        .as_deref()
        .and_then(|p| CatalogCache::load(p).ok())
        .unwrap_or_default();
    let now = crate::llm::catalog::cache::now_unix();
    match result {
        Ok(models) => {
            if let Some(path) = &path {
                let url = workbench
                    .base_url(&p)
                    .await
                    .map(|b| format!("GET {b}"))
                    .unwrap_or_default();
                cache.put(provider, &url, models.clone(), now);
                if let Err(e) = cache.save(path) {
                    tracing::warn!(error = %e, "the catalog cache was not written");
                }
            }
            Ok(models)
        }
        Err(e) => {
            let message = e.to_string();
            if let Some(path) = &path
                && cache.get(provider).is_some()
            {
                cache.record_failure(provider, &message, now);
                let _ = cache.save(path);
            }
            Err(message)
        }
    }
}

/// A provider's list at start: the cached live list while it is less than a day old (no
/// request), else a fresh one. When the fetch fails and a cached list exists, that list is
/// used and the failure is reported as a failed refresh (`Msg::Refreshed` with the error).
pub async fn load_models(
    workbench: &Workbench,
    tx: &UnboundedSender<Msg>,
    provider: String,
    cancel: &CancellationToken,
) {
    let now = crate::llm::catalog::cache::now_unix();
    let cache = cache_path(&provider)
        .and_then(|p| CatalogCache::load(&p).ok())
        .and_then(|c| c.get(&provider).cloned());
    if let Some(list) = cache.as_ref().filter(|l| !l.is_stale(now)) {
        let _ = tx.send(Msg::Models {
            provider,
            result: Ok(list.models.clone()),
        });
        return;
    }
    match (fetch_and_cache(workbench, &provider, cancel).await, cache) {
        (Ok(models), _) => {
            let _ = tx.send(Msg::Models {
                provider,
                result: Ok(models),
            });
        }
        (Err(e), Some(list)) => {
            let _ = tx.send(Msg::Models {
                provider: provider.clone(),
                result: Ok(list.models),
            });
            let _ = tx.send(Msg::Refreshed {
                provider,
                result: Err(e),
            });
        }
        (Err(e), None) => {
            let _ = tx.send(Msg::Models {
                provider,
                result: Err(e),
            });
        }
    }
}

/// `R` in the catalog: the live list again, as `Msg::Refreshed`.
pub fn spawn_refresh(
    workbench: Arc<Workbench>,
    tx: UnboundedSender<Msg>,
    provider: String,
    cancel: CancellationToken,
) {
    tokio::spawn(async move {
        let result = fetch_and_cache(&workbench, &provider, &cancel).await;
        let _ = tx.send(Msg::Refreshed { provider, result });
    });
}

/// The prompt estimate, on a blocking thread (the first count for an OpenAI-family model
/// loads its tokenizer's tables).
pub fn spawn_estimate(tx: UnboundedSender<Msg>, key: u64, model: ModelRef, chat: ChatRequest) {
    tokio::task::spawn_blocking(move || {
        let prompt = estimate_prompt_for(&model.model, &chat);
        let _ = tx.send(Msg::Estimated { key, model, prompt });
    });
}

/// `Msg::Tick` after `after`.
pub fn spawn_wake(tx: UnboundedSender<Msg>, after: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        let _ = tx.send(Msg::Tick);
    });
}

/// The key's balance and limits, as `Msg::Account`.
pub fn spawn_account(
    workbench: Arc<Workbench>,
    tx: UnboundedSender<Msg>,
    provider: String,
    cancel: CancellationToken,
) {
    tokio::spawn(async move {
        let result = async {
            let p = workbench.provider(&provider)?;
            let base = workbench.base_url(&p).await?;
            fetch_key(&workbench.client, &workbench.timeouts, &p, &base, &cancel).await
        }
        .await
        .map_err(|e| e.to_string());
        let _ = tx.send(Msg::Account { provider, result });
    });
}

/// Tries of `/generation`: the figure may not be ready the moment the stream ends.
const EXACT_TRIES: u32 = 3;

/// The exact cost of a finished request, as `Msg::Exact`.
pub fn spawn_exact(
    workbench: Arc<Workbench>,
    tx: UnboundedSender<Msg>,
    turn: TurnId,
    provider: String,
    id: String,
    cancel: CancellationToken,
) {
    tokio::spawn(async move {
        let mut result = Err("not asked".to_string());
        for attempt in 0..EXACT_TRIES {
            if attempt > 0 {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
            result = async {
                let p = workbench.provider(&provider)?;
                let base = workbench.base_url(&p).await?;
                fetch_generation(
                    &workbench.client,
                    &workbench.timeouts,
                    &p,
                    &base,
                    &id,
                    &cancel,
                )
                .await
            }
            .await
            .map_err(|e| e.to_string());
            // Only "not there yet" is worth asking again.
            if !matches!(&result, Err(e) if e.contains("404")) {
                break;
            }
        }
        let _ = tx.send(Msg::Exact { turn, result });
    });
}
