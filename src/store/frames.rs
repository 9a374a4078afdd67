//! The compact encoding of an exchange's raw frames: one blob per exchange.
//!
//! Why one blob and not one row per frame: a streamed answer is hundreds to thousands of
//! frames; a row each would cost an insert, a rowid and an index entry per frame (100,000
//! exchanges would be tens of millions of rows), while the frames are only ever read
//! whole, by the inspector, one exchange at a time. One blob is one insert and one read.
//! Why not JSON lines: the blob is about half the size of JSONL (no keys, no escaping)
//! and decodes without a parser.
//!
//! Layout (encoding 1): for each frame, LEB128 varints and raw UTF-8 bytes:
//! `offset_us`, `event_len + 1` (0 when there is no `event:`), event bytes, `data_len`,
//! data bytes. Encoding 2, the one written now, is encoding 1 compressed with LZ4 (the
//! block format with the size in front, `lz4_flex`): stream frames repeat the same JSON
//! keys and ids in every event, so they shrink 5 to 10 times, and the database writes (and
//! later reads) that much less. Encoding 1 blobs from earlier versions still read.

use crate::llm::http::Frame;

/// The encoding number stored beside each blob written now.
pub const ENCODING: i64 = 2;

/// Compresses an encoding-1 blob (from `encode_frames`) into what is stored under
/// `ENCODING`.
pub fn pack(raw: &[u8]) -> Vec<u8> {
    lz4_flex::compress_prepend_size(raw)
}

