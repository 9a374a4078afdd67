//! The comparison in the UI: models marked in the catalog (Space), and the comparison they
//! became when a prompt was sent: one lane per model, each a list of `Turn`s (one per
//! round), streaming side by side through the same messages as a chat turn.
//!
//! State lives in `State::compare`; what actions do is in `actions.rs`; the report and
//! the pre-send estimate in `report.rs`; drawing in `pane/lanes.rs` and `pane/lanes_diff.rs`.

mod actions;
mod plan;
mod report;
mod send;
pub mod task;

use std::time::Instant;

use ratatui::text::Line;

pub use actions::{cancel_all, on_action, on_exported};
pub use plan::{on_lanes_command, planned_lanes};
pub use report::{estimate, meter_lines, to_report};
pub use send::{answer, on_send, shuffled};
pub use task::write_export;

use super::msg::TurnId;
use super::scroll::Scroll;
use super::turn::{Turn, TurnStatus};
use super::wrap::display_width;
use crate::compare::{
    LaneMetrics, LanePlan, LaneSpec, LaneStatus, Marks, VerdictReport, letter, marks,
};
use crate::llm::error::ProviderError;
use crate::llm::money::cost;

/// Models marked for the next comparison, and the comparison on screen.
#[derive(Debug, Default)]
pub struct CompareState {
    /// The next comparison is judged blind.
    pub blind: bool,
    /// The comparison the conversation area shows, if any.
    pub active: Option<Comparison>,
    /// Exports written so far (numbers the files).
    pub exports: u32,
    /// What sets the next comparison's lanes apart besides their models (`/lanes`).
    pub plan: LanePlan,
    /// The budget question asked before sending a comparison (its text), while the
    /// confirmation overlay is up.
    pub confirm: Option<String>,
    /// Token counts of the lanes' texts, so the estimate redrawn with every key typed
    /// counts only the prompt again.
    pub counts: crate::llm::tokens::MemoCounter,
}

/// One lane in the UI.
#[derive(Debug)]
pub struct Lane {
    /// What it asks.
    pub spec: LaneSpec,
    /// One turn per round, oldest first (a retried round's turn is replaced).
    pub turns: Vec<Turn>,
    /// Where the lane's column is scrolled.
    pub scroll: Scroll,
    /// The visible rows, built by `pane::lanes::prepare`.
    pub window: Vec<Line<'static>>,
}

/// A comparison on screen.
#[derive(Debug)]
pub struct Comparison {
    /// The lanes, in the order they were marked.
    pub lanes: Vec<Lane>,
    /// Display position -> lane index (shuffled in blind mode).
    pub order: Vec<usize>,
    /// Judged without names until the verdict.
    pub blind: bool,
    /// The prompt of each round.
    pub prompts: Vec<String>,
    /// The focused lane, as a display position.
    pub focus: usize,
    /// The first lane shown, as a display position (set by layout).
    pub first: usize,
    /// Lanes shown at once at the last layout.
    pub shown: usize,
    /// The two lanes (indices) whose last answers are diffed, while the diff is open.
    pub diff: Option<(usize, usize)>,
    /// The first lane picked for a diff.
    pub diff_pick: Option<usize>,
    /// Where the diff is scrolled.
    pub diff_scroll: Scroll,
    /// The diff laid out, with what it was built from (lanes, width, answer lengths).
    pub diff_lines: Vec<Line<'static>>,
    /// What `diff_lines` was built from.
    pub diff_key: Option<(usize, usize, u16, usize, usize)>,
    /// The best lane and the ranking, by lane index.
    pub verdict: VerdictReport,
    /// What the history calls this comparison (its first lane turn); `None` when it is
    /// not kept.
    pub key: Option<TurnId>,
}

