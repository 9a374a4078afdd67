//! The proxy against a raw upstream: the client gets the upstream's bytes unchanged and
//! each chunk before the upstream sends the next; a client that leaves mid-stream closes
//! the upstream request; keys pass through (or are replaced) and are never recorded.

mod proxy_support;

use std::collections::BTreeMap;
use std::time::Instant;

use proxy_support::*;
use serde_json::json;
use switchboard::llm::error::ProviderError;
use switchboard::llm::event::StreamEvent;
use switchboard::llm::protocol::{ApiKey, AuthScheme, Protocol};
use switchboard::proxy::{AddKey, Upstream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

const CLIENT_KEY: &str = "sk-client-0123456789abcdefghijkl";

/// A chat stream cut at awkward places: inside a UTF-8 character, inside `data:`, between
/// `\r` and `\n`, with a keep-alive comment.
fn pieces() -> Vec<Vec<u8>> {
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\u{e9}\u{65e5}\"}}]}\r\n\r\n\
                : keep-alive\n\n\
                data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" \u{1f389}\"},\"finish_reason\":\"stop\"}]}\n\n\
                data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":3}}\n\n\
                data: [DONE]\n\n";
    let bytes = body.as_bytes();
    let cut_in_char = body.find('\u{e9}').unwrap() + 1;
    let cut_in_crlf = body.find("\r\n\r\n").unwrap() + 3;
    let cut_in_data = body.find(": keep").unwrap() + 20;
    let cuts = [
        0,
        cut_in_char,
        cut_in_crlf,
        cut_in_data,
        bytes.len() - 3,
        bytes.len(),
    ];
    cuts.windows(2)
        .map(|w| bytes[w[0]..w[1]].to_vec())
        .collect()
}

