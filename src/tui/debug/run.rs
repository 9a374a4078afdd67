//! The debugger's effects, performed outside `update`: copying (OSC 52 through the
//! terminal output, and the system clipboard), saving files (never overwriting unasked),
//! external editor and pager runs (which need the terminal, so the loop runs them between
//! frames), resending an edited body, reading and replaying trace files.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::content::Content;
use super::{DebugMsg, EditPurpose};
use crate::llm::chat::ChatRequest;
use crate::llm::curl::{KeySource, to_curl};
use crate::llm::provider::ModelRef;
use crate::trace::{TraceHeader, TraceWriter, TracedExchange};
use crate::tui::clipboard::{OSC52_MAX, osc52};
use crate::tui::external::Console;
use crate::tui::msg::{Msg, TurnId};
use crate::tui::store_link::StoreLink;
use crate::tui::task::TurnTask;
use crate::workbench::Workbench;

/// Work the debugger asks for.
#[derive(Debug)]
pub enum DebugEffect {
    /// Put text on the clipboard.
    Copy {
        /// What it is, for the notice.
        label: String,
        /// The text, or what to make it from.
        content: Content,
    },
    /// Write text to a file.
    Save {
        /// The file.
        path: PathBuf,
        /// What it is, for the notice.
        label: String,
        /// The text, or what to make it from.
        content: Content,
        /// Replace an existing file (the user said yes).
        overwrite: bool,
    },
    /// Edit text in `$VISUAL`/`$EDITOR` (needs the terminal).
    Edit {
        /// The text to start from.
        text: String,
        /// What it is for.
        purpose: EditPurpose,
    },
    /// Show text in `$PAGER` (needs the terminal).
    Page {
        /// The text.
        text: String,
    },
    /// Send a turn's request again with this body.
    Resend {
        /// The new turn.
        turn: TurnId,
        /// The model of the turn it came from.
        model: ModelRef,
        /// That turn's chat, to build the request (URL, headers, key) from.
        chat: Box<ChatRequest>,
        /// The body to send instead of the built one.
        body: Box<Value>,
        /// The new turn's token.
        cancel: CancellationToken,
    },
    /// Read a trace file to replay.
    OpenTrace {
        /// The file.
        path: PathBuf,
        /// Playback speed; `None`: at once.
        speed: Option<f64>,
    },
    /// Play recorded exchanges into these turns.
    Replay {
        /// Turn, exchange and the turn's token, in order.
        plays: Vec<(TurnId, TracedExchange, CancellationToken)>,
        /// Playback speed; `None`: at once.
        speed: Option<f64>,
    },
}

impl DebugEffect {
    /// True for effects that take over the terminal: the loop runs them between frames.
    pub fn needs_terminal(&self) -> bool {
        matches!(self, DebugEffect::Edit { .. } | DebugEffect::Page { .. })
    }
}

fn notice(tx: &UnboundedSender<Msg>, text: String, error: bool) {
    let _ = tx.send(DebugMsg::Notice { text, error }.into());
}

/// The text of `content`; the curl command names the provider's key source.
pub fn render(content: Content, workbench: &Workbench) -> Result<String, String> {
    match content {
        Content::Text(t) => Ok(t),
        Content::Curl { request, provider } => {
            let key = workbench
                .provider(&provider)
                .map_or(KeySource::Unknown, |p| KeySource::for_provider(&p));
            Ok(to_curl(&request, &key))
        }
        Content::Trace(exchanges) => {
            let mut w = TraceWriter::with_header(Vec::new(), &TraceHeader::now())
                .map_err(|e| e.to_string())?;
            for t in &exchanges {
                w.write(t).map_err(|e| e.to_string())?;
            }
            String::from_utf8(w.into_inner()).map_err(|e| e.to_string())
        }
    }
}

fn size(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else {
        format!("{:.1} KB", n as f64 / 1024.0)
    }
}

