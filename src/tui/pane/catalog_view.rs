//! Drawing the catalog. Narrow (the side pane): two rows per model, the id with capability
//! marks, then context, input/output price per 1M tokens and where the price came from.
//! Wide (`WIDE_MIN` columns and more, e.g. zoomed with `z`): a header and one row per model
//! with columns for the input and output price, context, max output, capabilities and
//! price source (`bundled`, `live 3h`, `stale 2d` after a day).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use rust_decimal::Decimal;

use super::catalog::{CatalogState, Entry, Load, error_lines};
use crate::llm::catalog::cache::age_text;
use crate::llm::catalog::{ModelInfo, Origin, STALE_AFTER_SECS};
use crate::llm::money::{Currency, Price};
use crate::llm::provider::ModelRef;
use crate::tui::theme::Theme;
use crate::tui::wrap::{display_width, truncate_spans};

/// From this many columns a model takes one row with every column.
pub const WIDE_MIN: usize = 60;

/// Columns before the model's name: a mark (kept free for marking models) and the dot of
/// the model in use.
const MARK_W: usize = 2;

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

/// An amount with its currency's sign: `$0.10`, `₽400`, `¥2`, `€1.50`, `12 cr`, `3 GBP`.
pub fn amount(d: Decimal, currency: Option<&Currency>) -> String {
    let n = d.normalize();
    let text = if n.scale() < 2 && matches!(currency, Some(Currency::Usd | Currency::Eur)) {
        format!("{n:.2}")
    } else {
        n.to_string()
    };
    match currency {
        Some(c @ (Currency::Usd | Currency::Eur | Currency::Rub | Currency::Cny)) => {
            format!("{}{text}", c.symbol())
        }
        Some(c) => format!("{text} {}", c.symbol()),
        None => format!("{text} (currency ?)"),
    }
}

/// `$0.10/$0.40`, `₽400/₽2000`, `price ?`: input / output per million tokens.
pub fn price_label(price: Option<&Price>) -> String {
    let Some(p) = price else {
        return "price ?".into();
    };
    let cur = p.currency.as_ref();
    let f = |d: Option<Decimal>| d.map_or("?".to_string(), |d| amount(d, cur));
    match cur {
        Some(Currency::Credits | Currency::Other(_)) => {
            let bare =
                |d: Option<Decimal>| d.map_or("?".to_string(), |d| d.normalize().to_string());
            format!(
                "{}/{} {}",
                bare(p.input_per_mtok),
                bare(p.output_per_mtok),
                cur.map_or("", |c| c.symbol())
            )
        }
        None => format!(
            "{}/{} (currency ?)",
            p.input_per_mtok
                .map_or("?".into(), |d| d.normalize().to_string()),
            p.output_per_mtok
                .map_or("?".into(), |d| d.normalize().to_string())
        ),
        _ => format!("{}/{}", f(p.input_per_mtok), f(p.output_per_mtok)),
    }
}

/// Where the price came from: `bundled`, `live 3h`, `stale 2d` (a live price older than a
/// day), `live` when the age is unknown; empty when there is no price.
pub fn source_label(m: &ModelInfo, now_unix: Option<u64>) -> (String, bool) {
    match m.price_origin() {
        None => (String::new(), false),
        Some((Origin::Bundled, _)) => ("bundled".into(), false),
        Some((Origin::Live, Some(at))) => match now_unix {
            Some(now) => {
                let age = now.saturating_sub(at);
                if age > STALE_AFTER_SECS {
                    (format!("stale {}", age_text(age)), true)
                } else {
                    (format!("live {}", age_text(age)), false)
                }
            }
            None => ("live".into(), false),
        },
        Some((Origin::Live, None)) => ("live".into(), false),
    }
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

/// What the drawing needs besides the catalog.
struct View<'a> {
    current: &'a ModelRef,
    theme: &'a Theme,
    width: usize,
    now_unix: Option<u64>,
    /// Models of several providers in one list: names carry their provider.
    qualified: bool,
    /// Models marked for a comparison: their mark column shows their number.
    marked: &'a [ModelRef],
}

