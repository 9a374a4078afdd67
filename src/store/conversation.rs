//! Conversations and their turns: read, resume as messages, rename, delete, branch.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ConversationId, Result, Store, StoreError, TurnId, now_ms};
use crate::llm::chat::{Message, Part, Role};

/// Where a turn stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TurnStatus {
    /// The prompt is stored and the answer is arriving (or a live process is sending it).
    Streaming,
    /// The answer arrived whole.
    Done,
    /// The user stopped it; what arrived is kept.
    Cancelled,
    /// The request failed; the error and anything that arrived are kept.
    Failed,
    /// The process writing it died mid-stream; the text committed until then is kept.
    Interrupted,
}

impl TurnStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TurnStatus::Streaming => "streaming",
            TurnStatus::Done => "done",
            TurnStatus::Cancelled => "cancelled",
            TurnStatus::Failed => "failed",
            TurnStatus::Interrupted => "interrupted",
        }
    }

    /// Parses a stored name; anything unknown reads as `Failed`.
    pub fn parse(s: &str) -> TurnStatus {
        match s {
            "streaming" => TurnStatus::Streaming,
            "done" => TurnStatus::Done,
            "cancelled" => TurnStatus::Cancelled,
            "interrupted" => TurnStatus::Interrupted,
            _ => TurnStatus::Failed,
        }
    }
}

/// One tool call the model asked for, assembled from its deltas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    pub id: String,
    pub name: String,
    /// The arguments as the model produced them (JSON text, not necessarily valid).
    pub arguments: String,
}

/// A stored conversation (a lane of a comparison is one too, with `comparison_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub title: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// Every model a turn used, in first-use order.
    pub models: Vec<String>,
    pub system_prompt: Option<String>,
    /// The `Params` of the first request, as JSON.
    pub params: Value,
    pub comparison_id: Option<i64>,
    /// The turn this conversation was branched from, if it was.
    pub branched_from_turn: Option<TurnId>,
}

/// One prompt and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub id: TurnId,
    pub conversation_id: ConversationId,
    /// 0-based order in the conversation.
    pub position: i64,
    /// The turn this one was copied or branched from.
    pub parent_turn_id: Option<TurnId>,
    pub model: String,
    pub prompt: String,
    pub answer: String,
    pub reasoning: String,
    pub tool_calls: Vec<ToolCallRecord>,
    pub status: TurnStatus,
    pub error: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// What a new conversation starts with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewConversation {
    /// `None`: the first prompt's first line (`auto_title`).
    pub title: Option<String>,
    pub system_prompt: Option<String>,
    pub params: Option<Value>,
}

pub(super) const TURN_COLUMNS: &str = "id, conversation_id, position, parent_turn_id, model, \
     prompt, answer, reasoning, tool_calls, status, error, created_ms, updated_ms";

pub(super) fn turn_from_row(r: &Row<'_>) -> rusqlite::Result<Turn> {
    let tools: Option<String> = r.get(8)?;
    let status: String = r.get(9)?;
    Ok(Turn {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        position: r.get(2)?,
        parent_turn_id: r.get(3)?,
        model: r.get(4)?,
        prompt: r.get(5)?,
        answer: r.get(6)?,
        reasoning: r.get(7)?,
        tool_calls: tools
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default(),
        status: TurnStatus::parse(&status),
        error: r.get(10)?,
        created_ms: r.get(11)?,
        updated_ms: r.get(12)?,
    })
}

fn conversation_from_row(r: &Row<'_>) -> rusqlite::Result<Conversation> {
    let models: String = r.get(4)?;
    let params: String = r.get(6)?;
    Ok(Conversation {
        id: r.get(0)?,
        title: r.get(1)?,
        created_ms: r.get(2)?,
        updated_ms: r.get(3)?,
        models: serde_json::from_str(&models).unwrap_or_default(),
        system_prompt: r.get(5)?,
        params: serde_json::from_str(&params).unwrap_or(Value::Null),
        comparison_id: r.get(7)?,
        branched_from_turn: r.get(8)?,
    })
}

/// A title from the first prompt: its first non-empty line, trimmed to about 60
/// characters at a word boundary.
pub fn auto_title(prompt: &str) -> String {
    const MAX: usize = 60;
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let line: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "untitled".into();
    }
    if line.chars().count() <= MAX {
        return line;
    }
    let cut: String = line.chars().take(MAX).collect();
    let at_word = match cut.rfind(' ') {
        Some(i) if i >= MAX / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end_matches([' ', ',', '.', ';', ':']))
}

/// Inserts a conversation row inside a transaction.
pub(super) fn insert_conversation(
    tx: &Transaction<'_>,
    new: &NewConversation,
    first_prompt: &str,
    comparison_id: Option<i64>,
) -> Result<ConversationId> {
    let now = now_ms();
    let title = new
        .title
        .clone()
        .unwrap_or_else(|| auto_title(first_prompt));
    let params = new
        .params
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    tx.execute(
        "INSERT INTO conversations (title, created_ms, updated_ms, system_prompt, params, comparison_id)
         VALUES (?1, ?2, ?2, ?3, ?4, ?5)",
        params![title, now, new.system_prompt, params.to_string(), comparison_id],
    )?;
    Ok(tx.last_insert_rowid())
}

impl Store {
    /// Creates an empty conversation (a turn usually comes with it: `begin_conversation`).
    pub fn create_conversation(
        &self,
        new: &NewConversation,
        first_prompt: &str,
    ) -> Result<ConversationId> {
        self.write(|tx| insert_conversation(tx, new, first_prompt, None))
    }

