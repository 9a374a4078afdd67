//! Keeping comparisons in the store (its `comparisons`, `lanes` and `verdicts` tables, one
//! conversation per lane) and reading them back as a `Report`.
//!
//! Each lane's prompt is committed before its request goes out, its text is appended while
//! it streams, and its exchange is written when it ends, through the same `TurnWriter` a
//! chat uses: a comparison loses nothing a chat would not.

use std::time::Instant;

use serde_json::{Value, json};

use super::metrics::{LaneMetrics, LaneStatus};
use super::report::{LaneAnswer, Report, ReportLane, Round, VerdictReport};
use super::run::LaneOutcome;
use super::spec::{LaneSpec, letter};
use crate::llm::run::Update;
use crate::store::{
    self, Comparison, ComparisonId, ExchangeRecord, NewLane, NewTurn, Store, StoreError,
    TurnStatus, TurnWriter,
};

/// The verdict word for the best lane; rankings are stored as `rank:N`.
pub const BEST: &str = "best";

/// A comparison being written: the stored comparison and a writer per streaming lane.
pub struct CompareRecord {
    store: Store,
    comparison: Comparison,
    writers: Vec<Option<TurnWriter>>,
}

impl CompareRecord {
    /// Creates the comparison (one conversation per lane) for `prompt`.
    pub fn create(
        store: Store,
        prompt: &str,
        system: Option<&str>,
        lanes: &[LaneSpec],
    ) -> store::Result<CompareRecord> {
        let comparison = store.create_comparison(prompt, system, &new_lanes(lanes))?;
        Ok(CompareRecord {
            store,
            writers: (0..lanes.len()).map(|_| None).collect(),
            comparison,
        })
    }

    /// The stored comparison's id.
    pub fn id(&self) -> ComparisonId {
        self.comparison.id
    }

    /// Commits lane `i`'s prompt as a streaming turn: call it before sending.
    pub fn begin(&mut self, i: usize, prompt: &str) -> store::Result<()> {
        let Some(lane) = self.comparison.lanes.get(i) else {
            return Err(StoreError::NotFound(format!("lane {i}")));
        };
        let turn = NewTurn {
            model: &lane.model,
            prompt,
            parent_turn: None,
        };
        let writer = self.store.begin_turn(lane.conversation_id, turn)?;
        self.writers[i] = Some(writer);
        Ok(())
    }

    /// Takes a runner update of lane `i`; commits text when a batch is due.
    pub fn update(&mut self, i: usize, update: &Update<'_>) -> store::Result<()> {
        let Some(Some(w)) = self.writers.get_mut(i) else {
            return Ok(());
        };
        if let Update::Event(event) = update {
            w.push_event(event);
        }
        w.flush_if_due(Instant::now())?;
        Ok(())
    }

    /// Ends lane `i`'s turn with its outcome: the exchange when a request went out, else
    /// the error that stopped it before.
    pub fn finish(&mut self, i: usize, outcome: &LaneOutcome) -> store::Result<()> {
        let Some(writer) = self.writers.get_mut(i).and_then(Option::take) else {
            return Ok(());
        };
        let model = self.comparison.lanes[i].model.clone();
        match &outcome.exchange {
            Some(ex) => {
                let (status, error) = store::outcome(ex);
                let rec = ExchangeRecord {
                    exchange: ex,
                    source: "compare",
                    model: Some(&model),
                    protocol: outcome.protocol.map(|p| p.name()),
                    cost: outcome.metrics.cost.as_ref(),
                    packed: None,
                };
                writer.finish(status, error.as_deref(), Some(&rec))?;
            }
            None => {
                let error = outcome.error.as_ref().map(ToString::to_string);
                let status = match outcome.metrics.status {
                    LaneStatus::Cancelled => TurnStatus::Cancelled,
                    _ => TurnStatus::Failed,
                };
                writer.finish(status, error.as_deref(), None)?;
            }
        }
        Ok(())
    }

    /// Records the verdict: the best lane, then the ranking (best first), `blind` when
    /// the lanes were judged without their names.
    pub fn verdict(&self, verdict: &VerdictReport, blind: bool) -> store::Result<()> {
        save_verdict(&self.store, &self.comparison, verdict, blind)
    }
}

/// Writes `verdict` on a stored comparison.
pub fn save_verdict(
    store: &Store,
    comparison: &Comparison,
    verdict: &VerdictReport,
    blind: bool,
) -> store::Result<()> {
    let lane_id = |i: usize| comparison.lanes.get(i).map(|l| l.id);
    let note = match (&verdict.note, blind) {
        (Some(n), true) => Some(format!("blind · {n}")),
        (Some(n), false) => Some(n.clone()),
        (None, true) => Some("blind".to_string()),
        (None, false) => None,
    };
    if let Some(b) = verdict.best {
        store.add_verdict(comparison.id, lane_id(b), BEST, note.as_deref())?;
    }
    for (n, i) in verdict.ranking.iter().enumerate() {
        let word = format!("rank:{}", n + 1);
        store.add_verdict(comparison.id, lane_id(*i), &word, note.as_deref())?;
    }
    Ok(())
}