/// Writes `text` to `path`; an existing file is an error unless `overwrite`.
pub fn save(path: &std::path::Path, text: &str, overwrite: bool) -> io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if overwrite {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

/// Starts an effect; returns it when it needs the terminal (`run_held` does those). A
/// resent request is kept through `store` like any turn.
pub fn run(
    effect: DebugEffect,
    workbench: &Arc<Workbench>,
    tx: &UnboundedSender<Msg>,
    console: &Console,
    store: Option<&StoreLink>,
) -> Option<DebugEffect> {
    match effect {
        e if e.needs_terminal() => return Some(e),
        DebugEffect::Copy { label, content } => {
            let text = match render(content, workbench) {
                Ok(t) => t,
                Err(e) => {
                    notice(tx, format!("cannot copy {label}: {e}"), true);
                    return None;
                }
            };
            let mut ways = Vec::new();
            let osc = text.len() <= OSC52_MAX;
            if osc && console.write_raw(&osc52(&text, console.tmux)).is_ok() {
                ways.push("OSC 52".to_string());
            }
            let system = console.system_clipboard.clone();
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                if let Some(cmd) = system {
                    match cmd.copy(&text) {
                        Ok(()) => ways.push(cmd.program.clone()),
                        Err(e) => tracing::warn!(error = %e, "system clipboard"),
                    }
                }
                let (msg, error) = if ways.is_empty() {
                    let why = if osc { "" } else { " (too long for OSC 52)" };
                    (
                        format!(
                            "could not copy {label}: no clipboard reachable{why}; save it with s instead"
                        ),
                        true,
                    )
                } else {
                    (
                        format!(
                            "copied {label} ({}) · {}",
                            size(text.len()),
                            ways.join(" + ")
                        ),
                        false,
                    )
                };
                notice(&tx, msg, error);
            });
        }
        DebugEffect::Save {
            path,
            label,
            content,
            overwrite,
        } => {
            let text = match render(content.clone(), workbench) {
                Ok(t) => t,
                Err(e) => {
                    notice(tx, format!("cannot save {label}: {e}"), true);
                    return None;
                }
            };
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || match save(&path, &text, overwrite) {
                Ok(()) => notice(
                    &tx,
                    format!("saved {label} ({}) to {}", size(text.len()), path.display()),
                    false,
                ),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let _ = tx.send(
                        DebugMsg::Exists {
                            path,
                            label,
                            content,
                        }
                        .into(),
                    );
                }
                Err(e) => notice(&tx, format!("cannot write {}: {e}", path.display()), true),
            });
        }
        DebugEffect::Resend {
            turn,
            model,
            chat,
            body,
            cancel,
        } => super::super::task::spawn_resend(
            workbench.clone(),
            tx.clone(),
            TurnTask {
                turn,
                model,
                chat: *chat,
                cancel,
                store: store.cloned(),
            },
            *body,
        ),
        DebugEffect::OpenTrace { path, speed } => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let result = crate::trace::read_file(&path)
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                let _ = tx.send(
                    DebugMsg::TraceOpened {
                        path,
                        result,
                        speed,
                    }
                    .into(),
                );
            });
        }
        DebugEffect::Replay { plays, speed } => {
            tokio::spawn(super::replay::play(tx.clone(), plays, speed));
        }
        DebugEffect::Edit { .. } | DebugEffect::Page { .. } => {}
    }
    None
}

/// Runs an effect that takes over the terminal; the loop redraws everything afterwards.
pub async fn run_held(effect: DebugEffect, console: &Console, tx: &UnboundedSender<Msg>) {
    match effect {
        DebugEffect::Edit { text, purpose } => {
            let suffix = match purpose {
                EditPurpose::RequestBody(_) => ".json",
                EditPurpose::Prompt => ".md",
            };
            let result = console.edit(&text, suffix).await.map_err(|e| e.to_string());
            let _ = tx.send(DebugMsg::Edited { purpose, result }.into());
        }
        DebugEffect::Page { text } => {
            if let Err(e) = console.page(&text).await {
                notice(tx, format!("the pager did not run: {e}"), true);
            }
        }
        _ => {}
    }
}

/// The loop's part of the debugger: the console, and effects waiting for the terminal.
#[derive(Debug, Default)]
pub struct Runner {
    /// The terminal as shared with other programs.
    pub console: Console,
    /// Effects that need the terminal, run by the loop between frames.
    pub held: Vec<DebugEffect>,
    /// The history's thread, which keeps resent requests (`None`: history off).
    pub store: Option<StoreLink>,
}

impl Runner {
    /// A runner over `console`.
    pub fn new(console: Console) -> Runner {
        Runner {
            console,
            held: Vec::new(),
            store: None,
        }
    }

    /// Starts an effect, or keeps it for `run_held` when it needs the terminal.
    pub fn start(
        &mut self,
        effect: DebugEffect,
        workbench: &Arc<Workbench>,
        tx: &UnboundedSender<Msg>,
    ) {
        if let Some(e) = run(effect, workbench, tx, &self.console, self.store.as_ref()) {
            self.held.push(e);
        }
    }

    /// Runs the effects that were waiting for the terminal; true if any ran (the screen
    /// must then be drawn again from scratch).
    pub async fn run_held(&mut self, tx: &UnboundedSender<Msg>) -> bool {
        let held = std::mem::take(&mut self.held);
        let any = !held.is_empty();
        for e in held {
            run_held(e, &self.console, tx).await;
        }
        any
    }
}
