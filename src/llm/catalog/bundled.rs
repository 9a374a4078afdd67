//! The catalog shipped in the binary: `assets/catalog/*.toml`, one file per provider, built
//! by hand from the seed documents, every price with its seed file, line and section.

use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Capabilities, ModelInfo, Origin, Source};
use crate::llm::money::{Currency, OtherPrice, Price, PriceMode, PriceTier};
use crate::llm::protocol::Protocol;

/// The bundled files, by name, as embedded at build time.
pub const BUNDLED_FILES: [(&str, &str); 10] = [
    (
        "clipia.toml",
        include_str!("../../../assets/catalog/clipia.toml"),
    ),
    (
        "aisa.toml",
        include_str!("../../../assets/catalog/aisa.toml"),
    ),
    (
        "openai.toml",
        include_str!("../../../assets/catalog/openai.toml"),
    ),
    (
        "anthropic.toml",
        include_str!("../../../assets/catalog/anthropic.toml"),
    ),
    (
        "gemini.toml",
        include_str!("../../../assets/catalog/gemini.toml"),
    ),
    (
        "moonshot.toml",
        include_str!("../../../assets/catalog/moonshot.toml"),
    ),
    (
        "zhipu.toml",
        include_str!("../../../assets/catalog/zhipu.toml"),
    ),
    (
        "groq.toml",
        include_str!("../../../assets/catalog/groq.toml"),
    ),
    (
        "mistral.toml",
        include_str!("../../../assets/catalog/mistral.toml"),
    ),
    (
        "deepseek.toml",
        include_str!("../../../assets/catalog/deepseek.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    provider: String,
    /// The seed file every `src` in this file points into.
    seed: String,
    /// The currency of every price that does not name its own.
    #[serde(default)]
    currency: Option<Currency>,
    /// The protocols of every model that does not name its own.
    #[serde(default)]
    protocols: Vec<Protocol>,
    #[serde(default, rename = "model")]
    models: Vec<FileModel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    context: Option<u64>,
    #[serde(default)]
    max_output: Option<u64>,
    /// Capabilities the source says the model has.
    #[serde(default)]
    caps: Vec<String>,
    /// Capabilities the source says it lacks.
    #[serde(default)]
    no_caps: Vec<String>,
    /// Finer capability words, as the source writes them.
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    protocols: Option<Vec<Protocol>>,
    #[serde(default)]
    endpoints: Vec<String>,
    /// The request parameters the source lists for the model (`supported_parameters`).
    #[serde(default)]
    supported_parameters: Option<Vec<String>>,
    /// Line and section of the seed the model's facts come from.
    src: String,
    #[serde(default)]
    price: Option<FilePrice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePrice {
    /// For a `[[...price.modes]]` table: which mode (`batch`, `flex`, ...).
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    src: Option<String>,
    #[serde(default)]
    currency: Option<Currency>,
    #[serde(default)]
    input: Option<Decimal>,
    #[serde(default)]
    output: Option<Decimal>,
    #[serde(default)]
    cached_input: Option<Decimal>,
    #[serde(default)]
    cache_write: Option<Decimal>,
    #[serde(default)]
    cache_write_1h: Option<Decimal>,
    #[serde(default)]
    per_request: Option<Decimal>,
    #[serde(default, rename = "tier")]
    tiers: Vec<FileTier>,
    #[serde(default)]
    modes: Vec<FilePrice>,
    #[serde(default)]
    other: Vec<OtherPrice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTier {
    above: u64,
    #[serde(default)]
    src: Option<String>,
    #[serde(default)]
    input: Option<Decimal>,
    #[serde(default)]
    output: Option<Decimal>,
    #[serde(default)]
    cached_input: Option<Decimal>,
    #[serde(default)]
    cache_write: Option<Decimal>,
    #[serde(default)]
    cache_write_1h: Option<Decimal>,
}

/// Every bundled model, parsed once. A file that does not parse contributes nothing; its
/// error is in `bundled_errors()` (and a test keeps that list empty).
pub fn bundled() -> &'static [ModelInfo] {
    &loaded().0
}

/// Problems found while parsing the bundled files: `file: message`.
pub fn bundled_errors() -> &'static [String] {
    &loaded().1
}

/// The bundled entry for `id` (or one of its aliases) of `provider`.
pub fn bundled_model(provider: &str, id: &str) -> Option<ModelInfo> {
    let (models, _, aliases) = loaded();
    models
        .iter()
        .find(|m| m.provider == provider && m.id == id)
        .or_else(|| {
            aliases
                .iter()
                .find(|(p, alias, _)| p == provider && alias == id)
                .and_then(|(_, _, i)| models.get(*i))
        })
        .cloned()
}

type Loaded = (Vec<ModelInfo>, Vec<String>, Vec<(String, String, usize)>);

fn loaded() -> &'static Loaded {
    static CELL: OnceLock<Loaded> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut models = Vec::new();
        let mut errors = Vec::new();
        let mut aliases = Vec::new();
        for (name, text) in BUNDLED_FILES {
            match parse_file(text) {
                Ok(list) => {
                    for (m, a) in list {
                        for alias in a {
                            aliases.push((m.provider.clone(), alias, models.len()));
                        }
                        models.push(m);
                    }
                }
                Err(e) => errors.push(format!("{name}: {e}")),
            }
        }
        (models, errors, aliases)
    })
}