impl Comparison {
    /// A comparison of `specs`, shown in `order`.
    pub fn new(specs: Vec<LaneSpec>, order: Vec<usize>, blind: bool) -> Comparison {
        Comparison {
            lanes: specs
                .into_iter()
                .map(|spec| Lane {
                    spec,
                    turns: Vec::new(),
                    scroll: Scroll::following(),
                    window: Vec::new(),
                })
                .collect(),
            order,
            blind,
            prompts: Vec::new(),
            focus: 0,
            first: 0,
            shown: 0,
            diff: None,
            diff_pick: None,
            diff_scroll: Scroll::at_top(),
            diff_lines: Vec::new(),
            diff_key: None,
            verdict: VerdictReport::default(),
            key: None,
        }
    }

    /// True once the verdict is given (a best lane, or every lane ranked): blind lanes
    /// are revealed then.
    pub fn judged(&self) -> bool {
        self.verdict.best.is_some()
            || (!self.lanes.is_empty() && self.verdict.ranking.len() == self.lanes.len())
    }

    /// Names and giveaway metrics are hidden.
    pub fn hidden(&self) -> bool {
        self.blind && !self.judged()
    }

    /// The display position of lane `i`: its letter, and its place in the store and in
    /// reports (so blind lanes keep the letters they were judged by).
    pub fn position(&self, i: usize) -> usize {
        self.order.iter().position(|x| *x == i).unwrap_or(i)
    }

    /// The display positions of a verdict given by lane index.
    pub fn verdict_by_position(&self) -> VerdictReport {
        VerdictReport {
            best: self.verdict.best.map(|i| self.position(i)),
            ranking: self
                .verdict
                .ranking
                .iter()
                .map(|i| self.position(*i))
                .collect(),
            note: self.verdict.note.clone(),
        }
    }

    /// The lane index at display position `pos`.
    pub fn lane_at(&self, pos: usize) -> Option<usize> {
        self.order.get(pos).copied()
    }

    /// The focused lane's index.
    pub fn focused_lane(&self) -> Option<usize> {
        self.lane_at(self.focus)
    }

    /// What lane `i` is called on screen: its letter by display position and its label,
    /// or only `Lane B` while hidden.
    pub fn name(&self, i: usize) -> String {
        let pos = self.order.iter().position(|x| *x == i).unwrap_or(i);
        if self.hidden() {
            format!("Lane {}", letter(pos))
        } else {
            format!("{} {}", letter(pos), self.lanes[i].spec.label())
        }
    }

    /// `name(i)` fitted to `width` columns for a narrow lane header: first without the
    /// provider, then with what sets the lane apart (parameters, protocol) before the
    /// model, so that a cut keeps the part that tells lanes apart.
    pub fn name_within(&self, i: usize, width: usize) -> String {
        let full = self.name(i);
        if self.hidden() || display_width(&full) <= width {
            return full;
        }
        let pos = self.order.iter().position(|x| *x == i).unwrap_or(i);
        let spec = &self.lanes[i].spec;
        let label = spec.label();
        let extras = label
            .strip_prefix(&spec.model.to_string())
            .map(|r| r.trim_start_matches(" · "))
            .unwrap_or_default();
        let short = if extras.is_empty() {
            spec.model.model.clone()
        } else {
            format!("{} · {extras}", spec.model.model)
        };
        let short = format!("{} {short}", letter(pos));
        if display_width(&short) <= width || extras.is_empty() {
            return short;
        }
        // Cut at the model if need be, as long as the settings fit whole.
        if display_width(&format!("{} {extras}", letter(pos))) <= width {
            return format!("{} {extras} · {}", letter(pos), spec.model.model);
        }
        // Narrower still: the values alone (`B high · demo-fast`); the keys are the
        // same for every lane of the plan, and the lane's column names them.
        let values: Vec<&str> = extras
            .split(" · ")
            .map(|p| p.split_once('=').map_or(p, |(_, v)| v))
            .collect();
        format!(
            "{} {} · {}",
            letter(pos),
            values.join(" · "),
            spec.model.model
        )
    }

    /// The turn the inspector and meter show: the focused lane's latest, except while
    /// blind (its request names the model).
    pub fn inspected_turn(&self) -> Option<&Turn> {
        if self.hidden() {
            return None;
        }
        self.focused_lane().and_then(|i| self.lanes[i].turns.last())
    }

