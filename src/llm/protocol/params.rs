//! Parameters mapped per protocol and model: what a builder knows of the model
//! (`ModelTraits`), the request it built with the notes on what it changed (`Built`), and the
//! rules shared by the protocols.

use crate::llm::chat::ChatRequest;
use crate::llm::http::HttpRequest;

/// What is known of the model a request goes to, from the catalog or the provider's config.
/// `None` means unknown: the parameter is then sent as the user gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelTraits {
    /// The model reasons before it answers (and takes an effort or thinking budget).
    pub reasoning: Option<bool>,
    /// The request parameters the model takes, in the OpenRouter/Clipia vocabulary
    /// (`temperature`, `top_p`, `max_tokens`, `seed`, `stop`, `tools`, `reasoning`,
    /// `response_format`, ...), when the catalog lists them.
    pub supported_parameters: Option<Vec<String>>,
    /// The most output tokens the model produces in one answer.
    pub max_output: Option<u64>,
}

impl ModelTraits {
    /// What the model id alone says: OpenAI's reasoning families (`o1`, `o3`, `o4-mini`,
    /// `gpt-5`, ...) are reasoning models; of anything else nothing is assumed.
    pub fn guess(model: &str) -> ModelTraits {
        ModelTraits {
            reasoning: is_openai_reasoning(model).then_some(true),
            ..ModelTraits::default()
        }
    }

    /// True when the catalog lists `name`, or lists nothing (unknown means allowed).
    fn allows(&self, names: &[&str]) -> bool {
        match &self.supported_parameters {
            None => true,
            Some(list) => list.iter().any(|p| names.contains(&p.as_str())),
        }
    }
}

/// A request built for a protocol, with a note for every parameter that was left out or
/// sent under another name, so the user sees why the wire differs from what they asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub request: HttpRequest,
    pub notes: Vec<String>,
}

/// OpenAI's reasoning models, by id (a gateway prefix such as `openai/` is ignored): they
/// take `max_completion_tokens`, not `max_tokens`, and only the default temperature.
pub fn is_openai_reasoning(model: &str) -> bool {
    let id = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    let o_series = ["o1", "o3", "o4"].iter().any(|p| {
        id.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
    });
    let gpt5 = id.starts_with("gpt-5") && !id.contains("-chat");
    o_series || gpt5
}

/// Writes the note for a parameter left out.
pub fn left_out(notes: &mut Vec<String>, param: &str, why: &str) {
    notes.push(format!("left out `{param}`: {why}"));
}

/// Leaves out every set parameter the catalog says the model does not take.
pub fn drop_unsupported(chat: &mut ChatRequest, traits: &ModelTraits, notes: &mut Vec<String>) {
    if traits.supported_parameters.is_none() {
        return;
    }
    let why = format!(
        "{} does not list it among its supported parameters",
        chat.model
    );
    let p = &mut chat.params;
    if p.temperature.is_some() && !traits.allows(&["temperature"]) {
        p.temperature = None;
        left_out(notes, "temperature", &why);
    }
    if p.top_p.is_some() && !traits.allows(&["top_p"]) {
        p.top_p = None;
        left_out(notes, "top_p", &why);
    }
    if p.seed.is_some() && !traits.allows(&["seed"]) {
        p.seed = None;
        left_out(notes, "seed", &why);
    }
    if !p.stop.is_empty() && !traits.allows(&["stop"]) {
        p.stop.clear();
        left_out(notes, "stop", &why);
    }
    let token_names = ["max_tokens", "max_completion_tokens", "max_output_tokens"];
    if p.max_tokens.is_some() && !traits.allows(&token_names) {
        p.max_tokens = None;
        left_out(notes, "max_tokens", &why);
    }
    let reasoning_names = ["reasoning", "reasoning_effort", "include_reasoning"];
    if p.reasoning_effort.is_some() && !traits.allows(&reasoning_names) {
        p.reasoning_effort = None;
        left_out(notes, "reasoning_effort", &why);
    }
    if p.response_format.is_some() && !traits.allows(&["response_format", "structured_outputs"]) {
        p.response_format = None;
        left_out(notes, "response_format", &why);
    }
    if !p.tools.is_empty() && !traits.allows(&["tools"]) {
        p.tools.clear();
        left_out(notes, "tools", &why);
    }
}

/// Leaves out the effort for a model known not to reason.
pub fn drop_effort_if_not_reasoning(
    chat: &mut ChatRequest,
    traits: &ModelTraits,
    notes: &mut Vec<String>,
) {
    if traits.reasoning == Some(false) && chat.params.reasoning_effort.take().is_some() {
        left_out(
            notes,
            "reasoning_effort",
            &format!("{} is not a reasoning model", chat.model),
        );
    }
}

/// Leaves out `temperature` and `top_p`, which OpenAI's reasoning models reject.
pub fn drop_sampling_for_openai_reasoning(
    chat: &mut ChatRequest,
    traits: &ModelTraits,
    notes: &mut Vec<String>,
) {
    if !(is_openai_reasoning(&chat.model)
        || (traits.reasoning == Some(true) && is_openai(&chat.model)))
    {
        return;
    }
    let why = format!(
        "{} is a reasoning model and takes only the default",
        chat.model
    );
    if chat.params.temperature.take().is_some() {
        left_out(notes, "temperature", &why);
    }
    if chat.params.top_p.take().is_some() {
        left_out(notes, "top_p", &why);
    }
}

/// An OpenAI model id (optionally behind a gateway prefix `openai/`).
fn is_openai(model: &str) -> bool {
    let id = model.strip_prefix("openai/").unwrap_or(model);
    id.starts_with("gpt-") || is_openai_reasoning(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_reasoning_ids() {
        for id in [
            "o1",
            "o3-mini",
            "o4-mini",
            "gpt-5",
            "gpt-5.5",
            "openai/gpt-5-mini",
        ] {
            assert!(is_openai_reasoning(id), "{id}");
        }
        for id in [
            "gpt-4o",
            "gpt-5-chat-latest",
            "o1x",
            "claude-opus-4-8",
            "demo-fast",
        ] {
            assert!(!is_openai_reasoning(id), "{id}");
        }
    }

    #[test]
    fn unsupported_parameters_are_left_out_with_notes() {
        let mut chat = ChatRequest::new("m", "hi");
        chat.params.temperature = Some(0.2);
        chat.params.seed = Some(1);
        chat.params.max_tokens = Some(10);
        let traits = ModelTraits {
            supported_parameters: Some(vec!["max_completion_tokens".into(), "seed".into()]),
            ..ModelTraits::default()
        };
        let mut notes = Vec::new();
        drop_unsupported(&mut chat, &traits, &mut notes);
        assert_eq!(chat.params.temperature, None);
        assert_eq!(chat.params.seed, Some(1));
        assert_eq!(chat.params.max_tokens, Some(10));
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("left out `temperature`"), "{notes:?}");
    }
}
