//! The configured world a command or the UI works in: providers, the shared HTTP client,
//! and the demo server, started the first time the demo provider is used. Here a model
//! reference becomes a request: the route (protocol and base URL) is chosen, the model's
//! traits looked up, the provider's and model's extra headers and body fields applied.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::demo::DemoServer;
use crate::llm::catalog::{CatalogCache, ModelInfo, bundled_model, fetch_live, merge_model};
use crate::llm::chat::ChatRequest;
use crate::llm::error::ProviderError;
use crate::llm::http::HttpRequest;
use crate::llm::money::Currency;
use crate::llm::protocol::common::deep_merge;
use crate::llm::protocol::{ModelTraits, Protocol, build};
use crate::llm::provider::{DEMO, ModelRef, ProviderConfig, demo_base};
use crate::llm::run::{self, RunOptions, Timeouts};

/// Everything needed to turn a model reference and a chat into a request, and to send it.
pub struct Workbench {
    pub config: Config,
    pub client: reqwest::Client,
    pub timeouts: Timeouts,
    demo: OnceCell<DemoServer>,
    /// The providers' live model lists this process knows, for what the catalog says a
    /// model takes (`supported_parameters`).
    live: Mutex<LiveLists>,
}

/// Live model lists by provider: the ones fetched or handed over in this process, and
/// (read once, on first need) the catalog cache's.
#[derive(Debug, Default)]
struct LiveLists {
    /// By provider name.
    lists: BTreeMap<String, Vec<ModelInfo>>,
    /// The catalog cache file to read the lists from.
    cache: Option<PathBuf>,
    /// The cache was read (or there is none): it is not read again, so a list fetched
    /// later is never replaced by an older one.
    cache_read: bool,
}

/// A request ready to send, with how to send it.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub request: HttpRequest,
    pub protocol: Protocol,
    pub options: RunOptions,
    /// What is worth telling before sending: parameters left out or renamed for this
    /// protocol and model, a sandbox key. Shown by `ask` on stderr.
    pub notes: Vec<String>,
    /// The key runs in the provider's sandbox (a `clipia_test_` key): nothing is charged.
    pub sandbox: bool,
}

impl Workbench {
    pub fn new(config: Config) -> Result<Self, ProviderError> {
        let timeouts = config.timeouts.to_timeouts();
        Ok(Workbench {
            client: run::client(&timeouts)?,
            timeouts,
            config,
            demo: OnceCell::new(),
            live: Mutex::new(LiveLists {
                cache: CatalogCache::default_path(),
                ..LiveLists::default()
            }),
        })
    }

    /// Reads the providers' cached live lists from `path` instead of the platform cache
    /// (`None`: from no file; only lists fetched or remembered in this process count).
    pub fn with_catalog_cache(self, path: Option<PathBuf>) -> Self {
        if let Ok(mut live) = self.live.lock() {
            live.cache = path;
            live.cache_read = false;
        }
        self
    }

    /// Keeps `models` as `provider`'s live list (replacing the one before), for what it
    /// says each model takes. `list_models` calls it; the UI calls it for lists it read
    /// from the cache.
    pub fn remember_models(&self, provider: &str, models: &[ModelInfo]) {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        live.lists.insert(provider.to_string(), models.to_vec());
    }

    /// `model`'s entry in `provider`'s live list, if one is known. The first call reads the
    /// catalog cache; lists fetched or remembered since win over it.
    fn live_model(&self, provider: &str, model: &str) -> Option<ModelInfo> {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        if !live.cache_read {
            live.cache_read = true;
            let cached = live
                .cache
                .as_deref()
                .and_then(|p| CatalogCache::load(p).ok())
                .unwrap_or_default();
            for (name, list) in cached.providers {
                live.lists.entry(name).or_insert(list.models);
            }
        }
        live.lists
            .get(provider)?
            .iter()
            .find(|m| m.id == model)
            .cloned()
    }

    /// The provider named `name`, or a clear error listing the ones there are.
    pub fn provider(&self, name: &str) -> Result<ProviderConfig, ProviderError> {
        self.config.provider(name).ok_or_else(|| {
            let names: Vec<String> = self
                .config
                .providers()
                .into_iter()
                .map(|p| p.name)
                .collect();
            ProviderError::Config {
                message: format!(
                    "no provider named `{name}` (configured: {}); presets are enabled by \
                     setting their key variable",
                    names.join(", ")
                ),
            }
        })
    }

    /// The base URL of `p`'s default protocol: its own, or the in-process demo server's.
    pub async fn base_url(&self, p: &ProviderConfig) -> Result<String, ProviderError> {
        self.base_url_for(p, p.protocol).await
    }

