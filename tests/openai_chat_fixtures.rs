//! The OpenAI Chat decoder over real recorded streams (`../shared/fixtures/wire/openai-chat/`,
//! see its SOURCES.md). Each stream is decoded whole, then re-split at every byte boundary
//! and into random chunkings: the events must not change. Then each recording's meaning is
//! checked: text, reasoning, tool calls, usage, cost, stop reason.
//!
//! When the fixture folder is absent (a checkout without `../shared`), the tests print that
//! they skipped and pass.

use std::path::PathBuf;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;
use switchboard::llm::event::{StopReason, StreamEvent};
use switchboard::llm::protocol::error_message;
use switchboard::llm::protocol::openai_chat::ChatDecoder;
use switchboard::llm::sse::frames_of_chunks;
use switchboard::llm::usage::Usage;

/// Every recorded stream this file checks by meaning; any other `*.sse` in the folder still
/// gets the split checks.
const KNOWN_STREAMS: [&str; 10] = [
    "text-usage.sse",
    "deepseek-reasoning-emoji.sse",
    "openrouter-emoji-cost.sse",
    "openrouter-reasoning-tool-cost.sse",
    "parallel-tool-calls.sse",
    "compat-tool-index-1.sse",
    "gpt5-tool-obfuscation.sse",
    "length-cutoff.sse",
    "refusal.sse",
    "multi-choice-n3.sse",
];

/// Files up to this size are also decoded whole after a cut at every byte boundary of the
/// stream; larger ones at `SAMPLED_CUTS` boundaries (plus every boundary next to a non-ASCII
/// byte). Every boundary of every file is still cut by the per-event check in
/// `decode_every_way`, which costs the event's length instead of the file's.
const EVERY_CUT_LIMIT: usize = 2 * 1024;
const SAMPLED_CUTS: usize = 150;
/// Random chunkings per file.
const RANDOM_CHUNKINGS: usize = 200;

fn fixture_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/wire/openai-chat");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: fixture folder {} is absent", dir.display());
        None
    }
}

/// The bytes of one fixture; `None` (and a note) when the folder is absent. A folder that is
/// present but lacks the file is a failure: the fixtures changed under the test.
fn fixture(name: &str) -> Option<Vec<u8>> {
    let path = fixture_dir()?.join(name);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Everything a decode produced.
#[derive(Debug, Default, PartialEq)]
struct Decoded {
    /// The `data` of every SSE frame, in order.
    frames: Vec<String>,
    events: Vec<StreamEvent>,
    /// Framing errors and frames the decoder rejected.
    errors: Vec<String>,
    complete: bool,
}

impl Decoded {
    fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::TextDelta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn reasoning(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::ReasoningDelta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn finishes(&self) -> Vec<&StopReason> {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Finished { reason } => Some(reason),
                _ => None,
            })
            .collect()
    }

    /// The last usage reported (later reports replace earlier ones).
    fn usage(&self) -> Option<&Usage> {
        self.events.iter().rev().find_map(|e| match e {
            StreamEvent::Usage { usage } => Some(usage),
            _ => None,
        })
    }

    /// Tool calls assembled by index, in order of first appearance: (index, id, name, args).
    fn tool_calls(&self) -> Vec<(u32, Option<String>, Option<String>, String)> {
        let mut calls: Vec<(u32, Option<String>, Option<String>, String)> = Vec::new();
        for e in &self.events {
            if let StreamEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } = e
            {
                let pos = match calls.iter().position(|c| c.0 == *index) {
                    Some(pos) => pos,
                    None => {
                        calls.push((*index, None, None, String::new()));
                        calls.len() - 1
                    }
                };
                let call = &mut calls[pos];
                if id.is_some() {
                    call.1.clone_from(id);
                }
                if name.is_some() {
                    call.2.clone_from(name);
                }
                call.3.push_str(arguments);
            }
        }
        calls
    }

    /// The sanity every recorded stream must pass: framed and decoded without an error,
    /// ended by its marker, no in-stream provider error.
    fn assert_clean(&self, name: &str) {
        assert!(self.errors.is_empty(), "{name}: {:?}", self.errors);
        assert!(self.complete, "{name}: not complete");
        assert!(
            !self
                .events
                .iter()
                .any(|e| matches!(e, StreamEvent::ProviderError { .. })),
            "{name}: unexpected provider error"
        );
    }
}

