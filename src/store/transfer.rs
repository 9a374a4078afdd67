//! Export (Markdown, our JSON, JSON lines) and import (our JSON or JSON lines, and the
//! OpenAI-style `{"messages": [...]}` or a bare messages array).

use rusqlite::params;
use serde_json::{Map, Value, json};

use super::conversation::{
    Conversation, NewConversation, ToolCallRecord, Turn, TurnStatus, insert_conversation,
};
use super::{ConversationId, Result, Store, StoreError, now_ms};

/// The `format` field of our JSON export.
pub const FORMAT: &str = "switchboard.conversation";

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A readable document.
    Markdown,
    /// One JSON object: the conversation, its turns, their exchanges (no frames).
    Json,
    /// A `conversation` line, then one `turn` line per turn.
    Jsonl,
}

impl ExportFormat {
    /// Parses `md`, `markdown`, `json` or `jsonl`.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(ExportFormat::Markdown),
            "json" => Some(ExportFormat::Json),
            "jsonl" | "ndjson" => Some(ExportFormat::Jsonl),
            _ => None,
        }
    }
}

/// A conversation read from a file, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub title: Option<String>,
    pub system_prompt: Option<String>,
    pub params: Option<Value>,
    pub turns: Vec<Turn>,
    /// Messages that were skipped (tool results), for a note.
    pub skipped: usize,
}

fn turn_json(store: &Store, turn: &Turn) -> Result<Value> {
    let mut v = serde_json::to_value(turn).unwrap_or(Value::Null);
    if let Value::Object(o) = &mut v {
        let ex = store.turn_exchanges(turn.id)?;
        o.insert(
            "exchanges".into(),
            serde_json::to_value(ex).unwrap_or(Value::Null),
        );
    }
    Ok(v)
}

/// Conversation `id` in `format`.
pub fn export(store: &Store, id: ConversationId, format: ExportFormat) -> Result<String> {
    let conversation = store.conversation(id)?;
    let turns = store.turns(id)?;
    Ok(match format {
        ExportFormat::Markdown => markdown(&conversation, &turns),
        ExportFormat::Json => {
            let turns: Vec<Value> = turns
                .iter()
                .map(|t| turn_json(store, t))
                .collect::<Result<_>>()?;
            let doc = json!({"format": FORMAT, "version": 1, "conversation": conversation, "turns": turns});
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
        ExportFormat::Jsonl => {
            let mut head = serde_json::to_value(&conversation).unwrap_or(Value::Null);
            if let Value::Object(o) = &mut head {
                o.insert("type".into(), json!("conversation"));
                o.insert("format".into(), json!(FORMAT));
            }
            let mut text = format!("{head}\n");
            for t in &turns {
                let mut v = turn_json(store, t)?;
                if let Value::Object(o) = &mut v {
                    o.insert("type".into(), json!("turn"));
                }
                text.push_str(&format!("{v}\n"));
            }
            text
        }
    })
}

fn markdown(c: &Conversation, turns: &[Turn]) -> String {
    let mut out = format!("# {}\n\n", c.title);
    out.push_str(&format!(
        "Conversation {} · {}\n\n",
        c.id,
        c.models.join(", ")
    ));
    if let Some(system) = c.system_prompt.as_deref().filter(|s| !s.is_empty()) {
        out.push_str(&format!("**System:** {system}\n\n"));
    }
    for t in turns {
        out.push_str(&format!("## You\n\n{}\n\n", t.prompt.trim_end()));
        let status = match t.status {
            TurnStatus::Done => String::new(),
            s => format!(" ({})", s.as_str()),
        };
        out.push_str(&format!("## {}{status}\n\n", t.model));
        if !t.reasoning.is_empty() {
            out.push_str("<details><summary>Reasoning</summary>\n\n");
            out.push_str(t.reasoning.trim_end());
            out.push_str("\n\n</details>\n\n");
        }
        if !t.answer.is_empty() {
            out.push_str(&format!("{}\n\n", t.answer.trim_end()));
        }
        for call in &t.tool_calls {
            out.push_str(&format!(
                "Tool call `{}`: `{}`\n\n",
                call.name, call.arguments
            ));
        }
        if let Some(e) = &t.error {
            out.push_str(&format!("> Error: {e}\n\n"));
        }
    }
    out
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

/// Reads an import file: our JSON or JSON lines export, `{"messages": [...]}`, or a bare
/// array of `{"role", "content"}` messages.
pub fn parse_import(text: &str) -> Result<Imported> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) if o.get("format").and_then(Value::as_str) == Some(FORMAT) => ours(&o),
        Ok(Value::Object(o)) => match o.get("messages") {
            Some(Value::Array(m)) => messages(m, &o),
            _ => Err(invalid(
                "not a conversation: expected our export, or an object with a `messages` array",
            )),
        },
        Ok(Value::Array(m)) => messages(&m, &Map::new()),
        Ok(_) => Err(invalid(
            "not a conversation: expected a JSON object or array",
        )),
        Err(e) => jsonl(text).ok_or_else(|| invalid(format!("not JSON: {e}")))?,
    }
}

