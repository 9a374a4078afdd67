//! The axum routes: one address, four protocols. `POST /v1/chat/completions`,
//! `POST /v1/messages` (Anthropic), `POST /v1/responses` (OpenAI Responses),
//! `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` and `:generateContent`
//! (Gemini), `GET /v1/models[/{id}]`, `GET /v1beta/models`, and each protocol's error
//! envelope for everything that goes wrong.

use super::account::{self, SharedLedger};
use super::dialect::{self, Dialect};
use super::error::{ApiError, fault_error, model_error};
use super::models::{self, CREATED, DemoModel};
use super::request::{header_faults, plan_inbound};
use super::stream;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// The demo provider's routes.
pub fn router() -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/messages", post(messages))
        .route("/v1/responses", post(responses))
        .route("/v1beta/models/{spec}", post(gemini).get(gemini_model))
        .route("/v1beta/models", get(gemini_models))
        .route("/v1/models", get(list_models))
        .route("/v1/models/{id}", get(one_model))
        .route("/v1/key", get(account::key))
        .route("/v1/generation", get(account::generation))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(SharedLedger::default())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fresh response id suffix, unique within the process; each protocol adds its prefix.
fn next_id(created: u64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{created:x}{n:06x}")
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn chat(State(l): State<SharedLedger>, headers: HeaderMap, body: Body) -> Response {
    answer(&l, Dialect::Chat, headers, body, None).await
}

async fn messages(State(l): State<SharedLedger>, headers: HeaderMap, body: Body) -> Response {
    answer(&l, Dialect::Messages, headers, body, None).await
}

async fn responses(State(l): State<SharedLedger>, headers: HeaderMap, body: Body) -> Response {
    answer(&l, Dialect::Responses, headers, body, None).await
}

/// `{model}:streamGenerateContent` (SSE with `alt=sse`, else one JSON array) or
/// `{model}:generateContent`.
async fn gemini(
    State(l): State<SharedLedger>,
    Path(spec): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some((model, method)) = spec.rsplit_once(':') else {
        return gemini_not_found(&spec);
    };
    let sse = uri
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "alt=sse"));
    let mode = match method {
        "streamGenerateContent" if sse => GeminiMode::Sse,
        "streamGenerateContent" => GeminiMode::Array,
        "generateContent" => GeminiMode::Unary,
        _ => return gemini_not_found(&spec),
    };
    answer(
        &l,
        Dialect::Gemini,
        headers,
        body,
        Some((model.to_string(), mode)),
    )
    .await
}

/// How a Gemini request wants its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GeminiMode {
    Sse,
    Array,
    Unary,
}

fn gemini_not_found(spec: &str) -> Response {
    let shown: String = spec.chars().take(100).collect();
    ApiError {
        status: StatusCode::NOT_FOUND,
        message: format!(
            "models/{shown} is not found: use {{model}}:streamGenerateContent or {{model}}:generateContent"
        ),
        kind: "not_found",
        param: None,
        code: None,
        retry_after: None,
    }
    .response(Dialect::Gemini)
}

async fn answer(
    ledger: &SharedLedger,
    dialect: Dialect,
    headers: HeaderMap,
    body: Body,
    gemini: Option<(String, GeminiMode)>,
) -> Response {
    match answer_inner(ledger, dialect, headers, body, gemini).await {
        Ok(resp) => resp,
        Err(err) => err.response(dialect),
    }
}

async fn answer_inner(
    ledger: &SharedLedger,
    dialect: Dialect,
    headers: HeaderMap,
    body: Body,
    gemini: Option<(String, GeminiMode)>,
) -> Result<Response, ApiError> {
    let faults = header_faults(&headers)?;
    if let Some(status) = faults.status {
        return Err(fault_error(status));
    }
    let bytes = to_bytes(body, MAX_BODY).await.map_err(|_| ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!("The request body could not be read or is larger than {MAX_BODY} bytes."),
        kind: "invalid_request_error",
        param: None,
        code: None,
        retry_after: None,
    })?;
    let v = dialect::json_body(&bytes)?;
    let inbound = match (dialect, &gemini) {
        (Dialect::Chat, _) => dialect::chat(&v)?,
        (Dialect::Messages, _) => dialect::messages(&v)?,
        (Dialect::Responses, _) => dialect::responses(&v)?,
        (Dialect::Gemini, Some((model, mode))) => {
            dialect::gemini(&v, model, *mode == GeminiMode::Sse)?
        }
        (Dialect::Gemini, None) => return Err(ApiError::invalid("no model in the path", None)),
    };
    let plan = plan_inbound(inbound, faults)?;
    let created = now();
    let id = next_id(created);
    ledger.record(&id, plan.model, &plan.counts);
    if plan.stream {
        let body = Body::from_stream(stream::sse(plan, dialect, id, created));
        let mut resp = Response::new(body);
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        rate_limit_headers(dialect, h);
        return Ok(resp);
    }
    let (wait, mut json, abort) = stream::completion(&plan, dialect, &id, created);
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    if gemini.is_some_and(|(_, m)| m == GeminiMode::Array) {
        // Without alt=sse the stream is one JSON array of responses.
        let mut array = b"[".to_vec();
        array.extend_from_slice(&json);
        array.extend_from_slice(b"]");
        json = array.into();
    }
    let body = if abort {
        Body::from_stream(stream::aborting(json))
    } else {
        Body::from(json)
    };
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    rate_limit_headers(dialect, resp.headers_mut());
    Ok(resp)
}