async fn decode(chunks: Vec<Vec<u8>>) -> Decoded {
    let mut decoder = ChatDecoder::default();
    let mut out = Decoded::default();
    for item in frames_of_chunks(chunks).await {
        match item {
            Ok(frame) => {
                if let Err(e) = decoder.frame(frame.event.as_deref(), &frame.data, &mut out.events)
                {
                    out.errors.push(format!("frame {}: {e}", out.frames.len()));
                }
                out.frames.push(frame.data);
            }
            Err(e) => out.errors.push(format!("framing: {e:?}")),
        }
    }
    out.complete = decoder.is_complete();
    out
}

/// xorshift64: deterministic, no dependency.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        XorShift(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// FNV-1a of the name: each file gets its own fixed random chunkings.
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Where to cut the whole stream in two: every boundary for small files; for larger ones
/// `SAMPLED_CUTS` boundaries spread over the file (jittered) and every boundary within 4
/// bytes of a non-ASCII byte, where a UTF-8 character can be split.
fn cut_points(bytes: &[u8], rng: &mut XorShift) -> Vec<usize> {
    let n = bytes.len();
    if n <= EVERY_CUT_LIMIT {
        return (0..=n).collect();
    }
    let stride = n / SAMPLED_CUTS;
    let mut cuts: Vec<usize> = (0..SAMPLED_CUTS)
        .map(|i| (i * stride + rng.between(0, stride - 1)).min(n))
        .collect();
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x80 {
            cuts.extend(i.saturating_sub(4)..=(i + 4).min(n));
        }
    }
    cuts.push(n);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// The stream cut after each blank line (`\n\n` or `\r\n\r\n`): one SSE event (or comment)
/// per block.
fn event_blocks(bytes: &[u8]) -> Vec<&[u8]> {
    let mut blocks = Vec::new();
    let mut start = 0;
    for i in 1..bytes.len() {
        let blank = bytes[i] == b'\n'
            && (bytes[i - 1] == b'\n' || (i >= 3 && &bytes[i - 3..i] == b"\n\r\n"));
        if blank {
            blocks.push(&bytes[start..=i]);
            start = i + 1;
        }
    }
    if start < bytes.len() {
        blocks.push(&bytes[start..]);
    }
    blocks
}

/// Decodes `name` whole, then checks that no way of cutting it changes the result:
///
/// 1. every byte boundary, event by event: each event block cut in two frames exactly as it
///    does whole. The parser is back at the start of a line after each blank line, and the
///    events are a function of the frames alone, so this stands for cutting the whole
///    stream at that byte, at a cost of the block's length rather than the file's (a full
///    decode per boundary is quadratic: minutes in a debug build for the 66 KiB DeepSeek
///    recording);
/// 2. the whole stream cut in two at `cut_points` (every boundary for small files), decoded
///    to events;
/// 3. `RANDOM_CHUNKINGS` random chunkings (chunk sizes 1..=64), decoded to events.
///
/// Returns the whole decode.
async fn decode_every_way(name: &str, bytes: &[u8]) -> Decoded {
    let whole = decode(vec![bytes.to_vec()]).await;
    assert!(!whole.frames.is_empty(), "{name}: no frames");

    let mut at = 0;
    let mut block_frames = Vec::new();
    for block in event_blocks(bytes) {
        let unsplit = frames_of_chunks(vec![block.to_vec()]).await;
        for cut in 1..block.len() {
            let split = frames_of_chunks(vec![block[..cut].to_vec(), block[cut..].to_vec()]).await;
            assert!(
                split == unsplit,
                "{name}: cut at byte {} changed the frames: {split:?} vs {unsplit:?}",
                at + cut
            );
        }
        block_frames.extend(unsplit.into_iter().map(|f| f.expect("frame").data));
        at += block.len();
    }
    assert_eq!(
        block_frames, whole.frames,
        "{name}: blocks frame as the whole"
    );

    let mut rng = XorShift::new(seed_of(name));
    let cuts = cut_points(bytes, &mut rng);
    if cuts.len() <= bytes.len() {
        println!(
            "{name}: {} bytes; whole-stream decode cut at {} sampled boundaries",
            bytes.len(),
            cuts.len()
        );
    }
    for cut in cuts {
        let split = decode(vec![bytes[..cut].to_vec(), bytes[cut..].to_vec()]).await;
        assert!(
            split == whole,
            "{name}: cut at byte {cut} changed the result"
        );
    }

    for round in 0..RANDOM_CHUNKINGS {
        let mut chunks = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let end = (at + rng.between(1, 64)).min(bytes.len());
            chunks.push(bytes[at..end].to_vec());
            at = end;
        }
        let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
        let split = decode(chunks).await;
        assert!(
            split == whole,
            "{name}: random chunking {round} changed the result; chunk sizes {sizes:?}"
        );
    }
    whole
}

