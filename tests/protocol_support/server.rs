//! A scripted HTTP/1.1 server on 127.0.0.1 for runner tests: one reply per connection,
//! in order, each with a Content-Length; it reports the request head it saw. Every wait
//! is bounded by `PATIENCE`.

use std::time::Duration;

use switchboard::llm::protocol::{ApiKey, Endpoint, Protocol};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// The key the endpoints carry; it must never show in a record.
pub const KEY: &str = "sk-test-0123456789abcdefghij";
/// How long anything expected may take; only reached when a test fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One scripted reply.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn sse(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "text/event-stream".into())],
            body: body.into(),
        }
    }

    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The request line and headers the server saw.
pub struct Seen {
    pub head: String,
}

pub struct Server {
    pub port: u16,
    seen: mpsc::UnboundedReceiver<Seen>,
}

impl Server {
    pub async fn start(replies: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, seen) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            for reply in replies {
                let Ok(Ok((sock, _))) = timeout(PATIENCE, listener.accept()).await else {
                    return;
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(head) = serve(sock, reply).await {
                        let _ = tx.send(Seen { head });
                    }
                });
            }
        });
        Server { port, seen }
    }

    pub async fn next(&mut self) -> Seen {
        timeout(PATIENCE, self.seen.recv())
            .await
            .expect("a request arrived")
            .expect("the server is running")
    }

    pub fn endpoint(&self, protocol: Protocol) -> Endpoint {
        let root = format!("http://127.0.0.1:{}", self.port);
        Endpoint {
            base_url: if protocol.base_has_version() {
                format!("{root}/v1")
            } else {
                root
            },
            auth: protocol.default_auth(),
            key: Some(ApiKey::new(KEY)),
            headers: Vec::new(),
        }
    }
}

/// Reads the request (head, then the body by Content-Length), writes the reply with a
/// Content-Length, and closes.
async fn serve(mut sock: TcpStream, reply: Reply) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = timeout(PATIENCE, sock.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = timeout(PATIENCE, sock.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut out = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&reply.body);
    sock.write_all(&bytes).await.ok()?;
    let _ = sock.shutdown().await;
    Some(head)
}
