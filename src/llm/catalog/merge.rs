//! Live entries laid over bundled ones: live wins, bundled fills the gaps, and every field
//! keeps the source it came from.

use std::collections::BTreeSet;

use super::{Capabilities, ModelInfo, bundled, bundled_model};
use crate::llm::money::Price;

/// One provider's catalog: each live entry merged with its bundled one (found by id or
/// alias), then the bundled entries the live list did not mention. With no live list, the
/// bundled entries alone.
pub fn merge_provider(provider: &str, live: &[ModelInfo]) -> Vec<ModelInfo> {
    let mut used = BTreeSet::new();
    let mut out: Vec<ModelInfo> = live
        .iter()
        .map(|l| {
            let b = bundled_model(provider, &l.id);
            if let Some(b) = &b {
                used.insert(b.id.clone());
            }
            merge_model(l.clone(), b.as_ref())
        })
        .collect();
    out.extend(
        bundled()
            .iter()
            .filter(|b| b.provider == provider && !used.contains(&b.id))
            .cloned(),
    );
    out
}

/// The catalog of `providers` without asking the network: each one's cached live list (if
/// any) merged over its bundled entries. What the catalog pane shows before a refresh.
pub fn assemble(providers: &[&str], cache: &super::CatalogCache) -> Vec<ModelInfo> {
    providers
        .iter()
        .flat_map(|p| {
            let live = cache.get(p).map(|c| c.models.as_slice()).unwrap_or(&[]);
            merge_provider(p, live)
        })
        .collect()
}

/// One live entry with its bundled counterpart: each field is the live one when the live
/// list gave it, else the bundled one, and `sources` says which.
pub fn merge_model(mut live: ModelInfo, bundled: Option<&ModelInfo>) -> ModelInfo {
    let Some(b) = bundled else {
        return live;
    };
    let mut take = |field: &str, from_bundled: bool| {
        if from_bundled && let Some(s) = b.sources.get(field) {
            live.sources.insert(field.to_string(), s.clone());
        }
    };
    take("name", live.name.is_none() && b.name.is_some());
    take(
        "context_window",
        live.context_window.is_none() && b.context_window.is_some(),
    );
    take(
        "max_output",
        live.max_output.is_none() && b.max_output.is_some(),
    );
    take(
        "capabilities",
        live.capabilities == Capabilities::default() && b.capabilities != Capabilities::default(),
    );
    take(
        "protocols",
        live.protocols.is_empty() && !b.protocols.is_empty(),
    );
    take(
        "supported_parameters",
        live.supported_parameters.is_none() && b.supported_parameters.is_some(),
    );
    live.name = live.name.or_else(|| b.name.clone());
    live.context_window = live.context_window.or(b.context_window);
    live.max_output = live.max_output.or(b.max_output);
    live.capabilities = merge_caps(&live.capabilities, &b.capabilities);
    if live.protocols.is_empty() {
        live.protocols = b.protocols.clone();
    }
    if live.endpoints.is_empty() {
        live.endpoints = b.endpoints.clone();
    }
    if live.supported_parameters.is_none() {
        live.supported_parameters = b.supported_parameters.clone();
    }
    let price_src = b.sources.get("price").cloned();
    live.price = match (live.price.take(), &b.price) {
        (None, Some(bp)) => {
            if let Some(s) = price_src {
                live.sources.insert("price".into(), s);
            }
            Some(bp.clone())
        }
        (Some(lp), Some(bp)) if lp.currency == bp.currency => {
            let (merged, filled) = fill_price(lp, bp);
            if let Some(s) = price_src {
                for f in filled {
                    live.sources.insert(format!("price.{f}"), s.clone());
                }
            }
            Some(merged)
        }
        // A live price in another currency than the bundled one is not mixed with it.
        (lp, _) => lp,
    };
    live.source = format!("{} + {}", live.source, b.source);
    live
}

fn merge_caps(live: &Capabilities, b: &Capabilities) -> Capabilities {
    let mut out = live.clone();
    for name in Capabilities::NAMES {
        let from_b = b.get(name);
        if let Some(slot) = out.slot(name)
            && slot.is_none()
        {
            *slot = from_b;
        }
    }
    for t in &b.tags {
        if !out.tags.contains(t) {
            out.tags.push(t.clone());
        }
    }
    out
}

/// The live price with the bundled one's figures where the live list has none (same
/// currency only). Returns the names of the fields taken from the bundled price.
///
/// When the live input or output price differs from the bundled one, the price list has
/// changed since the seeds, and nothing of the old one is trusted to fill the gaps.
fn fill_price(mut live: Price, b: &Price) -> (Price, Vec<&'static str>) {
    let mut filled = Vec::new();
    let agrees = |l: Option<rust_decimal::Decimal>, b: Option<rust_decimal::Decimal>| {
        l.is_none() || b.is_none() || l.map(|d| d.normalize()) == b.map(|d| d.normalize())
    };
    if !(agrees(live.input_per_mtok, b.input_per_mtok)
        && agrees(live.output_per_mtok, b.output_per_mtok))
    {
        return (live, filled);
    }
    let fields = [
        (&mut live.input_per_mtok, b.input_per_mtok, "input_per_mtok"),
        (
            &mut live.output_per_mtok,
            b.output_per_mtok,
            "output_per_mtok",
        ),
        (
            &mut live.cached_input_per_mtok,
            b.cached_input_per_mtok,
            "cached_input_per_mtok",
        ),
        (
            &mut live.cache_write_per_mtok,
            b.cache_write_per_mtok,
            "cache_write_per_mtok",
        ),
        (
            &mut live.cache_write_1h_per_mtok,
            b.cache_write_1h_per_mtok,
            "cache_write_1h_per_mtok",
        ),
        (&mut live.per_request, b.per_request, "per_request"),
    ];
    for (slot, value, name) in fields {
        if slot.is_none() && value.is_some() {
            *slot = value;
            filled.push(name);
        }
    }
    for (empty, name) in [
        (live.tiers.is_empty() && !b.tiers.is_empty(), "tiers"),
        (live.modes.is_empty() && !b.modes.is_empty(), "modes"),
        (live.other.is_empty() && !b.other.is_empty(), "other"),
    ] {
        if empty {
            filled.push(name);
        }
    }
    if live.tiers.is_empty() {
        live.tiers = b.tiers.clone();
    }
    if live.modes.is_empty() {
        live.modes = b.modes.clone();
    }
    if live.other.is_empty() {
        live.other = b.other.clone();
    }
    (live, filled)
}
