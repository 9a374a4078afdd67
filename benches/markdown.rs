//! How fast markdown renders while an answer streams, and how big documents lay out.
//!
//! Run: `cargo bench --bench markdown`. Prints:
//! (a) 20,000 tokens streamed into a `MarkdownView`, `lines(200)` every 50 tokens: total
//!     time, and the mean and median `lines` call in 1,000-token windows near the start,
//!     middle and end (flat means the cost per token does not grow with the answer);
//! (a') the same with one long code block (the tail is one growing block);
//! (b) `from_text` + `lines(200)` of 1 MB of mixed markdown, then the cached second call;
//! (c) a re-layout of that document at a new width.

use std::hint::black_box;
use std::time::{Duration, Instant};

use switchboard::tui::highlight::Highlighter;
use switchboard::tui::markdown::{MarkdownView, MdStyles};

const TOKENS: usize = 20_000;
const EVERY: usize = 50;
const RUNS: usize = 3;
const WORDS: &[&str] = &[
    " the",
    " model",
    " streams",
    " tokens",
    " into",
    " a",
    " view",
    " **fast**",
    " and",
    " `code`",
    " with",
    " cost",
    " per",
    " token",
    " flat",
    " over",
    " time",
    ",",
    " *which*",
    " is",
    " what",
    " we",
    " want",
    ".",
];

/// The answer as tokens of about four characters: paragraphs of 100 tokens, and a code
/// block or a list now and then (or, with `one_block`, a single fenced block of code).
fn tokens(one_block: bool) -> Vec<String> {
    let mut out = Vec::with_capacity(TOKENS);
    if one_block {
        out.push("```rust\n".to_string());
    }
    let mut i = 0;
    while out.len() < TOKENS {
        i += 1;
        if one_block {
            out.push(if i % 12 == 0 {
                ";\n".to_string()
            } else {
                format!(" x{}", i % 97)
            });
        } else if i % 1000 == 0 {
            out.push("\n\n```rust\n".to_string());
            for j in 0..40 {
                out.push(if j % 8 == 7 {
                    ";\n".to_string()
                } else {
                    format!(" v{j}")
                });
            }
            out.push("}\n```\n\n".to_string());
        } else if i % 700 == 0 {
            out.push("\n\n- item".to_string());
            for j in 0..30 {
                out.push(if j % 10 == 9 {
                    "\n- next".to_string()
                } else {
                    WORDS[j % WORDS.len()].to_string()
                });
            }
            out.push("\n\n".to_string());
        } else if i % 100 == 0 {
            out.push("\n\n".to_string());
        } else {
            out.push(WORDS[i % WORDS.len()].to_string());
        }
    }
    out
}

/// One streaming run: the time of each `lines` call (by tokens so far), the total, and
/// the final `finish` + `lines`.
fn stream_once(
    tokens: &[String],
    styles: &MdStyles,
    hl: &Highlighter,
) -> (Vec<Duration>, Duration, Duration, usize) {
    let mut view = MarkdownView::new();
    let mut calls = Vec::new();
    let started = Instant::now();
    for (i, token) in tokens.iter().enumerate() {
        view.push_str(token);
        if (i + 1) % EVERY == 0 {
            let t = Instant::now();
            black_box(view.lines(200, styles, hl).len());
            calls.push(t.elapsed());
        }
    }
    view.finish();
    let t = Instant::now();
    let rows = view.lines(200, styles, hl).len();
    let last = t.elapsed();
    (calls, started.elapsed(), last, rows)
}

