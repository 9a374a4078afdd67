//! Which theme the UI starts with: `NO_COLOR` first (monochrome, always), then `--theme`,
//! then the config's `theme` (or `SWITCHBOARD_THEME`), then the terminal's background:
//! `COLORFGBG` when the terminal sets it, else an OSC 11 query answered within 100 ms.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use super::theme::Theme;
use super::theme_file;

/// The longest the background query may hold up the start.
pub const QUERY_TIMEOUT: Duration = Duration::from_millis(100);

/// The terminal's background, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// Light text on a dark background.
    Dark,
    /// Dark text on a light background.
    Light,
}

/// Reads `COLORFGBG` (`"15;0"`, `"0;default;15"`): its last field is the background's
/// colour index; 7 and 9 to 15 are light, the others dark.
pub fn from_colorfgbg(value: &str) -> Option<Background> {
    let bg: u8 = value.rsplit(';').next()?.trim().parse().ok()?;
    Some(match bg {
        7 | 9..=15 => Background::Light,
        _ => Background::Dark,
    })
}

/// Tells the background from `COLORFGBG`, else by asking the terminal (OSC 11) when
/// stdin and stdout are both terminals; `None` when neither answers in time.
pub fn detect() -> Option<Background> {
    if let Some(b) = std::env::var("COLORFGBG")
        .ok()
        .as_deref()
        .and_then(from_colorfgbg)
    {
        return Some(b);
    }
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return None;
    }
    let mut options = terminal_colorsaurus::QueryOptions::default();
    options.timeout = QUERY_TIMEOUT;
    match terminal_colorsaurus::theme_mode(options).ok()? {
        terminal_colorsaurus::ThemeMode::Dark => Some(Background::Dark),
        terminal_colorsaurus::ThemeMode::Light => Some(Background::Light),
    }
}

/// What was asked for, from where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request<'a> {
    /// `--theme`.
    pub flag: Option<&'a str>,
    /// The config's `theme` (or `SWITCHBOARD_THEME`).
    pub config: Option<&'a str>,
    /// The config's `syntax_theme`.
    pub syntax: Option<&'a str>,
    /// `NO_COLOR` is set to something.
    pub no_color: bool,
}

/// The theme to start with, and a notice when what was asked for could not be had.
/// `background` is only called when no theme is named (it may query the terminal).
pub fn choose(
    req: &Request<'_>,
    config_dir: Option<&Path>,
    background: impl FnOnce() -> Option<Background>,
) -> (Theme, Option<String>) {
    if req.no_color {
        return (Theme::monochrome(), None);
    }
    let named = req.flag.or(req.config);
    let (mut theme, notice) = match named {
        Some(name) => match theme_file::find(name, config_dir) {
            Ok(t) => (t, None),
            Err(e) => (Theme::dark(), Some(format!("theme: {e}; using dark"))),
        },
        None => {
            let name = match background() {
                Some(Background::Light) => "light",
                _ => "dark",
            };
            (
                theme_file::find(name, config_dir).unwrap_or_else(|_| Theme::dark()),
                None,
            )
        }
    };
    if let Some(s) = req.syntax {
        theme.syntax_file = theme_file::syntax_file(s, config_dir);
        theme.syntax = s.to_string();
    }
    (theme, notice)
}

/// `NO_COLOR` as no-color.org defines it: set and not empty.
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colorfgbg_tells_light_from_dark() {
        assert_eq!(from_colorfgbg("15;0"), Some(Background::Dark));
        assert_eq!(from_colorfgbg("0;15"), Some(Background::Light));
        assert_eq!(from_colorfgbg("0;default;7"), Some(Background::Light));
        assert_eq!(from_colorfgbg("12;8"), Some(Background::Dark));
        assert_eq!(from_colorfgbg("rubbish"), None);
    }

    #[test]
    fn flag_beats_config_beats_background_and_no_color_beats_all() {
        let req = Request {
            flag: Some("high-contrast"),
            config: Some("light"),
            ..Request::default()
        };
        let (t, n) = choose(&req, None, || panic!("no query when a theme is named"));
        assert_eq!((t.name.as_str(), n), ("high-contrast", None));
        let req = Request {
            config: Some("light"),
            ..Request::default()
        };
        assert_eq!(choose(&req, None, || None).0.name, "light");
        let (t, _) = choose(&Request::default(), None, || Some(Background::Light));
        assert_eq!(t.name, "light");
        let (t, _) = choose(&Request::default(), None, || None);
        assert_eq!(t.name, "dark");
        let req = Request {
            flag: Some("light"),
            no_color: true,
            ..Request::default()
        };
        assert!(choose(&req, None, || None).0.no_color);
        let req = Request {
            flag: Some("neon"),
            syntax: Some("Solarized (light)"),
            ..Request::default()
        };
        let (t, n) = choose(&req, None, || None);
        assert_eq!(t.name, "dark");
        assert!(n.unwrap().contains("neon"));
        assert_eq!(t.syntax, "Solarized (light)");
    }

    #[test]
    fn a_tmtheme_in_the_config_dir_is_used_for_code() {
        let dir = std::env::temp_dir().join(format!("sb-theme-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("themes")).unwrap();
        let file = dir.join("themes").join("mine.tmTheme");
        std::fs::write(&file, theme_file::BUILTIN_SYNTAX[0].1).unwrap();
        let req = Request {
            flag: Some("light"),
            syntax: Some("mine"),
            ..Request::default()
        };
        let (t, _) = choose(&req, Some(&dir), || None);
        assert_eq!(t.syntax_file.as_deref(), Some(file.as_path()));
        let hl = crate::tui::highlight::Highlighter::for_theme(&t);
        assert_eq!(hl.theme_name(), "mine");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
