//! The real terminal: raw mode, the alternate screen, mouse, bracketed paste and (where the
//! terminal supports it) the kitty keyboard protocol, so Shift+Enter can be told from
//! Enter. Everything is undone on exit and by the panic hook.

use std::io::{self, BufWriter, Stdout, stdout};

use crossterm::cursor::Show;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    supports_keyboard_enhancement,
};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// What frames are written to: stdout behind a buffer big enough for a whole frame, so a
/// frame goes out in one `write` (stdout's own buffer is 1 KiB and line-based: a full
/// 200x50 redraw would take dozens of writes). ratatui flushes after every frame.
pub type Output = BufWriter<Stdout>;

/// The terminal in UI mode; `restore` undoes it.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// The kitty keyboard flags were pushed (and must be popped).
    pub kitty: bool,
}

/// Enters UI mode and installs a panic hook that leaves it before the panic is printed.
pub fn enter() -> io::Result<(Terminal<CrosstermBackend<Output>>, Mode)> {
    enable_raw_mode()?;
    let mut out = stdout();
    if let Err(e) = execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    ) {
        restore(Mode { kitty: false });
        return Err(e);
    }
    let kitty = matches!(supports_keyboard_enhancement(), Ok(true))
        && execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        )
        .is_ok();
    let mode = Mode { kitty };
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore(mode);
        previous(info);
    }));
    // A fixed viewport, resized by the loop on the terminal's resize events: a full-screen
    // one asks the terminal for its size before every frame (crossterm opens /dev/tty and
    // calls ioctl each time).
    let area = match crossterm::terminal::size() {
        Ok((w, h)) => Rect::new(0, 0, w, h),
        Err(e) => {
            restore(mode);
            return Err(e);
        }
    };
    let backend = CrosstermBackend::new(BufWriter::with_capacity(1 << 16, stdout()));
    match Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(area),
        },
    ) {
        Ok(t) => Ok((t, mode)),
        Err(e) => {
            restore(mode);
            Err(e)
        }
    }
}

/// Captures the mouse (clicks and the wheel come to the app) or releases it (the terminal
/// selects text again). Only when stdout is a terminal: tests drive the loop without one.
pub fn set_mouse(on: bool) {
    use std::io::IsTerminal;
    MOUSE_OFF.store(!on, std::sync::atomic::Ordering::Relaxed);
    let mut out = stdout();
    if !out.is_terminal() {
        return;
    }
    let _ = if on {
        execute!(out, EnableMouseCapture)
    } else {
        execute!(out, DisableMouseCapture)
    };
}

/// Set while the user has released the mouse (F6): a program run in the terminal
/// meanwhile (an editor) must hand it back released.
static MOUSE_OFF: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the mouse is captured, as `set_mouse` last left it.
pub fn mouse_captured() -> bool {
    !MOUSE_OFF.load(std::sync::atomic::Ordering::Relaxed)
}

/// Leaves UI mode. Safe to call twice; errors are ignored (there is nowhere to report
/// them, and every step must be tried).
pub fn restore(mode: Mode) {
    let mut out = stdout();
    if mode.kitty {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    );
    let _ = disable_raw_mode();
}
