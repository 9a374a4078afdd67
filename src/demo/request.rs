//! Turns a `/v1/chat/completions` request into a `Plan`: which model, which faults, what
//! text to send and how many tokens of it, and the usage it will report.

use super::answer::{self, Query};
use super::error::{ApiError, fault_error, model_error};
use super::faults::{FaultStatus, Faults, split_model};
use super::models::{self, TokenCounts};
use super::plan::Plan;
use super::tokens::Tokenized;
use axum::http::HeaderMap;
use serde_json::Value;

/// Tokens an image part adds to the prompt estimate.
const IMAGE_TOKENS: u64 = 85;
/// Cached prompt tokens are reported in blocks of this size.
const CACHE_BLOCK: u64 = 32;

/// The faults in the `x-demo-fault` header.
pub fn header_faults(headers: &HeaderMap) -> Result<Faults, ApiError> {
    let mut faults = Faults::default();
    for value in headers.get_all("x-demo-fault") {
        let text = value
            .to_str()
            .map_err(|_| ApiError::invalid("x-demo-fault must be ASCII", None))?;
        faults.apply(text).map_err(|m| ApiError::invalid(m, None))?;
    }
    Ok(faults)
}

/// Text of a message `content` (string or parts) and its number of image parts.
fn content_of(content: Option<&Value>) -> (String, u64) {
    match content {
        Some(Value::String(s)) => (s.clone(), 0),
        Some(Value::Array(parts)) => {
            let mut text = String::new();
            let mut images = 0;
            for part in parts {
                match part.get("type").and_then(Value::as_str) {
                    Some("text") | Some("input_text") => {
                        if let Some(t) = part.get("text").and_then(Value::as_str) {
                            if !text.is_empty() {
                                text.push('\n');
                            }
                            text.push_str(t);
                        }
                    }
                    Some("image_url") | Some("input_image") => images += 1,
                    _ => {}
                }
            }
            (text, images)
        }
        _ => (String::new(), 0),
    }
}

fn positive(body: &Value, key: &'static str) -> Result<Option<u64>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Ok(Some(n)),
            _ => Err(ApiError::invalid(
                format!("`{key}` must be an integer of at least 1"),
                Some(key),
            )),
        },
    }
}

fn stop_strings(body: &Value) -> Vec<&str> {
    match body.get("stop") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).take(4).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

