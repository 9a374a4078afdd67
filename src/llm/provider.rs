//! Providers: how one is configured, the built-in presets, model references and keys.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::ProviderError;
use super::money::Currency;
use super::protocol::{ApiKey, AuthScheme, Endpoint, Protocol};

/// The name of the built-in demo provider.
pub const DEMO: &str = "demo";

/// One provider, as written in `[[providers]]` of the config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The prefix in model references (`clipia/gpt-5.5`).
    pub name: String,
    /// As the provider's own SDK takes it (`https://api.clipia.ai/v1`). Only the demo
    /// provider may leave it out: then Switchboard starts its demo server in-process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default = "default_protocol")]
    pub protocol: Protocol,
    /// The environment variable holding the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// A command that prints the key (`pass show clipia`), run with `sh -c`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_cmd: Option<String>,
    /// How the key is sent; the protocol's usual scheme when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthScheme>,
    /// Extra headers sent with every request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The currency of the prices in the provider's live model list (`RUB` for Clipia).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_currency: Option<Currency>,
    /// The unit of the provider's own `usage.cost` figure (credits for Clipia, OpenRouter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_cost_currency: Option<Currency>,
}

fn default_protocol() -> Protocol {
    Protocol::OpenAiChat
}

impl ProviderConfig {
    fn preset(name: &str, base_url: &str, key_env: &str) -> Self {
        ProviderConfig {
            name: name.into(),
            base_url: Some(base_url.into()),
            protocol: Protocol::OpenAiChat,
            api_key_env: Some(key_env.into()),
            api_key_cmd: None,
            auth: None,
            headers: BTreeMap::new(),
            price_currency: None,
            reported_cost_currency: None,
        }
    }

    /// The built-in demo provider (no key, served in-process).
    pub fn demo() -> Self {
        ProviderConfig {
            name: DEMO.into(),
            base_url: None,
            protocol: Protocol::OpenAiChat,
            api_key_env: None,
            api_key_cmd: None,
            auth: None,
            headers: BTreeMap::new(),
            price_currency: Some(Currency::Usd),
            reported_cost_currency: Some(Currency::Usd),
        }
    }

    /// The auth scheme in effect.
    pub fn auth_scheme(&self) -> AuthScheme {
        self.auth.unwrap_or_else(|| self.protocol.default_auth())
    }

    /// Reads the key: the environment variable first, then the key command. `Ok(None)` when
    /// the provider needs no key.
    pub async fn resolve_key(&self) -> Result<Option<ApiKey>, ProviderError> {
        if let Some(var) = &self.api_key_env {
            match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => return Ok(Some(ApiKey::new(v.trim()))),
                _ if self.api_key_cmd.is_none() => {
                    return Err(ProviderError::Config {
                        message: format!(
                            "provider {}: the environment variable {var} is not set",
                            self.name
                        ),
                    });
                }
                _ => {}
            }
        }
        let Some(cmd) = &self.api_key_cmd else {
            return Ok(None);
        };
        run_key_command(&self.name, cmd).await.map(Some)
    }

    /// The endpoint with its key, ready for a protocol builder. `base_url` overrides the
    /// configured one (the demo server's address is only known once it runs).
    pub async fn endpoint(&self, base_url: Option<&str>) -> Result<Endpoint, ProviderError> {
        let base = base_url
            .map(str::to_string)
            .or_else(|| self.base_url.clone())
            .ok_or_else(|| ProviderError::Config {
                message: format!("provider {}: no base_url is configured", self.name),
            })?;
        Ok(Endpoint {
            base_url: base,
            auth: self.auth_scheme(),
            key: self.resolve_key().await?,
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }
}

async fn run_key_command(provider: &str, cmd: &str) -> Result<ApiKey, ProviderError> {
    let fail = |why: String| ProviderError::Config {
        message: format!("provider {provider}: api_key_cmd `{cmd}` {why}"),
    };
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| fail(format!("could not start: {e}")))?;
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .map_err(|_| fail("did not finish within 30 s".into()))?
        .map_err(|e| fail(format!("failed: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!("exited with {}", out.status)));
    }
    // Like `pass`, the key is the first line; what follows may be notes.
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().next().map(str::trim) {
        Some(key) if !key.is_empty() => Ok(ApiKey::new(key)),
        _ => Err(fail("printed nothing".into())),
    }
}

/// The OpenAI-compatible providers Switchboard knows. Each is enabled when its key
/// variable is set, unless the config already names a provider of the same name.
pub fn presets() -> Vec<ProviderConfig> {
    let mut clipia = ProviderConfig::preset("clipia", "https://api.clipia.ai/v1", "CLIPIA_API_KEY");
    clipia.price_currency = Some(Currency::Rub);
    clipia.reported_cost_currency = Some(Currency::Credits);
    let mut openrouter = ProviderConfig::preset(
        "openrouter",
        "https://openrouter.ai/api/v1",
        "OPENROUTER_API_KEY",
    );
    openrouter.price_currency = Some(Currency::Usd);
    openrouter.reported_cost_currency = Some(Currency::Credits);
    vec![
        clipia,
        ProviderConfig::preset("aisa", "https://api.aisa.one/v1", "AISA_API_KEY"),
        ProviderConfig::preset("openai", "https://api.openai.com/v1", "OPENAI_API_KEY"),
        openrouter,
        ProviderConfig::preset(
            "deepseek",
            "https://api.deepseek.com/v1",
            "DEEPSEEK_API_KEY",
        ),
        ProviderConfig::preset("moonshot", "https://api.moonshot.ai/v1", "MOONSHOT_API_KEY"),
        ProviderConfig::preset(
            "zhipu",
            "https://open.bigmodel.cn/api/paas/v4",
            "ZHIPU_API_KEY",
        ),
        ProviderConfig::preset("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
        ProviderConfig::preset("mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
        ProviderConfig::preset("xai", "https://api.x.ai/v1", "XAI_API_KEY"),
    ]
}

/// A model named as `PROVIDER/MODEL`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelRef {
    pub provider: String,
    /// The id as the provider's API expects it; may itself contain slashes
    /// (`openrouter/anthropic/claude-sonnet-4` is model `anthropic/claude-sonnet-4`).
    pub model: String,
}

impl ModelRef {
    /// Splits at the first slash.
    pub fn parse(s: &str) -> Result<ModelRef, String> {
        match s.split_once('/') {
            Some((p, m)) if !p.is_empty() && !m.is_empty() => Ok(ModelRef {
                provider: p.to_string(),
                model: m.to_string(),
            }),
            _ => Err(format!(
                "`{s}` is not a model reference: write PROVIDER/MODEL, e.g. demo/demo-fast"
            )),
        }
    }
}

impl std::fmt::Display for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_refs_split_at_the_first_slash() {
        let r = ModelRef::parse("openrouter/anthropic/claude-sonnet-4").unwrap();
        assert_eq!(r.provider, "openrouter");
        assert_eq!(r.model, "anthropic/claude-sonnet-4");
        assert_eq!(r.to_string(), "openrouter/anthropic/claude-sonnet-4");
        assert!(ModelRef::parse("gpt-5").is_err());
        assert!(ModelRef::parse("/x").is_err());
        assert!(ModelRef::parse("x/").is_err());
    }

    #[tokio::test]
    async fn key_command_first_line_and_failures() {
        let mut p =
            ProviderConfig::preset("t", "http://127.0.0.1:1/v1", "SWITCHBOARD_TEST_UNSET_VAR");
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
}
