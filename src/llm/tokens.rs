//! How many tokens a prompt will take, before it is sent.
//!
//! OpenAI-family models are counted with their own tokenizer (tiktoken-rs, whose BPE ranks
//! are compiled into the binary: nothing is downloaded). Other models get an approximation,
//! marked as such: a quarter of the UTF-8 bytes, which is Google's "a token is about 4
//! characters" for English text and leans high, not low, for Cyrillic and CJK, so the
//! "at most" cost it feeds stays an upper bound more often than not.

use serde::Serialize;
use tiktoken_rs::CoreBPE;
use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

use super::chat::{ChatRequest, Part};

/// How an estimate was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EstimateMethod {
    /// The model's own tokenizer; the text is counted exactly, the per-message framing as
    /// OpenAI documents it (3 tokens a message, 3 to prime the reply).
    Tiktoken { encoding: &'static str },
    /// Not the model's tokenizer: UTF-8 bytes / 4, rounded up. Show it as approximate.
    Approximate,
}

/// The estimated prompt size of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PromptEstimate {
    pub tokens: u64,
    pub method: EstimateMethod,
}

impl PromptEstimate {
    /// True when the count came from the model's own tokenizer.
    pub fn is_exact(&self) -> bool {
        matches!(self.method, EstimateMethod::Tiktoken { .. })
    }
}

/// Tokens OpenAI adds around each message and to prime the reply (OpenAI cookbook, "How to
/// count tokens with tiktoken", for gpt-4o-era chat models).
const PER_MESSAGE: u64 = 3;
const REPLY_PRIMING: u64 = 3;

/// Estimates the prompt tokens of `chat` for `chat.model`.
pub fn estimate_prompt(chat: &ChatRequest) -> PromptEstimate {
    estimate_prompt_for(&chat.model, chat)
}

/// Estimates the prompt tokens of `chat` as `model` would count them. `model` may carry a
/// gateway prefix (`openai/gpt-oss-20b`): the last path segment names the tokenizer.
pub fn estimate_prompt_for(model: &str, chat: &ChatRequest) -> PromptEstimate {
    let texts = prompt_texts(chat);
    match encoder_for(model) {
        Some((encoding, bpe)) => {
            let text: u64 = texts
                .iter()
                .map(|t| bpe.encode_with_special_tokens(t).len() as u64)
                .sum();
            let framing = chat.messages.len() as u64 * PER_MESSAGE + REPLY_PRIMING;
            PromptEstimate {
                tokens: text + framing,
                method: EstimateMethod::Tiktoken { encoding },
            }
        }
        None => PromptEstimate {
            tokens: texts.iter().map(|t| approximate_tokens(t)).sum::<u64>()
                + chat.messages.len() as u64 * PER_MESSAGE,
            method: EstimateMethod::Approximate,
        },
    }
}

/// The approximation used for models without a known tokenizer: UTF-8 bytes / 4, rounded up.
pub fn approximate_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

/// `estimate_prompt_for` that remembers what each text counted: a comparison's estimate
/// is redrawn with every key typed, and tokenizing every lane's whole history each time
/// (tiktoken, for OpenAI-family models) took milliseconds per lane. Each text is counted
/// once per tokenizer; only the new prompt is counted again as it changes. The answer is
/// the same as `estimate_prompt_for`'s: its text counts are summed per text.
#[derive(Debug, Default)]
pub struct MemoCounter {
    /// Token counts by hash of (tokenizer, text).
    counts: std::sync::Mutex<std::collections::HashMap<u64, u64>>,
}

/// Texts remembered at most; past it the memory starts again (a long session's old
/// comparisons are not worth keeping counts for).
const MEMO_MAX: usize = 4096;

impl MemoCounter {
    /// The estimate of `chat`'s prompt as `model` counts it.
    pub fn estimate(&self, model: &str, chat: &ChatRequest) -> PromptEstimate {
        let Some((encoding, bpe)) = encoder_for(model) else {
            return estimate_prompt_for(model, chat);
        };
        let Ok(mut counts) = self.counts.lock() else {
            return estimate_prompt_for(model, chat);
        };
        if counts.len() > MEMO_MAX {
            counts.clear();
        }
        let text: u64 = prompt_texts(chat)
            .iter()
            .map(|t| {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (encoding, t).hash(&mut h);
                *counts
                    .entry(h.finish())
                    .or_insert_with(|| bpe.encode_with_special_tokens(t).len() as u64)
            })
            .sum();
        PromptEstimate {
            tokens: text + chat.messages.len() as u64 * PER_MESSAGE + REPLY_PRIMING,
            method: EstimateMethod::Tiktoken { encoding },
        }
    }
}

/// Counts `text` with the model's tokenizer, if it has a known one.
pub fn count_exact(model: &str, text: &str) -> Option<u64> {
    encoder_for(model).map(|(_, bpe)| bpe.encode_with_special_tokens(text).len() as u64)
}

/// The name of the tokenizer the model uses, when Switchboard has it.
pub fn encoding_for(model: &str) -> Option<&'static str> {
    tokenizer_for(model).map(encoding_name)
}

