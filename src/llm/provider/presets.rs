//! The providers Switchboard knows. Each remote one is enabled by setting its key variable,
//! and every field can be overridden by a `[[providers]]` entry of the same name. Base URLs
//! are as each protocol's official SDK takes them: with `/v1` for the OpenAI protocols, the
//! host alone for Anthropic and Gemini.

use super::ProviderConfig;
use crate::llm::money::Currency;
use crate::llm::protocol::{AuthScheme, Protocol};

/// The remote presets: each enabled when its key variable is set, unless the config already
/// names a provider of the same name.
pub fn presets() -> Vec<ProviderConfig> {
    use Protocol::{Anthropic, Gemini, OpenAiChat, OpenAiResponses};
    let chat =
        |name: &str, base: &str, key: &str| ProviderConfig::new(name, OpenAiChat, base, Some(key));

    // Clipia: Bearer by default; its docs also take `Key` and `X-Api-Key` (`auth = "key"`
    // or `auth = "x-api-key"`). `clipia_test_` keys run in the sandbox.
    let mut clipia = chat("clipia", "https://api.clipia.ai/v1", "CLIPIA_API_KEY");
    clipia.price_currency = Some(Currency::Rub);
    clipia.reported_cost_currency = Some(Currency::Credits);
    clipia.account = Some(crate::llm::account::AccountApi::Clipia);
    clipia.sandbox_key_prefix = Some("clipia_test_".into());

    // AIsa: one Bearer key, four routes; the catalog says which model takes which.
    let mut aisa = chat("aisa", "https://api.aisa.one/v1", "AISA_API_KEY");
    aisa.auth = Some(AuthScheme::Bearer);
    aisa.price_currency = Some(Currency::Usd);
    aisa.base_urls
        .insert(Anthropic, "https://api.aisa.one".into());
    aisa.base_urls
        .insert(OpenAiResponses, "https://api.aisa.one/v1".into());
    aisa.base_urls.insert(Gemini, "https://api.aisa.one".into());

    let mut openai = chat("openai", "https://api.openai.com/v1", "OPENAI_API_KEY");
    openai.price_currency = Some(Currency::Usd);
    openai
        .base_urls
        .insert(OpenAiResponses, "https://api.openai.com/v1".into());

    let mut anthropic = ProviderConfig::new(
        "anthropic",
        Anthropic,
        "https://api.anthropic.com",
        Some("ANTHROPIC_API_KEY"),
    );
    anthropic.price_currency = Some(Currency::Usd);

    let mut gemini = ProviderConfig::new(
        "gemini",
        Gemini,
        "https://generativelanguage.googleapis.com",
        Some("GEMINI_API_KEY"),
    );
    gemini.price_currency = Some(Currency::Usd);

    let mut openrouter = chat(
        "openrouter",
        "https://openrouter.ai/api/v1",
        "OPENROUTER_API_KEY",
    );
    openrouter.price_currency = Some(Currency::Usd);
    openrouter.reported_cost_currency = Some(Currency::Credits);

    let mut groq = chat("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY");
    groq.base_urls
        .insert(OpenAiResponses, "https://api.groq.com/openai/v1".into());

    vec![
        clipia,
        aisa,
        openai,
        anthropic,
        gemini,
        openrouter,
        chat(
            "deepseek",
            "https://api.deepseek.com/v1",
            "DEEPSEEK_API_KEY",
        ),
        chat("moonshot", "https://api.moonshot.ai/v1", "MOONSHOT_API_KEY"),
        chat(
            "zhipu",
            "https://open.bigmodel.cn/api/paas/v4",
            "ZHIPU_API_KEY",
        ),
        groq,
        chat("mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
        chat("xai", "https://api.x.ai/v1", "XAI_API_KEY"),
    ]
}

/// Local OpenAI-compatible servers on their usual ports, with no key. They are never
/// enabled on their own (so no command connects to a local port unasked): only when the
/// config names them or a model reference does (`ollama/llama3.2`).
pub fn local_presets() -> Vec<ProviderConfig> {
    [
        ("ollama", "http://localhost:11434/v1"),
        ("llamacpp", "http://localhost:8080/v1"),
        ("vllm", "http://localhost:8000/v1"),
    ]
    .into_iter()
    .map(|(name, base)| {
        let mut p = ProviderConfig::new(name, Protocol::OpenAiChat, base, None);
        p.auth = Some(AuthScheme::None);
        p
    })
    .collect()
}
