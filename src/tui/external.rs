//! Handing the terminal to another program and back: `$VISUAL`/`$EDITOR` on a temp file,
//! `$PAGER` on a long text; and raw escape sequences (OSC 52) written to the terminal
//! between frames. Reusable: the inspector edits request bodies with it, the composer
//! composes prompts with it.
//!
//! Suspending is done in order: the input reader stops reading the terminal (else it
//! would steal the editor's keys), UI mode is left (raw mode, alternate screen, mouse,
//! paste, kitty flags), the program runs, UI mode comes back, the reader resumes, and the
//! loop redraws the whole screen.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{
    EnableBracketedPaste, EnableMouseCapture, KeyboardEnhancementFlags,
    PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use tokio::sync::{mpsc, watch};

use super::clipboard::SystemClipboard;
use super::term;

/// Tells the input reader to stop reading the terminal, and hears it has.
#[derive(Debug, Clone)]
pub struct InputPause {
    paused: watch::Sender<bool>,
    acks: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<()>>>,
}

/// The reader's end of an `InputPause`.
#[derive(Debug)]
pub struct PauseListener {
    /// True while the terminal belongs to another program.
    pub paused: watch::Receiver<bool>,
    /// Sent once the reader let go of the terminal.
    pub ack: mpsc::UnboundedSender<()>,
}

/// A pause switch and the listener the input reader keeps.
pub fn input_pause() -> (InputPause, PauseListener) {
    let (paused, rx) = watch::channel(false);
    let (ack, acks) = mpsc::unbounded_channel();
    (
        InputPause {
            paused,
            acks: Arc::new(tokio::sync::Mutex::new(acks)),
        },
        PauseListener { paused: rx, ack },
    )
}

/// Where OSC 52 sequences go.
#[derive(Debug, Clone, Default)]
pub enum RawSink {
    /// Nowhere (tests that do not look, terminals without a UI).
    #[default]
    Off,
    /// The terminal: stdout, between frames.
    Stdout,
    /// Appended to a file (tests read what would have reached the terminal).
    File(PathBuf),
    /// Appended to memory.
    Memory(Arc<Mutex<Vec<u8>>>),
}

/// The real terminal as the loop shares it with other programs.
#[derive(Debug, Clone, Default)]
pub struct Console {
    /// UI mode to leave and enter again; `None` when there is no real terminal (tests).
    pub mode: Option<term::Mode>,
    /// The input reader's pause switch, when the reader is the real terminal's.
    pub pause: Option<InputPause>,
    /// Where raw sequences are written.
    pub raw: RawSink,
    /// Wrap OSC 52 for tmux (`$TMUX` was set).
    pub tmux: bool,
    /// The system clipboard command, if any.
    pub system_clipboard: Option<SystemClipboard>,
    /// The editor command line (`$VISUAL`, else `$EDITOR`); `None`: not set.
    pub editor: Option<String>,
    /// The pager command line (`$PAGER`, else `less -R` when installed).
    pub pager: Option<String>,
}

impl Console {
    /// The console of the real terminal in `mode`, reading editor, pager and clipboard
    /// settings from the environment.
    pub fn real(mode: term::Mode, pause: InputPause) -> Console {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Console {
            mode: Some(mode),
            pause: Some(pause),
            raw: RawSink::Stdout,
            tmux: var("TMUX").is_some(),
            system_clipboard: SystemClipboard::from_env(),
            editor: var("VISUAL").or_else(|| var("EDITOR")),
            pager: var("PAGER")
                .or_else(|| super::clipboard::on_path("less").then(|| "less -R".to_string())),
        }
    }

