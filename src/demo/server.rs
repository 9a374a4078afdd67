//! The axum routes: `POST /v1/chat/completions`, `GET /v1/models[/{id}]`, and OpenAI error
//! envelopes for everything else.

use super::error::{ApiError, fault_error, model_error};
use super::models::{self, CREATED, DemoModel};
use super::request::{self, header_faults};
use super::stream;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
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
        .route("/v1/models", get(list_models))
        .route("/v1/models/{id}", get(one_model))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fresh response id (`chatcmpl-demo-...`), unique within the process.
fn next_id(created: u64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("chatcmpl-demo-{created:x}{n:06x}")
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn chat(headers: HeaderMap, body: Body) -> Response {
    match chat_inner(headers, body).await {
        Ok(resp) => resp,
        Err(err) => err.into_response(),
    }
}

async fn chat_inner(headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
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
    let plan = request::plan(&bytes, faults)?;
    let created = now();
    let id = next_id(created);
    if plan.stream {
        let body = Body::from_stream(stream::sse(plan, id, created));
        let mut resp = Response::new(body);
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        return Ok(resp);
    }
    let (wait, json, abort) = stream::completion(&plan, &id, created);
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
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
    Ok(resp)
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
            "Unknown path {path}. The demo provider serves POST /v1/chat/completions and GET /v1/models."
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
