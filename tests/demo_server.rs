//! The demo provider over real HTTP: catalog shape, completions (streaming and not), the
//! model characters and the fault modes.

use futures_util::StreamExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;
use switchboard::demo::{DemoServer, models};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn server() -> DemoServer {
    DemoServer::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("start demo server")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

fn request(model: &str, prompt: &str, stream: bool) -> Value {
    json!({
        "model": model,
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": prompt}
        ],
        "stream": stream,
        "stream_options": {"include_usage": true}
    })
}

async fn post(s: &DemoServer, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}/chat/completions", s.base_url()))
        .bearer_auth("anything")
        .json(body)
        .send()
        .await
        .expect("send")
}

/// The `data:` payloads of an SSE body, checking the framing on the way.
fn events(body: &str) -> Vec<String> {
    assert!(body.ends_with("\n\n"), "body must end with a blank line");
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            e.strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data line: {e:?}"))
                .to_string()
        })
        .collect()
}

struct Streamed {
    chunks: Vec<Value>,
    reasoning: Vec<String>,
    content: Vec<String>,
    /// Index in `chunks` of the first reasoning and the first non-empty content delta.
    first_reasoning: Option<usize>,
    first_content: Option<usize>,
}

fn decode(body: &str) -> Streamed {
    let events = events(body);
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap_or_else(|err| panic!("bad chunk {e}: {err}")))
        .collect();
    let (mut reasoning, mut content) = (Vec::new(), Vec::new());
    let (mut first_reasoning, mut first_content) = (None, None);
    for (i, c) in chunks.iter().enumerate() {
        let delta = &c["choices"][0]["delta"];
        if let Some(r) = delta["reasoning_content"].as_str() {
            first_reasoning.get_or_insert(i);
            reasoning.push(r.to_string());
        }
        if let Some(t) = delta["content"].as_str().filter(|t| !t.is_empty()) {
            first_content.get_or_insert(i);
            content.push(t.to_string());
        }
    }
    Streamed {
        chunks,
        reasoning,
        content,
        first_reasoning,
        first_content,
    }
}

fn cost_of(model: &str, usage: &Value) -> Decimal {
    let m = models().iter().find(|m| m.id == model).expect("model");
    let d = |s: &str| Decimal::from_str(s).expect("price");
    let n = |v: &Value| Decimal::from(v.as_u64().expect("count"));
    let cached = n(&usage["prompt_tokens_details"]["cached_tokens"]);
    let uncached = n(&usage["prompt_tokens"]) - cached;
    let cached_price = m.cached_input_usd_per_mtok.map(d).unwrap_or(Decimal::ZERO);
    (uncached * d(m.input_usd_per_mtok)
        + cached * cached_price
        + n(&usage["completion_tokens"]) * d(m.output_usd_per_mtok))
        / Decimal::from(1_000_000)
}

fn assert_envelope(v: &Value) {
    let e = &v["error"];
    assert!(e["message"].is_string(), "{v}");
    assert!(e["type"].is_string(), "{v}");
    assert!(e.get("param").is_some() && e.get("code").is_some(), "{v}");
}