    /// True while any lane streams.
    pub fn is_streaming(&self) -> bool {
        self.lanes
            .iter()
            .any(|l| l.turns.last().is_some_and(Turn::is_streaming))
    }

    /// The lane turn with id `id`, mutably.
    pub fn turn_mut(&mut self, id: TurnId) -> Option<&mut Turn> {
        self.lanes
            .iter_mut()
            .flat_map(|l| l.turns.iter_mut())
            .find(|t| t.id == id)
    }

    /// The metrics of the latest round, lane by lane (live while streaming).
    pub fn metrics(&self, now: Instant) -> Vec<LaneMetrics> {
        self.lanes
            .iter()
            .map(|l| {
                l.turns
                    .last()
                    .map_or_else(LaneMetrics::default, |t| turn_metrics(t, now))
            })
            .collect()
    }

    /// The marks of the latest round.
    pub fn marks(&self, now: Instant) -> Marks {
        marks(&self.metrics(now))
    }
}

impl CompareState {
    /// The lane turn with id `id`, mutably.
    pub fn turn_mut(&mut self, id: TurnId) -> Option<&mut Turn> {
        self.active.as_mut().and_then(|c| c.turn_mut(id))
    }

    /// True while any lane streams.
    pub fn is_streaming(&self) -> bool {
        self.active.as_ref().is_some_and(Comparison::is_streaming)
    }

    /// What scroll keys move while the comparison is shown: the diff, else the focused
    /// lane.
    pub fn scroll_mut(&mut self) -> Option<&mut Scroll> {
        let c = self.active.as_mut()?;
        if c.diff.is_some() {
            return Some(&mut c.diff_scroll);
        }
        let i = c.focused_lane()?;
        Some(&mut c.lanes[i].scroll)
    }
}

/// A lane turn's metrics: the runner's own figures once it ended (`Exchange` timings,
/// `tokens_per_second`, the cost at the turn's price), live estimates while it streams.
pub fn turn_metrics(t: &Turn, now: Instant) -> LaneMetrics {
    let status = match &t.status {
        TurnStatus::Streaming { .. } if t.deltas == 0 => LaneStatus::Waiting,
        TurnStatus::Streaming { .. } => LaneStatus::Streaming,
        TurnStatus::Done { .. } => LaneStatus::Done,
        TurnStatus::Cancelled => LaneStatus::Cancelled,
        _ => LaneStatus::Failed,
    };
    let error = match &t.status {
        TurnStatus::Failed { error } => Some(error.to_string()),
        TurnStatus::Done { .. } | TurnStatus::Streaming { .. } | TurnStatus::Cancelled => None,
        _ => Some("interrupted".to_string()),
    };
    if let Some(ex) = t.trace.exchange.as_deref()
        && !matches!(ex.error, Some(ProviderError::Cancelled))
    {
        let mut m = LaneMetrics::from_exchange(ex, t.price.as_ref());
        m.status = status;
        m.error = error;
        return m;
    }
    let u = t.usage.as_ref();
    LaneMetrics {
        status,
        ttft_us: t.ttft_us,
        total_us: (status != LaneStatus::Waiting || t.total_us.is_some())
            .then(|| t.elapsed_us(now)),
        tokens_per_second: t.tokens_per_second(now),
        input_tokens: u.map(|u| u.input),
        output_tokens: u.map(|u| u.output).or((t.deltas > 0).then_some(t.deltas)),
        reasoning_tokens: u.map(|u| u.reasoning),
        cached_tokens: u.map(|u| u.cached_read),
        cost: t
            .cost
            .clone()
            .or_else(|| u.zip(t.price.as_ref()).and_then(|(u, p)| cost(u, p))),
        provider_cost: u.and_then(|u| u.provider_cost.clone()),
        stop_reason: match &t.status {
            TurnStatus::Done { stop } => stop.as_ref().map(|s| s.label().to_string()),
            _ => None,
        },
        error,
    }
}
