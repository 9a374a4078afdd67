//! A planned answer: the text to send, how many tokens of it, and the usage to report.

use super::faults::Faults;
use super::models::{DemoModel, TokenCounts};
use super::tokens::{self, Tokenized};

/// Everything needed to send one answer.
#[derive(Debug)]
pub struct Plan {
    /// The model (without fault suffix).
    pub model: &'static DemoModel,
    /// Requested misbehaviour.
    pub faults: Faults,
    /// `stream: true`.
    pub stream: bool,
    /// `stream_options.include_usage` (or OpenRouter's `usage.include`).
    pub include_usage: bool,
    /// Reasoning text; its first `reasoning_sent` tokens are sent.
    pub reasoning: Tokenized,
    /// Answer text; tokens past its end come from the cyclic corpus (`tokens=N`).
    pub content: Tokenized,
    /// Reasoning tokens sent.
    pub reasoning_sent: usize,
    /// Content tokens sent.
    pub content_sent: usize,
    /// `stop` or `length`.
    pub finish_reason: &'static str,
    /// The usage reported.
    pub counts: TokenCounts,
}

impl Plan {
    /// Total tokens sent (reasoning first, then content).
    pub fn total(&self) -> usize {
        self.reasoning_sent + self.content_sent
    }

    /// Token `i` of the whole sequence and whether it is reasoning.
    pub fn token(&self, i: usize) -> (bool, &str) {
        if i < self.reasoning_sent {
            return (true, self.reasoning.get(i));
        }
        let j = i - self.reasoning_sent;
        if j < self.content.len() {
            return (false, self.content.get(j));
        }
        let corpus = tokens::corpus();
        if corpus.is_empty() {
            return (false, " ");
        }
        (false, corpus.get((j - self.content.len()) % corpus.len()))
    }

    /// The sent content as one string (for non-streaming replies).
    pub fn content_text(&self) -> String {
        if self.content_sent <= self.content.len() {
            return self.content.prefix(self.content_sent).to_string();
        }
        let mut s = self.content.text().to_string();
        for i in self.content.len()..self.content_sent {
            s.push_str(self.token(self.reasoning_sent + i).1);
        }
        s
    }

    /// The sent reasoning as one string.
    pub fn reasoning_text(&self) -> &str {
        self.reasoning.prefix(self.reasoning_sent)
    }
}
