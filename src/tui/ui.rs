//! Layout only: where each pane goes at a given size, the pass that settles layout caches
//! (`prepare`), and the draw that copies state to the screen (`draw`).
//!
//! Panes collapse as the terminal narrows: the meter goes first, then the catalog; a
//! collapsed pane that has the focus takes the centre column. The inspector collapses on
//! short terminals the same way. Every rect lies inside the screen and none overlap.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use super::highlight::Highlighter;
use super::markdown::MdStyles;
use super::pane::{catalog, chat, composer, footer, help, inspector, meter};
use super::state::{Overlay, Pane, State};
use super::theme::Theme;

/// Narrowest useful centre column; side panes collapse to keep it.
const CENTRE_MIN: u16 = 48;

/// What drawing needs besides the state: styles and the highlighter, made once.
#[derive(Debug, Clone)]
pub struct Look {
    /// UI styles.
    pub theme: Theme,
    /// Markdown styles derived from the theme.
    pub md: MdStyles,
    /// Syntax highlighting for code blocks and JSON bodies.
    pub highlighter: Highlighter,
}

impl Look {
    /// The look for `theme`.
    pub fn new(theme: Theme) -> Look {
        Look {
            md: theme.md.clone(),
            highlighter: Highlighter::for_theme(&theme),
            theme,
        }
    }
}

/// Where each pane is drawn; `None` when hidden or collapsed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    /// The catalog.
    pub catalog: Option<Rect>,
    /// The conversation.
    pub chat: Option<Rect>,
    /// The composer.
    pub composer: Option<Rect>,
    /// The inspector.
    pub inspector: Option<Rect>,
    /// The meter.
    pub meter: Option<Rect>,
    /// The footer row.
    pub footer: Option<Rect>,
}

impl Areas {
    /// The rect of `pane`.
    pub fn of(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Catalog => self.catalog,
            Pane::Chat => self.chat,
            Pane::Composer => self.composer,
            Pane::Inspector => self.inspector,
            Pane::Meter => self.meter,
        }
    }

    /// The pane under the cell (x, y).
    pub fn hit(&self, x: u16, y: u16) -> Option<Pane> {
        let p = ratatui::layout::Position { x, y };
        Pane::CYCLE
            .into_iter()
            .find(|pane| self.of(*pane).is_some_and(|r| r.contains(p)))
    }
}

fn side_width(total: u16) -> u16 {
    match total {
        160.. => 32,
        120.. => 28,
        _ => 24,
    }
}

/// Splits the screen for `state` (its visibility, focus and composer text).
pub fn layout(area: Rect, state: &State) -> Areas {
    let mut a = Areas::default();
    if area.is_empty() {
        return a;
    }
    let mut main = area;
    if area.height >= 3 {
        main.height -= 1;
        a.footer = Some(Rect::new(area.x, area.bottom() - 1, area.width, 1));
    }
    let show = state.show;
    let focus = state.focus;
    // The catalog zoomed (`z` in the catalog) takes the screen while it has the focus.
    if show.catalog && state.catalog.wide && focus == Pane::Catalog {
        a.catalog = Some(main);
        return a;
    }
    // The full-width inspector takes the bottom of the screen when there is room.
    if show.inspector && show.zoom && main.height >= 12 {
        let h = main.height * 45 / 100;
        main.height -= h;
        a.inspector = Some(Rect::new(main.x, main.bottom(), main.width, h));
    }
    let side = side_width(area.width);
    let mut centre = main;
    let fits = |c: Rect| c.width >= CENTRE_MIN + side;
    let mut collapsed = None;
    if show.catalog {
        if fits(centre) {
            a.catalog = Some(Rect::new(centre.x, centre.y, side, centre.height));
            centre.x += side;
            centre.width -= side;
        } else {
            collapsed = Some(Pane::Catalog);
        }
    }
    if show.meter {
        if fits(centre) {
            a.meter = Some(Rect::new(
                centre.right() - side,
                centre.y,
                side,
                centre.height,
            ));
            centre.width -= side;
        } else if focus == Pane::Meter || collapsed.is_none() {
            collapsed = Some(Pane::Meter);
        }
    }
    // A collapsed side pane with the focus takes the whole centre column.
    if let Some(p) = collapsed
        && p == focus
    {
        match p {
            Pane::Catalog => a.catalog = Some(centre),
            _ => a.meter = Some(centre),
        }
        return a;
    }
    let inner_w = centre.width.saturating_sub(2).max(1);
    let want = u16::try_from(state.composer.rows(inner_w) + 2).unwrap_or(u16::MAX);
    let composer_h = want
        .clamp(3, 10)
        .min((centre.height / 2).max(centre.height.min(3)));
    let mut rest = centre.height - composer_h;
    let mut inspector_h = 0;
    if show.inspector && a.inspector.is_none() {
        inspector_h = match rest {
            18.. => rest * 45 / 100,
            9.. => rest / 3,
            _ => 0,
        };
        if inspector_h == 0 && focus == Pane::Inspector {
            inspector_h = rest;
        }
        rest -= inspector_h;
    }
    if rest > 0 {
        a.chat = Some(Rect::new(centre.x, centre.y, centre.width, rest));
    }
    a.composer = Some(Rect::new(
        centre.x,
        centre.y + rest,
        centre.width,
        composer_h,
    ));
    if inspector_h > 0 {
        let y = centre.y + rest + composer_h;
        a.inspector = Some(Rect::new(centre.x, y, centre.width, inspector_h));
    }
    a
}

