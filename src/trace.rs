//! Trace files: exchanges exported as JSON Lines, and read back for `switchboard replay`.
//!
//! One record per line, each an object with a `type`:
//!
//! ```text
//! {"type":"trace","format":"switchboard-trace","version":1,"created_unix_ms":..,"producer":"switchboard 0.1.0"}
//! {"type":"exchange","id":0,"label":"demo/demo-fast","protocol":"openai-chat","cost":{..},
//!  "request":{..redacted..},"started_unix_ms":..,"status":200,"ttfb_us":..,"usage":{..},"error":null,..}
//! {"type":"frame","exchange":0,"index":0,"offset_us":15123,"bytes":87,"data":"{..}"}
//! {"type":"event","exchange":0,"frame":0,"offset_us":15123,"event":{"type":"text_delta","text":"Hel"}}
//! ```
//!
//! The header comes first; then, for each exchange, its record (every `Exchange` field but
//! the frames, which follow one per line), its frames, and its decoded events, each tied to
//! the frame it was decoded from (`frame: null` for a non-streamed body). `bytes` and an
//! event's `offset_us` are for people and `jq`; the reader derives them again. Requests are
//! stored redacted, as `Exchange` holds them. Reading then writing gives the same bytes, and
//! records of unknown types are skipped, so version 1 can grow.

use std::fmt;
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::llm::event::StreamEvent;
use crate::llm::http::{Exchange, Frame};
use crate::llm::money::Money;
use crate::llm::protocol::{Decoder, Protocol};

/// The `format` of the header record.
pub const FORMAT: &str = "switchboard-trace";
/// The newest version this build reads and the one it writes.
pub const VERSION: u32 = 1;

/// The header of a trace file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceHeader {
    pub format: String,
    pub version: u32,
    pub created_unix_ms: u64,
    /// The program that wrote it: `switchboard 0.1.0`.
    pub producer: String,
}

impl TraceHeader {
    /// A header for a trace written now by this build.
    pub fn now() -> TraceHeader {
        TraceHeader {
            format: FORMAT.into(),
            version: VERSION,
            created_unix_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0),
            producer: concat!("switchboard ", env!("CARGO_PKG_VERSION")).into(),
        }
    }
}

/// A decoded event and the frame it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracedEvent {
    /// The index into `Exchange::frames`; `None` for events of a non-streamed body or of
    /// text after the last frame.
    pub frame: Option<usize>,
    pub event: StreamEvent,
}

/// One exchange of a trace, with its decoded events.
#[derive(Debug, Clone, PartialEq)]
pub struct TracedExchange {
    /// What it was, for people: `demo/demo-fast`, `proxy #3 gpt-5`.
    pub label: Option<String>,
    /// The protocol its answer was decoded with; `None` when it was recorded raw.
    pub protocol: Option<Protocol>,
    pub exchange: Exchange,
    pub events: Vec<TracedEvent>,
    /// The cost Switchboard computed from the usage, when it knew the price.
    pub cost: Option<Money>,
}

impl TracedExchange {
    /// Ties `events` (as the runner reported them) to the frames they were decoded from, by
    /// decoding the frames again with `protocol`'s decoder. Events it cannot place (text
    /// after the frames, a mismatch) keep `frame: None` and replay at the end.
    pub fn from_events(protocol: Protocol, exchange: Exchange, events: &[StreamEvent]) -> Self {
        let mut traced: Vec<TracedEvent> = Vec::with_capacity(events.len());
        if let Ok(mut decoder) = Decoder::new(protocol) {
            let mut out = Vec::new();
            'frames: for (i, frame) in exchange.frames.iter().enumerate() {
                out.clear();
                let _ = decoder.frame(frame.event.as_deref(), &frame.data, &mut out);
                for ev in &out {
                    match events.get(traced.len()) {
                        Some(next) if next == ev => traced.push(TracedEvent {
                            frame: Some(i),
                            event: next.clone(),
                        }),
                        _ => break 'frames,
                    }
                }
            }
        }
        traced.extend(events[traced.len()..].iter().map(|e| TracedEvent {
            frame: None,
            event: e.clone(),
        }));
        TracedExchange {
            label: None,
            protocol: Some(protocol),
            exchange,
            events: traced,
            cost: None,
        }
    }

    /// When `event` arrived, in microseconds from sending: its frame's offset, else the end
    /// of the exchange.
    pub fn offset_us(&self, event: &TracedEvent) -> u64 {
        let last = self.exchange.frames.last().map_or(0, |f| f.offset_us);
        event
            .frame
            .and_then(|i| self.exchange.frames.get(i))
            .map(|f| f.offset_us)
            .or(self.exchange.total_us)
            .unwrap_or(last)
    }
}

