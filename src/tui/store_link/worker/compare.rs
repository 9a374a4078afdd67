//! The store thread's side of a comparison run in the UI: the stored comparison is created
//! with its lanes when the first round starts, and each lane turn is begun as an `Open`
//! turn like a chat turn, so its text is batched, its exchange written and a quit ends it
//! the same way. Later rounds and retries go into the same lanes; verdicts are added.

use std::collections::HashMap;

use super::{Open, Worker};
use crate::compare::{new_lanes, save_verdict};
use crate::store::{self, NewTurn, Store};
use crate::tui::msg::TurnId;
use crate::tui::store_link::{HistoryMsg, StoreJob};

/// The comparisons kept in this run, by the UI's key, and the stored id of each lane turn
/// (a retry names the turn it replaces).
#[derive(Default)]
pub(super) struct Kept {
    comparisons: HashMap<TurnId, store::Comparison>,
    turns: HashMap<TurnId, store::TurnId>,
}

impl Worker {
    pub(super) fn on_compare_job(&mut self, store: &Store, job: StoreJob) {
        match job {
            StoreJob::BeginComparison {
                key,
                prompt,
                system,
                lanes,
                turns,
            } => match store.create_comparison(&prompt, system.as_deref(), &new_lanes(&lanes)) {
                Ok(c) => {
                    for (lane, turn) in c.lanes.iter().zip(&turns) {
                        self.begin_lane(store, lane, *turn, &prompt, None);
                    }
                    self.kept.comparisons.insert(key, c);
                }
                Err(e) => {
                    let why = format!("the comparison could not be stored: {e}");
                    for turn in turns {
                        self.begun.insert(turn, Err(why.clone()));
                    }
                }
            },
            StoreJob::BeginLaneTurn {
                key,
                lane,
                turn,
                prompt,
                replaces,
            } => {
                let stored = self
                    .kept
                    .comparisons
                    .get(&key)
                    .and_then(|c| c.lanes.get(lane))
                    .cloned();
                let Some(l) = stored else {
                    // Its first round could not be stored: neither can this one.
                    let why = "the comparison is not in the history".to_string();
                    self.begun.insert(turn, Err(why));
                    return;
                };
                let parent = replaces.and_then(|r| self.kept.turns.get(&r).copied());
                self.begin_lane(store, &l, turn, &prompt, parent);
            }
            StoreJob::Verdict {
                key,
                verdict,
                blind,
            } => {
                let Some(c) = self.kept.comparisons.get(&key) else {
                    return;
                };
                if let Err(e) = save_verdict(store, c, &verdict, blind) {
                    tracing::warn!(error = %e, "the verdict could not be stored");
                    self.report(HistoryMsg::Warning(format!(
                        "history: the verdict could not be stored: {e}"
                    )));
                }
            }
            _ => {}
        }
    }

    /// Commits a lane's prompt (status `streaming`) and opens its writer under `turn`.
    fn begin_lane(
        &mut self,
        store: &Store,
        lane: &store::Lane,
        turn: TurnId,
        prompt: &str,
        parent: Option<store::TurnId>,
    ) {
        let new = NewTurn {
            model: &lane.model,
            prompt,
            parent_turn: parent,
        };
        match store.begin_turn(lane.conversation_id, new) {
            Ok(writer) => {
                self.kept.turns.insert(turn, writer.turn());
                self.open.insert(
                    turn,
                    Open {
                        writer,
                        model: lane.model.clone(),
                        protocol: None,
                        dirty_since: None,
                    },
                );
                self.begun.insert(turn, Ok(()));
            }
            Err(e) => {
                self.begun.insert(turn, Err(e.to_string()));
            }
        }
    }
}
