//! Sending a prompt as a comparison: a new comparison to the planned lanes, or a
//! follow-up round to every lane of the one on screen; the budget question first when
//! the lanes together could pass the budget; and the store jobs that keep each round.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use super::{Comparison, cancel_all, planned_lanes, report};
use crate::compare::{LanePlan, MAX_LANES, Session};
use crate::llm::money::BudgetStatus;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::msg::TurnId;
use crate::tui::scroll::Scroll;
use crate::tui::state::{Overlay, State};
use crate::tui::store_link::StoreJob;
use crate::tui::turn::Turn;

/// Sends the composer's prompt as a comparison when one is due: to the planned lanes (two
/// or more marked models, or a `/lanes` plan) as a new comparison, else to every lane of
/// the comparison on screen as a follow-up. `None` when the prompt is an ordinary chat
/// turn.
pub fn on_send(state: &mut State) -> Option<Vec<Effect>> {
    send(state, true)
}

/// The answer to the budget question asked by a comparison: yes sends every lane, no
/// keeps the prompt in the composer.
pub fn answer(state: &mut State, action: Action) -> Vec<Effect> {
    if matches!(state.overlays.last(), Some(Overlay::ConfirmSend)) {
        state.overlays.pop();
    }
    if state.compare.confirm.take().is_none() {
        return Vec::new();
    }
    if action != Action::ConfirmSend {
        state.note("not sent · the prompt is still in the composer");
        return Vec::new();
    }
    send(state, false).unwrap_or_default()
}

fn send(state: &mut State, ask_budget: bool) -> Option<Vec<Effect>> {
    let planned = planned_lanes(state);
    if planned.is_none() && state.compare.active.is_none() {
        return None;
    }
    let busy = state.compare.is_streaming() || state.is_streaming();
    if busy {
        let cancel = state.key_for(Action::Cancel);
        state.note(format!("lanes are still streaming · {cancel} cancels them"));
        return Some(Vec::new());
    }
    if let Some(n) = planned.as_ref().map(Vec::len).filter(|n| *n > MAX_LANES) {
        state.note_error(format!(
            "{n} lanes planned: a comparison takes 2 to {MAX_LANES} · mark fewer models \
             or /lanes off"
        ));
        return Some(Vec::new());
    }
    if ask_budget && hold_for_budget(state) {
        // Sent only on yes (`answer`); the prompt stays in the composer meanwhile.
        return Some(Vec::new());
    }
    let prompt = state.composer.take();
    if let Some(specs) = planned {
        // Marks and the plan describe the next comparison: this one.
        state.catalog.marked.clear();
        state.compare.plan = LanePlan::default();
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
/// could pass it is held for the same yes/no question a single request gets (`true`: the
/// overlay is up); 80% of it is a warning.
fn hold_for_budget(state: &mut State) -> bool {
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
                state.compare.confirm = Some(format!(
                    "This comparison could cost up to {max} across its {} lanes (the \
                     estimated total): up to {after} spent this run, past the budget of \
                     {limit}.",
                    e.lanes
                ));
                state.overlays.push(Overlay::ConfirmSend);
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
    let keep = state.history.is_on();
    let system = state.settings.system.clone();
    let params = state.settings.params.clone();
    let now = state.now;
    let Some(c) = state.compare.active.as_mut() else {
        return Vec::new();
    };
    let mut session = Session::new(c.lanes.len(), system.clone(), params);
    for (i, lane) in c.lanes.iter().enumerate() {
        for t in lane.turns.iter().filter(|t| t.in_history()) {
            session.record(i, &t.prompt, t.answer.text());
        }
    }
    c.prompts.push(prompt.to_string());
    c.diff = None;
    c.diff_pick = None;
    let mut effects = Vec::new();
    let mut turns = Vec::new();
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
        turns.push(id);
        effects.push(Effect::SendLane {
            turn: id,
            spec: Box::new(lane.spec.clone()),
            chat: Box::new(chat),
            cancel,
        });
    }
    tracing::info!(lanes = effects.len(), "comparison round sent");
    // Queued before the lanes start: each lane's task waits for its prompt to be
    // committed before sending.
    let jobs = match c.key {
        None if keep && c.prompts.len() == 1 => {
            c.key = turns.first().copied();
            c.key
                .map(|key| StoreJob::BeginComparison {
                    key,
                    prompt: prompt.to_string(),
                    system,
                    // Stored in display order: a blind comparison keeps its letters.
                    lanes: c.order.iter().map(|i| c.lanes[*i].spec.clone()).collect(),
                    turns: c
                        .order
                        .iter()
                        .filter_map(|i| turns.get(*i).copied())
                        .collect(),
                })
                .into_iter()
                .collect()
        }
        Some(key) if keep => turns
            .into_iter()
            .enumerate()
            .map(|(i, turn)| StoreJob::BeginLaneTurn {
                key,
                lane: c.position(i),
                turn,
                prompt: prompt.to_string(),
                replaces: None,
            })
            .collect(),
        _ => Vec::new(),
    };
    jobs.into_iter()
        .map(|j| Effect::Store(Box::new(j)))
        .chain(effects)
        .collect()
}
