//! `switchboard compare -m A -m B [--param temperature=0,1] PROMPT`: one prompt to every
//! lane at once, live progress per lane on stderr, then a Markdown report (or `--json`) on
//! stdout. Exits non-zero only when every lane failed.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::history::StorePlace;
use super::{CliError, load_config, print_err};
use crate::compare::{
    CompareRecord, LaneAnswer, LaneOutcome, LaneSpec, LaneStatus, LaneUpdate, Report, ReportLane,
    Round, Session, check_count, expand, letter, parse_param, parse_protocols, run_all,
};
use crate::llm::chat::Params;
use crate::llm::event::StreamEvent;
use crate::llm::provider::ModelRef;
use crate::llm::run::Update;
use crate::workbench::Workbench;

#[derive(Args, Debug, Clone, Default)]
pub struct CompareArgs {
    /// A model, as PROVIDER/MODEL; repeat for each lane (`-m A -m B`).
    #[arg(short = 'm', long = "model", value_name = "PROVIDER/MODEL")]
    pub models: Vec<String>,
    /// A parameter for every lane, KEY=VALUE; several values (`temperature=0,1`) make a lane
    /// per value for each model. temperature, top_p, max_tokens, seed, reasoning_effort,
    /// stop and system set those; any other key is an extra body field (VALUE as JSON).
    #[arg(long = "param", value_name = "KEY=V1[,V2...]")]
    pub params: Vec<String>,
    /// The wire protocol; several (`openai-chat,anthropic`) make a lane per protocol for
    /// each model [default: each model's preferred route]
    #[arg(long, value_name = "PROTOCOL[,PROTOCOL...]")]
    pub protocol: Option<String>,
    /// A system prompt for every lane.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// Print the report as JSON instead of Markdown.
    #[arg(long)]
    pub json: bool,
    /// Set from the global --data-dir and --no-store.
    #[arg(skip)]
    pub place: StorePlace,
    /// The prompt; read from stdin when absent or `-`.
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,
}

