//! The command palette, the mouse toggle, key overrides as the help, footer and palette
//! show them, and the themes: each shipped theme drawn, and `NO_COLOR` drawn with
//! modifiers only (the selection in reverse video).

mod tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use switchboard::config::Config;
use switchboard::tui::action::Action;
use switchboard::tui::app::draw;
use switchboard::tui::effect::Effect;
use switchboard::tui::msg::Msg;
use switchboard::tui::pane::{footer, palette};
use switchboard::tui::setup::keymap_for;
use switchboard::tui::state::{Overlay, Pane, State};
use switchboard::tui::theme::Theme;
use switchboard::tui::theme_file;
use switchboard::tui::ui::Look;
use switchboard::tui::update::update;
use tui_support::{key, state, type_text};

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

fn palette_query(s: &State) -> Option<(String, usize)> {
    match s.overlays.last() {
        Some(Overlay::Palette(p)) => Some((p.query.clone(), p.selected)),
        _ => None,
    }
}

fn screen(s: &mut State, theme: Theme, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    draw(&mut terminal, s, &Look::new(theme)).unwrap();
    terminal.backend().buffer().clone()
}

fn rows(buf: &Buffer) -> Vec<String> {
    let w = usize::from(buf.area.width);
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        let mut row = String::new();
        let mut skip = 0;
        for x in 0..w {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x as u16, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            row.push_str(sym);
        }
        out.push(row.trim_end().to_string());
    }
    out
}

/// The screen's text with, under each row that has styled cells, a row of marks:
/// R reversed, B bold, U underlined, I italic, D dim (the strongest one shown).
fn with_modifiers(buf: &Buffer) -> String {
    let text = rows(buf);
    let mut out = String::new();
    for (y, row) in text.iter().enumerate() {
        out.push_str(row);
        out.push('\n');
        let marks: String = (0..buf.area.width)
            .map(|x| {
                let m = buf[(x, y as u16)].modifier;
                [
                    (Modifier::REVERSED, 'R'),
                    (Modifier::BOLD, 'B'),
                    (Modifier::UNDERLINED, 'U'),
                    (Modifier::ITALIC, 'I'),
                    (Modifier::DIM, 'D'),
                ]
                .into_iter()
                .find(|(f, _)| m.contains(*f))
                .map_or(' ', |(_, c)| c)
            })
            .collect();
        if marks.trim().chars().any(|c| c != 'D') || marks.contains('R') {
            out.push_str(marks.trim_end());
            out.push('\n');
        }
    }
    out
}

#[test]
fn colon_opens_the_palette_outside_the_composer_and_ctrl_p_everywhere() {
    let mut s = state();
    assert_eq!(s.focus, Pane::Composer);
    key(&mut s, KeyCode::Char(':'), NONE);
    assert_eq!(palette_query(&s), None, "in the composer `:` is text");
    assert_eq!(s.composer.text(), ":");
    key(&mut s, KeyCode::Char('p'), CTRL);
    assert_eq!(palette_query(&s), Some((String::new(), 0)));
    key(&mut s, KeyCode::Esc, NONE);
    assert_eq!(palette_query(&s), None);
    assert_eq!(s.composer.text(), ":", "closing changes nothing else");

    s.focus = Pane::Chat;
    key(&mut s, KeyCode::Char(':'), NONE);
    assert!(palette_query(&s).is_some());
}

