//! What the comparison's actions do: start a comparison from the marked models or send a
//! follow-up to every lane, cancel and retry lanes, move between lanes, diff two lanes,
//! give the verdict, switch blind mode, export.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use super::{CompareState, Comparison, report};
use crate::compare::{LaneSpec, MAX_LANES, Session};
use crate::llm::money::BudgetStatus;
use crate::llm::provider::ModelRef;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::msg::TurnId;
use crate::tui::scroll::Scroll;
use crate::tui::state::State;
use crate::tui::turn::Turn;

/// Sends the composer's prompt as a comparison when one is due: to the marked models
/// (two or more) as a new comparison, else to every lane of the comparison on screen as a
/// follow-up. `None` when the prompt is an ordinary chat turn.
pub fn on_send(state: &mut State) -> Option<Vec<Effect>> {
    let marked = state.catalog.marked.len();
    if marked < 2 && state.compare.active.is_none() {
        return None;
    }
    let busy = state.compare.is_streaming() || state.is_streaming();
    if busy {
        let cancel = state.key_for(Action::Cancel);
        state.note(format!("lanes are still streaming · {cancel} cancels them"));
        return Some(Vec::new());
    }
    if marked > MAX_LANES {
        state.note_error(format!(
            "{marked} models marked: a comparison takes 2 to {MAX_LANES}"
        ));
        return Some(Vec::new());
    }
    if over_budget(state) {
        return Some(Vec::new());
    }
    let prompt = state.composer.take();
    if marked >= 2 {
        let models: Vec<ModelRef> = std::mem::take(&mut state.catalog.marked);
        let specs: Vec<LaneSpec> = models.into_iter().map(LaneSpec::new).collect();
        let blind = state.compare.blind;
        let order = if blind {
            shuffled(specs.len(), RandomState::new())
        } else {
            (0..specs.len()).collect()
        };
        cancel_all(state);
        state.compare.active = Some(Comparison::new(specs, order, blind));
    }
    Some(start_round(state, &prompt))
}

/// The spending budget applies to the comparison's total: a prompt whose lanes together
/// could pass it is not sent (the footer says why); 80% of it is a warning.
fn over_budget(state: &mut State) -> bool {
    if state.costs.budget.limits.is_empty() {
        return false;
    }
    let Some(e) = report::estimate(state) else {
        return false;
    };
    let mut warn = None;
    for max in e.max.iter() {
        match state.costs.budget.check(&state.spend.session, &max) {
            BudgetStatus::Ok => {}
            BudgetStatus::Warn80 { after, limit } => {
                warn = Some(format!(
                    "budget: after this comparison up to {after} of {limit} could be spent"
                ));
            }
            BudgetStatus::WouldExceed { after, limit } => {
                state.note_error(format!(
                    "not sent: the {} lanes could cost up to {max} together, {after} this run, \
                     past the budget of {limit} · mark fewer models or lower /max",
                    e.lanes
                ));
                return true;
            }
        }
    }
    if e.unknown > 0 {
        warn = Some(format!(
            "budget: {} lane(s) have no known price or output limit and are not counted",
            e.unknown
        ));
    }
    if let Some(w) = warn {
        state.note_error(w);
    }
    false
}

/// `0..n` in an order no one can guess (a hash of each index under a random key).
pub fn shuffled(n: usize, keys: RandomState) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| keys.hash_one(*i));
    order
}

/// Sends `prompt` to every lane, each after its own history.
fn start_round(state: &mut State, prompt: &str) -> Vec<Effect> {
    let system = state.settings.system.clone();
    let params = state.settings.params.clone();
    let now = state.now;
    let Some(c) = state.compare.active.as_mut() else {
        return Vec::new();
    };
    let mut session = Session::new(c.lanes.len(), system, params);
    for (i, lane) in c.lanes.iter().enumerate() {
        for t in lane.turns.iter().filter(|t| t.in_history()) {
            session.record(i, &t.prompt, t.answer.text());
        }
    }
    c.prompts.push(prompt.to_string());
    c.diff = None;
    c.diff_pick = None;
    let mut effects = Vec::new();
    for (i, lane) in c.lanes.iter_mut().enumerate() {
        let chat = session.chat_for(i, prompt);
        let id = TurnId(state.next_turn);
        state.next_turn += 1;
        let cancel = state.root.child_token();
        let mut turn = Turn::new(
            id,
            lane.spec.model.clone(),
            prompt.to_string(),
            chat.clone(),
            cancel.clone(),
            now,
        );
        if let Some(info) = state.catalog.find(&lane.spec.model) {
            turn.price = info.price.clone();
            turn.context_window = info.context_window;
        }
        lane.turns.push(turn);
        lane.scroll = Scroll::following();
        effects.push(Effect::SendLane {
            turn: id,
            spec: Box::new(lane.spec.clone()),
            chat: Box::new(chat),
            cancel,
        });
    }
    tracing::info!(lanes = effects.len(), "comparison round sent");
    effects
}

