//! The report of a comparison, in Markdown (a metrics table per round, then each answer,
//! then the verdict) and JSON (the same value, serialised). The headless command, the
//! TUI's export and `switchboard export cN` all build a `Report` and render it here.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::metrics::{LaneMetrics, LaneStatus, Marks, marks};
use super::spec::letter;

/// A lane as the report names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportLane {
    /// `A`, `B`, ...
    pub letter: String,
    /// What the lane is (`demo/demo-fast · temperature=0`).
    pub label: String,
    /// `PROVIDER/MODEL`.
    pub model: String,
    /// The wire protocol, once known.
    pub protocol: Option<String>,
    /// The lane's own parameter overrides.
    pub params: Value,
}

/// One lane's answer in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneAnswer {
    pub answer: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reasoning: String,
    pub metrics: LaneMetrics,
}

/// One prompt sent to every lane, and what each answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    pub prompt: String,
    /// In lane order.
    pub answers: Vec<LaneAnswer>,
    pub marks: Marks,
}

impl Round {
    /// A round with its marks computed from the answers' metrics.
    pub fn new(prompt: String, answers: Vec<LaneAnswer>) -> Round {
        let metrics: Vec<LaneMetrics> = answers.iter().map(|a| a.metrics.clone()).collect();
        Round {
            prompt,
            marks: marks(&metrics),
            answers,
        }
    }
}

/// The judgement: the best lane, or a ranking (best first), by lane index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictReport {
    pub best: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranking: Vec<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The stored comparison's id, when it was stored.
    pub id: Option<i64>,
    pub title: String,
    pub system: Option<String>,
    /// The parameters every lane shares, before its overrides.
    pub params: Value,
    /// The lanes were judged blind (shuffled, unnamed) before the verdict.
    pub blind: bool,
    pub lanes: Vec<ReportLane>,
    pub rounds: Vec<Round>,
    pub verdict: Option<VerdictReport>,
}

impl Report {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Comparison: {}\n\n", self.title);
        if let Some(id) = self.id {
            out.push_str(&format!("Stored as comparison c{id}.\n\n"));
        }
        if let Some(s) = &self.system {
            out.push_str(&format!("**System:** {s}\n\n"));
        }
        if self.params.as_object().is_some_and(|m| !m.is_empty()) {
            out.push_str(&format!("**Parameters:** `{}`\n\n", self.params));
        }
        if self.blind {
            out.push_str("Judged blind: lanes were shuffled and unnamed until the verdict.\n\n");
        }
        out.push_str("**Lanes:**\n\n");
        for l in &self.lanes {
            // A lane that names its protocol says so in its label already.
            let protocol = l
                .protocol
                .as_deref()
                .filter(|p| !l.label.ends_with(&format!(" · {p}")))
                .map(|p| format!(" over {p}"))
                .unwrap_or_default();
            out.push_str(&format!("- **{}**: {}{protocol}\n", l.letter, l.label));
        }
        out.push('\n');
        let many = self.rounds.len() > 1;
        for (n, round) in self.rounds.iter().enumerate() {
            if many {
                out.push_str(&format!("## Round {}\n\n", n + 1));
            } else {
                out.push_str("## Metrics\n\n");
            }
            out.push_str(&format!("**Prompt:** {}\n\n", one_line(&round.prompt)));
            out.push_str(&metrics_table(&self.lanes, round));
            out.push_str(
                "\n↯ fastest first token · ⚑ fastest finish · $ cheapest (finished lanes, one \
                 currency)\n\n",
            );
            for (i, a) in round.answers.iter().enumerate() {
                let name = self
                    .lanes
                    .get(i)
                    .map_or_else(|| letter(i), |l| format!("{} · {}", l.letter, l.label));
                out.push_str(&format!("### {name}\n\n"));
                if !a.reasoning.is_empty() {
                    let quoted: Vec<String> =
                        a.reasoning.lines().map(|l| format!("> {l}")).collect();
                    out.push_str(&format!("{}\n\n", quoted.join("\n")));
                }
                if !a.answer.is_empty() {
                    out.push_str(a.answer.trim_end());
                    out.push_str("\n\n");
                }
                match (&a.metrics.status, &a.metrics.error) {
                    (_, Some(e)) => out.push_str(&format!("**Failed:** {e}\n\n")),
                    (LaneStatus::Cancelled, _) => {
                        out.push_str("*Cancelled; what arrived is kept.*\n\n")
                    }
                    (_, None) if a.answer.is_empty() => out.push_str("*No answer.*\n\n"),
                    _ => {}
                }
            }
        }
        if let Some(v) = &self.verdict {
            out.push_str("## Verdict\n\n");
            let name = |i: usize| {
                self.lanes
                    .get(i)
                    .map_or_else(|| letter(i), |l| format!("{} ({})", l.letter, l.label))
            };
            if let Some(b) = v.best {
                out.push_str(&format!("Best: {}\n\n", name(b)));
            }
            if !v.ranking.is_empty() {
                for (n, i) in v.ranking.iter().enumerate() {
                    out.push_str(&format!("{}. {}\n", n + 1, name(*i)));
                }
                out.push('\n');
            }
            if let Some(note) = &v.note {
                out.push_str(&format!("{note}\n\n"));
            }
        }
        out
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// `412 ms`, `1.23 s`.
pub fn ms_text(us: Option<u64>) -> String {
    match us {
        None => "—".into(),
        Some(us) if us < 1_000_000 => format!("{} ms", us / 1000),
        Some(us) => format!("{:.2} s", us as f64 / 1e6),
    }
}

fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "—".into(), |n| n.to_string())
}