#[test]
fn typing_filters_fuzzily_and_enter_runs_the_selected_action() {
    let mut s = state();
    s.focus = Pane::Chat;
    key(&mut s, KeyCode::Char(':'), NONE);
    type_text(&mut s, "mouse");
    let list = palette::entries(&s, "mouse");
    assert_eq!(list[0].action, Action::ToggleMouse, "{list:?}");
    assert_eq!(palette_query(&s), Some(("mouse".into(), 0)));
    let fx = key(&mut s, KeyCode::Enter, NONE);
    assert!(
        matches!(fx.as_slice(), [Effect::MouseCapture(false)]),
        "{fx:?}"
    );
    assert!(!s.mouse_capture);
    assert_eq!(palette_query(&s), None, "running closes the palette");

    // Moving the selection, and Backspace widening the filter again.
    key(&mut s, KeyCode::Char('p'), CTRL);
    type_text(&mut s, "zoomx");
    assert!(palette::entries(&s, "zoomx").is_empty());
    key(&mut s, KeyCode::Backspace, NONE);
    let zoom = palette::entries(&s, "zoom");
    assert!(zoom.len() >= 2, "{zoom:?}");
    key(&mut s, KeyCode::Down, NONE);
    assert_eq!(palette_query(&s), Some(("zoom".into(), 1)));
    key(&mut s, KeyCode::Char('n'), CTRL);
    assert_eq!(
        palette_query(&s),
        Some(("zoom".into(), 1)),
        "bounded at the last"
    );
    key(&mut s, KeyCode::Up, NONE);
    assert_eq!(palette_query(&s), Some(("zoom".into(), 0)));
    key(&mut s, KeyCode::Char('n'), CTRL);
    assert_eq!(palette_query(&s), Some(("zoom".into(), 1)));
    key(&mut s, KeyCode::Up, NONE);
    assert_eq!(zoom[0].action, Action::ZoomInspector, "{zoom:?}");
    assert!(!s.show.zoom);
    key(&mut s, KeyCode::Enter, NONE);
    assert!(s.show.zoom, "zoom-inspector ran");
}

#[test]
fn the_palette_lists_every_action_with_its_key() {
    let s = state();
    let list = palette::entries(&s, "");
    let quit = list.iter().find(|e| e.action == Action::Quit).unwrap();
    assert_eq!(quit.key, "Ctrl+Q", "plain q is text in the composer");
    let zoom = list.iter().find(|e| e.action == Action::ZoomCatalog);
    assert!(
        zoom.is_none_or(|e| e.key.contains("in catalog")),
        "{zoom:?}"
    );
    for a in [Action::Palette, Action::Run, Action::Close] {
        assert!(
            list.iter().all(|e| e.action != a),
            "{a:?} is the palette's own"
        );
    }
    assert!(list.iter().any(|e| e.action == Action::ToggleReasoning));
    // An action whose only keys are inside another overlay is not offered.
    assert!(list.iter().all(|e| e.action != Action::DeleteEntry));
}

#[test]
fn palette_snapshot() {
    let mut s = state();
    s.focus = Pane::Chat;
    key(&mut s, KeyCode::Char(':'), NONE);
    type_text(&mut s, "tog");
    key(&mut s, KeyCode::Down, NONE);
    let buf = screen(&mut s, Theme::dark(), 100, 24);
    insta::assert_snapshot!(rows(&buf).join("\n"));
}

#[test]
fn the_mouse_toggle_says_so_in_the_footer() {
    let mut s = state();
    let fx = update(&mut s, Msg::Action(Action::ToggleMouse));
    assert!(matches!(fx.as_slice(), [Effect::MouseCapture(false)]));
    let buf = screen(&mut s, Theme::dark(), 120, 24);
    let footer = rows(&buf).pop().unwrap();
    assert!(
        footer.starts_with("mouse off F6 │ mouse off: select"),
        "{footer}"
    );
    let fx = update(&mut s, Msg::Action(Action::ToggleMouse));
    assert!(matches!(fx.as_slice(), [Effect::MouseCapture(true)]));
    let buf = screen(&mut s, Theme::dark(), 120, 24);
    assert!(!rows(&buf).pop().unwrap().starts_with("mouse off"));
}

