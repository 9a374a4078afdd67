//! The demo models: their catalog facts, prices and pacing, and the exact cost arithmetic.

use rust_decimal::Decimal;
use std::str::FromStr;

/// How a demo model shapes its answers (see `answer.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerStyle {
    /// One or two short paragraphs.
    Brief,
    /// Several paragraphs and a closing summary.
    Thorough,
    /// A few sentences of visible reasoning, then a compact answer.
    Reasoning,
    /// Markdown: a heading, a list, a table and a fenced code block.
    Markdown,
}

/// One model served by the demo provider, with its catalog facts, prices and pacing.
///
/// Prices are exact decimal strings in US dollars per million tokens, like a price page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoModel {
    /// The id sent in `model` (`demo-fast`).
    pub id: &'static str,
    /// A display name.
    pub name: &'static str,
    /// Context window in tokens.
    pub context_length: u64,
    /// Maximum output tokens per request.
    pub max_output: u64,
    /// USD per million uncached input tokens.
    pub input_usd_per_mtok: &'static str,
    /// USD per million output tokens (reasoning tokens included).
    pub output_usd_per_mtok: &'static str,
    /// USD per million cached input tokens; `None` when the model has no prompt cache.
    pub cached_input_usd_per_mtok: Option<&'static str>,
    /// Streams `reasoning_content` before its answer.
    pub reasoning: bool,
    /// Emits tool calls (none of the demo models does; the field exists for the catalog).
    pub tools: bool,
    /// Accepts image parts.
    pub vision: bool,
    /// One line for the catalog.
    pub description: &'static str,
    /// Default time to first token, in milliseconds.
    pub ttft_ms: u64,
    /// Default pause between tokens, in milliseconds.
    pub token_delay_ms: u64,
    /// How the model writes.
    pub style: AnswerStyle,
}

static MODELS: [DemoModel; 4] = [
    DemoModel {
        id: "demo-fast",
        name: "Demo Fast",
        context_length: 128_000,
        max_output: 16_384,
        input_usd_per_mtok: "0.10",
        output_usd_per_mtok: "0.40",
        cached_input_usd_per_mtok: Some("0.025"),
        reasoning: false,
        tools: false,
        vision: false,
        description: "Small and cheap: answers at once, about 500 tokens per second, short and to the point.",
        ttft_ms: 15,
        token_delay_ms: 2,
        style: AnswerStyle::Brief,
    },
    DemoModel {
        id: "demo-flagship",
        name: "Demo Flagship",
        context_length: 400_000,
        max_output: 32_000,
        input_usd_per_mtok: "5",
        output_usd_per_mtok: "25",
        cached_input_usd_per_mtok: Some("0.50"),
        reasoning: false,
        tools: false,
        vision: true,
        description: "Large and expensive: thinks for over a second before the first token, then writes long, careful answers at about 40 tokens per second.",
        ttft_ms: 1_200,
        token_delay_ms: 25,
        style: AnswerStyle::Thorough,
    },
    DemoModel {
        id: "demo-reasoner",
        name: "Demo Reasoner",
        context_length: 200_000,
        max_output: 100_000,
        input_usd_per_mtok: "1.10",
        output_usd_per_mtok: "4.40",
        cached_input_usd_per_mtok: Some("0.275"),
        reasoning: true,
        tools: false,
        vision: false,
        description: "Streams its reasoning (reasoning_content) before a compact answer; reasoning tokens are billed as output.",
        ttft_ms: 300,
        token_delay_ms: 8,
        style: AnswerStyle::Reasoning,
    },
    DemoModel {
        id: "demo-coder",
        name: "Demo Coder",
        context_length: 256_000,
        max_output: 64_000,
        input_usd_per_mtok: "0.30",
        output_usd_per_mtok: "1.20",
        cached_input_usd_per_mtok: None,
        reasoning: false,
        tools: false,
        vision: false,
        description: "Answers in Markdown with a heading, a list, a table and a fenced code block; no prompt cache.",
        ttft_ms: 150,
        token_delay_ms: 6,
        style: AnswerStyle::Markdown,
    },
];

/// Unix time the demo models claim to have been created (2026-01-01).
pub const CREATED: u64 = 1_767_225_600;

/// All demo models, in catalog order.
pub fn models() -> &'static [DemoModel] {
    &MODELS
}

