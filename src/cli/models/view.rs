//! How `switchboard models` prints the catalog: a plain table for people, CSV for sheets.

use rust_decimal::Decimal;

use crate::llm::catalog::cache::{STALE_AFTER_SECS, age_text};
use crate::llm::catalog::{ModelInfo, Origin};
use crate::llm::money::{Currency, Price};

/// An amount with its currency sign: `$1.25`, `€0.5`, `¥2`, `400 ₽`, `0.5 cr`.
pub fn amount_text(d: Decimal, currency: &Currency) -> String {
    let n = d.normalize();
    match currency {
        Currency::Usd | Currency::Eur | Currency::Cny => format!("{}{n}", currency.symbol()),
        Currency::Rub | Currency::Credits => format!("{n} {}", currency.symbol()),
        Currency::Other(code) => format!("{n} {code}"),
    }
}

fn price_cell(p: Option<&Price>, pick: impl Fn(&Price) -> Option<Decimal>) -> String {
    let Some(p) = p else {
        return "?".into();
    };
    match (pick(p), p.currency.as_ref()) {
        (Some(d), Some(c)) => amount_text(d, c),
        _ => "?".into(),
    }
}

/// Where the shown figures came from: the price's source when the price is known, else the
/// entry's: `bundled`, `live 3h`, `live 2d stale`.
pub fn source_text(m: &ModelInfo, now: u64) -> String {
    let source = m
        .sources
        .get("price")
        .filter(|_| m.price.is_some())
        .or_else(|| m.sources.values().find(|s| s.origin == Origin::Live))
        .or_else(|| m.sources.values().next());
    match source {
        Some(s) if s.origin == Origin::Live => match s.fetched_at {
            Some(at) => {
                let age = now.saturating_sub(at);
                let stale = if age > STALE_AFTER_SECS { " stale" } else { "" };
                format!("live {}{stale}", age_text(age))
            }
            None => "live".into(),
        },
        Some(_) => "bundled".into(),
        None if m.source.starts_with("live") => "live".into(),
        None => "bundled".into(),
    }
}

fn tokens_text(n: Option<u64>) -> String {
    match n {
        None => "?".into(),
        Some(n) if n >= 1_000_000 && n % 1_000 == 0 => {
            format!("{}M", Decimal::from(n) / Decimal::from(1_000_000))
        }
        Some(n) if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        Some(n) => n.to_string(),
    }
}

/// A plain text table: model, prices per 1M tokens (input, output, blended 3:1), context,
/// max output, capabilities and where the price came from. Unknown is `?`, never zero.
pub fn table(models: &[ModelInfo], now: u64) -> String {
    let header = [
        "MODEL", "IN/1M", "OUT/1M", "BLEND/1M", "CONTEXT", "MAX OUT", "CAPS", "SOURCE",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for m in models {
        let p = m.price.as_ref();
        rows.push(vec![
            format!("{}/{}", m.provider, m.id),
            price_cell(p, |p| p.input_per_mtok),
            price_cell(p, |p| p.output_per_mtok),
            price_cell(p, Price::blended_per_mtok),
            tokens_text(m.context_window),
            tokens_text(m.max_output),
            m.capabilities.present().join(","),
            source_text(m, now),
        ]);
    }
    let mut widths = vec![0usize; header.len()];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| {
                let pad = w.saturating_sub(cell.chars().count());
                format!("{cell}{}", " ".repeat(pad))
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV with one row per model; prices are plain decimals with a `currency` column, empty
/// when unknown.
pub fn csv(models: &[ModelInfo]) -> String {
    let mut out = String::from(
        "provider,id,name,currency,input_per_mtok,output_per_mtok,cached_input_per_mtok,\
         cache_write_per_mtok,per_request,blended_per_mtok,context_window,max_output,\
         capabilities,protocols,price_source\n",
    );
    for m in models {
        let p = m.price.as_ref();
        let dec = |f: fn(&Price) -> Option<Decimal>| {
            p.and_then(f)
                .map(|d| d.normalize().to_string())
                .unwrap_or_default()
        };
        let protocols: Vec<&str> = m.protocols.iter().map(|p| p.name()).collect();
        let fields = [
            m.provider.clone(),
            m.id.clone(),
            m.name.clone().unwrap_or_default(),
            p.and_then(|p| p.currency.as_ref())
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            dec(|p| p.input_per_mtok),
            dec(|p| p.output_per_mtok),
            dec(|p| p.cached_input_per_mtok),
            dec(|p| p.cache_write_per_mtok),
            dec(|p| p.per_request),
            dec(Price::blended_per_mtok),
            m.context_window.map(|n| n.to_string()).unwrap_or_default(),
            m.max_output.map(|n| n.to_string()).unwrap_or_default(),
            m.capabilities.present().join(" "),
            protocols.join(" "),
            m.sources
                .get("price")
                .map(|s| s.detail.clone())
                .unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_token_counts() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(amount_text(d("1.250"), &Currency::Usd), "$1.25");
        assert_eq!(amount_text(d("400"), &Currency::Rub), "400 ₽");
        assert_eq!(amount_text(d("2"), &Currency::Cny), "¥2");
        assert_eq!(amount_text(d("0.5"), &Currency::Credits), "0.5 cr");
        assert_eq!(tokens_text(Some(1_048_576)), "1048576");
        assert_eq!(tokens_text(Some(1_000_000)), "1M");
        assert_eq!(tokens_text(Some(200_000)), "200k");
        assert_eq!(tokens_text(None), "?");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
