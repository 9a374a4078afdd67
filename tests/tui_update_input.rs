//! `update` as a function, for input: history recall, newlines and paste, focus, the
//! catalog filter, quitting, `/commands`, help, the mouse.

mod tui_support;

use crossterm::event::{KeyCode, KeyModifiers};
use switchboard::llm::catalog::ModelInfo;
use switchboard::llm::chat::Role;
use switchboard::tui::msg::Msg;
use switchboard::tui::state::Pane;
use switchboard::tui::turn::TurnStatus;
use switchboard::tui::update::update;
use tui_support::*;

#[test]
fn up_on_an_empty_composer_recalls_the_last_prompt() {
    let mut s = state();
    let (t1, _) = send(&mut s, "first prompt");
    update(
        &mut s,
        Msg::Done {
            turn: t1,
            result: Ok(exchange(None, None)),
        },
    );
    key(&mut s, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(s.composer.text(), "first prompt");
    key(&mut s, KeyCode::Down, KeyModifiers::NONE);
    assert_eq!(s.composer.text(), "");
    // With text in it, Up moves the cursor instead.
    type_text(&mut s, "draft");
    key(&mut s, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(s.composer.text(), "draft");
}

#[test]
fn newline_keys_and_paste_make_multi_line_prompts() {
    let mut s = state();
    type_text(&mut s, "a");
    key(&mut s, KeyCode::Enter, KeyModifiers::ALT);
    type_text(&mut s, "b");
    key(&mut s, KeyCode::Char('j'), KeyModifiers::CONTROL);
    type_text(&mut s, "c");
    key(&mut s, KeyCode::Enter, KeyModifiers::SHIFT);
    update(&mut s, Msg::Paste("d\r\ne".into()));
    assert_eq!(s.composer.text(), "a\nb\nc\nd\ne");
}

#[test]
fn tab_cycles_focus_over_the_shown_panes() {
    let mut s = state();
    assert_eq!(s.focus, Pane::Composer);
    let mut seen = Vec::new();
    for _ in 0..5 {
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
        seen.push(s.focus);
    }
    assert_eq!(
        seen,
        [
            Pane::Inspector,
            Pane::Meter,
            Pane::Catalog,
            Pane::Chat,
            Pane::Composer
        ]
    );
    key(&mut s, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(s.focus, Pane::Chat);
    // Hidden panes are skipped.
    key(&mut s, KeyCode::F(3), KeyModifiers::NONE);
    key(&mut s, KeyCode::F(4), KeyModifiers::NONE);
    let mut seen = Vec::new();
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
        seen.push(s.focus);
    }
    assert_eq!(seen, [Pane::Composer, Pane::Catalog, Pane::Chat]);
}

#[test]
fn catalog_filter_takes_text_and_enter_picks() {
    let mut s = state();
    let more = ["demo-coder", "demo-reasoner"].map(|id| ModelInfo {
        provider: "demo".into(),
        id: id.into(),
        ..ModelInfo::default()
    });
    let mut all = vec![s.catalog.models[0].clone()];
    all.extend(more);
    update(
        &mut s,
        Msg::Models {
            provider: "demo".into(),
            result: Ok(all),
        },
    );
    key(&mut s, KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(s.focus, Pane::Catalog);
    key(&mut s, KeyCode::Char('/'), KeyModifiers::NONE);
    type_text(&mut s, "rsnq");
    assert!(!s.quit, "q is filter text while filtering");
    key(&mut s, KeyCode::Backspace, KeyModifiers::NONE);
    assert_eq!(s.catalog.filter, "rsn");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.model.to_string(), "demo/demo-reasoner");
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(s.catalog.filter.is_empty());
}

#[test]
fn q_types_in_the_composer_and_quits_elsewhere_cancelling_streams() {
    let mut s = state();
    type_text(&mut s, "q?");
    assert_eq!(s.composer.text(), "q?");
    assert!(!s.quit && s.overlays.is_empty());
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    let TurnStatus::Streaming { cancel } = s.chat.turns[0].status.clone() else {
        panic!()
    };
    key(&mut s, KeyCode::Tab, KeyModifiers::NONE);
    key(&mut s, KeyCode::Char('q'), KeyModifiers::NONE);
    assert!(s.quit);
    assert!(cancel.is_cancelled());
    assert!(s.root.is_cancelled());
}

#[test]
fn commands_set_parameters_and_are_not_sent() {
    let mut s = state();
    for cmd in ["/temp 0.7", "/max 256", "/effort low", "/system Be terse."] {
        type_text(&mut s, cmd);
        assert!(key(&mut s, KeyCode::Enter, KeyModifiers::NONE).is_empty());
    }
    assert_eq!(s.settings.params.temperature, Some(0.7));
    assert_eq!(s.settings.params.max_tokens, Some(256));
    assert_eq!(s.settings.system.as_deref(), Some("Be terse."));
    let (_, msgs) = send(&mut s, "hi");
    assert_eq!(msgs[0], (Role::System, "Be terse.".to_string()));
    type_text(&mut s, "/nonsense");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(s.notice.as_ref().is_some_and(|n| n.error));
    assert_eq!(
        s.composer.text(),
        "/nonsense",
        "a bad command stays to be fixed"
    );
}

#[test]
fn help_opens_from_the_keymap_and_closes() {
    let mut s = state();
    key(&mut s, KeyCode::F(1), KeyModifiers::NONE);
    assert_eq!(s.overlays.len(), 1);
    type_text(&mut s, "x");
    assert!(s.composer.is_empty(), "the overlay takes the keys");
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(s.overlays.is_empty());
}

#[test]
fn mouse_clicks_focus_and_the_wheel_scrolls_the_pane_under_it() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    use ratatui::layout::Rect;
    use switchboard::tui::theme::Theme;
    use switchboard::tui::ui::{Look, layout, prepare};

    let mut s = state();
    let (t1, _) = send(&mut s, "long");
    for i in 0..200 {
        text(&mut s, t1, &format!("line {i}\n\n"), i);
    }
    let screen = Rect::new(0, 0, 120, 30);
    prepare(&mut s, &Look::new(Theme::dark()), screen);
    let areas = layout(screen, &s);
    let mouse = |kind, r: Rect| {
        Msg::Mouse(MouseEvent {
            kind,
            column: r.x + 2,
            row: r.y + 2,
            modifiers: KeyModifiers::NONE,
        })
    };
    let catalog = areas.catalog.unwrap();
    update(
        &mut s,
        mouse(MouseEventKind::Down(MouseButton::Left), catalog),
    );
    assert_eq!(s.focus, Pane::Catalog);
    let chat = areas.chat.unwrap();
    assert!(s.chat.scroll.follow);
    update(&mut s, mouse(MouseEventKind::ScrollUp, chat));
    assert!(
        !s.chat.scroll.follow,
        "the wheel scrolled the conversation up"
    );
    assert_eq!(s.focus, Pane::Catalog, "the wheel does not move the focus");
    update(&mut s, mouse(MouseEventKind::ScrollDown, chat));
    update(&mut s, mouse(MouseEventKind::Down(MouseButton::Left), chat));
    assert_eq!(s.focus, Pane::Chat);
}
