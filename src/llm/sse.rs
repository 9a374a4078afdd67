//! SSE framing, by `eventsource-stream`: frames split across network reads, UTF-8 characters
//! split across reads, CRLF, `:` keep-alive comments and `data:` with or without a space.

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt, stream};

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseFrame {
    /// The `event:` name, when one was sent.
    pub event: Option<String>,
    pub data: String,
}

/// Why framing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseError {
    /// The connection failed (dropped mid-stream, reset).
    Transport(String),
    /// Bytes that are not UTF-8, or not SSE.
    Decode(String),
}

/// Frames a byte stream. At a clean end of the body, a last event that lacks its closing
/// blank line is still delivered (the Anthropic SDK's own recordings end that way); whether
/// the stream was complete is the protocol decoder's call, by its end marker.
pub fn frames<S, E>(bytes: S) -> impl Stream<Item = Result<SseFrame, SseError>>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::error::Error,
{
    let closing = stream::once(async { Ok(Bytes::from_static(b"\n\n")) });
    checked_utf8(bytes)
        .chain(closing)
        .eventsource()
        .map(|item| match item {
            Ok(ev) => Ok(SseFrame {
                // eventsource-stream names unnamed events "message".
                event: (!ev.event.is_empty() && ev.event != "message").then_some(ev.event),
                data: ev.data,
            }),
            Err(EventStreamError::Transport(Input::BadUtf8 { at })) => Err(SseError::Decode(
                format!("invalid UTF-8 at byte {at} of the body"),
            )),
            Err(EventStreamError::Transport(e)) => Err(SseError::Transport(error_chain(&e))),
            Err(EventStreamError::Utf8(e)) => Err(SseError::Decode(format!("invalid UTF-8: {e}"))),
            Err(EventStreamError::Parser(e)) => Err(SseError::Decode(format!("bad SSE: {e}"))),
        })
}

/// What the framer reads besides bytes.
#[derive(Debug)]
enum Input<E> {
    Transport(E),
    /// Bytes that can never become UTF-8, at this offset of the body.
    BadUtf8 {
        at: usize,
    },
}

impl<E: std::fmt::Display> std::fmt::Display for Input<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Transport(e) => e.fmt(f),
            Input::BadUtf8 { at } => write!(f, "invalid UTF-8 at byte {at}"),
        }
    }
}

impl<E: std::error::Error> std::error::Error for Input<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Input::Transport(e) => e.source(),
            Input::BadUtf8 { .. } => None,
        }
    }
}

/// Passes the bytes through, failing as soon as they cannot be UTF-8. eventsource-stream
/// only reports bad UTF-8 at the end of the body and holds every byte after it until
/// then, so a stream that goes on would look stalled until the idle timeout. A character
/// cut between chunks is not an error.
fn checked_utf8<S, E>(bytes: S) -> impl Stream<Item = Result<Bytes, Input<E>>>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    // The start of a character cut at the end of the previous chunk, and the body offset
    // of the chunk after it.
    let mut tail: Vec<u8> = Vec::new();
    let mut offset = 0;
    bytes
        .map(move |item| {
            let chunk = match item {
                Ok(chunk) => chunk,
                Err(e) => return stream::iter(vec![Err(Input::Transport(e))]),
            };
            let carried = tail.len();
            let mut joined = std::mem::take(&mut tail);
            joined.extend_from_slice(&chunk);
            let start = offset - carried;
            offset += chunk.len();
            match std::str::from_utf8(&joined) {
                Ok(_) => stream::iter(vec![Ok(chunk)]),
                Err(e) if e.error_len().is_none() => {
                    tail = joined[e.valid_up_to()..].to_vec();
                    stream::iter(vec![Ok(chunk)])
                }
                Err(e) => {
                    // The good part still goes to the framer: its frames are delivered.
                    let good = e.valid_up_to().saturating_sub(carried);
                    stream::iter(vec![
                        Ok(chunk.slice(..good)),
                        Err(Input::BadUtf8 {
                            at: start + e.valid_up_to(),
                        }),
                    ])
                }
            }
        })
        .flatten()
}

/// An error and its sources, joined: reqwest's own message alone ("error decoding response
/// body") does not say that the connection closed.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// Frames a body already split into chunks: for tests and replays.
pub async fn frames_of_chunks(chunks: Vec<Vec<u8>>) -> Vec<Result<SseFrame, SseError>> {
    let s = stream::iter(
        chunks
            .into_iter()
            .map(|c| Ok::<Bytes, std::convert::Infallible>(Bytes::from(c))),
    );
    frames(s).collect().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(data: &str) -> Result<SseFrame, SseError> {
        Ok(SseFrame {
            event: None,
            data: data.into(),
        })
    }

    #[tokio::test]
    async fn comments_crlf_no_space_and_split_utf8() {
        let body =
            ": keep-alive\r\n\r\ndata:{\"a\":\"é\"}\r\n\r\nevent: ping\ndata: x\n\ndata: last";
        let whole = frames_of_chunks(vec![body.as_bytes().to_vec()]).await;
        assert_eq!(
            whole,
            vec![
                frame("{\"a\":\"é\"}"),
                Ok(SseFrame {
                    event: Some("ping".into()),
                    data: "x".into()
                }),
                frame("last"),
            ]
        );
        let bytes = body.as_bytes();
        for cut in 0..bytes.len() {
            let split = frames_of_chunks(vec![bytes[..cut].to_vec(), bytes[cut..].to_vec()]).await;
            assert_eq!(split, whole, "split at byte {cut}");
        }
    }
}
