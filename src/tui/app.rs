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

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use tokio::sync::mpsc::{self, UnboundedSender};

use super::effect::Effect;
use super::keymap::Keymap;
use super::msg::Msg;
use super::pane::history::StoreStatus;
use super::state::State;
use super::store_link::{History, StoreLink, StoreThread};
use super::theme::Theme;
use super::ui::{self, Look};
use super::update::update;
use super::{log, task, term};
use crate::llm::provider::ModelRef;
use crate::workbench::Workbench;

/// At most one frame per this long (about 60 per second) after input: keys, mouse,
/// paste and resizes show at once.
pub const FRAME: Duration = Duration::from_millis(16);

/// At most one frame per this long when only streamed data changed (20 per second). Text
/// growing 20 times a second still reads as a smooth stream (a 200 tok/s stream adds about
/// ten tokens a frame), and a frame of all four panes costs about 0.7 ms at 200x50, most
/// of it ratatui's full-buffer render and diff: measured on the `paced` harness scenario
/// (2,000 tokens at 200 tok/s), 0.44-0.48 s of CPU at 30 frames per second.
pub const STREAM_FRAME: Duration = Duration::from_millis(50);

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
    /// Whether turns are kept in the history store, and where (off by default: tests
    /// and embedders opt in).
    pub history: History,
    /// Whether the mouse is captured at start (`mouse` in the config).
    pub mouse: bool,
    /// A first plain footer line (the first-run hint); `notice` wins over it.
    pub welcome: Option<String>,
    /// The terminal as shared with editors, pagers and the clipboard (in tests: no
    /// terminal, OSC 52 to a sink).
    pub console: super::external::Console,
    /// Exchanges of a recording proxy in this process, shown as they finish.
    pub proxy: Option<super::proxy_feed::ProxyFeed>,
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
            history: History::Off("no data directory was given".into()),
            mouse: true,
            welcome: None,
            console: super::external::Console::default(),
            proxy: None,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

/// Runs the workbench UI in the real terminal until the user quits. `model` is
/// `PROVIDER/MODEL`; `history` says whether and where turns are kept. The terminal is
/// restored on return, on error and on panic.
pub async fn run(workbench: Arc<Workbench>, model: String, history: History) -> io::Result<()> {
    run_with(workbench, model, history, super::setup::Launch::default()).await
}

/// `run`, with the theme and notices the command line and config gave (`setup::Launch`);
/// key bindings and mouse capture come from the workbench's config.
pub async fn run_with(
    workbench: Arc<Workbench>,
    model: String,
    history: History,
    launch: super::setup::Launch,
) -> io::Result<()> {
    ModelRef::parse(&model).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let log = log::init();
    let mut options = super::setup::options(&workbench.config, launch);
    options.history = history;
    run_options(workbench, model, options, log).await
}

/// Runs the workbench UI in the real terminal with these options (the proxy's live view
/// adds its feed to them).
pub async fn run_options(
    workbench: Arc<Workbench>,
    model: String,
    mut options: Options,
    log: Option<log::LogGuard>,
) -> io::Result<()> {
    ModelRef::parse(&model).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    options.log_path = log.as_ref().map(|l| l.path.clone());
    let (mut terminal, mode) = term::enter()?;
    if !options.mouse {
        term::set_mouse(false);
    }
    let (pause, listener) = super::external::input_pause();
    options.console = super::external::Console::real(mode, pause);
    let (inputs, reader) = super::external::read_terminal(listener);
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

fn io_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Lays out and draws one frame.
pub fn draw<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    look: &Look,
) -> io::Result<()> {
    // The frame's area is the terminal's size as `draw` just read it (one query per frame).
    terminal
        .draw(|f| {
            ui::prepare(state, look, f.area());
            ui::draw(f, state, look);
        })
        .map_err(io_error)?;
    Ok(())
}