    /// The base URL of `protocol` on `p`. The in-process demo server serves every protocol
    /// on one address.
    pub async fn base_url_for(
        &self,
        p: &ProviderConfig,
        protocol: Protocol,
    ) -> Result<String, ProviderError> {
        if let Some(url) = p.base_url_for(protocol) {
            return Ok(url);
        }
        if p.name != DEMO || p.base_url.is_some() {
            return Err(ProviderError::Config {
                message: format!(
                    "provider {}: no base URL is configured for the {protocol} protocol",
                    p.name
                ),
            });
        }
        let server = self
            .demo
            .get_or_try_init(|| DemoServer::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
            .await
            .map_err(|e| ProviderError::Config {
                message: format!("could not start the demo server on 127.0.0.1: {e}"),
            })?;
        Ok(demo_base(&server.base_url(), protocol))
    }

    /// The protocols that serve `model` on `p`, preferred first: the config's list for the
    /// model, else the catalog's; empty when neither knows (the provider's default then).
    pub fn routes(&self, p: &ProviderConfig, model: &str) -> Vec<Protocol> {
        if let Some(m) = p.model(model).filter(|m| !m.protocols.is_empty()) {
            return m.protocols.clone();
        }
        bundled_model(&p.name, model)
            .map(|m| m.protocols)
            .unwrap_or_default()
    }

    /// What is known of `model` on `p`, for parameter mapping: the catalog (the live list
    /// laid over the bundled entry; for the demo, its own table), with the config's
    /// per-model settings laid over that. The catalog's `supported_parameters` decide
    /// which parameters are left out with a note; the config's list, when set, wins.
    pub fn traits(&self, p: &ProviderConfig, model: &str) -> ModelTraits {
        let mut known = ModelTraits::guess(model);
        if p.name == DEMO {
            let base = model.split('+').next().unwrap_or_default();
            if let Some(m) = crate::demo::models().iter().find(|m| m.id == base) {
                known.reasoning = Some(m.reasoning);
                known.max_output = Some(m.max_output);
            }
        } else {
            let bundled = bundled_model(&p.name, model);
            let entry = match self.live_model(&p.name, model) {
                Some(live) => Some(merge_model(live, bundled.as_ref())),
                None => bundled,
            };
            if let Some(m) = entry {
                known.reasoning = m.capabilities.reasoning.or(known.reasoning);
                known.max_output = m.max_output;
                known.supported_parameters = m.supported_parameters;
            }
        }
        p.traits(model, known)
    }

    /// Builds the exact request for `chat` to `model`, over the route the model and the
    /// provider agree on.
    pub async fn prepare(
        &self,
        model: &ModelRef,
        chat: &ChatRequest,
    ) -> Result<Prepared, ProviderError> {
        self.prepare_with(model, chat, None).await
    }

    /// Builds the exact request for `chat` to `model` over `protocol` when given (it must be
    /// a route of the model and a protocol the provider serves), else over the model's
    /// preferred route.
    pub async fn prepare_with(
        &self,
        model: &ModelRef,
        chat: &ChatRequest,
        protocol: Option<Protocol>,
    ) -> Result<Prepared, ProviderError> {
        let p = self.provider(&model.provider)?;
        let routes = self.routes(&p, &model.model);
        let protocol = p.route(protocol, &model.model, &routes)?;
        let base = self.base_url_for(&p, protocol).await?;
        let endpoint = p
            .endpoint_for(protocol, Some(&base), Some(&model.model))
            .await?;
        let mut chat = chat.clone();
        chat.model = model.model.clone();
        // The provider's fields, then the model's, then the user's own win.
        let mut extra = p.body_for(&model.model);
        deep_merge(&mut extra, &chat.params.extra);
        chat.params.extra = extra;
        let built = build(protocol, &endpoint, &chat, &self.traits(&p, &model.model))?;
        let mut notes = built.notes;
        let sandbox = endpoint.key.as_ref().is_some_and(|k| p.is_sandbox_key(k));
        if let Some(note) = endpoint.key.as_ref().and_then(|k| p.sandbox_note(k)) {
            notes.push(note);
        }
        Ok(Prepared {
            request: built.request,
            protocol,
            options: RunOptions {
                timeouts: self.timeouts,
                reported_cost_currency: p
                    .reported_cost_currency
                    .clone()
                    .unwrap_or(Currency::Credits),
                ..RunOptions::default()
            },
            notes,
            sandbox,
        })
    }

    /// The provider's live model list, in the form of its default protocol (see
    /// `catalog::fetch_live`), kept for what it says each model takes.
    pub async fn list_models(
        &self,
        p: &ProviderConfig,
        cancel: &CancellationToken,
    ) -> Result<Vec<ModelInfo>, ProviderError> {
        let base = self.base_url(p).await?;
        let (models, _) = fetch_live(&self.client, &self.timeouts, p, &base, cancel).await?;
        self.remember_models(&p.name, &models);
        Ok(models)
    }
}

impl Workbench {
    /// The price of `model` where Switchboard knows it without asking the network: the demo
    /// provider's own table; for other providers the bundled catalog's entry with the last
    /// cached live list laid over it (live figures win, bundled ones fill the gaps). `None`
    /// when neither knows the model: a price is unknown then, never zero.
    pub fn known_price(&self, model: &ModelRef) -> Option<crate::llm::money::Price> {
        let cache = crate::llm::catalog::CatalogCache::default_path()
            .and_then(|p| crate::llm::catalog::CatalogCache::load(&p).ok())
            .unwrap_or_default();
        self.known_price_with(model, &cache)
    }

    /// `known_price` with the live lists of `cache`.
    pub fn known_price_with(
        &self,
        model: &ModelRef,
        cache: &crate::llm::catalog::CatalogCache,
    ) -> Option<crate::llm::money::Price> {
        use std::str::FromStr;
        let p = self.config.provider(&model.provider)?;
        if p.name != DEMO {
            let bundled = bundled_model(&p.name, &model.model);
            let live = cache
                .get(&p.name)
                .and_then(|l| l.models.iter().find(|m| m.id == model.model).cloned());
            return match live {
                Some(l) => crate::llm::catalog::merge_model(l, bundled.as_ref()).price,
                None => bundled.and_then(|b| b.price),
            };
        }
        let base = model.model.split('+').next().unwrap_or_default();
        let m = crate::demo::models().iter().find(|m| m.id == base)?;
        let d = |s: &str| rust_decimal::Decimal::from_str(s).ok();
        Some(crate::llm::money::Price {
            currency: Some(Currency::Usd),
            input_per_mtok: d(m.input_usd_per_mtok),
            output_per_mtok: d(m.output_usd_per_mtok),
            cached_input_per_mtok: m.cached_input_usd_per_mtok.and_then(d),
            cache_write_per_mtok: None,
            per_request: None,
            ..crate::llm::money::Price::default()
        })
    }
}
