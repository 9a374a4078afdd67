//! What the debugger's effects report back, and how the state takes it.

use super::*;

/// What an external edit was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditPurpose {
    /// A turn's request body, to send again.
    RequestBody(TurnId),
    /// The composer's prompt.
    Prompt,
}

/// What the debugger's effects report back.
#[derive(Debug)]
pub enum DebugMsg {
    /// A line for the footer.
    Notice {
        /// The text.
        text: String,
        /// Shown as an error.
        error: bool,
    },
    /// Saving found the file already there: ask before overwriting.
    Exists {
        /// The file.
        path: PathBuf,
        /// What it would hold.
        label: String,
        /// The content.
        content: Content,
    },
    /// The external editor closed.
    Edited {
        /// What was edited.
        purpose: EditPurpose,
        /// The text as saved, or why the editor did not run.
        result: Result<String, String>,
    },
    /// The recording proxy running in this process finished an exchange.
    Proxied {
        /// The upstream provider's name.
        upstream: String,
        /// The exchange.
        exchange: Box<TracedExchange>,
    },
    /// A trace file was read.
    TraceOpened {
        /// The file.
        path: PathBuf,
        /// Its exchanges, or why it could not be read.
        result: Result<Box<Trace>, String>,
        /// Playback speed; `None`: instant.
        speed: Option<f64>,
    },
}

impl From<DebugMsg> for Msg {
    fn from(m: DebugMsg) -> Msg {
        Msg::Debug(Box::new(m))
    }
}

/// Applies a message from the debugger's effects.
pub fn on_msg(state: &mut State, msg: DebugMsg) -> Vec<Effect> {
    match msg {
        DebugMsg::Notice { text, error } => {
            if error {
                state.note_error(text);
            } else {
                state.note(text);
            }
        }
        DebugMsg::Exists {
            path,
            label,
            content,
        } => {
            state.note(format!("{} exists: overwrite? y/n", path.display()));
            state.inspector.debug.modal = Some(Modal::Overwrite {
                path,
                label,
                content,
            });
        }
        DebugMsg::Edited { purpose, result } => match (purpose, result) {
            (_, Err(e)) => state.note_error(format!("the editor did not run: {e}")),
            (EditPurpose::Prompt, Ok(text)) => {
                let text = text.strip_suffix('\n').unwrap_or(&text);
                state.composer.set_text(text);
                state.focus = Pane::Composer;
                state.note("prompt from the editor · Enter sends");
            }
            (EditPurpose::RequestBody(turn), Ok(text)) => match parse_body(&text) {
                Ok(body) => return resend(state, turn, body),
                Err(e) => {
                    // Nothing is lost: the text opens in the in-app editor to fix.
                    state.note_error(e.clone());
                    state.inspector.debug.modal =
                        Some(Modal::Editor(Box::new(editor(turn, &text, Some(e)))));
                }
            },
        },
        DebugMsg::Proxied { upstream, exchange } => {
            let body = exchange.exchange.request.body.as_ref();
            let model = body
                .and_then(|b| b.get("model"))
                .and_then(Value::as_str)
                .map(|m| ModelRef {
                    provider: upstream.clone(),
                    model: m.to_string(),
                });
            let follow = state.inspector.selected.is_none();
            let (turn, effects) =
                replay::absorb(state, *exchange, model, crate::tui::turn::Origin::Proxy);
            if !follow {
                state.inspector.selected = Some(turn);
            }
            state.note(format!(
                "proxy: turn {} from a client of {upstream}",
                turn.0
            ));
            return effects;
        }
        DebugMsg::TraceOpened {
            path,
            result,
            speed,
        } => match result {
            Err(e) => state.note_error(format!("cannot replay {}: {e}", path.display())),
            Ok(trace) => {
                let n = trace.exchanges.len();
                if n == 0 {
                    state.note(format!("{} holds no exchanges", path.display()));
                    return Vec::new();
                }
                state.note(format!(
                    "replaying {n} exchange(s) from {}{}",
                    path.display(),
                    speed.map_or(" instantly".to_string(), |s| if s == 1.0 {
                        " with its recorded timing".into()
                    } else {
                        format!(" at {s}x")
                    })
                ));
                return replay::replay_exchanges(state, trace.exchanges, speed);
            }
        },
    }
    Vec::new()
}
