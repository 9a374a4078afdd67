//! Providers' live model lists, in each list form there is: the OpenAI form (with the
//! Clipia/OpenRouter additions), Anthropic's and Gemini's.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::{Capabilities, ModelInfo, Origin, Source};
use crate::llm::money::{Currency, Price};
use crate::llm::protocol::Protocol;

/// Parses a provider's `GET /models` answer: the plain OpenAI form (`{"data":[{"id"}]}`) and
/// the Clipia/OpenRouter form with `context_length`, per-token `pricing` strings and
/// `supported_parameters`. `price_currency` is the currency of those prices, which the
/// list itself does not state.
pub fn parse_models_list(
    provider: &str,
    body: &str,
    price_currency: Option<&Currency>,
    source: &str,
) -> Result<Vec<ModelInfo>, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let items = v
        .get("data")
        .or_else(|| v.get("models"))
        .and_then(Value::as_array)
        .ok_or("no `data` array in the model list")?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(id) = item.get("id").and_then(Value::as_str) else {
            continue;
        };
        let params: Vec<&str> = item
            .get("supported_parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let has_params = item.get("supported_parameters").is_some();
        let inputs: Option<Vec<&str>> = item
            .pointer("/architecture/input_modalities")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let capabilities = Capabilities {
            reasoning: has_params.then(|| {
                params
                    .iter()
                    .any(|p| matches!(*p, "reasoning" | "include_reasoning" | "reasoning_effort"))
            }),
            tools: has_params.then(|| params.contains(&"tools")),
            structured_output: has_params.then(|| {
                params
                    .iter()
                    .any(|p| matches!(*p, "response_format" | "structured_outputs"))
            }),
            vision: inputs.as_ref().map(|i| i.contains(&"image")),
            audio_input: inputs.as_ref().map(|i| i.contains(&"audio")),
            ..Capabilities::default()
        };
        out.push(
            ModelInfo {
                provider: provider.to_string(),
                id: id.to_string(),
                name: item.get("name").and_then(Value::as_str).map(str::to_string),
                context_window: item
                    .get("context_length")
                    .or_else(|| item.get("context_window"))
                    .and_then(Value::as_u64),
                max_output: item
                    .pointer("/top_provider/max_completion_tokens")
                    .or_else(|| item.get("max_output"))
                    .and_then(Value::as_u64),
                capabilities,
                price: item
                    .get("pricing")
                    .and_then(|p| price_per_token(p, price_currency))
                    .map(|p| Price {
                        source: Some(source.to_string()),
                        ..p
                    }),
                source: source.to_string(),
                supported_parameters: has_params
                    .then(|| params.iter().map(|p| p.to_string()).collect()),
                ..ModelInfo::default()
            }
            .with_live_sources(source),
        );
    }
    Ok(out)
}

/// Converts per-token price strings to per-million prices, exactly.
fn price_per_token(p: &Value, currency: Option<&Currency>) -> Option<Price> {
    let per_mtok = |key: &str| -> Option<Decimal> {
        let text = match p.get(key)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let d = Decimal::from_str(text.trim())
            .or_else(|_| Decimal::from_scientific(text.trim()))
            .ok()?;
        // OpenRouter uses "-1" for "varies": unknown, not a price.
        (d >= Decimal::ZERO).then(|| (d * Decimal::from(1_000_000)).normalize())
    };
    let price = Price {
        currency: currency.cloned(),
        input_per_mtok: per_mtok("prompt"),
        output_per_mtok: per_mtok("completion"),
        cached_input_per_mtok: per_mtok("input_cache_read"),
        cache_write_per_mtok: per_mtok("input_cache_write"),
        per_request: p
            .get("request")
            .and_then(|v| v.as_str())
            .and_then(|s| Decimal::from_str(s).ok())
            .filter(|d| *d > Decimal::ZERO),
        ..Price::default()
    };
    (price.input_per_mtok.is_some() || price.output_per_mtok.is_some()).then_some(price)
}

/// One page of a paged model list, and where the next page starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListPage {
    pub models: Vec<ModelInfo>,
    /// Anthropic's `last_id` when `has_more`, Gemini's `nextPageToken`.
    pub next: Option<String>,
}

/// Parses Anthropic's `GET /v1/models`: `data[].{id, display_name, created_at}`, paged by
/// `has_more` and `last_id` (newer answers add `max_input_tokens` and `max_tokens`).
pub fn parse_anthropic_list(provider: &str, body: &str, source: &str) -> Result<ListPage, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let items = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no `data` array in the model list")?;
    let models = items
        .iter()
        .filter_map(|item| {
            let id = item.get("id").and_then(Value::as_str)?;
            Some(
                ModelInfo {
                    provider: provider.to_string(),
                    id: id.to_string(),
                    name: item
                        .get("display_name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    context_window: item.get("max_input_tokens").and_then(Value::as_u64),
                    max_output: item.get("max_tokens").and_then(Value::as_u64),
                    source: source.to_string(),
                    protocols: vec![Protocol::Anthropic],
                    ..ModelInfo::default()
                }
                .with_live_sources(source),
            )
        })
        .collect();
    let more = v.get("has_more").and_then(Value::as_bool).unwrap_or(false);
    let next = more
        .then(|| v.get("last_id").and_then(Value::as_str).map(str::to_string))
        .flatten();
    Ok(ListPage { models, next })
}

