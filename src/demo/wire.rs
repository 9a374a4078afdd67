//! The JSON the demo server writes: stream chunks, the completion object, usage and error
//! envelopes. Chunks are written by hand into a reused buffer (fast, and `usage.cost` can be
//! an exact decimal number, which serde_json cannot write without `arbitrary_precision`).

use super::models::{DemoModel, TokenCounts};

/// Appends `s` as a JSON string literal, quotes included.
pub fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.extend_from_slice(escape);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

/// The `usage` object, with `cost` as an exact decimal number of US dollars.
pub fn usage_json(model: &DemoModel, counts: &TokenCounts) -> String {
    format!(
        "{{\"prompt_tokens\":{},\"completion_tokens\":{},\"total_tokens\":{},\
         \"prompt_tokens_details\":{{\"cached_tokens\":{}}},\
         \"completion_tokens_details\":{{\"reasoning_tokens\":{}}},\"cost\":{}}}",
        counts.prompt,
        counts.completion,
        counts.prompt + counts.completion,
        counts.cached,
        counts.reasoning,
        model.cost(counts),
    )
}

/// Writes `chat.completion.chunk` events that share an id, timestamp and model.
#[derive(Debug, Clone)]
pub struct ChunkWriter {
    /// `data: {"id":...,"choices":[` : everything before the choices.
    head: Vec<u8>,
}

const TAIL: &[u8] = b",\"logprobs\":null,\"finish_reason\":null}]}\n\n";

impl ChunkWriter {
    /// A writer for the chunks of one response.
    pub fn new(id: &str, created: u64, model: &str) -> ChunkWriter {
        let mut head = Vec::with_capacity(160);
        head.extend_from_slice(b"data: {\"id\":");
        push_json_str(&mut head, id);
        head.extend_from_slice(b",\"object\":\"chat.completion.chunk\",\"created\":");
        head.extend_from_slice(created.to_string().as_bytes());
        head.extend_from_slice(b",\"model\":");
        push_json_str(&mut head, model);
        head.extend_from_slice(b",\"system_fingerprint\":\"fp_demo\",\"choices\":[");
        ChunkWriter { head }
    }

    /// The first chunk: the assistant role and empty content.
    pub fn role(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.head);
        buf.extend_from_slice(
            b"{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}",
        );
        buf.extend_from_slice(TAIL);
    }

    /// One token in `delta.content` (or `delta.reasoning_content` when `reasoning`).
    pub fn token(&self, buf: &mut Vec<u8>, reasoning: bool, text: &str) {
        buf.extend_from_slice(&self.head);
        buf.extend_from_slice(if reasoning {
            b"{\"index\":0,\"delta\":{\"reasoning_content\":".as_slice()
        } else {
            b"{\"index\":0,\"delta\":{\"content\":".as_slice()
        });
        push_json_str(buf, text);
        buf.push(b'}');
        buf.extend_from_slice(TAIL);
    }

    /// The finish chunk: an empty delta and the finish reason.
    pub fn finish(&self, buf: &mut Vec<u8>, reason: &str) {
        buf.extend_from_slice(&self.head);
        buf.extend_from_slice(b"{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":");
        push_json_str(buf, reason);
        buf.extend_from_slice(b"}]}\n\n");
    }

    /// The usage chunk: `choices: []` and the totals.
    pub fn usage(&self, buf: &mut Vec<u8>, usage: &str) {
        buf.extend_from_slice(&self.head);
        buf.extend_from_slice(b"],\"usage\":");
        buf.extend_from_slice(usage.as_bytes());
        buf.extend_from_slice(b"}\n\n");
    }
}

/// A frame whose JSON is cut off (the `malformed` fault).
pub const MALFORMED_FRAME: &[u8] = b"data: {\"choices\":[{\"delta\":{\"content\":\"oops\"\n\n";

/// The end-of-stream marker.
pub const DONE: &[u8] = b"data: [DONE]\n\n";