fn jsonl(text: &str) -> Option<Result<Imported>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Value::Object(mut head) = serde_json::from_str(lines.next()?).ok()? else {
        return None;
    };
    if head.get("type").and_then(Value::as_str) != Some("conversation") {
        return None;
    }
    let turns: Vec<Value> = lines.filter_map(|l| serde_json::from_str(l).ok()).collect();
    let mut doc = Map::new();
    doc.insert(
        "conversation".into(),
        Value::Object(std::mem::take(&mut head)),
    );
    doc.insert("turns".into(), Value::Array(turns));
    Some(ours(&doc))
}

fn ours(doc: &Map<String, Value>) -> Result<Imported> {
    let c = doc.get("conversation").cloned().unwrap_or(Value::Null);
    let mut turns = Vec::new();
    for t in doc
        .get("turns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let status = match TurnStatus::parse(&text("status")) {
            TurnStatus::Streaming => TurnStatus::Interrupted,
            s => s,
        };
        turns.push(Turn {
            model: text("model"),
            prompt: text("prompt"),
            answer: text("answer"),
            reasoning: text("reasoning"),
            tool_calls: serde_json::from_value(t.get("tool_calls").cloned().unwrap_or(Value::Null))
                .unwrap_or_default(),
            status,
            error: t.get("error").and_then(Value::as_str).map(str::to_string),
            ..blank_turn()
        });
    }
    Ok(Imported {
        title: c.get("title").and_then(Value::as_str).map(str::to_string),
        system_prompt: c
            .get("system_prompt")
            .and_then(Value::as_str)
            .map(str::to_string),
        params: c.get("params").cloned().filter(Value::is_object),
        turns,
        skipped: 0,
    })
}

fn blank_turn() -> Turn {
    Turn {
        id: 0,
        conversation_id: 0,
        position: 0,
        parent_turn_id: None,
        model: String::new(),
        prompt: String::new(),
        answer: String::new(),
        reasoning: String::new(),
        tool_calls: Vec::new(),
        status: TurnStatus::Done,
        error: None,
        created_ms: 0,
        updated_ms: 0,
    }
}

/// The text of an OpenAI-style `content`: a string, or parts with `text`.
fn content_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str).or_else(|| p.as_str()))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn messages(list: &[Value], top: &Map<String, Value>) -> Result<Imported> {
    let model = top
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("imported");
    let mut system: Vec<String> = Vec::new();
    let mut turns: Vec<Turn> = Vec::new();
    let mut skipped = 0;
    for (i, m) in list.iter().enumerate() {
        let role = m
            .get("role")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("message {i} has no role")))?;
        let text = content_text(m.get("content"));
        let answered = turns
            .last()
            .is_some_and(|t| !t.answer.is_empty() || !t.tool_calls.is_empty());
        match role {
            "system" | "developer" => system.push(text),
            "user" => match turns.last_mut() {
                Some(t) if !answered => {
                    t.prompt = format!("{}\n\n{text}", t.prompt).trim().to_string()
                }
                _ => turns.push(Turn {
                    model: model.into(),
                    prompt: text,
                    ..blank_turn()
                }),
            },
            "assistant" => {
                if turns.is_empty() {
                    turns.push(Turn {
                        model: model.into(),
                        ..blank_turn()
                    });
                }
                if let Some(t) = turns.last_mut() {
                    t.answer.push_str(&text);
                    for call in m
                        .get("tool_calls")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let f = call.get("function").cloned().unwrap_or(Value::Null);
                        let s =
                            |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
                        t.tool_calls.push(ToolCallRecord {
                            id: s(call.get("id")),
                            name: s(f.get("name")),
                            arguments: s(f.get("arguments")),
                        });
                    }
                }
            }
            _ => skipped += 1,
        }
    }
    if turns.is_empty() {
        return Err(invalid("no user or assistant messages to import"));
    }
    Ok(Imported {
        title: top.get("title").and_then(Value::as_str).map(str::to_string),
        system_prompt: (!system.is_empty()).then(|| system.join("\n\n")),
        params: None,
        turns,
        skipped,
    })
}

impl Store {
    /// Stores an imported conversation in one transaction; returns its id.
    pub fn import(&self, imported: &Imported) -> Result<ConversationId> {
        let first = imported
            .turns
            .first()
            .map(|t| t.prompt.as_str())
            .unwrap_or("");
        let new = NewConversation {
            title: imported.title.clone(),
            system_prompt: imported.system_prompt.clone(),
            params: imported.params.clone(),
        };
        self.write(|tx| {
            let id = insert_conversation(tx, &new, first, None)?;
            let mut models: Vec<&str> = Vec::new();
            let now = now_ms();
            for (i, t) in imported.turns.iter().enumerate() {
                let model = if t.model.is_empty() { "imported" } else { t.model.as_str() };
                if !models.contains(&model) {
                    models.push(model);
                }
                let tools = (!t.tool_calls.is_empty()).then(|| serde_json::to_string(&t.tool_calls).unwrap_or_default());
                tx.execute(
                    "INSERT INTO turns (conversation_id, position, model, prompt, answer, reasoning,
                         tool_calls, status, error, created_ms, updated_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                    params![id, i as i64, model, t.prompt, t.answer, t.reasoning, tools, t.status.as_str(), t.error, now],
                )?;
            }
            tx.execute(
                "UPDATE conversations SET models = ?1 WHERE id = ?2",
                params![serde_json::to_string(&models).unwrap_or_default(), id],
            )?;
            Ok(id)
        })
    }
}
