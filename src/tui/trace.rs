//! The wire record of a turn as the inspector shows it: every raw frame, and the events
//! decoded from each, in arrival order. Kept compact, because a fast 20,000-token answer
//! is 20,000 frames: rows are 12 bytes, text events point into the answer instead of
//! holding a copy, and frames are not copied twice (see `FrameLog`).

use std::collections::VecDeque;

use crate::llm::event::StreamEvent;
use crate::llm::http::{Exchange, Frame, HttpRequest};

/// One row of the inspector's wire listing: a raw frame, or an event decoded from the
/// frame above it. Twelve bytes: a 20,000-token answer has 40,000 rows, and text events
/// point into the answer instead of keeping a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceRow {
    /// `Trace::frames[i]`.
    Frame(u32),
    /// A text delta: these bytes of the answer.
    Text {
        /// Byte offset in the answer.
        start: u32,
        /// Byte length.
        len: u32,
    },
    /// A reasoning delta: these bytes of the reasoning.
    Reasoning {
        /// Byte offset in the reasoning.
        start: u32,
        /// Byte length.
        len: u32,
    },
    /// Any other event: `Trace::events[i]`.
    Event(u32),
}

/// A `u32` index (saturating: four billion rows is past any real answer).
pub fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The wire record of a turn, live while it streams.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// The request as sent, secrets masked.
    pub request: Option<HttpRequest>,
    /// The response status.
    pub status: Option<u16>,
    /// The response headers.
    pub headers: Vec<(String, String)>,
    /// Every SSE frame, with its offset.
    pub frames: FrameLog,
    /// The decoded events other than text and reasoning deltas (usage, tool calls, ...).
    pub events: Vec<StreamEvent>,
    /// Frames and events interleaved in arrival order.
    pub rows: Vec<TraceRow>,
    /// The final record (its `frames` moved into `frames` above), once the turn is done.
    pub exchange: Option<Box<Exchange>>,
    /// Bumped on every change of the parts above the frames, so caches know to rebuild.
    pub version: u64,
}

/// Frames kept in memory while a turn streams; older ones are in the runner's record,
/// which replaces these when the turn ends.
pub const LIVE_FRAMES: usize = 4096;

/// Every frame of a response. While the turn streams only the latest `LIVE_FRAMES` are
/// kept here (the runner keeps all of them in its `Exchange`, so a second full copy would
/// double the memory of a long answer); when the turn ends, the runner's complete list
/// takes their place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrameLog {
    live: VecDeque<Frame>,
    /// Global index of `live[0]`.
    first: usize,
    /// Frames seen live.
    seen: usize,
    /// The complete list, once the turn ended.
    all: Option<Vec<Frame>>,
}

impl FrameLog {
    /// Appends a frame that just arrived.
    pub fn push(&mut self, frame: Frame) {
        self.seen += 1;
        if self.all.is_some() {
            return;
        }
        self.live.push_back(frame);
        if self.live.len() > LIVE_FRAMES {
            self.live.pop_front();
            self.first += 1;
        }
    }

    /// Takes the runner's complete list, if it has every frame seen live.
    pub fn complete(&mut self, frames: Vec<Frame>) {
        if frames.len() >= self.seen && self.all.is_none() {
            self.all = Some(frames);
            self.live = VecDeque::new();
            self.first = 0;
        }
    }

    /// How many frames arrived.
    pub fn len(&self) -> usize {
        self.all.as_ref().map_or(self.seen, Vec::len)
    }

    /// True when none did.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frame `i`, if it is in memory (an early frame of a long stream is not, until the
    /// turn ends).
    pub fn get(&self, i: usize) -> Option<&Frame> {
        match &self.all {
            Some(all) => all.get(i),
            None => i.checked_sub(self.first).and_then(|k| self.live.get(k)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_back_as_pushed() {
        let mut log = FrameLog::default();
        let frames = vec![
            Frame {
                offset_us: 5,
                event: None,
                data: "{\"a\":1}".into(),
            },
            Frame {
                offset_us: 9,
                event: Some("ping".into()),
                data: String::new(),
            },
            Frame {
                offset_us: 12,
                event: None,
                data: "[DONE]".into(),
            },
        ];
        for f in &frames {
            log.push(f.clone());
        }
        assert_eq!(log.len(), 3);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(log.get(i), Some(f));
        }
        assert!(log.get(3).is_none());
        log.complete(frames.clone());
        assert_eq!(log.get(2), Some(&frames[2]));
    }

    #[test]
    fn a_long_stream_keeps_the_latest_frames_until_the_record_arrives() {
        let mut log = FrameLog::default();
        let frame = |i: usize| Frame {
            offset_us: i as u64,
            event: None,
            data: i.to_string(),
        };
        let all: Vec<Frame> = (0..LIVE_FRAMES + 10).map(frame).collect();
        for f in &all {
            log.push(f.clone());
        }
        assert_eq!(log.len(), LIVE_FRAMES + 10);
        assert!(log.get(9).is_none());
        assert_eq!(log.get(10), Some(&all[10]));
        assert_eq!(log.get(LIVE_FRAMES + 9), Some(&all[LIVE_FRAMES + 9]));
        log.complete(all[..5].to_vec());
        assert!(log.get(9).is_none(), "a shorter record is not taken");
        log.complete(all.clone());
        assert_eq!(log.get(0), Some(&all[0]));
    }
}
