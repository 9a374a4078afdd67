//! The terminal UI: one state, one message type, a pure `update`, pure pane renderers, keys
//! mapped to actions through one keymap table, one task per request, and a loop that draws
//! only when something changed and at most once per frame.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod compare;
mod conversation;
pub mod costs;
pub mod debug;
pub mod effect;
pub mod external;
pub mod highlight;
pub mod history;
mod input;
pub mod keymap;
pub mod log;
pub mod markdown;
pub mod msg;
pub mod pane;
pub mod proxy_feed;
pub mod scroll;
pub mod setup;
pub mod state;
pub mod store_link;
pub mod task;
pub mod task_money;
pub mod term;
pub mod theme;
pub mod theme_file;
pub mod theme_pick;
pub mod ticker;
pub mod title;
pub mod trace;
pub mod turn;
pub mod ui;
pub mod update;
pub mod wrap;

pub use app::{Options, run, run_loop, run_with};
