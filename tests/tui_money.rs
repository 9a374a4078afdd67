//! The catalog pane's sorts, filters and refresh, the estimate before sending, and the
//! run's budget: `update` with messages in and state and effects out; snapshots of the
//! catalog (wide with every column, and at 20 columns) and of the meter with an estimate
//! and a budget warning.

mod tui_support;

use std::str::FromStr;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use switchboard::llm::catalog::{Capabilities, ModelInfo, Origin, Source};
use switchboard::llm::money::{Budget, Currency, Money, Price};
use switchboard::llm::provider::ModelRef;
use switchboard::llm::tokens::{EstimateMethod, PromptEstimate};
use switchboard::tui::action::Action;
use switchboard::tui::app::draw;
use switchboard::tui::costs::ESTIMATE_EVERY;
use switchboard::tui::effect::Effect;
use switchboard::tui::keymap::Keymap;
use switchboard::tui::msg::Msg;
use switchboard::tui::state::{Overlay, Pane, State};
use switchboard::tui::theme::Theme;
use switchboard::tui::ui::Look;
use switchboard::tui::update::update;
use tui_support::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A model of `provider` with a price, context, max output, capabilities and a price source.
fn priced(
    provider: &str,
    id: &str,
    (currency, input, output): (Currency, &str, &str),
    ctx: u64,
    caps: (bool, bool, bool),
    live_at: Option<u64>,
) -> ModelInfo {
    let mut m = ModelInfo {
        provider: provider.into(),
        id: id.into(),
        context_window: Some(ctx),
        max_output: Some(ctx / 4),
        capabilities: Capabilities {
            reasoning: Some(caps.0),
            tools: Some(caps.1),
            vision: Some(caps.2),
            ..Capabilities::default()
        },
        price: Some(Price::per_mtok(currency, d(input), d(output))),
        ..ModelInfo::default()
    };
    let (origin, fetched_at) = match live_at {
        Some(at) => (Origin::Live, Some(at)),
        None => (Origin::Bundled, None),
    };
    m.sources.insert(
        "price".into(),
        Source {
            origin,
            detail: "test".into(),
            fetched_at,
        },
    );
    m
}

const NOW_UNIX: u64 = 1_800_000_000;

/// A catalog of two providers in two currencies, no bundled files involved.
fn catalog_state() -> State {
    let t0 = Instant::now();
    let mut s = State::new(
        ModelRef::parse("gw/mid").unwrap(),
        &["gw".into(), "cn".into()],
        Keymap::builtin().unwrap(),
        t0,
    );
    s.catalog.clock = Some((t0, NOW_UNIX));
    let gw = vec![
        priced(
            "gw",
            "big",
            (Currency::Usd, "5", "25"),
            1_000_000,
            (true, true, true),
            Some(NOW_UNIX - 3 * 3600),
        ),
        priced(
            "gw",
            "mid",
            (Currency::Usd, "1", "4"),
            200_000,
            (true, true, false),
            Some(NOW_UNIX - 2 * 86_400),
        ),
        priced(
            "gw",
            "tiny",
            (Currency::Usd, "0.05", "0.4"),
            32_000,
            (false, false, false),
            None,
        ),
    ];
    let cn = vec![
        priced(
            "cn",
            "glm",
            (Currency::Cny, "2", "8"),
            128_000,
            (true, true, false),
            None,
        ),
        priced(
            "cn",
            "kimi",
            (Currency::Rub, "45.3", "90.6"),
            256_000,
            (false, true, true),
            Some(NOW_UNIX - 60),
        ),
    ];
    update(
        &mut s,
        Msg::Models {
            provider: "gw".into(),
            result: Ok(gw),
        },
    );
    update(
        &mut s,
        Msg::Models {
            provider: "cn".into(),
            result: Ok(cn),
        },
    );
    s.focus = Pane::Catalog;
    s
}

fn shown(s: &State) -> Vec<String> {
    s.catalog
        .entries
        .iter()
        .filter_map(|e| match e {
            switchboard::tui::pane::catalog::Entry::Model(i) => {
                let m = &s.catalog.models[*i];
                Some(format!("{}/{}", m.provider, m.id))
            }
            _ => None,
        })
        .collect()
}

fn act(s: &mut State, a: Action) -> Vec<Effect> {
    update(s, Msg::Action(a))
}

fn render(s: &mut State, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    draw(&mut terminal, s, &Look::new(Theme::dark())).unwrap();
    terminal.backend().to_string()
}

