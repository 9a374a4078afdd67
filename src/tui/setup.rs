//! What the UI takes from the config file and the command line before it starts: the key
//! bindings (shipped, then `keymap.toml`, then `[keys]` of the config), the theme, mouse
//! capture, and the notices for what could not be used. Nothing here stops the UI: a bad
//! binding or theme becomes a footer notice.

use std::path::{Path, PathBuf};

use super::app::Options;
use super::keymap::Keymap;
use super::theme::Theme;
use crate::config::Config;

/// What the command line and the config gave the UI.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// The theme picked before the terminal went into UI mode (`None`: `NO_COLOR` or dark).
    pub theme: Option<Theme>,
    /// Problems worth a notice: config warnings, a theme that was not found.
    pub problems: Vec<String>,
    /// A first, plain footer line (how to add a provider, on a first run).
    pub welcome: Option<String>,
}

/// `keymap.toml` in the platform config dir.
pub fn user_keymap_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "switchboard")
        .map(|d| d.config_dir().join("keymap.toml"))
}

/// The keymap: shipped, then `user` (the path and text of `keymap.toml`), then the config's
/// `[keys.<scope>]`. Returns it with every problem and every moved key, worded for a notice.
pub fn keymap_for(config: &Config, user: Option<(&Path, &str)>) -> (Keymap, Vec<String>) {
    let mut notes = Vec::new();
    let mut keymap = match Keymap::builtin() {
        Ok(k) => k,
        Err(e) => {
            notes.push(e);
            Keymap::default()
        }
    };
    if let Some((path, text)) = user {
        match toml::from_str::<toml::Table>(text) {
            Ok(t) => {
                let r = keymap.merge_table(&t);
                notes.extend(
                    r.errors
                        .into_iter()
                        .chain(r.conflicts)
                        .map(|e| format!("{}: {e}", path.display())),
                );
            }
            Err(e) => notes.push(format!("{}: {}", path.display(), e.message().trim())),
        }
    }
    if !config.keys.is_empty() {
        let table: toml::Table = config
            .keys
            .iter()
            .map(|(scope, t)| (scope.clone(), toml::Value::Table(t.clone())))
            .collect();
        let r = keymap.merge_table(&table);
        notes.extend(
            r.errors
                .into_iter()
                .chain(r.conflicts)
                .map(|e| format!("config [keys]: {}", e.trim_start_matches("keymap: "))),
        );
    }
    (keymap, notes)
}

/// One footer line for many problems: the first, and how many more there are.
pub fn summarise(problems: &[String]) -> Option<String> {
    let first = problems.first()?;
    Some(match problems.len() {
        1 => first.clone(),
        n => format!(
            "{first} (and {} more: `switchboard config check` lists them)",
            n - 1
        ),
    })
}

/// The loop's options for `config` and `launch`.
pub fn options(config: &Config, launch: Launch) -> Options {
    let path = user_keymap_path();
    let text = path
        .as_deref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let user = path.as_deref().zip(text.as_deref());
    let (keymap, notes) = keymap_for(config, user);
    let mut problems = launch.problems;
    problems.extend(notes);
    let mut options = Options::new();
    options.keymap = keymap;
    if let Some(t) = launch.theme {
        options.theme = t;
    }
    options.mouse = config.mouse.unwrap_or(true);
    options.welcome = launch.welcome;
    options.notice = summarise(&problems);
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::Action;
    use crate::tui::keymap::{KeyChord, Scope};

    #[test]
    fn config_keys_merge_over_keymap_toml_over_the_shipped_ones() {
        let config = crate::config::parse(
            "[keys.chat]\ntop = \"ctrl-t\"\n[keys.global]\nquit = \"ctrl-x\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let user = "[chat]\ntop = \"f8\"\nbottom = \"f9\"\n";
        let (km, notes) = keymap_for(&config, Some((Path::new("keymap.toml"), user)));
        assert!(notes.is_empty(), "{notes:?}");
        let k = |s| KeyChord::parse(s).unwrap();
        assert_eq!(km.lookup(Scope::Chat, k("ctrl-t")), Some(Action::Top));
        assert_eq!(km.lookup(Scope::Chat, k("f8")), None, "the config wins");
        assert_eq!(km.lookup(Scope::Chat, k("f9")), Some(Action::Bottom));
        assert_eq!(km.lookup(Scope::Chat, k("j")), Some(Action::Down), "kept");
        assert_eq!(km.lookup(Scope::Global, k("ctrl-x")), Some(Action::Quit));
        assert_eq!(km.lookup(Scope::Global, k("ctrl-q")), None);
    }

    #[test]
    fn bad_bindings_and_moved_keys_are_named() {
        let config = crate::config::parse(
            "[keys.chat]\ntop = \"hyper-t\"\ntoggle-reasoning = \"g\"\n[keys.nowhere]\nx = \"y\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let (km, notes) = keymap_for(&config, None);
        let all = notes.join("\n");
        assert!(all.contains("unknown key `hyper-t`"), "{all}");
        assert!(all.contains("unknown scope [nowhere]"), "{all}");
        assert!(
            all.contains("g now runs toggle-reasoning, no longer top"),
            "{all}"
        );
        let g = KeyChord::parse("g").unwrap();
        assert_eq!(km.lookup(Scope::Chat, g), Some(Action::ToggleReasoning));
        let s = summarise(&notes).unwrap();
        assert!(s.contains("more"), "{s}");
    }
}
