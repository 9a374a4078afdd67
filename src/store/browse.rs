//! The history browser's queries: conversations and comparisons newest first, with
//! models, first line, tokens and cost per currency; and full-text search (FTS5) over
//! prompts and answers.

use std::collections::HashMap;

use rusqlite::{Connection, params, params_from_iter};
use serde::{Deserialize, Serialize};

use super::conversation::TurnStatus;
use super::exchange::money;
use super::{ComparisonId, ConversationId, Result, Store, TurnId};
use crate::llm::money::{Money, Totals};

/// What a history entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A chat.
    Conversation,
    /// One prompt sent to several lanes.
    Comparison,
}

/// One row of the history browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub kind: EntryKind,
    pub id: i64,
    pub title: String,
    /// The first line of the first prompt.
    pub first_line: String,
    pub models: Vec<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// Turns of a conversation; lanes of a comparison.
    pub count: u64,
    /// The status of a conversation's last turn.
    pub last_status: Option<TurnStatus>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Computed cost, one amount per currency (never added across currencies).
    pub cost: Vec<Money>,
    /// The providers' own cost figures, per currency.
    pub provider_cost: Vec<Money>,
    /// Answered exchanges whose price was unknown, so `cost` leaves them out.
    pub cost_unknown: u64,
}

/// One search match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub conversation_id: ConversationId,
    /// Set when the match is in a comparison's lane.
    pub comparison_id: Option<ComparisonId>,
    pub turn_id: TurnId,
    pub position: i64,
    pub title: String,
    /// The matching words in context, marked with `[` and `]`.
    pub snippet: String,
    pub updated_ms: i64,
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// Totals of one entry, gathered from its exchanges.
#[derive(Default)]
struct Sums {
    input: u64,
    output: u64,
    cost: Totals,
    provider: Totals,
    unknown: u64,
}

/// Sums exchanges per owner id; `owner` is the SQL expression naming the owner column and
/// `from` the joins that reach the exchanges.
fn sums(conn: &Connection, owner: &str, from: &str, ids: &[i64]) -> Result<HashMap<i64, Sums>> {
    let mut out: HashMap<i64, Sums> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let marks = vec!["?"; ids.len()].join(",");
    let sql = format!(
        "SELECT {owner}, e.input_tokens, e.output_tokens, e.cost, e.cost_currency,
             e.provider_cost, e.provider_cost_currency, e.status
         {from} WHERE {owner} IN ({marks})"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(ids))?;
    while let Some(r) = rows.next()? {
        let s = out.entry(r.get(0)?).or_default();
        s.input += r.get::<_, Option<i64>>(1)?.unwrap_or(0).max(0) as u64;
        s.output += r.get::<_, Option<i64>>(2)?.unwrap_or(0).max(0) as u64;
        match money(r.get(3)?, r.get(4)?) {
            Some(m) => s.cost.add(&m),
            None if r
                .get::<_, Option<i64>>(7)?
                .is_some_and(|s| (200..300).contains(&s)) =>
            {
                s.unknown += 1
            }
            None => {}
        }
        if let Some(m) = money(r.get(5)?, r.get(6)?) {
            s.provider.add(&m);
        }
    }
    Ok(out)
}

fn apply(entry: &mut HistoryEntry, s: Option<&Sums>) {
    if let Some(s) = s {
        entry.input_tokens = s.input;
        entry.output_tokens = s.output;
        entry.cost = s.cost.iter().collect();
        entry.provider_cost = s.provider.iter().collect();
        entry.cost_unknown = s.unknown;
    }
}

/// Makes a safe FTS5 query of what a person typed: every word must appear (as a prefix
/// for the last one, so results come while typing); FTS syntax characters are quoted.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    let mut q = words.join(" ");
    if q.is_empty() {
        return None;
    }
    q.push('*');
    Some(q)
}

