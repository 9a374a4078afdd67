//! `switchboard ask`: one prompt, the answer streamed to stdout, a summary line on stderr.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::{CliError, load_config};
use crate::llm::chat::{ChatRequest, Message, ReasoningEffort, Role};
use crate::llm::error::ProviderError;
use crate::llm::event::StreamEvent;
use crate::llm::http::Exchange;
use crate::llm::money::{Money, cost};
use crate::llm::protocol::Protocol;
use crate::llm::provider::ModelRef;
use crate::llm::run::{self, Update};
use crate::workbench::Workbench;

#[derive(Args, Debug, Clone, Default)]
pub struct AskArgs {
    /// The model, as PROVIDER/MODEL [default: the config's default_model, else demo/demo-fast]
    #[arg(short, long, value_name = "PROVIDER/MODEL")]
    pub model: Option<String>,
    /// A system prompt.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    #[arg(long, value_name = "X")]
    pub temperature: Option<f64>,
    #[arg(long, value_name = "X")]
    pub top_p: Option<f64>,
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,
    #[arg(long, value_name = "N")]
    pub seed: Option<i64>,
    /// minimal | low | medium | high
    #[arg(long, value_name = "EFFORT", value_parser = parse_effort)]
    pub reasoning_effort: Option<ReasoningEffort>,
    /// A stop sequence (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub stop: Vec<String>,
    /// An extra body field, KEY=VALUE with VALUE as JSON (or a plain string); repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// The wire protocol: openai-chat | anthropic | openai-responses | gemini [default: the
    /// model's preferred route on its provider, else the provider's protocol]
    #[arg(long, value_name = "PROTOCOL", value_parser = parse_protocol)]
    pub protocol: Option<Protocol>,
    /// Ask for the whole answer at once instead of a stream.
    #[arg(long)]
    pub no_stream: bool,
    /// Print one JSON object per stream event and a final summary object.
    #[arg(long)]
    pub json: bool,
    /// Do not print the model's reasoning (it goes to stderr, dimmed, by default).
    #[arg(long)]
    pub no_reasoning: bool,
    /// Also write the exchange as a JSONL trace to FILE (redacted request, every frame with
    /// its offset, decoded events, usage, timings); `switchboard replay FILE` plays it back.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<std::path::PathBuf>,
    /// History: `--continue [ID]`; where the store is (from the global flags).
    #[command(flatten)]
    pub store: super::history::AskStoreArgs,
    /// The prompt; read from stdin when absent or `-`.
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,
}