/// Parses and validates a request body. `faults` holds the header faults already.
pub fn plan(body: &[u8], mut faults: Faults) -> Result<Plan, ApiError> {
    let body: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(
            format!("We could not parse the JSON body of your request: {e}"),
            None,
        )
    })?;
    if !body.is_object() {
        return Err(ApiError::invalid(
            "The request body must be a JSON object.",
            None,
        ));
    }
    let Some(full_model) = body.get("model").and_then(Value::as_str) else {
        return Err(ApiError::invalid(
            "you must provide a model parameter",
            Some("model"),
        ));
    };
    let (id, spec) = split_model(full_model);
    faults
        .apply(spec)
        .map_err(|m| ApiError::invalid(m, Some("model")))?;
    if faults.status == Some(FaultStatus::Unauthorized) {
        return Err(fault_error(FaultStatus::Unauthorized));
    }
    let model = models::find(id).ok_or_else(|| model_error(id))?;
    if let Some(status) = faults.status {
        return Err(fault_error(status));
    }
    let Some(messages) = body
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
    else {
        return Err(ApiError::invalid(
            "`messages` must be a non-empty array",
            Some("messages"),
        ));
    };

    let mut estimates = Vec::with_capacity(messages.len());
    let mut question = String::new();
    let mut question_images = 0;
    let mut user_turns = 0;
    let mut images_total = 0;
    for m in messages {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        let (text, images) = content_of(m.get("content"));
        let chars = text.chars().count() as u64 + role.len() as u64;
        estimates.push(chars.div_ceil(4) + 4 + images * IMAGE_TOKENS);
        images_total += images;
        if role == "user" {
            user_turns += 1;
            question = text;
            question_images = images;
        }
    }
    if images_total > 0 && !model.vision {
        return Err(ApiError::invalid(
            format!("The model `{}` does not support image input.", model.id),
            Some("messages"),
        ));
    }
    let tools = body
        .get("tools")
        .map(|t| t.to_string().len() as u64)
        .unwrap_or(0);
    let prompt = estimates.iter().sum::<u64>() + tools.div_ceil(4) + 3;
    let prefix: u64 = estimates
        .iter()
        .take(estimates.len().saturating_sub(1))
        .sum();
    let cached = if model.cached_input_usd_per_mtok.is_some() {
        prefix / CACHE_BLOCK * CACHE_BLOCK
    } else {
        0
    };

    let max_tokens = match positive(&body, "max_completion_tokens")? {
        Some(n) => Some(n),
        None => positive(&body, "max_tokens")?,
    };
    let seed = body
        .get("seed")
        .and_then(|s| s.as_u64().or_else(|| s.as_i64().map(|i| i as u64)))
        .unwrap_or(0);
    let temperature = body.get("temperature").and_then(Value::as_f64);
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let include_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || body
            .pointer("/usage/include")
            .and_then(Value::as_bool)
            .unwrap_or(false);

    let generated = if faults.echo {
        answer::Answer {
            reasoning: String::new(),
            content: question.clone(),
        }
    } else {
        answer::answer(&Query {
            model,
            question: &question,
            user_turns,
            images: question_images as usize,
            seed,
            temperature,
        })
    };
    let mut content_text = generated.content;
    if faults.tokens.is_none() {
        let stops = stop_strings(&body);
        if let Some(cut) = stops.iter().filter_map(|s| content_text.find(s)).min() {
            content_text.truncate(cut);
        }
    }
    let reasoning = Tokenized::new(generated.reasoning);
    let content = Tokenized::new(content_text);
    let wanted = match faults.tokens {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => content.len(),
    };
    let limit = max_tokens
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .unwrap_or(usize::MAX);
    let reasoning_sent = reasoning.len().min(limit);
    let content_sent = wanted.min(limit - reasoning_sent);
    let finish_reason = if reasoning_sent < reasoning.len() || content_sent < wanted {
        "length"
    } else {
        "stop"
    };
    let counts = TokenCounts {
        prompt,
        cached,
        completion: (reasoning_sent + content_sent) as u64,
        reasoning: reasoning_sent as u64,
    };
    Ok(Plan {
        model,
        faults,
        stream,
        include_usage,
        reasoning,
        content,
        reasoning_sent,
        content_sent,
        finish_reason,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::tokens;

    fn body(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).expect("json")
    }

    fn msgs(text: &str) -> Value {
        serde_json::json!([{"role": "user", "content": text}])
    }

    #[test]
    fn counts_match_tokens() {
        for model in ["demo-fast", "demo-flagship", "demo-reasoner", "demo-coder"] {
            let p = plan(&body(serde_json::json!({"model": model, "messages": msgs("How much does streaming cost?")})), Faults::default())
                .expect("plan");
            assert_eq!(p.counts.completion as usize, p.total());
            assert_eq!(p.finish_reason, "stop");
            assert_eq!(p.content_sent, p.content.len());
            assert_eq!(p.counts.reasoning > 0, model == "demo-reasoner");
            let joined: String = (0..p.total())
                .filter(|&i| !p.token(i).0)
                .map(|i| p.token(i).1)
                .collect();
            assert_eq!(joined, p.content_text());
        }
    }

    #[test]
    fn limits_and_faults() {
        let b = body(
            serde_json::json!({"model": "demo-reasoner+echo", "messages": msgs("say this back"), "max_tokens": 2}),
        );
        let p = plan(&b, Faults::default()).expect("plan");
        assert_eq!(p.content_text(), "say this");
        assert_eq!(p.finish_reason, "length");
        let b = body(
            serde_json::json!({"model": "demo-reasoner", "messages": msgs("hi"), "max_completion_tokens": 3}),
        );
        let p = plan(&b, Faults::default()).expect("plan");
        assert_eq!(
            (p.reasoning_sent, p.content_sent, p.finish_reason),
            (3, 0, "length")
        );
        let b = body(
            serde_json::json!({"model": "demo-fast+tokens=5000+delay=0", "messages": msgs("go")}),
        );
        let p = plan(&b, Faults::default()).expect("plan");
        assert_eq!(p.total(), 5000);
        assert_eq!(p.counts.completion, 5000);
        assert_eq!(p.finish_reason, "stop");
        assert_eq!(tokens::count(&p.content_text()), 5000);
        let b = body(
            serde_json::json!({"model": "demo-fast+echo", "messages": msgs("one, two"), "stop": [","]}),
        );
        assert_eq!(
            plan(&b, Faults::default()).expect("plan").content_text(),
            "one"
        );
    }

    #[test]
    fn rejects() {
        let status = |b: &[u8]| plan(b, Faults::default()).err().map(|e| e.status.as_u16());
        assert_eq!(status(b"{not json"), Some(400));
        assert_eq!(status(b"[]"), Some(400));
        assert_eq!(
            status(&body(serde_json::json!({"messages": msgs("x")}))),
            Some(400)
        );
        assert_eq!(
            status(&body(
                serde_json::json!({"model": "demo-fast", "messages": []})
            )),
            Some(400)
        );
        assert_eq!(
            status(&body(
                serde_json::json!({"model": "nope", "messages": msgs("x")})
            )),
            Some(404)
        );
        assert_eq!(
            status(&body(
                serde_json::json!({"model": "demo-fast+boom", "messages": msgs("x")})
            )),
            Some(400)
        );
        assert_eq!(
            status(&body(
                serde_json::json!({"model": "demo-fast+429", "messages": msgs("x")})
            )),
            Some(429)
        );
        assert_eq!(
            status(&body(
                serde_json::json!({"model": "nope+401", "messages": msgs("x")})
            )),
            Some(401)
        );
        assert_eq!(
            status(&body(
                serde_json::json!({"model": "demo-fast", "messages": msgs("x"), "max_tokens": 0})
            )),
            Some(400)
        );
        let image = serde_json::json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]);
        assert_eq!(
            status(&body(
                serde_json::json!({"model": "demo-fast", "messages": image})
            )),
            Some(400)
        );
        assert_eq!(
            status(&body(
                serde_json::json!({"model": "demo-flagship", "messages": image})
            )),
            None
        );
    }

    #[test]
    fn caching_in_multi_turn() {
        let long = "word ".repeat(100);
        let m = serde_json::json!([
            {"role": "system", "content": long},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": null},
            {"role": "user", "content": "second"}
        ]);
        let p = plan(
            &body(serde_json::json!({"model": "demo-flagship", "messages": m})),
            Faults::default(),
        )
        .expect("plan");
        assert!(p.counts.cached > 0 && p.counts.cached < p.counts.prompt);
        assert_eq!(p.counts.cached % CACHE_BLOCK, 0);
        let p = plan(
            &body(serde_json::json!({"model": "demo-coder", "messages": m})),
            Faults::default(),
        )
        .expect("plan");
        assert_eq!(p.counts.cached, 0);
    }
}
