//! Where the proxy's finished exchanges go: a summary line on stderr, a trace file, the
//! store (`store_sink.rs`) and the workbench (`tui::proxy_feed`). Anything that can take a `TracedExchange` is a `Sink`,
//! closures included.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::trace::{TraceWriter, TracedExchange};

/// Takes each finished exchange. Called from the proxy's tasks, one exchange at a time per
/// call; keep it quick (write a line, send on a channel).
pub trait Sink: Send + Sync {
    fn record(&self, exchange: &TracedExchange);
}

impl<F: Fn(&TracedExchange) + Send + Sync> Sink for F {
    fn record(&self, exchange: &TracedExchange) {
        self(exchange)
    }
}

/// One summary line per exchange on stderr.
pub struct SummaryLines;

impl Sink for SummaryLines {
    fn record(&self, exchange: &TracedExchange) {
        let line = format!("proxy {}\n", summary_line(exchange));
        // One write, and no panic when stderr is gone.
        let _ = io::stderr().write_all(line.as_bytes());
    }
}

/// A trace file (JSON Lines, `crate::trace`), written one whole exchange at a time.
pub struct TraceFile {
    writer: Mutex<TraceWriter<BufWriter<File>>>,
    failed: AtomicBool,
}

impl TraceFile {
    /// Creates (or truncates) `path` and writes the trace header.
    pub fn create(path: &Path) -> io::Result<TraceFile> {
        let file = File::create(path)?;
        Ok(TraceFile {
            writer: Mutex::new(TraceWriter::new(BufWriter::new(file))?),
            failed: AtomicBool::new(false),
        })
    }
}

impl Sink for TraceFile {
    fn record(&self, exchange: &TracedExchange) {
        let result = match self.writer.lock() {
            Ok(mut w) => w.write(exchange),
            Err(_) => Err(io::Error::other("a writer panicked")),
        };
        if let Err(e) = result
            && !self.failed.swap(true, Ordering::Relaxed)
        {
            let line = format!("switchboard proxy: cannot write the trace file: {e}\n");
            let _ = io::stderr().write_all(line.as_bytes());
        }
    }
}

fn ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// `#3 demo-fast · POST /v1/chat/completions · 200 · openai-chat · in 12 · out 80 ·
/// TTFB 3.1 ms · TTFT 5.0 ms · 0.42 s · 14 frames · $0.000123 · stop`, then the error if
/// there was one.
pub fn summary_line(t: &TracedExchange) -> String {
    let ex = &t.exchange;
    let url = &ex.request.url;
    let path = url
        .find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| &url[i + 3 + j..]))
        .unwrap_or(url);
    let mut parts = vec![
        t.label.clone().unwrap_or_else(|| "exchange".into()),
        format!("{} {path}", ex.request.method),
    ];
    parts.push(ex.status.map_or("no response".into(), |s| s.to_string()));
    if let Some(p) = t.protocol {
        parts.push(p.name().to_string());
    }
    if let Some(u) = &ex.usage {
        let cached = if u.cached_read > 0 {
            format!(" (cached {})", u.cached_read)
        } else {
            String::new()
        };
        let reasoning = if u.reasoning > 0 {
            format!(" (reasoning {})", u.reasoning)
        } else {
            String::new()
        };
        parts.push(format!(
            "in {}{cached} · out {}{reasoning}",
            u.input, u.output
        ));
    }
    if let Some(us) = ex.ttfb_us {
        parts.push(format!("TTFB {}", ms(us)));
    }
    if let Some(us) = ex.ttft_us {
        parts.push(format!("TTFT {}", ms(us)));
    }
    if let Some(us) = ex.total_us {
        parts.push(format!("{:.2} s", us as f64 / 1e6));
    }
    if !ex.frames.is_empty() {
        parts.push(format!("{} frames", ex.frames.len()));
    }
    let provider = ex.usage.as_ref().and_then(|u| u.provider_cost.as_ref());
    match (&t.cost, provider) {
        (Some(c), Some(p)) => parts.push(format!("{c} (provider: {p})")),
        (Some(c), None) => parts.push(c.to_string()),
        (None, Some(p)) => parts.push(format!("provider cost {p}")),
        (None, None) if ex.usage.is_some() => parts.push("cost unknown".into()),
        (None, None) => {}
    }
    if let Some(r) = &ex.stop_reason {
        parts.push(r.label().to_string());
    }
    if let Some(e) = &ex.error {
        parts.push(format!("error: {e}"));
    }
    parts.join(" · ")
}
