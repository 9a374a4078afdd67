//! `TurnWriter`: the one way a turn is written while it streams. The prompt is committed
//! (status `streaming`) when the writer is created, before the request goes out; text is
//! kept in memory and appended in one short transaction at least every `FLUSH_EVERY`
//! while updates come in; `finish` commits the rest, the status and the exchange at once.
//!
//! Batching is driven by the caller: it pushes what arrives and calls `flush_if_due(now)`
//! on every update, so no timer is needed. A caller that can wake on a timer (the UI's
//! ticker) also calls it while a stream is silent, so text never waits longer than that.

use std::time::{Duration, Instant};

use rusqlite::{Transaction, params};

use super::conversation::{NewConversation, ToolCallRecord, TurnStatus, insert_conversation};
use super::exchange::{ExchangeRecord, insert_exchange};
use super::{ConversationId, ExchangeId, Result, Store, StoreError, TurnId, now_ms};
use crate::llm::event::StreamEvent;

/// What a new turn starts with.
#[derive(Debug, Clone, Copy)]
pub struct NewTurn<'a> {
    /// `PROVIDER/MODEL`.
    pub model: &'a str,
    pub prompt: &'a str,
    /// For a branch: the turn whose prompt this one edits.
    pub parent_turn: Option<TurnId>,
}

/// Writes one streaming turn. Dropped without `finish`, it commits what it holds and marks
/// the turn `interrupted`.
pub struct TurnWriter {
    store: Store,
    conversation: ConversationId,
    turn: TurnId,
    text: String,
    reasoning: String,
    tools: Vec<ToolCallRecord>,
    tools_dirty: bool,
    last_flush: Instant,
    finished: bool,
}

impl Store {
    /// Creates a conversation and its first turn in one transaction, committed before
    /// this returns.
    pub fn begin_conversation(
        &self,
        new: &NewConversation,
        turn: NewTurn<'_>,
    ) -> Result<TurnWriter> {
        let lease = self.lease_id()?;
        let (conversation, id) = self.write(|tx| {
            let c = insert_conversation(tx, new, turn.prompt, None)?;
            Ok((c, insert_turn(tx, c, &turn, &lease)?))
        })?;
        Ok(TurnWriter::new(self.clone(), conversation, id))
    }

    /// Appends a turn to `conversation`, committed (status `streaming`) before this
    /// returns: call it before sending the request.
    pub fn begin_turn(
        &self,
        conversation: ConversationId,
        turn: NewTurn<'_>,
    ) -> Result<TurnWriter> {
        let lease = self.lease_id()?;
        let id = self.write(|tx| insert_turn(tx, conversation, &turn, &lease))?;
        Ok(TurnWriter::new(self.clone(), conversation, id))
    }
}

fn insert_turn(
    tx: &Transaction<'_>,
    conversation: ConversationId,
    turn: &NewTurn<'_>,
    lease: &str,
) -> Result<TurnId> {
    let now = now_ms();
    let models: Option<String> = tx
        .query_row(
            "SELECT models FROM conversations WHERE id = ?1",
            [conversation],
            |r| r.get(0),
        )
        .ok();
    let Some(models) = models else {
        return Err(StoreError::NotFound(format!("conversation {conversation}")));
    };
    let mut models: Vec<String> = serde_json::from_str(&models).unwrap_or_default();
    if !models.iter().any(|m| m == turn.model) {
        models.push(turn.model.to_string());
    }
    tx.execute(
        "INSERT INTO turns (conversation_id, position, parent_turn_id, model, prompt, status,
             lease, created_ms, updated_ms)
         VALUES (?1, (SELECT coalesce(max(position) + 1, 0) FROM turns WHERE conversation_id = ?1),
             ?2, ?3, ?4, 'streaming', ?5, ?6, ?6)",
        params![
            conversation,
            turn.parent_turn,
            turn.model,
            turn.prompt,
            lease,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    touch(tx, conversation, now)?;
    tx.execute(
        "UPDATE conversations SET models = ?1 WHERE id = ?2",
        params![
            serde_json::to_string(&models).unwrap_or_default(),
            conversation
        ],
    )?;
    Ok(id)
}

/// Marks a conversation (and its comparison, for a lane) as just updated.
fn touch(tx: &Transaction<'_>, conversation: ConversationId, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE conversations SET updated_ms = ?1 WHERE id = ?2",
        params![now, conversation],
    )?;
    tx.execute(
        "UPDATE comparisons SET updated_ms = ?1
         WHERE id = (SELECT comparison_id FROM conversations WHERE id = ?2)",
        params![now, conversation],
    )?;
    Ok(())
}

impl TurnWriter {
    /// The longest text waits in memory while updates keep coming.
    pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

