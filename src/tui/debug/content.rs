//! What the inspector can copy or save from an exchange: the request as curl, the request
//! body, the response body (frames joined back into the event stream for a stream), the
//! reassembled answer, or one fenced code block of the answer.

use std::path::PathBuf;

use crate::llm::http::HttpRequest;
use crate::trace::TracedExchange;
use crate::tui::turn::Turn;

/// One thing to copy or save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The request as a `curl` command (the key as `$ENV_VAR`).
    Curl,
    /// The request body, pretty JSON.
    RequestBody,
    /// The response body: the event stream as it arrived, or the plain body.
    ResponseBody,
    /// The answer text.
    Answer,
    /// The `n`th fenced code block of the answer, from 1.
    CodeBlock(usize),
}

impl Part {
    /// Parses the key pressed in the copy/save chooser.
    pub fn from_key(c: char) -> Option<Part> {
        match c {
            'c' => Some(Part::Curl),
            'b' | 'q' => Some(Part::RequestBody),
            'r' => Some(Part::ResponseBody),
            'a' => Some(Part::Answer),
            '1'..='9' => Some(Part::CodeBlock(c as usize - '0' as usize)),
            _ => None,
        }
    }

    /// What the notice calls it.
    pub fn label(self) -> String {
        match self {
            Part::Curl => "the request as curl".into(),
            Part::RequestBody => "the request body".into(),
            Part::ResponseBody => "the response body".into(),
            Part::Answer => "the answer".into(),
            Part::CodeBlock(n) => format!("code block {n}"),
        }
    }

    /// A file name for it in the current directory.
    pub fn default_path(self, turn: u64) -> PathBuf {
        let name = match self {
            Part::Curl => format!("switchboard-turn{turn}.sh"),
            Part::RequestBody => format!("switchboard-turn{turn}-request.json"),
            Part::ResponseBody => format!("switchboard-turn{turn}-response.txt"),
            Part::Answer => format!("switchboard-turn{turn}-answer.md"),
            Part::CodeBlock(n) => format!("switchboard-turn{turn}-code{n}.txt"),
        };
        PathBuf::from(name)
    }
}

/// Text to copy or write, or what the effect runner still has to make with the config
/// (the curl command needs to know where the provider's key comes from).
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Ready text.
    Text(String),
    /// A curl command for this (redacted) request of this provider.
    Curl {
        /// The request as recorded, secrets masked (the key is replaced anyway).
        request: Box<HttpRequest>,
        /// The provider whose key source the command names.
        provider: String,
    },
    /// A JSONL trace of these exchanges.
    Trace(Vec<TracedExchange>),
}

/// The fenced code blocks of a markdown text, without their fences.
pub fn code_blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize, Vec<&str>)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let fence = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f));
        match (&mut open, fence) {
            (None, Some(f)) => {
                let ch = if f == "```" { '`' } else { '~' };
                let n = trimmed.chars().take_while(|c| *c == ch).count();
                open = Some((ch, n, Vec::new()));
            }
            (Some((ch, n, body)), _) => {
                let t = trimmed.trim_end();
                if t.chars().count() >= *n && t.chars().all(|c| c == *ch) {
                    out.push(body.join("\n"));
                    open = None;
                } else {
                    body.push(line);
                }
            }
            (None, None) => {}
        }
    }
    if let Some((_, _, body)) = open {
        // An unclosed block (a stream cut short) still counts.
        out.push(body.join("\n"));
    }
    out
}

/// The response body of `t`: its frames written back as an event stream, or the plain body.
pub fn response_body(t: &Turn) -> Option<String> {
    let frames = &t.trace.frames;
    if !frames.is_empty() {
        let mut out = String::new();
        for i in 0..frames.len() {
            let Some(f) = frames.get(i) else { continue };
            if let Some(ev) = &f.event {
                out.push_str("event: ");
                out.push_str(ev);
                out.push('\n');
            }
            for line in f.data.split('\n') {
                out.push_str("data: ");
                out.push_str(line);
                out.push('\n');
            }
            out.push('\n');
        }
        return Some(out);
    }
    t.trace.exchange.as_ref().and_then(|e| e.body.clone())
}

/// The content of `part` of `t`, or why there is none.
pub fn content(t: &Turn, part: Part) -> Result<Content, String> {
    let request = t.trace.request.as_ref();
    let text = match part {
        Part::Curl => {
            let request = request.ok_or("the request is not built yet")?;
            return Ok(Content::Curl {
                request: Box::new(request.clone()),
                provider: t.model.provider.clone(),
            });
        }
        Part::RequestBody => {
            let body = request
                .and_then(|r| r.body.as_ref())
                .ok_or("this request has no body")?;
            serde_json::to_string_pretty(body).map_err(|e| e.to_string())?
        }
        Part::ResponseBody => response_body(t).ok_or("no response body yet")?,
        Part::Answer => {
            let a = t.answer.text();
            if a.is_empty() {
                return Err("no answer text yet".into());
            }
            a.to_string()
        }
        Part::CodeBlock(n) => {
            let blocks = code_blocks(t.answer.text());
            match blocks.get(n.wrapping_sub(1)) {
                Some(b) => b.clone(),
                None if blocks.is_empty() => return Err("the answer has no code block".into()),
                None => return Err(format!("the answer has {} code block(s)", blocks.len())),
            }
        }
    };
    Ok(Content::Text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_are_found_without_fences() {
        let md = "Intro\n```rust\nfn main() {}\n```\ntext\n~~~\nplain\n~~~\n```\nopen";
        assert_eq!(code_blocks(md), vec!["fn main() {}", "plain", "open"]);
        assert!(code_blocks("no code").is_empty());
        // A longer fence holds a shorter one.
        assert_eq!(code_blocks("````\n```\nx\n```\n````"), vec!["```\nx\n```"]);
    }

    #[test]
    fn chooser_keys() {
        assert_eq!(Part::from_key('c'), Some(Part::Curl));
        assert_eq!(Part::from_key('2'), Some(Part::CodeBlock(2)));
        assert_eq!(Part::from_key('z'), None);
        assert_eq!(
            Part::CodeBlock(2).default_path(3),
            PathBuf::from("switchboard-turn3-code2.txt")
        );
    }
}
