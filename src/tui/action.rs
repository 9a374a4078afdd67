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
    /// Sort the catalog by the next key (input, output or blended price, context, name, provider).
    SortCatalog,
    /// Show only models with the next capability (reasoning, tools, vision, then all).
    FilterCapability,
    /// Show only the next provider's models (then all).
    FilterProvider,
    /// Fetch the selected provider's live model list again (the cached one is kept if it fails).
    RefreshCatalog,
    /// Show the catalog across the whole screen (every column) or back in its side pane.
    ZoomCatalog,
    /// Send the request the budget question is about.
    ConfirmSend,
    /// Do not send the request the budget question is about.
    DenySend,
    /// Open the history browser (or close it).
    History,
    /// Resume the selected conversation (browser); save the title; confirm the delete.
    OpenEntry,
    /// Rename the selected conversation or comparison (browser).
    RenameEntry,
    /// Delete the selected conversation or comparison, after a question (browser).
    DeleteEntry,
    /// Branch the selected conversation from one of its turns (browser).
    BranchEntry,
    /// Play exchanges again with their recorded frame timing: the selected conversation's
    /// or comparison's (browser), or the shown exchange (inspector).
    Replay,
    /// Open the command palette: every action by name, filtered as you type.
    Palette,
    /// Run the action selected in the command palette.
    Run,
    /// Capture the mouse, or release it so the terminal can select text.
    ToggleMouse,
    /// Inspector: switch between the wire listing and the timeline.
    Timeline,
    /// Timeline rows: raw frame data or decoded deltas.
    RawView,
    /// Search the listing (wire view) or filter the frames (timeline).
    Search,
    /// Go to the next search match.
    SearchNext,
    /// Go to the previous search match.
    SearchPrev,
    /// A JSON path query over the response body or every frame.
    JsonQuery,
    /// Copy curl, a body, the answer or a code block to the clipboard.
    Copy,
    /// Save curl, a body, the answer or a code block to a file.
    Save,
    /// Edit the request body in the app and send it as a new exchange.
    EditRequest,
    /// Edit the request body in $VISUAL/$EDITOR and send it.
    EditExternal,
    /// Send the exchange's request again, unchanged.
    Resend,
    /// Replay a trace file (JSONL) in the workbench.
    OpenTrace,
    /// Export the exchange as a JSONL trace.
    ExportTrace,
    /// Export every exchange of the conversation as a JSONL trace.
    ExportConversation,
    /// Open the whole exchange in $PAGER.
    Pager,
    /// Write the prompt in $VISUAL/$EDITOR.
    ComposeExternal,
    /// Close the help overlay.
    Close,
    /// Mark or unmark the selected model for a side-by-side comparison.
    Mark,
    /// Blind comparison: lanes shuffled and unnamed until the verdict.
    ToggleBlind,
    /// Focus the previous comparison lane.
    LanePrev,
    /// Focus the next comparison lane.
    LaneNext,
    /// Cancel the focused lane, keeping what arrived.
    CancelLane,
    /// Send the focused lane's prompt again.
    RetryLane,
    /// Word diff of two lanes: pick one, move, pick the other.
    DiffLanes,
    /// Verdict: the focused lane is the best.
    MarkBest,
    /// Verdict: rank the focused lane next (best first).
    RankLane,
    /// Export the comparison as Markdown and JSON files.
    ExportComparison,
}