#[tokio::test]
async fn models_catalog() {
    let s = server().await;
    let resp = client()
        .get(format!("{}/models", s.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["object"], "list");
    let data = v["data"].as_array().expect("data");
    assert_eq!(data.len(), models().len());
    for (entry, m) in data.iter().zip(models()) {
        assert_eq!(entry["id"], m.id);
        assert_eq!(entry["object"], "model");
        assert_eq!(entry["owned_by"], "switchboard-demo");
        assert_eq!(entry["context_length"].as_u64(), Some(m.context_length));
        assert!(entry["architecture"]["input_modalities"].is_array());
        assert!(entry["supported_parameters"].is_array());
        let price = |k: &str| {
            Decimal::from_str(entry["pricing"][k].as_str().expect("string price")).expect("decimal")
        };
        let mtok = Decimal::from(1_000_000);
        assert_eq!(
            price("prompt") * mtok,
            Decimal::from_str(m.input_usd_per_mtok).expect("price")
        );
        assert_eq!(
            price("completion") * mtok,
            Decimal::from_str(m.output_usd_per_mtok).expect("price")
        );
        match m.cached_input_usd_per_mtok {
            Some(c) => assert_eq!(
                price("input_cache_read") * mtok,
                Decimal::from_str(c).expect("price")
            ),
            None => assert!(entry["pricing"].get("input_cache_read").is_none()),
        }
    }
    let ids: Vec<&str> = models().iter().map(|m| m.id).collect();
    for id in ["demo-fast", "demo-flagship", "demo-reasoner", "demo-coder"] {
        assert!(ids.contains(&id), "{id}");
    }
    s.shutdown();
}

#[tokio::test]
async fn non_streaming_completion() {
    let s = server().await;
    let prompt = "How do I keep API costs down?";
    let resp = post(&s, &request("demo-fast+delay=0", prompt, false)).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], "demo-fast");
    let content = v["choices"][0]["message"]["content"]
        .as_str()
        .expect("content");
    assert!(content.contains(prompt), "{content}");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let u = &v["usage"];
    let total =
        u["prompt_tokens"].as_u64().expect("p") + u["completion_tokens"].as_u64().expect("c");
    assert_eq!(u["total_tokens"].as_u64(), Some(total));
    assert_eq!(u["completion_tokens_details"]["reasoning_tokens"], 0);
    let cost = Decimal::from_str(&u["cost"].to_string()).expect("cost");
    assert_eq!(cost, cost_of("demo-fast", u));
    // Deterministic: the same request gives the same answer.
    let again: Value = post(&s, &request("demo-fast+delay=0", prompt, false))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        again["choices"][0]["message"]["content"],
        v["choices"][0]["message"]["content"]
    );
}

#[tokio::test]
async fn streaming_completion() {
    let s = server().await;
    let resp = post(
        &s,
        &request(
            "demo-flagship+ttft=0+delay=0",
            "Tell me about streaming",
            true,
        ),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(ct.starts_with("text/event-stream"), "{ct}");
    let body = resp.text().await.expect("body");
    let st = decode(&body);
    let first = &st.chunks[0]["choices"][0]["delta"];
    assert_eq!(first["role"], "assistant");
    assert_eq!(first["content"], "");
    let n = st.chunks.len();
    let finish = &st.chunks[n - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    assert_eq!(finish["choices"][0]["delta"], json!({}));
    let usage_chunk = &st.chunks[n - 1];
    assert_eq!(usage_chunk["choices"], json!([]));
    assert_eq!(usage_chunk["model"], "demo-flagship");
    let u = &usage_chunk["usage"];
    assert_eq!(
        u["completion_tokens"].as_u64(),
        Some(st.content.len() as u64)
    );
    assert!(st.content.len() >= 60, "{}", st.content.len());
    let cost = Decimal::from_str(&u["cost"].to_string()).expect("cost");
    assert_eq!(cost, cost_of("demo-flagship", u));
    assert!(st.content.concat().contains("Tell me about streaming"));
}

#[tokio::test]
async fn reasoning_comes_before_content() {
    let s = server().await;
    let body = post(
        &s,
        &request(
            "demo-reasoner+ttft=0+delay=0",
            "Why is my bill so high?",
            true,
        ),
    )
    .await
    .text()
    .await
    .expect("body");
    let st = decode(&body);
    let (r, c) = (
        st.first_reasoning.expect("reasoning"),
        st.first_content.expect("content"),
    );
    assert!(r < c, "reasoning at {r}, content at {c}");
    let last_reasoning = st
        .chunks
        .iter()
        .rposition(|c| c["choices"][0]["delta"]["reasoning_content"].is_string());
    assert!(last_reasoning.is_some_and(|l| l < c));
    let u = &st.chunks[st.chunks.len() - 1]["usage"];
    assert_eq!(
        u["completion_tokens_details"]["reasoning_tokens"].as_u64(),
        Some(st.reasoning.len() as u64)
    );
    assert_eq!(
        u["completion_tokens"].as_u64(),
        Some((st.reasoning.len() + st.content.len()) as u64)
    );
}

#[tokio::test]
async fn coder_sends_a_code_block() {
    let s = server().await;
    let body = post(
        &s,
        &request(
            "demo-coder+ttft=0+delay=0",
            "Show me how to stream in rust",
            true,
        ),
    )
    .await
    .text()
    .await
    .expect("body");
    let text = decode(&body).content.concat();
    assert!(text.contains("```rust\n"), "{text}");
    assert!(text.matches("```").count() >= 2, "{text}");
    assert!(text.starts_with("## "));
    assert!(text.contains("\n- ") && text.contains("|---|"));
}

#[tokio::test]
async fn rate_limit_has_retry_after() {
    let s = server().await;
    let resp = post(&s, &request("demo-fast+429", "hi", true)).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    let v: Value = resp.json().await.expect("json");
    assert_envelope(&v);
    assert_eq!(v["error"]["type"], "rate_limit_exceeded");
    // The same through the header.
    let resp = client()
        .post(format!("{}/chat/completions", s.base_url()))
        .header("x-demo-fault", "500")
        .json(&request("demo-fast", "hi", false))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 500);
    assert_envelope(&resp.json().await.expect("json"));
    let resp = post(&s, &request("demo-fast+401", "hi", false)).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["error"]["code"],
        "invalid_api_key"
    );
}

