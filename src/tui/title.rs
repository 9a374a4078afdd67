//! A model-written title for the conversation on screen (`[store] title_model`): once the
//! first turn of a new stored conversation is done, one short request names it, the store
//! renames it, and the cost is added to the meter like any turn's. Off by default; failing
//! only leaves the first-prompt title and says why in the footer.

use tokio_util::sync::CancellationToken;

use super::effect::Effect;
use super::msg::TurnId;
use super::state::State;
use super::store_link::StoreJob;
use super::turn::TurnStatus;
use crate::llm::provider::ModelRef;
use crate::store::ConversationId;
use crate::title::Titled;

/// A title request to run (`Effect::Title`).
#[derive(Debug, Clone, PartialEq)]
pub struct TitleJob {
    /// The stored conversation to rename.
    pub conversation: ConversationId,
    /// The model that writes the title.
    pub model: ModelRef,
    /// The first prompt.
    pub prompt: String,
    /// Its answer.
    pub answer: String,
    /// Cancelled when the app quits.
    pub cancel: CancellationToken,
}

/// A title request's outcome (`Msg::Titled`).
#[derive(Debug, Clone, PartialEq)]
pub struct TitleDone {
    /// The conversation it was for.
    pub conversation: ConversationId,
    /// The model asked.
    pub model: ModelRef,
    /// The title and its cost, or why there is none.
    pub result: Result<Titled, String>,
}

/// Takes the title model from the config; a value that does not parse was refused when
/// the config was read, so here it is simply skipped.
pub fn configure(state: &mut State, config: &crate::config::Config) {
    state.title_model = config
        .store
        .title_model
        .as_deref()
        .and_then(|m| ModelRef::parse(m).ok());
}

/// After turn `id` finished: the title request, when a title model is set and `id` is the
/// only turn of a conversation this run stored.
pub fn after_done(state: &State, id: TurnId) -> Vec<Effect> {
    let (Some(model), Some(conversation)) = (&state.title_model, state.history.conversation) else {
        return Vec::new();
    };
    let [turn] = state.chat.turns.as_slice() else {
        return Vec::new();
    };
    if turn.id != id
        || !matches!(turn.status, TurnStatus::Done { .. })
        || turn.answer.text().is_empty()
    {
        return Vec::new();
    }
    vec![Effect::Title(Box::new(TitleJob {
        conversation,
        model: model.clone(),
        prompt: turn.prompt.clone(),
        answer: turn.answer.text().to_string(),
        cancel: state.root.child_token(),
    }))]
}

/// The title arrived: rename the stored conversation, count its cost, say so.
pub fn on_done(state: &mut State, done: TitleDone) -> Vec<Effect> {
    let t = match done.result {
        Ok(t) => t,
        Err(e) => {
            state.note_error(format!(
                "{} could not write the title: {e} (the first line is kept)",
                done.model
            ));
            return Vec::new();
        }
    };
    // The title belongs to the conversation: its cost counts there too while it is the
    // one on screen.
    let here = state.history.conversation == Some(done.conversation);
    if let Some(c) = &t.cost {
        state.spend.session.add(c);
        if here {
            state.spend.conversation.add(c);
        }
    }
    if let Some(r) = &t.reported {
        state.spend.session_reported.add(r);
        if here {
            state.spend.conversation_reported.add(r);
        }
    }
    let spent = t.cost.as_ref().or(t.reported.as_ref());
    let spent = spent.map_or_else(|| "cost unknown".into(), ToString::to_string);
    state.note(format!("titled “{}” by {} · {spent}", t.title, done.model));
    if here {
        state.history.title = Some(t.title.clone());
    }
    vec![Effect::Store(Box::new(StoreJob::Retitle {
        conversation: done.conversation,
        title: t.title,
    }))]
}

/// Runs a title request in its own task; the outcome comes back as `Msg::Titled`.
pub fn spawn(
    bench: std::sync::Arc<crate::workbench::Workbench>,
    tx: tokio::sync::mpsc::UnboundedSender<super::msg::Msg>,
    job: TitleJob,
) {
    tokio::spawn(async move {
        let result =
            crate::title::write(&bench, &job.model, &job.prompt, &job.answer, &job.cancel).await;
        let _ = tx.send(super::msg::Msg::Titled(Box::new(TitleDone {
            conversation: job.conversation,
            model: job.model,
            result,
        })));
    });
}
