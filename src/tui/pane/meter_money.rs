//! The meter's money lines: the next request (prompt estimate, the most it can cost, the
//! context it fills), the budget per currency, the account of a provider with account
//! endpoints, and a turn's exact and reported cost checked against the computed one.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use rust_decimal::Decimal;

use super::meter::{row, thousands};
use crate::llm::money::{CostCheck, Money, compare_reported};
use crate::llm::tokens::EstimateMethod;
use crate::tui::costs::{MaxFrom, composing, max_cost_for};
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::turn::Turn;

/// A context gauge: `███░░░  12%`.
pub fn gauge(used: u64, window: u64, width: usize, theme: &Theme) -> Line<'static> {
    let frac = (used as f64 / window.max(1) as f64).clamp(0.0, 1.0);
    let bar_w = width.saturating_sub(6).max(1);
    let filled = ((frac * bar_w as f64).round() as usize).min(bar_w);
    let style = if used > window {
        theme.error
    } else {
        theme.gauge
    };
    Line::from(vec![
        Span::styled("█".repeat(filled), style),
        Span::styled("░".repeat(bar_w - filled), theme.dim),
        Span::raw(format!(" {:>3.0}%", frac * 100.0)),
    ])
}

/// The next request, while the composer has text and nothing streams: its prompt tokens
/// (`≈` when not counted with the model's own tokenizer), the output bound and where it
/// came from, the most it can cost, and the context it fills.
pub fn next_lines(state: &State, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    if !composing(state) {
        return Vec::new();
    }
    let mut out = vec![Line::styled("Next request", theme.title)];
    let Some(e) = state
        .costs
        .estimate
        .as_ref()
        .filter(|e| e.model == state.model)
    else {
        out.push(row("prompt", "counting…".into(), theme.dim, theme, width));
        return out;
    };
    let (tokens, how) = match e.prompt.method {
        EstimateMethod::Tiktoken { encoding } => (thousands(e.prompt.tokens), encoding),
        EstimateMethod::Approximate => (format!("≈{}", thousands(e.prompt.tokens)), "≈ bytes/4"),
    };
    out.push(row("prompt", tokens, theme.text, theme, width));
    out.push(row(" counted by", how.into(), theme.dim, theme, width));
    let info = state.catalog.find(&state.model);
    let max = max_cost_for(e.prompt.tokens, state.settings.params.max_tokens, info);
    let (out_text, from) = match max.output {
        Some((n, MaxFrom::Setting)) => (thousands(n), "max (/max)"),
        Some((n, MaxFrom::Catalog)) => (thousands(n), "max (catalog)"),
        None => ("?".into(), "max output"),
    };
    out.push(row(from, out_text, theme.text, theme, width));
    let cost = match (&max.cost, max.output, info.and_then(|m| m.price.as_ref())) {
        (Some(c), _, _) => format!("≤ {c}"),
        (None, None, _) => "? (no max)".into(),
        (None, _, None) => "price unknown".into(),
        (None, _, Some(_)) => "price incomplete".into(),
    };
    out.push(row("at most", cost, theme.money, theme, width));
    match info.and_then(|m| m.context_window) {
        Some(window) if window > 0 => {
            out.push(gauge(e.prompt.tokens, window, width, theme));
            let over = if e.prompt.tokens > window {
                " · too long"
            } else {
                ""
            };
            out.push(Line::styled(
                format!(
                    "{} / {}{over}",
                    thousands(e.prompt.tokens),
                    thousands(window)
                ),
                if over.is_empty() {
                    theme.dim
                } else {
                    theme.error
                },
            ));
        }
        _ => out.push(row("context", "? window".into(), theme.dim, theme, width)),
    }
    out
}