/// The demo's (generous, fixed) rate limits, in the protocol's header family.
fn rate_limit_headers(dialect: Dialect, h: &mut HeaderMap) {
    let (limit, remaining, reset) = match dialect {
        Dialect::Chat | Dialect::Responses => (
            "x-ratelimit-limit-requests",
            "x-ratelimit-remaining-requests",
            "x-ratelimit-reset-requests",
        ),
        Dialect::Messages => (
            "anthropic-ratelimit-requests-limit",
            "anthropic-ratelimit-requests-remaining",
            "anthropic-ratelimit-requests-reset",
        ),
        Dialect::Gemini => return,
    };
    h.insert(limit, HeaderValue::from_static("6000"));
    h.insert(remaining, HeaderValue::from_static("5999"));
    h.insert(reset, HeaderValue::from_static("10ms"));
}

/// One catalog entry in the OpenRouter/Clipia form; prices per token as exact strings.
pub fn model_json(m: &DemoModel) -> Value {
    let mut pricing = serde_json::Map::new();
    pricing.insert(
        "prompt".into(),
        models::per_token(m.input_usd_per_mtok).into(),
    );
    pricing.insert(
        "completion".into(),
        models::per_token(m.output_usd_per_mtok).into(),
    );
    if let Some(cached) = m.cached_input_usd_per_mtok {
        pricing.insert("input_cache_read".into(), models::per_token(cached).into());
    }
    let (modality, inputs) = if m.vision {
        ("text+image->text", vec!["text", "image"])
    } else {
        ("text->text", vec!["text"])
    };
    let mut params = vec![
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "seed",
        "stop",
        "stream",
        "stream_options",
    ];
    if m.reasoning {
        params.extend(["reasoning", "include_reasoning"]);
    }
    if m.tools {
        params.extend(["tools", "tool_choice"]);
    }
    json!({
        "id": m.id,
        "object": "model",
        "name": m.name,
        "created": CREATED,
        "owned_by": "switchboard-demo",
        "description": m.description,
        "context_length": m.context_length,
        "architecture": {
            "modality": modality,
            "input_modalities": inputs,
            "output_modalities": ["text"],
            "tokenizer": "demo",
        },
        "pricing": pricing,
        "top_provider": {
            "context_length": m.context_length,
            "max_completion_tokens": m.max_output,
            "is_moderated": false,
        },
        "supported_parameters": params,
    })
}

async fn list_models(headers: HeaderMap) -> Response {
    match header_faults(&headers) {
        Err(e) => return e.into_response(),
        Ok(f) => {
            if let Some(status) = f.status {
                return fault_error(status).into_response();
            }
        }
    }
    let data: Vec<Value> = models::models().iter().map(model_json).collect();
    json_response(StatusCode::OK, &json!({"object": "list", "data": data}))
}

/// `GET /v1beta/models`: the demo models in Gemini's list form.
async fn gemini_models() -> Response {
    let list: Vec<Value> = models::models().iter().map(gemini_model_json).collect();
    json_response(StatusCode::OK, &json!({ "models": list }))
}

async fn gemini_model(Path(spec): Path<String>) -> Response {
    match models::find(&spec) {
        Some(m) => json_response(StatusCode::OK, &gemini_model_json(m)),
        None => model_error(&spec).response(Dialect::Gemini),
    }
}

fn gemini_model_json(m: &DemoModel) -> Value {
    json!({
        "name": format!("models/{}", m.id),
        "version": "1",
        "displayName": m.name,
        "description": m.description,
        "inputTokenLimit": m.context_length,
        "outputTokenLimit": m.max_output,
        "supportedGenerationMethods": ["generateContent", "streamGenerateContent"],
        "thinking": m.reasoning,
    })
}

async fn one_model(Path(id): Path<String>) -> Response {
    match models::find(&id) {
        Some(m) => json_response(StatusCode::OK, &model_json(m)),
        None => model_error(&id).into_response(),
    }
}

async fn not_found(uri: axum::http::Uri) -> Response {
    let path: String = uri.path().chars().take(200).collect();
    ApiError {
        status: StatusCode::NOT_FOUND,
        message: format!(
            "Unknown path {path}. The demo provider serves POST /v1/chat/completions, \
             /v1/messages, /v1/responses, /v1beta/models/{{model}}:streamGenerateContent and \
             :generateContent, and GET /v1/models, /v1/key and /v1/generation?id=."
        ),
        kind: "invalid_request_error",
        param: None,
        code: Some("not_found"),
        retry_after: None,
    }
    .into_response()
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let path: String = uri.path().chars().take(200).collect();
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: format!("Method {method} is not allowed on {path}."),
        kind: "invalid_request_error",
        param: None,
        code: Some("method_not_allowed"),
        retry_after: None,
    }
    .into_response()
}