/// The frames of a stored blob of `encoding` 1 or 2; a damaged blob gives the frames
/// before the damage, an unknown encoding none.
pub fn unpack(encoding: i64, blob: &[u8]) -> Vec<Frame> {
    match encoding {
        1 => decode_frames(blob),
        2 => lz4_flex::decompress_size_prepended(blob)
            .map(|raw| decode_frames(&raw))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Frames ready to store: encoded within the cap, then compressed (`ENCODING`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackedFrames {
    /// The compressed blob (empty when there are no frames).
    pub blob: Vec<u8>,
    /// How many frames it holds.
    pub kept: usize,
    /// Set when frames were dropped to stay under the cap.
    pub note: Option<String>,
}

/// Encodes `frames` within `cap` bytes (see `encode_frames`) and compresses them. Done
/// where the frames are, so that they need not be copied to the thread that writes them;
/// the uncompressed encoding lives only inside this call.
pub fn pack_frames(frames: &[Frame], cap: usize) -> PackedFrames {
    let e = encode_frames(frames, cap);
    PackedFrames {
        blob: if e.data.is_empty() {
            Vec::new()
        } else {
            pack(&e.data)
        },
        kept: e.kept,
        note: e.note,
    }
}

/// Frames encoded, with what the cap left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrames {
    pub data: Vec<u8>,
    /// How many frames the blob holds.
    pub kept: usize,
    /// Set when frames were dropped to stay under the cap.
    pub note: Option<String>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn get_varint(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn encode_one(out: &mut Vec<u8>, f: &Frame) {
    put_varint(out, f.offset_us);
    match &f.event {
        Some(e) => {
            put_varint(out, e.len() as u64 + 1);
            out.extend_from_slice(e.as_bytes());
        }
        None => put_varint(out, 0),
    }
    put_varint(out, f.data.len() as u64);
    out.extend_from_slice(f.data.as_bytes());
}

fn encoded_len(f: &Frame) -> usize {
    // Upper bound of the three varints, plus the bytes.
    30 + f.event.as_ref().map_or(0, String::len) + f.data.len()
}

/// Encodes `frames` within `cap` bytes. Past the cap the middle is dropped: the first
/// frames (how the answer began) and the last ones (usage, finish reason, errors) are
/// kept, seven eighths of the cap for the head and one eighth for the tail.
pub fn encode_frames(frames: &[Frame], cap: usize) -> EncodedFrames {
    let total: usize = frames.iter().map(encoded_len).sum();
    let mut data = Vec::with_capacity(total.min(cap));
    if total <= cap {
        for f in frames {
            encode_one(&mut data, f);
        }
        return EncodedFrames {
            data,
            kept: frames.len(),
            note: None,
        };
    }
    let mut head = 0;
    let mut used = 0;
    for f in frames {
        let len = encoded_len(f);
        if used + len > cap / 8 * 7 {
            break;
        }
        used += len;
        head += 1;
    }
    let mut tail = 0;
    let mut tail_used = 0;
    for f in frames[head..].iter().rev() {
        let len = encoded_len(f);
        if tail_used + len > cap / 8 {
            break;
        }
        tail_used += len;
        tail += 1;
    }
    for f in frames[..head].iter().chain(&frames[frames.len() - tail..]) {
        encode_one(&mut data, f);
    }
    let dropped = frames.len() - head - tail;
    EncodedFrames {
        data,
        kept: head + tail,
        note: Some(format!(
            "frames truncated at the {cap}-byte cap: kept the first {head} and the last \
             {tail} of {} frames; {dropped} frames (about {} bytes) after frame {head} \
             were not stored",
            frames.len(),
            total - used - tail_used,
        )),
    }
}

/// Decodes a blob of encoding 1. A damaged blob gives the frames before the damage.
pub fn decode_frames(data: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let Some(frame) = decode_one(data, &mut at) else {
            break;
        };
        out.push(frame);
    }
    out
}

fn decode_one(data: &[u8], at: &mut usize) -> Option<Frame> {
    let offset_us = get_varint(data, at)?;
    let event_len = get_varint(data, at)? as usize;
    let event = if event_len == 0 {
        None
    } else {
        let end = at.checked_add(event_len - 1)?;
        let bytes = data.get(*at..end)?;
        *at = end;
        Some(String::from_utf8_lossy(bytes).into_owned())
    };
    let len = get_varint(data, at)? as usize;
    let end = at.checked_add(len)?;
    let bytes = data.get(*at..end)?;
    *at = end;
    Some(Frame {
        offset_us,
        event,
        data: String::from_utf8_lossy(bytes).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(i: u64, event: Option<&str>, data: &str) -> Frame {
        Frame {
            offset_us: i * 1000 + 7,
            event: event.map(str::to_string),
            data: data.to_string(),
        }
    }

    #[test]
    fn packed_blobs_round_trip_and_shrink_repetitive_streams() {
        let frames: Vec<Frame> = (0..2000)
            .map(|i| {
                frame(
                    i,
                    None,
                    &format!(
                        r#"{{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{{"index":0,"delta":{{"content":" w{i}"}}}}]}}"#
                    ),
                )
            })
            .collect();
        let raw = encode_frames(&frames, usize::MAX).data;
        let packed = pack(&raw);
        assert!(
            packed.len() * 4 < raw.len(),
            "{} vs {}",
            packed.len(),
            raw.len()
        );
        assert_eq!(unpack(ENCODING, &packed), frames);
        assert_eq!(unpack(1, &raw), frames);
        // A damaged blob gives at most the frames before the damage, never made-up ones.
        let cut = unpack(2, &packed[..packed.len() / 2]);
        assert!(
            cut.len() < frames.len() && frames.starts_with(&cut),
            "{}",
            cut.len()
        );
        assert!(unpack(99, &packed).is_empty());
        // Packing where the frames are gives the same blob.
        let here = pack_frames(&frames, usize::MAX);
        assert_eq!(
            (here.blob, here.kept, here.note),
            (packed, frames.len(), None)
        );
        let capped = pack_frames(&frames, 2048);
        let back = unpack(ENCODING, &capped.blob);
        assert_eq!(back.len(), capped.kept);
        assert!(capped.kept < frames.len() && capped.note.is_some());
        assert_eq!(back.last(), frames.last(), "the tail is kept");
        assert_eq!(pack_frames(&[], 2048), PackedFrames::default());
    }

    #[test]
    fn round_trips_and_is_smaller_than_json() {
        let frames: Vec<Frame> = (0..200)
            .map(|i| {
                let ev = (i % 3 == 0).then_some("content_block_delta");
                frame(i, ev, &format!(r#"{{"delta":"tok {i} é ✓"}}"#))
            })
            .chain([frame(999_999_999, None, "")])
            .collect();
        let enc = encode_frames(&frames, usize::MAX);
        assert_eq!(enc.note, None);
        assert_eq!(decode_frames(&enc.data), frames);
        let jsonl: usize = frames
            .iter()
            .map(|f| serde_json::to_string(f).unwrap().len() + 1)
            .sum();
        assert!(
            enc.data.len() * 10 < jsonl * 7,
            "{} vs {jsonl}",
            enc.data.len()
        );
    }

    #[test]
    fn the_cap_keeps_head_and_tail_and_says_so() {
        let frames: Vec<Frame> = (0..1000)
            .map(|i| frame(i, None, &"x".repeat(100)))
            .collect();
        let enc = encode_frames(&frames, 16 * 1024);
        assert!(enc.data.len() <= 16 * 1024);
        let back = decode_frames(&enc.data);
        assert_eq!(back.len(), enc.kept);
        assert_eq!(back[0], frames[0]);
        assert_eq!(back.last(), frames.last());
        let note = enc.note.unwrap();
        assert!(note.contains("of 1000 frames"), "{note}");
    }

    #[test]
    fn damaged_blobs_decode_what_they_can() {
        let frames: Vec<Frame> = (0..5).map(|i| frame(i, Some("e"), "data")).collect();
        let enc = encode_frames(&frames, usize::MAX);
        let cut = &enc.data[..enc.data.len() - 2];
        assert_eq!(decode_frames(cut), frames[..4].to_vec());
        assert!(decode_frames(&[0xff; 20]).is_empty());
    }
}
