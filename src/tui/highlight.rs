//! Syntax highlighting of code blocks with syntect.
//!
//! The syntax set and theme are loaded once, when the `Highlighter` is made, and shared by
//! its clones. Only foreground colours and font styles are taken from the theme: the
//! background stays the terminal's (or the code style's), so a theme never paints blocks.

use std::path::Path;
use std::sync::Arc;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme, ThemeSet};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::wrap::sanitize;

/// The theme used when none is named: readable on a dark terminal.
pub const DEFAULT_THEME: &str = "base16-ocean.dark";

/// Blocks bigger than this, or with a line longer than `MAX_LINE`, are shown plain:
/// syntect with its pure-Rust regexes colours about 0.3 MB/s (50-100 µs a line), so this
/// bounds the one-time pause when a block closes to about half a second, and a minified
/// megabyte never stalls the screen.
const MAX_CODE: usize = 128 * 1024;
const MAX_LINE: usize = 4096;

/// Syntax highlighting with syntect, loaded once (SyntaxSet::load_defaults_newlines + a ThemeSet theme; dark by default, and a way to pick a theme by name for light themes later). Unknown languages render plain. Map syntect colours to ratatui Color::Rgb; never panic.
#[derive(Clone)]
pub struct Highlighter {
    syntaxes: Arc<SyntaxSet>,
    theme: Arc<Theme>,
    theme_name: String,
    /// Languages already warmed (`warm_lang`), shared by the clones.
    warmed: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl Default for Highlighter {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("theme", &self.theme_name)
            .finish()
    }
}

impl Highlighter {
    /// The default syntaxes with the dark default theme.
    pub fn new() -> Self {
        let theme = ThemeSet::load_defaults()
            .themes
            .remove(DEFAULT_THEME)
            .unwrap_or_default();
        Self::from_theme(
            Arc::new(SyntaxSet::load_defaults_newlines()),
            theme,
            DEFAULT_THEME,
        )
    }

    /// Compiles, on a thread of its own, the JSON syntax's patterns: the inspector
    /// highlights every request body (see `warm_lang`).
    pub fn warm(&self) {
        self.warm_lang(
            "json",
            "{\"model\": \"m\", \"stream\": true, \"n\": [1, -2.5e3, false, null],\n\
             \"messages\": [{\"role\": \"user\", \"content\": \"a \\\"q\\\" \\n \\u00e9\"}]}",
        );
    }

