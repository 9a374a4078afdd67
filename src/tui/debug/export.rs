//! A finished turn as a trace record: its exchange with every frame, and its decoded
//! events tied to the frame each came from (the inspector's rows already interleave them
//! in arrival order, so no decoding is needed).

use crate::llm::event::StreamEvent;
use crate::llm::protocol::Protocol;
use crate::trace::{TracedEvent, TracedExchange};
use crate::tui::trace::TraceRow;
use crate::tui::turn::Turn;

/// The protocol a request URL belongs to.
pub fn protocol_of(url: &str) -> Option<Protocol> {
    let path = url.split('?').next().unwrap_or(url);
    if path.ends_with("/chat/completions") {
        Some(Protocol::OpenAiChat)
    } else if path.ends_with("/messages") {
        Some(Protocol::Anthropic)
    } else if path.ends_with("/responses") {
        Some(Protocol::OpenAiResponses)
    } else if path.contains(":streamGenerateContent") || path.contains(":generateContent") {
        Some(Protocol::Gemini)
    } else {
        None
    }
}

/// The trace record of `t`, once its exchange is complete.
pub fn traced(t: &Turn) -> Option<TracedExchange> {
    let mut exchange = (**t.trace.exchange.as_ref()?).clone();
    exchange.frames = (0..t.trace.frames.len())
        .filter_map(|i| t.trace.frames.get(i).cloned())
        .collect();
    let slice = |s: &str, start: u32, len: u32| {
        let a = start as usize;
        s.get(a..a.saturating_add(len as usize))
            .unwrap_or("")
            .to_string()
    };
    let mut frame = None;
    let mut events = Vec::new();
    for row in &t.trace.rows {
        let event = match *row {
            TraceRow::Frame(i) => {
                frame = Some(i as usize);
                continue;
            }
            TraceRow::Text { start, len } => StreamEvent::TextDelta {
                text: slice(t.answer.text(), start, len),
            },
            TraceRow::Reasoning { start, len } => StreamEvent::ReasoningDelta {
                text: slice(t.reasoning.text(), start, len),
            },
            TraceRow::Event(i) => match t.trace.events.get(i as usize) {
                Some(e) => e.clone(),
                None => continue,
            },
        };
        events.push(TracedEvent { frame, event });
    }
    Some(TracedExchange {
        label: Some(t.model.to_string()),
        protocol: protocol_of(&exchange.request.url),
        exchange,
        events,
        cost: t.cost.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_from_urls() {
        let p = |u| protocol_of(u);
        assert_eq!(
            p("http://h/v1/chat/completions"),
            Some(Protocol::OpenAiChat)
        );
        assert_eq!(
            p("https://api.anthropic.com/v1/messages"),
            Some(Protocol::Anthropic)
        );
        assert_eq!(p("http://h/v1/responses"), Some(Protocol::OpenAiResponses));
        assert_eq!(
            p("http://h/v1beta/models/x:streamGenerateContent?alt=sse"),
            Some(Protocol::Gemini)
        );
        assert_eq!(p("http://h/other"), None);
    }
}
