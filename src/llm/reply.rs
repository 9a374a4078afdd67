//! `Reply`: an answer assembled from its stream events into the assistant `Message` that
//! goes into the history, signatures included, so the next request can send back what the
//! provider requires unchanged (Anthropic's signed thinking blocks, Gemini's
//! `thoughtSignature` on function calls).

use std::collections::BTreeMap;

use super::chat::{Message, Part, Role};
use super::event::{Signed, StreamEvent};

/// The answer so far, as message parts in arrival order: text and reasoning deltas joined
/// into one part per run, a reasoning run closed by its signature, tool calls by index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    parts: Vec<Part>,
    /// Where each tool call index sits in `parts`.
    calls: BTreeMap<u32, usize>,
}

impl Reply {
    /// Folds one decoded event in; usage, stop reasons and errors add nothing.
    pub fn apply(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::TextDelta { text } => match self.parts.last_mut() {
                Some(Part::Text { text: have }) => have.push_str(text),
                _ => self.parts.push(Part::Text { text: text.clone() }),
            },
            StreamEvent::ReasoningDelta { text } => self.push_reasoning(text),
            StreamEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } => {
                if let Part::ToolCall {
                    id: have_id,
                    name: have_name,
                    arguments: have_args,
                    ..
                } = self.call(*index)
                {
                    if let Some(id) = id {
                        have_id.clone_from(id);
                    }
                    if let Some(name) = name {
                        have_name.push_str(name);
                    }
                    have_args.push_str(arguments);
                }
            }
            StreamEvent::Signature { of, signature } => self.sign(*of, signature),
            StreamEvent::Usage { .. }
            | StreamEvent::Finished { .. }
            | StreamEvent::ProviderError { .. } => {}
        }
    }

    /// A piece of reasoning: it continues the last block unless that one is signed (closed).
    pub fn push_reasoning(&mut self, text: &str) {
        match self.parts.last_mut() {
            Some(Part::Reasoning {
                text: have,
                signature: None,
            }) => have.push_str(text),
            _ => self.parts.push(Part::Reasoning {
                text: text.to_string(),
                signature: None,
            }),
        }
    }

    fn sign(&mut self, of: Signed, value: &str) {
        match of {
            Signed::Reasoning => {
                // The block that streamed last and is not signed yet; a block with no text
                // (thinking omitted from the stream) is signed all the same.
                let open = self.parts.iter_mut().rev().find_map(|p| match p {
                    Part::Reasoning {
                        signature: s @ None,
                        ..
                    } => Some(s),
                    _ => None,
                });
                match open {
                    Some(s) => *s = Some(value.to_string()),
                    None => self.parts.push(Part::Reasoning {
                        text: String::new(),
                        signature: Some(value.to_string()),
                    }),
                }
            }
            Signed::RedactedReasoning => self.parts.push(Part::RedactedReasoning {
                data: value.to_string(),
            }),
            Signed::ToolCall { index } => {
                if let Part::ToolCall { signature, .. } = self.call(index) {
                    *signature = Some(value.to_string());
                }
            }
        }
    }

    /// The part of tool call `index`, added when it is new.
    fn call(&mut self, index: u32) -> &mut Part {
        let at = *self.calls.entry(index).or_insert_with(|| {
            self.parts.push(Part::ToolCall {
                id: String::new(),
                name: String::new(),
                arguments: String::new(),
                signature: None,
            });
            self.parts.len() - 1
        });
        &mut self.parts[at]
    }

    /// The parts so far, in arrival order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The whole answer as an assistant message: reasoning, text and tool calls with their
    /// signatures.
    pub fn message(&self) -> Message {
        Message {
            role: Role::Assistant,
            parts: self.parts.clone(),
        }
    }

    /// The signed and encrypted reasoning blocks, in order: what a conversation that goes
    /// on without tool results keeps of the reasoning (unsigned reasoning is never sent
    /// back, so it is not kept).
    pub fn signed_reasoning(&self) -> Vec<Part> {
        self.parts
            .iter()
            .filter(|p| {
                matches!(
                    p,
                    Part::Reasoning {
                        signature: Some(_),
                        ..
                    } | Part::RedactedReasoning { .. }
                )
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasoning(t: &str) -> StreamEvent {
        StreamEvent::ReasoningDelta { text: t.into() }
    }

    #[test]
    fn blocks_are_closed_by_their_signatures() {
        let mut r = Reply::default();
        for e in [
            reasoning("a"),
            reasoning("b"),
            StreamEvent::Signature {
                of: Signed::Reasoning,
                signature: "S1".into(),
            },
            reasoning("c"),
            StreamEvent::Signature {
                of: Signed::RedactedReasoning,
                signature: "R".into(),
            },
            StreamEvent::TextDelta { text: "x".into() },
            StreamEvent::TextDelta { text: "y".into() },
            StreamEvent::ToolCallDelta {
                index: 0,
                id: Some("c1".into()),
                name: Some("f".into()),
                arguments: "{".into(),
            },
            StreamEvent::Signature {
                of: Signed::ToolCall { index: 0 },
                signature: "G".into(),
            },
            StreamEvent::ToolCallDelta {
                index: 0,
                id: None,
                name: None,
                arguments: "}".into(),
            },
        ] {
            r.apply(&e);
        }
        assert_eq!(
            r.parts(),
            [
                Part::Reasoning {
                    text: "ab".into(),
                    signature: Some("S1".into())
                },
                Part::Reasoning {
                    text: "c".into(),
                    signature: None
                },
                Part::RedactedReasoning { data: "R".into() },
                Part::Text { text: "xy".into() },
                Part::ToolCall {
                    id: "c1".into(),
                    name: "f".into(),
                    arguments: "{}".into(),
                    signature: Some("G".into())
                },
            ]
        );
        assert_eq!(r.signed_reasoning().len(), 2);
        let plain = r.message().without_signatures();
        assert!(
            plain
                .parts
                .iter()
                .all(|p| !matches!(p, Part::RedactedReasoning { .. }))
        );
        assert!(plain.parts.iter().all(|p| !matches!(
            p,
            Part::Reasoning {
                signature: Some(_),
                ..
            } | Part::ToolCall {
                signature: Some(_),
                ..
            }
        )));
    }
}