/// The lanes the arguments ask for.
pub fn lanes(args: &CompareArgs) -> Result<Vec<LaneSpec>, CliError> {
    if args.models.is_empty() {
        return Err("name the models to compare: -m PROVIDER/MODEL -m PROVIDER/MODEL".into());
    }
    let models = args
        .models
        .iter()
        .map(|m| ModelRef::parse(m).map_err(|e| format!("-m {m}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let params = args
        .params
        .iter()
        .map(|p| parse_param(p))
        .collect::<Result<Vec<_>, _>>()?;
    let protocols = match &args.protocol {
        None => Vec::new(),
        Some(list) => parse_protocols(list).map_err(|e| format!("--protocol {e}"))?,
    };
    let lanes = expand(&models, &params, &protocols);
    check_count(lanes.len())?;
    // A bad value is reported before anything is sent.
    let probe = crate::llm::chat::ChatRequest::new("", "");
    for l in &lanes {
        l.apply(&probe)?;
    }
    Ok(lanes)
}

pub async fn run(config_path: Option<&Path>, args: CompareArgs) -> Result<ExitCode, CliError> {
    let config = load_config(config_path)?;
    let specs = lanes(&args)?;
    let prompt = super::ask::read_prompt(&args.prompt)?;
    let bench = Workbench::new(config).map_err(|e| e.to_string())?;
    let session = Session::new(specs.len(), args.system.clone(), Params::default());
    let chats: Vec<_> = (0..specs.len())
        .map(|i| session.chat_for(i, &prompt))
        .collect();
    let mut record = match args.place.is_off() {
        true => None,
        false => {
            let store = args
                .place
                .open()
                .map_err(|e| format!("{e} (use --no-store to run without history)"))?;
            let mut r = CompareRecord::create(store, &prompt, args.system.as_deref(), &specs)
                .map_err(|e| format!("cannot store the comparison: {e} (use --no-store)"))?;
            for i in 0..specs.len() {
                r.begin(i, &prompt)
                    .map_err(|e| format!("cannot store the prompt: {e} (use --no-store)"))?;
            }
            Some(r)
        }
    };
    let root = CancellationToken::new();
    let cancels: Vec<_> = specs.iter().map(|_| root.child_token()).collect();
    let on_interrupt = root.clone();
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });
    let progress = Mutex::new(Progress::new(&specs));
    let warned = Mutex::new(false);
    let shared = Mutex::new(record.as_mut());
    let on = |i: usize, u: LaneUpdate<'_>| {
        if let LaneUpdate::Run(run) = &u
            && let Ok(mut rec) = shared.lock()
            && let Some(r) = rec.as_mut()
            && let Err(e) = r.update(i, run)
        {
            warn_once(&warned, &e.to_string());
        }
        if let Ok(mut p) = progress.lock() {
            p.update(i, &u);
        }
    };
    let outcomes = run_all(&bench, &specs, &chats, &cancels, &on).await;
    interrupt.abort();
    // Ends the borrow of `record` the lanes wrote through.
    let _ = shared.into_inner();
    if let Ok(mut p) = progress.lock() {
        p.finish(&outcomes);
    }
    let mut id = None;
    if let Some(r) = record.as_mut() {
        for (i, o) in outcomes.iter().enumerate() {
            if let Err(e) = r.finish(i, o) {
                warn_once(&warned, &e.to_string());
            }
        }
        id = Some(r.id());
    }
    let report = build_report(id, &prompt, args.system.as_deref(), &specs, &outcomes);
    let text = if args.json {
        report.to_json() + "\n"
    } else {
        report.to_markdown()
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    let failed = outcomes
        .iter()
        .filter(|o| o.metrics.status == LaneStatus::Failed);
    if root.is_cancelled() {
        print_err("switchboard: cancelled");
        return Ok(ExitCode::from(130));
    }
    if failed.count() == outcomes.len() {
        return Err("every lane failed".into());
    }
    Ok(ExitCode::SUCCESS)
}

fn warn_once(warned: &Mutex<bool>, e: &str) {
    if let Ok(mut w) = warned.lock()
        && !*w
    {
        *w = true;
        print_err(&format!(
            "warning: history: {e} (the text is kept when the database frees up)"
        ));
    }
}

/// The report of one round run by the command.
pub fn build_report(
    id: Option<i64>,
    prompt: &str,
    system: Option<&str>,
    specs: &[LaneSpec],
    outcomes: &[LaneOutcome],
) -> Report {
    let lanes = specs
        .iter()
        .zip(outcomes)
        .enumerate()
        .map(|(i, (s, o))| ReportLane {
            letter: letter(i),
            label: s.label(),
            model: s.model.to_string(),
            protocol: o.protocol.or(s.protocol).map(|p| p.name().to_string()),
            params: Value::Object(s.params.clone()),
        })
        .collect();
    let answers = outcomes
        .iter()
        .map(|o| LaneAnswer {
            answer: o.answer.clone(),
            reasoning: o.reasoning.clone(),
            metrics: o.metrics.clone(),
        })
        .collect();
    Report {
        id,
        title: crate::store::auto_title(prompt),
        system: system.map(str::to_string),
        params: Value::Object(Map::new()),
        blind: false,
        lanes,
        rounds: vec![Round::new(prompt.to_string(), answers)],
        verdict: None,
    }
}

/// Live progress on stderr: on a terminal, one line per lane redrawn in place; otherwise a
/// plain line when a lane starts answering and when it ends.
struct Progress {
    tty: bool,
    labels: Vec<String>,
    lanes: Vec<LaneLine>,
    start: Instant,
    drawn: bool,
    last_draw: Option<Instant>,
}

#[derive(Default, Clone)]
struct LaneLine {
    status: Option<&'static str>,
    ttft_ms: Option<u128>,
    deltas: u64,
}

const REDRAW: Duration = Duration::from_millis(100);

impl Progress {
    fn new(specs: &[LaneSpec]) -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            labels: specs
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{} {}", letter(i), s.label()))
                .collect(),
            lanes: vec![LaneLine::default(); specs.len()],
            start: Instant::now(),
            drawn: false,
            last_draw: None,
        }
    }

    fn update(&mut self, i: usize, u: &LaneUpdate<'_>) {
        let Some(lane) = self.lanes.get_mut(i) else {
            return;
        };
        let first = match u {
            LaneUpdate::Prepared { .. } => {
                lane.status = Some("waiting");
                false
            }
            LaneUpdate::Run(Update::Event(
                StreamEvent::TextDelta { .. }
                | StreamEvent::ReasoningDelta { .. }
                | StreamEvent::ToolCallDelta { .. },
            )) => {
                lane.deltas += 1;
                let first = lane.ttft_ms.is_none();
                if first {
                    lane.ttft_ms = Some(self.start.elapsed().as_millis());
                    lane.status = Some("streaming");
                }
                first
            }
            _ => false,
        };
        if self.tty {
            let due = self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW);
            if due || first {
                self.draw(None);
            }
        } else if first {
            let ms = lane.ttft_ms.unwrap_or(0);
            print_err(&format!("{}: first token after {ms} ms", self.labels[i]));
        }
    }

    fn line(&self, i: usize, o: Option<&LaneOutcome>) -> String {
        let lane = &self.lanes[i];
        let label = &self.labels[i];
        match o {
            Some(o) => {
                let m = &o.metrics;
                let mut parts = vec![format!("{label}: {}", m.status.label())];
                if let Some(e) = &m.error {
                    parts.push(e.clone());
                }
                if let Some(advice) = o.error().and_then(|e| e.advice()) {
                    parts.push(format!("what to do: {advice}"));
                }
                if let Some(n) = m.output_tokens {
                    parts.push(format!("{n} tokens"));
                }
                parts.push(crate::compare::report::ms_text(m.total_us));
                if let Some(c) = &m.cost {
                    parts.push(c.to_string());
                }
                parts.join(" · ")
            }
            None => {
                let status = lane.status.unwrap_or("preparing");
                let ttft = lane
                    .ttft_ms
                    .map(|t| format!(" · TTFT {t} ms"))
                    .unwrap_or_default();
                format!("{label}: {status}{ttft} · {} tokens", lane.deltas)
            }
        }
    }

    fn draw(&mut self, outcomes: Option<&[LaneOutcome]>) {
        let n = self.lanes.len();
        let mut text = String::new();
        if self.drawn {
            text.push_str(&format!("\x1b[{n}A"));
        }
        for i in 0..n {
            let line = self.line(i, outcomes.and_then(|o| o.get(i)));
            text.push_str(&format!("\r\x1b[2K{line}\n"));
        }
        let _ = std::io::stderr().write_all(text.as_bytes());
        self.drawn = true;
        self.last_draw = Some(Instant::now());
    }

    fn finish(&mut self, outcomes: &[LaneOutcome]) {
        if self.tty {
            self.draw(Some(outcomes));
        } else {
            for i in 0..outcomes.len().min(self.lanes.len()) {
                print_err(&self.line(i, outcomes.get(i)));
            }
        }
    }
}
