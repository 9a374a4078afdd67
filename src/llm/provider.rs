//! Providers: how one is configured, the routes (protocol and base URL) it serves, the
//! built-in presets, model references and keys.

mod keys;
mod model_ref;
mod presets;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ProviderError;
use super::money::Currency;
use super::protocol::{ApiKey, AuthScheme, Endpoint, ModelTraits, Protocol};

pub use model_ref::ModelRef;
pub use presets::{local_presets, presets};

/// The name of the built-in demo provider.
pub const DEMO: &str = "demo";

/// Per-model settings inside a provider: `[providers.models."MODEL"]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Headers added for this model (after the provider's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Body fields added for this model (after the provider's, before the user's own).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub body: Map<String, Value>,
    /// The protocols that serve this model, preferred first (overrides the catalog).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<Protocol>,
    /// Whether the model reasons (overrides the catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<bool>,
    /// The parameters the model takes, OpenRouter vocabulary (overrides the catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_parameters: Option<Vec<String>>,
    /// The most output tokens per answer (overrides the catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output: Option<u64>,
}

/// One provider, as written in `[[providers]]` of the config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// The prefix in model references (`clipia/gpt-5.5`).
    pub name: String,
    /// The base URL of `protocol`, as that protocol's official SDK takes it
    /// (`https://api.clipia.ai/v1`; `https://api.anthropic.com` for Anthropic). Only the
    /// demo provider may leave it out: then Switchboard starts its demo server in-process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The provider's default protocol.
    #[serde(default = "default_protocol")]
    pub protocol: Protocol,
    /// Other protocols the provider serves, each with its base URL (AIsa serves all four).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub base_urls: BTreeMap<Protocol, String>,
    /// The environment variable holding the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// A command that prints the key (`pass show clipia`), run with `sh -c`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_cmd: Option<String>,
    /// How the key is sent; each protocol's usual scheme when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthScheme>,
    /// Extra headers sent with every request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Extra body fields sent with every request, for parameters a gateway needs that
    /// Switchboard does not model; objects merge key by key.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub body: Map<String, Value>,
    /// Per-model headers, body fields, routes and traits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, ModelConfig>,
    /// Keys starting with this run in the provider's sandbox (`clipia_test_`): shown as such.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_key_prefix: Option<String>,
    /// The currency of the prices in the provider's live model list (`RUB` for Clipia).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_currency: Option<Currency>,
    /// The unit of the provider's own `usage.cost` figure (credits for Clipia, OpenRouter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_cost_currency: Option<Currency>,
    /// What one unit of `reported_cost_currency` (credits) is worth, as the user knows it
    /// (`credit_rate = { currency = "RUB", per_credit = "1" }`): only with it are reported
    /// credits compared with a cost computed in that currency. Never guessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_rate: Option<crate::llm::money::CreditRate>,
    /// The provider's account endpoints (`clipia`: `GET /v1/key`, `GET /v1/generation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<crate::llm::account::AccountApi>,
}

fn default_protocol() -> Protocol {
    Protocol::OpenAiChat
}

impl ProviderConfig {
    /// A provider of `protocol` at `base_url`, keyed by `key_env`, with nothing else set.
    pub fn new(name: &str, protocol: Protocol, base_url: &str, key_env: Option<&str>) -> Self {
        ProviderConfig {
            name: name.into(),
            base_url: Some(base_url.into()),
            protocol,
            base_urls: BTreeMap::new(),
            api_key_env: key_env.map(str::to_string),
            api_key_cmd: None,
            auth: None,
            headers: BTreeMap::new(),
            body: Map::new(),
            models: BTreeMap::new(),
            sandbox_key_prefix: None,
            price_currency: None,
            reported_cost_currency: None,
            credit_rate: None,
            account: None,
        }
    }

    /// The built-in demo provider (no key, served in-process, all four protocols).
    pub fn demo() -> Self {
        let mut p = ProviderConfig::new(DEMO, Protocol::OpenAiChat, "", None);
        p.base_url = None;
        p.price_currency = Some(Currency::Usd);
        p.reported_cost_currency = Some(Currency::Usd);
        p
    }

    /// The auth scheme in effect for the default protocol.
    pub fn auth_scheme(&self) -> AuthScheme {
        self.auth_scheme_for(self.protocol)
    }

    /// The auth scheme in effect for `protocol`: the configured one, else the protocol's.
    pub fn auth_scheme_for(&self, protocol: Protocol) -> AuthScheme {
        self.auth.unwrap_or_else(|| protocol.default_auth())
    }

