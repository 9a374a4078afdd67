//! Drawing the catalog: provider headings, load errors, and two rows per model (name with
//! capability marks; context window and price per 1M tokens in the model's currency).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use rust_decimal::Decimal;

use super::catalog::{CatalogState, Entry, Load, error_lines};
use crate::llm::catalog::ModelInfo;
use crate::llm::money::{Currency, Price};
use crate::llm::provider::ModelRef;
use crate::tui::theme::Theme;
use crate::tui::wrap::{display_width, truncate_spans};

/// `128k`, `1M`, `?`.
pub fn context_label(tokens: Option<u64>) -> String {
    match tokens {
        None => "?".into(),
        Some(t) if t >= 1_000_000 => {
            let m = t as f64 / 1e6;
            if (m - m.round()).abs() < 0.05 {
                format!("{m:.0}M")
            } else {
                format!("{m:.1}M")
            }
        }
        Some(t) if t >= 1000 => format!("{}k", (t + 500) / 1000),
        Some(t) => t.to_string(),
    }
}

fn amount(d: Decimal, currency: Option<&Currency>) -> String {
    let n = d.normalize();
    let text = if n.scale() < 2 && matches!(currency, Some(Currency::Usd | Currency::Eur)) {
        format!("{n:.2}")
    } else {
        n.to_string()
    };
    match currency {
        Some(Currency::Usd) => format!("${text}"),
        Some(Currency::Eur) => format!("€{text}"),
        _ => text,
    }
}

/// `$0.10/$0.40`, `400/2000 RUB`, `?`: input / output per million tokens.
pub fn price_label(price: Option<&Price>) -> String {
    let Some(p) = price else {
        return "price ?".into();
    };
    let cur = p.currency.as_ref();
    let f = |d: Option<Decimal>| d.map_or("?".to_string(), |d| amount(d, cur));
    let mut out = format!("{}/{}", f(p.input_per_mtok), f(p.output_per_mtok));
    match cur {
        Some(Currency::Usd | Currency::Eur) => {}
        Some(c) => {
            out.push(' ');
            out.push_str(c.code());
        }
        None => out.push_str(" (currency ?)"),
    }
    out
}

fn caps(m: &ModelInfo, theme: &Theme) -> Vec<Span<'static>> {
    let c = &m.capabilities;
    [(c.reasoning, "R"), (c.tools, "T"), (c.vision, "V")]
        .into_iter()
        .filter_map(|(has, mark)| match has {
            Some(true) => Some(Span::styled(mark, theme.accent)),
            Some(false) => Some(Span::styled("·", theme.dim)),
            None => None,
        })
        .collect()
}

/// Draws the catalog's entries into `area` (inside the pane's border).
pub fn render(c: &CatalogState, current: &ModelRef, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let width = usize::from(area.width);
    let mut y = area.y;
    let bottom = area.bottom();
    let mut put = |y: &mut u16, spans: Vec<Span<'static>>, style: Style| {
        if *y < bottom {
            let line = Line::from(truncate_spans(&spans, width)).style(style);
            buf.set_style(Rect::new(area.x, *y, area.width, 1), style);
            buf.set_line(area.x, *y, &line, area.width);
        }
        *y += 1;
    };
    if c.filtering || !c.filter.is_empty() {
        let cursor = if c.filtering { "▏" } else { "" };
        put(
            &mut y,
            vec![
                Span::styled("/", theme.accent),
                Span::raw(c.filter.clone()),
                Span::styled(cursor, theme.accent),
            ],
            Style::new(),
        );
    }
    if c.entries.is_empty() {
        let text = if c.filter.is_empty() {
            "no models"
        } else {
            "no match"
        };
        put(&mut y, vec![Span::styled(text, theme.dim)], Style::new());
        return;
    }
    let mut row = 0usize;
    for (i, e) in c.entries.iter().enumerate() {
        let rows = c.rows(*e);
        if row + rows <= c.top {
            row += rows;
            continue;
        }
        if y >= bottom {
            break;
        }
        let sel = if i == c.selected {
            theme.selected
        } else {
            Style::new()
        };
        let lines = entry_lines(c, *e, current, theme, width);
        for (k, spans) in lines.into_iter().enumerate() {
            if row + k >= c.top {
                put(&mut y, spans, sel);
            }
        }
        row += rows;
    }
}

fn entry_lines(
    c: &CatalogState,
    e: Entry,
    current: &ModelRef,
    theme: &Theme,
    width: usize,
) -> Vec<Vec<Span<'static>>> {
    match e {
        Entry::Provider(pi) => {
            let p = &c.providers[pi];
            let n = c.models.iter().filter(|m| m.provider == p.name).count();
            let state = match &p.load {
                Load::Loading if n == 0 => Span::styled(" loading…", theme.dim),
                Load::Loading => Span::styled(format!(" {n} · loading…"), theme.dim),
                Load::Loaded => Span::styled(format!(" {n}"), theme.dim),
                Load::Failed(_) if n == 0 => Span::styled(" failed", theme.error),
                Load::Failed(_) => Span::styled(format!(" {n} · live list failed"), theme.error),
            };
            vec![vec![Span::styled(p.name.clone(), theme.heading), state]]
        }
        Entry::Error(pi) => {
            let Load::Failed(msg) = &c.providers[pi].load else {
                return vec![Vec::new()];
            };
            error_lines(msg, width, theme.error)
        }
        Entry::Model(mi) => {
            let m = &c.models[mi];
            let is_current = m.provider == current.provider && m.id == current.model;
            let mark = if is_current {
                Span::styled("● ", theme.accent)
            } else {
                Span::raw("  ")
            };
            let marks = caps(m, theme);
            let marks_w: usize = marks.iter().map(|s| display_width(&s.content)).sum();
            let id_w = width.saturating_sub(2 + marks_w + usize::from(marks_w > 0));
            let id = truncate_spans(&[Span::raw(m.id.clone())], id_w);
            let used = 2 + id.iter().map(|s| display_width(&s.content)).sum::<usize>();
            let mut first = vec![mark];
            first.extend(id);
            if marks_w > 0 && used + marks_w < width {
                first.push(Span::raw(" ".repeat(width - used - marks_w)));
                first.extend(marks);
            }
            let second = vec![
                Span::raw("  "),
                Span::styled(context_label(m.context_window), theme.dim),
                Span::raw(" "),
                Span::styled(price_label(m.price.as_ref()), theme.money),
            ];
            vec![first, second]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::money::{Currency, Price};

    #[test]
    fn labels() {
        assert_eq!(context_label(Some(128_000)), "128k");
        assert_eq!(context_label(Some(1_000_000)), "1M");
        assert_eq!(context_label(None), "?");
        let p = Price::per_mtok(Currency::Usd, Decimal::new(1, 1), Decimal::new(4, 1));
        assert_eq!(price_label(Some(&p)), "$0.10/$0.40");
        let r = Price::per_mtok(Currency::Rub, Decimal::from(400), Decimal::from(2000));
        assert_eq!(price_label(Some(&r)), "400/2000 RUB");
    }
}
