//! Shared by the proxy tests: a proxy in-process whose records arrive on a channel, and a
//! raw TCP upstream that reads one request and hands its socket to the test.

#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use switchboard::proxy::{ProxyConfig, ProxyServer, Sink, Upstream};
use switchboard::trace::TracedExchange;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// How long a test waits for anything it expects; only reached when it fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// The records of a proxy, as they are made.
pub struct Records(pub mpsc::UnboundedReceiver<TracedExchange>);

impl Records {
    pub async fn next(&mut self) -> TracedExchange {
        timeout(PATIENCE, self.0.recv())
            .await
            .expect("a record within the patience")
            .expect("the proxy is running")
    }
}

/// A sink that sends each record to the test.
pub fn collecting() -> (Arc<dyn Sink>, Records) {
    let (tx, rx) = mpsc::unbounded_channel();
    let sink = move |t: &TracedExchange| {
        let _ = tx.send(t.clone());
    };
    (Arc::new(sink), Records(rx))
}

/// A proxy in front of `upstream`, recording to the returned channel.
pub async fn proxy(upstream: Upstream) -> (ProxyServer, Records) {
    let (sink, records) = collecting();
    let mut config = ProxyConfig::new(upstream).unwrap();
    config.sinks.push(sink);
    (
        ProxyServer::start(loopback(), config).await.unwrap(),
        records,
    )
}

/// One request as a raw upstream received it.
pub struct RawRequest {
    pub head: String,
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The value of header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// A raw HTTP/1.1 upstream: accepts one connection, reads one request (by Content-Length)
/// and gives the test the request and the socket.
pub async fn raw_upstream() -> (SocketAddr, mpsc::Receiver<(RawRequest, TcpStream)>) {
    let listener = TcpListener::bind(loopback()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
            };
            let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
            let mut req = RawRequest {
                head,
                body: buf[head_end..].to_vec(),
            };
            let len: usize = req
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while req.body.len() < len {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                req.body.extend_from_slice(&chunk[..n]);
            }
            if tx.send((req, sock)).await.is_err() {
                return;
            }
        }
    });
    (addr, rx)
}

/// Writes one chunk of a chunked body.
pub async fn write_chunk(sock: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    let mut out = format!("{:x}\r\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    sock.write_all(&out).await?;
    sock.flush().await
}

/// The head of a chunked event-stream response.
pub const SSE_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
    x-ratelimit-remaining-requests: 99\r\ntransfer-encoding: chunked\r\n\r\n";
