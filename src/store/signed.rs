//! The signed reasoning of a stored turn, read again from its recorded stream: the turns
//! table keeps reasoning as one text, but a provider's signatures (Anthropic's thinking
//! `signature`, `redacted_thinking`) belong to its blocks, exactly as they arrived. The
//! exchange keeps every frame, so decoding them again gives the blocks back unchanged,
//! with no column of their own.

use super::{Result, Store, TurnId};
use crate::llm::chat::Part;
use crate::llm::protocol::{Decoder, Protocol};
use crate::llm::reply::Reply;

impl Store {
    /// The signed reasoning blocks of `turn`'s answer, decoded again from its last
    /// exchange (its frames; its body when the answer was not streamed). Empty when nothing
    /// was signed, the exchange is gone, or the frame cap cut it (a block cut short could
    /// not be verified by the provider).
    pub fn signed_reasoning(&self, turn: TurnId) -> Result<Vec<Part>> {
        let Some(last) = self.turn_exchanges(turn)?.pop() else {
            return Ok(Vec::new());
        };
        let protocol = last.protocol.as_deref().and_then(Protocol::parse);
        let (Some(protocol), false) = (protocol, last.frames_truncated) else {
            return Ok(Vec::new());
        };
        let Ok(mut decoder) = Decoder::new(protocol) else {
            return Ok(Vec::new());
        };
        let ex = self.exchange(last.id)?.exchange;
        let mut events = Vec::new();
        // A frame or body that does not decode adds nothing; the rest still counts.
        if ex.frames.is_empty() {
            if let Some(body) = &ex.body {
                let _ = decoder.body(body, &mut events);
            }
        } else {
            for f in &ex.frames {
                let _ = decoder.frame(f.event.as_deref(), &f.data, &mut events);
            }
        }
        let mut reply = Reply::default();
        events.iter().for_each(|e| reply.apply(e));
        Ok(reply.signed_reasoning())
    }
}
