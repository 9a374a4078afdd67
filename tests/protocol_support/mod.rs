//! Shared by the `protocol_*` tests: the recorded fixtures of `../shared/fixtures/wire/`
//! (skipped with a note when absent), re-framed when stored as one payload per line, and
//! decoded whole, at every byte boundary, in random pieces and with CRLF line ends, all of
//! which must give the same events.

#![allow(dead_code)]

pub mod runs;
pub mod server;
pub mod signed;

use std::path::PathBuf;

use serde_json::Value;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::protocol::stray::StrayLines;
use switchboard::llm::protocol::{Decoder, Protocol};
use switchboard::llm::sse::frames_of_chunks;
use switchboard::llm::usage::Usage;

/// The fixture folder of `protocol`, or `None` (and a printed note) when absent.
pub fn fixture_dir(protocol: Protocol) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/wire")
        .join(protocol.name());
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: fixture folder {} is absent", dir.display());
        None
    }
}

/// Every file of the folder with one of `suffixes`, sorted.
pub fn fixture_names(protocol: Protocol, suffixes: &[&str]) -> Vec<String> {
    let Some(dir) = fixture_dir(protocol) else {
        return Vec::new();
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| suffixes.iter().any(|s| n.ends_with(s)))
        .collect();
    names.sort();
    names
}

/// The bytes of a fixture as they would come over the wire. A `*.chunks.jsonl` file (one
/// `data` payload per line, `event:` lines stripped by the recorder) is framed again as SSE,
/// with `event:` = the payload's `type` where the protocol names its events.
pub fn fixture(protocol: Protocol, name: &str) -> Option<Vec<u8>> {
    let path = fixture_dir(protocol)?.join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if !name.ends_with(".chunks.jsonl") {
        return Some(bytes);
    }
    let text = String::from_utf8(bytes).unwrap();
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        let named = matches!(protocol, Protocol::Anthropic | Protocol::OpenAiResponses);
        if let (true, Some(t)) = (named, v.get("type").and_then(Value::as_str)) {
            out.push_str(&format!("event: {t}\n"));
        }
        out.push_str(&format!("data: {line}\n\n"));
    }
    Some(out.into_bytes())
}

/// A whole JSON body fixture as text.
pub fn body_fixture(protocol: Protocol, name: &str) -> Option<String> {
    fixture(protocol, name).map(|b| String::from_utf8(b).unwrap())
}

/// Everything a decode produced.
#[derive(Debug, Default, PartialEq)]
pub struct Decoded {
    pub frames: Vec<(Option<String>, String)>,
    pub events: Vec<StreamEvent>,
    /// Framing errors and frames the decoder rejected.
    pub errors: Vec<String>,
    pub complete: bool,
}

impl Decoded {
    pub fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::TextDelta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn reasoning(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::ReasoningDelta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn finishes(&self) -> Vec<&StopReason> {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Finished { reason } => Some(reason),
                _ => None,
            })
            .collect()
    }

    /// The last usage reported, without the raw object (checked apart).
    pub fn usage(&self) -> Option<Usage> {
        self.events.iter().rev().find_map(|e| match e {
            StreamEvent::Usage { usage } => Some(Usage {
                raw: None,
                ..usage.clone()
            }),
            _ => None,
        })
    }

    pub fn errors_reported(&self) -> Vec<(String, Option<String>)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::ProviderError { message, code } => {
                    Some((message.clone(), code.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Tool calls assembled by index, in order of first appearance: (index, id, name, args).
    pub fn tool_calls(&self) -> Vec<(u32, Option<String>, Option<String>, String)> {
        let mut calls: Vec<(u32, Option<String>, Option<String>, String)> = Vec::new();
        for e in &self.events {
            if let StreamEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } = e
            {
                match calls.iter_mut().find(|c| c.0 == *index) {
                    Some(c) => {
                        c.1 = c.1.take().or(id.clone());
                        c.2 = c.2.take().or(name.clone());
                        c.3.push_str(arguments);
                    }
                    None => calls.push((*index, id.clone(), name.clone(), arguments.clone())),
                }
            }
        }
        calls
    }

    /// Each tool call's arguments, parsed: they must be JSON.
    pub fn tool_arguments(&self) -> Vec<Value> {
        self.tool_calls()
            .iter()
            .map(|c| {
                serde_json::from_str(&c.3)
                    .unwrap_or_else(|e| panic!("arguments {:?} are not JSON: {e}", c.3))
            })
            .collect()
    }
}

/// Decodes a stream that arrives in `chunks`, with the decoder of `protocol`: SSE frames,
/// then, at the end, the lines SSE skipped (Gemini's bare error).
pub async fn decode(protocol: Protocol, chunks: Vec<Vec<u8>>) -> Decoded {
    let mut stray = StrayLines::default();
    for c in &chunks {
        stray.feed(c);
    }
    let mut decoder = Decoder::new(protocol).unwrap();
    let mut d = Decoded::default();
    for item in frames_of_chunks(chunks).await {
        match item {
            Ok(f) => {
                if let Err(e) = decoder.frame(f.event.as_deref(), &f.data, &mut d.events) {
                    d.errors.push(e);
                }
                d.frames.push((f.event, f.data));
            }
            Err(e) => d.errors.push(format!("{e:?}")),
        }
    }
    if decoder.wants_stray_lines() {
        decoder.trailing(&stray.finish(), &mut d.events);
    }
    d.complete = decoder.is_complete();
    d
}

/// `\n` line ends as `\r\n` (those already `\r\n` kept).
pub fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' && (i == 0 || bytes[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// A small deterministic generator for random chunkings.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn random_chunks(bytes: &[u8], rng: &mut XorShift) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = 1 + (rng.next() % 64) as usize;
        let end = (at + len).min(bytes.len());
        out.push(bytes[at..end].to_vec());
        at = end;
    }
    out
}

