//! The built-in demo provider: a real HTTP server on 127.0.0.1 that speaks all four wire
//! protocols (OpenAI Chat Completions, Anthropic Messages, OpenAI Responses, Gemini) on
//! one address, so Switchboard works with no keys and no network, and the tests have an
//! upstream. Answers are deterministic, and the same over every protocol; misbehaviour is
//! asked for with a model suffix (`demo-fast+429`, `demo-fast+drop+tokens=500`) or the
//! `x-demo-fault` header, and takes each protocol's own form.
//!
//! Files: `server.rs` routes; `dialect.rs` each protocol's request -> `request.rs` ->
//! `plan.rs` Plan; `stream.rs` pacing and faults; `writer.rs` one interface over the
//! writers `wire.rs` (Chat), `wire_messages.rs`, `wire_responses.rs`, `wire_gemini.rs`;
//! `error.rs` error envelopes; `models.rs` models and prices; `answer.rs`, `coder.rs`,
//! `bank.rs`, `hash.rs` the text; `tokens.rs` the toy tokenizer; `faults.rs` the
//! misbehaviour syntax.

mod account;
mod answer;
mod bank;
mod coder;
mod dialect;
mod error;
pub mod faults;
mod hash;
mod models;
mod plan;
mod request;
mod server;
mod stream;
mod tokens;
mod wire;
mod wire_gemini;
mod wire_messages;
mod wire_responses;
mod writer;

pub use faults::{FaultStatus, Faults};
pub use models::{AnswerStyle, DemoModel, TokenCounts, find, models};
pub use server::router;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running demo server on the current tokio runtime; stops on `shutdown` or drop.
#[derive(Debug)]
pub struct DemoServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl DemoServer {
    /// Binds `addr` (use `127.0.0.1:0` for a free port) and serves on the current tokio
    /// runtime (`tokio::spawn`).
    pub async fn start(addr: SocketAddr) -> io::Result<DemoServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, async move {
            // A send or a dropped sender both mean stop.
            let _ = stopped.await;
        }));
        Ok(DemoServer {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The bound address (with the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The OpenAI-style base URL: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The host-only base URL the Anthropic and Gemini protocols take:
    /// `http://127.0.0.1:PORT`.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting and ends the server task (also on drop).
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // Dropping the serve future closes the listener at once; open connections get
            // hyper's graceful shutdown.
            task.abort();
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Serves the demo provider on `listener` until `until` resolves (used by
/// `switchboard demo-server --listen ADDR`, which runs until Ctrl-C).
pub async fn serve(
    listener: TcpListener,
    until: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        // Tokens are small writes; Nagle's algorithm would delay them.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router())
        .with_graceful_shutdown(until)
        .await
}
