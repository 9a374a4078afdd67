//! A conversation's title written by a model (`[store] title_model`, off by default).
//!
//! Without it a conversation keeps the title the store gives it from the first prompt
//! (`store::auto_title`), which costs nothing. With it, once the first answer is in, one
//! short extra request asks that model for a title; its cost is reported like any other
//! request's. Shared by `ask` and the UI so both ask the same question.

use tokio_util::sync::CancellationToken;

use crate::llm::chat::{ChatRequest, Message, Params, Role};
use crate::llm::event::StreamEvent;
use crate::llm::money::{Money, cost};
use crate::llm::provider::ModelRef;
use crate::llm::run::{self, Update};
use crate::workbench::Workbench;

/// The longest title kept, in characters (the store's own titles are about as long).
pub const MAX_CHARS: usize = 60;

/// How the title request begins: the demo provider recognises it and answers with a title.
pub const REQUEST_OPENING: &str = "Write a title of at most six words for the conversation below.";

/// How much of the prompt and answer is shown to the titling model: enough for a topic,
/// little enough that the request stays cheap.
const EXCERPT_CHARS: usize = 1500;

/// A title a model wrote, with what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Titled {
    /// The title, cleaned (one line, no quotes, at most `MAX_CHARS`).
    pub title: String,
    /// The cost computed from the catalog price, when the price is known.
    pub cost: Option<Money>,
    /// The cost the provider reported, when it does.
    pub reported: Option<Money>,
}

/// The request that asks for a title of the conversation that opened with `prompt` and
/// `answer`: not streamed, temperature 0, a few tokens.
pub fn title_request(prompt: &str, answer: &str) -> ChatRequest {
    let ask = format!(
        "{REQUEST_OPENING} Reply with the title only: no quotes, no punctuation at the \
         end.\n\n<user>\n{}\n</user>\n<assistant>\n{}\n</assistant>",
        excerpt(prompt),
        excerpt(answer)
    );
    ChatRequest {
        model: String::new(),
        messages: vec![Message::text(Role::User, ask)],
        params: Params {
            temperature: Some(0.0),
            max_tokens: Some(32),
            ..Params::default()
        },
        stream: false,
    }
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Makes a title of what a model answered: its first non-empty line, without markdown
/// heading marks, a `Title:` label or surrounding quotes, cut at a word boundary to
/// `MAX_CHARS`. `None` when nothing is left.
pub fn clean(answer: &str) -> Option<String> {
    let line = answer.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line.trim_start_matches('#').trim();
    let line = match line.split_once(':') {
        Some((label, rest)) if label.trim().eq_ignore_ascii_case("title") => rest.trim(),
        _ => line,
    };
    let quotes: &[char] = &['"', '\'', '“', '”', '«', '»', '`', '*'];
    // A full stop may sit outside the quotes or inside them.
    let line = line.trim_end_matches('.').trim_matches(quotes).trim();
    let line = line.trim_end_matches('.').trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        let len = out.chars().count() + usize::from(!out.is_empty()) + w.chars().count();
        if len > MAX_CHARS {
            if out.is_empty() {
                out = w.chars().take(MAX_CHARS).collect();
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    (!out.is_empty()).then_some(out)
}

/// Asks `model` for a title of the conversation that opened with `prompt` and `answer`.
/// The error says what went wrong, in one line, for a notice.
pub async fn write(
    bench: &Workbench,
    model: &ModelRef,
    prompt: &str,
    answer: &str,
    cancel: &CancellationToken,
) -> Result<Titled, String> {
    let chat = title_request(prompt, answer);
    let prepared = bench
        .prepare(model, &chat)
        .await
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    let exchange = run::run(
        &bench.client,
        &prepared.request,
        prepared.protocol,
        &prepared.options,
        cancel,
        &mut |u| {
            if let Update::Event(StreamEvent::TextDelta { text: t }) = u {
                text.push_str(t);
            }
        },
    )
    .await;
    if let Some(e) = &exchange.error {
        return Err(e.to_string());
    }
    let title = clean(&text).ok_or_else(|| format!("{model} answered no title"))?;
    let computed = exchange
        .usage
        .as_ref()
        .zip(bench.known_price(model).as_ref())
        .and_then(|(u, p)| cost(u, p));
    Ok(Titled {
        title,
        cost: computed,
        reported: exchange.usage.and_then(|u| u.provider_cost),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_takes_the_first_line_without_labels_quotes_or_a_full_stop() {
        assert_eq!(
            clean("\n  \"Rust streaming tips\".\nmore"),
            Some("Rust streaming tips".into())
        );
        assert_eq!(
            clean("Title: Why the sky is blue"),
            Some("Why the sky is blue".into())
        );
        assert_eq!(
            clean("## **Tokio cancel tokens**"),
            Some("Tokio cancel tokens".into())
        );
        assert_eq!(clean(" \n \"\" "), None);
        let long = "word ".repeat(40);
        let t = clean(&long).unwrap();
        assert!(t.chars().count() <= MAX_CHARS && t.ends_with("word"), "{t}");
        let one = "x".repeat(200);
        assert_eq!(clean(&one).unwrap().chars().count(), MAX_CHARS);
    }

    #[test]
    fn the_request_is_short_cold_and_cuts_long_answers() {
        let answer = "é".repeat(5000);
        let r = title_request("How do I stream?", &answer);
        assert!(!r.stream);
        assert_eq!(r.params.temperature, Some(0.0));
        assert_eq!(r.params.max_tokens, Some(32));
        let text = r.messages[0].joined_text();
        assert!(text.contains("How do I stream?"));
        assert!(
            text.chars().count() < 2 * EXCERPT_CHARS + 400,
            "{}",
            text.len()
        );
        assert!(text.contains('…'));
    }
}
