//! `switchboard import FILE`: a conversation from our JSON (or JSON lines) export, or an
//! OpenAI-style `{"messages": [...]}` or bare messages array, into the history.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::CliError;
use super::history::StorePlace;
use crate::store;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to import; `-` for stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The title to give it [default: the file's title, else its first prompt]
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

pub fn run(place: &StorePlace, args: ImportArgs) -> Result<ExitCode, CliError> {
    if place.is_off() {
        return Err("import writes the history: drop --no-store".into());
    }
    let text = if args.file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        s
    } else {
        std::fs::read_to_string(&args.file)
            .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?
    };
    let mut imported =
        store::parse_import(&text).map_err(|e| format!("{}: {e}", args.file.display()))?;
    if let Some(title) = args.title {
        imported.title = Some(title);
    }
    let store = place.open()?;
    let id = store.import(&imported).map_err(|e| e.to_string())?;
    let title = store.conversation(id).map(|c| c.title).unwrap_or_default();
    println!("{id}");
    eprintln!(
        "imported conversation {id}: {title} ({} turns{})",
        imported.turns.len(),
        match imported.skipped {
            0 => String::new(),
            n => format!("; {n} tool messages skipped"),
        }
    );
    Ok(ExitCode::SUCCESS)
}
