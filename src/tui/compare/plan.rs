//! The lanes the next comparison will have: the marked models (or the current model when
//! none is marked) expanded by the lane plan that `/lanes KEY=V1,V2` and
//! `/lanes protocol=P1,P2` set, exactly as the headless `--param` and `--protocol` do.

use crate::compare::{LanePlan, LaneSpec, MAX_LANES};
use crate::llm::provider::ModelRef;
use crate::tui::action::Action;
use crate::tui::state::State;

/// What `/lanes` takes, for its notes.
const USAGE: &str = "/lanes KEY=V1,V2 (temperature, top_p, max_tokens, seed, reasoning_effort, \
                     system, or any body field) · /lanes protocol=openai-chat,anthropic · \
                     /lanes off";

/// The lanes a prompt sent now would start as a new comparison: the marked models, or
/// the current model when a lane plan is set and none is marked, expanded by the plan.
/// `None` when the prompt is not a new comparison (fewer than two lanes).
pub fn planned_lanes(state: &State) -> Option<Vec<LaneSpec>> {
    let plan = &state.compare.plan;
    let marked = &state.catalog.marked;
    let models: Vec<ModelRef> = match (marked.is_empty(), plan.is_empty()) {
        (false, _) => marked.clone(),
        (true, false) => vec![state.model.clone()],
        (true, true) => return None,
    };
    let lanes = plan.lanes(&models);
    (lanes.len() >= 2).then_some(lanes)
}

/// `/lanes ARG`: shows the plan (no ARG), clears it (`off`), or sets one parameter's
/// values or the protocols; the footer then lists the lanes the next prompt goes to.
pub fn on_lanes_command(state: &mut State, arg: &str) {
    let arg = arg.trim();
    if arg.eq_ignore_ascii_case("off") || arg.eq_ignore_ascii_case("clear") {
        state.compare.plan = LanePlan::default();
        state.note("lane plan cleared: lanes are the marked models");
        return;
    }
    if !arg.is_empty() {
        if !arg.contains('=') {
            state.note_error(format!("/lanes {arg}: expected KEY=V1,V2 · {USAGE}"));
            return;
        }
        if let Err(e) = state.compare.plan.set(arg) {
            state.note_error(format!("/lanes {e}"));
            return;
        }
    }
    describe(state);
}

/// The footer note after `/lanes`: what varies, and the lanes the next prompt starts.
fn describe(state: &mut State) {
    let plan = state.compare.plan.describe();
    if plan.is_empty() && state.catalog.marked.len() < 2 {
        let mark = state.key_for(Action::Mark);
        state.note(format!(
            "no lanes planned: mark models in the catalog ({mark}) or {USAGE}"
        ));
        return;
    }
    let lanes = planned_lanes(state).unwrap_or_default();
    let mut text = if plan.is_empty() {
        "lanes are the marked models".to_string()
    } else {
        format!("lanes vary {plan}")
    };
    match lanes.len() {
        0 | 1 => text.push_str(" · one lane so far: give a second value or mark another model"),
        n if n > MAX_LANES => {
            text.push_str(&format!(
                " · {n} lanes: a comparison takes at most {MAX_LANES}"
            ));
            state.note_error(text);
            return;
        }
        n => {
            let names: Vec<String> = lanes.iter().map(LaneSpec::label).collect();
            text.push_str(&format!(
                " · the next prompt goes to {n} lanes: {}",
                names.join(" | ")
            ));
        }
    }
    if let Some(w) = unserved(state, &lanes) {
        text.push_str(&format!(" · {w}"));
        state.note_error(text);
        return;
    }
    state.note(text);
}

/// A warning when a lane asks for a protocol its model is not listed with.
fn unserved(state: &State, lanes: &[LaneSpec]) -> Option<String> {
    lanes.iter().find_map(|l| {
        let p = l.protocol?;
        let served = &state.catalog.find(&l.model)?.protocols;
        if served.is_empty() || served.contains(&p) {
            return None;
        }
        let names: Vec<&str> = served.iter().map(|p| p.name()).collect();
        Some(format!(
            "{} is listed with {} only: its {} lane may fail",
            l.model,
            names.join(", "),
            p.name()
        ))
    })
}