/// Draws the catalog's entries into `area` (inside the pane's border). `now` is the loop's
/// clock, for the age of live prices.
pub fn render(
    c: &CatalogState,
    current: &ModelRef,
    theme: &Theme,
    now: std::time::Instant,
    area: Rect,
    buf: &mut Buffer,
) {
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
        let text = if c.filter.is_empty() && c.capability.is_none() && c.provider.is_none() {
            "no models"
        } else {
            "no match"
        };
        put(&mut y, vec![Span::styled(text, theme.dim)], Style::new());
        return;
    }
    let view = View {
        current,
        theme,
        width,
        now_unix: c.now_unix(now),
        qualified: c.sort.is_some() && c.provider.is_none() && c.providers.len() > 1,
        marked: &c.marked,
    };
    if width >= WIDE_MIN {
        put(&mut y, header(&view), theme.dim);
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
        let lines = entry_lines(c, *e, &view);
        for (k, spans) in lines.into_iter().enumerate() {
            if row + k >= c.top {
                put(&mut y, spans, sel);
            }
        }
        row += rows;
    }
}

/// The wide layout's column widths: input, output, context, max output, capabilities,
/// source (each with one space before it).
const COLS: [usize; 6] = [9, 9, 5, 5, 3, 8];

/// Widest the name column gets: on a wide screen the figures stay near their names.
const NAME_MAX: usize = 44;

fn name_width(width: usize) -> usize {
    width
        .saturating_sub(MARK_W + COLS.iter().map(|c| c + 1).sum::<usize>())
        .min(NAME_MAX)
}