#[test]
fn sorts_cycle_and_group_currencies() {
    let mut s = catalog_state();
    assert_eq!(s.catalog.title(), "by provider");
    assert_eq!(
        shown(&s),
        ["gw/big", "gw/mid", "gw/tiny", "cn/glm", "cn/kimi"]
    );
    act(&mut s, Action::SortCatalog);
    assert_eq!(s.catalog.title(), "by input");
    // Cheapest first within a currency; USD, then RUB, then CNY (never compared as numbers).
    assert_eq!(
        shown(&s),
        ["gw/tiny", "gw/mid", "gw/big", "cn/kimi", "cn/glm"]
    );
    act(&mut s, Action::SortCatalog);
    assert_eq!(s.catalog.title(), "by output");
    act(&mut s, Action::SortCatalog);
    assert_eq!(s.catalog.title(), "by blended");
    act(&mut s, Action::SortCatalog);
    assert_eq!(s.catalog.title(), "by context");
    assert_eq!(
        shown(&s),
        ["gw/big", "cn/kimi", "gw/mid", "cn/glm", "gw/tiny"]
    );
    act(&mut s, Action::SortCatalog);
    assert_eq!(
        shown(&s),
        ["gw/big", "cn/glm", "cn/kimi", "gw/mid", "gw/tiny"]
    );
    act(&mut s, Action::SortCatalog);
    assert_eq!(s.catalog.title(), "by provider");
    act(&mut s, Action::SortCatalog);
    assert_eq!(s.catalog.sort, None);
    // The selection stays on the same model across sorts.
    let picked = s.catalog.selected_model().map(|m| m.id.clone());
    act(&mut s, Action::SortCatalog);
    assert_eq!(s.catalog.selected_model().map(|m| m.id.clone()), picked);
}

#[test]
fn capability_provider_and_text_filters_combine() {
    let mut s = catalog_state();
    act(&mut s, Action::FilterCapability);
    assert_eq!(s.catalog.capability, Some("reasoning"));
    assert_eq!(shown(&s), ["gw/big", "gw/mid", "cn/glm"]);
    act(&mut s, Action::FilterCapability);
    assert_eq!(shown(&s), ["gw/big", "gw/mid", "cn/glm", "cn/kimi"]);
    act(&mut s, Action::FilterCapability);
    assert_eq!(s.catalog.title(), "by provider · vision");
    assert_eq!(shown(&s), ["gw/big", "cn/kimi"]);
    act(&mut s, Action::FilterProvider);
    assert_eq!(s.catalog.title(), "by provider · vision · only gw");
    assert_eq!(shown(&s), ["gw/big"]);
    act(&mut s, Action::FilterProvider);
    assert_eq!(shown(&s), ["cn/kimi"]);
    act(&mut s, Action::FilterProvider);
    act(&mut s, Action::FilterCapability);
    assert_eq!(s.catalog.capability, None);
    assert_eq!(s.catalog.provider, None);
    // The fuzzy text filter still works, over the other filters.
    act(&mut s, Action::Filter);
    for c in "kim".chars() {
        key(&mut s, KeyCode::Char(c), KeyModifiers::NONE);
    }
    assert_eq!(shown(&s), ["cn/kimi"]);
}

#[test]
fn refresh_asks_for_the_selected_provider_and_a_failure_keeps_the_list() {
    let mut s = catalog_state();
    act(&mut s, Action::Bottom);
    assert_eq!(s.catalog.selected_provider(), Some("cn"));
    let effects = key(&mut s, KeyCode::Char('R'), KeyModifiers::SHIFT);
    match effects.as_slice() {
        [Effect::RefreshModels { provider, .. }] => assert_eq!(provider, "cn"),
        other => panic!("expected one RefreshModels, got {other:?}"),
    }
    assert_eq!(s.catalog.refreshing, ["cn"]);
    update(
        &mut s,
        Msg::Refreshed {
            provider: "cn".into(),
            result: Err("HTTP 503 Service Unavailable: try later".into()),
        },
    );
    assert!(s.catalog.refreshing.is_empty());
    assert_eq!(shown(&s).len(), 5, "the list before the refresh is kept");
    let notice = s.notice.clone().unwrap();
    assert!(
        notice.error && notice.text.contains("HTTP 503"),
        "{notice:?}"
    );
    assert!(s.catalog.refresh_error("cn").unwrap().contains("503"));
    // A good refresh replaces the list and clears the failure.
    let fresh = vec![priced(
        "cn",
        "glm-5",
        (Currency::Cny, "4", "18"),
        200_000,
        (true, true, false),
        Some(NOW_UNIX),
    )];
    update(
        &mut s,
        Msg::Refreshed {
            provider: "cn".into(),
            result: Ok(fresh),
        },
    );
    assert_eq!(shown(&s), ["gw/big", "gw/mid", "gw/tiny", "cn/glm-5"]);
    assert_eq!(s.catalog.refresh_error("cn"), None);
}

