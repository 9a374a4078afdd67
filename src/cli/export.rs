//! `switchboard export ID --format md|json|jsonl`: one stored conversation, to stdout or a
//! file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::CliError;
use super::history::StorePlace;
use crate::store::{self, ExportFormat};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The conversation: its id (see `switchboard history`), or `last`; or a comparison: cN.
    #[arg(value_name = "ID")]
    pub id: String,
    /// md | json | jsonl
    #[arg(short, long, value_name = "FORMAT", default_value = "md", value_parser = parse_format)]
    pub format: ExportFormat,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<ExportFormat, String> {
    ExportFormat::parse(s).ok_or_else(|| "expected md, json or jsonl".into())
}

pub fn run(place: &StorePlace, args: ExportArgs) -> Result<ExitCode, CliError> {
    let store = place
        .open_existing()?
        .ok_or("no history yet: nothing to export")?;
    let id = match args.id.as_str() {
        "last" | "latest" => store
            .latest_conversation()
            .map_err(|e| e.to_string())?
            .ok_or("no conversation to export")?,
        s if s.starts_with('c') => return export_comparison(&store, s, &args),
        s => s
            .parse()
            .map_err(|_| format!("`{s}` is not a conversation id"))?,
    };
    let text = store::export(&store, id, args.format).map_err(|e| e.to_string())?;
    write_out(&args, &text)
}

fn write_out(args: &ExportArgs, text: &str) -> Result<ExitCode, CliError> {
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `export cN`: comparison N as its Markdown or JSON report (prompt, parameters, each
/// lane's answers and metrics, the verdict).
fn export_comparison(
    store: &store::Store,
    id: &str,
    args: &ExportArgs,
) -> Result<ExitCode, CliError> {
    let n: i64 = id[1..]
        .parse()
        .map_err(|_| format!("`{id}` is not a comparison id (write c7)"))?;
    let report = crate::compare::load_report(store, n).map_err(|e| e.to_string())?;
    let text = match args.format {
        ExportFormat::Markdown => report.to_markdown(),
        ExportFormat::Json => report.to_json() + "\n",
        ExportFormat::Jsonl => return Err("a comparison exports to md or json".into()),
    };
    write_out(args, &text)
}
