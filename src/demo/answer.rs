//! Deterministic answers: the same (prompt, model, seed, temperature) always gives the same
//! text, stitched from the sentences in `bank.rs` about the topics the prompt mentions.

use super::bank::{GENERAL, OPENERS, THOUGHTS, TOPICS, Topic};
use super::coder::markdown;
use super::hash::{FNV_OFFSET, Rng, fnv1a};
use super::models::{AnswerStyle, DemoModel};
use super::tokens;

/// What an answer depends on.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The model answering.
    pub model: &'a DemoModel,
    /// The last user message (text parts joined).
    pub question: &'a str,
    /// How many user messages the conversation holds.
    pub user_turns: usize,
    /// How many image parts the last user message holds.
    pub images: usize,
    /// The request's `seed` (0 when absent).
    pub seed: u64,
    /// The request's `temperature`, if any.
    pub temperature: Option<f64>,
}

/// A generated answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// `reasoning_content`; empty for non-reasoning models.
    pub reasoning: String,
    /// The visible answer.
    pub content: String,
}

/// The hash every choice derives from.
pub fn query_hash(q: &Query) -> u64 {
    let mut h = fnv1a(q.model.id.as_bytes(), FNV_OFFSET);
    h = fnv1a(&[0], h);
    h = fnv1a(q.question.as_bytes(), h);
    h = fnv1a(&q.seed.to_le_bytes(), h);
    // Temperature 0 (or none) is the default; others vary the choice in steps of 0.1.
    let bucket = match q.temperature {
        Some(t) if t.is_finite() && t > 0.0 => (t.min(10.0) * 10.0).round() as u64,
        _ => 0,
    };
    fnv1a(&bucket.to_le_bytes(), h)
}

/// The question as quoted in the first sentence: one line, at most 100 characters.
pub fn quote(question: &str) -> String {
    let flat: Vec<&str> = question.split_whitespace().collect();
    let flat = flat.join(" ");
    if flat.is_empty() {
        return "your message".to_string();
    }
    if flat.chars().count() <= 100 {
        return flat;
    }
    let mut cut: String = flat.chars().take(99).collect();
    cut.push('…');
    cut
}

fn matches(word: &str, key: &str) -> bool {
    if key.len() >= 4 {
        word.starts_with(key)
    } else {
        word == key
    }
}

/// The topics the question mentions, most mentioned first; never empty.
fn topics(question: &str, rng: &mut Rng) -> Vec<usize> {
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut scored: Vec<(usize, usize)> = TOPICS
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let hits = words
                .iter()
                .filter(|w| t.keywords.iter().any(|k| matches(w, k)))
                .count();
            (i, hits)
        })
        .filter(|&(_, hits)| hits > 0)
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut found: Vec<usize> = scored.into_iter().map(|(i, _)| i).take(3).collect();
    if found.is_empty() {
        found.push(GENERAL);
        found.push(1 + rng.below(TOPICS.len() - 1));
    }
    found
}