fn header(v: &View<'_>) -> Vec<Span<'static>> {
    let mut text = format!("{:<w$}", "model", w = MARK_W + name_width(v.width));
    for (title, w) in ["in/1M", "out/1M", "ctx", "max", "cap", "price"]
        .into_iter()
        .zip(COLS)
    {
        text.push(' ');
        text.push_str(&format!("{title:>w$}"));
    }
    vec![Span::raw(text)]
}

/// `text` cut or padded to `w` columns, right-aligned.
fn right(text: &str, w: usize) -> String {
    let cut: String = truncate_spans(&[Span::raw(text.to_string())], w)
        .iter()
        .map(|s| s.content.to_string())
        .collect();
    let pad = w.saturating_sub(display_width(&cut));
    format!("{}{cut}", " ".repeat(pad))
}

fn entry_lines(c: &CatalogState, e: Entry, v: &View<'_>) -> Vec<Vec<Span<'static>>> {
    let theme = v.theme;
    match e {
        Entry::Provider(pi) => {
            let p = &c.providers[pi];
            let n = c.models.iter().filter(|m| m.provider == p.name).count();
            let mut state = match &p.load {
                Load::Loading if n == 0 => Span::styled(" loading…", theme.dim),
                Load::Loading => Span::styled(format!(" {n} · loading…"), theme.dim),
                Load::Loaded => Span::styled(format!(" {n}"), theme.dim),
                Load::Failed(_) if n == 0 => Span::styled(" failed", theme.error),
                Load::Failed(_) => Span::styled(format!(" {n} · live list failed"), theme.error),
            };
            if c.refreshing.contains(&p.name) {
                state = Span::styled(format!(" {n} · refreshing…"), theme.dim);
            }
            vec![vec![Span::styled(p.name.clone(), theme.heading), state]]
        }
        Entry::Error(pi) => match c.error_text(pi) {
            Some(msg) => error_lines(&msg, v.width, theme.error),
            None => vec![Vec::new()],
        },
        Entry::Model(mi) => model_lines(&c.models[mi], v),
    }
}

fn model_lines(m: &ModelInfo, v: &View<'_>) -> Vec<Vec<Span<'static>>> {
    let theme = v.theme;
    let is_current = m.provider == v.current.provider && m.id == v.current.model;
    let compared = v
        .marked
        .iter()
        .position(|r| r.provider == m.provider && r.model == m.id);
    let mark = if let Some(n) = compared {
        Span::styled(
            format!("{:<2}", n + 1),
            theme.ok.add_modifier(Modifier::BOLD),
        )
    } else if is_current {
        Span::styled("● ", theme.accent)
    } else {
        Span::raw("  ")
    };
    let name = if v.qualified {
        format!("{}/{}", m.provider, m.id)
    } else {
        m.id.clone()
    };
    let (source, stale) = source_label(m, v.now_unix);
    let source_style = if stale { theme.warn } else { theme.dim };
    let marks = caps(m, theme);
    let marks_w: usize = marks.iter().map(|s| display_width(&s.content)).sum();
    if v.width >= WIDE_MIN {
        let nw = name_width(v.width);
        let id = truncate_spans(&[Span::raw(name)], nw);
        let used: usize = id.iter().map(|s| display_width(&s.content)).sum();
        let mut row = vec![mark];
        row.extend(id);
        row.push(Span::raw(" ".repeat(nw - used.min(nw))));
        let cur = m.price.as_ref().and_then(|p| p.currency.as_ref());
        let money = |d: Option<Decimal>| d.map_or("?".to_string(), |d| amount(d, cur));
        let (input, output) = match &m.price {
            Some(p) => (money(p.input_per_mtok), money(p.output_per_mtok)),
            None => ("?".into(), "?".into()),
        };
        row.push(Span::styled(
            format!(" {}", right(&input, COLS[0])),
            theme.money,
        ));
        row.push(Span::styled(
            format!(" {}", right(&output, COLS[1])),
            theme.money,
        ));
        row.push(Span::raw(format!(
            " {} {}",
            right(&context_label(m.context_window), COLS[2]),
            right(
                &m.max_output.map_or("?".into(), |t| context_label(Some(t))),
                COLS[3]
            ),
        )));
        row.push(Span::raw(" ".repeat(1 + COLS[4] - marks_w.min(COLS[4]))));
        row.extend(marks);
        row.push(Span::styled(
            format!(" {}", right(&source, COLS[5])),
            source_style,
        ));
        return vec![row];
    }
    let id_w = v
        .width
        .saturating_sub(MARK_W + marks_w + usize::from(marks_w > 0));
    let id = truncate_spans(&[Span::raw(name)], id_w);
    let used = MARK_W + id.iter().map(|s| display_width(&s.content)).sum::<usize>();
    let mut first = vec![mark];
    first.extend(id);
    if marks_w > 0 && used + marks_w < v.width {
        first.push(Span::raw(" ".repeat(v.width - used - marks_w)));
        first.extend(marks);
    }
    let mut second = vec![
        Span::raw("  "),
        Span::styled(context_label(m.context_window), theme.dim),
        Span::raw(" "),
        Span::styled(price_label(m.price.as_ref()), theme.money),
    ];
    let second_w: usize = second.iter().map(|s| display_width(&s.content)).sum();
    if !source.is_empty() && second_w + 1 + display_width(&source) <= v.width {
        second.push(Span::raw(" "));
        second.push(Span::styled(source, source_style));
    }
    vec![first, second]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::catalog::Source;
    use crate::llm::money::{Currency, Price};

    #[test]
    fn labels() {
        assert_eq!(context_label(Some(128_000)), "128k");
        assert_eq!(context_label(Some(1_000_000)), "1M");
        assert_eq!(context_label(None), "?");
        let p = Price::per_mtok(Currency::Usd, Decimal::new(1, 1), Decimal::new(4, 1));
        assert_eq!(price_label(Some(&p)), "$0.10/$0.40");
        let r = Price::per_mtok(Currency::Rub, Decimal::from(400), Decimal::from(2000));
        assert_eq!(price_label(Some(&r)), "₽400/₽2000");
        let y = Price::per_mtok(Currency::Cny, Decimal::from(2), Decimal::from(8));
        assert_eq!(price_label(Some(&y)), "¥2/¥8");
        let cr = Price::per_mtok(Currency::Credits, Decimal::from(3), Decimal::from(9));
        assert_eq!(price_label(Some(&cr)), "3/9 cr");
        assert_eq!(
            amount(Decimal::new(45, 1), Some(&Currency::Credits)),
            "4.5 cr"
        );
    }

    #[test]
    fn price_source_and_staleness() {
        let mut m = ModelInfo {
            price: Some(Price::per_mtok(Currency::Usd, Decimal::ONE, Decimal::TWO)),
            ..ModelInfo::default()
        };
        assert_eq!(source_label(&m, Some(0)).0, "");
        let src = |origin, fetched_at| Source {
            origin,
            detail: "x".into(),
            fetched_at,
        };
        m.sources.insert("price".into(), src(Origin::Bundled, None));
        assert_eq!(source_label(&m, Some(10)), ("bundled".into(), false));
        m.sources
            .insert("price".into(), src(Origin::Live, Some(1_000)));
        assert_eq!(
            source_label(&m, Some(1_000 + 3 * 3600)),
            ("live 3h".into(), false)
        );
        let day = STALE_AFTER_SECS;
        assert_eq!(
            source_label(&m, Some(1_000 + day)),
            ("live 1d".into(), false)
        );
        assert_eq!(
            source_label(&m, Some(1_000 + 2 * day)),
            ("stale 2d".into(), true)
        );
        assert_eq!(source_label(&m, None), ("live".into(), false));
    }
}
