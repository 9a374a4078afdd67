//! The terminal UI: one state, one message type, a pure `update`, pure pane renderers, keys
//! mapped to actions through one keymap table, one task per request, and a loop that draws
//! only when something changed and at most once per frame.

pub mod action;
pub mod app;
mod conversation;
pub mod effect;
pub mod highlight;
mod input;
pub mod keymap;
pub mod log;
pub mod markdown;
pub mod msg;
pub mod pane;
pub mod scroll;
pub mod state;
pub mod task;
pub mod term;
pub mod theme;
pub mod ticker;
pub mod trace;
pub mod turn;
pub mod ui;
pub mod update;
pub mod wrap;

pub use app::{Options, run, run_loop};
