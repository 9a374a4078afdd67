//! `switchboard` with no command: the workbench UI in the terminal.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::CliError;
use super::history::StorePlace;
use crate::config::StoreConfig;
use crate::config::{ConfigLocation, Loaded};
use crate::llm::provider::DEMO;
use crate::llm::provider::ModelRef;
use crate::tui::setup::Launch;
use crate::tui::store_link::History;
use crate::tui::theme_pick::{Background, Request, choose, no_color_env};
use crate::workbench::Workbench;

/// Opens the workbench UI on `model` (or the config's default model: the demo provider's
/// when no key is set) and returns when the user quits. The terminal is restored on every
/// way out.
pub async fn run(
    config_path: Option<&Path>,
    model: Option<String>,
    theme: Option<String>,
    place: &StorePlace,
) -> Result<ExitCode, CliError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(
            "the workbench UI needs a terminal on stdin and stdout; for scripts use \
                    `switchboard ask` (see `switchboard --help`)"
                .into(),
        );
    }
    let loc = crate::config::locate(config_path);
    let loaded = crate::config::load_checked(&loc).map_err(|e| format!("invalid config: {e}"))?;
    let launch = launch_for(
        &loc,
        &loaded,
        theme.as_deref(),
        crate::tui::theme_pick::detect,
    );
    let config = loaded.config;
    let model = model.unwrap_or_else(|| config.default_model());
    ModelRef::parse(&model).map_err(|e| format!("--model {model}: {e}"))?;
    let history = history_for(place, &config.store);
    let workbench = Workbench::new(config).map_err(|e| e.to_string())?;
    crate::tui::run_with(Arc::new(workbench), model, history, launch)
        .await
        .map_err(|e| format!("the workbench UI stopped: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// The theme (asking the terminal for its background only when no theme is named), the
/// config's warnings as notices, and on a first run (no file, no key) how to add a provider.
pub fn launch_for(
    loc: &ConfigLocation,
    loaded: &Loaded,
    flag: Option<&str>,
    background: impl FnOnce() -> Option<Background>,
) -> Launch {
    let config = &loaded.config;
    let req = Request {
        flag,
        config: config.theme.as_deref(),
        syntax: config.syntax_theme.as_deref(),
        no_color: no_color_env(),
    };
    let (theme, theme_notice) = choose(&req, loc.path.parent(), background);
    let mut problems: Vec<String> = loaded
        .warnings
        .iter()
        .map(|w| w.display(&loc.path))
        .collect();
    problems.extend(theme_notice);
    let only_demo = config.providers().iter().all(|p| p.name == DEMO);
    let welcome = (!loaded.file_exists && only_demo).then(|| {
        "Demo provider only: `switchboard config init` writes a config with every \
         provider (or set a key like OPENAI_API_KEY)"
            .to_string()
    });
    Launch {
        theme: Some(theme),
        problems,
        welcome,
    }
}

/// Whether the UI keeps its turns, and where: `--no-store` (or `SWITCHBOARD_NO_STORE`) and
/// `[store] enabled = false` turn it off; else the data directory of `--data-dir`,
/// `SWITCHBOARD_DATA_DIR` or the platform.
pub fn history_for(place: &StorePlace, config: &StoreConfig) -> History {
    if place.no_store {
        return History::Off("--no-store".into());
    }
    if place.is_off() {
        return History::Off(format!("{} is set", crate::store::paths::NO_STORE_ENV));
    }
    if !config.enabled {
        return History::Off("the config says [store] enabled = false".into());
    }
    History::At {
        dir: place.dir().path,
        options: config.open_options(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_and_the_config_turn_history_off() {
        let place = StorePlace {
            data_dir: Some("/tmp/x".into()),
            no_store: true,
        };
        let on = StoreConfig::default();
        assert_eq!(history_for(&place, &on), History::Off("--no-store".into()));
        let place = StorePlace {
            no_store: false,
            ..place
        };
        let off = StoreConfig {
            enabled: false,
            ..on.clone()
        };
        assert!(matches!(history_for(&place, &off), History::Off(w) if w.contains("enabled")));
        if !crate::store::paths::no_store_env() {
            assert_eq!(
                history_for(&place, &on),
                History::At {
                    dir: "/tmp/x".into(),
                    options: on.open_options()
                }
            );
        }
    }
}