#[tokio::test]
async fn stream_passes_through_unchanged_and_unbuffered() {
    let (addr, mut requests) = raw_upstream().await;
    let (proxy, mut records) = proxy(Upstream::from_url(&format!("http://{addr}"))).await;
    let client = reqwest::Client::new();
    let body =
        json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let send = client
        .post(format!("{}/chat/completions", proxy.base_url()))
        .bearer_auth(CLIENT_KEY)
        .header("accept-encoding", "gzip")
        .json(&body)
        .send();
    let upstream = async {
        let (req, sock) = timeout(PATIENCE, requests.recv()).await.unwrap().unwrap();
        (req, sock)
    };
    let (resp, (req, mut sock)) = tokio::join!(
        async {
            // The head only comes once the upstream sends it.
            send.await.unwrap()
        },
        async {
            let (req, mut sock) = upstream.await;
            sock.write_all(SSE_HEAD).await.unwrap();
            (req, sock)
        }
    );
    assert!(
        req.head
            .starts_with("POST /v1/chat/completions HTTP/1.1\r\n"),
        "{}",
        req.head
    );
    assert_eq!(
        req.header("authorization").as_deref(),
        Some(format!("Bearer {CLIENT_KEY}").as_str())
    );
    // Asked uncompressed, so the recorder can read it.
    assert_eq!(req.header("accept-encoding").as_deref(), Some("identity"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&req.body).unwrap(),
        body
    );
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-ratelimit-remaining-requests"], "99");
    let mut resp = resp;
    let mut got: Vec<u8> = Vec::new();
    let mut sent: Vec<u8> = Vec::new();
    for piece in pieces() {
        write_chunk(&mut sock, &piece).await.unwrap();
        sent.extend_from_slice(&piece);
        // Each piece reaches the client before the next is sent: nothing is held back.
        while got.len() < sent.len() {
            let chunk = timeout(PATIENCE, resp.chunk())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            got.extend_from_slice(&chunk);
        }
        assert_eq!(got, sent);
    }
    sock.write_all(b"0\r\n\r\n").await.unwrap();
    assert_eq!(
        timeout(PATIENCE, resp.chunk()).await.unwrap().unwrap(),
        None
    );
    assert_eq!(
        got,
        pieces().concat(),
        "the client got the upstream's bytes exactly"
    );

    let t = records.next().await;
    assert_eq!(t.protocol, Some(Protocol::OpenAiChat));
    let ex = &t.exchange;
    assert_eq!(ex.error, None, "{:?}", ex.error);
    assert_eq!(ex.status, Some(200));
    assert_eq!(ex.frames.len(), 4);
    let text: String = t
        .events
        .iter()
        .filter_map(|e| match &e.event {
            StreamEvent::TextDelta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "h\u{e9}\u{65e5} \u{1f389}");
    assert_eq!(ex.usage.as_ref().map(|u| (u.input, u.output)), Some((4, 3)));
    assert!(ex.ttft_us.is_some() && ex.ttfb_us.is_some());
    assert!(
        ex.frames
            .windows(2)
            .all(|w| w[0].offset_us <= w[1].offset_us)
    );
    let recorded = serde_json::to_string(&ex.request).unwrap();
    assert!(!recorded.contains(CLIENT_KEY), "{recorded}");
    assert_eq!(ex.request.url, format!("http://{addr}/v1/chat/completions"));
}

#[tokio::test]
async fn a_client_that_leaves_cancels_the_upstream_request() {
    let (addr, mut requests) = raw_upstream().await;
    let (proxy, mut records) = proxy(Upstream::from_url(&format!("http://{addr}/v1"))).await;
    let upstream = tokio::spawn(async move {
        let (_req, mut sock) = timeout(PATIENCE, requests.recv()).await.unwrap().unwrap();
        sock.write_all(SSE_HEAD).await.unwrap();
        let frame = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick \"}}]}\n\n";
        let started = Instant::now();
        let mut buf = [0u8; 64];
        // Stream until the proxy closes the connection (or the patience runs out).
        while started.elapsed() < PATIENCE {
            if write_chunk(&mut sock, frame).await.is_err() {
                return Some(started.elapsed());
            }
            tokio::select! {
                r = sock.read(&mut buf) => if matches!(r, Ok(0) | Err(_)) {
                    return Some(started.elapsed());
                },
                _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
            }
        }
        None
    });
    let client = reqwest::Client::new();
    let mut resp = client
        .post(format!("{}/chat/completions", proxy.base_url()))
        .json(&json!({"model": "m", "stream": true, "messages": []}))
        .send()
        .await
        .unwrap();
    let first = timeout(PATIENCE, resp.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(first.starts_with(b"data: "));
    drop(resp);
    drop(client);
    let closed = timeout(PATIENCE, upstream).await.unwrap().unwrap();
    let after = closed.expect("the upstream saw its connection closed");
    assert!(
        after < std::time::Duration::from_secs(5),
        "closed after {after:?}"
    );
    let t = records.next().await;
    assert_eq!(t.exchange.error, Some(ProviderError::Cancelled));
    assert!(!t.exchange.frames.is_empty(), "what arrived is kept");
}

#[tokio::test]
async fn add_key_replaces_the_clients_auth() {
    let (addr, mut requests) = raw_upstream().await;
    let mut upstream = Upstream::from_url(&format!("http://{addr}"));
    let provider_key = "sk-ant-fake_provider_0123456789abcdefghij";
    upstream.add_key = Some(AddKey {
        key: ApiKey::new(provider_key),
        schemes: BTreeMap::from([(Protocol::Anthropic, AuthScheme::XApiKey)]),
    });
    let (proxy, mut records) = proxy(upstream).await;
    let client = reqwest::Client::new();
    let send = client
        .post(format!("{}/v1/messages", proxy.root_url()))
        .header("x-api-key", CLIENT_KEY)
        .header("anthropic-version", "2023-06-01")
        .json(&json!({"model": "claude", "max_tokens": 5, "messages": []}))
        .send();
    let serve = async {
        let (req, mut sock) = timeout(PATIENCE, requests.recv()).await.unwrap().unwrap();
        let body = br#"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#;
        let head = format!(
            "HTTP/1.1 529 Overloaded\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        sock.write_all(body).await.unwrap();
        req
    };
    let (resp, req) = tokio::join!(send, serve);
    let resp = resp.unwrap();
    assert_eq!(req.header("x-api-key").as_deref(), Some(provider_key));
    assert!(!req.head.contains(CLIENT_KEY));
    assert_eq!(
        req.header("anthropic-version").as_deref(),
        Some("2023-06-01")
    );
    assert_eq!(resp.status(), 529);
    assert_eq!(resp.headers()["content-length"], "69");
    let text = resp.text().await.unwrap();
    assert!(text.contains("overloaded_error"));
    let t = records.next().await;
    assert_eq!(t.protocol, Some(Protocol::Anthropic));
    match &t.exchange.error {
        Some(ProviderError::Http {
            status, message, ..
        }) => {
            assert_eq!((*status, message.as_str()), (529, "busy"));
        }
        other => panic!("{other:?}"),
    }
    let recorded = serde_json::to_string(&t.exchange).unwrap();
    assert!(
        !recorded.contains(provider_key) && !recorded.contains(CLIENT_KEY),
        "{recorded}"
    );
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_in_openai_form() {
    // A port that was free a moment ago: nothing listens there.
    let addr = std::net::TcpListener::bind(loopback())
        .unwrap()
        .local_addr()
        .unwrap();
    let (proxy, mut records) = proxy(Upstream::from_url(&format!("http://{addr}"))).await;
    let resp = reqwest::Client::new()
        .get(format!("{}/models", proxy.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("switchboard proxy: could not reach")
    );
    let t = records.next().await;
    assert!(matches!(
        t.exchange.error,
        Some(ProviderError::Transport { .. })
    ));
    assert_eq!(t.protocol, None);
}