impl Action {
    /// Every action, in the order hints and help list them.
    pub const ALL: [Action; 77] = [
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
        Action::Timeline,
        Action::RawView,
        Action::Search,
        Action::SearchNext,
        Action::SearchPrev,
        Action::JsonQuery,
        Action::Copy,
        Action::Save,
        Action::EditRequest,
        Action::EditExternal,
        Action::Resend,
        Action::OpenTrace,
        Action::ExportTrace,
        Action::ExportConversation,
        Action::Pager,
        Action::ComposeExternal,
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
        Action::SortCatalog,
        Action::FilterCapability,
        Action::FilterProvider,
        Action::RefreshCatalog,
        Action::ZoomCatalog,
        Action::ConfirmSend,
        Action::DenySend,
        Action::History,
        Action::OpenEntry,
        Action::RenameEntry,
        Action::DeleteEntry,
        Action::BranchEntry,
        Action::Replay,
        Action::Mark,
        Action::ToggleBlind,
        Action::LanePrev,
        Action::LaneNext,
        Action::CancelLane,
        Action::RetryLane,
        Action::DiffLanes,
        Action::MarkBest,
        Action::RankLane,
        Action::ExportComparison,
        Action::Palette,
        Action::Run,
        Action::ToggleMouse,
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
            Action::SortCatalog => "sort",
            Action::FilterCapability => "filter-capability",
            Action::FilterProvider => "filter-provider",
            Action::RefreshCatalog => "refresh",
            Action::ZoomCatalog => "zoom-catalog",
            Action::ConfirmSend => "confirm",
            Action::DenySend => "deny",
            Action::History => "history",
            Action::OpenEntry => "open-entry",
            Action::RenameEntry => "rename-entry",
            Action::DeleteEntry => "delete-entry",
            Action::BranchEntry => "branch-entry",
            Action::Replay => "replay",
            Action::Palette => "palette",
            Action::Run => "run",
            Action::ToggleMouse => "toggle-mouse",
            Action::Timeline => "timeline",
            Action::RawView => "raw-view",
            Action::Search => "search",
            Action::SearchNext => "search-next",
            Action::SearchPrev => "search-prev",
            Action::JsonQuery => "json-query",
            Action::Copy => "copy",
            Action::Save => "save",
            Action::EditRequest => "edit-request",
            Action::EditExternal => "edit-external",
            Action::Resend => "resend",
            Action::OpenTrace => "open-trace",
            Action::ExportTrace => "export-trace",
            Action::ExportConversation => "export-conversation",
            Action::Pager => "pager",
            Action::ComposeExternal => "compose-external",
            Action::Close => "close",
            Action::Mark => "mark",
            Action::ToggleBlind => "toggle-blind",
            Action::LanePrev => "lane-prev",
            Action::LaneNext => "lane-next",
            Action::CancelLane => "cancel-lane",
            Action::RetryLane => "retry-lane",
            Action::DiffLanes => "diff-lanes",
            Action::MarkBest => "mark-best",
            Action::RankLane => "rank-lane",
            Action::ExportComparison => "export-comparison",
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
            Action::SortCatalog => "sort",
            Action::FilterCapability => "capability",
            Action::FilterProvider => "provider",
            Action::RefreshCatalog => "refresh",
            Action::ZoomCatalog => "wide",
            Action::ConfirmSend => "send anyway",
            Action::DenySend => "don't send",
            Action::History => "history",
            Action::OpenEntry => "open",
            Action::RenameEntry => "rename",
            Action::DeleteEntry => "delete",
            Action::BranchEntry => "branch",
            Action::Replay => "replay",
            Action::Palette => "commands",
            Action::Run => "run",
            Action::ToggleMouse => "mouse",
            Action::Timeline => "timeline",
            Action::RawView => "raw/decoded",
            Action::Search => "search",
            Action::SearchNext => "next match",
            Action::SearchPrev => "prev match",
            Action::JsonQuery => "json path",
            Action::Copy => "copy",
            Action::Save => "save",
            Action::EditRequest => "edit & resend",
            Action::EditExternal => "edit in $EDITOR",
            Action::Resend => "resend",
            Action::OpenTrace => "replay trace",
            Action::ExportTrace => "export",
            Action::ExportConversation => "export all",
            Action::Pager => "$PAGER",
            Action::ComposeExternal => "$EDITOR",
            Action::Close => "close",
            Action::Mark => "mark",
            Action::ToggleBlind => "blind",
            Action::LanePrev => "prev lane",
            Action::LaneNext => "next lane",
            Action::CancelLane => "cancel lane",
            Action::RetryLane => "retry lane",
            Action::DiffLanes => "diff",
            Action::MarkBest => "best",
            Action::RankLane => "rank",
            Action::ExportComparison => "export",
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
            Action::SortCatalog => {
                "Cycle the catalog's sort: price in, out, blended, context, name, provider"
            }
            Action::FilterCapability => {
                "Show only models with a capability: reasoning, tools, vision, all"
            }
            Action::FilterProvider => "Show only one provider's models, each in turn, then all",
            Action::RefreshCatalog => "Refresh the selected provider's live model list",
            Action::ZoomCatalog => "Catalog across the whole screen, with every column",
            Action::ConfirmSend => "Send the request that could pass the budget",
            Action::DenySend => "Do not send it (the prompt stays in the composer)",
            Action::History => "Open the history: conversations and comparisons, search",
            Action::OpenEntry => "Open the selected conversation to continue it",
            Action::RenameEntry => "Rename the selected entry",
            Action::DeleteEntry => "Delete the selected entry (asks first)",
            Action::BranchEntry => {
                "Branch: pick a turn, edit its prompt, continue as a new conversation"
            }
            Action::Replay => "Replay the entry or exchange with its recorded timing",
            Action::Palette => "Open the command palette: every action by name, with its key",
            Action::Run => "Run the selected command",
            Action::ToggleMouse => {
                "Capture the mouse, or release it to select text in the terminal"
            }
            Action::Timeline => "Show the timeline of the exchange (or the wire listing)",
            Action::RawView => "Timeline rows show raw frames or decoded deltas",
            Action::Search => "Search the listing, or filter the timeline's frames",
            Action::SearchNext => "Go to the next match",
            Action::SearchPrev => "Go to the previous match",
            Action::JsonQuery => "JSON path query over the response (.usage, .choices[0].delta)",
            Action::Copy => "Copy curl, a body, the answer or a code block",
            Action::Save => "Save curl, a body, the answer or a code block to a file",
            Action::EditRequest => "Edit the request body and send it (Ctrl+S sends, Esc discards)",
            Action::EditExternal => "Edit the request body in $VISUAL/$EDITOR, then send it",
            Action::Resend => "Send the exact request again as a new exchange",
            Action::OpenTrace => "Replay a trace file with its timing (path [speed])",
            Action::ExportTrace => "Export the exchange as a JSONL trace file",
            Action::ExportConversation => "Export the whole conversation as a JSONL trace file",
            Action::Pager => "Open the whole exchange in $PAGER",
            Action::ComposeExternal => "Write the prompt in $VISUAL/$EDITOR",
            Action::Close => "Close",
            Action::Mark => "Mark or unmark the selected model for a side-by-side comparison",
            Action::ToggleBlind => "Blind comparison: lanes shuffled and unnamed until the verdict",
            Action::LanePrev => "Focus the previous comparison lane",
            Action::LaneNext => "Focus the next comparison lane",
            Action::CancelLane => "Cancel the focused lane, keeping what arrived",
            Action::RetryLane => "Send the focused lane's prompt again",
            Action::DiffLanes => "Word diff of two lanes: pick one, move, pick the other",
            Action::MarkBest => "Verdict: the focused lane is the best",
            Action::RankLane => "Verdict: rank the focused lane next (best first)",
            Action::ExportComparison => "Export the comparison as Markdown and JSON files",
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
