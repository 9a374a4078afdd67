//! `switchboard config ...`.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

use super::CliError;
use crate::config;

/// What to do with the config.
#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the path of the config file in use (and whether it exists).
    Path,
}

pub fn run(path: Option<&Path>, cmd: ConfigCommand) -> Result<ExitCode, CliError> {
    match cmd {
        ConfigCommand::Path => {
            let loc = config::locate(path);
            println!("{}", loc.path.display());
            if !loc.path.exists() {
                eprintln!(
                    "(no file there yet: Switchboard runs on defaults and the demo provider)"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