fn parse_protocol(s: &str) -> Result<Protocol, String> {
    Protocol::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Protocol::ALL.iter().map(|p| p.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

fn parse_effort(s: &str) -> Result<ReasoningEffort, String> {
    ReasoningEffort::parse(s).ok_or_else(|| "expected minimal, low, medium or high".into())
}

pub async fn run(config_path: Option<&Path>, mut args: AskArgs) -> Result<ExitCode, CliError> {
    let config = load_config(config_path)?;
    let mut record = super::history::AskRecord::open(
        &args.store,
        &config.store,
        &mut args.model,
        &mut args.prompt,
    )?;
    let model_text = args.model.clone().unwrap_or_else(|| config.default_model());
    let model = ModelRef::parse(&model_text)?;
    let prompt = read_prompt(&args.prompt)?;
    let mut chat = build_chat(&args, prompt)?;
    record.prepend_history(&mut chat, &model_text)?;
    let bench = Workbench::new(config).map_err(|e| e.to_string())?;
    let prepared = bench
        .prepare_with(&model, &chat, args.protocol)
        .await
        .map_err(|e| e.to_string())?;
    if !args.json {
        for note in &prepared.notes {
            eprintln!("note: {note}");
        }
    }

    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });
    let mut printer = Printer::new(args.json, !args.no_reasoning, cancel.clone());
    record.begin(&model_text, prepared.protocol.name(), &chat)?;
    let tracing_events = args.trace.is_some();
    let mut events: Vec<StreamEvent> = Vec::new();
    // A title model names the conversation after its first answer: keep the answer's text.
    let titler = match &bench.config.store.title_model {
        Some(m) if record.started().is_some() => Some(ModelRef::parse(m)?),
        _ => None,
    };
    let mut answer = String::new();
    let exchange = run::run(
        &bench.client,
        &prepared.request,
        prepared.protocol,
        &prepared.options,
        &cancel,
        &mut |u| {
            if tracing_events && let Update::Event(e) = &u {
                events.push((*e).clone());
            }
            if titler.is_some()
                && let Update::Event(StreamEvent::TextDelta { text }) = &u
            {
                answer.push_str(text);
            }
            record.update(&u);
            printer.update(u)
        },
    )
    .await;
    interrupt.abort();
    printer.end();
    let price = bench.known_price(&model);
    let computed = exchange
        .usage
        .as_ref()
        .zip(price.as_ref())
        .and_then(|(u, p)| cost(u, p));
    record.finish(&exchange, computed.as_ref());
    let title = match &titler {
        Some(by) if exchange.error.is_none() => {
            let prompt = chat
                .messages
                .last()
                .map(Message::joined_text)
                .unwrap_or_default();
            let titled = crate::title::write(&bench, by, &prompt, &answer, &cancel).await;
            if let Ok(t) = &titled {
                record.rename(&t.title);
            }
            Some((by, titled))
        }
        _ => None,
    };
    if args.json {
        let mut summary = summary_json(&model, &exchange, computed.as_ref());
        if let Some((by, titled)) = &title {
            summary["title"] = match titled {
                Ok(t) => json!({
                    "title": t.title,
                    "model": by.to_string(),
                    "cost": t.cost.as_ref().map(ToString::to_string),
                    "reported_cost": t.reported.as_ref().map(ToString::to_string),
                }),
                Err(e) => json!({ "model": by.to_string(), "error": e }),
            };
        }
        summary["protocol"] = json!(prepared.protocol.name());
        summary["notes"] = json!(prepared.notes);
        printer.json_line(&summary);
    } else {
        for e in &exchange.decode_errors {
            eprintln!("warning: {e}");
        }
        // A request that got no answer at all has nothing to summarise but its error.
        let answered = exchange.status.is_some_and(|s| (200..300).contains(&s));
        if answered {
            eprintln!(
                "{}",
                summary_line(&model, &exchange, computed.as_ref(), price.is_some())
            );
        }
        match &title {
            Some((by, Ok(t))) => {
                let spent = t.cost.as_ref().or(t.reported.as_ref());
                let spent = spent.map_or_else(|| "cost unknown".into(), ToString::to_string);
                eprintln!("title: {} (by {by}, {spent})", t.title);
            }
            Some((by, Err(e))) => {
                eprintln!("warning: {by} could not write the title: {e} (the first line is kept)")
            }
            None => {}
        }
    }
    printer.flush();
    if let Some(path) = &args.trace {
        write_trace(
            path,
            &model_text,
            prepared.protocol,
            &exchange,
            &events,
            computed,
        )
        .map_err(|e| format!("cannot write the trace {}: {e}", path.display()))?;
    }
    match &exchange.error {
        None => Ok(ExitCode::SUCCESS),
        Some(ProviderError::Cancelled) if printer.broken_pipe => Ok(ExitCode::SUCCESS),
        Some(ProviderError::Cancelled) => {
            eprintln!("switchboard: cancelled");
            Ok(ExitCode::from(130))
        }
        // One line: the provider's message, then what to do about it.
        Some(e) => Err(match e.advice() {
            Some(advice) => format!("{e} (what to do: {advice})"),
            None => e.to_string(),
        }),
    }
}

/// Writes the exchange of `ask --trace FILE` (the file is replaced: it was named on the
/// command line).
fn write_trace(
    path: &Path,
    label: &str,
    protocol: Protocol,
    exchange: &Exchange,
    events: &[StreamEvent],
    cost: Option<Money>,
) -> std::io::Result<()> {
    let mut traced = crate::trace::TracedExchange::from_events(protocol, exchange.clone(), events);
    traced.label = Some(label.to_string());
    traced.cost = cost;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    crate::trace::TraceWriter::new(&mut out)?.write(&traced)?;
    out.flush()
}

pub(super) fn read_prompt(words: &[String]) -> Result<String, CliError> {
    if !(words.is_empty() || words == ["-"]) {
        return Ok(words.join(" "));
    }
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err("no prompt: pass it as an argument or on stdin".into());
    }
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read the prompt from stdin: {e}"))?;
    if text.trim().is_empty() {
        return Err("the prompt on stdin is empty".into());
    }
    Ok(text)
}

fn build_chat(args: &AskArgs, prompt: String) -> Result<ChatRequest, CliError> {
    let mut chat = ChatRequest::new(String::new(), prompt);
    if let Some(system) = &args.system {
        chat.messages
            .insert(0, Message::text(Role::System, system.clone()));
    }
    chat.stream = !args.no_stream;
    let p = &mut chat.params;
    p.temperature = args.temperature;
    p.top_p = args.top_p;
    p.max_tokens = args.max_tokens;
    p.seed = args.seed;
    p.reasoning_effort = args.reasoning_effort;
    p.stop = args.stop.clone();
    let mut extra = Map::new();
    for kv in &args.params {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--param {kv}: expected KEY=VALUE"))?;
        let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()));
        extra.insert(k.to_string(), value);
    }
    p.extra = extra;
    Ok(chat)
}

/// Writes the stream as it arrives: answer text to stdout, reasoning to stderr.
struct Printer {
    out: std::io::BufWriter<std::io::Stdout>,
    json: bool,
    reasoning: bool,
    dim: bool,
    in_reasoning: bool,
    wrote_text: bool,
    ends_with_newline: bool,
    broken_pipe: bool,
    cancel: CancellationToken,
}