/// The fixture `name`, decoded every way and checked clean; `None` when the folder is absent.
async fn recorded(name: &str) -> Option<Decoded> {
    let bytes = fixture(name)?;
    let decoded = decode_every_way(name, &bytes).await;
    decoded.assert_clean(name);
    Some(decoded)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn position(events: &[StreamEvent], pred: impl Fn(&StreamEvent) -> bool) -> Option<usize> {
    events.iter().position(pred)
}

#[tokio::test]
async fn text_usage_with_empty_choices_and_done() {
    let Some(d) = recorded("text-usage.sse").await else {
        return;
    };
    assert_eq!(
        d.text(),
        "I'm unable to provide real-time weather updates. To get the current weather in San \
         Francisco, I recommend checking a reliable weather website or a weather app."
    );
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    // The usage chunk has `choices: []` and comes after the finish chunk.
    assert_eq!(d.frames.last().map(String::as_str), Some("[DONE]"));
    let usage_frame = json(&d.frames[d.frames.len() - 2]);
    assert_eq!(usage_frame["choices"], serde_json::json!([]));
    assert!(matches!(d.events.last(), Some(StreamEvent::Usage { .. })));
    assert_eq!(
        d.usage(),
        Some(&Usage {
            input: 14,
            output: 30,
            ..Usage::default()
        })
    );
    assert!(d.complete, "[DONE] completes the stream");
}

#[tokio::test]
async fn done_alone_completes_and_nothing_else_does() {
    // Without the marker (and without a finish reason) the decoder must not claim completion.
    let mut d = ChatDecoder::default();
    let mut out = Vec::new();
    d.frame(
        None,
        r#"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#,
        &mut out,
    )
    .unwrap();
    assert!(!d.is_complete());
    d.frame(None, "[DONE]", &mut out).unwrap();
    assert!(d.is_complete());
    assert_eq!(out, vec![StreamEvent::TextDelta { text: "Hi".into() }]);
}

#[tokio::test]
async fn deepseek_reasoning_then_text_with_emoji() {
    let Some(d) = recorded("deepseek-reasoning-emoji.sse").await else {
        return;
    };
    let reasoning = d.reasoning();
    assert!(
        reasoning.starts_with("Hmm, the user just said \"Hello\". It's a simple greeting"),
        "{reasoning}"
    );
    assert!(reasoning.ends_with("they might not reply further - and that's okay too."));
    assert_eq!(reasoning.chars().count(), 882);
    assert_eq!(d.text(), "Hello there! 😊 How can I help you today?");

    let last_reasoning = d
        .events
        .iter()
        .rposition(|e| matches!(e, StreamEvent::ReasoningDelta { .. }))
        .unwrap();
    let first_text = position(&d.events, |e| matches!(e, StreamEvent::TextDelta { .. })).unwrap();
    assert!(
        last_reasoning < first_text,
        "all reasoning comes before the text"
    );
    // `reasoning_content: ""` and `content: null` on the first chunk make no events.
    assert!(d.events.iter().all(|e| match e {
        StreamEvent::ReasoningDelta { text } | StreamEvent::TextDelta { text } => !text.is_empty(),
        _ => true,
    }));

    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    // DeepSeek puts usage on the finish chunk itself.
    assert_eq!(
        d.usage(),
        Some(&Usage {
            input: 6,
            cached_read: 0,
            output: 212,
            reasoning: 198,
            ..Usage::default()
        })
    );
}

#[tokio::test]
async fn deepseek_cached_tokens_from_either_field() {
    let Some(bytes) = fixture("deepseek-reasoning-emoji.sse") else {
        return;
    };
    let text = String::from_utf8(bytes).unwrap();
    let usage_line = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .find(|l| l.contains("prompt_cache_hit_tokens"))
        .expect("the recording has a usage chunk");
    let recorded = json(usage_line);

    let cached = |chunk: &Value| {
        let mut d = ChatDecoder::default();
        let mut out = Vec::new();
        d.frame(None, &chunk.to_string(), &mut out).unwrap();
        out.iter()
            .find_map(|e| match e {
                StreamEvent::Usage { usage } => Some(usage.cached_read),
                _ => None,
            })
            .expect("usage decoded")
    };

    // Only DeepSeek's own field.
    let mut only_hit = recorded.clone();
    let usage = only_hit["usage"].as_object_mut().unwrap();
    usage.remove("prompt_tokens_details");
    usage.insert("prompt_cache_hit_tokens".into(), 4.into());
    assert_eq!(cached(&only_hit), 4);

    // Only the OpenAI field.
    let mut only_details = recorded.clone();
    let usage = only_details["usage"].as_object_mut().unwrap();
    usage.remove("prompt_cache_hit_tokens");
    usage.insert(
        "prompt_tokens_details".into(),
        serde_json::json!({"cached_tokens": 5}),
    );
    assert_eq!(cached(&only_details), 5);
}

#[tokio::test]
async fn openrouter_comment_repeated_finish_and_exact_cost() {
    let Some(d) = recorded("openrouter-emoji-cost.sse").await else {
        return;
    };
    // The ": OPENROUTER PROCESSING" comment is no frame at all.
    assert!(
        d.frames
            .iter()
            .all(|f| !f.contains("OPENROUTER PROCESSING"))
    );
    assert_eq!(d.frames.len(), 6);
    assert_eq!(d.text(), "Olá! 😊");
    // The finish chunk is sent twice (the second carries usage): one Finished.
    assert_eq!(
        d.frames
            .iter()
            .filter(|f| f.contains("\"finish_reason\":\"stop\""))
            .count(),
        2
    );
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    let usage = d.usage().expect("usage");
    assert_eq!((usage.input, usage.output), (19, 7));
    assert_eq!(usage.provider_cost_amount(), Some(dec("0.00001255")));
    // Exact, not a float that prints close: the scale is the one written.
    assert_eq!(
        usage.provider_cost_amount().unwrap().to_string(),
        "0.00001255"
    );
}

#[tokio::test]
async fn openrouter_reasoning_and_tool_call() {
    let Some(d) = recorded("openrouter-reasoning-tool-cost.sse").await else {
        return;
    };
    // Reasoning arrives in `delta.reasoning`, with a copy in `reasoning_details`: taken once.
    assert_eq!(
        d.reasoning(),
        "The user is asking for weather information in Florence, Italy. I have access to a \
         weather function that takes a location parameter. I should call the weather function \
         with \"Florence, Italy\" or \"Florence\" as the location.\n\nLet me call the weather \
         function with the location being Florence, Italy (or I could try just \"Florence\" - \
         but \"Florence, Italy\" would be more specific and accurate)."
    );
    assert_eq!(d.text(), "", "empty content deltas make no text");
    let calls = d.tool_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let (index, id, name, args) = &calls[0];
    assert_eq!(*index, 0);
    assert_eq!(id.as_deref(), Some("toolu_bdrk_01N8hD5cYDw4WfvnjKXAkA2W"));
    assert_eq!(name.as_deref(), Some("weather"));
    assert_eq!(
        json(args),
        serde_json::json!({"location": "Florence, Italy"})
    );
    assert_eq!(d.finishes(), vec![&StopReason::ToolCalls]);
    let usage = d.usage().expect("usage");
    assert_eq!((usage.input, usage.output, usage.reasoning), (607, 143, 99));
    assert_eq!(usage.provider_cost_amount(), Some(dec("0.001322")));
}

#[tokio::test]
async fn parallel_tool_calls_assembled_by_index() {
    let Some(d) = recorded("parallel-tool-calls.sse").await else {
        return;
    };
    let calls = d.tool_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].0, 0);
    assert_eq!(calls[0].1.as_deref(), Some("call_JMW1whyEaYG438VE1OIflxA2"));
    assert_eq!(calls[0].2.as_deref(), Some("GetWeatherArgs"));
    assert_eq!(
        json(&calls[0].3),
        serde_json::json!({"city": "Edinburgh", "country": "GB", "units": "c"})
    );
    assert_eq!(calls[1].0, 1);
    assert_eq!(calls[1].1.as_deref(), Some("call_DNYTawLBoN8fj3KN6qU9N1Ou"));
    assert_eq!(calls[1].2.as_deref(), Some("get_stock_price"));
    assert_eq!(
        json(&calls[1].3),
        serde_json::json!({"ticker": "AAPL", "exchange": "NASDAQ"})
    );
    // Fragments are not JSON on their own: only the concatenation is.
    let fragments = d
        .events
        .iter()
        .filter(
            |e| matches!(e, StreamEvent::ToolCallDelta { arguments, .. } if !arguments.is_empty()),
        )
        .count();
    assert!(fragments > 2);
    assert_eq!(d.text(), "");
    assert_eq!(d.finishes(), vec![&StopReason::ToolCalls]);
    let usage = d.usage().expect("usage");
    assert_eq!((usage.input, usage.output), (149, 60));
}

