//! Turns a request (of any protocol, read by `dialect.rs`) into a `Plan`: which model,
//! which faults, what text to send and how many tokens of it, and the usage it will report.

use super::answer::{self, Query};
use super::dialect::Inbound;
use super::error::{ApiError, fault_error, model_error};
use super::faults::{FaultStatus, Faults, split_model};
use super::models::{self, TokenCounts};
use super::plan::Plan;
use super::tokens::Tokenized;
use axum::http::HeaderMap;

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

/// Parses and validates a Chat Completions body. `faults` holds the header faults already.
#[cfg(test)]
pub fn plan(body: &[u8], faults: Faults) -> Result<Plan, ApiError> {
    use super::dialect::{chat, json_body};
    plan_inbound(chat(&json_body(body)?)?, faults)
}

/// Plans the answer to a request of any protocol, read into neutral form.
pub fn plan_inbound(req: Inbound, mut faults: Faults) -> Result<Plan, ApiError> {
    let (id, spec) = split_model(&req.model);
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
    if req.messages.is_empty() {
        return Err(ApiError::invalid(
            format!("`{}` must be a non-empty array", req.messages_field),
            Some(req.messages_field),
        ));
    }

    let mut estimates = Vec::with_capacity(req.messages.len());
    let mut question = String::new();
    let mut question_images = 0;
    let mut user_turns = 0;
    let mut images_total = 0;
    for m in &req.messages {
        let chars = m.text.chars().count() as u64 + m.role.len() as u64;
        estimates.push(chars.div_ceil(4) + 4 + m.images * IMAGE_TOKENS);
        images_total += m.images;
        if m.role == "user" {
            user_turns += 1;
            question = m.text.clone();
            question_images = m.images;
        }
    }
    if images_total > 0 && !model.vision {
        return Err(ApiError::invalid(
            format!("The model `{}` does not support image input.", model.id),
            Some(req.messages_field),
        ));
    }
    let prompt = estimates.iter().sum::<u64>() + req.tools_len.div_ceil(4) + 3;
    let prefix: u64 = estimates
        .iter()
        .take(estimates.len().saturating_sub(1))
        .sum();
    let cached = if model.cached_input_usd_per_mtok.is_some() {
        prefix / CACHE_BLOCK * CACHE_BLOCK
    } else {
        0
    };

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
            seed: req.seed,
            temperature: req.temperature,
        })
    };
    let mut content_text = generated.content;
    if faults.tokens.is_none()
        && let Some(cut) = req
            .stop
            .iter()
            .filter_map(|s| content_text.find(s.as_str()))
            .min()
    {
        content_text.truncate(cut);
    }
    let reasoning = Tokenized::new(generated.reasoning);
    let content = Tokenized::new(content_text);
    let wanted = match faults.tokens {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => content.len(),
    };
    let limit = req
        .max_tokens
        .map(|(n, _)| usize::try_from(n).unwrap_or(usize::MAX))
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
        stream: req.stream,
        include_usage: req.include_usage,
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
    use serde_json::Value;

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
