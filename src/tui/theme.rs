//! Semantic styles: pane code asks for `theme.border(focused)` or `theme.reasoning`, never
//! for a colour. With `NO_COLOR` set, every style is built from modifiers alone (and
//! `ui::draw` strips any colour that syntax highlighting put in).

use std::path::PathBuf;

use ratatui::style::{Color, Modifier, Style};

use super::markdown::MdStyles;

/// The styles every pane draws with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The theme's name (`dark`, `light`, `high-contrast`, a user theme's, `no-color`).
    pub name: String,
    /// The code highlighting theme: a shipped `.tmTheme` or syntect theme name.
    pub syntax: String,
    /// A `.tmTheme` file from the config dir that replaces `syntax`, when there is one.
    pub syntax_file: Option<PathBuf>,
    /// Markdown styles for answers.
    pub md: MdStyles,
    /// True when colours are off (`NO_COLOR`): only modifiers carry meaning.
    pub no_color: bool,
    /// Ordinary text.
    pub text: Style,
    /// Secondary text: labels, offsets, hints.
    pub dim: Style,
    /// Pane borders of unfocused panes.
    pub border: Style,
    /// The border of the focused pane.
    pub border_focused: Style,
    /// Pane titles.
    pub title: Style,
    /// The user's prompt header.
    pub user: Style,
    /// The assistant header (model name).
    pub assistant: Style,
    /// Reasoning text, shown apart from the answer.
    pub reasoning: Style,
    /// Tool calls.
    pub tool: Style,
    /// Errors, failed turns.
    pub error: Style,
    /// Warnings: cancelled turns, retries.
    pub warn: Style,
    /// Good news: a finished turn, a 2xx status.
    pub ok: Style,
    /// The selected row of a list.
    pub selected: Style,
    /// Accent: the current model, key names in hints.
    pub accent: Style,
    /// Money figures.
    pub money: Style,
    /// Section rules inside a pane (inspector headings).
    pub heading: Style,
    /// The filled part of a gauge.
    pub gauge: Style,
}

impl Theme {
    /// The shipped dark theme (`themes/dark.toml`).
    pub fn dark() -> Theme {
        super::theme_file::find("dark", None).unwrap_or_else(|_| Theme::fallback())
    }

    /// The dark theme as code, for when no theme file can be read (a test keeps
    /// `themes/dark.toml` equal to it).
    pub fn fallback() -> Theme {
        let fg = |c: Color| Style::new().fg(c);
        Theme {
            name: "dark".into(),
            syntax: super::highlight::DEFAULT_THEME.into(),
            syntax_file: None,
            md: MdStyles::default(),
            no_color: false,
            text: Style::new(),
            dim: fg(Color::DarkGray),
            border: fg(Color::DarkGray),
            border_focused: fg(Color::Cyan),
            title: Style::new().add_modifier(Modifier::BOLD),
            user: fg(Color::LightBlue).add_modifier(Modifier::BOLD),
            assistant: fg(Color::LightGreen).add_modifier(Modifier::BOLD),
            reasoning: fg(Color::Gray).add_modifier(Modifier::DIM | Modifier::ITALIC),
            tool: fg(Color::Magenta),
            error: fg(Color::LightRed),
            warn: fg(Color::Yellow),
            ok: fg(Color::Green),
            selected: Style::new()
                .bg(Color::Rgb(40, 50, 70))
                .add_modifier(Modifier::BOLD),
            accent: fg(Color::Cyan),
            money: fg(Color::LightYellow),
            heading: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            gauge: fg(Color::Cyan),
        }
    }

    /// Modifiers only, for `NO_COLOR`.
    pub fn monochrome() -> Theme {
        let m = |m: Modifier| Style::new().add_modifier(m);
        Theme {
            name: "no-color".into(),
            syntax: super::highlight::DEFAULT_THEME.into(),
            syntax_file: None,
            md: MdStyles {
                text: Style::new(),
                heading: m(Modifier::BOLD | Modifier::UNDERLINED),
                emphasis: m(Modifier::ITALIC),
                strong: m(Modifier::BOLD),
                code_inline: m(Modifier::BOLD),
                code_block: Style::new(),
                code_fence: m(Modifier::DIM),
                quote: m(Modifier::ITALIC),
                link: m(Modifier::UNDERLINED),
                list_marker: m(Modifier::BOLD),
                table_border: m(Modifier::DIM),
                rule: m(Modifier::DIM),
            },
            no_color: true,
            text: Style::new(),
            dim: m(Modifier::DIM),
            border: m(Modifier::DIM),
            border_focused: m(Modifier::BOLD),
            title: m(Modifier::BOLD),
            user: m(Modifier::BOLD),
            assistant: m(Modifier::BOLD),
            reasoning: m(Modifier::DIM | Modifier::ITALIC),
            tool: m(Modifier::ITALIC),
            error: m(Modifier::BOLD | Modifier::UNDERLINED),
            warn: m(Modifier::BOLD),
            ok: Style::new(),
            selected: m(Modifier::REVERSED),
            accent: m(Modifier::BOLD),
            money: Style::new(),
            heading: m(Modifier::BOLD | Modifier::UNDERLINED),
            gauge: m(Modifier::REVERSED),
        }
    }

    /// `monochrome` when `NO_COLOR` is set to anything non-empty (no-color.org), else `dark`.
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::monochrome(),
            _ => Theme::dark(),
        }
    }

    /// The border style of a pane.
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.border_focused
        } else {
            self.border
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}