#[tokio::test]
async fn compat_gateway_tool_index_starts_at_one() {
    let Some(d) = recorded("compat-tool-index-1.sse").await else {
        return;
    };
    assert_eq!(d.text(), "Reading it.");
    let first = d
        .events
        .iter()
        .find(|e| matches!(e, StreamEvent::ToolCallDelta { .. }))
        .expect("a tool call");
    assert_eq!(
        first,
        &StreamEvent::ToolCallDelta {
            index: 1,
            id: Some("toolu_sanitized".into()),
            name: Some("read_file".into()),
            arguments: String::new(),
        }
    );
    let calls = d.tool_calls();
    assert_eq!(calls.len(), 1, "no phantom call at index 0: {calls:?}");
    assert_eq!(calls[0].0, 1);
    assert_eq!(json(&calls[0].3), serde_json::json!({"path": "a.txt"}));
    assert_eq!(d.finishes(), vec![&StopReason::ToolCalls]);
    assert_eq!(d.usage(), None, "this gateway sends no usage chunk");
}

#[tokio::test]
async fn gpt5_obfuscation_never_becomes_content() {
    let Some(bytes) = fixture("gpt5-tool-obfuscation.sse") else {
        return;
    };
    let name = "gpt5-tool-obfuscation.sse";
    let d = decode_every_way(name, &bytes).await;
    d.assert_clean(name);

    let pads: Vec<String> = d
        .frames
        .iter()
        .filter(|f| f.starts_with('{'))
        .filter_map(|f| json(f)["obfuscation"].as_str().map(str::to_string))
        .collect();
    assert!(pads.len() >= 10, "the recording pads its chunks: {pads:?}");
    assert!(
        !d.events.iter().any(|e| matches!(
            e,
            StreamEvent::TextDelta { .. } | StreamEvent::ReasoningDelta { .. }
        )),
        "{:?}",
        d.events
    );
    let shown = format!("{:?}", d.events);
    for pad in pads.iter().filter(|p| p.len() >= 5) {
        assert!(
            !shown.contains(pad.as_str()),
            "padding {pad} leaked into events"
        );
    }
    let calls = d.tool_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].2.as_deref(), Some("weather"));
    assert_eq!(
        json(&calls[0].3),
        serde_json::json!({"location": "Florence, Italy"})
    );
    assert_eq!(d.finishes(), vec![&StopReason::ToolCalls]);
    let usage = d.usage().expect("usage");
    assert_eq!((usage.input, usage.output, usage.reasoning), (145, 89, 64));
}

