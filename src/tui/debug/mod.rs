//! The inspector as a debugger: the timeline view, search and JSON-path queries, copy and
//! save, edit and resend, trace export and replay. This module holds the state and the
//! pure handling of actions, keys and messages; `run` performs the effects.

pub mod content;
pub mod export;
mod keys;
mod messages;
pub mod replay;
pub mod run;
pub mod search;
pub mod timeline;

pub use keys::{modal_line, on_modal_key, on_paste, split_speed};
pub use messages::{DebugMsg, EditPurpose, on_msg};

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use serde_json::Value;

use self::content::{Content, Part};
use self::timeline::Timeline;
use super::action::Action;
use super::effect::Effect;
use super::msg::{Msg, TurnId};
use super::state::{Pane, State};
use super::turn::Turn;
use crate::llm::chat::ChatRequest;
use crate::llm::provider::ModelRef;
use crate::trace::{Trace, TracedExchange};

/// How the inspector lists the selected exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Request, headers, frames interleaved with decoded events, the end.
    #[default]
    Wire,
    /// The timeline: milestones, a chart of tokens over time, one row per frame.
    Timeline,
}

/// What a one-line prompt asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    /// Text to search for (wire view) or to filter frames by (timeline view).
    Search,
    /// A JSON path over the response body or every frame.
    JsonPath,
    /// Where to save a part of the exchange.
    Save(Part),
    /// A trace file to replay, optionally followed by a speed.
    OpenTrace,
    /// Where to export the exchange (or, with `all`, the conversation) as JSONL.
    Export {
        /// The whole conversation.
        all: bool,
    },
}

impl PromptKind {
    fn label(&self) -> &'static str {
        match self {
            PromptKind::Search => "search",
            PromptKind::JsonPath => "json path",
            PromptKind::Save(_) => "save to",
            PromptKind::OpenTrace => "replay trace (path [speed|0 instant])",
            PromptKind::Export { all: false } => "export exchange to",
            PromptKind::Export { all: true } => "export all exchanges to",
        }
    }
}

/// The request body open in the in-app editor.
#[derive(Debug, Clone)]
pub struct BodyEditor {
    /// The turn whose request is edited.
    pub turn: TurnId,
    /// The text.
    pub textarea: TextArea<'static>,
    /// Why the last attempt to send was refused.
    pub error: Option<String>,
}

/// A modal state of the inspector: it takes every key until it closes.
#[derive(Debug, Clone)]
pub enum Modal {
    /// A one-line prompt.
    Prompt {
        /// What for.
        kind: PromptKind,
        /// The text typed.
        input: String,
    },
    /// Choose what to copy (or save): `c` curl, `b` request body, `r` response, `a`
    /// answer, `1`-`9` a code block.
    Choose {
        /// Save instead of copy.
        save: bool,
    },
    /// A file exists: overwrite it?
    Overwrite {
        /// The file.
        path: PathBuf,
        /// What it would hold.
        label: String,
        /// The content.
        content: Content,
    },
    /// The in-app request editor.
    Editor(Box<BodyEditor>),
}

/// The result of a JSON-path query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryResult {
    /// The path as typed.
    pub path: String,
    /// One line per match (`frame 3 +120 ms: {...}`), or the error.
    pub lines: Vec<String>,
    /// The path did not parse.
    pub error: bool,
}

/// The search over the listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// The text searched for (case-insensitive); empty: no search.
    pub query: String,
    /// Listing rows that match.
    pub matches: Vec<usize>,
    /// The current match.
    pub at: usize,
    /// Jump to the first match at or after the view once matches are computed.
    pub jump: bool,
    /// What `matches` was computed from.
    pub built: Option<(TurnId, u64, usize, View, String)>,
}

/// What the inspector's debugger knows besides the pane's listing.
#[derive(Debug, Clone, Default)]
pub struct DebugState {
    /// The listing shown.
    pub view: View,
    /// Timeline rows show raw frame data instead of decoded deltas.
    pub raw: bool,
    /// A prompt, chooser or editor taking the keys.
    pub modal: Option<Modal>,
    /// The search.
    pub search: Search,
    /// The last JSON-path query.
    pub query: Option<QueryResult>,
    /// The timeline of the shown turn.
    pub timeline: Timeline,
    /// Timeline frames shown (the filter applied), as indices into `timeline.frames`.
    pub visible: Vec<u32>,
    /// What `timeline` was built from.
    pub built: Option<(TurnId, u64, usize, String)>,
}

impl DebugState {
    /// Rows above the timeline's frame rows.
    pub const TIMELINE_HEAD: usize = 6;

    /// True when a search or query result is shown (Esc clears it).
    pub fn has_results(&self) -> bool {
        !self.search.query.is_empty() || self.query.is_some()
    }

