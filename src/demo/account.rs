//! The demo's account endpoints, in Clipia's paths: `GET /v1/key` (the demo key's limit and
//! what it has spent) and `GET /v1/generation?id=ID` (the exact cost of a finished answer,
//! as `data.total_cost`). Every answer the server plans is written in a ledger, per server.
//!
//! Clipia documents `data.total_cost` for `/generation`; it does not document the fields of
//! `/key`, so the demo answers in OpenRouter's form (`limit`, `usage`, `limit_remaining`)
//! and Switchboard shows whatever fields come, as they come.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::json;

use super::error::ApiError;
use super::models::{DemoModel, TokenCounts};

/// The demo key's spending limit, in USD (the demo's prices are in USD).
pub const LIMIT_USD: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// Most answers remembered; older ones are forgotten first.
const KEEP: usize = 1024;

/// One planned answer.
#[derive(Debug, Clone)]
struct Generation {
    id: String,
    model: &'static str,
    counts: TokenCounts,
    cost: Decimal,
}

#[derive(Debug, Default)]
struct Inner {
    generations: VecDeque<Generation>,
    spent: Decimal,
}

/// What the server has billed, shared by its handlers.
#[derive(Debug, Default)]
pub struct Ledger {
    inner: Mutex<Inner>,
}

/// The router's state.
pub type SharedLedger = Arc<Ledger>;

impl Ledger {
    /// Notes an answer with response id suffix `id` (each protocol prefixes it:
    /// `chatcmpl-demo-{id}`).
    pub fn record(&self, id: &str, model: &DemoModel, counts: &TokenCounts) {
        let cost = model.cost(counts);
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.spent += cost;
        if inner.generations.len() >= KEEP {
            inner.generations.pop_front();
        }
        inner.generations.push_back(Generation {
            id: id.to_string(),
            model: model.id,
            counts: *counts,
            cost,
        });
    }

    fn find(&self, id: &str) -> Option<Generation> {
        // The id as any protocol spelled it: the suffix after the last `-` or `_`.
        let suffix = id.rsplit(['-', '_']).next().unwrap_or(id);
        let inner = self.inner.lock().ok()?;
        inner
            .generations
            .iter()
            .rev()
            .find(|g| g.id == id || g.id == suffix)
            .cloned()
    }

    fn spent(&self) -> Decimal {
        self.inner.lock().map(|i| i.spent).unwrap_or_default()
    }
}

/// `GET /v1/key`.
pub async fn key(State(ledger): State<SharedLedger>) -> Response {
    let spent = ledger.spent().normalize();
    let remaining = (LIMIT_USD - spent).max(Decimal::ZERO).normalize();
    let body = json!({
        "data": {
            "label": "demo key",
            "limit": LIMIT_USD.to_string(),
            "usage": spent.to_string(),
            "limit_remaining": remaining.to_string(),
            "is_free_tier": false,
            "rate_limit": {"requests": 6000, "interval": "1m"},
        }
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// `GET /v1/generation?id=ID`.
pub async fn generation(State(ledger): State<SharedLedger>, uri: Uri) -> Response {
    let id = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("id="))
        .map(decode)
        .filter(|i| !i.is_empty());
    let Some(id) = id else {
        return ApiError::invalid("the id query parameter is required", Some("id")).into_response();
    };
    let Some(g) = ledger.find(&id) else {
        let shown: String = id.chars().take(100).collect();
        return ApiError {
            status: StatusCode::NOT_FOUND,
            message: format!("No generation with id {shown}."),
            kind: "invalid_request_error",
            param: Some("id"),
            code: Some("not_found"),
            retry_after: None,
        }
        .into_response();
    };
    let body = json!({
        "data": {
            "id": id,
            "model": g.model,
            "total_cost": g.cost.to_string(),
            "tokens_prompt": g.counts.prompt,
            "tokens_completion": g.counts.completion,
            "native_tokens_cached": g.counts.cached,
            "native_tokens_reasoning": g.counts.reasoning,
        }
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// Undoes percent-encoding (and `+` for a space); bad escapes are kept as they are.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
