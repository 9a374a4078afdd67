//! Headless commands: each reads the config, does one job, prints for people or `--json`
//! for programs, and returns an exit code. Errors are one line, never a panic.

pub mod ask;
pub mod compare;
pub mod config_check;
pub mod config_cmd;
pub mod demo_server;
pub mod export;
pub mod history;
pub mod import;
pub mod models;
pub mod proxy;
pub mod replay;
pub mod ui;

use std::path::Path;

use crate::config::{self, Config};

/// A command failure, already worded for people.
pub type CliError = String;

/// Writes one line to stderr in a single write, ignoring errors: a closed stderr must not
/// turn into a panic (`eprintln!` panics on a broken pipe).
pub fn print_err(line: &str) {
    use std::io::Write;
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Writes bytes to stdout; a closed pipe (`| head`) ends quietly instead of panicking.
pub fn write_stdout(bytes: &[u8]) -> Result<std::process::ExitCode, CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(std::process::ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(std::process::ExitCode::SUCCESS),
        Err(e) => Err(format!("cannot write to stdout: {e}")),
    }
}

/// Loads the config (missing is fine unless named explicitly); a malformed one stops here
/// with its file, line and problem.
pub fn load_config(path: Option<&Path>) -> Result<Config, CliError> {
    let loc = config::locate(path);
    let loaded = config::load_checked(&loc).map_err(|e| format!("invalid config: {e}"))?;
    for w in &loaded.warnings {
        print_err(&format!("switchboard: warning: {}", w.display(&loc.path)));
    }
    Ok(loaded.config)
}
