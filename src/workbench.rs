//! The configured world a command or the UI works in: providers, the shared HTTP client,
//! and the demo server, started the first time the demo provider is used.

use std::net::{Ipv4Addr, SocketAddr};

use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::demo::DemoServer;
use crate::llm::catalog::{ModelInfo, parse_models_list};
use crate::llm::chat::ChatRequest;
use crate::llm::error::ProviderError;
use crate::llm::http::HttpRequest;
use crate::llm::money::Currency;
use crate::llm::protocol::{Protocol, build_request};
use crate::llm::provider::{DEMO, ModelRef, ProviderConfig};
use crate::llm::run::{self, RunOptions, Timeouts};

/// Everything needed to turn a model reference and a chat into a request, and to send it.
pub struct Workbench {
    pub config: Config,
    pub client: reqwest::Client,
    pub timeouts: Timeouts,
    demo: OnceCell<DemoServer>,
}

/// A request ready to send, with how to send it.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub request: HttpRequest,
    pub protocol: Protocol,
    pub options: RunOptions,
}

impl Workbench {
    pub fn new(config: Config) -> Result<Self, ProviderError> {
        let timeouts = config.timeouts.to_timeouts();
        Ok(Workbench {
            client: run::client(&timeouts)?,
            timeouts,
            config,
            demo: OnceCell::new(),
        })
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

    /// The base URL to use for `p`: its own, or the in-process demo server's.
    pub async fn base_url(&self, p: &ProviderConfig) -> Result<String, ProviderError> {
        if let Some(url) = &p.base_url {
            return Ok(url.clone());
        }
        if p.name != DEMO {
            return Err(ProviderError::Config {
                message: format!("provider {}: no base_url is configured", p.name),
            });
        }
        let server = self
            .demo
            .get_or_try_init(|| DemoServer::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
            .await
            .map_err(|e| ProviderError::Config {
                message: format!("could not start the demo server on 127.0.0.1: {e}"),
            })?;
        Ok(server.base_url())
    }

    /// Builds the exact request for `chat` to `model`.
    pub async fn prepare(
        &self,
        model: &ModelRef,
        chat: &ChatRequest,
    ) -> Result<Prepared, ProviderError> {
        let p = self.provider(&model.provider)?;
        let base = self.base_url(&p).await?;
        let endpoint = p.endpoint(Some(&base)).await?;
        let mut chat = chat.clone();
        chat.model = model.model.clone();
        let request = build_request(p.protocol, &endpoint, &chat)?;
        Ok(Prepared {
            request,
            protocol: p.protocol,
            options: RunOptions {
                timeouts: self.timeouts,
                reported_cost_currency: p
                    .reported_cost_currency
                    .clone()
                    .unwrap_or(Currency::Credits),
                ..RunOptions::default()
            },
        })
    }

    /// The provider's live model list (`GET {base}/models`).
    pub async fn list_models(
        &self,
        p: &ProviderConfig,
        cancel: &CancellationToken,
    ) -> Result<Vec<ModelInfo>, ProviderError> {
        if p.protocol != Protocol::OpenAiChat {
            return Err(ProviderError::Config {
                message: format!(
                    "listing models over the {} protocol is not available yet",
                    p.protocol
                ),
            });
        }
        let base = self.base_url(p).await?;
        let endpoint = p.endpoint(Some(&base)).await?;
        let mut req = HttpRequest::get(endpoint.url("models"));
        endpoint.apply_headers(&mut req);
        let body = run::get_text(&self.client, &req, &self.timeouts, cancel).await?;
        parse_models_list(
            &p.name,
            &body,
            p.price_currency.as_ref(),
            &format!("live GET {}", req.redacted().url),
        )
        .map_err(|message| ProviderError::Decode { message })
    }
}

impl Workbench {
    /// The price of `model` where Switchboard knows it without asking the network: the demo
    /// provider's own table. Other providers' prices come from their live lists (and, later,
    /// the bundled catalog); until then a price is unknown, never zero.
    pub fn known_price(&self, model: &ModelRef) -> Option<crate::llm::money::Price> {
        use std::str::FromStr;
        let p = self.config.provider(&model.provider)?;
        if p.name != DEMO {
            return None;
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
        })
    }
}