impl Printer {
    fn new(json: bool, reasoning: bool, cancel: CancellationToken) -> Self {
        Printer {
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            json,
            reasoning,
            dim: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            in_reasoning: false,
            wrote_text: false,
            ends_with_newline: true,
            broken_pipe: false,
            cancel,
        }
    }

    fn update(&mut self, u: Update<'_>) {
        match u {
            Update::Event(ev) if self.json => {
                let line = serde_json::to_value(ev).unwrap_or(Value::Null);
                self.json_line(&line);
            }
            Update::Event(StreamEvent::TextDelta { text }) => {
                self.leave_reasoning();
                self.wrote_text = true;
                self.ends_with_newline = text.ends_with('\n');
                self.write(text.as_bytes());
            }
            Update::Event(StreamEvent::ReasoningDelta { text }) if self.reasoning => {
                let mut err = std::io::stderr().lock();
                if !self.in_reasoning {
                    self.in_reasoning = true;
                    let _ = err.write_all(if self.dim { b"\x1b[2m" } else { b"" });
                }
                let _ = err.write_all(text.as_bytes());
            }
            Update::Pending => self.flush(),
            Update::Retrying { wait, reason, .. } => {
                eprintln!("retrying in {:.1} s: {reason}", wait.as_secs_f64());
            }
            _ => {}
        }
    }

    fn leave_reasoning(&mut self) {
        if self.in_reasoning {
            self.in_reasoning = false;
            let reset: &[u8] = if self.dim { b"\x1b[0m\n\n" } else { b"\n\n" };
            let _ = std::io::stderr().write_all(reset);
        }
    }

    fn json_line(&mut self, v: &Value) {
        let mut line = v.to_string();
        line.push('\n');
        self.write(line.as_bytes());
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.broken_pipe {
            return;
        }
        if self.out.write_all(bytes).is_err() {
            // Whoever read our output has gone (`| head`): stop the request, quietly.
            self.broken_pipe = true;
            self.cancel.cancel();
        }
    }

    fn flush(&mut self) {
        if !self.broken_pipe && self.out.flush().is_err() {
            self.broken_pipe = true;
            self.cancel.cancel();
        }
    }

    /// Ends the answer on its own line, so the summary does not run into it.
    fn end(&mut self) {
        self.leave_reasoning();
        if !self.json && self.wrote_text && !self.ends_with_newline {
            self.write(b"\n");
        }
        self.flush();
    }
}

fn ms(us: Option<u64>) -> Option<f64> {
    us.map(|u| u as f64 / 1000.0)
}

fn summary_line(
    model: &ModelRef,
    ex: &Exchange,
    computed: Option<&Money>,
    price_known: bool,
) -> String {
    let mut parts = vec![model.to_string()];
    if let Some(u) = &ex.usage {
        parts.push(format!(
            "in {} (cached {}) · out {} (reasoning {})",
            u.input, u.cached_read, u.output, u.reasoning
        ));
    } else {
        parts.push("no usage reported".into());
    }
    if let Some(t) = ms(ex.ttft_us) {
        parts.push(format!("TTFT {t:.0} ms"));
    }
    if let Some(tps) = ex.tokens_per_second() {
        parts.push(format!("{tps:.1} tok/s"));
    }
    if let Some(t) = ms(ex.total_us) {
        parts.push(format!("{:.2} s", t / 1000.0));
    }
    let provider = ex.usage.as_ref().and_then(|u| u.provider_cost.as_ref());
    let cost_text = match (computed, provider) {
        (Some(c), Some(p)) => format!("{c} (provider: {p})"),
        (Some(c), None) => c.to_string(),
        (None, Some(p)) => format!("cost unknown (provider: {p})"),
        (None, None) if !price_known => "cost unknown: no price for this model".into(),
        (None, None) => "cost unknown".into(),
    };
    parts.push(cost_text);
    if let Some(r) = &ex.stop_reason {
        parts.push(r.label().to_string());
    }
    parts.join(" · ")
}

fn summary_json(model: &ModelRef, ex: &Exchange, computed: Option<&Money>) -> Value {
    json!({
        "type": "summary",
        "model": model.to_string(),
        "status": ex.status,
        "attempts": ex.attempts,
        "ttfb_ms": ms(ex.ttfb_us),
        "ttft_ms": ms(ex.ttft_us),
        "total_ms": ms(ex.total_us),
        "tokens_per_second": ex.tokens_per_second(),
        "frames": ex.frames.len(),
        "usage": ex.usage,
        "cost": computed,
        "provider_cost": ex.usage.as_ref().and_then(|u| u.provider_cost.clone()),
        "stop_reason": ex.stop_reason,
        "decode_errors": ex.decode_errors,
        "error": ex.error.as_ref().map(|e| json!({"message": e.to_string(), "detail": e})),
        "request": ex.request,
    })
}