#[test]
fn overrides_show_in_the_help_footer_and_palette() {
    let config: Config = switchboard::config::parse(
        "[keys.global]\nquit = \"ctrl-x\"\nhelp = \"f12\"\npalette = \"ctrl-k\"\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap();
    let (km, notes) = keymap_for(&config, None);
    assert!(notes.is_empty(), "{notes:?}");
    let mut s = state();
    s.keymap = km;
    let hints = footer::hints(&s);
    assert!(hints.contains(&("Ctrl+X".to_string(), "quit")), "{hints:?}");
    assert!(hints.contains(&("F12".to_string(), "help")), "{hints:?}");
    assert!(!hints.iter().any(|(k, _)| k == "Ctrl+Q"));
    key(&mut s, KeyCode::Char('p'), CTRL);
    assert_eq!(palette_query(&s), None, "Ctrl+P was replaced");
    key(&mut s, KeyCode::Char('k'), CTRL);
    assert!(palette_query(&s).is_some());
    let quit = palette::entries(&s, "quit");
    assert_eq!(quit[0].key, "Ctrl+X");
    key(&mut s, KeyCode::Esc, NONE);
    key(&mut s, KeyCode::F(12), NONE);
    let buf = screen(&mut s, Theme::dark(), 110, 40);
    insta::assert_snapshot!("help_with_overrides", rows(&buf).join("\n"));
}

#[test]
fn vim_and_arrow_keys_both_scroll() {
    let mut s = state();
    s.focus = Pane::Catalog;
    let first = s.catalog.selected;
    key(&mut s, KeyCode::Char('j'), NONE);
    let after_j = s.catalog.selected;
    key(&mut s, KeyCode::Char('k'), NONE);
    assert_eq!(s.catalog.selected, first);
    key(&mut s, KeyCode::Down, NONE);
    assert_eq!(s.catalog.selected, after_j);
    for (k, m, a) in [
        (KeyCode::Char('d'), CTRL, Action::PageDown),
        (KeyCode::Char('u'), CTRL, Action::PageUp),
        (KeyCode::Char('g'), NONE, Action::Top),
        (KeyCode::Char('G'), KeyModifiers::SHIFT, Action::Bottom),
    ] {
        let chord = switchboard::tui::keymap::KeyChord::new(k, m);
        for scope in [
            switchboard::tui::keymap::Scope::Catalog,
            switchboard::tui::keymap::Scope::Chat,
            switchboard::tui::keymap::Scope::Inspector,
        ] {
            assert_eq!(s.keymap.lookup(scope, chord), Some(a), "{scope:?} {k:?}");
        }
    }
}

#[test]
fn no_color_is_monochrome_with_reverse_video_selection() {
    let mut s = state();
    s.focus = Pane::Catalog;
    key(&mut s, KeyCode::Char('j'), NONE);
    let buf = screen(&mut s, Theme::monochrome(), 100, 20);
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    let dump = with_modifiers(&buf);
    assert!(
        dump.contains('R'),
        "the selection is in reverse video:\n{dump}"
    );
    insta::assert_snapshot!("no_color_catalog", dump);

    key(&mut s, KeyCode::Char(':'), NONE);
    type_text(&mut s, "help");
    let buf = screen(&mut s, Theme::monochrome(), 100, 20);
    insta::assert_snapshot!("no_color_palette", with_modifiers(&buf));
}

#[test]
fn each_shipped_theme_draws_its_own_colours() {
    let mut seen = Vec::new();
    for name in theme_file::builtin_names() {
        let theme = theme_file::find(name, None).unwrap();
        let selected = theme.selected;
        let mut s = state();
        s.focus = Pane::Catalog;
        let buf = screen(&mut s, theme, 100, 20);
        // The focused pane's border is drawn in the theme's colour.
        let corner = &buf[(0, 0)];
        seen.push((name, corner.fg, corner.modifier));
        // The catalog's selected row carries the theme's selection style.
        let marked = buf.content.iter().find(|c| match selected.bg {
            Some(bg) => c.bg == bg,
            None => c.modifier.contains(Modifier::REVERSED),
        });
        let marked = marked.unwrap_or_else(|| panic!("{name}: no cell shows the selection"));
        // The text, then the styles of the cells that tell the themes apart.
        let style =
            |c: &ratatui::buffer::Cell| format!("fg {:?} bg {:?} {:?}", c.fg, c.bg, c.modifier);
        let footer_key = &buf[(0, 19)];
        let legend = format!(
            "focused border: {}\nselected row:   {}\nfooter key:     {}\nunfocused border: {}",
            style(corner),
            style(marked),
            style(footer_key),
            style(&buf[(24, 0)]),
        );
        insta::assert_snapshot!(
            format!("theme_{name}"),
            format!("{}\n{legend}", rows(&buf).join("\n"))
        );
    }
    seen.dedup_by_key(|(_, fg, m)| (*fg, *m));
    assert_eq!(seen.len(), 3, "three themes, three looks: {seen:?}");
}
