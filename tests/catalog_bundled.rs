//! The bundled catalog: every file parses, no price is negative or without a currency and
//! a source, and sample figures match the seed documents, line by line.

use std::path::PathBuf;
use std::str::FromStr;

use rust_decimal::Decimal;
use switchboard::llm::catalog::{BUNDLED_FILES, ModelInfo, bundled, bundled_errors, bundled_model};
use switchboard::llm::protocol::Protocol;

/// One figure to check: the catalog's value, and the seed line it comes from, which must
/// contain `needle` (checked when the seeds are beside the repository, as in CI).
struct Sample {
    provider: &'static str,
    id: &'static str,
    field: &'static str,
    expect: &'static str,
    seed: &'static str,
    line: usize,
    needle: &'static str,
}

const fn s(
    provider: &'static str,
    id: &'static str,
    field: &'static str,
    expect: &'static str,
    seed: &'static str,
    line: usize,
    needle: &'static str,
) -> Sample {
    Sample {
        provider,
        id,
        field,
        expect,
        seed,
        line,
        needle,
    }
}

/// (provider, id, field, expected, seed file prefix, line, text on that line). Fields:
/// `input`, `output`, `cached_input`, `cache_write`, `cache_write_1h`, `per_request`,
/// `context`, `max_output`; `MODE.field` for a pricing mode; `tier>N.field` for the tier
/// above N prompt tokens; `other:ITEM` for another price.
#[rustfmt::skip]
const SAMPLES: &[Sample] = &[
    s("clipia", "claude-opus-4-8", "input", "400", "000", 38, "| 400 |"),
    s("clipia", "claude-opus-4-8", "output", "2000", "000", 38, "2,000"),
    s("clipia", "gpt-5.5", "output", "2400", "000", 39, "2,400"),
    s("clipia", "deepseek-v4-pro", "input", "45.3", "000", 43, "45.3"),
    s("clipia", "gemini-2.5-flash", "output", "260", "000", 44, "| 260 |"),
    s("clipia", "gpt-5.4-nano", "output", "41.7", "000", 46, "41.7"),
    s("clipia", "claude-opus-4-8", "context", "200000", "000", 19, "200000"),
    s("aisa", "gpt-5", "output", "10.0000", "003", 38, "10.0000 out"),
    s("aisa", "gpt-5", "cached_input", "0.1250", "003", 38, "$0.1250/M"),
    s("aisa", "claude-opus-4-1-20250805", "output", "75.0000", "003", 50, "75.0000 out"),
    s("aisa", "wan2.7-image", "per_request", "0.030", "003", 94, "$0.030 / request"),
    s("aisa", "gpt-image-2", "cache_write", "2.0000", "003", 45, "cache write $2.0000/M"),
    s("aisa", "deepseek-v4-flash", "cached_input", "0.0020", "003", 75, "$0.0020/M"),
    s("aisa", "glm-5", "context", "128000", "003", 110, "128,000"),
    s("openai", "gpt-5.2", "input", "1.75", "004", 3807, "$1.75"),
    s("openai", "gpt-5.2", "cached_input", "0.175", "004", 3807, "$0.175"),
    s("openai", "gpt-5.2", "batch.output", "7.00", "004", 3771, "$7.00"),
    s("openai", "gpt-5.2", "priority.input", "3.50", "004", 3857, "$3.50"),
    s("openai", "o3", "flex.cached_input", "0.25", "004", 3802, "$0.25"),
    s("openai", "gpt-4o", "context", "128000", "004", 4528, "128,000"),
    s("openai", "o1", "max_output", "100000", "004", 4742, "100,000"),
    s("openai", "gpt-4.5-preview", "output", "150.00", "004", 5216, "$150.00"),
    s("openai", "text-embedding-3-large", "batch.input", "0.065", "004", 4024, "$0.065"),
    s("openai", "gpt-realtime", "other:audio input", "32.00", "004", 3893, "$32.00"),
    s("anthropic", "claude-opus-4-6", "input", "5", "004", 3034, "$5 / MTok"),
    s("anthropic", "claude-sonnet-4-5-20250929", "cache_write", "3.75", "004", 3038, "$3.75 / MTok"),
    s("anthropic", "claude-sonnet-4-5-20250929", "cache_write_1h", "6", "004", 3038, "$6 / MTok"),
    s("anthropic", "claude-haiku-4-5-20251001", "cached_input", "0.10", "004", 3041, "$0.10 / MTok"),
    s("anthropic", "claude-3-haiku-20240307", "batch.input", "0.125", "004", 3109, "$0.125 / MTok"),
    s("anthropic", "claude-opus-4-6", "tier>200000.output", "37.50", "004", 3118, "$37.50"),
    s("anthropic", "claude-opus-4-6", "fast.tier>200000.output", "225", "004", 3086, "$225 / MTok"),
    s("anthropic", "claude-opus-4-6", "max_output", "128000", "004", 7858, "128K"),
    s("gemini", "gemini-2.5-pro", "tier>200000.input", "2.50", "004", 5772, "$2.50"),
    s("gemini", "gemini-2.5-pro", "batch.input", "0.625", "004", 5784, "$0.625"),
    s("gemini", "gemini-3-pro-preview", "tier>200000.cached_input", "0.40", "004", 5689, "$0.40"),
    s("gemini", "gemini-2.5-flash", "other:audio input", "1.00", "004", 5802, "$1.00 (audio)"),
    s("gemini", "gemini-2.5-flash-lite", "output", "0.40", "004", 5857, "$0.40"),
    s("gemini", "gemini-3-flash-preview", "context", "1048576", "004", 7610, "1,048,576"),
    s("moonshot", "kimi-k2.5", "cached_input", "0.10", "004", 5967, "$0.10"),
    s("moonshot", "kimi-k2-turbo-preview", "output", "8.00", "004", 5980, "$8.00"),
    s("moonshot", "moonshot-v1-128k", "input", "2.00", "004", 5999, "$2.00"),
    s("moonshot", "kimi-k2-0711-preview", "context", "131072", "004", 5979, "131,072 tokens"),
    s("groq", "openai/gpt-oss-20b", "cached_input", "0.0375", "004", 6140, "$0.0375"),
    s("groq", "llama-3.3-70b-versatile", "output", "0.79", "004", 6123, "$0.79"),
    s("groq", "qwen/qwen3-32b", "input", "0.29", "004", 6122, "$0.29"),
    s("deepseek", "deepseek-chat", "cached_input", "0.028", "004", 6429, "$0.028"),
    s("deepseek", "deepseek-reasoner", "output", "0.42", "004", 6431, "$0.42"),
];

