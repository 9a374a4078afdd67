//! The composer: a ratatui-textarea for the prompt, the prompt history, and the `/commands`
//! that set the system prompt and parameters.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;
use ratatui_textarea::{TextArea, WrapMode};

use crate::llm::chat::{Params, ReasoningEffort};
use crate::llm::provider::ModelRef;
use crate::tui::theme::Theme;
use crate::tui::wrap::display_width;

/// What a turn is sent with, besides its messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// The system prompt, if any.
    pub system: Option<String>,
    /// Temperature, max tokens, reasoning effort, ...
    pub params: Params,
}

impl Settings {
    /// `temp 0.7 · max 512 · effort low · system`: what is set, for the composer's title.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.params.temperature {
            parts.push(format!("temp {t}"));
        }
        if let Some(m) = self.params.max_tokens {
            parts.push(format!("max {m}"));
        }
        if let Some(e) = self.params.reasoning_effort {
            parts.push(format!("effort {}", e.as_str()));
        }
        if self.system.is_some() {
            parts.push("system".into());
        }
        parts.join(" · ")
    }
}

/// A `/command` typed into the composer.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `/system TEXT` (empty: clear).
    System(Option<String>),
    /// `/temp X` (`off`: the provider's default).
    Temperature(Option<f64>),
    /// `/max N` (`off`: the provider's default).
    MaxTokens(Option<u32>),
    /// `/effort minimal|low|medium|high|off`.
    Effort(Option<ReasoningEffort>),
    /// `/model PROVIDER/MODEL`.
    Model(ModelRef),
    /// `/new`: a new conversation.
    New,
    /// `/params`: show the settings.
    Show,
    /// `/help`: open the help overlay.
    Help,
    /// `/lanes KEY=V1,V2`, `/lanes protocol=P1,P2`, `/lanes off`, `/lanes`: the lane plan
    /// of the next comparison (`compare::on_lanes_command` reads the text).
    Lanes(String),
}

/// The commands, for the help overlay.
pub const COMMANDS: [(&str, &str); 9] = [
    (
        "/system TEXT",
        "set the system prompt (/system alone clears it)",
    ),
    (
        "/temp 0.7",
        "set the temperature (/temp off: provider default)",
    ),
    ("/max 512", "set max output tokens (/max off)"),
    (
        "/effort low",
        "reasoning effort: minimal, low, medium, high, off",
    ),
    ("/model P/M", "use model P/M (or pick one in the catalog)"),
    ("/new", "start a new conversation"),
    ("/params", "show the current settings"),
    (
        "/lanes temperature=0,1",
        "compare lanes of the marked (or current) model: a lane per value; also \
         protocol=openai-chat,anthropic; /lanes off",
    ),
    ("/help", "open this help"),
];

fn off(arg: &str) -> bool {
    arg.is_empty() || arg.eq_ignore_ascii_case("off") || arg.eq_ignore_ascii_case("default")
}

impl Command {
    /// Parses a composer text starting with `/`; `None` when it is not a command at all
    /// (then it is sent as a prompt), `Some(Err)` when it is a command used wrongly.
    pub fn parse(text: &str) -> Option<Result<Command, String>> {
        let text = text.trim();
        let rest = text.strip_prefix('/')?;
        let (name, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let arg = arg.trim();
        Some(match name {
            "system" => Ok(Command::System((!arg.is_empty()).then(|| arg.to_string()))),
            "temp" | "temperature" if off(arg) => Ok(Command::Temperature(None)),
            "temp" | "temperature" => arg
                .parse::<f64>()
                .ok()
                .filter(|t| (0.0..=2.0).contains(t))
                .map(|t| Command::Temperature(Some(t)))
                .ok_or_else(|| format!("/temp takes a number from 0 to 2, not `{arg}`")),
            "max" | "max_tokens" if off(arg) => Ok(Command::MaxTokens(None)),
            "max" | "max_tokens" => arg
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| Command::MaxTokens(Some(n)))
                .ok_or_else(|| format!("/max takes a positive whole number, not `{arg}`")),
            "effort" if off(arg) => Ok(Command::Effort(None)),
            "effort" => ReasoningEffort::parse(arg)
                .map(|e| Command::Effort(Some(e)))
                .ok_or_else(|| {
                    format!("/effort takes minimal, low, medium, high or off, not `{arg}`")
                }),
            "model" => ModelRef::parse(arg).map(Command::Model),
            "new" => Ok(Command::New),
            "params" => Ok(Command::Show),
            "help" => Ok(Command::Help),
            "lanes" => Ok(Command::Lanes(arg.to_string())),
            // `/etc/hosts is odd`: a prompt that starts with a path, not a command.
            _ if name.contains('/') => return None,
            _ => Err(format!(
                "unknown command /{name}: see the help (?) for the list"
            )),
        })
    }
}

/// The composer's state.
#[derive(Debug, Clone)]
pub struct ComposerState {
    /// The editor.
    pub textarea: TextArea<'static>,
    /// Prompts sent, oldest first.
    pub history: Vec<String>,
    /// The history entry shown, while browsing with Up/Down.
    pub recall: Option<usize>,
}