/// A whole trace file.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub header: TraceHeader,
    pub exchanges: Vec<TracedExchange>,
}

/// Writes a trace: the header at creation, then exchanges one after another, each in
/// whole lines (so a file being written can be read at any exchange boundary).
pub struct TraceWriter<W: Write> {
    out: W,
    next_id: u64,
}

impl<W: Write> TraceWriter<W> {
    /// Writes a header for now.
    pub fn new(out: W) -> io::Result<Self> {
        TraceWriter::with_header(out, &TraceHeader::now())
    }

    /// Writes `header` (used to write a trace read from a file back unchanged).
    pub fn with_header(mut out: W, header: &TraceHeader) -> io::Result<Self> {
        let mut record = json!({"type": "trace"});
        merge(&mut record, to_value(header)?);
        line(&mut out, &record)?;
        Ok(TraceWriter { out, next_id: 0 })
    }

    /// Appends one exchange, and flushes.
    pub fn write(&mut self, t: &TracedExchange) -> io::Result<()> {
        let id = self.next_id;
        self.next_id += 1;
        let mut ex = to_value(&t.exchange)?;
        if let Some(map) = ex.as_object_mut() {
            map.remove("frames");
        }
        let mut head = json!({"type": "exchange", "id": id, "label": t.label,
            "protocol": t.protocol, "cost": t.cost});
        merge(&mut head, ex);
        line(&mut self.out, &head)?;
        for (index, f) in t.exchange.frames.iter().enumerate() {
            let mut r = json!({"type": "frame", "exchange": id, "index": index,
                "offset_us": f.offset_us, "bytes": f.data.len()});
            if let Some(name) = &f.event {
                merge(&mut r, json!({"event": name}));
            }
            merge(&mut r, json!({"data": f.data}));
            line(&mut self.out, &r)?;
        }
        for e in &t.events {
            let r = json!({"type": "event", "exchange": id, "frame": e.frame,
                "offset_us": t.offset_us(e), "event": to_value(&e.event)?});
            line(&mut self.out, &r)?;
        }
        self.out.flush()
    }