    /// The protocols this provider serves, its default first. The demo provider serves all.
    pub fn protocols(&self) -> Vec<Protocol> {
        if self.name == DEMO {
            let mut all = vec![self.protocol];
            all.extend(Protocol::ALL.into_iter().filter(|p| *p != self.protocol));
            return all;
        }
        let mut out = vec![self.protocol];
        out.extend(self.base_urls.keys().filter(|p| **p != self.protocol));
        out
    }

    /// The base URL of `protocol` on this provider, when it serves it. The demo provider's
    /// one address serves every protocol: its base for each is derived from `base_url`.
    pub fn base_url_for(&self, protocol: Protocol) -> Option<String> {
        if let Some(url) = self.base_urls.get(&protocol) {
            return Some(url.clone());
        }
        let base = self.base_url.as_deref()?;
        if protocol == self.protocol {
            return Some(base.to_string());
        }
        (self.name == DEMO).then(|| demo_base(base, protocol))
    }

    /// Picks the protocol for a request: the one asked for (which must be a route of the
    /// model, when the model's routes are known, and one the provider serves), else the
    /// model's first route the provider serves, else the provider's default.
    pub fn route(
        &self,
        asked: Option<Protocol>,
        model: &str,
        model_routes: &[Protocol],
    ) -> Result<Protocol, ProviderError> {
        let served = self.protocols();
        let names = |ps: &[Protocol]| ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ");
        if let Some(p) = asked {
            if !model_routes.is_empty() && !model_routes.contains(&p) {
                return Err(config(format!(
                    "{}/{model} is served over {}, not {p}",
                    self.name,
                    names(model_routes)
                )));
            }
            if !served.contains(&p) {
                return Err(config(format!(
                    "provider {} does not serve the {p} protocol (it serves {}); add \
                     base_urls.{p} to its config if it does",
                    self.name,
                    names(&served)
                )));
            }
            return Ok(p);
        }
        if model_routes.is_empty() {
            return Ok(self.protocol);
        }
        model_routes
            .iter()
            .copied()
            .find(|p| served.contains(p))
            .ok_or_else(|| {
                config(format!(
                    "{}/{model} is served over {}, which provider {} is not configured for \
                     (it serves {}); add base_urls to its config",
                    self.name,
                    names(model_routes),
                    self.name,
                    names(&served)
                ))
            })
    }

    /// True when `key` runs in the provider's sandbox (a `clipia_test_` key on Clipia).
    pub fn is_sandbox_key(&self, key: &ApiKey) -> bool {
        self.sandbox_key_prefix
            .as_deref()
            .is_some_and(|p| key.expose().starts_with(p))
    }

    /// A line for the UI when `key` is a sandbox key.
    pub fn sandbox_note(&self, key: &ApiKey) -> Option<String> {
        self.is_sandbox_key(key).then(|| {
            format!(
                "{}: a sandbox key ({}…): nothing is charged, and answers may be test data",
                self.name,
                self.sandbox_key_prefix.as_deref().unwrap_or_default()
            )
        })
    }

    /// The per-model settings of `model`, if any.
    pub fn model(&self, model: &str) -> Option<&ModelConfig> {
        self.models.get(model)
    }

    /// What the config says of `model`, laid over `known` (from the catalog).
    pub fn traits(&self, model: &str, known: ModelTraits) -> ModelTraits {
        let Some(m) = self.model(model) else {
            return known;
        };
        ModelTraits {
            reasoning: m.reasoning.or(known.reasoning),
            supported_parameters: m
                .supported_parameters
                .clone()
                .or(known.supported_parameters),
            max_output: m.max_output.or(known.max_output),
        }
    }

    /// The provider's body fields, then the model's (objects merged key by key).
    pub fn body_for(&self, model: &str) -> Map<String, Value> {
        let mut body = self.body.clone();
        if let Some(m) = self.model(model) {
            super::protocol::common::deep_merge(&mut body, &m.body);
        }
        body
    }