impl Default for ComposerState {
    fn default() -> Self {
        ComposerState::new()
    }
}

impl ComposerState {
    /// An empty composer.
    pub fn new() -> ComposerState {
        let mut textarea = TextArea::default();
        textarea.set_wrap_mode(WrapMode::WordOrGlyph);
        textarea.set_placeholder_text("Type a prompt · Enter sends · Alt+Enter newline · /help");
        textarea.set_cursor_line_style(Style::new());
        ComposerState {
            textarea,
            history: Vec::new(),
            recall: None,
        }
    }

    /// The text, lines joined by `\n`.
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    /// True when there is no text.
    pub fn is_empty(&self) -> bool {
        self.textarea.is_empty()
    }

    /// Replaces the text, cursor at the end.
    pub fn set_text(&mut self, text: &str) {
        let mut t = TextArea::new(text.split('\n').map(str::to_string).collect());
        t.set_wrap_mode(WrapMode::WordOrGlyph);
        t.set_placeholder_text(self.textarea.placeholder_text().to_string());
        t.set_cursor_line_style(Style::new());
        t.set_cursor_style(self.textarea.cursor_style());
        t.move_cursor(ratatui_textarea::CursorMove::Bottom);
        t.move_cursor(ratatui_textarea::CursorMove::End);
        self.textarea = t;
    }

    /// Takes the text out, leaving the composer empty, and remembers it as a prompt.
    pub fn take(&mut self) -> String {
        let text = self.text();
        self.set_text("");
        self.recall = None;
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        text
    }

    /// True when Up should recall: the composer is empty, or shows an unedited recall.
    pub fn can_recall(&self) -> bool {
        match self.recall {
            None => self.is_empty(),
            Some(i) => self.history.get(i).is_some_and(|h| *h == self.text()),
        }
    }

    /// Shows the previous prompt. False when there is none.
    pub fn recall_prev(&mut self) -> bool {
        let i = match self.recall {
            None => self.history.len().checked_sub(1),
            Some(i) => i.checked_sub(1),
        };
        let Some(i) = i else { return false };
        let text = self.history[i].clone();
        self.set_text(&text);
        self.recall = Some(i);
        true
    }

    /// Shows the next prompt, or an empty composer after the newest.
    pub fn recall_next(&mut self) -> bool {
        let Some(i) = self.recall else { return false };
        if i + 1 < self.history.len() {
            let text = self.history[i + 1].clone();
            self.set_text(&text);
            self.recall = Some(i + 1);
        } else {
            self.set_text("");
            self.recall = None;
        }
        true
    }

    /// Inserts pasted text (line endings normalised).
    pub fn paste(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        self.textarea.insert_str(text);
        self.recall = None;
    }

    /// Shows or hides the cursor.
    pub fn set_focused(&mut self, focused: bool, theme: &Theme) {
        let style = if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        if self.textarea.cursor_style() != style {
            self.textarea.set_cursor_style(style);
        }
        let placeholder = theme.dim;
        if self.textarea.placeholder_style() != Some(placeholder) {
            self.textarea.set_placeholder_style(placeholder);
        }
    }

    /// Rows the text needs at `width` columns (wrapped), at least 1.
    pub fn rows(&self, width: u16) -> usize {
        let w = usize::from(width.max(1));
        self.textarea
            .lines()
            .iter()
            .map(|l| display_width(l).div_ceil(w).max(1))
            .sum::<usize>()
            .max(1)
    }
}

/// Draws the editor into `area` (inside the pane's border).
pub fn render(c: &ComposerState, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    (&c.textarea).render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(Command::parse("hello"), None);
        assert_eq!(
            Command::parse("/temp 0.7"),
            Some(Ok(Command::Temperature(Some(0.7))))
        );
        assert_eq!(
            Command::parse("/temp off"),
            Some(Ok(Command::Temperature(None)))
        );
        assert!(matches!(Command::parse("/temp 9"), Some(Err(_))));
        assert_eq!(
            Command::parse("/max 256"),
            Some(Ok(Command::MaxTokens(Some(256))))
        );
        assert_eq!(
            Command::parse("/system  Be terse. "),
            Some(Ok(Command::System(Some("Be terse.".into()))))
        );
        assert_eq!(
            Command::parse("/effort high"),
            Some(Ok(Command::Effort(Some(ReasoningEffort::High))))
        );
        assert_eq!(Command::parse("/etc/hosts is odd"), None);
        assert!(matches!(Command::parse("/nope"), Some(Err(_))));
    }

    #[test]
    fn history_recalls_only_when_empty_or_unedited() {
        let mut c = ComposerState::new();
        c.set_text("first");
        c.take();
        c.set_text("second");
        c.take();
        assert!(c.can_recall());
        assert!(c.recall_prev());
        assert_eq!(c.text(), "second");
        assert!(c.recall_prev());
        assert_eq!(c.text(), "first");
        assert!(c.recall_next());
        assert_eq!(c.text(), "second");
        c.textarea.insert_char('!');
        assert!(!c.can_recall());
    }
}
