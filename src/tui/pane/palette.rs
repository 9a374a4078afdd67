//! The command palette (`:` outside the composer, or Ctrl+P): every action by name with
//! the key that runs it from the focused pane, fuzzy-filtered as you type (on names and
//! short hints); Enter runs the selected one as if its key had been pressed.

use crossterm::event::{KeyCode, KeyEvent};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::keymap::{KeyChord, Scope};
use crate::tui::state::{Overlay, Pane, State};
use crate::tui::theme::Theme;
use crate::tui::wrap::truncate_spans;

/// Rows moved by page-up and page-down.
const PAGE: usize = 10;

/// What the palette holds while it is open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaletteState {
    /// The filter as typed.
    pub query: String,
    /// The selected row among the filtered entries.
    pub selected: usize,
}

/// One row of the palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The action it runs.
    pub action: Action,
    /// The key that runs it from the focused pane (`Ctrl+Q`), or where it is bound
    /// (`z in catalog`), or nothing when it has no key.
    pub key: String,
}

/// Scopes of overlays: actions bound only there do nothing from the palette.
const OVERLAY_SCOPES: [Scope; 3] = [Scope::Help, Scope::History, Scope::Palette];

/// Whether the palette offers `action`: not its own, and not one that only works inside
/// another overlay.
fn offered(state: &State, action: Action) -> bool {
    if matches!(action, Action::Palette | Action::Run | Action::Close) {
        return false;
    }
    let scopes: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|s| !state.keymap.keys(*s, action).is_empty())
        .collect();
    scopes.is_empty() || scopes.iter().any(|s| !OVERLAY_SCOPES.contains(s))
}

/// The key label for `action` seen from `pane`.
fn key_label(state: &State, pane: Pane, action: Action) -> String {
    let km = &state.keymap;
    let takes_text = pane == Pane::Composer;
    let usable = |k: &KeyChord| !(takes_text && k.is_text());
    let here = km
        .keys(pane.scope(), action)
        .into_iter()
        .chain(km.keys(Scope::Global, action))
        .find(usable);
    if let Some(k) = here {
        return k.label();
    }
    Scope::ALL
        .into_iter()
        .filter(|s| !OVERLAY_SCOPES.contains(s))
        .find_map(|s| {
            km.keys(s, action)
                .first()
                .map(|k| format!("{} in {}", k.label(), s.name()))
        })
        .unwrap_or_default()
}

/// The entries `query` keeps, best match first (all of them, in the usual order, when it
/// is empty).
pub fn entries(state: &State, query: &str) -> Vec<Entry> {
    let pane = state.focus;
    let all = Action::ALL.into_iter().filter(|a| offered(state, *a));
    let make = |action| Entry {
        action,
        key: key_label(state, pane, action),
    };
    if query.trim().is_empty() {
        return all.map(make).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, Action)> = all
        .enumerate()
        .filter_map(|(i, a)| {
            // Names and short hints only: matching the sentences too finds nearly
            // everything for three letters.
            let hay = format!("{} {}", a.name(), a.hint());
            let score = pattern.score(Utf32Str::new(&hay, &mut buf), &mut matcher)?;
            Some((score, i, a))
        })
        .collect();
    scored.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    scored.into_iter().map(|(_, _, a)| make(a)).collect()
}

/// Opens the palette with an empty filter.
pub fn open(state: &mut State) {
    state
        .overlays
        .push(Overlay::Palette(PaletteState::default()));
}

/// A key while the palette is the top overlay.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    let km = &state.keymap;
    let action = km.lookup(Scope::Palette, chord).or_else(|| {
        km.lookup(Scope::Global, chord)
            .filter(|a| *a == Action::Quit && !chord.is_text())
    });
    if let Some(a) = action {
        return on_action(state, a);
    }
    let Some(Overlay::Palette(p)) = state.overlays.last_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Char(c) if chord.is_text() => {
            p.query.push(c);
            p.selected = 0;
        }
        KeyCode::Backspace => {
            p.query.pop();
            p.selected = 0;
        }
        _ => {}
    }
    Vec::new()
}

