//! The recording proxy: other programs' LLM calls, forwarded unchanged to an upstream and
//! recorded on the way.
//!
//! Any OpenAI-, Anthropic- or Gemini-style call is forwarded with its method, path (put on
//! the upstream's base for its protocol: `route.rs`), query, headers (less hop-by-hop ones:
//! `headers.rs`)
//! and body. The response goes back chunk by chunk as the upstream sends it: nothing is
//! buffered, and the recorder reads a copy in its own task (`record.rs`), so the client
//! sees no added delay. A client that goes away mid-stream closes the upstream request. The
//! client's own key passes through and is recorded masked; with `--add-key` the proxy puts
//! the provider's key in its place. Each finished exchange goes to every `Sink`.
//!
//! One change is made on purpose: `Accept-Encoding` is sent as `identity`, so the recorder
//! can read the body (a gzipped event stream cannot be decoded frame by frame).

mod forward;
pub mod headers;
mod record;
pub mod route;
pub mod sink;
pub mod store_sink;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::llm::error::ProviderError;
use crate::llm::money::{Currency, Price};

pub use route::{AddKey, Upstream, protocol_for_path};
pub use sink::{Sink, SummaryLines, TraceFile, summary_line};
pub use store_sink::{StoreSink, StoreWriter};

/// The price of a model by its id, when known: for the cost of each exchange.
pub type PriceLookup = Arc<dyn Fn(&str) -> Option<Price> + Send + Sync>;

/// How the proxy runs.
pub struct ProxyConfig {
    pub upstream: Upstream,
    /// The client for upstream calls: see `client`.
    pub client: reqwest::Client,
    /// Where finished exchanges go.
    pub sinks: Vec<Arc<dyn Sink>>,
    /// Prices, for the cost of each exchange; `None`: cost unknown.
    pub price: Option<PriceLookup>,
    /// The unit of the upstream's own `usage.cost` figure.
    pub reported_cost_currency: Currency,
}

impl ProxyConfig {
    /// Forwards to `upstream`, records nowhere yet, knows no prices.
    pub fn new(upstream: Upstream) -> Result<ProxyConfig, ProviderError> {
        Ok(ProxyConfig {
            upstream,
            client: client(Duration::from_secs(10))?,
            sinks: Vec::new(),
            price: None,
            reported_cost_currency: Currency::Credits,
        })
    }
}

/// An HTTP client for forwarding: no redirects followed (the client sees them), no
/// user agent of its own (the client's is forwarded), no overall timeout (the client keeps
/// its own), a connect timeout.
pub fn client(connect: Duration) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| ProviderError::Config {
            message: format!("could not set up the HTTP client: {e}"),
        })
}

/// What the handler and the recorders share.
pub(crate) struct Shared {
    upstream: Upstream,
    client: reqwest::Client,
    sinks: Vec<Arc<dyn Sink>>,
    price: Option<PriceLookup>,
    reported_cost_currency: Currency,
    next_id: AtomicU64,
}

impl Shared {
    fn price(&self, model: &str) -> Option<Price> {
        self.price.as_ref().and_then(|f| f(model))
    }
}

/// The proxy's routes: every method and path goes to the same handler.
pub fn router(config: ProxyConfig) -> axum::Router {
    let shared = Arc::new(Shared {
        upstream: config.upstream,
        client: config.client,
        sinks: config.sinks,
        price: config.price,
        reported_cost_currency: config.reported_cost_currency,
        next_id: AtomicU64::new(0),
    });
    axum::Router::new()
        .fallback(forward::handle)
        .with_state(shared)
}

/// Serves the proxy on `listener` until `until` resolves.
pub async fn serve(
    listener: TcpListener,
    config: ProxyConfig,
    until: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        // Frames are small writes; Nagle's algorithm would hold them back.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(config))
        .with_graceful_shutdown(until)
        .await
}

/// A running proxy on the current tokio runtime; stops on `shutdown` or drop.
pub struct ProxyServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl ProxyServer {
    /// Binds `addr` (`127.0.0.1:0` for a free port) and serves in a spawned task.
    pub async fn start(addr: SocketAddr, config: ProxyConfig) -> io::Result<ProxyServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, config, async move {
            let _ = stopped.await;
        }));
        Ok(ProxyServer {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL for OpenAI SDKs: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The base URL for Anthropic and Gemini SDKs: `http://127.0.0.1:PORT`.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving (also on drop).
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}