/// Parses one catalog file into models, each with its aliases.
fn parse_file(text: &str) -> Result<Vec<(ModelInfo, Vec<String>)>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(file.models.len());
    for m in file.models {
        let facts = Source {
            origin: Origin::Bundled,
            detail: format!("{}:{}", file.seed, m.src),
            fetched_at: None,
        };
        let capabilities = capabilities(&m.caps, &m.no_caps, m.tags)
            .map_err(|e| format!("model {}: {e}", m.id))?;
        let price = m
            .price
            .map(|p| price(p, file.currency.as_ref(), &file.seed))
            .transpose()
            .map_err(|e| format!("model {}: {e}", m.id))?;
        let mut sources = std::collections::BTreeMap::new();
        let mut mark = |field: &str, present: bool, src: &Source| {
            if present {
                sources.insert(field.to_string(), src.clone());
            }
        };
        mark("name", m.name.is_some(), &facts);
        mark("context_window", m.context.is_some(), &facts);
        mark("max_output", m.max_output.is_some(), &facts);
        mark(
            "capabilities",
            capabilities != Capabilities::default(),
            &facts,
        );
        let protocols = m.protocols.unwrap_or_else(|| file.protocols.clone());
        mark("protocols", !protocols.is_empty(), &facts);
        mark(
            "supported_parameters",
            m.supported_parameters.is_some(),
            &facts,
        );
        if let Some(p) = &price {
            let detail = p.source.clone().unwrap_or_else(|| facts.detail.clone());
            mark(
                "price",
                true,
                &Source {
                    detail,
                    ..facts.clone()
                },
            );
        }
        let info = ModelInfo {
            provider: file.provider.clone(),
            id: m.id,
            name: m.name,
            context_window: m.context,
            max_output: m.max_output,
            capabilities,
            price,
            source: format!("bundled ({})", file.seed),
            protocols,
            endpoints: m.endpoints,
            supported_parameters: m.supported_parameters,
            sources,
        };
        out.push((info, m.aliases));
    }
    Ok(out)
}

fn capabilities(
    caps: &[String],
    no_caps: &[String],
    tags: Vec<String>,
) -> Result<Capabilities, String> {
    let mut c = Capabilities {
        tags,
        ..Capabilities::default()
    };
    for (list, value) in [(caps, true), (no_caps, false)] {
        for name in list {
            *c.slot(name)
                .ok_or_else(|| format!("unknown capability `{name}`"))? = Some(value);
        }
    }
    Ok(c)
}

fn price(p: FilePrice, currency: Option<&Currency>, seed: &str) -> Result<Price, String> {
    let currency = p.currency.or_else(|| currency.cloned());
    if currency.is_none() {
        return Err("a price without a currency".into());
    }
    let src = |s: Option<String>| s.map(|s| format!("{seed}:{s}"));
    let tiers = |ts: Vec<FileTier>| -> Vec<PriceTier> {
        ts.into_iter()
            .map(|t| PriceTier {
                above_input_tokens: t.above,
                input_per_mtok: t.input,
                output_per_mtok: t.output,
                cached_input_per_mtok: t.cached_input,
                cache_write_per_mtok: t.cache_write,
                cache_write_1h_per_mtok: t.cache_write_1h,
                source: src(t.src),
            })
            .collect()
    };
    let mut modes = Vec::new();
    if p.mode.is_some() {
        return Err("`mode` outside a [[price.modes]] table".into());
    }
    for mp in p.modes {
        let Some(mode) = mp.mode else {
            return Err("a [[price.modes]] table without `mode`".into());
        };
        if !mp.modes.is_empty() {
            return Err(format!("mode {mode} has modes of its own"));
        }
        modes.push(PriceMode {
            mode,
            price: Price {
                currency: mp.currency,
                input_per_mtok: mp.input,
                output_per_mtok: mp.output,
                cached_input_per_mtok: mp.cached_input,
                cache_write_per_mtok: mp.cache_write,
                cache_write_1h_per_mtok: mp.cache_write_1h,
                per_request: mp.per_request,
                tiers: tiers(mp.tiers),
                modes: Vec::new(),
                other: mp.other,
                source: src(mp.src),
            },
        });
    }
    Ok(Price {
        currency,
        input_per_mtok: p.input,
        output_per_mtok: p.output,
        cached_input_per_mtok: p.cached_input,
        cache_write_per_mtok: p.cache_write,
        cache_write_1h_per_mtok: p.cache_write_1h,
        per_request: p.per_request,
        tiers: tiers(p.tiers),
        modes,
        other: p.other,
        source: src(p.src),
    })
}
