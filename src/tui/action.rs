//! `Action`: what a key means, once the keymap has read it. Panes see actions, never keys.

/// A semantic command. Each variant is named in `assets/keymap.toml` in kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Leave the app (cancels every stream).
    Quit,
    /// Open or close the help overlay.
    Help,
    /// Focus the next pane in the cycle.
    FocusNext,
    /// Focus the previous pane in the cycle.
    FocusPrev,
    /// Focus the model catalog.
    FocusCatalog,
    /// Focus the conversation.
    FocusChat,
    /// Focus the composer.
    FocusComposer,
    /// Focus the meter.
    FocusMeter,
    /// Focus the inspector.
    FocusInspector,
    /// Show or hide the catalog pane.
    ToggleCatalog,
    /// Show or hide the meter pane.
    ToggleMeter,
    /// Show or hide the inspector pane.
    ToggleInspector,
    /// Put the inspector below the conversation, or across the full width.
    ZoomInspector,
    /// Cancel the streaming turn, keeping what arrived.
    Cancel,
    /// Send the last turn's prompt again, as a new turn.
    Retry,
    /// Start a new conversation (the totals since start are kept).
    NewConversation,
    /// Scroll up one row / move the selection up.
    Up,
    /// Scroll down one row / move the selection down.
    Down,
    /// Scroll up a page.
    PageUp,
    /// Scroll down a page.
    PageDown,
    /// Go to the top.
    Top,
    /// Go to the bottom (and follow new output again).
    Bottom,
    /// Start typing a catalog filter.
    Filter,
    /// Clear the catalog filter.
    ClearFilter,
    /// Use the selected model for the conversation.
    Pick,
    /// Send the composer's text (or run its `/command`).
    Send,
    /// Insert a newline in the composer.
    Newline,
    /// Recall the previous prompt (on an empty composer).
    HistoryPrev,
    /// Recall the next prompt while browsing the history.
    HistoryNext,
    /// Collapse or expand the reasoning of every turn.
    ToggleReasoning,
    /// Select the previous turn (inspector and meter).
    PrevTurn,
    /// Select the next turn (inspector and meter).
    NextTurn,
    /// Show the earlier columns of long rows (inspector frames).
    ScrollLeft,
    /// Show the later columns of long rows (inspector frames).
    ScrollRight,
    /// Close the help overlay.
    Close,
}

impl Action {
    /// Every action, in the order hints and help list them.
    pub const ALL: [Action; 35] = [
        Action::Send,
        Action::Newline,
        Action::Pick,
        Action::Filter,
        Action::ClearFilter,
        Action::HistoryPrev,
        Action::HistoryNext,
        Action::Cancel,
        Action::Retry,
        Action::ToggleReasoning,
        Action::PrevTurn,
        Action::NextTurn,
        Action::ScrollLeft,
        Action::ScrollRight,
        Action::ZoomInspector,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::FocusNext,
        Action::FocusPrev,
        Action::FocusCatalog,
        Action::FocusChat,
        Action::FocusComposer,
        Action::FocusMeter,
        Action::FocusInspector,
        Action::ToggleCatalog,
        Action::ToggleMeter,
        Action::ToggleInspector,
        Action::NewConversation,
        Action::Help,
        Action::Close,
        Action::Quit,
    ];

    /// The name used in `keymap.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::FocusNext => "focus-next",
            Action::FocusPrev => "focus-prev",
            Action::FocusCatalog => "focus-catalog",
            Action::FocusChat => "focus-chat",
            Action::FocusComposer => "focus-composer",
            Action::FocusMeter => "focus-meter",
            Action::FocusInspector => "focus-inspector",
            Action::ToggleCatalog => "toggle-catalog",
            Action::ToggleMeter => "toggle-meter",
            Action::ToggleInspector => "toggle-inspector",
            Action::ZoomInspector => "zoom-inspector",
            Action::Cancel => "cancel",
            Action::Retry => "retry",
            Action::NewConversation => "new-conversation",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page-up",
            Action::PageDown => "page-down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Filter => "filter",
            Action::ClearFilter => "clear-filter",
            Action::Pick => "pick",
            Action::Send => "send",
            Action::Newline => "newline",
            Action::HistoryPrev => "history-prev",
            Action::HistoryNext => "history-next",
            Action::ToggleReasoning => "toggle-reasoning",
            Action::PrevTurn => "prev-turn",
            Action::NextTurn => "next-turn",
            Action::ScrollLeft => "scroll-left",
            Action::ScrollRight => "scroll-right",
            Action::Close => "close",
        }
    }

    /// The action named `name` in `keymap.toml`.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// A word or two for the footer.
    pub fn hint(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::FocusNext => "next pane",
            Action::FocusPrev => "prev pane",
            Action::FocusCatalog => "catalog",
            Action::FocusChat => "chat",
            Action::FocusComposer => "compose",
            Action::FocusMeter => "meter",
            Action::FocusInspector => "inspector",
            Action::ToggleCatalog => "catalog on/off",
            Action::ToggleMeter => "meter on/off",
            Action::ToggleInspector => "inspector on/off",
            Action::ZoomInspector => "zoom",
            Action::Cancel => "cancel",
            Action::Retry => "retry",
            Action::NewConversation => "new chat",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Filter => "filter",
            Action::ClearFilter => "clear filter",
            Action::Pick => "use model",
            Action::Send => "send",
            Action::Newline => "newline",
            Action::HistoryPrev => "last prompt",
            Action::HistoryNext => "next prompt",
            Action::ToggleReasoning => "reasoning",
            Action::PrevTurn => "prev turn",
            Action::NextTurn => "next turn",
            Action::ScrollLeft => "columns left",
            Action::ScrollRight => "columns right",
            Action::Close => "close",
        }
    }

    /// One sentence for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "Quit (cancels every stream)",
            Action::Help => "Open or close this help",
            Action::FocusNext => "Focus the next pane",
            Action::FocusPrev => "Focus the previous pane",
            Action::FocusCatalog => "Focus the catalog",
            Action::FocusChat => "Focus the conversation",
            Action::FocusComposer => "Focus the composer",
            Action::FocusMeter => "Focus the meter",
            Action::FocusInspector => "Focus the inspector",
            Action::ToggleCatalog => "Show or hide the catalog",
            Action::ToggleMeter => "Show or hide the meter",
            Action::ToggleInspector => "Show or hide the inspector",
            Action::ZoomInspector => "Inspector below the chat or full width",
            Action::Cancel => "Cancel the stream, keeping what arrived",
            Action::Retry => "Send the last prompt again as a new turn",
            Action::NewConversation => "Start a new conversation",
            Action::Up => "Scroll or move up",
            Action::Down => "Scroll or move down",
            Action::PageUp => "Page up",
            Action::PageDown => "Page down",
            Action::Top => "Go to the top",
            Action::Bottom => "Go to the bottom and follow new output",
            Action::Filter => "Filter models as you type (fuzzy)",
            Action::ClearFilter => "Clear the filter",
            Action::Pick => "Use the selected model",
            Action::Send => "Send the prompt (or run a /command)",
            Action::Newline => "Insert a newline",
            Action::HistoryPrev => "Recall the previous prompt (empty composer)",
            Action::HistoryNext => "Recall the next prompt",
            Action::ToggleReasoning => "Collapse or expand reasoning",
            Action::PrevTurn => "Select the previous turn",
            Action::NextTurn => "Select the next turn",
            Action::ScrollLeft => "Show the earlier columns of long frames",
            Action::ScrollRight => "Show the later columns of long frames",
            Action::Close => "Close",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(a));
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