/// Streams `RUNS` times and keeps, for each call, its fastest run: the machine is shared,
/// and a preempted call says nothing about the renderer.
fn stream(name: &str, tokens: &[String], styles: &MdStyles, hl: &Highlighter) {
    let (mut calls, mut total, mut last, rows) = stream_once(tokens, styles, hl);
    for _ in 1..RUNS {
        let (c, t, l, _) = stream_once(tokens, styles, hl);
        calls.iter_mut().zip(c).for_each(|(a, b)| *a = (*a).min(b));
        total = total.min(t);
        last = last.min(l);
    }
    let bytes: usize = tokens.iter().map(String::len).sum();
    println!(
        "({name}) {} tokens, {bytes} bytes, {rows} rows at width 200 (best of {RUNS} runs)",
        tokens.len()
    );
    println!(
        "    total {:.1} ms ({:.2} µs per token), finish + lines {:.3} ms",
        ms(total),
        us(total) / tokens.len() as f64,
        ms(last)
    );
    // Mean and median of the calls in a window of tokens: each window holds one list and
    // one code block, and its mean includes the call that highlights the block when it
    // closes; the median is the typical call.
    for (from, to) in [(500, 1500), (9_500, 10_500), (18_500, 19_500)] {
        let mut picked: Vec<Duration> = calls[from / EVERY..to / EVERY].to_vec();
        picked.sort();
        let mean = picked.iter().sum::<Duration>() / picked.len().max(1) as u32;
        let median = picked.get(picked.len() / 2).copied().unwrap_or_default();
        println!(
            "    lines() per call, tokens {from:>5}..{to:<5}: mean {:>7.1} µs, median {:>6.1} µs",
            us(mean),
            us(median)
        );
    }
    let max = calls.iter().max().copied().unwrap_or_default();
    println!("    slowest lines() call: {:.1} µs", us(max));
}

/// About 1 MB of markdown: headings, paragraphs, lists, tables, quotes and code.
fn big_document() -> String {
    let mut doc = String::new();
    let mut i = 0;
    while doc.len() < 1_000_000 {
        i += 1;
        doc.push_str(&format!("## Section {i}\n\nA paragraph with *emphasis*, **strong** text, `inline code` and a [link](https://example.com/{i}). "));
        doc.push_str("It goes on for a while so that it wraps over several rows of the screen at any width, ");
        doc.push_str("and includes 日本語 and emoji 👍 too.\n\n");
        doc.push_str(&format!(
            "- first item {i}\n- second item\n  - nested item with more words\n1. one\n2. two\n\n"
        ));
        doc.push_str(&format!(
            "> quoted text {i} that is long enough to need wrapping in a narrow pane\n\n"
        ));
        doc.push_str(&format!("| name | value | note |\n|---|--:|:-:|\n| a{i} | {i} | short |\n| b | 2 | a much longer note here |\n\n"));
        doc.push_str(&format!("```rust\nfn section_{i}() -> u32 {{\n    let x = {i};\n    x * 2 // double\n}}\n```\n\n"));
    }
    doc
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let styles = MdStyles::default();
    let t = Instant::now();
    let hl = Highlighter::new();
    println!("Highlighter::new: {:.1} ms", ms(t.elapsed()));
    // syntect compiles a syntax's regexes on first use; pay that here, not in (a).
    let t = Instant::now();
    black_box(hl.highlight("fn main() { let x = 1; }\n", "rust"));
    println!(
        "first Rust highlight (regexes compiled): {:.1} ms",
        ms(t.elapsed())
    );

    stream("a", &tokens(false), &styles, &hl);
    stream("a'", &tokens(true), &styles, &hl);

    let doc = big_document();
    let t = Instant::now();
    let mut view = MarkdownView::from_text(&doc);
    let rows = view.lines(200, &styles, &hl).len();
    let first = t.elapsed();
    let t = Instant::now();
    black_box(view.lines(200, &styles, &hl).len());
    let cached = t.elapsed();
    println!(
        "(b) {} bytes of markdown, {rows} rows at width 200",
        doc.len()
    );
    println!("    from_text + first lines(200): {:.1} ms", ms(first));
    println!("    second lines(200), cached:    {:.3} µs", us(cached));
    let t = Instant::now();
    let rows = view.lines(120, &styles, &hl).len();
    let relayout = t.elapsed();
    let t = Instant::now();
    black_box(view.lines(200, &styles, &hl).len());
    let back = t.elapsed();
    let plain = doc.replace("```rust", "```no-such-language");
    let t = Instant::now();
    black_box(
        MarkdownView::from_text(&plain)
            .lines(200, &styles, &hl)
            .len(),
    );
    println!(
        "    the same with its code unhighlighted: {:.1} ms",
        ms(t.elapsed())
    );
    println!(
        "(c) re-layout at width 120: {:.1} ms ({rows} rows); back to 200: {:.1} ms",
        ms(relayout),
        ms(back)
    );
}
