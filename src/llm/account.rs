//! A gateway's account endpoints, for the providers whose config says `account = "clipia"`
//! (the `clipia` preset does): `GET {base}/key`, the key's balance and limits, and
//! `GET {base}/generation?id=ID`, the exact cost of a finished request.
//!
//! What the sources say (`../shared/seeds/000_…`, `001_…`; `research/wire-protocols.md`):
//! "the exact cost of an already-completed request is returned by GET /v1/generation", as
//! `data.total_cost`, in the unit of `usage.cost` (credits). The response of `GET /v1/key` is
//! not documented there, so it is not interpreted: its scalar fields are kept as they came
//! (name and value, nested objects flattened to `a.b`), and the meter shows them as such.
//! Nothing that carries the key is kept unmasked.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::error::ProviderError;
use super::http::{Exchange, HttpRequest, mask_secret};
use super::money::{Currency, Money};
use super::protocol::Endpoint;
use super::provider::ProviderConfig;
use super::run::{self, Timeouts};

/// Which account endpoints a provider has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountApi {
    /// Clipia's `GET /v1/key` and `GET /v1/generation?id=` (relative to the OpenAI base).
    Clipia,
}

/// Most fields kept from a `/key` answer.
const MAX_FIELDS: usize = 16;

/// What `GET /v1/key` said, field by field, as received (the format is not documented).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// `(name, value)` in the order they came; nested objects as `outer.inner`.
    pub fields: Vec<(String, String)>,
}

impl KeyInfo {
    /// The value of `name`, if the answer had it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET {base}/key` with the provider's auth.
pub fn key_request(endpoint: &Endpoint) -> HttpRequest {
    let mut req = HttpRequest::get(endpoint.url("key"));
    endpoint.apply_headers(&mut req);
    req
}

/// `GET {base}/generation?id=ID` with the provider's auth.
pub fn generation_request(endpoint: &Endpoint, id: &str) -> HttpRequest {
    let mut req = HttpRequest::get(format!("{}?id={}", endpoint.url("generation"), encode(id)));
    endpoint.apply_headers(&mut req);
    req
}

/// Reads a `/key` answer: the `data` object when there is one, else the whole object. Any
/// value holding `key` (the key the request was sent with) is masked, and so is every field
/// whose name says it is a key.
pub fn parse_key(body: &str, key: Option<&str>) -> Result<KeyInfo, String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| format!("the /key answer is not JSON: {e}"))?;
    let obj = v.get("data").filter(|d| d.is_object()).unwrap_or(&v);
    let Some(map) = obj.as_object() else {
        return Err("the /key answer is not a JSON object".into());
    };
    let mut fields = Vec::new();
    flatten("", map, &mut fields);
    fields.truncate(MAX_FIELDS);
    for (name, value) in &mut fields {
        if let Some(k) = key.filter(|k| !k.is_empty() && value.contains(*k)) {
            *value = value.replace(k, &mask_secret(k));
        } else if name.to_ascii_lowercase().ends_with("key") {
            *value = mask_secret(value);
        }
    }
    Ok(KeyInfo { fields })
}

fn flatten(prefix: &str, map: &serde_json::Map<String, Value>, out: &mut Vec<(String, String)>) {
    for (k, v) in map {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) if prefix.is_empty() => flatten(&name, inner, out),
            Value::Object(_) | Value::Array(_) => {}
            Value::Null => out.push((name, "null".into())),
            Value::String(s) => out.push((name, s.clone())),
            other => out.push((name, other.to_string())),
        }
    }
}

/// Reads a `/generation` answer: `data.total_cost`, in `currency` (the unit the provider
/// reports `usage.cost` in).
pub fn parse_generation(body: &str, currency: &Currency) -> Result<Money, String> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| format!("the /generation answer is not JSON: {e}"))?;
    let cost = v
        .pointer("/data/total_cost")
        .ok_or("the /generation answer has no data.total_cost")?;
    let text = match cost {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err("data.total_cost is not a number".into()),
    };
    let amount = Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("data.total_cost `{text}` is not a number"))?;
    Ok(Money::new(amount.normalize(), currency.clone()))
}

/// The id the provider gave a finished request (`chatcmpl-…`): the `id` of the first
/// streamed frame that has one, else of the body.
pub fn generation_id(exchange: &Exchange) -> Option<String> {
    let id_of = |text: &str| {
        serde_json::from_str::<Value>(text)
            .ok()?
            .get("id")?
            .as_str()
            .map(str::to_string)
    };
    exchange
        .frames
        .iter()
        .take(8)
        .find_map(|f| id_of(&f.data))
        .or_else(|| exchange.body.as_deref().and_then(id_of))
}