    /// The conversation `id`.
    pub fn conversation(&self, id: ConversationId) -> Result<Conversation> {
        self.conn()
            .query_row(
                "SELECT id, title, created_ms, updated_ms, models, system_prompt, params,
                        comparison_id, branched_from_turn
                 FROM conversations WHERE id = ?1",
                [id],
                conversation_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("conversation {id}")))
    }

    /// The turns of conversation `id`, in order.
    pub fn turns(&self, id: ConversationId) -> Result<Vec<Turn>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {TURN_COLUMNS} FROM turns WHERE conversation_id = ?1 ORDER BY position"
        ))?;
        let turns = stmt
            .query_map([id], turn_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(turns)
    }

    /// The turn `id`.
    pub fn turn(&self, id: TurnId) -> Result<Turn> {
        self.conn()
            .query_row(
                &format!("SELECT {TURN_COLUMNS} FROM turns WHERE id = ?1"),
                [id],
                turn_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("turn {id}")))
    }

    /// The most recently updated conversation (not a comparison lane), if any.
    pub fn latest_conversation(&self) -> Result<Option<ConversationId>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM conversations WHERE comparison_id IS NULL
                 ORDER BY updated_ms DESC, id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The conversation as messages for its next request: the system prompt, then each
    /// turn's prompt and answer. A turn with no answer (failed before any text) is left
    /// out, prompt too, so two user messages never follow each other; a cancelled or
    /// interrupted turn counts with the part that arrived. Tool calls are left out: their
    /// results were never stored, and a call without its result is refused by providers.
    /// Reasoning comes unsigned (see `messages_for`).
    pub fn messages(&self, id: ConversationId) -> Result<Vec<Message>> {
        self.messages_for(id, None)
    }

    /// `messages`, for a next request to `next_model` (`PROVIDER/MODEL`): the answers that
    /// model wrote keep their reasoning as the signed blocks it arrived in (decoded again
    /// from the stored stream), for the provider to verify; other models' reasoning stays
    /// unsigned text, which no protocol sends back.
    pub fn messages_for(
        &self,
        id: ConversationId,
        next_model: Option<&str>,
    ) -> Result<Vec<Message>> {
        let conversation = self.conversation(id)?;
        let mut out = Vec::new();
        if let Some(system) = conversation.system_prompt.filter(|s| !s.is_empty()) {
            out.push(Message::text(Role::System, system));
        }
        for turn in self.turns(id)? {
            if turn.answer.is_empty() || turn.status == TurnStatus::Streaming {
                continue;
            }
            out.push(Message::text(Role::User, turn.prompt));
            let mut parts = Vec::new();
            if !turn.reasoning.is_empty() && next_model == Some(turn.model.as_str()) {
                parts = self.signed_reasoning(turn.id)?;
            }
            if parts.is_empty() && !turn.reasoning.is_empty() {
                parts.push(Part::Reasoning {
                    text: turn.reasoning,
                    signature: None,
                });
            }
            parts.push(Part::Text { text: turn.answer });
            out.push(Message {
                role: Role::Assistant,
                parts,
            });
        }
        Ok(out)
    }

    /// Renames conversation `id`.
    pub fn rename(&self, id: ConversationId, title: &str) -> Result<()> {
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::Invalid("a title cannot be empty".into()));
        }
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE conversations SET title = ?1 WHERE id = ?2",
                params![title, id],
            )?)
        })?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("conversation {id}")));
        }
        Ok(())
    }

    /// Deletes conversation `id` with its turns and exchanges.
    pub fn delete_conversation(&self, id: ConversationId) -> Result<()> {
        let n =
            self.write(|tx| Ok(tx.execute("DELETE FROM conversations WHERE id = ?1", [id])?))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("conversation {id}")));
        }
        Ok(())
    }

    /// A new conversation holding copies of the turns before `turn` (and `turn` itself
    /// when `include_turn`), the original untouched: to edit an earlier prompt, branch
    /// without it and begin a turn with the edited prompt (`parent_turn: Some(turn)`).
    pub fn branch(&self, turn: TurnId, include_turn: bool) -> Result<ConversationId> {
        let from = self.turn(turn)?;
        let source = self.conversation(from.conversation_id)?;
        let last = if include_turn {
            from.position
        } else {
            from.position - 1
        };
        self.write(|tx| {
            let now = now_ms();
            tx.execute(
                "INSERT INTO conversations (title, created_ms, updated_ms, models, system_prompt,
                     params, branched_from_turn)
                 VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6)",
                params![
                    format!("{} (branch)", source.title),
                    now,
                    serde_json::to_string(&source.models).unwrap_or_else(|_| "[]".into()),
                    source.system_prompt,
                    source.params.to_string(),
                    turn
                ],
            )?;
            let id = tx.last_insert_rowid();
            // A copied turn that was still streaming elsewhere is copied as interrupted.
            tx.execute(
                "INSERT INTO turns (conversation_id, position, parent_turn_id, model, prompt,
                     answer, reasoning, tool_calls, status, error, created_ms, updated_ms)
                 SELECT ?1, position, id, model, prompt, answer, reasoning, tool_calls,
                     CASE status WHEN 'streaming' THEN 'interrupted' ELSE status END,
                     error, created_ms, updated_ms
                 FROM turns WHERE conversation_id = ?2 AND position <= ?3 ORDER BY position",
                params![id, from.conversation_id, last],
            )?;
            Ok(id)
        })
    }
}
