//! Theme files: the shipped ones in `themes/` (embedded), and the user's in the config
//! dir's `themes/`. A theme is TOML: `name`, `syntax` (the code theme), optionally `base`
//! (the theme whose styles fill in what is left out), and `[ui]` and `[markdown]` tables of
//! styles written as words: `"lightblue bold"`, `"on #283246"`, `"reversed"`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use super::markdown::MdStyles;
use super::theme::Theme;

/// The shipped UI themes, by name.
pub const BUILTIN: [(&str, &str); 3] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// The shipped code (syntect) themes, by name.
pub const BUILTIN_SYNTAX: [(&str, &str); 1] = [(
    "high-contrast",
    include_str!("../../themes/high-contrast.tmTheme"),
)];

/// The names of the shipped UI themes.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// The theme called `name`: a file `themes/NAME.toml` in `config_dir` first (so a user can
/// replace a shipped one), else a shipped theme.
pub fn find(name: &str, config_dir: Option<&Path>) -> Result<Theme, String> {
    if let Some(dir) = config_dir {
        let path = dir.join("themes").join(format!("{name}.toml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return parse(&text, config_dir).map_err(|e| format!("{}: {e}", path.display()));
        }
    }
    match BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => parse(text, config_dir),
        None => Err(format!(
            "no theme `{name}` (built in: {}; or put {name}.toml in {})",
            builtin_names().join(", "),
            config_dir.map_or_else(
                || "the config dir's themes/".to_string(),
                |d| d.join("themes").display().to_string()
            )
        )),
    }
}

/// Parses a theme file. `config_dir` is where a `base` theme or a `.tmTheme` may live.
pub fn parse(text: &str, config_dir: Option<&Path>) -> Result<Theme, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().trim().to_string())?;
    for key in table.keys() {
        if !["name", "syntax", "base", "ui", "markdown"].contains(&key.as_str()) {
            return Err(format!(
                "unknown key `{key}` (name, syntax, base, ui, markdown)"
            ));
        }
    }
    let string = |k: &str| -> Result<Option<String>, String> {
        match table.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("`{k}` must be a string")),
        }
    };
    let mut theme = match string("base")? {
        // A shipped theme as the base: a user theme cannot name itself in a loop.
        Some(b) => match BUILTIN.iter().find(|(n, _)| *n == b) {
            Some((_, t)) => parse(t, config_dir)?,
            None => return Err(format!("base `{b}` is not a shipped theme")),
        },
        None => Theme::fallback(),
    };
    if let Some(n) = string("name")? {
        theme.name = n;
    }
    if let Some(s) = string("syntax")? {
        theme.syntax_file = syntax_file(&s, config_dir);
        theme.syntax = s;
    }
    if let Some(ui) = table.get("ui") {
        let ui = ui.as_table().ok_or("`ui` must be a table")?;
        for (k, v) in ui {
            let slot = ui_slot(&mut theme, k).ok_or_else(|| format!("ui: unknown style `{k}`"))?;
            *slot = style_value(v).map_err(|e| format!("ui.{k}: {e}"))?;
        }
    }
    if let Some(md) = table.get("markdown") {
        let md = md.as_table().ok_or("`markdown` must be a table")?;
        for (k, v) in md {
            let slot = md_slot(&mut theme.md, k)
                .ok_or_else(|| format!("markdown: unknown style `{k}`"))?;
            *slot = style_value(v).map_err(|e| format!("markdown.{k}: {e}"))?;
        }
    }
    Ok(theme)
}

/// `themes/NAME.tmTheme` in the config dir, when there is one.
pub fn syntax_file(name: &str, config_dir: Option<&Path>) -> Option<PathBuf> {
    let path = config_dir?.join("themes").join(format!("{name}.tmTheme"));
    path.is_file().then_some(path)
}

fn style_value(v: &toml::Value) -> Result<Style, String> {
    v.as_str()
        .ok_or_else(|| "a style is a string of words".to_string())
        .and_then(parse_style)
}