/// Spent against the budget, per limited currency: `budget USD 2%` over `$0.12 / $5.00`,
/// in the warning style from 80%.
pub fn budget_lines(state: &State, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let b = &state.costs.budget;
    if b.limits.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (currency, limit) in &b.limits {
        let spent = state
            .spend
            .session
            .by_currency
            .get(currency)
            .copied()
            .unwrap_or(Decimal::ZERO);
        let pct = b.used_pct(&state.spend.session, currency);
        let warn = pct.is_some_and(|p| p >= Decimal::from(80));
        let style: Style = if warn { theme.warn } else { theme.money };
        let label = if warn { "⚠ budget" } else { "budget" };
        let pct = pct.map_or("?".into(), |p| format!("{}%", p.round()));
        out.push(row(label, format!("{currency} {pct}"), style, theme, width));
        let text = format!(
            "{} / {}",
            Money::new(spent, currency.clone()),
            Money::new(*limit, currency.clone())
        );
        out.push(row("", text, style, theme, width));
    }
    out
}

/// Field names shown first from a `/key` answer, when it has them.
const KEY_FIRST: [&str; 5] = ["limit_remaining", "balance", "credits", "limit", "usage"];

/// Most `/key` fields shown.
const KEY_ROWS: usize = 4;

/// The account of the current model's provider, when it has account endpoints: the fields
/// of its `/key` answer as they came (that format is not documented).
pub fn account_lines(state: &State, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let provider = &state.model.provider;
    if !state.costs.account_providers.contains(provider) {
        return Vec::new();
    }
    let mut out = vec![Line::styled(
        format!("{provider} key (/v1/key, as sent)"),
        theme.dim,
    )];
    match state.costs.accounts.get(provider) {
        None => out.push(Line::styled("asking…", theme.dim)),
        Some(Err(e)) => out.push(Line::styled(format!("unavailable: {e}"), theme.error)),
        Some(Ok(info)) if info.fields.is_empty() => {
            out.push(Line::styled("no fields", theme.dim));
        }
        Some(Ok(info)) => {
            let mut shown: Vec<&(String, String)> = KEY_FIRST
                .iter()
                .filter_map(|n| info.fields.iter().find(|(f, _)| f == n))
                .collect();
            for f in &info.fields {
                if !shown.contains(&f) {
                    shown.push(f);
                }
            }
            for (name, value) in shown.into_iter().take(KEY_ROWS) {
                out.push(row(name, value.clone(), theme.money, theme, width));
            }
        }
    }
    out
}

/// A turn's other cost figures under its computed cost: the exact cost from the provider's
/// `/generation`, and the check of the reported (or exact) figure against the computed one
/// (flagged over 1%; compared only in the same unit or with the provider's `credit_rate`).
pub fn turn_check_lines(
    state: &State,
    t: &Turn,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let exact = match state.costs.exact.get(&t.id) {
        Some(Ok(m)) => {
            out.push(row(" exact", m.to_string(), theme.money, theme, width));
            Some(m)
        }
        Some(Err(e)) => {
            out.push(row(" exact", "unavailable".into(), theme.dim, theme, width));
            tracing::debug!(turn = t.id.0, error = %e, "exact cost unavailable");
            None
        }
        None => None,
    };
    let reported = t.usage.as_ref().and_then(|u| u.provider_cost.as_ref());
    let (Some(computed), Some(theirs)) = (t.cost.as_ref(), exact.or(reported)) else {
        return out;
    };
    let rate = state.costs.rates.get(&t.model.provider);
    let (text, style) = match compare_reported(computed, theirs, rate) {
        CostCheck::Agrees { difference_pct } => {
            (format!("ok {:+}%", difference_pct.round_dp(1)), theme.ok)
        }
        CostCheck::Differs { difference_pct, .. } => (
            match difference_pct {
                Some(p) => format!("⚑ {:+}%", p.round_dp(1)),
                None => "⚑ differs".into(),
            },
            theme.warn,
        ),
        CostCheck::NotComparable { .. } => ("no credit_rate".into(), theme.dim),
    };
    out.push(row(" check", text, style, theme, width));
    out
}
