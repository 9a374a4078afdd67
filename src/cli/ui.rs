//! `switchboard` with no command: the workbench UI in the terminal.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::{CliError, load_config};
use crate::llm::provider::ModelRef;
use crate::workbench::Workbench;

/// Opens the workbench UI on `model` (or the config's default model: the demo provider's
/// when no key is set) and returns when the user quits. The terminal is restored on every
/// way out.
pub async fn run(config_path: Option<&Path>, model: Option<String>) -> Result<ExitCode, CliError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err("the workbench UI needs a terminal on stdin and stdout; for scripts use \
                    `switchboard ask` (see `switchboard --help`)"
            .into());
    }
    let config = load_config(config_path)?;
    let model = model.unwrap_or_else(|| config.default_model());
    ModelRef::parse(&model).map_err(|e| format!("--model {model}: {e}"))?;
    let workbench = Workbench::new(config).map_err(|e| e.to_string())?;
    crate::tui::run(Arc::new(workbench), model)
        .await
        .map_err(|e| format!("the workbench UI stopped: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