fn tokenizer_for(model: &str) -> Option<Tokenizer> {
    let base = model.rsplit('/').next().unwrap_or(model);
    get_tokenizer(base).filter(|t| {
        matches!(
            t,
            Tokenizer::O200kBase | Tokenizer::O200kHarmony | Tokenizer::Cl100kBase
        )
    })
}

fn encoding_name(t: Tokenizer) -> &'static str {
    match t {
        Tokenizer::O200kHarmony => "o200k_harmony",
        Tokenizer::Cl100kBase => "cl100k_base",
        _ => "o200k_base",
    }
}

fn encoder_for(model: &str) -> Option<(&'static str, &'static CoreBPE)> {
    let t = tokenizer_for(model)?;
    let bpe = match t {
        Tokenizer::O200kHarmony => tiktoken_rs::o200k_harmony_singleton(),
        Tokenizer::Cl100kBase => tiktoken_rs::cl100k_base_singleton(),
        _ => tiktoken_rs::o200k_base_singleton(),
    };
    Some((encoding_name(t), bpe))
}

/// Every piece of text that goes into the prompt: message parts, tool definitions and the
/// response format, each as it will be serialized.
fn prompt_texts(chat: &ChatRequest) -> Vec<String> {
    let mut out = Vec::new();
    for m in &chat.messages {
        out.push(m.role.as_str().to_string());
        for part in &m.parts {
            match part {
                Part::Text { text } | Part::Reasoning { text, .. } => out.push(text.clone()),
                // Encrypted: its tokens are counted by the provider, not guessable here.
                Part::RedactedReasoning { .. } => {}
                Part::ToolCall {
                    name, arguments, ..
                } => {
                    out.push(name.clone());
                    out.push(arguments.clone());
                }
                Part::ToolResult { content, .. } => out.push(content.clone()),
            }
        }
    }
    for tool in &chat.params.tools {
        out.push(serde_json::to_string(tool).unwrap_or_default());
    }
    if let Some(rf) = &chat.params.response_format {
        out.push(rf.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::chat::{Message, Role};

    #[test]
    fn the_memo_counter_gives_the_same_estimates_and_remembers_texts() {
        let memo = MemoCounter::default();
        let mut chat = ChatRequest::new("gpt-4o", "How many tokens is this?");
        chat.messages
            .insert(0, Message::text(Role::System, "Be brief. ".repeat(50)));
        for model in [
            "gpt-4o",
            "openai/gpt-4o-mini",
            "claude-sonnet-4-5",
            "demo-fast",
        ] {
            assert_eq!(
                memo.estimate(model, &chat),
                estimate_prompt_for(model, &chat),
                "{model}"
            );
        }
        let remembered = memo.counts.lock().unwrap().len();
        assert!(remembered >= 4, "{remembered}");
        // A changed prompt counts only the new text; the answer still matches.
        chat.messages[1] = Message::text(Role::User, "How many tokens is this one?");
        assert_eq!(
            memo.estimate("gpt-4o", &chat),
            estimate_prompt_for("gpt-4o", &chat)
        );
        assert_eq!(memo.counts.lock().unwrap().len(), remembered + 1);
    }

    #[test]
    fn openai_models_use_their_own_tokenizer() {
        assert_eq!(encoding_for("gpt-4o"), Some("o200k_base"));
        assert_eq!(encoding_for("gpt-5.2"), Some("o200k_base"));
        assert_eq!(encoding_for("o3"), Some("o200k_base"));
        assert_eq!(encoding_for("gpt-4o-mini-2024-07-18"), Some("o200k_base"));
        assert_eq!(encoding_for("gpt-4"), Some("cl100k_base"));
        assert_eq!(encoding_for("gpt-3.5-turbo"), Some("cl100k_base"));
        assert_eq!(encoding_for("openai/gpt-oss-20b"), Some("o200k_harmony"));
        assert_eq!(encoding_for("claude-opus-4-6"), None);
        assert_eq!(encoding_for("gemini-2.5-pro"), None);
    }

    #[test]
    fn exact_counts_match_the_tokenizer() {
        // "hello world" is two tokens in both o200k_base and cl100k_base.
        assert_eq!(count_exact("gpt-4o", "hello world"), Some(2));
        assert_eq!(count_exact("gpt-4", "hello world"), Some(2));
        let chat = ChatRequest::new("gpt-4o", "hello world");
        let e = estimate_prompt(&chat);
        // 1 for "user" + 2 text + 3 per message + 3 reply priming
        assert_eq!(e.tokens, 9);
        assert!(e.is_exact());
    }

    #[test]
    fn other_models_are_marked_approximate() {
        let mut chat = ChatRequest::new("claude-sonnet-4-5", "x".repeat(400));
        chat.messages
            .insert(0, Message::text(Role::System, "Be brief."));
        let e = estimate_prompt(&chat);
        assert_eq!(e.method, EstimateMethod::Approximate);
        // "system" 2 + "Be brief." 3 + "user" 1 + 400/4 = 100, + 2 messages * 3
        assert_eq!(e.tokens, 2 + 3 + 1 + 100 + 6);
        // Cyrillic: 2 bytes a letter, so "привет" (12 bytes) is 3.
        assert_eq!(approximate_tokens("привет"), 3);
    }
}
