//! `switchboard config ...`.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

use super::CliError;
use super::history::StorePlace;
use crate::config;

/// What to do with the config.
#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the path of the config file in use (and whether it exists), then the path of
    /// the history database.
    Path,
    /// Write a commented config file with every setting, every key binding and every
    /// built-in provider (with the environment variable each reads).
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
        /// Print the file to stdout instead of writing it.
        #[arg(long)]
        stdout: bool,
    },
    /// Check the config file: each problem with its line and column (unknown keys are
    /// warnings), key bindings, theme names; then the providers that are on and why.
    Check,
}

pub fn run(
    path: Option<&Path>,
    place: &StorePlace,
    cmd: ConfigCommand,
) -> Result<ExitCode, CliError> {
    match cmd {
        ConfigCommand::Init { force, stdout } => {
            let var = |k: &str| std::env::var(k).ok();
            if stdout {
                let set = |k: &str| var(k).is_some_and(|v| !v.trim().is_empty());
                print!("{}", config::template::template(&set));
                return Ok(ExitCode::SUCCESS);
            }
            let loc = config::locate(path);
            let done = super::config_check::init(&loc, force, &var)?;
            println!("{done}");
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Check => {
            let loc = config::locate(path);
            let vars: Vec<String> = std::env::vars_os()
                .filter_map(|(k, _)| k.into_string().ok())
                .filter(|k| k.starts_with("SWITCHBOARD_"))
                .collect();
            let kpath = crate::tui::setup::user_keymap_path();
            let ktext = kpath
                .as_deref()
                .and_then(|p| std::fs::read_to_string(p).ok());
            let var = |k: &str| std::env::var(k).ok();
            let env = super::config_check::Env {
                var: &var,
                switchboard_vars: &vars,
                keymap_file: kpath.as_deref().zip(ktext.as_deref()),
            };
            let report = super::config_check::check(&loc, &env);
            for line in &report.lines {
                println!("{line}");
            }
            Ok(if report.errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        ConfigCommand::Path => {
            let loc = config::locate(path);
            println!("{}", loc.path.display());
            if !loc.path.exists() {
                eprintln!(
                    "(no file there yet: Switchboard runs on defaults and the demo provider)"
                );
            }
            let data = place.dir();
            println!("{}", data.db_file().display());
            if place.is_off() {
                eprintln!("(history is off: --no-store or SWITCHBOARD_NO_STORE)");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