/// Sentences from `chosen` topics, each in a shuffled order: two from the main topic, then
/// one from each other topic, round after round. The general topic opens with its first
/// sentence (the honest "I am a demo" one).
fn sentences(chosen: &[usize], rng: &mut Rng) -> Vec<&'static str> {
    let mut orders: Vec<(&Topic, std::vec::IntoIter<usize>)> = Vec::new();
    for &i in chosen {
        let Some(topic) = TOPICS.get(i) else { continue };
        let order = if i == GENERAL {
            let rest = rng.shuffled(topic.sentences.len().saturating_sub(1));
            std::iter::once(0)
                .chain(rest.into_iter().map(|k| k + 1))
                .collect()
        } else {
            rng.shuffled(topic.sentences.len())
        };
        orders.push((topic, order.into_iter()));
    }
    let total: usize = chosen
        .iter()
        .filter_map(|&i| TOPICS.get(i))
        .map(|t| t.sentences.len())
        .sum();
    let mut out = Vec::with_capacity(total);
    // Bounded: every round takes at least one sentence until all are used.
    while out.len() < total {
        let before = out.len();
        for (n, (topic, order)) in orders.iter_mut().enumerate() {
            let take = if n == 0 { 2 } else { 1 };
            for k in order.by_ref().take(take) {
                if let Some(s) = topic.sentences.get(k) {
                    out.push(*s);
                }
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// Takes sentences until `target` tokens are reached, grouped `per_para` to a paragraph.
fn paragraphs(first: String, pool: &[&str], target: usize, per_para: usize) -> String {
    let mut text = first;
    let mut used = tokens::count(&text);
    let mut in_para = 1;
    for s in pool {
        if used >= target {
            break;
        }
        if in_para >= per_para {
            text.push_str("\n\n");
            in_para = 0;
        } else {
            text.push(' ');
        }
        text.push_str(s);
        used += tokens::count(s) + 1;
        in_para += 1;
    }
    text
}

/// Switchboard's own title request (`title::title_request`) gets what a small model
/// would write: the first words of the user's message.
fn title_for(question: &str) -> Option<String> {
    let rest = question.strip_prefix(crate::title::REQUEST_OPENING)?;
    let (_, user) = rest.split_once("<user>\n")?;
    let (user, _) = user.split_once("\n</user>")?;
    let words: Vec<&str> = user.split_whitespace().take(6).collect();
    let title = words.join(" ");
    let title = title.trim_end_matches(['?', '!', '.', ',', ':', ';']);
    (!title.is_empty()).then(|| capitalise(title))
}

pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Writes the answer for `q`.
pub fn answer(q: &Query) -> Answer {
    if let Some(title) = title_for(q.question) {
        return Answer {
            reasoning: String::new(),
            content: title,
        };
    }
    let mut rng = Rng(query_hash(q));
    let quoted = quote(q.question);
    let chosen = topics(q.question, &mut rng);
    let main = TOPICS
        .get(chosen.first().copied().unwrap_or(GENERAL))
        .unwrap_or(&TOPICS[GENERAL]);
    let mut opener = OPENERS[rng.below(OPENERS.len())].replace("{q}", &quoted);
    for (doubled, single) in [("?\".", "?\""), ("!\".", "!\""), (".\".", ".\"")] {
        opener = opener.replace(doubled, single);
    }
    if q.user_turns > 1 {
        opener = format!("Building on what we discussed: {opener}");
    }
    if q.images > 0 {
        let noun = if q.images == 1 {
            "the image"
        } else {
            "the images"
        };
        opener.push_str(&format!(
            " I received {noun} you attached, but as a local demo model I can only acknowledge it, not describe it."
        ));
    }
    let pool = sentences(&chosen, &mut rng);
    let summary = capitalise(main.summary);
    match q.model.style {
        AnswerStyle::Brief => {
            let target = rng.between(60, 110);
            Answer {
                reasoning: String::new(),
                content: paragraphs(opener, &pool, target, 4),
            }
        }
        AnswerStyle::Thorough => {
            let target = rng.between(150, 220);
            let mut content = paragraphs(opener, &pool, target, 3);
            content.push_str(&format!("\n\nIn short: {}", main.summary));
            Answer {
                reasoning: String::new(),
                content,
            }
        }
        AnswerStyle::Reasoning => {
            let steps = rng.between(4, 7);
            let mut reasoning = String::new();
            let mut order = rng.shuffled(THOUGHTS.len() - 2);
            order.truncate(steps.saturating_sub(2));
            order.sort_unstable();
            let picks = std::iter::once(0)
                .chain(order.into_iter().map(|i| i + 1))
                .chain([THOUGHTS.len() - 1]);
            for (n, i) in picks.enumerate() {
                if n > 0 {
                    reasoning.push(' ');
                }
                let line = THOUGHTS[i]
                    .replace("{q}", &quoted)
                    .replace("{t}", main.noun);
                reasoning.push_str(&line);
            }
            let target = rng.between(45, 80);
            let mut content = paragraphs(opener, &pool, target, 4);
            content.push_str(&format!("\n\n**Answer:** {summary}"));
            Answer { reasoning, content }
        }
        AnswerStyle::Markdown => {
            let lower = q.question.to_lowercase();
            Answer {
                reasoning: String::new(),
                content: markdown(main, &chosen, opener, &pool, &lower, &mut rng),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::models::{find, models};

    fn q<'a>(model: &'a str, question: &'a str, seed: u64) -> Query<'a> {
        Query {
            model: find(model).expect("model"),
            question,
            user_turns: 1,
            images: 0,
            seed,
            temperature: None,
        }
    }

    #[test]
    fn deterministic_and_seeded() {
        for m in models() {
            let a = answer(&q(m.id, "How do I stream tokens and keep costs down?", 0));
            let b = answer(&q(m.id, "How do I stream tokens and keep costs down?", 0));
            assert_eq!(a, b);
            let c = answer(&q(m.id, "How do I stream tokens and keep costs down?", 1));
            assert_ne!(a, c, "{}", m.id);
        }
    }

    #[test]
    fn temperature_varies() {
        let base = q("demo-fast", "Which model should I choose?", 3);
        let hot = Query {
            temperature: Some(1.3),
            ..base
        };
        let zero = Query {
            temperature: Some(0.0),
            ..base
        };
        assert_ne!(answer(&base), answer(&hot));
        assert_eq!(answer(&base), answer(&zero));
    }

    #[test]
    fn quotes_and_topics() {
        let a = answer(&q("demo-fast", "Why did my stream return a 429 error?", 0));
        assert!(
            a.content
                .contains("\"Why did my stream return a 429 error?\""),
            "{}",
            a.content
        );
        assert!(a.reasoning.is_empty());
        let n = tokens::count(&a.content);
        assert!((50..=160).contains(&n), "{n}: {}", a.content);
        let other = answer(&q("demo-fast", "What is the capital of France?", 0));
        assert!(
            other.content.contains("demo model") || other.content.contains("demo"),
            "{}",
            other.content
        );
    }

    #[test]
    fn styles() {
        let r = answer(&q("demo-reasoner", "How does prompt caching work?", 0));
        assert!(r.reasoning.contains("prompt caching"), "{}", r.reasoning);
        assert!(r.content.contains("**Answer:**"));
        let c = answer(&q("demo-coder", "Show me streaming in python", 0));
        assert!(c.content.starts_with("## "));
        assert!(c.content.contains("```python\n"));
        assert!(c.content.contains("\n- "));
        assert!(c.content.contains("|---|"));
        let f = answer(&q("demo-flagship", "Explain model latency", 0));
        let n = tokens::count(&f.content);
        assert!((140..=300).contains(&n), "{n}");
        assert!(f.content.contains("In short:"));
    }

    #[test]
    fn the_title_request_gets_a_title() {
        let ask = crate::title::title_request("why is the sea so salty, really and truly?", "…");
        let question = ask.messages[0].joined_text();
        let a = answer(&q("demo-fast", &question, 0));
        assert_eq!(a.content, "Why is the sea so salty");
        let empty = crate::title::title_request("  ", "x").messages[0].joined_text();
        assert!(
            answer(&q("demo-fast", &empty, 0)).content.len() > 40,
            "an ordinary answer"
        );
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let long = "ü".repeat(5000);
        for question in ["", " \n ", long.as_str(), "😀", "'''", "\"quoted\""] {
            for m in models() {
                let _ = answer(&q(m.id, question, u64::MAX));
                let hot = Query {
                    temperature: Some(f64::NAN),
                    user_turns: 3,
                    images: 2,
                    ..q(m.id, question, 1)
                };
                let _ = answer(&hot);
            }
        }
        assert_eq!(quote(""), "your message");
        assert_eq!(quote(&long).chars().count(), 100);
    }
}
