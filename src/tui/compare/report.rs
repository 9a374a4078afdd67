//! The comparison on screen as a `compare::Report` (for export), and the estimate of what
//! the next prompt costs across every lane, for the meter.

use std::time::Instant;

use ratatui::text::{Line, Span};
use serde_json::Value;

use super::{Comparison, planned_lanes, turn_metrics};
use crate::compare::{
    LaneAnswer, LaneMetrics, LaneSpec, Report, ReportLane, Round, Session, VerdictReport, letter,
};
use crate::llm::money::{Money, Totals, cost, max_cost};
use crate::llm::usage::Usage;
use crate::tui::state::State;
use crate::tui::theme::Theme;

/// The report of `c`, lanes in display order (so its letters match the screen's).
pub fn to_report(c: &Comparison, now: Instant) -> Report {
    let lanes = c
        .order
        .iter()
        .enumerate()
        .map(|(pos, i)| {
            let l = &c.lanes[*i];
            let protocol = l.spec.protocol.map(|p| p.name().to_string());
            ReportLane {
                letter: letter(pos),
                label: l.spec.label(),
                model: l.spec.model.to_string(),
                protocol,
                params: Value::Object(l.spec.params.clone()),
            }
        })
        .collect();
    let rounds = c
        .prompts
        .iter()
        .enumerate()
        .map(|(k, prompt)| {
            let answers = c
                .order
                .iter()
                .map(|i| match c.lanes[*i].turns.get(k) {
                    Some(t) => LaneAnswer {
                        answer: t.answer.text().to_string(),
                        reasoning: t.reasoning.text().to_string(),
                        metrics: turn_metrics(t, now),
                    },
                    None => LaneAnswer {
                        answer: String::new(),
                        reasoning: String::new(),
                        metrics: LaneMetrics::default(),
                    },
                })
                .collect();
            Round::new(prompt.clone(), answers)
        })
        .collect();
    let pos = |i: usize| c.order.iter().position(|x| *x == i);
    let verdict = c.judged().then(|| VerdictReport {
        best: c.verdict.best.and_then(pos),
        ranking: c.verdict.ranking.iter().filter_map(|i| pos(*i)).collect(),
        note: None,
    });
    Report {
        id: None,
        title: crate::store::auto_title(c.prompts.first().map_or("", String::as_str)),
        system: None,
        params: Value::Object(serde_json::Map::new()),
        blind: c.blind,
        lanes,
        rounds,
        verdict,
    }
}

/// What the next prompt would cost across every lane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Lanes the prompt would go to.
    pub lanes: usize,
    /// The prompt (with each lane's history) at the input price, per currency.
    pub input: Totals,
    /// The most it can cost: the prompt plus the output limit, per currency.
    pub max: Totals,
    /// Lanes whose price (or output limit) is unknown: left out of the totals.
    pub unknown: usize,
}

/// The estimate for the composer's text, when the next prompt goes to a comparison (the
/// planned lanes, or the comparison on screen); `None` otherwise or while lanes stream.
/// Each lane is counted with its own overrides (system prompt, max tokens).
pub fn estimate(state: &State) -> Option<Estimate> {
    let session_for = |n: usize| {
        Session::new(
            n,
            state.settings.system.clone(),
            state.settings.params.clone(),
        )
    };
    let (lanes, session): (Vec<LaneSpec>, Session) = if let Some(l) = planned_lanes(state) {
        let n = l.len();
        (l, session_for(n))
    } else {
        let c = state.compare.active.as_ref()?;
        if c.is_streaming() {
            return None;
        }
        let mut s = session_for(c.lanes.len());
        for (i, l) in c.lanes.iter().enumerate() {
            for t in l.turns.iter().filter(|t| t.in_history()) {
                s.record(i, &t.prompt, t.answer.text());
            }
        }
        (c.lanes.iter().map(|l| l.spec.clone()).collect(), s)
    };
    let prompt = state.composer.text();
    let mut e = Estimate {
        lanes: lanes.len(),
        ..Estimate::default()
    };
    for (i, lane) in lanes.iter().enumerate() {
        let shared = session.chat_for(i, &prompt);
        let chat = lane.apply(&shared).unwrap_or(shared);
        let m = &lane.model;
        let tokens = state.compare.counts.estimate(&m.model, &chat).tokens;
        let info = state.catalog.find(m);
        let price = info.and_then(|i| i.price.as_ref());
        let max_out = chat
            .params
            .max_tokens
            .map(u64::from)
            .or_else(|| info.and_then(|i| i.max_output));
        let input = price.and_then(|p| {
            let u = Usage {
                input: tokens,
                ..Usage::default()
            };
            cost(&u, p)
        });
        let max = price
            .zip(max_out)
            .and_then(|(p, out)| max_cost(tokens, out, p));
        match (input, max) {
            (Some(i), Some(m)) => {
                e.input.add(&i);
                e.max.add(&m);
            }
            _ => e.unknown += 1,
        }
    }
    Some(e)
}

fn join(t: &Totals) -> String {
    let all: Vec<String> = t.iter().map(|m: Money| m.to_string()).collect();
    if all.is_empty() {
        "—".into()
    } else {
        all.join(" + ")
    }
}

/// The meter's comparison lines: the estimate before sending, or the lanes' cost so far.
pub fn meter_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(e) = estimate(state) {
        out.push(Line::styled(
            format!("Compare · {} lanes", e.lanes),
            theme.title,
        ));
        out.push(Line::from(vec![
            Span::styled("prompt ≈ ", theme.dim),
            Span::styled(join(&e.input), theme.money),
        ]));
        out.push(Line::from(vec![
            Span::styled("at most ", theme.dim),
            Span::styled(join(&e.max), theme.money),
        ]));
        if e.unknown > 0 {
            out.push(Line::styled(
                format!("{} lane(s): price unknown", e.unknown),
                theme.warn,
            ));
        }
        // A `/lanes` plan makes lanes the catalog's marks do not show: list them.
        if !state.compare.plan.is_empty()
            && let Some(lanes) = planned_lanes(state)
        {
            for (i, l) in lanes.iter().enumerate() {
                // The meter is narrow: what varies goes first, then the model's id.
                let label = l.label();
                let extras = label
                    .strip_prefix(&l.model.to_string())
                    .map(|r| r.trim_start_matches(" · "))
                    .unwrap_or_default();
                // Blind lanes are shuffled when sent: letters here would not match.
                let mark = if state.compare.blind {
                    "·".to_string()
                } else {
                    letter(i)
                };
                let text = match extras {
                    "" => format!("{mark} {}", l.model.model),
                    e => format!("{mark} {e} · {}", l.model.model),
                };
                out.push(Line::styled(text, theme.dim));
            }
        }
    } else if let Some(c) = &state.compare.active {
        let mut spent = Totals::default();
        for m in c.metrics(state.now) {
            if let Some(cost) = &m.cost {
                spent.add(cost);
            }
        }
        out.push(Line::styled(
            format!("Compare · {} lanes", c.lanes.len()),
            theme.title,
        ));
        let shown = if c.hidden() {
            "hidden (blind)".to_string()
        } else {
            join(&spent)
        };
        out.push(Line::from(vec![
            Span::styled("this round ", theme.dim),
            Span::styled(shown, theme.money),
        ]));
    }
    if !out.is_empty() {
        out.push(Line::default());
    }
    out
}
