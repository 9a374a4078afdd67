//! The clipboard: OSC 52, which any modern terminal honours and which travels over SSH
//! (wrapped for tmux's passthrough when `$TMUX` is set), plus the system clipboard command
//! where one is installed (`wl-copy`, `xclip`, `xsel`, `pbcopy`). No crate: both are a few
//! lines, and the command is run as a child process, never linked.
//!
//! The escape sequence is written by the app's loop through the terminal output (see
//! `external::Console`), never printed from `update`.

use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Terminals cap OSC 52 payloads (xterm: 100,000 bytes of base64 by default); larger text
/// is still copied by the system command and the notice says the OSC 52 copy was skipped.
pub const OSC52_MAX: usize = 74_000;

/// Standard base64 (RFC 4648, with padding).
pub fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The OSC 52 sequence that sets the clipboard to `text`. Inside tmux the bare sequence
/// (which tmux takes into its paste buffer and passes on with `set -g set-clipboard on`)
/// is followed by the same sequence in tmux's DCS passthrough (`ESC P tmux; ... ESC \`,
/// every ESC inside doubled), which reaches the outer terminal with `set -g
/// allow-passthrough on`: whichever the user's tmux allows, the copy arrives.
pub fn osc52(text: &str, tmux: bool) -> Vec<u8> {
    let inner = format!("\x1b]52;c;{}\x07", base64(text.as_bytes()));
    if tmux {
        let wrapped = format!("\x1bPtmux;{}\x1b\\", inner.replace('\x1b', "\x1b\x1b"));
        format!("{inner}{wrapped}").into_bytes()
    } else {
        inner.into_bytes()
    }
}

/// A system clipboard command and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemClipboard {
    /// The program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
}

/// The system clipboard command for this session, if one is installed: `wl-copy` under
/// Wayland, `xclip` or `xsel` under X11, `pbcopy` on macOS. `env` reads a variable and
/// `installed` says whether a program is on the `PATH` (both passed in, for tests).
pub fn detect(
    env: impl Fn(&str) -> Option<String>,
    installed: impl Fn(&str) -> bool,
) -> Option<SystemClipboard> {
    let candidates: &[(&str, &[&str])] = if cfg!(target_os = "macos") {
        &[("pbcopy", &[])]
    } else if env("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty()) {
        &[
            ("wl-copy", &[]),
            ("xclip", &["-selection", "clipboard"]),
            ("xsel", &["--clipboard", "--input"]),
        ]
    } else if env("DISPLAY").is_some_and(|v| !v.is_empty()) {
        &[
            ("xclip", &["-selection", "clipboard"]),
            ("xsel", &["--clipboard", "--input"]),
        ]
    } else {
        &[]
    };
    candidates
        .iter()
        .find(|(p, _)| installed(p))
        .map(|(p, a)| SystemClipboard {
            program: (*p).to_string(),
            args: a.iter().map(|s| (*s).to_string()).collect(),
        })
}

/// True when `program` is an executable file in a directory of `$PATH`.
pub fn on_path(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| is_file(&dir.join(program)))
}

fn is_file(p: &Path) -> bool {
    p.metadata().is_ok_and(|m| m.is_file())
}

impl SystemClipboard {
    /// The command for this process's environment.
    pub fn from_env() -> Option<SystemClipboard> {
        detect(|k| std::env::var(k).ok(), on_path)
    }

    /// Pipes `text` into the command. Blocking: run it off the UI loop.
    pub fn copy(&self, text: &str) -> io::Result<()> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(text.as_bytes())?;
        }
        let status = child.wait()?;
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "{} exited with {status}",
                self.program
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), enc, "{plain}");
        }
        assert_eq!(base64("é✓".as_bytes()), "w6ninJM=");
    }

    #[test]
    fn osc52_plain_and_through_tmux() {
        let plain = osc52("hi", false);
        assert_eq!(plain, b"\x1b]52;c;aGk=\x07");
        let tmux = osc52("hi", true);
        assert_eq!(
            tmux,
            b"\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        // Nothing of the text survives unencoded (no escape injection).
        let evil = osc52("\x1b]0;pwned\x07", false);
        assert_eq!(evil.iter().filter(|b| **b == 0x1b).count(), 1);
    }

    #[test]
    fn system_command_follows_the_display() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        if cfg!(target_os = "macos") {
            return;
        }
        let all = |_: &str| true;
        let wl = detect(env(&[("WAYLAND_DISPLAY", "wayland-0")]), all).unwrap();
        assert_eq!(wl.program, "wl-copy");
        let x = detect(env(&[("DISPLAY", ":0")]), all).unwrap();
        assert_eq!(x.program, "xclip");
        let xsel = detect(env(&[("DISPLAY", ":0")]), |p: &str| p == "xsel").unwrap();
        assert_eq!(xsel.args, ["--clipboard", "--input"]);
        assert_eq!(detect(env(&[]), all), None, "no display: OSC 52 only");
        assert_eq!(detect(env(&[("DISPLAY", ":0")]), |_: &str| false), None);
    }
}