    /// Highlights `sample` in `lang` on a thread of its own, once per language: syntect
    /// reads a syntax and compiles each of its patterns the first time they are used,
    /// which in a frame took 10 to 25 ms per language (the first frame after sending, the
    /// frame a code block closes in). Called when a request goes out (JSON) and when a
    /// code fence opens (its language, with what streamed of it so far), so that by the
    /// time the block closes its patterns are compiled. The compiled patterns live in the
    /// shared `SyntaxSet`; a frame that needs one being compiled waits for it, no longer
    /// than it would have taken itself.
    pub fn warm_lang(&self, lang: &str, sample: &str) {
        if self.syntax_for(lang, "").is_none() {
            return;
        }
        let key = lang.trim().to_ascii_lowercase();
        let first = self.warmed.lock().is_ok_and(|mut w| w.insert(key));
        if !first {
            return;
        }
        let this = self.clone();
        let (lang, sample) = (lang.to_string(), sample.to_string());
        let spawned = std::thread::Builder::new()
            .name("switchboard-highlight-warm".into())
            .spawn(move || {
                this.highlight(&sample, &lang);
            });
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "no thread to warm the highlighter: a frame compiles");
        }
    }

    /// The default syntaxes with one of syntect's bundled themes, by name (case-insensitive):
    /// `base16-ocean.dark`, `base16-eighties.dark`, `base16-mocha.dark`,
    /// `base16-ocean.light`, `InspiredGitHub`, `Solarized (dark)`, `Solarized (light)`.
    pub fn with_theme(name: &str) -> Option<Self> {
        let (key, theme) = ThemeSet::load_defaults()
            .themes
            .into_iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))?;
        Some(Self::from_theme(
            Arc::new(SyntaxSet::load_defaults_newlines()),
            theme,
            &key,
        ))
    }

    /// The default syntaxes with a theme read from a `.tmTheme` file.
    pub fn with_theme_file(path: &Path) -> Option<Self> {
        let theme = ThemeSet::get_theme(path).ok()?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Some(Self::from_theme(
            Arc::new(SyntaxSet::load_defaults_newlines()),
            theme,
            &name,
        ))
    }

    /// The code theme a UI theme names: its `.tmTheme` file from the config dir, else a
    /// shipped `.tmTheme` (`themes/`), else a syntect theme by name, else the default.
    pub fn for_theme(theme: &super::theme::Theme) -> Self {
        if let Some(h) = theme.syntax_file.as_deref().and_then(Self::with_theme_file) {
            return h;
        }
        let shipped = super::theme_file::BUILTIN_SYNTAX
            .iter()
            .find(|(n, _)| *n == theme.syntax)
            .and_then(|(n, text)| {
                let mut reader = std::io::Cursor::new(text.as_bytes());
                let t = ThemeSet::load_from_reader(&mut reader).ok()?;
                Some(Self::from_theme(
                    Arc::new(SyntaxSet::load_defaults_newlines()),
                    t,
                    n,
                ))
            });
        shipped
            .or_else(|| Self::with_theme(&theme.syntax))
            .unwrap_or_default()
    }

    fn from_theme(syntaxes: Arc<SyntaxSet>, theme: Theme, name: &str) -> Self {
        Highlighter {
            syntaxes,
            theme: Arc::new(theme),
            theme_name: name.to_string(),
            warmed: Arc::default(),
        }
    }

    /// The theme's name: caches of highlighted code are only valid for one theme.
    pub fn theme_name(&self) -> &str {
        &self.theme_name
    }

    /// Whether `lang` (a fence's info string) names a syntax this highlighter knows.
    pub fn knows(&self, lang: &str) -> bool {
        self.syntax_for(lang, "").is_some()
    }

    /// Highlights `code` as `lang`: one Vec of spans per source line, unwrapped, with no
    /// newlines, tabs expanded. An unknown or empty language gives unstyled spans.
    pub fn highlight(&self, code: &str, lang: &str) -> Vec<Vec<Span<'static>>> {
        let first_line = code.lines().next().unwrap_or("");
        let too_big = code.len() > MAX_CODE || code.lines().any(|l| l.len() > MAX_LINE);
        match self.syntax_for(lang, first_line) {
            Some(syntax) if !too_big => self.highlight_with(code, syntax),
            _ => plain(code),
        }
    }

    fn highlight_with(&self, code: &str, syntax: &SyntaxReference) -> Vec<Vec<Span<'static>>> {
        let mut lines = Vec::new();
        let mut hl = HighlightLines::new(syntax, &self.theme);
        for line in LinesWithEndings::from(code) {
            let Ok(ranges) = hl.highlight_line(line, &self.syntaxes) else {
                // Keep what was coloured; the rest of the block goes plain.
                let done: usize = lines.len();
                lines.extend(plain(code).into_iter().skip(done));
                return lines;
            };
            let spans = ranges
                .into_iter()
                .filter_map(|(style, text)| {
                    let text = sanitize(text.trim_end_matches(['\n', '\r']));
                    (!text.is_empty()).then(|| Span::styled(text.into_owned(), convert(style)))
                })
                .collect();
            lines.push(spans);
        }
        lines
    }

    fn syntax_for(&self, lang: &str, first_line: &str) -> Option<&SyntaxReference> {
        // "rust,ignore", "python title=x", "{.js}": the first word names the language.
        let token = lang
            .split(|c: char| c == ',' || c.is_whitespace())
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '{' || c == '}' || c == '.');
        if token.is_empty() {
            return self.syntaxes.find_syntax_by_first_line(first_line);
        }
        let lower = token.to_ascii_lowercase();
        let alias = match lower.as_str() {
            "ts" | "typescript" | "tsx" | "jsx" | "mjs" | "cjs" => "js",
            "jsonc" | "json5" => "json",
            "shell" | "zsh" | "console" | "shellsession" | "sh-session" => "bash",
            "c++" => "cpp",
            "golang" => "go",
            "py3" | "python3" => "py",
            "yml" => "yaml",
            "rs" => "rust",
            "plaintext" | "text" | "txt" => return None,
            other => other,
        };
        self.syntaxes
            .find_syntax_by_token(alias)
            .or_else(|| self.syntaxes.find_syntax_by_token(token))
            .filter(|s| s.name != "Plain Text")
    }
}