    /// Rebuilds the timeline when the turn changed.
    pub fn refresh(&mut self, t: &Turn) {
        let key = (
            t.id,
            t.trace.version,
            t.trace.rows.len(),
            self.search.query.clone(),
        );
        if self.built.as_ref() == Some(&key) {
            return;
        }
        self.timeline = timeline::build(t);
        self.visible = search::filter_frames(t, &self.timeline, &self.search.query);
        self.built = Some(key);
    }
}

fn selected(state: &State) -> Option<&Turn> {
    state.selected_turn()
}

/// Handles one of the debugger's actions.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let d = &mut state.inspector.debug;
    match action {
        Action::Timeline => {
            d.view = match d.view {
                View::Wire => View::Timeline,
                View::Timeline => View::Wire,
            };
            state.inspector.scroll = crate::tui::scroll::Scroll::at_top();
            state.inspector.manual = true;
            d.search.built = None;
        }
        Action::RawView => {
            d.raw = !d.raw;
            if d.view == View::Wire {
                d.view = View::Timeline;
            }
            let which = if d.raw {
                "raw frames"
            } else {
                "decoded deltas"
            };
            state.note(format!("timeline shows {which}"));
        }
        Action::Search => open_prompt(state, PromptKind::Search),
        Action::SearchNext => search::step(state, 1),
        Action::SearchPrev => search::step(state, -1),
        Action::JsonQuery => open_prompt(state, PromptKind::JsonPath),
        Action::Copy => open_chooser(state, false),
        Action::Save => open_chooser(state, true),
        Action::EditRequest => open_editor(state),
        Action::EditExternal => {
            let Some((turn, text)) = body_of_selected(state) else {
                return Vec::new();
            };
            return vec![Effect::Debug(Box::new(run::DebugEffect::Edit {
                text,
                purpose: EditPurpose::RequestBody(turn),
            }))];
        }
        Action::ComposeExternal => {
            let text = state.composer.text();
            return vec![Effect::Debug(Box::new(run::DebugEffect::Edit {
                text,
                purpose: EditPurpose::Prompt,
            }))];
        }
        Action::Pager => {
            let Some(t) = selected(state) else {
                state.note("no exchange to show yet");
                return Vec::new();
            };
            let text = search::plain_listing(t);
            return vec![Effect::Debug(Box::new(run::DebugEffect::Page { text }))];
        }
        Action::Resend => {
            let Some((turn, text)) = body_of_selected(state) else {
                return Vec::new();
            };
            return match serde_json::from_str::<Value>(&text) {
                Ok(body) => resend(state, turn, body),
                Err(e) => {
                    state.note_error(format!("the recorded body does not parse: {e}"));
                    Vec::new()
                }
            };
        }
        Action::OpenTrace => open_prompt(state, PromptKind::OpenTrace),
        Action::Replay => return replay::replay_selected(state),
        Action::ExportTrace => open_prompt(state, PromptKind::Export { all: false }),
        Action::ExportConversation => open_prompt(state, PromptKind::Export { all: true }),
        _ => {}
    }
    Vec::new()
}

/// Clears the search and the query result (Esc in the inspector).
pub fn clear(state: &mut State) {
    let d = &mut state.inspector.debug;
    d.search = Search::default();
    d.query = None;
    d.built = None;
}

fn open_prompt(state: &mut State, kind: PromptKind) {
    let turn = selected(state).map_or(0, |t| t.id.0);
    let input = match &kind {
        PromptKind::Search => state.inspector.debug.search.query.clone(),
        PromptKind::JsonPath => state
            .inspector
            .debug
            .query
            .as_ref()
            .map_or_else(|| ".usage".into(), |q| q.path.clone()),
        PromptKind::Save(part) => part.default_path(turn).display().to_string(),
        PromptKind::OpenTrace => String::new(),
        PromptKind::Export { all: false } => format!("switchboard-turn{turn}.jsonl"),
        PromptKind::Export { all: true } if state.compare.active.is_some() => {
            "switchboard-comparison.jsonl".into()
        }
        PromptKind::Export { all: true } => "switchboard-conversation.jsonl".into(),
    };
    state.focus = Pane::Inspector;
    state.show.inspector = true;
    state.inspector.debug.modal = Some(Modal::Prompt { kind, input });
}

fn open_chooser(state: &mut State, save: bool) {
    if selected(state).is_none() {
        state.note("no exchange yet: send a prompt first");
        return;
    }
    state.inspector.debug.modal = Some(Modal::Choose { save });
}

fn body_of_selected(state: &mut State) -> Option<(TurnId, String)> {
    let Some(t) = selected(state) else {
        state.note("no exchange yet: send a prompt first");
        return None;
    };
    let id = t.id;
    match t
        .trace
        .request
        .as_ref()
        .and_then(|r| r.body.as_ref())
        .map(serde_json::to_string_pretty)
    {
        Some(Ok(text)) => Some((id, text)),
        _ => {
            state.note("this exchange's request has no body to edit");
            None
        }
    }
}