fn seed_path(prefix: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{prefix}_")))
        })
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn figure(m: &ModelInfo, field: &str) -> Option<Decimal> {
    match field {
        "context" => return m.context_window.map(Decimal::from),
        "max_output" => return m.max_output.map(Decimal::from),
        _ => {}
    }
    let mut price = m.price.clone()?;
    let mut field = field;
    for mode in ["batch", "flex", "priority", "fast"] {
        if let Some(rest) = field.strip_prefix(&format!("{mode}.")) {
            price = price.in_mode(Some(mode))?;
            field = rest;
        }
    }
    if let Some(item) = field.strip_prefix("other:") {
        return price
            .other
            .iter()
            .find(|o| o.item == item)
            .map(|o| o.amount);
    }
    if let Some(rest) = field.strip_prefix("tier>") {
        let (above, f) = rest.split_once('.')?;
        let above: u64 = above.parse().ok()?;
        let t = price.tiers.iter().find(|t| t.above_input_tokens == above)?;
        return match f {
            "input" => t.input_per_mtok,
            "output" => t.output_per_mtok,
            "cached_input" => t.cached_input_per_mtok,
            _ => None,
        };
    }
    match field {
        "input" => price.input_per_mtok,
        "output" => price.output_per_mtok,
        "cached_input" => price.cached_input_per_mtok,
        "cache_write" => price.cache_write_per_mtok,
        "cache_write_1h" => price.cache_write_1h_per_mtok,
        "per_request" => price.per_request,
        _ => None,
    }
}

#[test]
fn every_file_parses_into_models() {
    assert!(bundled_errors().is_empty(), "{:#?}", bundled_errors());
    assert_eq!(BUNDLED_FILES.len(), 10);
    for (file, _) in BUNDLED_FILES {
        let provider = file.trim_end_matches(".toml");
        let n = bundled().iter().filter(|m| m.provider == provider).count();
        assert!(n > 0, "{file} has no models");
    }
    // Ids are unique within a provider.
    let mut seen = std::collections::HashSet::new();
    for m in bundled() {
        assert!(
            seen.insert((&m.provider, &m.id)),
            "duplicate {}/{}",
            m.provider,
            m.id
        );
    }
}

#[test]
fn no_negative_prices_and_every_price_has_currency_and_source() {
    for m in bundled() {
        let Some(p) = &m.price else { continue };
        assert!(
            !p.has_negative(),
            "{}/{} has a negative price",
            m.provider,
            m.id
        );
        assert!(
            p.currency.is_some(),
            "{}/{} price has no currency",
            m.provider,
            m.id
        );
        let src = p.source.as_deref().unwrap_or_default();
        assert!(
            src.contains(".txt:L"),
            "{}/{} price source `{src}`",
            m.provider,
            m.id
        );
        for mode in &p.modes {
            assert!(
                mode.price.source.is_some(),
                "{}/{} mode {}",
                m.provider,
                m.id,
                mode.mode
            );
        }
        let src = &m.source_of("price").unwrap().detail;
        assert!(src.contains("_"), "{src}");
    }
}

