//! `Recorder`: what a command wraps around one request to keep it in the history. Created
//! before the request (it loads the conversation being continued), begun right before
//! sending (the prompt is committed then), fed every runner `Update`, finished with the
//! `Exchange`. A disabled recorder (`--no-store`) does nothing at every step.

use std::time::Instant;

use serde_json::Value;

use super::conversation::{NewConversation, TurnStatus};
use super::exchange::ExchangeRecord;
use super::writer::{NewTurn, TurnWriter};
use super::{ConversationId, ExchangeId, Result, Store, StoreError, TurnId};
use crate::llm::chat::{ChatRequest, Message, Role};
use crate::llm::error::ProviderError;
use crate::llm::http::Exchange;
use crate::llm::money::Money;
use crate::llm::run::Update;

/// Keeps one request's turn in the store, or nothing when storing is off.
pub struct Recorder {
    store: Option<Store>,
    conversation: Option<ConversationId>,
    writer: Option<TurnWriter>,
    source: &'static str,
    model: String,
    protocol: Option<String>,
}

impl Recorder {
    /// A recorder that stores nothing.
    pub fn off() -> Recorder {
        Recorder {
            store: None,
            conversation: None,
            writer: None,
            source: "",
            model: String::new(),
            protocol: None,
        }
    }

    /// A recorder writing to `store`: into `conversation` when continuing one, else into a
    /// new conversation. `source` names the command (`ask`, `tui`).
    pub fn new(store: Store, conversation: Option<ConversationId>, source: &'static str) -> Self {
        Recorder {
            store: Some(store),
            conversation,
            source,
            ..Recorder::off()
        }
    }

    /// Whether anything is stored.
    pub fn is_on(&self) -> bool {
        self.store.is_some()
    }

    /// Renames `conversation` (a model wrote its title).
    pub fn rename(&self, conversation: ConversationId, title: &str) -> Result<()> {
        match &self.store {
            Some(store) => store.rename(conversation, title),
            None => Ok(()),
        }
    }

    /// The conversation being continued or written, once known.
    pub fn conversation(&self) -> Option<ConversationId> {
        self.conversation
    }

    /// The model of the continued conversation's last turn.
    pub fn last_model(&self) -> Result<Option<String>> {
        let (Some(store), Some(id)) = (&self.store, self.conversation) else {
            return Ok(None);
        };
        Ok(store.turns(id)?.last().map(|t| t.model.clone()))
    }

    /// Puts the continued conversation's history before the new prompt: its system prompt
    /// (unless `chat` brings its own), then its turns.
    pub fn prepend_history(&self, chat: &mut ChatRequest) -> Result<()> {
        self.prepend_history_for(chat, None)
    }

    /// `prepend_history` for a request to `model` (`PROVIDER/MODEL`): its own earlier
    /// answers keep their signed reasoning (`Store::messages_for`).
    pub fn prepend_history_for(&self, chat: &mut ChatRequest, model: Option<&str>) -> Result<()> {
        let (Some(store), Some(id)) = (&self.store, self.conversation) else {
            return Ok(());
        };
        let mut history = store.messages_for(id, model)?;
        let has_system = chat
            .messages
            .first()
            .is_some_and(|m| m.role == Role::System);
        if has_system {
            history.retain(|m| m.role != Role::System);
        }
        let at = usize::from(has_system);
        chat.messages.splice(at..at, history);
        Ok(())
    }

    /// Commits the prompt (the last user message of `chat`) as a streaming turn: call it
    /// right before sending. `model` is `PROVIDER/MODEL`.
    pub fn begin(&mut self, model: &str, protocol: Option<&str>, chat: &ChatRequest) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        self.model = model.to_string();
        self.protocol = protocol.map(str::to_string);
        let prompt = chat
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(Message::joined_text)
            .unwrap_or_default();
        let turn = NewTurn {
            model,
            prompt: &prompt,
            parent_turn: None,
        };
        let writer = match self.conversation {
            Some(id) => store.begin_turn(id, turn)?,
            None => {
                let system = chat
                    .messages
                    .first()
                    .filter(|m| m.role == Role::System)
                    .map(Message::joined_text);
                let new = NewConversation {
                    title: None,
                    system_prompt: system,
                    params: serde_json::to_value(&chat.params)
                        .ok()
                        .filter(Value::is_object),
                };
                store.begin_conversation(&new, turn)?
            }
        };
        self.conversation = Some(writer.conversation());
        self.writer = Some(writer);
        Ok(())
    }

    /// Takes one runner update; commits text when a batch is due.
    pub fn update(&mut self, update: &Update<'_>) -> Result<()> {
        let Some(w) = &mut self.writer else {
            return Ok(());
        };
        if let Update::Event(event) = update {
            w.push_event(event);
        }
        w.flush_if_due(Instant::now())?;
        Ok(())
    }

    /// Ends the turn with the exchange: status from its error (none: done; cancelled;
    /// anything else: failed, with the error's text). Returns the turn and exchange ids.
    pub fn finish(
        &mut self,
        exchange: &Exchange,
        cost: Option<&Money>,
    ) -> Result<Option<(TurnId, ExchangeId)>> {
        let Some(writer) = self.writer.take() else {
            return Ok(None);
        };
        let turn = writer.turn();
        let (status, error) = outcome(exchange);
        let rec = ExchangeRecord {
            exchange,
            source: self.source,
            model: Some(&self.model),
            protocol: self.protocol.as_deref(),
            cost,
            packed: None,
        };
        let id = writer
            .finish(status, error.as_deref(), Some(&rec))?
            .ok_or_else(|| StoreError::Invalid("the exchange was not stored".into()))?;
        Ok(Some((turn, id)))
    }
}

/// The turn status and error text an exchange ends with.
pub fn outcome(exchange: &Exchange) -> (TurnStatus, Option<String>) {
    match &exchange.error {
        None => (TurnStatus::Done, None),
        Some(ProviderError::Cancelled) => (TurnStatus::Cancelled, None),
        Some(e) => (TurnStatus::Failed, Some(e.to_string())),
    }
}