fn open_editor(state: &mut State) {
    let Some((turn, text)) = body_of_selected(state) else {
        return;
    };
    state.inspector.debug.modal = Some(Modal::Editor(Box::new(editor(turn, &text, None))));
}

fn editor(turn: TurnId, text: &str, error: Option<String>) -> BodyEditor {
    let mut textarea = TextArea::new(text.split('\n').map(str::to_string).collect());
    textarea.set_cursor_line_style(ratatui::style::Style::new());
    BodyEditor {
        turn,
        textarea,
        error,
    }
}

/// Parses an edited body: a JSON object, or the error with its line and column.
pub fn parse_body(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err("the body must be a JSON object; nothing was sent".into()),
        Err(e) => {
            // serde_json says "column 0" when the error shows at a line's start (after a
            // truncated token): point at the end of the line before, where the fault is.
            let (mut line, mut column) = (e.line(), e.column());
            if column == 0 && line > 1 {
                line -= 1;
                column = text.lines().nth(line - 1).map_or(0, |l| l.chars().count()) + 1;
            }
            Err(format!(
                "invalid JSON at line {line}, column {column}: {}; nothing was sent",
                strip_position(&e.to_string())
            ))
        }
    }
}

fn strip_position(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i])
}

/// Sends `body` as a new turn through the provider of `from` (same URL and headers, the
/// real key applied again by the task).
pub fn resend(state: &mut State, from: TurnId, body: Value) -> Vec<Effect> {
    if state.is_streaming() {
        let cancel = state.key_for(Action::Cancel);
        state.note(format!(
            "a turn is still streaming · {cancel} cancels it first"
        ));
        return Vec::new();
    }
    let lane_turn = state.compare.active.as_ref().and_then(|c| {
        c.lanes
            .iter()
            .flat_map(|l| l.turns.iter())
            .find(|t| t.id == from)
    });
    let Some(t) = state.chat.turn(from).or(lane_turn) else {
        state.note_error("that turn is gone");
        return Vec::new();
    };
    let (model, chat) = (t.model.clone(), t.chat.clone());
    // The prompt as the body now says it (the edit may have changed it).
    let asked = replay::last_prompt(&body).unwrap_or_else(|| t.prompt.clone());
    let same = t.trace.request.as_ref().and_then(|r| r.body.as_ref()) == Some(&body);
    let prompt = if same {
        format!("{asked} (resent)")
    } else {
        format!("{asked} (edited request)")
    };
    let (id, cancel) = push_turn(state, model.clone(), prompt, chat.clone());
    let position = state.chat.turns.len();
    state.note(format!("sent the request again as turn {position}"));
    // Kept like any turn: its prompt (as the body now says it) is committed before the
    // request goes out, which the task waits for; the queue runs this job first.
    let mut effects: Vec<Effect> = super::history::begin(state, id, &asked, &chat, &model)
        .into_iter()
        .collect();
    effects.push(Effect::Debug(Box::new(run::DebugEffect::Resend {
        turn: id,
        model,
        chat: Box::new(chat),
        body: Box::new(body),
        cancel,
    })));
    effects
}

/// Adds a streaming turn for a request this module sends or replays.
pub fn push_turn(
    state: &mut State,
    model: ModelRef,
    prompt: String,
    chat: ChatRequest,
) -> (TurnId, tokio_util::sync::CancellationToken) {
    let id = TurnId(state.next_turn);
    state.next_turn += 1;
    let cancel = state.root.child_token();
    let mut turn = Turn::new(id, model.clone(), prompt, chat, cancel.clone(), state.now);
    if let Some(info) = state.catalog.find(&model) {
        turn.price = info.price.clone();
        turn.context_window = info.context_window;
    }
    state.chat.turns.push(turn);
    state.chat.scroll.to_bottom();
    state.inspector.selected = None;
    (id, cancel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_reports_line_and_column() {
        let e = parse_body("{\n  \"model\": \"x\",\n  \"stream\": yes\n}").unwrap_err();
        assert!(
            e.starts_with("invalid JSON at line 3, column 13: expected value"),
            "{e}"
        );
        assert!(e.contains("nothing was sent"), "{e}");
        let e = parse_body("[1, 2]").unwrap_err();
        assert!(e.contains("must be a JSON object"), "{e}");
        assert!(parse_body("{\"a\": 1}").is_ok());
        // A token cut at the end of a line is placed there, not at the next line's start.
        let e = parse_body("{\n  \"stream\": tru\n}").unwrap_err();
        assert!(e.starts_with("invalid JSON at line 2, column 16:"), "{e}");
    }
}