/// Parses `"lightblue on #283246 bold italic"`.
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        let lower = w.to_ascii_lowercase();
        let modifier = match lower.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            "crossed_out" | "strikethrough" => Some(Modifier::CROSSED_OUT),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if lower == "on" {
            let c = words.next().ok_or("`on` needs a colour after it")?;
            style = style.bg(colour(c)?);
        } else {
            style = style.fg(colour(w)?);
        }
    }
    Ok(style)
}

fn colour(word: &str) -> Result<Color, String> {
    Color::from_str(word).map_err(|_| {
        format!("`{word}` is not a colour (a name like lightblue, \"#rrggbb\" or 0-255)")
    })
}

fn ui_slot<'a>(t: &'a mut Theme, key: &str) -> Option<&'a mut Style> {
    Some(match key {
        "text" => &mut t.text,
        "dim" => &mut t.dim,
        "border" => &mut t.border,
        "border_focused" => &mut t.border_focused,
        "title" => &mut t.title,
        "user" => &mut t.user,
        "assistant" => &mut t.assistant,
        "reasoning" => &mut t.reasoning,
        "tool" => &mut t.tool,
        "error" => &mut t.error,
        "warn" => &mut t.warn,
        "ok" => &mut t.ok,
        "selected" => &mut t.selected,
        "accent" => &mut t.accent,
        "money" => &mut t.money,
        "heading" => &mut t.heading,
        "gauge" => &mut t.gauge,
        _ => return None,
    })
}

fn md_slot<'a>(m: &'a mut MdStyles, key: &str) -> Option<&'a mut Style> {
    Some(match key {
        "text" => &mut m.text,
        "heading" => &mut m.heading,
        "emphasis" => &mut m.emphasis,
        "strong" => &mut m.strong,
        "code_inline" => &mut m.code_inline,
        "code_block" => &mut m.code_block,
        "code_fence" => &mut m.code_fence,
        "quote" => &mut m.quote,
        "link" => &mut m.link,
        "list_marker" => &mut m.list_marker,
        "table_border" => &mut m.table_border,
        "rule" => &mut m.rule,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_parses_and_names_itself() {
        for (name, text) in BUILTIN {
            let t = parse(text, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(t.name, name);
            assert!(!t.no_color);
            assert!(
                crate::tui::highlight::Highlighter::for_theme(&t).theme_name() == t.syntax,
                "{name}: syntax theme `{}` does not load",
                t.syntax
            );
        }
        // The shipped dark theme is what the code calls dark.
        assert_eq!(find("dark", None).unwrap(), Theme::fallback());
    }

    #[test]
    fn styles_read_as_words() {
        let s = parse_style("lightblue on #283246 bold").unwrap();
        assert_eq!(s.fg, Some(Color::LightBlue));
        assert_eq!(s.bg, Some(Color::Rgb(0x28, 0x32, 0x46)));
        assert!(s.add_modifier.contains(Modifier::BOLD));
        assert_eq!(parse_style("").unwrap(), Style::new());
        assert!(parse_style("blurple").unwrap_err().contains("blurple"));
        assert!(parse_style("on").is_err());
    }

    #[test]
    fn user_themes_inherit_and_bad_ones_say_why() {
        let t = parse(
            "base = \"light\"\nname = \"mine\"\n[ui]\naccent = \"red\"\n",
            None,
        )
        .unwrap();
        assert_eq!(t.name, "mine");
        assert_eq!(t.accent.fg, Some(Color::Red));
        assert_eq!(t.syntax, "InspiredGitHub");
        let e = parse("[ui]\nacent = \"red\"\n", None).unwrap_err();
        assert!(e.contains("acent"), "{e}");
        let e = find("solarised", None).unwrap_err();
        assert!(e.contains("dark, light, high-contrast"), "{e}");
    }
}