/// Files up to this size are also cut in two at every byte boundary; larger ones at about
/// `SAMPLED_CUTS` boundaries plus every boundary next to a line end or a non-ASCII byte.
/// (The one-byte pieces put a boundary at every byte of every file anyway.)
const EVERY_CUT_LIMIT: usize = 2048;
const SAMPLED_CUTS: usize = 300;

fn cut_points(body: &[u8]) -> Vec<usize> {
    if body.len() <= EVERY_CUT_LIMIT {
        return (0..=body.len()).collect();
    }
    let step = body.len() / SAMPLED_CUTS + 1;
    (0..=body.len())
        .filter(|&i| {
            i % step == 0
                || [i.wrapping_sub(1), i]
                    .iter()
                    .filter_map(|&j| body.get(j))
                    .any(|&b| b == b'\n' || b == b'\r' || b >= 0x80)
        })
        .collect()
}

/// Decodes `bytes` whole, then in one-byte pieces (a boundary at every byte), cut in two
/// at many boundaries, in random pieces, and all of that again with CRLF line ends: every
/// way must give what the whole decode gave. Returns the whole decode.
pub async fn decode_every_way(protocol: Protocol, name: &str, bytes: &[u8]) -> Decoded {
    let whole = decode(protocol, vec![bytes.to_vec()]).await;
    let crlf = to_crlf(bytes);
    let crlf_whole = decode(protocol, vec![crlf.clone()]).await;
    assert_eq!(crlf_whole.events, whole.events, "{name}: CRLF");
    assert_eq!(crlf_whole.complete, whole.complete, "{name}: CRLF");
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64);
    for (label, body) in [("LF", bytes), ("CRLF", crlf.as_slice())] {
        let singles: Vec<Vec<u8>> = body.iter().map(|b| vec![*b]).collect();
        let d = decode(protocol, singles).await;
        assert_eq!(d.events, whole.events, "{name} ({label}): one-byte pieces");
        assert_eq!(
            d.complete, whole.complete,
            "{name} ({label}): one-byte pieces"
        );
        assert_eq!(d.errors, whole.errors, "{name} ({label}): one-byte pieces");
        for cut in cut_points(body) {
            let d = decode(protocol, vec![body[..cut].to_vec(), body[cut..].to_vec()]).await;
            assert_eq!(
                d.events, whole.events,
                "{name} ({label}): cut at byte {cut}"
            );
            assert_eq!(
                d.complete, whole.complete,
                "{name} ({label}): cut at byte {cut}"
            );
        }
        for round in 0..20 {
            let d = decode(protocol, random_chunks(body, &mut rng)).await;
            assert_eq!(
                d.events, whole.events,
                "{name} ({label}): random round {round}"
            );
        }
    }
    whole
}

/// `decode_every_way` for every named fixture, the files in parallel (call from a
/// multi-thread runtime). Returns each file's whole decode, in name order.
pub async fn every_way_all(protocol: Protocol, names: Vec<String>) -> Vec<(String, Decoded)> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, name) in names.into_iter().enumerate() {
        tasks.spawn(async move {
            let bytes = fixture(protocol, &name).unwrap();
            let d = decode_every_way(protocol, &name, &bytes).await;
            (i, name, d)
        });
    }
    let mut out = Vec::new();
    while let Some(done) = tasks.join_next().await {
        out.push(done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())));
    }
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, n, d)| (n, d)).collect()
}

/// Decodes a whole non-streamed body.
pub fn decode_body(protocol: Protocol, body: &str) -> Decoded {
    let mut decoder = Decoder::new(protocol).unwrap();
    let mut d = Decoded::default();
    if let Err(e) = decoder.body(body, &mut d.events) {
        d.errors.push(e);
    }
    d.complete = decoder.is_complete();
    d
}
