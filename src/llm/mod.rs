//! The engine: requests, wire protocols, streaming, usage and money. Nothing in here knows
//! about a terminal; `tests/boundary.rs` keeps it that way.

pub mod account;
pub mod catalog;
pub mod chat;
pub mod curl;
pub mod error;
pub mod event;
pub mod http;
pub mod jsonpath;
pub mod money;
pub mod protocol;
pub mod provider;
pub mod ratelimit;
pub mod reply;
pub mod run;
pub mod sse;
pub mod tokens;
pub mod usage;