/// Starts the I/O an effect asks for.
fn run_effect(
    effect: Effect,
    workbench: &Arc<Workbench>,
    tx: &UnboundedSender<Msg>,
    link: Option<&StoreLink>,
) {
    match effect {
        Effect::MouseCapture(on) => term::set_mouse(on),
        Effect::LoadModels { provider, cancel } => {
            task::spawn_models(workbench.clone(), tx.clone(), provider, cancel);
        }
        Effect::Send {
            turn,
            model,
            chat,
            cancel,
        } => {
            let turn_task = task::TurnTask {
                turn,
                model,
                chat: *chat,
                cancel,
                store: link.cloned(),
            };
            task::spawn_turn(workbench.clone(), tx.clone(), turn_task);
        }
        Effect::Store(job) => {
            if let Some(link) = link {
                link.send(*job);
            }
        }
        Effect::RefreshModels { provider, cancel } => {
            super::task_money::spawn_refresh(workbench.clone(), tx.clone(), provider, cancel);
        }
        Effect::Estimate { key, model, chat } => {
            super::task_money::spawn_estimate(tx.clone(), key, model, *chat);
        }
        Effect::Title(job) => super::title::spawn(workbench.clone(), tx.clone(), *job),
        Effect::Wake { after } => super::task_money::spawn_wake(tx.clone(), after),
        Effect::LoadAccount { provider, cancel } => {
            super::task_money::spawn_account(workbench.clone(), tx.clone(), provider, cancel);
        }
        Effect::FetchExact {
            turn,
            provider,
            id,
            cancel,
        } => super::task_money::spawn_exact(
            workbench.clone(),
            tx.clone(),
            turn,
            provider,
            id,
            cancel,
        ),
        Effect::SendLane {
            turn,
            spec,
            chat,
            cancel,
        } => super::compare::task::spawn_lane(
            workbench.clone(),
            tx.clone(),
            turn,
            *spec,
            *chat,
            cancel,
            link.cloned(),
        ),
        Effect::ExportComparison {
            stem,
            markdown,
            json,
        } => {
            let result = super::compare::write_export(&stem, &markdown, &json);
            let _ = tx.send(Msg::CompareExported(result));
        }
        // Started by `apply`, which has the console they may need.
        Effect::Debug(_) => {}
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
    state.mouse_capture = options.mouse;
    if let Some(w) = options.welcome {
        state.note(w);
    }
    if let Some(n) = options.notice {
        state.note_error(n);
    }
    let look = Look::new(options.theme);
    look.highlighter.warm();
    let mut debug = super::debug::run::Runner::new(options.console);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    if let Some(feed) = &options.proxy {
        feed.forward(tx.clone());
    }
    // The history's thread opens the store; a store that cannot be opened only turns the
    // history off (the UI says why), it never stops the UI.
    let store = match options.history {
        History::Off(why) => {
            state.history.status = StoreStatus::Off(why);
            None
        }
        History::At { dir, options } => {
            let started = StoreThread::start(dir, options, workbench.clone(), tx.clone());
            state.history.status = match started {
                Some(_) => StoreStatus::Opening,
                None => StoreStatus::Off("the history thread could not start".into()),
            };
            started
        }
    };
    let link = store.as_ref().map(StoreThread::link);
    debug.store.clone_from(&link);
    let link = link.as_ref();
    super::costs::configure(&mut state, &workbench.config);
    super::title::configure(&mut state, &workbench.config);
    for effect in state.init() {
        run_effect(effect, &workbench, &tx, link);
    }
    for effect in super::costs::init(&state) {
        run_effect(effect, &workbench, &tx, link);
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
                    apply(&mut state, msg, &workbench, &tx, link, &mut debug);
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
                    if let Event::Resize(w, h) = e {
                        // The real terminal's viewport is fixed (see `term::enter`).
                        terminal.resize(Rect::new(0, 0, w, h)).map_err(io_error)?;
                    }
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
        apply(&mut state, msg, &workbench, &tx, link, &mut debug);
        while let Ok(msg) = rx.try_recv() {
            apply(&mut state, msg, &workbench, &tx, link, &mut debug);
        }
        // An editor or pager had the terminal: everything is drawn again.
        if debug.run_held(&tx).await {
            terminal.clear().map_err(io_error)?;
            urgent = true;
        }
        dirty = true;
        if state.quit {
            break;
        }
    }
    state.root.cancel();
    // Turns still streaming are kept as cancelled, and every batch is committed.
    if let Some(store) = store {
        store.shutdown();
    }
    Ok(state)
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn apply(
    state: &mut State,
    msg: Msg,
    workbench: &Arc<Workbench>,
    tx: &UnboundedSender<Msg>,
    link: Option<&StoreLink>,
    debug: &mut super::debug::run::Runner,
) {
    for effect in update(state, msg) {
        match effect {
            Effect::Debug(e) => debug.start(*e, workbench, tx),
            other => run_effect(other, workbench, tx, link),
        }
    }
}