fn metrics_table(lanes: &[ReportLane], round: &Round) -> String {
    let mut out = String::from(
        "| Lane | Model | Status | TTFT | Total | tok/s | In | Out | Reasoning | Cached | Cost \
         | Provider cost | Stop | Marks |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    for (i, a) in round.answers.iter().enumerate() {
        let m = &a.metrics;
        let (letter_text, model) = lanes.get(i).map_or_else(
            || (letter(i), String::new()),
            |l| (l.letter.clone(), l.label.clone()),
        );
        let cost = match (&m.cost, m.status) {
            (Some(c), _) => c.to_string(),
            (None, LaneStatus::Done) => "unknown".into(),
            (None, _) => "—".into(),
        };
        let row = [
            letter_text,
            cell(&model),
            m.status.label().to_string(),
            ms_text(m.ttft_us),
            ms_text(m.total_us),
            m.tokens_per_second
                .map_or_else(|| "—".into(), |t| format!("{t:.1}")),
            count(m.input_tokens),
            count(m.output_tokens),
            count(m.reasoning_tokens),
            count(m.cached_tokens),
            cost,
            m.provider_cost
                .as_ref()
                .map_or_else(|| "—".into(), |c| c.to_string()),
            m.stop_reason.clone().unwrap_or_else(|| "—".into()),
            round.marks.symbols(i),
        ];
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::money::{Currency, Money};
    use rust_decimal::Decimal;
    use serde_json::json;

    fn report() -> Report {
        let lane = |i: usize, label: &str| ReportLane {
            letter: letter(i),
            label: label.into(),
            model: label.into(),
            protocol: Some("openai-chat".into()),
            params: json!({}),
        };
        let done = LaneMetrics {
            status: LaneStatus::Done,
            ttft_us: Some(20_000),
            total_us: Some(1_500_000),
            output_tokens: Some(42),
            cost: Some(Money::new(Decimal::new(35, 6), Currency::Usd)),
            stop_reason: Some("stop".into()),
            ..LaneMetrics::default()
        };
        let failed = LaneMetrics {
            status: LaneStatus::Failed,
            error: Some("HTTP 500 | boom".into()),
            ..LaneMetrics::default()
        };
        Report {
            id: Some(3),
            title: "hi".into(),
            system: None,
            params: json!({}),
            blind: false,
            lanes: vec![lane(0, "demo/demo-fast"), lane(1, "demo/demo-fast+500")],
            rounds: vec![Round::new(
                "hi".into(),
                vec![
                    LaneAnswer {
                        answer: "Hello there".into(),
                        reasoning: String::new(),
                        metrics: done,
                    },
                    LaneAnswer {
                        answer: String::new(),
                        reasoning: String::new(),
                        metrics: failed,
                    },
                ],
            )],
            verdict: Some(VerdictReport {
                best: Some(0),
                ..VerdictReport::default()
            }),
        }
    }

    #[test]
    fn markdown_has_the_table_answers_errors_and_verdict() {
        let md = report().to_markdown();
        assert!(
            md.contains("| A | demo/demo-fast | done | 20 ms | 1.50 s |"),
            "{md}"
        );
        assert!(md.contains("$0.000035"), "{md}");
        assert!(md.contains("| ↯⚑$ |"), "{md}");
        assert!(md.contains("**Failed:** HTTP 500 | boom"), "{md}");
        assert!(md.contains("Hello there"));
        assert!(md.contains("Best: A (demo/demo-fast)"), "{md}");
    }

    #[test]
    fn json_round_trips() {
        let r = report();
        let back: Report = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(back, r);
    }
}