#[tokio::test]
async fn drop_ends_with_a_body_error() {
    let s = server().await;
    let resp = post(
        &s,
        &request("demo-fast+drop+delay=0+tokens=200", "hi", true),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    let mut body = Vec::new();
    let mut error = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(b) => body.extend_from_slice(&b),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(error.is_some(), "expected a body error, got a clean end");
    let text = String::from_utf8_lossy(&body);
    assert!(!text.contains("[DONE]"));
    assert!(text.contains("\"content\""));

    // On the wire: the chunked body never gets its terminating zero-length chunk.
    let mut tcp = tokio::net::TcpStream::connect(s.addr())
        .await
        .expect("connect");
    let payload = serde_json::to_vec(&request("demo-fast+drop+delay=0", "hi", true)).expect("json");
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        s.addr(),
        payload.len()
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    tcp.write_all(&payload).await.expect("write");
    let mut raw = Vec::new();
    let _ = tcp.read_to_end(&mut raw).await; // EOF or reset: both are fine
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("transfer-encoding: chunked"), "{raw}");
    assert!(!raw.ends_with("0\r\n\r\n"), "the body ended cleanly: {raw}");
    assert!(!raw.contains("[DONE]"));

    // Non-streaming: half of the JSON, then the break.
    let resp = post(&s, &request("demo-fast+drop+delay=0", "hi", false)).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.is_err());
}

#[tokio::test]
async fn malformed_has_one_bad_frame() {
    let s = server().await;
    let body = post(&s, &request("demo-fast+malformed+delay=0", "hi", true))
        .await
        .text()
        .await
        .expect("body");
    let events = events(&body);
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let bad = events[..events.len() - 1]
        .iter()
        .filter(|e| serde_json::from_str::<Value>(e).is_err())
        .count();
    assert_eq!(bad, 1);
}

#[tokio::test]
async fn many_tokens_fast() {
    let s = server().await;
    let body = post(
        &s,
        &request("demo-fast+tokens=20000+delay=0+ttft=0", "benchmark", true),
    )
    .await
    .text()
    .await
    .expect("body");
    let st = decode(&body);
    assert_eq!(st.content.len(), 20_000);
    assert_eq!(
        st.chunks[st.chunks.len() - 1]["usage"]["completion_tokens"],
        20_000
    );
}

#[tokio::test]
async fn errors_use_the_envelope() {
    let s = server().await;
    let resp = post(&s, &request("demo-nope", "hi", false)).await;
    assert_eq!(resp.status(), 404);
    let v: Value = resp.json().await.expect("json");
    assert_envelope(&v);
    assert_eq!(v["error"]["code"], "model_not_found");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("demo-fast")
    );

    let resp = client()
        .post(format!("{}/chat/completions", s.base_url()))
        .header("content-type", "application/json")
        .body("{\"model\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    assert_envelope(&resp.json().await.expect("json"));

    let resp = client()
        .get(format!("{}/nothing/here", s.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 404);
    assert_envelope(&resp.json().await.expect("json"));

    let resp = post(&s, &request("demo-fast+explode", "hi", false)).await;
    assert_eq!(resp.status(), 400);
    assert_envelope(&resp.json().await.expect("json"));
}

#[tokio::test]
async fn echo_and_max_tokens() {
    let s = server().await;
    let mut req = request("demo-fast+echo+delay=0", "one two three four", false);
    let v: Value = post(&s, &req).await.json().await.expect("json");
    assert_eq!(v["choices"][0]["message"]["content"], "one two three four");
    req["max_tokens"] = json!(2);
    let v: Value = post(&s, &req).await.json().await.expect("json");
    assert_eq!(v["choices"][0]["message"]["content"], "one two");
    assert_eq!(v["choices"][0]["finish_reason"], "length");
    assert_eq!(v["usage"]["completion_tokens"], 2);
}
