//! Switchboard: a terminal workbench for LLM APIs.
//!
//! `llm` is the engine and knows nothing of terminals; `demo` is the built-in provider;
//! `cli` holds the headless commands; `workbench` ties config, providers and the demo
//! server together for both.

pub mod cli;
pub mod compare;
pub mod config;
pub mod demo;
pub mod llm;
pub mod proxy;
pub mod store;
pub mod title;
pub mod trace;
pub mod tui;
pub mod workbench;
