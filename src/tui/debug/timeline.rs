//! The timeline of one exchange, computed from its wire record: when it was sent, the
//! first byte, the first and last token, the end, and for each SSE frame its offset, the
//! gap since the frame before, its size and the deltas decoded from it. Gaps far longer
//! than the stream's rhythm are stalls. Pure: the pane renders what this computes.

use crate::tui::trace::TraceRow;
use crate::tui::turn::Turn;

/// A gap this long is always a stall.
pub const STALL_ABSOLUTE_US: u64 = 500_000;
/// A gap this many times the median gap is a stall...
pub const STALL_MEDIAN_FACTOR: u64 = 5;
/// ... if it is at least this long (a 2 ms hiccup in a 0.3 ms rhythm is not one).
pub const STALL_FLOOR_US: u64 = 100_000;

/// One frame on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameStat {
    /// Its index in the frame log.
    pub frame: u32,
    /// Microseconds from sending.
    pub offset_us: u64,
    /// Microseconds since the frame before (since the first byte for the first frame).
    pub gap_us: u64,
    /// Size of the `data:` payload plus the event name, in bytes.
    pub bytes: u32,
    /// Text, reasoning and tool-call deltas decoded from it.
    pub deltas: u32,
    /// The trace rows decoded from it: `rows[first_row..end_row]`.
    pub first_row: u32,
    /// One past its last decoded row.
    pub end_row: u32,
    /// The gap before it is a stall.
    pub stall: bool,
}

/// The whole timeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Frames in arrival order (those in memory: while a long stream runs, its earliest
    /// frames are only in the runner's record until the end).
    pub frames: Vec<FrameStat>,
    /// Frames not in memory yet.
    pub missing: usize,
    /// Response headers, µs from sending.
    pub first_byte_us: Option<u64>,
    /// The first delta, µs.
    pub first_token_us: Option<u64>,
    /// The last frame with a delta, µs.
    pub last_token_us: Option<u64>,
    /// The end of the exchange, µs.
    pub end_us: Option<u64>,
    /// The median gap between frames, µs.
    pub median_gap_us: u64,
    /// Gaps longer than this are stalls.
    pub stall_threshold_us: u64,
    /// How many stalls.
    pub stalls: usize,
    /// Total payload bytes.
    pub bytes: u64,
}

/// The stall threshold for these gaps: 500 ms, or 5× the median gap when that is
/// shorter (but never under 100 ms).
pub fn stall_threshold(gaps: &[u64]) -> (u64, u64) {
    let mut sorted = gaps.to_vec();
    sorted.sort_unstable();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0);
    let relative = median
        .saturating_mul(STALL_MEDIAN_FACTOR)
        .max(STALL_FLOOR_US);
    (median, relative.min(STALL_ABSOLUTE_US))
}

/// Which gaps are stalls. The first gap (waiting for the first frame) is time to first
/// token, not a stall, and is never flagged.
pub fn detect_stalls(gaps: &[u64]) -> Vec<bool> {
    let rest = gaps.get(1..).unwrap_or_default();
    let (_, threshold) = stall_threshold(rest);
    gaps.iter()
        .enumerate()
        .map(|(i, g)| i > 0 && *g > threshold)
        .collect()
}