/// The body of a non-streaming `chat.completion`.
pub struct Completion<'a> {
    /// Response id.
    pub id: &'a str,
    /// Unix seconds.
    pub created: u64,
    /// Model id without fault suffix.
    pub model: &'a str,
    /// The answer text.
    pub content: &'a str,
    /// The reasoning text, for reasoning models.
    pub reasoning: Option<&'a str>,
    /// `stop` or `length`.
    pub finish_reason: &'a str,
    /// From `usage_json`.
    pub usage: &'a str,
}

impl Completion<'_> {
    /// The JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(self.content.len() + 512);
        b.extend_from_slice(b"{\"id\":");
        push_json_str(&mut b, self.id);
        b.extend_from_slice(b",\"object\":\"chat.completion\",\"created\":");
        b.extend_from_slice(self.created.to_string().as_bytes());
        b.extend_from_slice(b",\"model\":");
        push_json_str(&mut b, self.model);
        b.extend_from_slice(
            b",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":",
        );
        push_json_str(&mut b, self.content);
        if let Some(r) = self.reasoning {
            b.extend_from_slice(b",\"reasoning_content\":");
            push_json_str(&mut b, r);
        }
        b.extend_from_slice(b",\"refusal\":null},\"logprobs\":null,\"finish_reason\":");
        push_json_str(&mut b, self.finish_reason);
        b.extend_from_slice(b"}],\"usage\":");
        b.extend_from_slice(self.usage.as_bytes());
        b.extend_from_slice(b",\"system_fingerprint\":\"fp_demo\"}");
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::models;
    use serde_json::Value;

    fn parse(frame: &[u8]) -> Value {
        let s = std::str::from_utf8(frame).expect("utf8");
        let json = s
            .strip_prefix("data: ")
            .and_then(|s| s.strip_suffix("\n\n"))
            .expect("frame");
        serde_json::from_str(json).expect("json")
    }

    #[test]
    fn escapes_like_serde() {
        for s in [
            "plain",
            "q\"uote",
            "back\\slash",
            "nl\nr\rt\t",
            "\u{1}\u{1f}",
            "日本 😀",
            "",
        ] {
            let mut b = Vec::new();
            push_json_str(&mut b, s);
            let back: String = serde_json::from_slice(&b).expect("valid json");
            assert_eq!(back, s);
        }
    }

    #[test]
    fn chunks_parse() {
        let w = ChunkWriter::new("chatcmpl-1", 7, "demo-fast");
        let mut b = Vec::new();
        w.role(&mut b);
        let v = parse(&b);
        assert_eq!(v["choices"][0]["delta"]["role"], "assistant");
        assert_eq!(v["object"], "chat.completion.chunk");
        b.clear();
        w.token(&mut b, true, " \"hi\"");
        assert_eq!(
            parse(&b)["choices"][0]["delta"]["reasoning_content"],
            " \"hi\""
        );
        b.clear();
        w.finish(&mut b, "length");
        let v = parse(&b);
        assert_eq!(v["choices"][0]["finish_reason"], "length");
        assert_eq!(v["choices"][0]["delta"], serde_json::json!({}));
        b.clear();
        let m = models::find("demo-flagship").expect("model");
        let counts = TokenCounts {
            prompt: 10,
            cached: 0,
            completion: 4,
            reasoning: 0,
        };
        w.usage(&mut b, &usage_json(m, &counts));
        let v = parse(&b);
        assert_eq!(v["choices"], serde_json::json!([]));
        assert_eq!(v["usage"]["total_tokens"], 14);
        assert_eq!(v["usage"]["cost"].to_string(), "0.00015");
    }

    #[test]
    fn completion_parses() {
        let c = Completion {
            id: "x",
            created: 1,
            model: "demo-reasoner",
            content: "a\nb",
            reasoning: Some("think"),
            finish_reason: "stop",
            usage: "{\"prompt_tokens\":1}",
        };
        let v: Value = serde_json::from_slice(&c.to_json()).expect("json");
        assert_eq!(v["choices"][0]["message"]["content"], "a\nb");
        assert_eq!(v["choices"][0]["message"]["reasoning_content"], "think");
        assert_eq!(v["usage"]["prompt_tokens"], 1);
    }
}