    /// Reads the key: the environment variable first, then the key command. `Ok(None)` when
    /// the provider needs no key.
    pub async fn resolve_key(&self) -> Result<Option<ApiKey>, ProviderError> {
        if let Some(var) = &self.api_key_env {
            match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => return Ok(Some(ApiKey::new(v.trim()))),
                _ if self.api_key_cmd.is_none() => {
                    return Err(config(format!(
                        "provider {}: the environment variable {var} is not set",
                        self.name
                    )));
                }
                _ => {}
            }
        }
        let Some(cmd) = &self.api_key_cmd else {
            return Ok(None);
        };
        keys::run_key_command(&self.name, cmd).await.map(Some)
    }

    /// The endpoint of the default protocol with its key. `base_url` overrides the
    /// configured one (the demo server's address is only known once it runs).
    pub async fn endpoint(&self, base_url: Option<&str>) -> Result<Endpoint, ProviderError> {
        self.endpoint_for(self.protocol, base_url, None).await
    }

    /// The endpoint of `protocol` with its key and the provider's headers, then `model`'s.
    pub async fn endpoint_for(
        &self,
        protocol: Protocol,
        base_url: Option<&str>,
        model: Option<&str>,
    ) -> Result<Endpoint, ProviderError> {
        let base = base_url
            .map(str::to_string)
            .or_else(|| self.base_url_for(protocol))
            .ok_or_else(|| {
                config(format!(
                    "provider {}: no base URL is configured for the {protocol} protocol",
                    self.name
                ))
            })?;
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(m) = model.and_then(|m| self.model(m)) {
            headers.extend(m.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(Endpoint {
            base_url: base,
            auth: self.auth_scheme_for(protocol),
            key: self.resolve_key().await?,
            headers,
        })
    }
}

/// The demo server's base for `protocol`, from its base for any protocol: the OpenAI
/// protocols under `/v1`, Anthropic and Gemini at the root.
pub fn demo_base(base: &str, protocol: Protocol) -> String {
    let base = base.trim_end_matches('/');
    let root = base.strip_suffix("/v1").unwrap_or(base);
    if protocol.base_has_version() {
        format!("{root}/v1")
    } else {
        root.to_string()
    }
}

fn config(message: String) -> ProviderError {
    ProviderError::Config { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn key_command_first_line_and_failures() {
        let mut p = ProviderConfig::new(
            "t",
            Protocol::OpenAiChat,
            "http://127.0.0.1:1/v1",
            Some("SWITCHBOARD_TEST_UNSET_VAR"),
        );
        p.api_key_cmd = Some("printf 'sk-from-cmd\\nnotes\\n'".into());
        let key = p.resolve_key().await.unwrap().unwrap();
        assert_eq!(key.expose(), "sk-from-cmd");
        p.api_key_cmd = Some("exit 3".into());
        let err = p.resolve_key().await.unwrap_err().to_string();
        assert!(err.contains("exited"), "{err}");
        p.api_key_cmd = None;
        let err = p.resolve_key().await.unwrap_err().to_string();
        assert!(
            err.contains("SWITCHBOARD_TEST_UNSET_VAR is not set"),
            "{err}"
        );
    }

    #[test]
    fn routes_follow_the_model_then_the_provider() {
        let aisa = presets().into_iter().find(|p| p.name == "aisa").unwrap();
        let responses_only = [Protocol::OpenAiResponses];
        assert_eq!(
            aisa.route(None, "gpt-5.4", &responses_only).unwrap(),
            Protocol::OpenAiResponses
        );
        assert_eq!(aisa.route(None, "x", &[]).unwrap(), Protocol::OpenAiChat);
        let claude = [Protocol::Anthropic, Protocol::OpenAiChat];
        assert_eq!(
            aisa.route(Some(Protocol::OpenAiChat), "c", &claude)
                .unwrap(),
            Protocol::OpenAiChat
        );
        let err = aisa
            .route(Some(Protocol::Gemini), "c", &claude)
            .unwrap_err()
            .to_string();
        assert!(err.contains("served over anthropic, openai-chat"), "{err}");
        assert_eq!(
            aisa.base_url_for(Protocol::Anthropic).as_deref(),
            Some("https://api.aisa.one")
        );
        let clipia = presets().into_iter().find(|p| p.name == "clipia").unwrap();
        let err = clipia.route(Some(Protocol::Gemini), "m", &[]).unwrap_err();
        assert!(
            err.to_string().contains("does not serve the gemini"),
            "{err}"
        );
        assert!(clipia.is_sandbox_key(&ApiKey::new("clipia_test_abc")));
        assert!(!clipia.is_sandbox_key(&ApiKey::new("clipia_live_abc")));
    }

    #[test]
    fn the_demo_serves_every_protocol_from_one_address() {
        let mut demo = ProviderConfig::demo();
        demo.base_url = Some("http://127.0.0.1:9/v1".into());
        assert_eq!(demo.protocols().len(), 4);
        assert_eq!(
            demo.base_url_for(Protocol::Anthropic).as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(
            demo.base_url_for(Protocol::OpenAiResponses).as_deref(),
            Some("http://127.0.0.1:9/v1")
        );
    }
}
