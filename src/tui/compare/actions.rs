//! What the comparison's actions do: cancel and retry lanes, move between lanes, diff two
//! lanes, give the verdict, switch blind mode, mark models, export. Sending is in
//! `send.rs`.

use super::{CompareState, report};
use crate::compare::MAX_LANES;
use crate::llm::provider::ModelRef;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::msg::TurnId;
use crate::tui::scroll::Scroll;
use crate::tui::state::State;
use crate::tui::store_link::StoreJob;
use crate::tui::turn::Turn;

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
        Action::MarkBest | Action::RankLane => return judge(state, action),
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
        1 => "1 model marked · mark one more to compare, or vary its settings with \
              /lanes temperature=0,1"
            .to_string(),
        n => format!(
            "{n} models marked · the next prompt goes to all of them · /lanes KEY=V1,V2 \
             adds lanes per setting"
        ),
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
    let pos = c.position(i);
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
    let store = c.key.filter(|_| state.history.is_on()).map(|key| {
        Effect::Store(Box::new(StoreJob::BeginLaneTurn {
            key,
            lane: pos,
            turn: id,
            prompt: last.prompt.clone(),
            replaces: Some(last.id),
        }))
    });
    // The round keeps one answer per lane: the new one replaces the old.
    *last = turn;
    lane.scroll = Scroll::following();
    let spec = Box::new(lane.spec.clone());
    state.next_turn += 1;
    state.note(format!("{name} sent again"));
    store
        .into_iter()
        .chain([Effect::SendLane {
            turn: id,
            spec,
            chat: Box::new(chat),
            cancel,
        }])
        .collect()
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

/// Gives the verdict on the focused lane; the history keeps it (with the blind flag).
fn judge(state: &mut State, action: Action) -> Vec<Effect> {
    let keep = state.history.is_on();
    let Some(c) = state.compare.active.as_mut() else {
        return Vec::new();
    };
    if c.is_streaming() {
        state.note("wait for the lanes to finish before judging");
        return Vec::new();
    }
    let Some(i) = c.focused_lane() else {
        return Vec::new();
    };
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
    let store = c.key.filter(|_| keep).map(|key| {
        Effect::Store(Box::new(StoreJob::Verdict {
            key,
            verdict: c.verdict_by_position(),
            blind: c.blind,
        }))
    });
    state.note(format!("{text}{reveal}"));
    store.into_iter().collect()
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
