//! Snapshots of rendered markdown, style checks, and the proof that incremental rendering
//! equals rendering the whole text at once.

use std::collections::HashSet;
use std::sync::OnceLock;

use ratatui::style::{Color, Modifier};

use super::*;

fn hl() -> &'static Highlighter {
    static HL: OnceLock<Highlighter> = OnceLock::new();
    HL.get_or_init(Highlighter::new)
}

fn plain(lines: &[Line<'_>]) -> String {
    lines
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn show(text: &str, width: u16) -> String {
    let mut view = MarkdownView::from_text(text);
    let lines = view.lines(width, &MdStyles::default(), hl());
    for line in lines {
        assert!(
            line.width() <= usize::from(width.max(1)) || (width <= 1 && line.width() == 2),
            "{width}: {line}"
        );
    }
    plain(lines)
}

const MIXED: &str = "# Release notes\n\nSome *emphasis*, **strong**, ~~struck~~ and `code`, a [link](https://example.com) and <https://auto.link>.\nSoft break.  \nHard break.\n\n- first item, long enough to wrap around\n- second\n  - nested with a fairly long text\n    1. deep\n- [x] task done\n\n1. loose one\n\n2. loose two\n\n   continued\n\n> A quote with **bold**.\n>\n> > nested\n\n---\n\n| Name | Value |\n|:-----|------:|\n| alpha | 1 |\n| beta gamma delta | 22 |\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n    indented code\n\n<div>\nhtml *kept*\n</div>\n\nSetext\n======\n\n日本語のテキスト 👍🏽 café\n";

#[test]
fn headings() {
    let text = "# One\n\n## Two `code`\n\n### A third heading that is long enough to wrap\n\nSetext\n---\n\n###### six";
    insta::assert_snapshot!(show(text, 24));
}

#[test]
fn nested_lists_wrap_with_continuation_indents() {
    let text = "- a first item that wraps onto a second row\n- b\n  - nested item that also wraps around\n    continued lazily\n  - [ ] a task\n  - [x] done\n\n8. eight\n9. nine, long enough to wrap here\n10. ten\n";
    insta::assert_snapshot!(show(text, 30));
}

#[test]
fn quotes() {
    let text = "> outer quote that is long enough to wrap\n>\n> > inner quote\n> > continues\n>\n> - a list\n>\n> ```\n> code in a quote\n> ```\n\nafter";
    insta::assert_snapshot!(show(text, 30));
}

const TABLE: &str = "| Model | Input $/M | Output $/M | Notes |\n|:--|--:|--:|:-:|\n| gpt-small | 0.15 | 0.60 | cheap and fast for most things |\n| claude-large | 15.00 | 75.00 | best quality, long context window |\n| 日本語モデル | 1 | 2 | 👍 |\n";

#[test]
fn table_at_80() {
    insta::assert_snapshot!(show(TABLE, 80));
}

#[test]
fn table_at_30() {
    insta::assert_snapshot!(show(TABLE, 30));
}

#[test]
fn code_blocks() {
    let text = "```rust\nfn main() {\n\tlet s = \"a very long line of code that will not fit\";\n}\n```\n\n```no-such-lang\nplain text\n```\n\n~~~\nno language\n~~~\n";
    insta::assert_snapshot!(show(text, 30));
}

#[test]
fn open_fence_mid_stream_is_plain_until_closed() {
    let styles = MdStyles::default();
    let mut view = MarkdownView::new();
    view.push_str("Intro.\n\n```rust\nfn main() {\n    let x = 1;\n");
    let open = plain(view.lines(40, &styles, hl()));
    insta::assert_snapshot!("open_fence", open);
    let code_rows = &view.lines(40, &styles, hl())[3..];
    assert!(
        code_rows
            .iter()
            .flat_map(|l| &l.spans)
            .all(|s| s.style == styles.code_block)
    );
    assert_eq!(view.cache.misses, 0);
    view.push_str("}\n```");
    let closed = plain(view.lines(40, &styles, hl()));
    insta::assert_snapshot!("closed_fence", closed);
    assert_eq!(view.cache.misses, 1);
    view.push_str("\n\nMore text.\n\nAnd more.\n");
    view.lines(40, &styles, hl());
    view.finish();
    view.lines(40, &styles, hl());
    view.lines(20, &styles, hl());
    assert_eq!(
        view.cache.misses, 1,
        "highlighted once, not again on new text or width"
    );
}

#[test]
fn finish_highlights_an_unclosed_fence() {
    let styles = MdStyles::default();
    let mut view = MarkdownView::new();
    view.push_str("```python\nprint('hi')\n");
    let before = view.lines(40, &styles, hl()).len();
    view.finish();
    assert!(view.is_finished());
    let lines = view.lines(40, &styles, hl());
    assert_eq!(lines.len(), before + 1, "a closing line appears");
    assert!(lines[1].spans.len() > 1, "highlighted: {:?}", lines[1]);
}

#[test]
fn links() {
    let text = "[text](https://example.com/a) and [https://same.example](https://same.example), <mail@example.com>, [](https://empty.example), ![a cat](cat.png), [ref][r].\n\n[r]: https://ref.example \"Title\"\n";
    insta::assert_snapshot!(show(text, 40));
}

#[test]
fn cjk_paragraph_at_10() {
    insta::assert_snapshot!(show(
        "日本語の文章はスペースなしで折り返されます。English words mixed.",
        10
    ));
}

#[test]
fn emoji() {
    insta::assert_snapshot!(show(
        "Thumbs 👍🏽 family 👨‍👩‍👧 flag 🇫🇷 heart ❤️ done ✅\n\n- 🚀 launch\n",
        12
    ));
}

#[test]
fn narrow_widths_do_not_panic() {
    for width in 0..=3 {
        let out = show(MIXED, width);
        assert!(!out.is_empty());
    }
    insta::assert_snapshot!("width_1", show("# Hi\n\n- a 日\n\n> q", 1));
    insta::assert_snapshot!(
        "width_3",
        show("# Hi\n\n- ab 日本\n\n> q\n\n| a | b |\n|-|-|\n| 1 | 2 |", 3)
    );
}

#[test]
fn mixed_document_at_20() {
    insta::assert_snapshot!(show(MIXED, 20));
}

#[test]
fn empty_text_renders_nothing() {
    let mut view = MarkdownView::new();
    assert!(view.lines(80, &MdStyles::default(), hl()).is_empty());
    assert!(
        MarkdownView::from_text("")
            .lines(80, &MdStyles::default(), hl())
            .is_empty()
    );
    assert!(
        MarkdownView::from_text("\n\n  \n")
            .lines(80, &MdStyles::default(), hl())
            .is_empty()
    );
}

#[test]
fn styles_are_applied() {
    let styles = MdStyles::default();
    let mut view = MarkdownView::from_text(
        "# Head\n\n```rust\nfn main() { let x = \"s\"; }\n```\n\n[l](u) *e*",
    );
    let lines = view.lines(80, &styles, hl());
    assert!(
        lines[0]
            .spans
            .iter()
            .all(|s| s.style.add_modifier.contains(Modifier::BOLD))
    );
    let colours: HashSet<Color> = lines[3].spans.iter().filter_map(|s| s.style.fg).collect();
    assert!(colours.len() > 1, "{:?}", lines[3]);
    let last = &lines[lines.len() - 1];
    assert_eq!(last.spans[0].style, styles.link);
    assert!(last.spans[1].style.add_modifier.contains(Modifier::DIM));
    assert!(
        last.spans
            .iter()
            .any(|s| s.content == "e" && s.style == styles.emphasis)
    );
}

#[test]
fn nothing_is_dropped() {
    let text = "a <span>html</span> b\n\n<!-- comment -->\n\n\\* not a list\n\n[undefined][ref] and a[0]\n\n[^note]\n";
    let out = show(text, 80);
    for needle in [
        "<span>html</span>",
        "<!-- comment -->",
        "* not a list",
        "[undefined][ref]",
        "a[0]",
        "[^note]",
    ] {
        assert!(out.contains(needle), "{needle} missing from\n{out}");
    }
}

#[test]
fn cached_lines_cost_nothing() {
    let styles = MdStyles::default();
    let mut view = MarkdownView::from_text(MIXED);
    let first = view.lines(50, &styles, hl()).as_ptr();
    let work = view.work;
    assert_eq!(view.lines(50, &styles, hl()).as_ptr(), first);
    assert_eq!(
        view.work, work,
        "no parse and no layout for an unchanged view"
    );
    view.lines(30, &styles, hl());
    assert_eq!(
        view.work.parses, work.parses,
        "a new width re-lays out without parsing"
    );
    let changed = MdStyles {
        text: Style::new().fg(Color::Red),
        ..MdStyles::default()
    };
    view.lines(30, &changed, hl());
    assert_eq!(view.work.parses, work.parses + 1, "new styles rebuild");
}

#[test]
fn final_blocks_are_not_parsed_again() {
    let styles = MdStyles::default();
    let mut view = MarkdownView::new();
    for i in 0..200 {
        view.push_str(&format!("Paragraph {i} with some words in it.\n\n"));
        view.lines(80, &styles, hl());
    }
    assert!(
        view.text().len() - view.stable < 100,
        "tail from {} of {}",
        view.stable,
        view.text().len()
    );
    assert_eq!(view.blocks.len(), 199);
}

/// A deterministic generator, so failures repeat.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const DOCS: &[&str] = &[
    MIXED,
    TABLE,
    "1. one\n2. two\n\n3. three after a blank\n\n   continued\n\n4. four\n\ntext after\n",
    "- a\n\n- b\n  - nested\n\n    still b\n\n- c\n\nnot the list\n\n    indented code\n\n    more code\n\nend\n",
    "> q1\nlazy\n\n> q2\n\n>> deep\n\n```\n# not a heading\n\n- not a list\n```\n\npara\n| a | b |\n|---|---|\n| 1 | 2 |\n\nTitle\n=====\n\n<pre>\nx\n\ny\n</pre>\n\ndone",
    "```rust\nfn a() {}\n\n\nfn b() {}\n```\n````\n```\nnested fence\n```\n````\n~~~py\nopen at the end\n\nstill open\n",
    "Paragraph\nwith lines\n***\n- x\n---\n* y\n\n+ z\n\n  ```\n  in item\n\n  ```\n\n99. big\n100. bigger\n",
    "[a]: https://a.example\n\nUses [a] and [b][a].\n\n[c]: /c 'T'\npara after a def\n\n* * *\n\n- [x] done\n- [ ] open\n\n<!-- a\n\ncomment -->\n\nend [c]",
    "CRLF para\r\nsecond line\r\n\r\n- item\r\n\r\n- item2\r\n\r\n```\r\ncode\r\n```\r\n\r\ndone\r\n",
    "Intro\n\n```py\ndef f():\n\treturn 1\n   \n  ```not closing\n    ```\n~~~\n``` x\n\n    \n  \r\nend\r\n ```\n\nafter\n\n~~~~\nopen ~~~\n~~~\n  more\n",
    "-\tfoo\n\n\tcode after tab\n\nSetext two\n---\nnot a rule\n\n> quote\n- list breaks the quote\n\n   - three spaces\n\n  para\n\n|a|\n|-|\n\ntrailing   ",
];

#[test]
fn incremental_equals_whole() {
    let styles = MdStyles::default();
    for (d, doc) in DOCS.iter().enumerate() {
        for seed in 1..=4u64 {
            let mut rng = Rng(seed * 7919 + d as u64);
            let mut view = MarkdownView::new();
            let mut at = 0;
            while at < doc.len() {
                let mut next = (at + 1 + rng.below(12)).min(doc.len());
                while !doc.is_char_boundary(next) {
                    next += 1;
                }
                view.push_str(&doc[at..next]);
                at = next;
                let width = [40, 40, 40, 17][rng.below(4)];
                let got = plain(view.lines(width, &styles, hl()));
                let want = plain(&render_whole(&doc[..at], width, &styles, hl(), false));
                assert_eq!(
                    got, want,
                    "doc {d} seed {seed} after {at} bytes at width {width}"
                );
            }
            view.finish();
            for width in [80, 33, 20] {
                let got = view.lines(width, &styles, hl()).to_vec();
                assert_eq!(
                    got,
                    render(doc, width, &styles, hl()),
                    "doc {d} seed {seed} finished at {width}"
                );
            }
        }
    }
}

#[test]
fn an_open_fence_streams_without_parsing() {
    let styles = MdStyles::default();
    let mut view = MarkdownView::new();
    view.push_str("Intro.\n\n```rust\n");
    view.lines(40, &styles, hl());
    let parses = view.work.parses;
    let mut text = String::from("Intro.\n\n```rust\n");
    for i in 0..300 {
        let line = format!("    let v{i} = {i}; // a line of code that wraps at forty columns\n");
        for piece in [&line[..7], &line[7..]] {
            view.push_str(piece);
            text.push_str(piece);
            view.lines(40, &styles, hl());
        }
    }
    assert_eq!(view.work.parses, parses, "no parse while the fence is open");
    assert_eq!(
        plain(view.lines(40, &styles, hl())),
        plain(&render_whole(&text, 40, &styles, hl(), false))
    );
    assert_eq!(view.cache.misses, 0);
    view.push_str("```\n");
    text.push_str("```\n");
    assert_eq!(
        view.lines(40, &styles, hl()),
        render_whole(&text, 40, &styles, hl(), false)
    );
    assert_eq!(view.cache.misses, 1);
    view.push_str("\nA paragraph still on its first line");
    view.lines(40, &styles, hl());
    assert_eq!(
        view.blocks.len(),
        2,
        "a closed fence is final once anything follows"
    );
}

#[test]
fn forward_references_resolve_once_defined() {
    let styles = MdStyles::default();
    let doc = "See [the docs][d] first.\n\nMiddle paragraph.\n\n[d]: https://docs.example\n\nLast paragraph.\n";
    let mut view = MarkdownView::new();
    for ch in doc.split_inclusive(' ') {
        view.push_str(ch);
        view.lines(60, &styles, hl());
    }
    view.finish();
    let got = view.lines(60, &styles, hl()).to_vec();
    assert_eq!(got, render(doc, 60, &styles, hl()));
    assert!(plain(&got).contains("the docs (https://docs.example)"));
}