/// Asks `provider` (at `base_url`, its OpenAI-form base) for its key's balance and limits.
pub async fn fetch_key(
    client: &reqwest::Client,
    timeouts: &Timeouts,
    provider: &ProviderConfig,
    base_url: &str,
    cancel: &CancellationToken,
) -> Result<KeyInfo, ProviderError> {
    let endpoint = provider.endpoint(Some(base_url)).await?;
    let body = run::get_text(client, &key_request(&endpoint), timeouts, cancel).await?;
    let key = endpoint.key.as_ref().map(|k| k.expose());
    parse_key(&body, key).map_err(|message| ProviderError::Decode { message })
}

/// Asks `provider` for the exact cost of the finished request `id`.
pub async fn fetch_generation(
    client: &reqwest::Client,
    timeouts: &Timeouts,
    provider: &ProviderConfig,
    base_url: &str,
    id: &str,
    cancel: &CancellationToken,
) -> Result<Money, ProviderError> {
    let endpoint = provider.endpoint(Some(base_url)).await?;
    let req = generation_request(&endpoint, id);
    let body = run::get_text(client, &req, timeouts, cancel).await?;
    let currency = provider
        .reported_cost_currency
        .clone()
        .unwrap_or(Currency::Credits);
    parse_generation(&body, &currency).map_err(|message| ProviderError::Decode { message })
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::http::Frame;
    use crate::llm::protocol::{ApiKey, AuthScheme};

    const KEY: &str = "clipia_live_fake-0123456789abcdef7f3a";

    fn endpoint() -> Endpoint {
        Endpoint {
            base_url: "https://api.clipia.ai/v1".into(),
            auth: AuthScheme::Bearer,
            key: Some(ApiKey::new(KEY)),
            headers: Vec::new(),
        }
    }

    #[test]
    fn requests_are_relative_to_the_openai_base_and_masked_when_shown() {
        let k = key_request(&endpoint());
        assert_eq!(k.url, "https://api.clipia.ai/v1/key");
        assert_eq!(
            k.redacted().header_value("Authorization"),
            Some("Bearer clip…7f3a")
        );
        let g = generation_request(&endpoint(), "chatcmpl-a b");
        assert_eq!(
            g.url,
            "https://api.clipia.ai/v1/generation?id=chatcmpl-a%20b"
        );
        assert!(!serde_json::to_string(&g.redacted()).unwrap().contains(KEY));
    }

    #[test]
    fn generation_cost_is_data_total_cost_in_the_reported_unit() {
        let body = r#"{"data":{"id":"chatcmpl-1","total_cost":0.05,"model":"gpt-5.5"}}"#;
        let m = parse_generation(body, &Currency::Credits).unwrap();
        assert_eq!(m, Money::new(Decimal::new(5, 2), Currency::Credits));
        let s = parse_generation(r#"{"data":{"total_cost":"1.25"}}"#, &Currency::Rub).unwrap();
        assert_eq!(s.to_string(), "1.25 RUB");
        let e = parse_generation(r#"{"data":{"total_cost":1e-5}}"#, &Currency::Usd).unwrap();
        assert_eq!(e.amount, Decimal::new(1, 5));
        assert!(parse_generation(r#"{"data":{}}"#, &Currency::Usd).is_err());
        assert!(parse_generation("<html>", &Currency::Usd).is_err());
    }

    #[test]
    fn key_fields_are_kept_as_received_with_the_key_masked() {
        let body = format!(
            r#"{{"data":{{"label":"{KEY}","limit":100,"usage":12.5,"limit_remaining":87.5,
                "api_key":"short","rate_limit":{{"requests":60,"interval":"1m"}},"tags":[1]}}}}"#
        );
        let info = parse_key(&body, Some(KEY)).unwrap();
        assert_eq!(info.get("label"), Some("clip…7f3a"));
        assert_eq!(info.get("api_key"), Some("***"));
        assert_eq!(info.get("limit_remaining"), Some("87.5"));
        assert_eq!(info.get("rate_limit.requests"), Some("60"));
        assert_eq!(info.get("tags"), None);
        assert!(!format!("{info:?}").contains(KEY));
        // No `data` wrapper: the top level is read.
        let flat = parse_key(r#"{"balance":"42.00"}"#, None).unwrap();
        assert_eq!(flat.get("balance"), Some("42.00"));
        assert!(parse_key("[1]", None).is_err());
    }

    #[test]
    fn the_generation_id_comes_from_the_first_frame_or_the_body() {
        let mut ex = Exchange::new(HttpRequest::get("http://127.0.0.1/v1/x"), 0);
        assert_eq!(generation_id(&ex), None);
        ex.body = Some(r#"{"id":"chatcmpl-body","choices":[]}"#.into());
        assert_eq!(generation_id(&ex).as_deref(), Some("chatcmpl-body"));
        ex.frames.push(Frame {
            offset_us: 1,
            event: None,
            data: r#"{"id":"chatcmpl-9","choices":[]}"#.into(),
        });
        assert_eq!(generation_id(&ex).as_deref(), Some("chatcmpl-9"));
    }
}