/// The stored form of `lanes`: label, model, and the params with the protocol among them.
pub fn new_lanes(lanes: &[LaneSpec]) -> Vec<NewLane> {
    lanes
        .iter()
        .map(|l| NewLane {
            label: l.label(),
            model: l.model.to_string(),
            params: lane_params(l),
        })
        .collect()
}

fn lane_params(l: &LaneSpec) -> Value {
    let mut v = Value::Object(l.params.clone());
    if let Some(p) = l.protocol {
        v["protocol"] = json!(p.name());
    }
    v
}

/// Comparison `id` read back from the store as a report: its lanes, a round per prompt,
/// each lane's answer and metrics (from its stored exchange), and the latest verdict.
pub fn load_report(store: &Store, id: ComparisonId) -> store::Result<Report> {
    let c = store.comparison(id)?;
    let mut lanes = Vec::new();
    let mut turns = Vec::new();
    for (i, l) in c.lanes.iter().enumerate() {
        let mut params = l.params.clone();
        let protocol = params
            .as_object_mut()
            .and_then(|m| m.remove("protocol"))
            .and_then(|p| p.as_str().map(str::to_string));
        lanes.push(ReportLane {
            letter: letter(i),
            label: l.label.clone(),
            model: l.model.clone(),
            protocol,
            params,
        });
        let all = store.turns(l.conversation_id)?;
        // A retried round's turn names the turn it replaced as its parent: the round
        // keeps the newer answer, like the screen did.
        let replaced: std::collections::HashSet<_> =
            all.iter().filter_map(|t| t.parent_turn_id).collect();
        turns.push(
            all.into_iter()
                .filter(|t| !replaced.contains(&t.id))
                .collect::<Vec<_>>(),
        );
    }
    let n_rounds = turns.iter().map(Vec::len).max().unwrap_or(0);
    let mut rounds = Vec::new();
    for k in 0..n_rounds {
        let mut prompt = None;
        let mut answers = Vec::new();
        for (i, lane_turns) in turns.iter().enumerate() {
            let Some(t) = lane_turns.get(k) else {
                answers.push(LaneAnswer {
                    answer: String::new(),
                    reasoning: String::new(),
                    metrics: LaneMetrics::default(),
                });
                continue;
            };
            prompt.get_or_insert_with(|| t.prompt.clone());
            let mut metrics = match store.turn_exchanges(t.id)?.last() {
                Some(summary) => {
                    let full = store.exchange(summary.id)?;
                    let mut m = LaneMetrics::from_exchange(&full.exchange, None);
                    m.cost = summary.cost.clone();
                    if lanes[i].protocol.is_none() {
                        lanes[i].protocol = summary.protocol.clone();
                    }
                    m
                }
                None => LaneMetrics::default(),
            };
            metrics.status = match t.status {
                TurnStatus::Done => LaneStatus::Done,
                TurnStatus::Cancelled => LaneStatus::Cancelled,
                TurnStatus::Streaming => LaneStatus::Streaming,
                TurnStatus::Failed | TurnStatus::Interrupted => LaneStatus::Failed,
            };
            if metrics.status == LaneStatus::Failed && metrics.error.is_none() {
                metrics.error = t.error.clone();
            }
            answers.push(LaneAnswer {
                answer: t.answer.clone(),
                reasoning: t.reasoning.clone(),
                metrics,
            });
        }
        rounds.push(Round::new(prompt.unwrap_or_default(), answers));
    }
    let blind = c
        .verdicts
        .iter()
        .any(|v| v.note.as_deref().is_some_and(|n| n.starts_with("blind")));
    Ok(Report {
        id: Some(c.id),
        title: c.title.clone(),
        system: c.system_prompt.clone(),
        params: json!({}),
        blind,
        verdict: verdict_of(&c),
        lanes,
        rounds,
    })
}

/// The latest verdict of `c`: the last `best`, and the last full ranking.
fn verdict_of(c: &Comparison) -> Option<VerdictReport> {
    let index = |lane: Option<i64>| lane.and_then(|id| c.lanes.iter().position(|l| l.id == id));
    let best = c
        .verdicts
        .iter()
        .rev()
        .find(|v| v.verdict == BEST)
        .and_then(|v| index(v.lane_id));
    let mut ranked: Vec<(usize, i64, usize)> = c
        .verdicts
        .iter()
        .filter_map(|v| {
            let n: usize = v.verdict.strip_prefix("rank:")?.parse().ok()?;
            Some((n, v.id, index(v.lane_id)?))
        })
        .collect();
    // The newest ranking wins: keep each rank's latest lane.
    ranked.sort_by_key(|(n, id, _)| (*n, std::cmp::Reverse(*id)));
    ranked.dedup_by_key(|(n, _, _)| *n);
    let ranking: Vec<usize> = ranked.into_iter().map(|(_, _, i)| i).collect();
    let note = c.verdicts.iter().rev().find_map(|v| v.note.clone());
    (best.is_some() || !ranking.is_empty()).then_some(VerdictReport {
        best,
        ranking,
        note: note.filter(|n| n != "blind"),
    })
}
