//! `switchboard proxy`: the recording proxy, for other programs' LLM calls.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::{CliError, load_config};
use crate::llm::catalog::bundled_model;
use crate::llm::money::Currency;
use crate::llm::provider::ModelRef;
use crate::proxy::{
    AddKey, ProxyConfig, Sink, StoreSink, StoreWriter, SummaryLines, TraceFile, Upstream,
};
use crate::workbench::Workbench;

/// `switchboard proxy` (its help text is on the command in `main.rs`).
#[derive(Args, Debug, Clone)]
pub struct ProxyArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where to forward: a configured provider (`openai`, `anthropic`, `demo`, ...), whose
    /// base URL for each protocol is used, or a base URL (`http://127.0.0.1:8787`).
    #[arg(long, value_name = "PROVIDER|URL")]
    pub upstream: String,
    /// Send the provider's key from Switchboard's config in place of the client's own auth
    /// (without it, the client's key passes through and is recorded masked).
    #[arg(long)]
    pub add_key: bool,
    /// Write every exchange to this trace file (JSON Lines), for `switchboard replay FILE`.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Allow listening on an address other than loopback: anyone who can reach it can
    /// then use the upstream (and, with --add-key, your key).
    #[arg(long)]
    pub allow_remote: bool,
    /// Open the workbench and show each exchange in the conversation, meter and inspector
    /// as it finishes (instead of summary lines on stderr).
    #[arg(long)]
    pub tui: bool,
    /// Set from the global --data-dir and --no-store: where exchanges are kept.
    #[arg(skip)]
    pub place: super::history::StorePlace,
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// The upstream a provider name or URL stands for.
async fn upstream(bench: &Workbench, args: &ProxyArgs) -> Result<(Upstream, Currency), CliError> {
    if is_url(&args.upstream) {
        if args.add_key {
            return Err("--add-key needs a provider name as --upstream, not a URL".into());
        }
        return Ok((Upstream::from_url(&args.upstream), Currency::Credits));
    }
    let p = bench.provider(&args.upstream).map_err(|e| e.to_string())?;
    let mut bases = BTreeMap::new();
    for protocol in p.protocols() {
        let base = bench
            .base_url_for(&p, protocol)
            .await
            .map_err(|e| e.to_string())?;
        bases.insert(protocol, base);
    }
    let add_key = if args.add_key {
        let key = p
            .resolve_key()
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("--add-key: provider {} has no key configured", p.name))?;
        let schemes = p
            .protocols()
            .into_iter()
            .map(|proto| (proto, p.auth_scheme_for(proto)))
            .collect();
        Some(AddKey { key, schemes })
    } else {
        None
    };
    let currency = p
        .reported_cost_currency
        .clone()
        .unwrap_or(Currency::Credits);
    Ok((
        Upstream {
            name: p.name.clone(),
            bases,
            add_key,
        },
        currency,
    ))
}