impl Store {
    /// Conversations and comparisons, newest first: `limit` entries after skipping
    /// `offset`. Lanes of comparisons are not listed on their own.
    pub fn list(&self, limit: usize, offset: usize) -> Result<Vec<HistoryEntry>> {
        let conn = self.conn();
        let take = (limit + offset) as i64;
        let mut entries = Vec::new();
        let mut stmt = conn.prepare_cached(
            "SELECT c.id, c.title, c.created_ms, c.updated_ms, c.models,
                (SELECT substr(prompt, 1, 400) FROM turns WHERE conversation_id = c.id
                    ORDER BY position LIMIT 1),
                (SELECT count(*) FROM turns WHERE conversation_id = c.id),
                (SELECT status FROM turns WHERE conversation_id = c.id
                    ORDER BY position DESC LIMIT 1)
             FROM conversations c WHERE c.comparison_id IS NULL
             ORDER BY c.updated_ms DESC, c.id DESC LIMIT ?1",
        )?;
        let mut rows = stmt.query([take])?;
        while let Some(r) = rows.next()? {
            let models: String = r.get(4)?;
            let status: Option<String> = r.get(7)?;
            entries.push(HistoryEntry {
                kind: EntryKind::Conversation,
                id: r.get(0)?,
                title: r.get(1)?,
                created_ms: r.get(2)?,
                updated_ms: r.get(3)?,
                models: serde_json::from_str(&models).unwrap_or_default(),
                first_line: first_line(&r.get::<_, Option<String>>(5)?.unwrap_or_default()),
                count: r.get::<_, i64>(6)?.max(0) as u64,
                last_status: status.as_deref().map(TurnStatus::parse),
                input_tokens: 0,
                output_tokens: 0,
                cost: Vec::new(),
                provider_cost: Vec::new(),
                cost_unknown: 0,
            });
        }
        let mut stmt = conn.prepare_cached(
            "SELECT p.id, p.title, p.created_ms, p.updated_ms, substr(p.prompt, 1, 400),
                (SELECT json_group_array(model) FROM
                    (SELECT model FROM lanes WHERE comparison_id = p.id ORDER BY position)),
                (SELECT count(*) FROM lanes WHERE comparison_id = p.id)
             FROM comparisons p ORDER BY p.updated_ms DESC, p.id DESC LIMIT ?1",
        )?;
        let mut rows = stmt.query([take])?;
        while let Some(r) = rows.next()? {
            let models: String = r.get(5)?;
            entries.push(HistoryEntry {
                kind: EntryKind::Comparison,
                id: r.get(0)?,
                title: r.get(1)?,
                created_ms: r.get(2)?,
                updated_ms: r.get(3)?,
                first_line: first_line(&r.get::<_, String>(4)?),
                models: serde_json::from_str(&models).unwrap_or_default(),
                count: r.get::<_, i64>(6)?.max(0) as u64,
                last_status: None,
                input_tokens: 0,
                output_tokens: 0,
                cost: Vec::new(),
                provider_cost: Vec::new(),
                cost_unknown: 0,
            });
        }
        entries.sort_by_key(|e| std::cmp::Reverse((e.updated_ms, e.id)));
        let entries: Vec<HistoryEntry> = entries.into_iter().skip(offset).take(limit).collect();
        let ids = |k: EntryKind| -> Vec<i64> {
            entries
                .iter()
                .filter(|e| e.kind == k)
                .map(|e| e.id)
                .collect()
        };
        let conv = sums(
            &conn,
            "t.conversation_id",
            "FROM turns t JOIN exchanges e ON e.turn_id = t.id",
            &ids(EntryKind::Conversation),
        )?;
        let cmp = sums(
            &conn,
            "c.comparison_id",
            "FROM conversations c JOIN turns t ON t.conversation_id = c.id
                 JOIN exchanges e ON e.turn_id = t.id",
            &ids(EntryKind::Comparison),
        )?;
        let mut entries = entries;
        for e in &mut entries {
            let map = match e.kind {
                EntryKind::Conversation => &conv,
                EntryKind::Comparison => &cmp,
            };
            apply(e, map.get(&e.id));
        }
        Ok(entries)
    }

    /// Turns whose prompt or answer match `query` (every word, the last as a prefix),
    /// best match first. A turn is searchable once it stops streaming.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT t.conversation_id, c.comparison_id, t.id, t.position, c.title,
                 snippet(turns_fts, -1, '[', ']', '…', 12), c.updated_ms
             FROM turns_fts
                 JOIN turns t ON t.id = turns_fts.rowid
                 JOIN conversations c ON c.id = t.conversation_id
             WHERE turns_fts MATCH ?1
             ORDER BY rank LIMIT ?2",
        )?;
        let hits = stmt
            .query_map(params![q, limit as i64], |r| {
                Ok(SearchHit {
                    conversation_id: r.get(0)?,
                    comparison_id: r.get(1)?,
                    turn_id: r.get(2)?,
                    position: r.get(3)?,
                    title: r.get(4)?,
                    snippet: r.get::<_, String>(5)?.replace('\n', " "),
                    updated_ms: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_quoted_and_prefixed() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(fts_query("rust sql").as_deref(), Some("\"rust\" \"sql\"*"));
        assert_eq!(fts_query("a\"b -c").as_deref(), Some("\"a\"\"b\" \"-c\"*"));
    }
}