/// Parses Gemini's `GET /v1beta/models`: `models[].name` (`models/gemini-2.5-pro`),
/// `displayName`, `inputTokenLimit`, `outputTokenLimit`, `supportedGenerationMethods` and
/// `thinking`, paged by `nextPageToken`. A model without `generateContent` (Imagen's
/// `predict`, Veo's `predictLongRunning`) keeps its methods as `endpoints` and no protocol.
pub fn parse_gemini_list(provider: &str, body: &str, source: &str) -> Result<ListPage, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let items = v
        .get("models")
        .and_then(Value::as_array)
        .ok_or("no `models` array in the model list")?;
    let models = items
        .iter()
        .filter_map(|item| {
            let name = item.get("name").and_then(Value::as_str)?;
            let id = name.strip_prefix("models/").unwrap_or(name);
            let methods: Vec<String> = item
                .get("supportedGenerationMethods")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let chat = methods.iter().any(|m| m == "generateContent");
            let capabilities = Capabilities {
                // `thinking: true` says it thinks; its absence says nothing.
                reasoning: item.get("thinking").and_then(Value::as_bool).filter(|t| *t),
                ..Capabilities::default()
            };
            Some(
                ModelInfo {
                    provider: provider.to_string(),
                    id: id.to_string(),
                    name: item
                        .get("displayName")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    context_window: item.get("inputTokenLimit").and_then(Value::as_u64),
                    max_output: item.get("outputTokenLimit").and_then(Value::as_u64),
                    capabilities,
                    source: source.to_string(),
                    protocols: if chat {
                        vec![Protocol::Gemini]
                    } else {
                        Vec::new()
                    },
                    endpoints: methods,
                    ..ModelInfo::default()
                }
                .with_live_sources(source),
            )
        })
        .collect();
    let next = v
        .get("nextPageToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Ok(ListPage { models, next })
}

impl ModelInfo {
    /// Marks every field this live entry knows as coming from `source` (fetch time unset;
    /// `stamp_fetched` sets it).
    pub(super) fn with_live_sources(mut self, source: &str) -> Self {
        let src = Source {
            origin: Origin::Live,
            detail: source.to_string(),
            fetched_at: None,
        };
        let known = [
            ("name", self.name.is_some()),
            ("context_window", self.context_window.is_some()),
            ("max_output", self.max_output.is_some()),
            ("capabilities", self.capabilities != Capabilities::default()),
            ("price", self.price.is_some()),
            ("protocols", !self.protocols.is_empty()),
            ("supported_parameters", self.supported_parameters.is_some()),
        ];
        for (field, present) in known {
            if present {
                self.sources.insert(field.to_string(), src.clone());
            }
        }
        self
    }

    /// Sets the fetch time (unix seconds) on every live source of this entry.
    pub fn stamp_fetched(&mut self, unix_secs: u64) {
        for s in self.sources.values_mut() {
            if s.origin == Origin::Live {
                s.fetched_at = Some(unix_secs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipia_form_is_exact_per_million() {
        let body = r#"{"object":"list","data":[{"id":"claude-opus-4-8","name":"Claude Opus 4.8",
          "context_length":200000,"architecture":{"input_modalities":["text","image"]},
          "pricing":{"prompt":"0.0004","completion":"0.002"},
          "supported_parameters":["tools","temperature"]},{"id":"bare"}]}"#;
        let models = parse_models_list("clipia", body, Some(&Currency::Rub), "live").unwrap();
        let m = &models[0];
        assert_eq!(m.context_window, Some(200_000));
        let price = m.price.as_ref().unwrap();
        assert_eq!(price.input_per_mtok, Some(Decimal::from(400)));
        assert_eq!(price.output_per_mtok, Some(Decimal::from(2000)));
        assert_eq!(price.currency, Some(Currency::Rub));
        assert_eq!(m.capabilities.tools, Some(true));
        assert_eq!(m.capabilities.reasoning, Some(false));
        assert_eq!(m.capabilities.vision, Some(true));
        assert_eq!(
            m.supported_parameters.as_deref(),
            Some(&["tools".to_string(), "temperature".to_string()][..])
        );
        assert_eq!(models[1].supported_parameters, None);
        // A model without figures has unknown price and capabilities, not zero/false.
        assert_eq!(models[1].price, None);
        assert_eq!(models[1].capabilities, Capabilities::default());
    }
}
