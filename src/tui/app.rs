//! The app: terminal setup and restore, the loop, and the effect runner.
//!
//! The loop waits on input and the message channel only; a frame deadline is armed only
//! when something changed and a frame was drawn less than `FRAME` (after input) or
//! `STREAM_FRAME` (when only streamed data changed) ago, and the spinner
//! ticker exists only while a request runs. So an idle app makes no wakeups at all.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use tokio::sync::mpsc::{self, UnboundedSender};

use super::effect::Effect;
use super::keymap::Keymap;
use super::msg::Msg;
use super::state::State;
use super::theme::Theme;
use super::ui::{self, Look};
use super::update::update;
use super::{log, task, term};
use crate::llm::provider::ModelRef;
use crate::workbench::Workbench;

/// At most one frame per this long (about 60 per second) after input: keys, mouse,
/// paste and resizes show at once.
pub const FRAME: Duration = Duration::from_millis(16);

/// At most one frame per this long when only streamed data changed (about 30 per
/// second). Text growing 30 times a second reads as smoothly as 60, and a 200 tok/s
/// stream then costs half the frames (measured: about 0.6 s of CPU per 10 s of such a
/// stream at 60 frames per second, about 0.4 s at 30).
pub const STREAM_FRAME: Duration = Duration::from_millis(33);

/// What the loop starts with besides the workbench and model.
#[derive(Debug, Clone)]
pub struct Options {
    /// Key bindings.
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
    /// Where the log goes, for the help overlay.
    pub log_path: Option<PathBuf>,
    /// A first footer message (a keymap file that did not parse, say).
    pub notice: Option<String>,
}

impl Options {
    /// The shipped keymap, the theme `NO_COLOR` asks for, no log.
    pub fn new() -> Options {
        let (keymap, notice) = match Keymap::builtin() {
            Ok(k) => (k, None),
            Err(e) => (Keymap::default(), Some(e)),
        };
        Options {
            keymap,
            theme: Theme::from_env(),
            log_path: None,
            notice,
        }
    }

    /// Merges `keymap.toml` from the config directory, if there is one.
    fn with_user_keymap(mut self) -> Options {
        let Some(dirs) = directories::ProjectDirs::from("", "", "switchboard") else {
            return self;
        };
        let path = dirs.config_dir().join("keymap.toml");
        if let Ok(text) = std::fs::read_to_string(&path)
            && let Err(e) = self.keymap.merge(&text)
        {
            self.notice = Some(format!("{}: {e}", path.display()));
        }
        self
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

/// Runs the workbench UI in the real terminal until the user quits. `model` is
/// `PROVIDER/MODEL`. The terminal is restored on return, on error and on panic.
pub async fn run(workbench: Arc<Workbench>, model: String) -> io::Result<()> {
    ModelRef::parse(&model).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let log = log::init();
    let mut options = Options::new().with_user_keymap();
    options.log_path = log.as_ref().map(|l| l.path.clone());
    let (mut terminal, mode) = term::enter()?;
    let (inputs, reader) = forward_input(EventStream::new());
    let result = run_loop(&mut terminal, inputs, workbench, model, options, |_, _| {
        false
    })
    .await;
    // Stop reading the terminal before handing it back.
    reader.abort();
    term::restore(mode);
    if let Err(e) = &result {
        tracing::error!(error = %e, "the UI stopped");
    }
    drop(log);
    result.map(|_| ())
}

/// Reads the terminal in a task of its own and hands the events over a channel.
///
/// crossterm's `EventStream` takes a lock shared with its reader thread on every poll, and
/// that thread holds it while it waits for input; polled from the loop's `select!` (woken
/// by every streamed token) it would spin on that lock each time. Here it is polled only
/// when input arrived.
fn forward_input(
    mut events: EventStream,
) -> (
    impl Stream<Item = io::Result<Event>> + Unpin,
    tokio::task::AbortHandle,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) })
            .boxed();
    (stream, reader.abort_handle())
}

fn io_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Lays out and draws one frame.
pub fn draw<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    look: &Look,
) -> io::Result<()> {
    let size = terminal.size().map_err(io_error)?;
    ui::prepare(state, look, Rect::new(0, 0, size.width, size.height));
    terminal
        .draw(|f| ui::draw(f, state, look))
        .map_err(io_error)?;
    Ok(())
}

