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
}

pub fn run(
    path: Option<&Path>,
    place: &StorePlace,
    cmd: ConfigCommand,
) -> Result<ExitCode, CliError> {
    match cmd {
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
