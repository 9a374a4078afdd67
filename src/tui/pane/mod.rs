//! One module per pane: its state (where it has one), how it takes actions, and how it
//! draws. Renderers read state and write only to the buffer.

pub mod catalog;
pub mod catalog_sort;
pub mod catalog_view;
pub mod chat;
pub mod composer;
pub mod confirm;
pub mod footer;
pub mod help;
pub mod history;
pub mod inspector;
pub mod lanes;
pub mod lanes_diff;
pub mod meter;
pub mod meter_money;
pub mod palette;
pub mod timeline;