fn plain(code: &str) -> Vec<Vec<Span<'static>>> {
    code.lines()
        .map(|line| {
            let line = sanitize(line);
            if line.is_empty() {
                Vec::new()
            } else {
                vec![Span::raw(line.into_owned())]
            }
        })
        .collect()
}

fn convert(style: syntect::highlighting::Style) -> Style {
    let fg = style.foreground;
    let mut out = Style::new().fg(Color::Rgb(fg.r, fg.g, fg.b));
    for (font, modifier) in [
        (FontStyle::BOLD, Modifier::BOLD),
        (FontStyle::ITALIC, Modifier::ITALIC),
        (FontStyle::UNDERLINE, Modifier::UNDERLINED),
    ] {
        if style.font_style.contains(font) {
            out = out.add_modifier(modifier);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn warming_is_once_per_known_language_and_shared_by_clones() {
        let hl = Highlighter::new();
        let twin = hl.clone();
        hl.warm_lang("Rust", "fn main() {}");
        twin.warm_lang("rust", "let x = 1;");
        hl.warm_lang("klingon", "x");
        hl.warm_lang("", "x");
        hl.warm();
        let warmed = hl.warmed.lock().unwrap().clone();
        assert_eq!(
            warmed,
            HashSet::from(["rust".to_string(), "json".to_string()])
        );
        // Warming changes nothing of what is drawn.
        let code = "fn main() { let s = \"x\"; }";
        assert_eq!(
            text(&hl.highlight(code, "rust")),
            text(&Highlighter::new().highlight(code, "rust"))
        );
    }

    fn text(lines: &[Vec<Span<'_>>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn rust_gets_several_colours_and_keeps_text() {
        let hl = Highlighter::new();
        let code = "fn main() {\n\tlet x = \"hi\"; // note\n}\n";
        let out = hl.highlight(code, "rust");
        assert_eq!(
            text(&out),
            ["fn main() {", "    let x = \"hi\"; // note", "}"]
        );
        let colours: HashSet<_> = out.iter().flatten().filter_map(|s| s.style.fg).collect();
        assert!(colours.len() > 2, "{colours:?}");
        assert!(out.iter().flatten().all(|s| s.style.bg.is_none()));
    }

    #[test]
    fn unknown_language_is_plain() {
        let hl = Highlighter::new();
        let out = hl.highlight("a b\n\nc", "no-such-lang");
        assert_eq!(text(&out), ["a b", "", "c"]);
        assert!(out.iter().flatten().all(|s| s.style == Style::default()));
        assert!(hl.highlight("", "rust").is_empty());
        assert!(!hl.knows("no-such-lang"));
        assert!(hl.knows("ts") && hl.knows("Python") && hl.knows("rust,ignore"));
    }

    #[test]
    fn themes_by_name() {
        assert_eq!(Highlighter::new().theme_name(), DEFAULT_THEME);
        let light = Highlighter::with_theme("inspiredgithub");
        assert_eq!(
            light.map(|h| h.theme_name().to_string()).as_deref(),
            Some("InspiredGitHub")
        );
        assert!(Highlighter::with_theme("nope").is_none());
    }
}