/// An action while the palette is open: move, close, or run the selected entry.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(Overlay::Palette(p)) = state.overlays.last() else {
        return Vec::new();
    };
    let list = entries(state, &p.query);
    let last = list.len().saturating_sub(1);
    let selected = p.selected.min(last);
    let to = match action {
        Action::Up => selected.saturating_sub(1),
        Action::Down => (selected + 1).min(last),
        Action::PageUp => selected.saturating_sub(PAGE),
        Action::PageDown => (selected + PAGE).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        Action::Close => {
            state.overlays.pop();
            return Vec::new();
        }
        Action::Quit => return super::super::input::on_action(state, Action::Quit, None),
        Action::Run => {
            state.overlays.pop();
            return match list.get(selected) {
                Some(e) => super::super::input::on_action(state, e.action, None),
                None => Vec::new(),
            };
        }
        _ => selected,
    };
    if let Some(Overlay::Palette(p)) = state.overlays.last_mut() {
        p.selected = to;
    }
    Vec::new()
}

/// The palette's box inside the screen: near the top, like other editors'.
pub fn area(screen: Rect) -> Rect {
    let w = screen
        .width
        .saturating_sub(4)
        .clamp(screen.width.min(20), 84);
    let h = screen
        .height
        .saturating_sub(4)
        .clamp(screen.height.min(3), 22);
    Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 4,
        w,
        h,
    )
}

/// Draws the palette over `screen`.
pub fn render(state: &State, p: &PaletteState, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let rect = area(screen);
    if rect.is_empty() {
        return;
    }
    Clear.render(rect, buf);
    let list = entries(state, &p.query);
    let title = format!(" Commands · {} of {} ", list.len(), offered_count(state));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title));
    let inner = block.inner(rect);
    block.render(rect, buf);
    if inner.is_empty() {
        return;
    }
    let width = usize::from(inner.width);
    let prompt = Line::from(vec![
        Span::styled("> ", theme.accent),
        Span::raw(p.query.clone()),
        Span::styled("▏", theme.accent),
    ]);
    let prompt = Line::from(truncate_spans(&prompt.spans, width));
    buf.set_line(inner.x, inner.y, &prompt, inner.width);
    let rows = usize::from(inner.height.saturating_sub(1));
    if rows == 0 {
        return;
    }
    if list.is_empty() {
        let none = Line::styled("no command matches", theme.dim);
        buf.set_line(inner.x, inner.y + 1, &none, inner.width);
        return;
    }
    let selected = p.selected.min(list.len() - 1);
    let top = (selected + 1).saturating_sub(rows);
    let name_w = list
        .iter()
        .map(|e| e.action.name().len())
        .max()
        .unwrap_or(0)
        .min(width / 3);
    let key_w = list
        .iter()
        .map(|e| unicode_width::UnicodeWidthStr::width(e.key.as_str()))
        .max()
        .unwrap_or(0)
        .min(width / 4);
    for (dy, (i, e)) in list.iter().enumerate().skip(top).take(rows).enumerate() {
        let y = inner.y + 1 + u16::try_from(dy).unwrap_or(0);
        let chosen = i == selected;
        let base = if chosen { theme.selected } else { theme.text };
        let spans = vec![
            Span::styled(if chosen { "▸ " } else { "  " }, base.patch(theme.accent)),
            Span::styled(format!("{:<name_w$} ", e.action.name()), base),
            Span::styled(format!("{:<key_w$} ", e.key), base.patch(theme.accent)),
            Span::styled(e.action.describe(), base.patch(theme.dim)),
        ];
        let mut line = Line::from(truncate_spans(&spans, width));
        if chosen {
            // The whole row, not just its text, shows the selection.
            line = line.style(theme.selected);
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected);
        }
        buf.set_line(inner.x, y, &line, inner.width);
    }
}

fn offered_count(state: &State) -> usize {
    Action::ALL
        .into_iter()
        .filter(|a| offered(state, *a))
        .count()
}
