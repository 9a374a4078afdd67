//! The one table from keys to actions: `assets/keymap.toml`, embedded, plus the user's
//! partial overrides. The footer hints and the help overlay are generated from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// The keymap shipped with Switchboard.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Everywhere, after the focused pane's own bindings.
    Global,
    /// The model catalog pane.
    Catalog,
    /// The conversation pane.
    Chat,
    /// The composer.
    Composer,
    /// The inspector pane.
    Inspector,
    /// The meter pane.
    Meter,
    /// The help overlay, while it is open.
    Help,
    /// The history browser, while it is open (plain characters are its search text).
    History,
    /// The command palette, while it is open (plain characters are its filter).
    Palette,
}

impl Scope {
    /// Every scope, in file order.
    pub const ALL: [Scope; 9] = [
        Scope::Global,
        Scope::Catalog,
        Scope::Chat,
        Scope::Composer,
        Scope::Meter,
        Scope::Inspector,
        Scope::Help,
        Scope::History,
        Scope::Palette,
    ];

    /// The table name in `keymap.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Catalog => "catalog",
            Scope::Chat => "chat",
            Scope::Composer => "composer",
            Scope::Inspector => "inspector",
            Scope::Meter => "meter",
            Scope::Help => "help",
            Scope::History => "history",
            Scope::Palette => "palette",
        }
    }

    fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A key with its modifiers, normalised so that what the terminal reports matches what the
/// file says (`?` arrives as shift+`?` on some terminals: the shift is dropped for chars).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    /// The key.
    pub code: KeyCode,
    /// Ctrl, Alt and Shift only.
    pub mods: KeyModifiers,
}

impl KeyChord {
    /// A chord from a code and modifiers, normalised.
    pub fn new(code: KeyCode, mods: KeyModifiers) -> KeyChord {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        KeyChord { code, mods }
    }

    /// The chord of a key event.
    pub fn from_event(key: &KeyEvent) -> KeyChord {
        KeyChord::new(key.code, key.modifiers)
    }

    /// A printable character with no Ctrl or Alt: text, in the composer.
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .mods
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }

    /// Parses `ctrl-q`, `alt-enter`, `?`, `G`, `f5`, `pgdn`.
    pub fn parse(text: &str) -> Option<KeyChord> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, m) = if lower.starts_with("ctrl-") && rest.len() > 5 {
                (5, KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                (4, KeyModifiers::ALT)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (6, KeyModifiers::SHIFT)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[prefix..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                "space" => KeyCode::Char(' '),
                f if f.starts_with('f') => KeyCode::F(f[1..].parse().ok().filter(|n| *n >= 1)?),
                _ => return None,
            },
        };
        Some(KeyChord::new(code, mods))
    }

    /// How the chord is shown in hints: `Ctrl+Q`, `Alt+Enter`, `?`.
    pub fn label(&self) -> String {
        let mut out = String::new();
        for (m, name) in [
            (KeyModifiers::CONTROL, "Ctrl+"),
            (KeyModifiers::ALT, "Alt+"),
            (KeyModifiers::SHIFT, "Shift+"),
        ] {
            if self.mods.contains(m) {
                out.push_str(name);
            }
        }
        let key = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                c.to_ascii_uppercase().to_string()
            }
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift+Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        out.push_str(&key);
        out
    }
}

/// What applying overrides found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Bindings that could not be used: unknown scope, action or key.
    pub errors: Vec<String>,
    /// Keys that moved from one action to another in the same scope.
    pub conflicts: Vec<String>,
}

/// Every binding, by scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(Scope, KeyChord, Action)>,
}

impl Keymap {
    /// The shipped keymap.
    pub fn builtin() -> Result<Keymap, String> {
        Keymap::parse(DEFAULT_KEYMAP)
    }