/// The timeline of `t` as it stands.
pub fn build(t: &Turn) -> Timeline {
    let rows = &t.trace.rows;
    let mut frames: Vec<FrameStat> = Vec::new();
    let mut missing = 0;
    let mut last_token_us = None;
    let mut current: Option<usize> = None;
    for (r, row) in rows.iter().enumerate() {
        let r32 = crate::tui::trace::index(r);
        match row {
            TraceRow::Frame(i) => {
                current = None;
                let Some(f) = t.trace.frames.get(*i as usize) else {
                    missing += 1;
                    continue;
                };
                let bytes = f.data.len() + f.event.as_ref().map_or(0, String::len);
                frames.push(FrameStat {
                    frame: *i,
                    offset_us: f.offset_us,
                    gap_us: 0,
                    bytes: crate::tui::trace::index(bytes),
                    deltas: 0,
                    first_row: r32 + 1,
                    end_row: r32 + 1,
                    stall: false,
                });
                current = Some(frames.len() - 1);
            }
            other => {
                if let Some(k) = current {
                    let fs = &mut frames[k];
                    fs.end_row = r32 + 1;
                    let delta = match other {
                        TraceRow::Text { .. } | TraceRow::Reasoning { .. } => true,
                        TraceRow::Event(e) => matches!(
                            t.trace.events.get(*e as usize),
                            Some(crate::llm::event::StreamEvent::ToolCallDelta { .. })
                        ),
                        TraceRow::Frame(_) => false,
                    };
                    if delta {
                        fs.deltas += 1;
                        last_token_us = Some(fs.offset_us);
                    }
                }
            }
        }
    }
    let exchange = t.trace.exchange.as_deref();
    let first_byte_us = exchange.and_then(|e| e.ttfb_us);
    let mut prev = first_byte_us.unwrap_or(0);
    for f in &mut frames {
        f.gap_us = f.offset_us.saturating_sub(prev);
        prev = f.offset_us;
    }
    let gaps: Vec<u64> = frames.iter().map(|f| f.gap_us).collect();
    let (median_gap_us, stall_threshold_us) = stall_threshold(gaps.get(1..).unwrap_or_default());
    let flags = detect_stalls(&gaps);
    for (f, s) in frames.iter_mut().zip(flags) {
        f.stall = s;
    }
    Timeline {
        stalls: frames.iter().filter(|f| f.stall).count(),
        bytes: frames.iter().map(|f| u64::from(f.bytes)).sum(),
        frames,
        missing,
        first_byte_us,
        first_token_us: t.ttft_us,
        last_token_us,
        end_us: t.total_us,
        median_gap_us,
        stall_threshold_us,
    }
}

/// `buckets` resampled into `width` columns (summing), for a chart that fits.
pub fn resample(buckets: &[u32], width: usize) -> Vec<u32> {
    if width == 0 || buckets.is_empty() {
        return Vec::new();
    }
    if buckets.len() <= width {
        return buckets.to_vec();
    }
    let per = buckets.len().div_ceil(width);
    buckets
        .chunks(per)
        .map(|c| c.iter().fold(0u32, |a, b| a.saturating_add(*b)))
        .collect()
}

/// A one-row bar chart: `▁▂▃▄▅▆▇█`, a space for zero.
pub fn sparkline(values: &[u32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|v| {
            if *v == 0 || max == 0 {
                ' '
            } else {
                let i = (u64::from(*v) * 7 / u64::from(max)) as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_stream_has_no_stalls() {
        let gaps = [300_000, 20_000, 21_000, 19_000, 25_000, 22_000];
        assert_eq!(detect_stalls(&gaps), vec![false; 6]);
    }

    #[test]
    fn a_gap_of_five_medians_over_the_floor_is_a_stall() {
        // Median 40 ms: 5x is 200 ms; 250 ms is a stall, 150 ms is not.
        let gaps = [900_000, 40_000, 40_000, 250_000, 40_000, 150_000, 40_000];
        assert_eq!(
            detect_stalls(&gaps),
            vec![false, false, false, true, false, false, false]
        );
    }

    #[test]
    fn half_a_second_is_always_a_stall_and_tiny_rhythms_have_a_floor() {
        // Median 200 ms: 5x would be 1 s, but 600 ms is over the absolute 500 ms.
        let gaps = [0, 200_000, 200_000, 600_000, 200_000];
        assert_eq!(detect_stalls(&gaps), vec![false, false, false, true, false]);
        // Median 1 ms: 5 ms would flag jitter; the 100 ms floor does not.
        let gaps = [0, 1_000, 1_000, 8_000, 1_000, 120_000];
        assert_eq!(
            detect_stalls(&gaps),
            vec![false, false, false, false, false, true]
        );
        assert_eq!(detect_stalls(&[]), Vec::<bool>::new());
        assert_eq!(detect_stalls(&[5_000_000]), vec![false]);
    }

    #[test]
    fn sparkline_scales_to_the_peak_and_resamples() {
        assert_eq!(sparkline(&[0, 1, 4, 8]), " ▁▄█");
        assert_eq!(resample(&[1, 1, 1, 1, 1, 1], 3), vec![2, 2, 2]);
        assert_eq!(resample(&[1, 2], 10), vec![1, 2]);
        assert!(sparkline(&[]).is_empty());
    }
}
