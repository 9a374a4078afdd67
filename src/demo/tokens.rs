//! A toy tokenizer shaped like real BPE output: a word (or word piece) with its leading
//! space, digits in groups of three, punctuation and emoji alone, newline runs as one token.

use std::sync::OnceLock;

/// The longest run of letters in one token.
const MAX_LETTERS: usize = 10;
/// The longest run of digits in one token.
const MAX_DIGITS: usize = 3;

/// A text cut into tokens; the tokens concatenate back to the text exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokenized {
    text: String,
    /// The byte offset where each token ends (strictly increasing, the last is `text.len()`).
    ends: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
}

fn class(c: char) -> Option<Class> {
    if c.is_alphabetic() {
        Some(Class::Letter)
    } else if c.is_numeric() {
        Some(Class::Digit)
    } else {
        None
    }
}

/// The byte length of the token starting at the beginning of `rest` (non-empty `rest`).
fn token_len(rest: &str) -> usize {
    let mut chars = rest.char_indices().peekable();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    let mut end = first.len_utf8();
    if first == '\n' {
        while let Some(&(i, '\n')) = chars.peek() {
            end = i + 1;
            chars.next();
        }
        return end;
    }
    let mut current = first;
    if first.is_whitespace() {
        // Spaces attach to the word (or the single symbol) that follows them.
        loop {
            match chars.peek() {
                Some(&(i, c)) if c.is_whitespace() && c != '\n' => {
                    end = i + c.len_utf8();
                    chars.next();
                }
                Some(&(i, c)) if c != '\n' => {
                    end = i + c.len_utf8();
                    current = c;
                    chars.next();
                    break;
                }
                _ => return end,
            }
        }
    }
    let kind = match class(current) {
        Some(kind) => kind,
        None if current == '\'' => match chars.peek() {
            // An apostrophe followed by letters ("'t", "'re") is one token.
            Some(&(_, c)) if c.is_alphabetic() => Class::Letter,
            _ => return end,
        },
        None => return end,
    };
    let max = if kind == Class::Letter {
        MAX_LETTERS
    } else {
        MAX_DIGITS
    };
    let mut count = usize::from(class(current) == Some(kind));
    while let Some(&(i, c)) = chars.peek() {
        if count >= max || class(c) != Some(kind) {
            break;
        }
        end = i + c.len_utf8();
        count += 1;
        chars.next();
    }
    end
}

impl Tokenized {
    /// Cuts `text` into tokens.
    pub fn new(text: String) -> Tokenized {
        let mut ends = Vec::with_capacity(text.len() / 4 + 1);
        let mut pos = 0;
        while pos < text.len() {
            let len = token_len(&text[pos..]).max(1);
            // `token_len` returns char-boundary lengths; guard against a zero-progress loop.
            pos = (pos + len).min(text.len());
            while !text.is_char_boundary(pos) {
                pos += 1;
            }
            ends.push(pos);
        }
        Tokenized { text, ends }
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Token `i`, or "" past the end.
    pub fn get(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(0)
        };
        self.text.get(start..end).unwrap_or("")
    }

    /// The text of the first `n` tokens.
    pub fn prefix(&self, n: usize) -> &str {
        let end = match n {
            0 => 0,
            n => self.ends.get(n - 1).copied().unwrap_or(self.text.len()),
        };
        self.text.get(..end).unwrap_or("")
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The number of tokens in `text`.
pub fn count(text: &str) -> usize {
    let mut pos = 0;
    let mut n = 0;
    while pos < text.len() {
        pos += token_len(&text[pos..]).max(1);
        while pos < text.len() && !text.is_char_boundary(pos) {
            pos += 1;
        }
        n += 1;
    }
    n
}

/// The endless text `tokens=N` cycles through: every topic sentence, in paragraphs.
pub fn corpus() -> &'static Tokenized {
    static CORPUS: OnceLock<Tokenized> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut text = String::new();
        for topic in &super::bank::TOPICS {
            text.push_str("\n\n");
            text.push_str(topic.title);
            text.push('.');
            for s in topic.sentences {
                text.push(' ');
                text.push_str(s);
            }
        }
        Tokenized::new(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(s: &str) -> Vec<String> {
        let t = Tokenized::new(s.to_string());
        (0..t.len()).map(|i| t.get(i).to_string()).collect()
    }

    #[test]
    fn words_with_leading_space() {
        assert_eq!(
            pieces("I'm unable to help."),
            ["I", "'m", " unable", " to", " help", "."]
        );
        assert_eq!(
            pieces("costs 12345 dollars"),
            ["costs", " 123", "45", " dollars"]
        );
        assert_eq!(pieces("a\n\n## Head"), ["a", "\n\n", "#", "#", " Head"]);
        assert_eq!(pieces("internationalization"), ["internatio", "nalization"]);
        assert_eq!(pieces("    let x"), ["    let", " x"]);
        assert_eq!(pieces("end  "), ["end", "  "]);
        assert_eq!(pieces(" (x)"), [" (", "x", ")"]);
    }

    #[test]
    fn round_trips_any_text() {
        let samples = [
            "",
            " ",
            "\n",
            "héllo wörld 😀😀 日本語のテキスト",
            "emoji 👩‍👩‍👧 family",
            "tab\tand\r\nwindows",
            "'",
            "x'",
            "  \n  ",
        ];
        for s in samples {
            let t = Tokenized::new(s.to_string());
            let joined: String = (0..t.len()).map(|i| t.get(i)).collect();
            assert_eq!(joined, s);
            assert_eq!(t.len(), count(s), "{s:?}");
            assert_eq!(t.prefix(t.len()), s);
            for i in 0..t.len() {
                assert!(!t.get(i).is_empty());
            }
        }
        let t = Tokenized::new("one two".into());
        assert_eq!(t.prefix(1), "one");
        assert_eq!(t.prefix(0), "");
        assert_eq!(t.get(5), "");
    }

    #[test]
    fn corpus_is_big_and_readable() {
        let c = corpus();
        assert!(c.len() > 1000, "{}", c.len());
        assert!(c.text().contains("server-sent event"));
    }
}