/// Starts the I/O an effect asks for.
fn run_effect(effect: Effect, workbench: &Arc<Workbench>, tx: &UnboundedSender<Msg>) {
    match effect {
        Effect::LoadModels { provider, cancel } => {
            task::spawn_models(workbench.clone(), tx.clone(), provider, cancel);
        }
        Effect::Send {
            turn,
            model,
            chat,
            cancel,
        } => task::spawn_turn(workbench.clone(), tx.clone(), turn, model, *chat, cancel),
    }
}

/// The loop, on any backend: input from `inputs` (the terminal's `EventStream`, or a script
/// in tests), messages from the tasks, a frame at most every `FRAME` and only when
/// something changed. Returns the final state when the user quits or `until` says so;
/// `until` sees the state and the terminal after each frame (tests read the screen there).
pub async fn run_loop<B, S, F>(
    terminal: &mut Terminal<B>,
    mut inputs: S,
    workbench: Arc<Workbench>,
    model: String,
    options: Options,
    mut until: F,
) -> io::Result<State>
where
    B: Backend,
    S: Stream<Item = io::Result<Event>> + Unpin,
    F: FnMut(&State, &Terminal<B>) -> bool,
{
    let model =
        ModelRef::parse(&model).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let providers: Vec<String> = workbench
        .config
        .providers()
        .into_iter()
        .map(|p| p.name)
        .collect();
    let mut state = State::new(model, &providers, options.keymap, Instant::now());
    state.log_path = options.log_path;
    if let Some(n) = options.notice {
        state.note_error(n);
    }
    let look = Look::new(options.theme);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    for effect in state.init() {
        run_effect(effect, &workbench, &tx);
    }
    let mut inputs_open = true;
    let mut dirty = true;
    // Input arrived since the last frame: draw at the faster rate.
    let mut urgent = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        // ===== Draw phase: only when something changed, at most once per FRAME =====
        let mut deadline = None;
        if dirty {
            let now = Instant::now();
            let gap = if urgent { FRAME } else { STREAM_FRAME };
            let due = last_draw.map_or(now, |t| t + gap);
            if now >= due {
                // Messages that queued while the frame was pending (see the wait phase).
                state.now = now;
                while let Ok(msg) = rx.try_recv() {
                    apply(&mut state, msg, &workbench, &tx);
                }
                if state.quit {
                    break;
                }
                draw(terminal, &mut state, &look)?;
                last_draw = Some(Instant::now());
                dirty = false;
                urgent = false;
                if until(&state, terminal) {
                    break;
                }
                continue;
            }
            deadline = Some(tokio::time::Instant::from_std(due));
        }
        // ===== Wait phase: input, a message, or the frame deadline (only when dirty) =====
        let msg = tokio::select! {
            biased;
            event = inputs.next(), if inputs_open => match event {
                Some(Ok(e)) => {
                    let msg = Msg::from_terminal(e);
                    urgent |= msg.is_some();
                    msg
                }
                Some(Err(e)) => return Err(e),
                None => {
                    inputs_open = false;
                    None
                }
            },
            // Taken as they come even with a frame pending: a fast stream would otherwise
            // pile up in the channel (measured: +2 MB peak for 20,000 tokens), and
            // applying a message costs far less than a frame.
            msg = rx.recv() => msg,
            () = sleep_until(deadline), if deadline.is_some() => None,
        };
        // ===== Update phase: this message and everything already queued =====
        let Some(msg) = msg else { continue };
        state.now = Instant::now();
        apply(&mut state, msg, &workbench, &tx);
        while let Ok(msg) = rx.try_recv() {
            apply(&mut state, msg, &workbench, &tx);
        }
        dirty = true;
        if state.quit {
            break;
        }
    }
    state.root.cancel();
    Ok(state)
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn apply(state: &mut State, msg: Msg, workbench: &Arc<Workbench>, tx: &UnboundedSender<Msg>) {
    for effect in update(state, msg) {
        run_effect(effect, workbench, tx);
    }
}
