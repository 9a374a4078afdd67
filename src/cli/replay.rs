//! `switchboard replay FILE`: a trace file re-rendered offline the way `ask` renders a live
//! answer (text to stdout, reasoning to stderr, a summary line), with the recorded frame
//! timing, scaled by `--speed`, or all at once with `--instant`. `--conversation ID` plays
//! a stored conversation's exchanges the same way (frames as stored, events decoded from
//! them again).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use tokio::time::Instant;

use super::CliError;
use crate::llm::event::StreamEvent;
use crate::proxy::summary_line;
use crate::trace::{self, TracedExchange};

#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// A trace file (JSON Lines), as written by `switchboard proxy --record FILE`.
    #[arg(value_name = "FILE", required_unless_present = "conversation")]
    pub file: Option<PathBuf>,
    /// Replay a stored conversation's exchanges instead of a file (ids as `switchboard
    /// history` lists them).
    #[arg(long, value_name = "ID", conflicts_with = "file")]
    pub conversation: Option<i64>,
    /// Set from the global --data-dir and --no-store: where `--conversation` is read.
    #[arg(skip)]
    pub place: super::history::StorePlace,
    /// Play this many times faster than recorded (0.5 is half speed).
    #[arg(long, value_name = "N", default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
    /// No waiting: print everything at once.
    #[arg(long, conflicts_with = "speed")]
    pub instant: bool,
    /// Only this exchange, counting from 1 in file order [default: all of them, in turn].
    #[arg(long, value_name = "N")]
    pub exchange: Option<usize>,
    /// Do not print the model's reasoning (it goes to stderr, dimmed, by default).
    #[arg(long)]
    pub no_reasoning: bool,
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err("expected a positive number, such as 2 or 0.5".into()),
    }
}

/// The exchanges to replay and what they come from, for messages.
fn source(args: &ReplayArgs) -> Result<(Vec<TracedExchange>, String), CliError> {
    if let Some(id) = args.conversation {
        let store = args
            .place
            .open_existing()?
            .ok_or("there is no history yet (nothing was stored in this data directory)")?;
        let exchanges = stored(&store, id).map_err(|e| format!("--conversation {id}: {e}"))?;
        return Ok((exchanges, format!("conversation {id}")));
    }
    let file = args
        .file
        .as_ref()
        .ok_or("give a trace file or --conversation ID")?;
    let trace =
        trace::read_file(file).map_err(|e| format!("cannot replay {}: {e}", file.display()))?;
    Ok((trace.exchanges, file.display().to_string()))
}

/// A stored conversation's exchanges, turn by turn (each turn's last), as trace records.
pub fn stored(store: &crate::store::Store, id: i64) -> crate::store::Result<Vec<TracedExchange>> {
    store.conversation(id)?;
    let mut out = Vec::new();
    for turn in store.turns(id)? {
        let Some(last) = store.turn_exchanges(turn.id)?.pop() else {
            continue;
        };
        let full = store.exchange(last.id)?;
        let protocol = last
            .protocol
            .as_deref()
            .and_then(crate::llm::protocol::Protocol::parse)
            .or_else(|| crate::tui::debug::export::protocol_of(&full.exchange.request.url));
        out.push(TracedExchange::decode(
            protocol,
            full.exchange,
            Some(turn.model.clone()),
            last.cost.clone(),
        ));
    }
    Ok(out)
}

pub async fn run(args: ReplayArgs) -> Result<ExitCode, CliError> {
    let (exchanges, from) = source(&args)?;
    let trace = trace::Trace {
        header: trace::TraceHeader::now(),
        exchanges,
    };
    let total = trace.exchanges.len();
    let chosen: Vec<(usize, &TracedExchange)> = match args.exchange {
        Some(n) if n == 0 || n > total => {
            return Err(format!("--exchange {n}: {from} holds {total} exchange(s)"));
        }
        Some(n) => vec![(n, &trace.exchanges[n - 1])],
        None => trace
            .exchanges
            .iter()
            .enumerate()
            .map(|(i, t)| (i + 1, t))
            .collect(),
    };
    if chosen.is_empty() {
        super::print_err(&format!("{from} holds no exchanges"));
    }
    let speed = if args.instant { None } else { Some(args.speed) };
    let mut out = Output::new(!args.no_reasoning);
    for (n, t) in &chosen {
        if total > 1 {
            out.note(&format!(
                "── exchange {n} of {total}: {} {}",
                t.exchange.request.method, t.exchange.request.url
            ));
        }
        play(t, speed, &mut out).await;
        if out.broken_pipe {
            break;
        }
        out.end_answer();
        out.note(&format!("replayed: {}", summary_line(t)));
    }
    Ok(ExitCode::SUCCESS)
}

/// Plays one exchange's events at their recorded offsets divided by `speed`.
async fn play(t: &TracedExchange, speed: Option<f64>, out: &mut Output) {
    let start = Instant::now();
    for e in &t.events {
        if let Some(speed) = speed {
            let at = Duration::from_micros(t.offset_us(e)).div_f64(speed);
            if start + at > Instant::now() {
                out.flush();
                tokio::time::sleep_until(start + at).await;
            }
        }
        out.event(&e.event);
        if out.broken_pipe {
            return;
        }
    }
    out.flush();
}

/// Answer text to stdout, reasoning to stderr, as `ask` prints them.
struct Output {
    out: std::io::BufWriter<std::io::Stdout>,
    reasoning: bool,
    dim: bool,
    in_reasoning: bool,
    ends_with_newline: bool,
    broken_pipe: bool,
}

impl Output {
    fn new(reasoning: bool) -> Self {
        Output {
            out: std::io::BufWriter::new(std::io::stdout()),
            reasoning,
            dim: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            in_reasoning: false,
            ends_with_newline: true,
            broken_pipe: false,
        }
    }

    fn event(&mut self, ev: &StreamEvent) {
        match ev {
            StreamEvent::TextDelta { text } if !text.is_empty() => {
                self.leave_reasoning();
                self.ends_with_newline = text.ends_with('\n');
                if self.out.write_all(text.as_bytes()).is_err() {
                    self.broken_pipe = true;
                }
            }
            StreamEvent::ReasoningDelta { text } if self.reasoning => {
                let mut err = std::io::stderr().lock();
                if !self.in_reasoning {
                    self.in_reasoning = true;
                    let _ = err.write_all(if self.dim { b"\x1b[2m" } else { b"" });
                }
                let _ = err.write_all(text.as_bytes());
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

    fn flush(&mut self) {
        if !self.broken_pipe && self.out.flush().is_err() {
            self.broken_pipe = true;
        }
    }

    /// Ends the answer on its own line, so what follows does not run into it.
    fn end_answer(&mut self) {
        self.leave_reasoning();
        if !self.ends_with_newline && !self.broken_pipe {
            self.broken_pipe = self.out.write_all(b"\n").is_err();
            self.ends_with_newline = true;
        }
        self.flush();
    }

    /// A line on stderr, after whatever stdout holds.
    fn note(&mut self, line: &str) {
        self.flush();
        super::print_err(line);
    }
}
