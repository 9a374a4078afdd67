//! The Markdown answer of `demo-coder`: a heading, a list, a table and a fenced code block,
//! so renderers get exercised.

use super::answer::capitalise;
use super::bank::{SNIPPETS, STATUS_TABLE, Topic};
use super::hash::Rng;
use super::models::models;

fn models_table() -> String {
    let mut t = String::from("| Model | Input $/1M | Output $/1M | Pace |\n|---|---|---|---|");
    for m in models() {
        t.push_str(&format!(
            "\n| {} | {} | {} | {} ms/token |",
            m.id, m.input_usd_per_mtok, m.output_usd_per_mtok, m.token_delay_ms
        ));
    }
    t
}

pub fn markdown(
    topic: &Topic,
    chosen: &[usize],
    opener: String,
    pool: &[&str],
    lower: &str,
    rng: &mut Rng,
) -> String {
    let coin = rng.below(2) == 0;
    let lang = if lower.contains("python") || (!lower.contains("rust") && coin) {
        "python"
    } else {
        "rust"
    };
    let code = SNIPPETS
        .iter()
        .find(|(k, l, _)| *k == topic.snippet && *l == lang)
        .map(|(_, _, c)| *c)
        .unwrap_or_default();
    let table = if chosen.first().is_some_and(|&i| i == 1 || i == 5) {
        STATUS_TABLE.to_string()
    } else {
        models_table()
    };
    let mut s = format!("## {}\n\n{}", topic.title, opener);
    if let Some(first) = pool.first() {
        s.push(' ');
        s.push_str(first);
    }
    s.push_str("\n\n**Key points:**\n");
    for item in pool.iter().skip(1).take(3) {
        s.push_str(&format!("\n- {item}"));
    }
    s.push_str(&format!(
        "\n\n{table}\n\nHere is a minimal example in {lang}:\n\n```{lang}\n{code}\n```\n\n"
    ));
    s.push_str(&format!("**In short:** {}", capitalise(topic.summary)));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::bank::TOPICS;

    #[test]
    fn has_every_block() {
        let pool = ["One.", "Two.", "Three.", "Four."];
        for (i, topic) in TOPICS.iter().enumerate() {
            let md = markdown(
                topic,
                &[i],
                "Opener.".into(),
                &pool,
                "in python please",
                &mut Rng(1),
            );
            assert!(md.starts_with(&format!("## {}", topic.title)));
            assert!(
                md.contains("```python\n") && md.ends_with(&capitalise(topic.summary)),
                "{md}"
            );
            assert!(md.contains("\n- Two.\n- Three.\n- Four."));
            assert!(md.contains("|---|"));
        }
        let md = markdown(&TOPICS[0], &[0], "x".into(), &[], "rust", &mut Rng(1));
        assert!(md.contains("```rust\n"));
        assert!(md.contains("| demo-fast |"));
    }
}
