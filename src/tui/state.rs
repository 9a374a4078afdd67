//! `State`: everything the UI knows, in one value. `update` changes it; `ui::draw` reads it.

use std::path::PathBuf;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::compare::CompareState;
use super::effect::Effect;
use super::keymap::{Keymap, Scope};
use super::msg::TurnId;
use super::pane::catalog::CatalogState;
use super::pane::chat::ChatState;
use super::pane::composer::{ComposerState, Settings};
use super::pane::inspector::InspectorState;
use super::turn::Turn;
use crate::llm::money::Totals;
use crate::llm::provider::ModelRef;

/// A pane that can have the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    /// The model catalog (left).
    Catalog,
    /// The conversation (centre).
    Chat,
    /// The prompt editor (under the conversation).
    Composer,
    /// The wire inspector (below, or full width).
    Inspector,
    /// Tokens, time and money (right).
    Meter,
}

impl Pane {
    /// The Tab order: left to right, top to bottom.
    pub const CYCLE: [Pane; 5] = [
        Pane::Catalog,
        Pane::Chat,
        Pane::Composer,
        Pane::Inspector,
        Pane::Meter,
    ];

    /// The keymap scope of the pane.
    pub fn scope(self) -> Scope {
        match self {
            Pane::Catalog => Scope::Catalog,
            Pane::Chat => Scope::Chat,
            Pane::Composer => Scope::Composer,
            Pane::Inspector => Scope::Inspector,
            Pane::Meter => Scope::Meter,
        }
    }

    /// The pane's title.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Catalog => "Models",
            Pane::Chat => "Conversation",
            Pane::Composer => "Prompt",
            Pane::Inspector => "Inspector",
            Pane::Meter => "Meter",
        }
    }
}

/// Which optional panes are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    /// The catalog pane.
    pub catalog: bool,
    /// The meter pane.
    pub meter: bool,
    /// The inspector pane.
    pub inspector: bool,
    /// The inspector spans the full width instead of the centre column.
    pub zoom: bool,
}

impl Default for Visibility {
    fn default() -> Self {
        Visibility {
            catalog: true,
            meter: true,
            inspector: true,
            zoom: false,
        }
    }
}

impl Visibility {
    /// Whether `pane` is switched on (the conversation and composer always are).
    pub fn shows(&self, pane: Pane) -> bool {
        match pane {
            Pane::Catalog => self.catalog,
            Pane::Meter => self.meter,
            Pane::Inspector => self.inspector,
            Pane::Chat | Pane::Composer => true,
        }
    }
}

/// A layer over the panes that takes keys first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// The key help, scrolled to `top`.
    Help {
        /// The first visible row.
        top: usize,
    },
    /// The history browser (its state is `State::history.browser`).
    History,
    /// The command palette: its filter and selected row.
    Palette(super::pane::palette::PaletteState),
    /// The budget question before a request that could pass it (`State::costs.pending`).
    ConfirmSend,
}

/// A one-line message in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The text.
    pub text: String,
    /// Shown as an error.
    pub error: bool,
}

/// Money spent, per currency, never mixed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spend {
    /// Computed from catalog prices, this conversation.
    pub conversation: Totals,
    /// Computed from catalog prices, since the app started.
    pub session: Totals,
    /// As the providers reported it, this conversation.
    pub conversation_reported: Totals,
    /// As the providers reported it, since the app started.
    pub session_reported: Totals,
}

