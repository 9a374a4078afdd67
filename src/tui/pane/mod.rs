//! One module per pane: its state (where it has one), how it takes actions, and how it
//! draws. Renderers read state and write only to the buffer.

pub mod catalog;
pub mod catalog_view;
pub mod chat;
pub mod composer;
pub mod footer;
pub mod help;
pub mod inspector;
pub mod meter;