/// Cancels every streaming lane. Returns how many there were.
pub fn cancel_all(state: &mut State) -> usize {
    let now = state.now;
    let Some(c) = state.compare.active.as_mut() else {
        return 0;
    };
    c.lanes
        .iter_mut()
        .filter_map(|l| l.turns.last_mut())
        .map(|t| usize::from(t.cancel(now)))
        .sum()
}

/// Takes a comparison action.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Mark => mark(state),
        Action::ToggleBlind => toggle_blind(state),
        _ if state.compare.active.is_none() => {
            let mark = state.key_for(Action::Mark);
            state.note(format!(
                "no comparison: mark 2 to {MAX_LANES} models in the catalog ({mark}) and send a prompt"
            ));
        }
        Action::LanePrev => move_focus(&mut state.compare, -1),
        Action::LaneNext => move_focus(&mut state.compare, 1),
        Action::CancelLane => cancel_lane(state),
        Action::RetryLane => return retry_lane(state),
        Action::DiffLanes => diff(state),
        Action::MarkBest | Action::RankLane => judge(state, action),
        Action::ExportComparison => return export(state),
        _ => {}
    }
    Vec::new()
}

fn mark(state: &mut State) {
    let Some(m) = state.catalog.selected_model() else {
        return;
    };
    let r = ModelRef {
        provider: m.provider.clone(),
        model: m.id.clone(),
    };
    let marked = &mut state.catalog.marked;
    if let Some(at) = marked.iter().position(|x| *x == r) {
        marked.remove(at);
    } else if marked.len() >= MAX_LANES {
        state.note_error(format!("a comparison takes at most {MAX_LANES} models"));
        return;
    } else {
        marked.push(r);
    }
    let n = state.catalog.marked.len();
    let text = match n {
        0 => "no model marked".to_string(),
        1 => "1 model marked · mark one more to compare".to_string(),
        n => format!("{n} models marked · the next prompt goes to all of them"),
    };
    state.note(text);
}

fn toggle_blind(state: &mut State) {
    let cs = &mut state.compare;
    match cs.active.as_mut() {
        Some(c) if c.judged() => {
            state.note("the verdict is given: the lanes stay revealed");
            return;
        }
        Some(c) if !c.prompts.is_empty() && !c.blind => {
            // Hiding names already seen would prove nothing: blind starts with the next
            // comparison.
            cs.blind = true;
            state.note("blind mode on for the next comparison");
            return;
        }
        Some(c) => {
            c.blind = !c.blind;
            cs.blind = c.blind;
        }
        None => cs.blind = !cs.blind,
    }
    let on = state.compare.blind;
    state.note(if on {
        "blind mode: lanes shuffled and unnamed until the verdict"
    } else {
        "blind mode off"
    });
}

fn move_focus(cs: &mut CompareState, delta: isize) {
    let Some(c) = cs.active.as_mut() else { return };
    let last = c.lanes.len().saturating_sub(1);
    c.focus = c.focus.saturating_add_signed(delta).min(last);
}

fn cancel_lane(state: &mut State) {
    let now = state.now;
    let Some(c) = state.compare.active.as_mut() else {
        return;
    };
    let Some(i) = c.focused_lane() else { return };
    let name = c.name(i);
    let done = c.lanes[i].turns.last_mut().is_some_and(|t| t.cancel(now));
    if done {
        let retry = state.key_for(Action::RetryLane);
        state.note(format!(
            "{name} cancelled · what arrived is kept · {retry} retries it"
        ));
    } else {
        state.note(format!("{name} is not streaming"));
    }
}