/// The whole UI state.
#[derive(Debug)]
pub struct State {
    /// The loop's clock: set before each batch of messages and each draw, so `update` and
    /// drawing never read the time themselves.
    pub now: Instant,
    /// The terminal size (columns, rows), for layout and mouse hit-testing.
    pub size: (u16, u16),
    /// The focused pane.
    pub focus: Pane,
    /// Which panes are shown.
    pub show: Visibility,
    /// Overlays, the top one last.
    pub overlays: Vec<Overlay>,
    /// The model new turns go to.
    pub model: ModelRef,
    /// System prompt and parameters for new turns.
    pub settings: Settings,
    /// The catalog pane.
    pub catalog: CatalogState,
    /// The conversation pane.
    pub chat: ChatState,
    /// The composer.
    pub composer: ComposerState,
    /// The inspector pane.
    pub inspector: InspectorState,
    /// The side-by-side comparison: marked models and the lanes on screen.
    pub compare: CompareState,
    /// Money totals.
    pub spend: Spend,
    /// The estimate of the next request, the budget and the account figures.
    pub costs: super::costs::CostState,
    /// The footer message.
    pub notice: Option<Notice>,
    /// Keys to actions.
    pub keymap: Keymap,
    /// Whether the app captures the mouse (off: the terminal selects text).
    pub mouse_capture: bool,
    /// Parent of every task's token: cancelled on quit.
    pub root: CancellationToken,
    /// Set by `quit`; the loop ends.
    pub quit: bool,
    /// Where the log goes, for the help overlay.
    pub log_path: Option<PathBuf>,
    /// The next turn id.
    pub next_turn: u64,
    /// The history: whether turns are kept, where they go, and the browser.
    pub history: super::pane::history::HistoryState,
    /// The model that titles new conversations (`[store] title_model`); `None`: the first
    /// prompt's first line is the title.
    pub title_model: Option<ModelRef>,
}

impl State {
    /// A fresh state talking to `model`, with these providers' catalogs to load.
    pub fn new(model: ModelRef, providers: &[String], keymap: Keymap, now: Instant) -> State {
        State {
            now,
            size: (80, 24),
            focus: Pane::Composer,
            show: Visibility::default(),
            overlays: Vec::new(),
            model,
            settings: Settings::default(),
            catalog: CatalogState::new(providers),
            chat: ChatState::default(),
            composer: ComposerState::new(),
            inspector: InspectorState::default(),
            compare: CompareState::default(),
            spend: Spend::default(),
            costs: Default::default(),
            notice: None,
            keymap,
            mouse_capture: true,
            root: CancellationToken::new(),
            quit: false,
            log_path: None,
            next_turn: 1,
            history: Default::default(),
            title_model: None,
        }
    }

    /// The effects to run at start: load every provider's model list.
    pub fn init(&mut self) -> Vec<Effect> {
        self.catalog
            .providers
            .iter()
            .map(|p| Effect::LoadModels {
                provider: p.name.clone(),
                cancel: self.root.child_token(),
            })
            .collect()
    }

    /// The turn the meter and inspector show: the selected one, else the latest.
    pub fn selected_turn(&self) -> Option<&Turn> {
        // A comparison on screen: its focused lane.
        if let Some(c) = &self.compare.active {
            return c.inspected_turn();
        }
        match self.inspector.selected {
            Some(id) => self.chat.turn(id).or_else(|| self.chat.turns.last()),
            None => self.chat.turns.last(),
        }
    }

    /// True while any turn streams.
    pub fn is_streaming(&self) -> bool {
        self.chat.turns.iter().any(Turn::is_streaming)
    }

    /// The streaming turn's id, if any.
    pub fn streaming_turn(&self) -> Option<TurnId> {
        self.chat
            .turns
            .iter()
            .find(|t| t.is_streaming())
            .map(|t| t.id)
    }

    /// How to press `action` from anywhere, for messages: its first global key that is not
    /// plain text (which the composer would take as typing).
    pub fn key_for(&self, action: super::action::Action) -> String {
        self.keymap
            .keys(Scope::Global, action)
            .into_iter()
            .find(|k| !k.is_text())
            .map_or_else(|| action.name().to_string(), |k| k.label())
    }

    /// Sets the footer message.
    pub fn note(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
        });
    }

    /// Sets the footer message, as an error (also logged).
    pub fn note_error(&mut self, text: impl Into<String>) {
        let text = text.into();
        tracing::warn!("{text}");
        self.notice = Some(Notice { text, error: true });
    }
}