    /// Writes raw bytes to the terminal (or the test sink).
    pub fn write_raw(&self, bytes: &[u8]) -> io::Result<()> {
        match &self.raw {
            RawSink::Off => Ok(()),
            RawSink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(bytes)?;
                out.flush()
            }
            RawSink::File(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?
                .write_all(bytes),
            RawSink::Memory(buf) => {
                buf.lock()
                    .map_err(|_| io::Error::other("poisoned"))?
                    .extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Stops the input reader and leaves UI mode.
    async fn suspend(&self) {
        if let Some(p) = &self.pause {
            let mut acks = p.acks.lock().await;
            while acks.try_recv().is_ok() {}
            if p.paused.send(true).is_ok() {
                // Bounded: a reader that is gone never answers.
                let _ = tokio::time::timeout(Duration::from_secs(2), acks.recv()).await;
            }
        }
        if let Some(mode) = self.mode {
            term::restore(mode);
        }
    }

    /// Enters UI mode again and restarts the input reader.
    fn resume(&self) {
        if let Some(mode) = self.mode {
            let _ = enable_raw_mode();
            let mut out = io::stdout();
            let _ = execute!(out, EnterAlternateScreen, EnableBracketedPaste);
            // Captured again only if the user had not released it (F6).
            if term::mouse_captured() {
                let _ = execute!(out, EnableMouseCapture);
            }
            if mode.kitty {
                let _ = execute!(
                    out,
                    PushKeyboardEnhancementFlags(
                        KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES
                    )
                );
            }
        }
        if let Some(p) = &self.pause {
            let _ = p.paused.send(false);
        }
    }

    /// Runs `command_line` (through `sh -c`, so `code --wait` and `vim -u NONE` work) with
    /// `arg` appended, the terminal handed over while it runs.
    pub async fn run_program(&self, command_line: &str, arg: &Path) -> io::Result<()> {
        self.suspend().await;
        let status = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{command_line} \"$1\""))
            .arg("sh")
            .arg(arg)
            .status()
            .await;
        self.resume();
        let status = status?;
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "`{command_line}` exited with {status}"
            )))
        }
    }

    /// Opens `text` in the editor; returns the text as saved. The temp file is removed.
    pub async fn edit(&self, text: &str, suffix: &str) -> io::Result<String> {
        let editor = self
            .editor
            .clone()
            .ok_or_else(|| io::Error::other("neither $VISUAL nor $EDITOR is set"))?;
        let file = TempFile::new(suffix, text)?;
        self.run_program(&editor, &file.path).await?;
        std::fs::read_to_string(&file.path)
    }

    /// Shows `text` in the pager.
    pub async fn page(&self, text: &str) -> io::Result<()> {
        let pager = self
            .pager
            .clone()
            .ok_or_else(|| io::Error::other("$PAGER is not set and less is not installed"))?;
        let file = TempFile::new(".txt", text)?;
        self.run_program(&pager, &file.path).await
    }
}

/// A file in the temp directory, only the user can read it, removed on drop.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn new(suffix: &str, text: &str) -> io::Result<TempFile> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("switchboard-{}-{nanos}{suffix}", std::process::id());
        let path = std::env::temp_dir().join(name);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        opts.open(&path)?.write_all(text.as_bytes())?;
        Ok(TempFile { path })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads the terminal in a task of its own and hands the events over a channel; while
/// paused (another program has the terminal) the `EventStream` is dropped, so crossterm
/// stops reading the tty, and a new one starts on resume.
///
/// crossterm's `EventStream` takes a lock shared with its reader thread on every poll, and
/// that thread holds it while it waits for input; polled from the loop's `select!` (woken
/// by every streamed token) it would spin on that lock each time. Here it is polled only
/// when input arrived.
pub fn read_terminal(
    mut listener: PauseListener,
) -> (
    impl futures_util::Stream<Item = io::Result<crossterm::event::Event>> + Unpin,
    tokio::task::AbortHandle,
) {
    use futures_util::StreamExt;
    let (tx, rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        loop {
            let mut events = crossterm::event::EventStream::new();
            loop {
                tokio::select! {
                    event = events.next() => match event {
                        Some(e) => {
                            if tx.send(e).is_err() {
                                return;
                            }
                        }
                        None => return,
                    },
                    paused = listener.paused.wait_for(|p| *p) => {
                        if paused.is_err() {
                            return;
                        }
                        break;
                    }
                }
            }
            drop(events);
            let _ = listener.ack.send(());
            if listener.paused.wait_for(|p| !*p).await.is_err() {
                return;
            }
        }
    });
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) })
            .boxed();
    (stream, reader.abort_handle())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_editor_command_changes_the_text_and_the_temp_file_goes() {
        let console = Console {
            editor: Some("sed -i s/fast/slow/".into()),
            ..Console::default()
        };
        let out = console.edit("{\"model\":\"demo-fast\"}", ".json").await;
        assert_eq!(out.unwrap(), "{\"model\":\"demo-slow\"}");
        let failing = Console {
            editor: Some("false".into()),
            ..Console::default()
        };
        let err = failing.edit("x", ".txt").await.unwrap_err();
        assert!(err.to_string().contains("exited"), "{err}");
        let none = Console::default().edit("x", ".txt").await.unwrap_err();
        assert!(none.to_string().contains("$EDITOR"), "{none}");
    }

    #[tokio::test]
    async fn the_pager_gets_the_text_in_a_file() {
        let pager = Console {
            pager: Some("grep -q needle".into()),
            ..Console::default()
        };
        pager.page("hay\nneedle\nhay").await.unwrap();
        assert!(pager.page("only hay").await.is_err());
        let none = Console::default().page("x").await.unwrap_err();
        assert!(none.to_string().contains("$PAGER"), "{none}");
    }

    #[test]
    fn raw_bytes_reach_the_sink() {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let console = Console {
            raw: RawSink::Memory(buf.clone()),
            ..Console::default()
        };
        console.write_raw(b"\x1b]52;c;aGk=\x07").unwrap();
        assert_eq!(buf.lock().unwrap().as_slice(), b"\x1b]52;c;aGk=\x07");
    }
}
