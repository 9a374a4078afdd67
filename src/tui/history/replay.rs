//! Replaying from the history: a stored conversation's (or comparison's) exchanges played
//! again into the inspector with their recorded frame timing, through the same path a
//! trace file takes (`debug::replay::replay_exchanges`).

use crate::trace::TracedExchange;
use crate::tui::action::Action;
use crate::tui::debug::export::protocol_of;
use crate::tui::debug::replay::replay_exchanges;
use crate::tui::effect::Effect;
use crate::tui::keymap::Scope;
use crate::tui::state::{Pane, State};
use crate::tui::store_link::{LoadFor, Loaded, StoreJob};

/// The pace of a replay from the history: the recorded one. (A trace file's replay asks
/// for a speed; the browser's key is one press, so it plays as it happened.)
pub const SPEED: f64 = 1.0;

/// Asks for the selected entry's turns with their exchanges, to replay them.
pub(super) fn request(state: &mut State) -> Vec<Effect> {
    if state.is_streaming() {
        let cancel = state.key_for(Action::Cancel);
        state.note(format!(
            "a turn is still streaming · {cancel} cancels it first"
        ));
        return Vec::new();
    }
    match super::selected_target(state) {
        Some(target) => vec![Effect::Store(Box::new(StoreJob::Load {
            target,
            purpose: LoadFor::Replay,
        }))],
        None => Vec::new(),
    }
}

/// The stored exchanges of `loaded`, in order, as trace records: frames as stored, events
/// decoded from them again (the store keeps frames, not events). Turns without a stored
/// exchange (failed before sending, or older than the exchanges loaded in full) are left
/// out.
pub fn traced(loaded: &Loaded) -> Vec<TracedExchange> {
    loaded
        .turns
        .iter()
        .filter_map(|lt| {
            let ex = lt.exchange.clone()?;
            let protocol = protocol_of(&ex.request.url);
            Some(TracedExchange::decode(
                protocol,
                ex,
                Some(lt.turn.model.clone()),
                None,
            ))
        })
        .collect()
}

/// Plays the loaded entry's exchanges as new turns; the inspector follows them.
pub(super) fn replay(state: &mut State, loaded: &Loaded) -> Vec<Effect> {
    let exchanges = traced(loaded);
    if exchanges.is_empty() {
        state.note(format!(
            "“{}” has no stored exchange to replay",
            loaded.title
        ));
        return Vec::new();
    }
    let n = exchanges.len();
    let effects = replay_exchanges(state, exchanges, Some(SPEED));
    if effects.is_empty() {
        // Refused (a turn is streaming); the note says why.
        return effects;
    }
    state.show.inspector = true;
    state.focus = Pane::Inspector;
    state.note(format!(
        "replaying {n} exchange(s) of “{}” with the recorded timing · {} shows the timeline · {} stops",
        loaded.title,
        inspector_key(state, Action::Timeline),
        state.key_for(Action::Cancel),
    ));
    effects
}

fn inspector_key(state: &State, action: Action) -> String {
    state
        .keymap
        .keys(Scope::Inspector, action)
        .first()
        .map_or_else(|| action.name().to_string(), |k| k.label())
}
