//! Models and what is known of them: context, capabilities, prices, and where each came from.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::money::{Currency, Price};

/// What a model can do, where known (`None` = not known).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub reasoning: Option<bool>,
    pub tools: Option<bool>,
    pub vision: Option<bool>,
}

/// One model of one provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub provider: String,
    /// The id as the API expects it.
    pub id: String,
    pub name: Option<String>,
    pub context_window: Option<u64>,
    pub max_output: Option<u64>,
    pub capabilities: Capabilities,
    pub price: Option<Price>,
    /// Where these figures came from (`live GET /v1/models`, a seed file, ...).
    pub source: String,
}

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
            vision: inputs.map(|i| i.contains(&"image")),
        };
        out.push(ModelInfo {
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
                .and_then(|p| price_per_token(p, price_currency)),
            source: source.to_string(),
        });
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
    };
    (price.input_per_mtok.is_some() || price.output_per_mtok.is_some()).then_some(price)
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
        // A model without figures has unknown price and capabilities, not zero/false.
        assert_eq!(models[1].price, None);
        assert_eq!(models[1].capabilities, Capabilities::default());
    }
}