/// The area inside a pane's border (none on panes too small for one).
fn inner(r: Rect) -> Rect {
    if r.width < 3 || r.height < 3 {
        r
    } else {
        Rect::new(r.x + 1, r.y + 1, r.width - 2, r.height - 2)
    }
}

/// `inner`, less a column of padding on each side where the pane is wide enough.
fn padded(r: Rect) -> Rect {
    let i = inner(r);
    if i.width >= 22 {
        Rect::new(i.x + 1, i.y, i.width - 2, i.height)
    } else {
        i
    }
}

/// Settles what drawing reads: the size, layout caches and scroll positions. Finished
/// turns come from their caches; only the streaming turn is laid out again.
pub fn prepare(state: &mut State, look: &Look, area: Rect) {
    state.size = (area.width, area.height);
    let a = layout(area, state);
    let theme = &look.theme;
    let focused = state.focus == Pane::Composer && state.overlays.is_empty();
    state.composer.set_focused(focused, theme);
    if let Some(r) = a.catalog {
        let filter = usize::from(state.catalog.filtering || !state.catalog.filter.is_empty());
        let i = padded(r);
        state.catalog.fit(
            usize::from(i.height).saturating_sub(filter),
            usize::from(i.width),
        );
    }
    if let Some(r) = a.chat {
        let i = padded(r);
        let now = state.now;
        let look3 = (theme, &look.md, &look.highlighter);
        if state.compare.active.is_some() {
            super::pane::lanes::prepare(state, i, look3);
        } else {
            state
                .chat
                .prepare(i.width, usize::from(i.height), look3, now);
        }
    }
    if let Some(r) = a.inspector {
        let view = usize::from(padded(r).height);
        let selected = state.inspector.selected;
        let turn = match (&state.compare.active, selected) {
            (Some(c), _) => c.inspected_turn(),
            (None, Some(id)) => state.chat.turn(id).or_else(|| state.chat.turns.last()),
            (None, None) => state.chat.turns.last(),
        };
        state
            .inspector
            .prepare(turn, theme, &look.highlighter, view);
    }
    if matches!(state.overlays.last(), Some(Overlay::Help { .. })) {
        let rows = help::lines(state, theme).len();
        let view = usize::from(inner(help::area(area)).height);
        if let Some(Overlay::Help { top }) = state.overlays.last_mut() {
            *top = (*top).min(rows.saturating_sub(view));
        }
    }
}

fn pane_block<'a>(title: Line<'a>, focused: bool, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(focused))
        .title(title)
}

fn draw_pane(
    buf: &mut Buffer,
    r: Rect,
    pane: Pane,
    title: Line<'_>,
    state: &State,
    theme: &Theme,
) -> Rect {
    let focused = state.focus == pane;
    if r.width >= 3 && r.height >= 3 {
        pane_block(title, focused, theme).render(r, buf);
    }
    if pane == Pane::Composer {
        inner(r)
    } else {
        padded(r)
    }
}