fn retry_lane(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let id = TurnId(state.next_turn);
    let cancel = state.root.child_token();
    let Some(c) = state.compare.active.as_mut() else {
        return Vec::new();
    };
    let Some(i) = c.focused_lane() else {
        return Vec::new();
    };
    let name = c.name(i);
    let lane = &mut c.lanes[i];
    let Some(last) = lane.turns.last_mut() else {
        return Vec::new();
    };
    if last.is_streaming() {
        state.note(format!("{name} is still streaming"));
        return Vec::new();
    }
    let mut turn = Turn::new(
        id,
        last.model.clone(),
        last.prompt.clone(),
        last.chat.clone(),
        cancel.clone(),
        now,
    );
    turn.price = last.price.clone();
    turn.context_window = last.context_window;
    let chat = turn.chat.clone();
    // The round keeps one answer per lane: the new one replaces the old.
    *last = turn;
    lane.scroll = Scroll::following();
    let spec = Box::new(lane.spec.clone());
    state.next_turn += 1;
    state.note(format!("{name} sent again"));
    vec![Effect::SendLane {
        turn: id,
        spec,
        chat: Box::new(chat),
        cancel,
    }]
}

fn diff(state: &mut State) {
    let Some(c) = state.compare.active.as_mut() else {
        return;
    };
    if c.diff.take().is_some() {
        state.note("diff closed");
        return;
    }
    let Some(i) = c.focused_lane() else { return };
    match c.diff_pick.take() {
        Some(p) if p != i => {
            c.diff = Some((p, i));
            c.diff_scroll = Scroll::at_top();
            let text = format!("diff of {} and {}", c.name(p), c.name(i));
            state.note(text);
        }
        Some(_) => state.note("diff cancelled"),
        None => {
            c.diff_pick = Some(i);
            let name = c.name(i);
            let keys = format!(
                "{}/{}",
                state.key_for(Action::LanePrev),
                state.key_for(Action::LaneNext)
            );
            let d = state.key_for(Action::DiffLanes);
            state.note(format!(
                "diff: {name} picked · {keys} to another lane, then {d}"
            ));
        }
    }
}

fn judge(state: &mut State, action: Action) {
    let Some(c) = state.compare.active.as_mut() else {
        return;
    };
    if c.is_streaming() {
        state.note("wait for the lanes to finish before judging");
        return;
    }
    let Some(i) = c.focused_lane() else { return };
    let was_hidden = c.hidden();
    if action == Action::MarkBest {
        c.verdict.best = Some(i);
    } else if !c.verdict.ranking.contains(&i) {
        c.verdict.ranking.push(i);
    }
    let text = if action == Action::MarkBest {
        format!("best: {}", c.name(i))
    } else {
        format!("{} ranked #{}", c.name(i), c.verdict.ranking.len())
    };
    let reveal = if was_hidden && c.judged() {
        " · revealed"
    } else {
        ""
    };
    state.note(format!("{text}{reveal}"));
}

fn export(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let Some(c) = state.compare.active.as_ref() else {
        return Vec::new();
    };
    if c.hidden() {
        let b = state.key_for(Action::MarkBest);
        state.note_error(format!("blind comparison: give the verdict first ({b})"));
        return Vec::new();
    }
    if c.is_streaming() {
        state.note("wait for the lanes to finish before exporting");
        return Vec::new();
    }
    let r = report::to_report(c, now);
    state.compare.exports += 1;
    let first = c
        .lanes
        .first()
        .and_then(|l| l.turns.first())
        .map_or(0, |t| t.id.0);
    let stem = format!("switchboard-comparison-{first}-{}", state.compare.exports);
    vec![Effect::ExportComparison {
        stem,
        markdown: r.to_markdown(),
        json: r.to_json(),
    }]
}

/// The export was written (or not).
pub fn on_exported(state: &mut State, result: Result<String, String>) {
    match result {
        Ok(files) => state.note(format!("exported {files}")),
        Err(e) => state.note_error(format!("export failed: {e}")),
    }
}