#[test]
fn sample_figures_match_the_seeds() {
    assert!(SAMPLES.len() >= 30);
    let providers: std::collections::BTreeSet<&str> = SAMPLES.iter().map(|s| s.provider).collect();
    assert!(providers.len() >= 8, "{providers:?}");
    for smp in SAMPLES {
        let at = format!("seed {} line {}", smp.seed, smp.line);
        let m = bundled_model(smp.provider, smp.id)
            .unwrap_or_else(|| panic!("{}/{} not in the catalog ({at})", smp.provider, smp.id));
        let got = figure(&m, smp.field);
        assert_eq!(
            got.map(|g| g.normalize()),
            Some(d(smp.expect).normalize()),
            "{}/{} {}: expected {} ({at}: {:?})",
            smp.provider,
            smp.id,
            smp.field,
            smp.expect,
            smp.needle
        );
        // The cited line says it.
        if let Some(path) = seed_path(smp.seed) {
            let text = std::fs::read_to_string(&path).unwrap();
            let line = text.lines().nth(smp.line - 1).unwrap_or_default();
            assert!(
                line.contains(smp.needle),
                "{at} should contain {:?} but is {:?}",
                smp.needle,
                line
            );
        }
    }
}

#[test]
fn absent_is_absent_never_zero() {
    // AIsa gives no input price; Mistral and Zhipu have no price in the seeds at all.
    let gpt5 = bundled_model("aisa", "gpt-5").unwrap();
    assert_eq!(gpt5.price.unwrap().input_per_mtok, None);
    for (p, id) in [("mistral", "mistral-large-latest"), ("zhipu", "glm-4.7")] {
        let m = bundled_model(p, id).unwrap();
        assert!(m.price.is_none(), "{p}/{id}");
    }
    // "-" in OpenAI's table: gpt-5.2-pro has no cached-input price.
    let pro = bundled_model("openai", "gpt-5.2-pro")
        .unwrap()
        .price
        .unwrap();
    assert_eq!(pro.cached_input_per_mtok, None);
    // The AIsa Claude cache-read figures without "$" are left out.
    let haiku = bundled_model("aisa", "claude-haiku-4-5-20251001")
        .unwrap()
        .price
        .unwrap();
    assert_eq!(haiku.cached_input_per_mtok, None);
    // Nothing anywhere is priced at zero.
    for m in bundled() {
        if let Some(p) = &m.price {
            for v in [p.input_per_mtok, p.output_per_mtok, p.cached_input_per_mtok] {
                assert_ne!(v, Some(Decimal::ZERO), "{}/{}", m.provider, m.id);
            }
        }
    }
}

#[test]
fn aisa_endpoint_counts_match_its_endpoint_table() {
    // 003 lines 5-12: chat 55, messages 10, responses 4, images 1, generateContent 1.
    let aisa: Vec<_> = bundled().iter().filter(|m| m.provider == "aisa").collect();
    assert_eq!(aisa.len(), 57);
    let count = |e: &str| {
        aisa.iter()
            .filter(|m| m.endpoints.iter().any(|x| x == e))
            .count()
    };
    assert_eq!(count("POST /v1/chat/completions"), 55);
    assert_eq!(count("POST /v1/messages"), 10);
    assert_eq!(count("POST /v1/responses"), 4);
    assert_eq!(count("POST /v1/images/generations"), 1);
    assert_eq!(count("POST /v1beta/models/{model}:generateContent"), 1);
    // Responses-only and messages-first models.
    let gpt54 = bundled_model("aisa", "gpt-5.4").unwrap();
    assert_eq!(gpt54.protocols, vec![Protocol::OpenAiResponses]);
    let opus = bundled_model("aisa", "claude-opus-4-8").unwrap();
    assert_eq!(
        opus.protocols,
        vec![Protocol::Anthropic, Protocol::OpenAiChat]
    );
    // The image model is served by no chat protocol.
    let img = bundled_model("aisa", "gpt-image-2").unwrap();
    assert!(img.protocols.is_empty() && !img.endpoints.is_empty());
}

#[test]
fn aliases_and_provenance() {
    let by_alias = bundled_model("anthropic", "claude-sonnet-4-5").unwrap();
    assert_eq!(by_alias.id, "claude-sonnet-4-5-20250929");
    assert_eq!(by_alias.protocols, vec![Protocol::Anthropic]);
    let src = by_alias.source_of("price").unwrap();
    assert_eq!(src.origin, switchboard::llm::catalog::Origin::Bundled);
    assert!(
        src.detail.starts_with("004_8b2dea290987c8e8.txt:L3038"),
        "{}",
        src.detail
    );
    assert!(bundled_model("anthropic", "no-such-model").is_none());
    assert!(bundled_model("openai", "claude-sonnet-4-5").is_none());
}