    /// The writer underneath.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Writes a whole trace of one exchange: the header, then the exchange with `events` tied
/// to their frames. What `switchboard ask --trace FILE` calls once the run is done.
pub fn write_exchange(
    out: &mut impl Write,
    protocol: Protocol,
    exchange: &Exchange,
    events: &[StreamEvent],
) -> io::Result<()> {
    let traced = TracedExchange::from_events(protocol, exchange.clone(), events);
    TraceWriter::new(out)?.write(&traced)
}

/// Writes a whole `Trace` (a trace read back is written byte for byte as it was).
pub fn write(out: impl Write, trace: &Trace) -> io::Result<()> {
    let mut w = TraceWriter::with_header(out, &trace.header)?;
    trace.exchanges.iter().try_for_each(|t| w.write(t))
}

fn to_value(v: &impl Serialize) -> io::Result<Value> {
    serde_json::to_value(v).map_err(io::Error::other)
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

fn line(out: &mut impl Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// A trace that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    /// The 1-based line of the problem; `None` for a problem with the file as a whole.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(n) => write!(f, "line {n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TraceError {}

/// Reads a trace file.
pub fn read_file(path: &Path) -> Result<Trace, TraceError> {
    let file = std::fs::File::open(path).map_err(|e| TraceError {
        line: None,
        message: format!("cannot open {}: {e}", path.display()),
    })?;
    read(io::BufReader::new(file))
}

/// Reads a trace.
pub fn read(input: impl BufRead) -> Result<Trace, TraceError> {
    let mut header: Option<TraceHeader> = None;
    let mut exchanges: Vec<TracedExchange> = Vec::new();
    let mut ids: Vec<u64> = Vec::new();
    for (i, text) in input.lines().enumerate() {
        let at = |message: String| TraceError {
            line: Some(i + 1),
            message,
        };
        let text = text.map_err(|e| at(format!("cannot read: {e}")))?;
        if text.trim().is_empty() {
            continue;
        }
        let mut record: Map<String, Value> =
            serde_json::from_str(&text).map_err(|e| at(format!("not a JSON object: {e}")))?;
        let kind = record
            .remove("type")
            .and_then(|t| t.as_str().map(str::to_string));
        if header.is_none() {
            if kind.as_deref() != Some("trace") {
                return Err(at(
                    "not a Switchboard trace: the first record is not its header".into(),
                ));
            }
            let h: TraceHeader = from_map(record).map_err(at)?;
            if h.format != FORMAT {
                return Err(at(format!("unknown trace format `{}`", h.format)));
            }
            if h.version > VERSION {
                return Err(at(format!(
                    "trace version {} was written by a newer Switchboard (this one reads up to {VERSION})",
                    h.version
                )));
            }
            header = Some(h);
            continue;
        }
        let owner = |record: &Map<String, Value>| {
            let id = record.get("exchange").and_then(Value::as_u64);
            ids.iter()
                .position(|x| Some(*x) == id)
                .ok_or_else(|| at("refers to no exchange before it".into()))
        };
        match kind.as_deref() {
            Some("exchange") => {
                let id = record
                    .remove("id")
                    .and_then(|v| v.as_u64())
                    .ok_or_else(|| at("exchange without an id".into()))?;
                let label = from_field(&mut record, "label").map_err(at)?;
                let protocol = from_field(&mut record, "protocol").map_err(at)?;
                let cost = from_field(&mut record, "cost").map_err(at)?;
                record.insert("frames".into(), json!([]));
                let exchange: Exchange = from_map(record).map_err(at)?;
                ids.push(id);
                exchanges.push(TracedExchange {
                    label,
                    protocol,
                    exchange,
                    events: Vec::new(),
                    cost,
                });
            }
            Some("frame") => {
                let n = owner(&record)?;
                let frame: Frame = from_map(record).map_err(at)?;
                exchanges[n].exchange.frames.push(frame);
            }
            Some("event") => {
                let n = owner(&record)?;
                let frame: Option<usize> = from_field(&mut record, "frame").map_err(at)?;
                let event = from_field::<Option<StreamEvent>>(&mut record, "event")
                    .map_err(at)?
                    .ok_or_else(|| at("event record without its event".into()))?;
                exchanges[n].events.push(TracedEvent { frame, event });
            }
            _ => {}
        }
    }
    let header = header.ok_or_else(|| TraceError {
        line: None,
        message: "the trace is empty".into(),
    })?;
    Ok(Trace { header, exchanges })
}

fn from_map<T: serde::de::DeserializeOwned>(map: Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(map)).map_err(|e| e.to_string())
}

fn from_field<T: serde::de::DeserializeOwned + Default>(
    map: &mut Map<String, Value>,
    name: &str,
) -> Result<T, String> {
    match map.remove(name) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| format!("bad `{name}`: {e}")),
    }
}

mod decode;

#[cfg(test)]
mod tests;