/// Draws every pane, the footer and the overlays. Reads the state only.
pub fn draw(frame: &mut Frame, state: &State, look: &Look) {
    let area = frame.area();
    let a = layout(area, state);
    let theme = &look.theme;
    let buf = frame.buffer_mut();
    let title = |text: String, focused: bool| {
        let style = if focused {
            theme.title.patch(theme.accent)
        } else {
            theme.title
        };
        Line::from(Span::styled(format!(" {text} "), style))
    };
    if let Some(r) = a.catalog {
        let text = format!("Models · {}", state.catalog.title());
        let t = title(text, state.focus == Pane::Catalog);
        let i = draw_pane(buf, r, Pane::Catalog, t, state, theme);
        catalog::render(&state.catalog, &state.model, theme, state.now, i, buf);
    }
    if let Some(r) = a.chat
        && let Some(c) = &state.compare.active
    {
        let t = title(super::pane::lanes::title(c), state.focus == Pane::Chat);
        let i = draw_pane(buf, r, Pane::Chat, t, state, theme);
        super::pane::lanes::render(c, state.now, theme, i, buf);
    } else if let Some(r) = a.chat {
        let mut text = match &state.history.title {
            // A stored (or resumed) conversation shows its title.
            Some(title) => format!("{} · {}", super::wrap::sanitize(title), state.model),
            None => format!("Conversation · {}", state.model),
        };
        if !state.chat.scroll.follow && state.is_streaming() {
            text.push_str(" · ↓ End follows");
        }
        let t = title(text, state.focus == Pane::Chat);
        let i = draw_pane(buf, r, Pane::Chat, t, state, theme);
        chat::render(&state.chat, theme, i, buf);
    }
    if let Some(r) = a.composer {
        let t = title("Prompt".into(), state.focus == Pane::Composer);
        let i = draw_pane(buf, r, Pane::Composer, t, state, theme);
        let summary = state.settings.summary();
        if !summary.is_empty() && r.height >= 3 && r.width > 4 {
            let s = Line::styled(format!(" {summary} "), theme.dim);
            buf.set_line(r.x + 2, r.bottom() - 1, &s, r.width - 4);
        }
        composer::render(&state.composer, i, buf);
    }
    if let Some(r) = a.inspector {
        let n = state.chat.turns.len();
        let text = match (state.selected_turn(), &state.compare.active) {
            (Some(_), Some(c)) => match c.focused_lane() {
                Some(i) => format!("Inspector · {}", c.name(i)),
                None => "Inspector".into(),
            },
            // Its place in the conversation, not its id: ids keep counting across a
            // new conversation or a resumed one.
            (Some(t), None) => {
                let at = state.chat.turns.iter().position(|x| x.id == t.id);
                format!("Inspector · turn {} of {n}", at.map_or(n, |i| i + 1))
            }
            (None, _) => "Inspector".into(),
        };
        let t = title(text, state.focus == Pane::Inspector);
        let i = draw_pane(buf, r, Pane::Inspector, t, state, theme);
        inspector::render(&state.inspector, state.selected_turn(), theme, i, buf);
    }
    if let Some(r) = a.meter {
        let t = title("Meter".into(), state.focus == Pane::Meter);
        let i = draw_pane(buf, r, Pane::Meter, t, state, theme);
        meter::render(state, theme, i, buf);
    }
    if let Some(r) = a.footer {
        footer::render(state, theme, r, buf);
    }
    if state.overlays.contains(&Overlay::History) {
        let h = &state.history;
        super::pane::history::render(&h.status, &h.browser, theme, area, buf);
    }
    // The inspector's request editor, over the panes.
    super::pane::timeline::render_editor(&state.inspector.debug, theme, area, buf);
    if let Some(Overlay::Help { top }) = state.overlays.last() {
        help::render(state, *top, theme, area, buf);
    }
    if let Some(Overlay::ConfirmSend) = state.overlays.last() {
        super::pane::confirm::render(state, theme, area, buf);
    }
    if let Some(Overlay::Palette(p)) = state.overlays.last() {
        super::pane::palette::render(state, p, theme, area, buf);
    }
    if theme.no_color {
        strip_colours(buf);
    }
}

/// With `NO_COLOR`, no cell keeps a colour (syntax highlighting included).
fn strip_colours(buf: &mut Buffer) {
    for cell in &mut buf.content {
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}
