//! A recorded exchange whose decoded events were not kept (the store keeps frames and the
//! body, not events): its frames decoded again, so it can be replayed like a trace file's.

use super::{TracedEvent, TracedExchange};
use crate::llm::http::Exchange;
use crate::llm::money::Money;
use crate::llm::protocol::{Decoder, Protocol};

impl TracedExchange {
    /// Decodes `exchange`'s frames (or, when nothing streamed, its 2xx body) again with
    /// `protocol`'s decoder, each event tied to the frame it came from. Decoders are pure,
    /// so this gives the events the runner reported live. Without a protocol there are no
    /// events; the frames still replay.
    pub fn decode(
        protocol: Option<Protocol>,
        exchange: Exchange,
        label: Option<String>,
        cost: Option<Money>,
    ) -> TracedExchange {
        let mut events = Vec::new();
        if let Some(mut decoder) = protocol.and_then(|p| Decoder::new(p).ok()) {
            let mut out = Vec::new();
            for (i, frame) in exchange.frames.iter().enumerate() {
                out.clear();
                // A frame the decoder did not understand was reported as a decode error
                // when it arrived; it adds no event now either.
                let _ = decoder.frame(frame.event.as_deref(), &frame.data, &mut out);
                events.extend(out.drain(..).map(|event| TracedEvent {
                    frame: Some(i),
                    event,
                }));
            }
            let ok = exchange.status.is_some_and(|s| (200..300).contains(&s));
            if exchange.frames.is_empty()
                && ok
                && let Some(body) = &exchange.body
            {
                let _ = decoder.body(body, &mut out);
                events.extend(
                    out.drain(..)
                        .map(|event| TracedEvent { frame: None, event }),
                );
            }
        }
        TracedExchange {
            label,
            protocol,
            exchange,
            events,
            cost,
        }
    }
}