    /// Parses a keymap file.
    pub fn parse(text: &str) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        map.merge(text)?;
        Ok(map)
    }

    /// Applies a partial override: each action named in a scope gets exactly the keys given
    /// there (an empty list unbinds it); everything else is kept. Fails on the first
    /// problem after applying every good binding (see `merge_table` for all of them).
    pub fn merge(&mut self, text: &str) -> Result<(), String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| format!("keymap: {e}"))?;
        let report = self.merge_table(&table);
        match report.errors.is_empty() {
            true => Ok(()),
            false => Err(report.errors.join("; ")),
        }
    }

    /// Applies a table of overrides (`keymap.toml`, or `[keys]` of the config file): every
    /// good binding is taken, every bad one reported by scope, action and key. A key given
    /// to an action that another action of the same scope had moves to the new one, and
    /// that is reported too.
    pub fn merge_table(&mut self, table: &toml::Table) -> MergeReport {
        let mut report = MergeReport::default();
        for (scope_name, entries) in table {
            let Some(scope) = Scope::parse(scope_name) else {
                let names: Vec<_> = Scope::ALL.iter().map(|s| s.name()).collect();
                report.errors.push(format!(
                    "keymap: unknown scope [{scope_name}] (scopes: {})",
                    names.join(", ")
                ));
                continue;
            };
            let Some(entries) = entries.as_table() else {
                report
                    .errors
                    .push(format!("keymap: [{scope_name}] must be a table"));
                continue;
            };
            for (action_name, keys) in entries {
                let Some(action) = Action::parse(action_name) else {
                    report.errors.push(format!(
                        "keymap: unknown action `{action_name}` in [{scope_name}]"
                    ));
                    continue;
                };
                let keys: Vec<&str> = match keys {
                    toml::Value::String(s) => vec![s.as_str()],
                    toml::Value::Array(a) if a.iter().all(toml::Value::is_str) => {
                        a.iter().filter_map(|v| v.as_str()).collect()
                    }
                    _ => {
                        report.errors.push(format!(
                            "keymap: [{scope_name}] `{action_name}` takes a key or a list of keys"
                        ));
                        continue;
                    }
                };
                let mut chords = Vec::new();
                let mut bad = false;
                for key in keys {
                    match KeyChord::parse(key) {
                        Some(c) => chords.push(c),
                        None => {
                            bad = true;
                            report.errors.push(format!(
                                "keymap: [{scope_name}] {action_name}: unknown key `{key}` \
                                 (its old keys are kept)"
                            ));
                        }
                    }
                }
                if bad {
                    continue;
                }
                self.bindings
                    .retain(|(s, _, a)| !(*s == scope && *a == action));
                for chord in chords {
                    if let Some(other) = self.lookup(scope, chord).filter(|o| *o != action) {
                        report.conflicts.push(format!(
                            "keymap: [{scope_name}] {} now runs {action_name}, no longer {}",
                            chord.label(),
                            other.name()
                        ));
                        self.bindings
                            .retain(|(s, c, a)| !(*s == scope && *c == chord && *a == other));
                    }
                    self.bindings.push((scope, chord, action));
                }
            }
        }
        report
    }

    /// Every action with its keys in `scope` and, after them, the global ones, for the
    /// command palette: (action, the first key that reaches it here).
    pub fn reachable(&self, scope: Scope) -> Vec<(Action, Option<KeyChord>)> {
        Action::ALL
            .into_iter()
            .map(|a| {
                let key = self
                    .keys(scope, a)
                    .into_iter()
                    .chain(self.keys(Scope::Global, a))
                    .next();
                (a, key)
            })
            .collect()
    }

    /// The action bound to `chord` in `scope` itself (no fallback).
    pub fn lookup(&self, scope: Scope, chord: KeyChord) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(s, c, _)| *s == scope && *c == chord)
            .map(|(_, _, a)| *a)
    }

    /// The keys of `action` in `scope`, in file order.
    pub fn keys(&self, scope: Scope, action: Action) -> Vec<KeyChord> {
        self.bindings
            .iter()
            .filter(|(s, _, a)| *s == scope && *a == action)
            .map(|(_, c, _)| *c)
            .collect()
    }

    /// The actions bound in `scope` with their keys, in `Action::ALL` order.
    pub fn entries(&self, scope: Scope) -> Vec<(Action, Vec<KeyChord>)> {
        Action::ALL
            .into_iter()
            .filter_map(|a| {
                let keys = self.keys(scope, a);
                (!keys.is_empty()).then_some((a, keys))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyChord {
        KeyChord::from_event(&KeyEvent::new(code, mods))
    }

    #[test]
    fn builtin_parses_and_resolves() {
        let km = Keymap::builtin().unwrap();
        let ctrl_q = key(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(km.lookup(Scope::Global, ctrl_q), Some(Action::Quit));
        // `?` typed with shift still matches.
        let q = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(km.lookup(Scope::Global, q), Some(Action::Help));
        let shift_enter = key(KeyCode::Enter, KeyModifiers::SHIFT);
        assert_eq!(
            km.lookup(Scope::Composer, shift_enter),
            Some(Action::Newline)
        );
        let backtab = key(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(km.lookup(Scope::Global, backtab), Some(Action::FocusPrev));
        let big_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(km.lookup(Scope::Chat, big_g), Some(Action::Bottom));
    }

    #[test]
    fn overrides_replace_one_action_in_one_scope() {
        let mut km = Keymap::builtin().unwrap();
        km.merge("[composer]\nsend = \"ctrl-enter\"\n").unwrap();
        let enter = KeyChord::parse("enter").unwrap();
        assert_eq!(km.lookup(Scope::Composer, enter), None);
        let ctrl_enter = KeyChord::parse("ctrl-enter").unwrap();
        assert_eq!(km.lookup(Scope::Composer, ctrl_enter), Some(Action::Send));
        assert!(
            km.merge("[composer]\nsned = \"x\"")
                .unwrap_err()
                .contains("sned")
        );
        assert!(km.merge("[nowhere]\nsend = \"x\"").is_err());
        assert!(km.merge("[chat]\nup = \"hyper-x\"").is_err());
    }

    #[test]
    fn labels_read_like_keys() {
        assert_eq!(KeyChord::parse("ctrl-q").unwrap().label(), "Ctrl+Q");
        assert_eq!(KeyChord::parse("alt-enter").unwrap().label(), "Alt+Enter");
        assert_eq!(KeyChord::parse("f5").unwrap().label(), "F5");
        assert_eq!(KeyChord::parse("?").unwrap().label(), "?");
    }
}