    fn new(store: Store, conversation: ConversationId, turn: TurnId) -> Self {
        TurnWriter {
            store,
            conversation,
            turn,
            text: String::new(),
            reasoning: String::new(),
            tools: Vec::new(),
            tools_dirty: false,
            last_flush: Instant::now(),
            finished: false,
        }
    }

    /// The conversation this turn belongs to.
    pub fn conversation(&self) -> ConversationId {
        self.conversation
    }

    /// The turn's id.
    pub fn turn(&self) -> TurnId {
        self.turn
    }

    /// Answer text that arrived.
    pub fn push_text(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Reasoning text that arrived.
    pub fn push_reasoning(&mut self, text: &str) {
        self.reasoning.push_str(text);
    }

    /// A piece of tool call `index`, as `StreamEvent::ToolCallDelta` carries it.
    pub fn push_tool_call(
        &mut self,
        index: u32,
        id: Option<&str>,
        name: Option<&str>,
        arguments: &str,
    ) {
        let i = index as usize;
        if self.tools.len() <= i {
            self.tools.resize(i + 1, ToolCallRecord::default());
        }
        let call = &mut self.tools[i];
        if let Some(id) = id {
            call.id = id.to_string();
        }
        if let Some(name) = name {
            call.name.push_str(name);
        }
        call.arguments.push_str(arguments);
        self.tools_dirty = true;
    }

    /// Takes what a decoded event adds to the turn.
    pub fn push_event(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::TextDelta { text } => self.push_text(text),
            StreamEvent::ReasoningDelta { text } => self.push_reasoning(text),
            StreamEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } => self.push_tool_call(*index, id.as_deref(), name.as_deref(), arguments),
            _ => {}
        }
    }

    fn pending(&self) -> bool {
        !self.text.is_empty() || !self.reasoning.is_empty() || self.tools_dirty
    }

    /// True when something waits and the last flush was `FLUSH_EVERY` ago.
    pub fn is_due(&self, now: Instant) -> bool {
        self.pending() && now.saturating_duration_since(self.last_flush) >= Self::FLUSH_EVERY
    }

    /// Flushes when due; returns whether it did.
    pub fn flush_if_due(&mut self, now: Instant) -> Result<bool> {
        if !self.is_due(now) {
            return Ok(false);
        }
        self.flush()?;
        Ok(true)
    }

    /// Appends what is waiting, now. On failure (another process held the database past
    /// the busy timeout) the text stays in memory for the next try.
    pub fn flush(&mut self) -> Result<()> {
        if !self.pending() {
            return Ok(());
        }
        let tools = self.tools_json();
        self.store.write(|tx| {
            append(tx, self.turn, &self.text, &self.reasoning, tools.as_deref())?;
            Ok(())
        })?;
        self.text.clear();
        self.reasoning.clear();
        self.tools_dirty = false;
        self.last_flush = Instant::now();
        Ok(())
    }

    fn tools_json(&self) -> Option<String> {
        (self.tools_dirty && !self.tools.is_empty())
            .then(|| serde_json::to_string(&self.tools).unwrap_or_default())
    }

    /// Ends the turn in one transaction: the rest of the text, the status and error, and
    /// the exchange when there is one. Returns the exchange's id.
    pub fn finish(
        mut self,
        status: TurnStatus,
        error: Option<&str>,
        exchange: Option<&ExchangeRecord<'_>>,
    ) -> Result<Option<ExchangeId>> {
        let tools = self.tools_json();
        let cap = self.store.inner.options.frames_cap;
        let out = self.store.write(|tx| {
            append(tx, self.turn, &self.text, &self.reasoning, tools.as_deref())?;
            tx.execute(
                "UPDATE turns SET status = ?1, error = ?2, lease = NULL, updated_ms = ?3
                 WHERE id = ?4",
                params![status.as_str(), error, now_ms(), self.turn],
            )?;
            touch(tx, self.conversation, now_ms())?;
            exchange
                .map(|e| insert_exchange(tx, Some(self.turn), e, cap))
                .transpose()
        })?;
        self.finished = true;
        Ok(out)
    }
}

fn append(
    tx: &Transaction<'_>,
    turn: TurnId,
    text: &str,
    reasoning: &str,
    tools: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE turns SET answer = answer || ?1, reasoning = reasoning || ?2,
             tool_calls = coalesce(?3, tool_calls), updated_ms = ?4
         WHERE id = ?5",
        params![text, reasoning, tools, now_ms(), turn],
    )?;
    Ok(())
}

impl Drop for TurnWriter {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let tools = self.tools_json();
        let _ = self.store.write(|tx| {
            append(tx, self.turn, &self.text, &self.reasoning, tools.as_deref())?;
            tx.execute(
                "UPDATE turns SET status = 'interrupted', lease = NULL,
                     error = coalesce(error, 'the turn was abandoned before it finished')
                 WHERE id = ?1 AND status = 'streaming'",
                [self.turn],
            )?;
            Ok(())
        });
    }
}
