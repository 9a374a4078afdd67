//! Live model lists in each protocol's form, brought to the OpenAI list form that
//! `parse_models_list` reads. Paged lists are followed for at most `MAX_PAGES` pages.

use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::Workbench;
use crate::llm::catalog::{ModelInfo, parse_models_list};
use crate::llm::error::ProviderError;
use crate::llm::http::HttpRequest;
use crate::llm::protocol::{Endpoint, Protocol, anthropic};
use crate::llm::provider::ProviderConfig;
use crate::llm::run;

const MAX_PAGES: usize = 10;

pub(super) async fn fetch(
    bench: &Workbench,
    p: &ProviderConfig,
    endpoint: &Endpoint,
    cancel: &CancellationToken,
) -> Result<Vec<ModelInfo>, ProviderError> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    let mut first_url = None;
    for _ in 0..MAX_PAGES {
        let url = match p.protocol {
            Protocol::OpenAiChat | Protocol::OpenAiResponses => endpoint.url("models"),
            Protocol::Anthropic => {
                let after = next
                    .as_ref()
                    .map_or(String::new(), |n| format!("&after_id={n}"));
                endpoint.url(&format!("v1/models?limit=1000{after}"))
            }
            Protocol::Gemini => {
                let token = next
                    .as_ref()
                    .map_or(String::new(), |n| format!("&pageToken={n}"));
                endpoint.url(&format!("v1beta/models?pageSize=1000{token}"))
            }
        };
        let mut req = HttpRequest::get(url);
        if p.protocol == Protocol::Anthropic && !endpoint.has_header("anthropic-version") {
            req.header("anthropic-version", anthropic::API_VERSION);
        }
        endpoint.apply_headers(&mut req);
        first_url.get_or_insert_with(|| req.redacted().url);
        let body = run::get_text(&bench.client, &req, &bench.timeouts, cancel).await?;
        let v: Value = serde_json::from_str(&body).map_err(|e| ProviderError::Decode {
            message: format!("the model list is not JSON: {e}"),
        })?;
        let (page, more) = match p.protocol {
            Protocol::OpenAiChat | Protocol::OpenAiResponses => (openai_items(&v), None),
            Protocol::Anthropic => anthropic_page(&v),
            Protocol::Gemini => gemini_page(&v),
        };
        items.extend(page);
        match more {
            Some(n) if !n.is_empty() => next = Some(n),
            _ => break,
        }
    }
    let list = json!({ "data": items }).to_string();
    parse_models_list(
        &p.name,
        &list,
        p.price_currency.as_ref(),
        &format!("live GET {}", first_url.unwrap_or_default()),
    )
    .map_err(|message| ProviderError::Decode { message })
}

fn openai_items(v: &Value) -> Vec<Value> {
    v.get("data")
        .or_else(|| v.get("models"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Anthropic: `{data:[{id, display_name, max_input_tokens?, max_tokens?}], has_more, last_id}`.
fn anthropic_page(v: &Value) -> (Vec<Value>, Option<String>) {
    let items = openai_items(v)
        .into_iter()
        .map(|item| {
            let mut m = item.as_object().cloned().unwrap_or_default();
            copy(&mut m, "display_name", "name");
            copy(&mut m, "max_input_tokens", "context_window");
            copy(&mut m, "max_tokens", "max_output");
            Value::Object(m)
        })
        .collect();
    let more = (v.get("has_more").and_then(Value::as_bool) == Some(true))
        .then(|| v.get("last_id").and_then(Value::as_str).map(str::to_string))
        .flatten();
    (items, more)
}

/// Gemini: `{models:[{name:"models/…", displayName, inputTokenLimit, outputTokenLimit,
/// supportedGenerationMethods}], nextPageToken}`; only models that generate content.
fn gemini_page(v: &Value) -> (Vec<Value>, Option<String>) {
    let items = v
        .get("models")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|m| {
            m.get("supportedGenerationMethods")
                .and_then(Value::as_array)
                .is_none_or(|ms| ms.iter().any(|x| x == "generateContent"))
        })
        .filter_map(|m| {
            let name = m.get("name").and_then(Value::as_str)?;
            let mut out = m.as_object().cloned().unwrap_or_default();
            out.insert(
                "id".into(),
                json!(name.strip_prefix("models/").unwrap_or(name)),
            );
            out.remove("name");
            copy(&mut out, "displayName", "name");
            copy(&mut out, "inputTokenLimit", "context_window");
            copy(&mut out, "outputTokenLimit", "max_output");
            Some(Value::Object(out))
        })
        .collect();
    let more = v
        .get("nextPageToken")
        .and_then(Value::as_str)
        .map(str::to_string);
    (items, more)
}

fn copy(m: &mut Map<String, Value>, from: &str, to: &str) {
    if !m.contains_key(to)
        && let Some(v) = m.get(from).cloned()
    {
        m.insert(to.into(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemini_list_keeps_chat_models_and_strips_the_prefix() {
        let v = json!({"models": [
            {"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash",
             "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
             "supportedGenerationMethods": ["generateContent", "countTokens"]},
            {"name": "models/imagen-4", "supportedGenerationMethods": ["predict"]}
        ], "nextPageToken": "abc"});
        let (items, more) = gemini_page(&v);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], "gemini-2.5-flash");
        assert_eq!(items[0]["name"], "Gemini 2.5 Flash");
        assert_eq!(items[0]["context_window"], 1048576);
        assert_eq!(more.as_deref(), Some("abc"));
    }

    #[test]
    fn anthropic_list_pages_by_last_id() {
        let v = json!({"data": [{"type": "model", "id": "claude-x", "display_name": "Claude X"}],
                       "has_more": true, "last_id": "claude-x"});
        let (items, more) = anthropic_page(&v);
        assert_eq!(items[0]["name"], "Claude X");
        assert_eq!(more.as_deref(), Some("claude-x"));
    }
}