#[test]
fn the_catalog_wide_with_every_column_and_at_20_columns() {
    let mut s = catalog_state();
    act(&mut s, Action::ZoomCatalog);
    act(&mut s, Action::SortCatalog);
    insta::assert_snapshot!("catalog_wide_by_input", render(&mut s, 100, 14));
    act(&mut s, Action::ZoomCatalog);
    insta::assert_snapshot!("catalog_20_columns", render(&mut s, 20, 14));
    // Every size down to nothing draws without a panic.
    for w in [1, 2, 5, 19, 21, 40, 59, 60, 61, 200] {
        for h in [1, 3, 8] {
            render(&mut s, w, h);
        }
    }
}

#[test]
fn typing_estimates_at_most_every_100_ms() {
    let mut s = state();
    let t0 = s.now;
    let effects = key(&mut s, KeyCode::Char('h'), KeyModifiers::NONE);
    let key0 = match effects.as_slice() {
        [Effect::Estimate { key, model, chat }] => {
            assert_eq!(model.to_string(), "demo/demo-fast");
            assert_eq!(chat.messages.last().unwrap().joined_text(), "h");
            *key
        }
        other => panic!("expected one Estimate, got {other:?}"),
    };
    // Typing while it runs asks for nothing more.
    assert!(key(&mut s, KeyCode::Char('i'), KeyModifiers::NONE).is_empty());
    let prompt = PromptEstimate {
        tokens: 7,
        method: EstimateMethod::Approximate,
    };
    let model = ModelRef::parse("demo/demo-fast").unwrap();
    s.now = t0 + Duration::from_millis(30);
    let effects = update(
        &mut s,
        Msg::Estimated {
            key: key0,
            model: model.clone(),
            prompt,
        },
    );
    // The text changed meanwhile, but only 30 ms passed: a wake-up, not an estimate.
    match effects.as_slice() {
        [Effect::Wake { after }] => assert_eq!(*after, ESTIMATE_EVERY - Duration::from_millis(30)),
        other => panic!("expected one Wake, got {other:?}"),
    }
    assert!(key(&mut s, KeyCode::Char('!'), KeyModifiers::NONE).is_empty());
    s.now = t0 + ESTIMATE_EVERY;
    let effects = update(&mut s, Msg::Tick);
    let [Effect::Estimate { chat, .. }] = effects.as_slice() else {
        panic!("expected one Estimate, got {effects:?}");
    };
    assert_eq!(chat.messages.last().unwrap().joined_text(), "hi!");
    // Nothing typed: nothing estimated.
    let mut empty = state();
    assert!(update(&mut empty, Msg::Tick).is_empty());
}

fn budget_state(limit: &str) -> State {
    let mut s = state();
    s.costs.budget = Budget::default().with_limit(Money::new(d(limit), Currency::Usd));
    // demo-fast: $0.10 in / $0.40 out per 1M; max output from the catalog.
    let info = ModelInfo {
        provider: "demo".into(),
        id: "demo-fast".into(),
        context_window: Some(128_000),
        max_output: Some(8_192),
        price: Some(Price::per_mtok(Currency::Usd, d("0.10"), d("0.40"))),
        ..ModelInfo::default()
    };
    update(
        &mut s,
        Msg::Models {
            provider: "demo".into(),
            result: Ok(vec![info]),
        },
    );
    s
}