pub async fn run(config_path: Option<&Path>, args: ProxyArgs) -> Result<ExitCode, CliError> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        return Err(format!(
            "refusing to listen on {}: it is reachable from other machines; pass \
             --allow-remote if that is what you want",
            args.listen
        ));
    }
    let config = load_config(config_path)?;
    let bench = Arc::new(Workbench::new(config).map_err(|e| e.to_string())?);
    let (upstream, currency) = upstream(&bench, &args).await?;
    let name = upstream.name.clone();
    let keyed = upstream.add_key.is_some();
    let mut proxy = ProxyConfig::new(upstream).map_err(|e| e.to_string())?;
    proxy.client = crate::proxy::client(bench.timeouts.connect).map_err(|e| e.to_string())?;
    proxy.reported_cost_currency = currency;
    if !is_url(&args.upstream) {
        let prices = bench.clone();
        let provider = name.clone();
        // The demo's own table, else the bundled catalog; otherwise the cost is unknown.
        proxy.price = Some(Arc::new(move |model: &str| {
            let r = ModelRef {
                provider: provider.clone(),
                model: model.to_string(),
            };
            prices
                .known_price(&r)
                .or_else(|| bundled_model(&r.provider, &r.model).and_then(|m| m.price))
        }));
    }
    // The history first, then the file: once an exchange's summary line is out, it is
    // kept in both.
    let writer = keep_in_history(&bench, &args, &name, &mut proxy)?;
    if let Some(path) = &args.record {
        let file = TraceFile::create(path)
            .map_err(|e| format!("cannot write the trace file {}: {e}", path.display()))?;
        proxy.sinks.push(Arc::new(file) as Arc<dyn Sink>);
    }
    let feed = if args.tui {
        let (sink, feed) = crate::tui::proxy_feed::channel(name.clone());
        proxy.sinks.push(Arc::new(sink) as Arc<dyn Sink>);
        Some(feed)
    } else {
        proxy.sinks.push(Arc::new(SummaryLines));
        None
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let keys = if keyed {
        format!("the key of provider {name} from the config, in place of the client's")
    } else {
        "the client's own, passed through and recorded masked".into()
    };
    let record = match &args.record {
        Some(p) => format!(
            "\nrecording to {} (replay with: switchboard replay FILE)",
            p.display()
        ),
        None => String::new(),
    };
    if let Some(feed) = feed {
        let result = live_view(bench, listener, proxy, feed, &args.place).await;
        if let Some(w) = writer {
            w.finish();
        }
        return result;
    }
    super::print_err(&format!(
        "Switchboard recording proxy on http://{addr} -> {name}\n\
         OpenAI SDKs: base_url=http://{addr}/v1 · Anthropic and Gemini SDKs: base_url=http://{addr}\n\
         keys: {keys}{record}\n\
         {kept}\n\
         Ctrl-C stops it.",
        kept = match &writer {
            Some(_) => format!(
                "kept in the history at {} (a workbench on it shows them as they come)",
                args.place.dir().path.display()
            ),
            None => "not kept in the history (--no-store or [store] enabled = false)".into(),
        }
    ));
    crate::proxy::serve(listener, proxy, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| format!("proxy failed: {e}"))?;
    if let Some(w) = writer {
        w.finish();
    }
    drop(bench);
    Ok(ExitCode::SUCCESS)
}

/// Adds the history's sink unless storing is off; the writer is to be finished at the end.
fn keep_in_history(
    bench: &Workbench,
    args: &ProxyArgs,
    upstream: &str,
    proxy: &mut ProxyConfig,
) -> Result<Option<StoreWriter>, CliError> {
    if args.place.is_off() || !bench.config.store.enabled {
        return Ok(None);
    }
    let dir = args.place.dir().path;
    let store = crate::store::Store::open_with(&dir, bench.config.store.open_options())
        .map_err(|e| format!("{e} (use --no-store to run the proxy without history)"))?;
    // Under the workbench, stderr is its screen: the log takes the warning instead.
    let warn: fn(&str) = if args.tui {
        |w| tracing::warn!("{w}")
    } else {
        |w| super::print_err(w)
    };
    let provider = (!is_url(&args.upstream)).then_some(upstream);
    let (sink, writer) = StoreSink::start(store, provider, warn)
        .map_err(|e| format!("cannot start the history writer: {e}"))?;
    proxy.sinks.push(Arc::new(sink) as Arc<dyn Sink>);
    Ok(Some(writer))
}

/// `--tui`: the proxy serves in the background while the workbench shows its exchanges;
/// quitting the workbench stops the proxy.
async fn live_view(
    bench: Arc<Workbench>,
    listener: tokio::net::TcpListener,
    proxy: ProxyConfig,
    feed: crate::tui::proxy_feed::ProxyFeed,
    place: &super::history::StorePlace,
) -> Result<ExitCode, CliError> {
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::proxy::serve(listener, proxy, async {
        let _ = stopped.await;
    }));
    let mut options = crate::tui::setup::options(&bench.config, Default::default());
    // The workbench's own turns are kept as in `switchboard` itself; the proxied
    // exchanges go to the same store through the proxy's history sink.
    options.history = super::ui::history_for(place, &bench.config.store);
    options.welcome = Some(format!(
        "proxy on http://{addr} -> {} · OpenAI SDKs: base_url=http://{addr}/v1 · exchanges appear here as they finish",
        feed.upstream
    ));
    options.proxy = Some(feed);
    let model = bench.config.default_model();
    let log = crate::tui::log::init();
    let result = crate::tui::app::run_options(bench, model, options, log).await;
    let _ = stop.send(());
    let _ = server.await;
    result.map_err(|e| format!("the workbench stopped: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
