//! Models and what is known of them: context, capabilities, prices, the protocols that serve
//! them, and where each figure came from.
//!
//! Three layers make the catalog: the bundled files in `assets/catalog/` (built from the seed
//! documents, every price with its source), the providers' live model lists, and a disk cache
//! of those lists. Live figures win; bundled ones fill the gaps; `ModelInfo::sources` says
//! which is which, field by field.

mod bundled;
pub mod cache;
mod fetch;
mod live;
mod merge;
pub mod query;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::money::Price;
use super::protocol::Protocol;

pub use bundled::{BUNDLED_FILES, bundled, bundled_errors, bundled_model};
pub use cache::{CachedList, CatalogCache, STALE_AFTER_SECS};
pub use fetch::{fetch_live, list_request, parse_list};
pub use live::{ListPage, parse_anthropic_list, parse_gemini_list, parse_models_list};
pub use merge::{assemble, merge_model, merge_provider};
pub use query::{Filter, SortKey, compare, filter_models, sort_models};

/// What a model can do, where known (`None` = not known, never "no").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Thinks before answering (reasoning tokens, thinking mode).
    pub reasoning: Option<bool>,
    /// Calls functions the client defines.
    pub tools: Option<bool>,
    /// Takes images in.
    pub vision: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_input: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_input: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_output: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_output: Option<bool>,
    /// JSON mode or JSON-schema structured output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_output: Option<bool>,
    /// Marketed for code (AIsa's "Coding").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coding: Option<bool>,
    /// Finer capability words as the source writes them (`long context`, `translation`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Capabilities {
    /// The capability names, in the order tables show them.
    pub const NAMES: [&'static str; 9] = [
        "reasoning",
        "tools",
        "vision",
        "audio_input",
        "video_input",
        "image_output",
        "audio_output",
        "structured_output",
        "coding",
    ];

    /// The field for a capability name, for setting it.
    pub fn slot(&mut self, name: &str) -> Option<&mut Option<bool>> {
        Some(match name {
            "reasoning" => &mut self.reasoning,
            "tools" => &mut self.tools,
            "vision" => &mut self.vision,
            "audio_input" => &mut self.audio_input,
            "video_input" => &mut self.video_input,
            "image_output" => &mut self.image_output,
            "audio_output" => &mut self.audio_output,
            "structured_output" => &mut self.structured_output,
            "coding" => &mut self.coding,
            _ => return None,
        })
    }

    /// What is known of a capability by name; a tag counts as known-present.
    pub fn get(&self, name: &str) -> Option<bool> {
        let v = match name {
            "reasoning" => self.reasoning,
            "tools" => self.tools,
            "vision" => self.vision,
            "audio_input" => self.audio_input,
            "video_input" => self.video_input,
            "image_output" => self.image_output,
            "audio_output" => self.audio_output,
            "structured_output" => self.structured_output,
            "coding" => self.coding,
            _ => None,
        };
        v.or_else(|| self.tags.iter().any(|t| t == name).then_some(true))
    }

    /// The names of the capabilities known to be present.
    pub fn present(&self) -> Vec<&'static str> {
        Self::NAMES
            .into_iter()
            .filter(|n| self.get(n) == Some(true))
            .collect()
    }
}

/// Whether a figure came from the bundled catalog or a provider's live list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// From `assets/catalog/`, built from the seed documents.
    Bundled,
    /// From the provider's own model list, fetched at `Source::fetched_at`.
    Live,
}

/// Where one figure came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub origin: Origin,
    /// The seed file and section (`000_d952b4c3ba1fed09.txt: Pricing`), or the request
    /// (`GET https://api.clipia.ai/v1/models`).
    pub detail: String,
    /// Unix seconds of the fetch, for live figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<u64>,
}

/// One model of one provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub provider: String,
    /// The id as the API expects it.
    pub id: String,
    pub name: Option<String>,
    pub context_window: Option<u64>,
    pub max_output: Option<u64>,
    pub capabilities: Capabilities,
    pub price: Option<Price>,
    /// Where these figures came from, in one line (`live GET /v1/models`, a seed file, ...);
    /// `sources` has the detail per field.
    pub source: String,
    /// The protocols that serve this model, preferred first. Empty: the provider's default
    /// protocol (the one in its config).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<Protocol>,
    /// The HTTP routes the source lists for this model, as written
    /// (`POST /v1/images/generations`). Non-empty with empty `protocols`: no chat protocol
    /// serves the model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
    /// The request parameters the model takes, as the source lists them (OpenRouter's
    /// `supported_parameters`: `temperature`, `tools`, `reasoning`, ...). `None`: not known,
    /// and every parameter is sent as given; a list: the others are left out with a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_parameters: Option<Vec<String>>,
    /// Where each known field came from, by field name (`context_window`, `price`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, Source>,
}

impl ModelInfo {
    /// Where `field` came from, if it is known.
    pub fn source_of(&self, field: &str) -> Option<&Source> {
        self.sources.get(field)
    }

    /// Where the price came from: `bundled`, or `live` with the fetch time; `None` when the
    /// price is unknown.
    pub fn price_origin(&self) -> Option<(Origin, Option<u64>)> {
        self.price.as_ref()?;
        let s = self.sources.get("price")?;
        Some((s.origin, s.fetched_at))
    }
}