/// The demo model with this exact id.
pub fn find(id: &str) -> Option<&'static DemoModel> {
    MODELS.iter().find(|m| m.id == id)
}

/// The valid ids, comma separated, for error messages.
pub fn id_list() -> String {
    let ids: Vec<&str> = MODELS.iter().map(|m| m.id).collect();
    ids.join(", ")
}

fn parse(price: &str) -> Decimal {
    // The table above is static and tested; a typo would show up as a zero price in tests.
    Decimal::from_str(price).unwrap_or(Decimal::ZERO)
}

/// A per-million price as an exact per-token decimal string ("0.10" -> "0.0000001").
pub fn per_token(per_mtok: &str) -> String {
    parse(per_mtok)
        .checked_div(Decimal::from(1_000_000u32))
        .unwrap_or(Decimal::ZERO)
        .normalize()
        .to_string()
}

/// Token counts of one completion, as reported in `usage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenCounts {
    /// All input tokens, cached ones included.
    pub prompt: u64,
    /// The part of `prompt` read from the cache.
    pub cached: u64,
    /// Output tokens, reasoning included.
    pub completion: u64,
    /// The part of `completion` that was reasoning.
    pub reasoning: u64,
}

impl DemoModel {
    /// The exact USD cost of a completion with these counts.
    pub fn cost(&self, counts: &TokenCounts) -> Decimal {
        let mtok = Decimal::from(1_000_000u32);
        let cached = match self.cached_input_usd_per_mtok {
            Some(_) => counts.cached.min(counts.prompt),
            None => 0,
        };
        let uncached = counts.prompt - cached;
        let cached_price = self
            .cached_input_usd_per_mtok
            .map(parse)
            .unwrap_or(Decimal::ZERO);
        let parts = [
            (uncached, parse(self.input_usd_per_mtok)),
            (cached, cached_price),
            (counts.completion, parse(self.output_usd_per_mtok)),
        ];
        let mut total = Decimal::ZERO;
        for (tokens, price) in parts {
            let part = Decimal::from(tokens)
                .checked_mul(price)
                .and_then(|v| v.checked_div(mtok))
                .unwrap_or(Decimal::ZERO);
            total = total.checked_add(part).unwrap_or(total);
        }
        total.normalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_exactly() {
        for m in models() {
            assert!(Decimal::from_str(m.input_usd_per_mtok).is_ok(), "{}", m.id);
            assert!(Decimal::from_str(m.output_usd_per_mtok).is_ok(), "{}", m.id);
            if let Some(c) = m.cached_input_usd_per_mtok {
                assert!(Decimal::from_str(c).is_ok(), "{}", m.id);
            }
            assert!(m.max_output <= m.context_length);
        }
    }

    #[test]
    fn per_token_strings() {
        assert_eq!(per_token("0.10"), "0.0000001");
        assert_eq!(per_token("0.40"), "0.0000004");
        assert_eq!(per_token("25"), "0.000025");
        assert_eq!(per_token("0.275"), "0.000000275");
    }

    #[test]
    fn cost_is_exact() {
        let fast = find("demo-fast").expect("demo-fast");
        let counts = TokenCounts {
            prompt: 1000,
            cached: 0,
            completion: 500,
            reasoning: 0,
        };
        // 1000 * 0.10/1M + 500 * 0.40/1M = 0.0001 + 0.0002
        assert_eq!(fast.cost(&counts).to_string(), "0.0003");
        let flagship = find("demo-flagship").expect("demo-flagship");
        let counts = TokenCounts {
            prompt: 2000,
            cached: 1024,
            completion: 100,
            reasoning: 0,
        };
        // 976 * 5/1M + 1024 * 0.5/1M + 100 * 25/1M = 0.00488 + 0.000512 + 0.0025
        assert_eq!(flagship.cost(&counts).to_string(), "0.007892");
        // No cache price: cached tokens are billed as ordinary input.
        let coder = find("demo-coder").expect("demo-coder");
        let counts = TokenCounts {
            prompt: 10,
            cached: 10,
            completion: 0,
            reasoning: 0,
        };
        assert_eq!(coder.cost(&counts).to_string(), "0.000003");
    }

    #[test]
    fn lookup() {
        assert!(find("demo-reasoner").is_some_and(|m| m.reasoning));
        assert!(find("demo-nope").is_none());
        assert!(id_list().contains("demo-coder"));
    }
}
