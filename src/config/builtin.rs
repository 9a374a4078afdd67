//! Providers named like a built-in one (a preset, a local server, the demo) take the
//! built-in's settings for every field they leave out.

use super::Config;
use crate::llm::provider::{self, DEMO, ProviderConfig};

/// The built-in provider of that name: the demo provider, a preset or a local server.
pub(super) fn builtin(name: &str) -> Option<ProviderConfig> {
    if name == DEMO {
        return Some(ProviderConfig::demo());
    }
    provider::presets()
        .into_iter()
        .chain(provider::local_presets())
        .find(|p| p.name == name)
}

/// A provider named like a built-in one and written without `protocol` keeps the
/// built-in's protocol (`[[providers]] name = "anthropic"` stays Anthropic): serde alone
/// cannot tell a missing `protocol` from the default one, so the text is asked.
pub(super) fn inherit_protocols(config: &mut Config, text: &str) {
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    let Some(entries) = table.get("providers").and_then(toml::Value::as_array) else {
        return;
    };
    for (p, entry) in config.providers.iter_mut().zip(entries) {
        let given = entry.as_table().is_some_and(|t| t.contains_key("protocol"));
        if let (false, Some(b)) = (given, builtin(&p.name)) {
            p.protocol = b.protocol;
        }
    }
}

pub(super) fn inherit(mut p: ProviderConfig, b: ProviderConfig) -> ProviderConfig {
    p.base_url = p.base_url.or(b.base_url);
    if p.api_key_env.is_none() && p.api_key_cmd.is_none() {
        p.api_key_env = b.api_key_env;
    }
    p.auth = p.auth.or(b.auth);
    for (k, v) in b.base_urls {
        p.base_urls.entry(k).or_insert(v);
    }
    for (k, v) in b.body {
        p.body.entry(k).or_insert(v);
    }
    for (k, v) in b.models {
        p.models.entry(k).or_insert(v);
    }
    p.sandbox_key_prefix = p.sandbox_key_prefix.or(b.sandbox_key_prefix);
    p.price_currency = p.price_currency.or(b.price_currency);
    p.reported_cost_currency = p.reported_cost_currency.or(b.reported_cost_currency);
    p.credit_rate = p.credit_rate.or(b.credit_rate);
    p.account = p.account.or(b.account);
    for (k, v) in b.headers {
        p.headers.entry(k).or_insert(v);
    }
    p
}
