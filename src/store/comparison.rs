//! Comparisons: one prompt sent to several lanes (models, settings or gateways). Each lane
//! is a conversation of its own, so a lane streams through the same `TurnWriter` as a
//! chat, nothing lost; the comparison groups the lanes and holds the verdicts.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::conversation::{NewConversation, auto_title, insert_conversation};
use super::{ComparisonId, ConversationId, LaneId, Result, Store, StoreError, now_ms};

/// A lane to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLane {
    /// What the lane is called on screen (`gpt-5 @ t=0.2`, `via openrouter`).
    pub label: String,
    /// `PROVIDER/MODEL`.
    pub model: String,
    /// The lane's own parameters, as JSON.
    pub params: Value,
}

/// A stored lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub id: LaneId,
    pub position: i64,
    pub label: String,
    pub model: String,
    pub params: Value,
    /// The lane's conversation: its turns are the lane's answers.
    pub conversation_id: ConversationId,
}

/// A judgement on a comparison: a lane picked (`best`, `worst`, a score) or none (`tie`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub id: i64,
    pub lane_id: Option<LaneId>,
    pub verdict: String,
    pub note: Option<String>,
    pub created_ms: i64,
}

/// A stored comparison with its lanes and verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub id: ComparisonId,
    pub title: String,
    pub prompt: String,
    pub system_prompt: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub lanes: Vec<Lane>,
    pub verdicts: Vec<Verdict>,
}

impl Store {
    /// Creates a comparison and one conversation per lane, in one transaction. Begin each
    /// lane's turn with `begin_turn(lane.conversation_id, ...)`.
    pub fn create_comparison(
        &self,
        prompt: &str,
        system_prompt: Option<&str>,
        lanes: &[NewLane],
    ) -> Result<Comparison> {
        let id = self.write(|tx| {
            let now = now_ms();
            tx.execute(
                "INSERT INTO comparisons (title, prompt, system_prompt, created_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![auto_title(prompt), prompt, system_prompt, now],
            )?;
            let id = tx.last_insert_rowid();
            for (i, lane) in lanes.iter().enumerate() {
                let new = NewConversation {
                    title: Some(lane.label.clone()),
                    system_prompt: system_prompt.map(str::to_string),
                    params: Some(lane.params.clone()),
                };
                let conversation = insert_conversation(tx, &new, prompt, Some(id))?;
                tx.execute(
                    "INSERT INTO lanes (comparison_id, position, label, model, params, conversation_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![id, i as i64, lane.label, lane.model, lane.params.to_string(), conversation],
                )?;
            }
            Ok(id)
        })?;
        self.comparison(id)
    }

    /// Comparison `id` with its lanes and verdicts.
    pub fn comparison(&self, id: ComparisonId) -> Result<Comparison> {
        let conn = self.conn();
        let head = conn
            .query_row(
                "SELECT title, prompt, system_prompt, created_ms, updated_ms
                 FROM comparisons WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("comparison {id}")))?;
        let mut stmt = conn.prepare(
            "SELECT id, position, label, model, params, conversation_id
             FROM lanes WHERE comparison_id = ?1 ORDER BY position",
        )?;
        let lanes = stmt
            .query_map([id], |r| {
                Ok(Lane {
                    id: r.get(0)?,
                    position: r.get(1)?,
                    label: r.get(2)?,
                    model: r.get(3)?,
                    params: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or(Value::Null),
                    conversation_id: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = conn.prepare(
            "SELECT id, lane_id, verdict, note, created_ms FROM verdicts
             WHERE comparison_id = ?1 ORDER BY id",
        )?;
        let verdicts = stmt
            .query_map([id], |r| {
                Ok(Verdict {
                    id: r.get(0)?,
                    lane_id: r.get(1)?,
                    verdict: r.get(2)?,
                    note: r.get(3)?,
                    created_ms: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Comparison {
            id,
            title: head.0,
            prompt: head.1,
            system_prompt: head.2,
            created_ms: head.3,
            updated_ms: head.4,
            lanes,
            verdicts,
        })
    }

    /// Records a verdict on comparison `id` (about `lane`, or the whole comparison).
    pub fn add_verdict(
        &self,
        id: ComparisonId,
        lane: Option<LaneId>,
        verdict: &str,
        note: Option<&str>,
    ) -> Result<i64> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO verdicts (comparison_id, lane_id, verdict, note, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, lane, verdict, note, now_ms()],
            )?;
            let v = tx.last_insert_rowid();
            tx.execute(
                "UPDATE comparisons SET updated_ms = ?1 WHERE id = ?2",
                params![now_ms(), id],
            )?;
            Ok(v)
        })
    }

    /// Renames comparison `id`.
    pub fn rename_comparison(&self, id: ComparisonId, title: &str) -> Result<()> {
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE comparisons SET title = ?1 WHERE id = ?2",
                params![title.trim(), id],
            )?)
        })?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("comparison {id}")));
        }
        Ok(())
    }

    /// Deletes comparison `id` with its lanes, their conversations and exchanges, and its
    /// verdicts.
    pub fn delete_comparison(&self, id: ComparisonId) -> Result<()> {
        let n = self.write(|tx| Ok(tx.execute("DELETE FROM comparisons WHERE id = ?1", [id])?))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("comparison {id}")));
        }
        Ok(())
    }
}