#[test]
fn a_request_that_could_pass_the_budget_is_sent_only_on_yes() {
    // At most: 8,192 output tokens at $0.40/1M = $0.0032768, plus the prompt.
    let mut s = budget_state("0.003");
    type_text(&mut s, "hello");
    let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Send { .. })),
        "{effects:?}"
    );
    assert_eq!(s.overlays.last(), Some(&Overlay::ConfirmSend));
    let reason = s.costs.pending.as_ref().unwrap().reason.clone();
    assert!(reason.contains("$0.003"), "{reason}");
    insta::assert_snapshot!("budget_question", render(&mut s, 80, 16));
    render(&mut s, 20, 6);
    // No: nothing is sent and the prompt stays.
    let effects = key(&mut s, KeyCode::Char('n'), KeyModifiers::NONE);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Send { .. })));
    assert!(s.overlays.is_empty());
    assert_eq!(s.composer.text(), "hello");
    assert!(s.chat.turns.is_empty());
    // Esc answers no as well.
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(s.overlays.is_empty() && s.costs.pending.is_none());
    // Yes: sent, as it was asked about.
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    let effects = key(&mut s, KeyCode::Char('y'), KeyModifiers::NONE);
    let [Effect::Send { chat, .. }] = effects.as_slice() else {
        panic!("expected one Send, got {effects:?}");
    };
    assert_eq!(chat.messages.last().unwrap().joined_text(), "hello");
    assert!(s.composer.is_empty());
    assert_eq!(s.chat.turns.len(), 1);
}

#[test]
fn under_the_budget_sends_at_once_and_spending_80_percent_warns() {
    let mut s = budget_state("0.01");
    // /max 100 keeps the bound small: well under the limit.
    type_text(&mut s, "/max 100");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    let (turn, _) = send(&mut s, "hello");
    // 20,000 in at $0.10 + 1,000 out at $0.40 per 1M = $0.0024 (24%).
    update(
        &mut s,
        Msg::Done {
            turn,
            result: Ok(exchange(Some(usage(20_000, 1_000)), None)),
        },
    );
    assert!(s.notice.as_ref().is_none_or(|n| !n.text.contains("budget")));
    let (turn, _) = send(&mut s, "again");
    // + $0.0060 = $0.0084: 84% of $0.01.
    update(
        &mut s,
        Msg::Done {
            turn,
            result: Ok(exchange(Some(usage(52_000, 2_000)), None)),
        },
    );
    let n = s.notice.clone().unwrap();
    assert!(n.text.contains("84") && n.text.contains("budget"), "{n:?}");
    insta::assert_snapshot!("meter_budget_warning", render(&mut s, 120, 40));
}

#[test]
fn the_meter_shows_the_estimate_the_bound_and_the_most_it_can_cost() {
    let mut s = budget_state("5");
    let effects = {
        type_text(&mut s, "How do I stream tokens?");
        // The first keystroke's estimate; the later ones wait for it.
        let key0 = s.costs.running.unwrap();
        let model = ModelRef::parse("demo/demo-fast").unwrap();
        let prompt = PromptEstimate {
            tokens: 1_234,
            method: EstimateMethod::Approximate,
        };
        update(
            &mut s,
            Msg::Estimated {
                key: key0,
                model,
                prompt,
            },
        )
    };
    assert!(
        effects
            .iter()
            .all(|e| matches!(e, Effect::Wake { .. } | Effect::Estimate { .. }))
    );
    // ≤ 1,234 × $0.10/1M + 8,192 × $0.40/1M = $0.0001234 + $0.0032768 = $0.0034002.
    let screen = render(&mut s, 120, 40);
    assert!(screen.contains("≈1,234"), "{screen}");
    assert!(screen.contains("≤ $0.0034"), "{screen}");
    assert!(screen.contains("max (catalog)"), "{screen}");
    insta::assert_snapshot!("meter_estimate", screen);
}

#[test]
fn the_estimate_counts_the_whole_conversation_that_would_be_sent() {
    let mut s = state();
    let (turn, _) = send(&mut s, "first question");
    text(&mut s, turn, "first answer", 10_000);
    update(
        &mut s,
        Msg::Done {
            turn,
            result: Ok(exchange(Some(usage(10, 3)), None)),
        },
    );
    s.now += Duration::from_secs(1);
    let effects = key(&mut s, KeyCode::Char('?'), KeyModifiers::SHIFT);
    let [Effect::Estimate { chat, .. }] = effects.as_slice() else {
        panic!("expected one Estimate, got {effects:?}");
    };
    let texts: Vec<String> = chat.messages.iter().map(|m| m.joined_text()).collect();
    assert_eq!(texts, ["first question", "first answer", "?"]);
    // While a turn streams, nothing is estimated.
    let mut s = state();
    type_text(&mut s, "x");
    let effects = key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(matches!(effects.as_slice(), [Effect::Send { .. }]));
    s.now += Duration::from_secs(1);
    let typed = key(&mut s, KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(
        typed.iter().all(|e| !matches!(e, Effect::Estimate { .. })),
        "{typed:?}"
    );
}
