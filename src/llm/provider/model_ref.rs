//! Model references: `PROVIDER/MODEL`.

use serde::{Deserialize, Serialize};

/// A model named as `PROVIDER/MODEL`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelRef {
    pub provider: String,
    /// The id as the provider's API expects it; may itself contain slashes
    /// (`openrouter/anthropic/claude-sonnet-4` is model `anthropic/claude-sonnet-4`).
    pub model: String,
}

impl ModelRef {
    /// Splits at the first slash.
    pub fn parse(s: &str) -> Result<ModelRef, String> {
        match s.split_once('/') {
            Some((p, m)) if !p.is_empty() && !m.is_empty() => Ok(ModelRef {
                provider: p.to_string(),
                model: m.to_string(),
            }),
            _ => Err(format!(
                "`{s}` is not a model reference: write PROVIDER/MODEL, e.g. demo/demo-fast"
            )),
        }
    }
}

impl std::fmt::Display for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_refs_split_at_the_first_slash() {
        let r = ModelRef::parse("openrouter/anthropic/claude-sonnet-4").unwrap();
        assert_eq!(r.provider, "openrouter");
        assert_eq!(r.model, "anthropic/claude-sonnet-4");
        assert_eq!(r.to_string(), "openrouter/anthropic/claude-sonnet-4");
        assert!(ModelRef::parse("gpt-5").is_err());
        assert!(ModelRef::parse("/x").is_err());
        assert!(ModelRef::parse("x/").is_err());
    }
}