#[tokio::test]
async fn length_cutoff() {
    let Some(d) = recorded("length-cutoff.sse").await else {
        return;
    };
    assert_eq!(d.text(), "{\"");
    assert_eq!(d.finishes(), vec![&StopReason::Length]);
    let usage = d.usage().expect("usage");
    assert_eq!((usage.input, usage.output), (79, 1));
}

#[tokio::test]
async fn refusal_text_surfaces() {
    let Some(d) = recorded("refusal.sse").await else {
        return;
    };
    assert_eq!(d.text(), "I'm sorry, I can't assist with that request.");
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    let usage = d.usage().expect("usage");
    assert_eq!((usage.input, usage.output), (79, 11));
}

#[tokio::test]
async fn multi_choice_decodes_choice_zero_only() {
    let Some(d) = recorded("multi-choice-n3.sse").await else {
        return;
    };
    assert_eq!(
        d.text(),
        r#"{"city":"San Francisco","temperature":65,"units":"f"}"#
    );
    // Three finish chunks, one per choice: only choice 0's counts.
    assert_eq!(d.finishes(), vec![&StopReason::Stop]);
    let usage = d.usage().expect("usage");
    assert_eq!((usage.input, usage.output), (79, 42));
}

#[tokio::test]
async fn every_recorded_stream_splits_the_same() {
    let Some(dir) = fixture_dir() else {
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sse"))
        .collect();
    names.sort();
    for known in KNOWN_STREAMS {
        assert!(names.iter().any(|n| n == known), "{known} is missing");
    }
    // The named tests above cover the known streams; any new recording gets the split
    // checks here, and must at least decode without panicking.
    for name in names
        .iter()
        .filter(|n| !KNOWN_STREAMS.contains(&n.as_str()))
    {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let d = decode_every_way(name, &bytes).await;
        println!(
            "{name}: {} frames, {} events, {} errors (no semantic checks yet)",
            d.frames.len(),
            d.events.len(),
            d.errors.len()
        );
    }
}

#[test]
fn non_streamed_completion() {
    let Some(bytes) = fixture("completion.json") else {
        return;
    };
    let body = String::from_utf8(bytes).unwrap();
    let mut d = ChatDecoder::default();
    let mut events = Vec::new();
    d.body(&body, &mut events).unwrap();
    assert!(d.is_complete());
    let content = json(&body)["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(content.starts_with("**Holiday Name:** Galaxy Day"));
    assert!(content.contains("darkness\u{2014}mirroring"));
    assert_eq!(
        events,
        vec![
            StreamEvent::TextDelta { text: content },
            StreamEvent::Finished {
                reason: StopReason::Stop
            },
            StreamEvent::Usage {
                usage: Usage {
                    input: 16,
                    output: 363,
                    ..Usage::default()
                }
            },
        ]
    );
}

#[test]
fn non_streamed_clipia_cost_is_exact() {
    let Some(bytes) = fixture("completion-clipia-cost.docs.json") else {
        return;
    };
    let body = String::from_utf8(bytes).unwrap();
    let mut d = ChatDecoder::default();
    let mut events = Vec::new();
    d.body(&body, &mut events).unwrap();
    assert_eq!(
        events[0],
        StreamEvent::TextDelta {
            text: "1. ...\n2. ...\n3. ...".into()
        }
    );
    assert_eq!(
        events[1],
        StreamEvent::Finished {
            reason: StopReason::Stop
        }
    );
    let StreamEvent::Usage { usage } = &events[2] else {
        panic!("{events:?}");
    };
    assert_eq!((usage.input, usage.output), (18, 72));
    assert_eq!(usage.provider_cost_amount(), Some(dec("0.05")));
    assert_eq!(usage.provider_cost_amount().unwrap().to_string(), "0.05");
    assert_eq!(events.len(), 3);
}

#[test]
fn error_bodies_give_message_and_code() {
    let Some(dir) = fixture_dir() else {
        return;
    };
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let cases = [
        (
            "error-400-unsupported-parameter.json",
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use \
             'max_completion_tokens' instead.",
            "unsupported_parameter",
        ),
        (
            "error-404-model-not-found.json",
            "The model `gpt-5.2-proo` does not exist or you do not have access to it.",
            "model_not_found",
        ),
        (
            "error-429-clipia.docs.json",
            "Rate limit exceeded. Try again later.",
            "rate_limit_exceeded",
        ),
        // OpenRouter's code is a number.
        (
            "error-429-openrouter-provider.json",
            "Provider returned error",
            "429",
        ),
    ];
    for (name, message, code) in cases {
        assert_eq!(
            error_message(&read(name)),
            Some((message.to_string(), Some(code.to_string()))),
            "{name}"
        );
    }
    // Every error body in the folder yields a message.
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("error-") && name.ends_with(".json") {
            seen += 1;
            let (message, _) = error_message(&read(&name))
                .unwrap_or_else(|| panic!("{name}: no message extracted"));
            assert!(!message.is_empty(), "{name}");
        }
    }
    assert!(seen >= 4);
}
