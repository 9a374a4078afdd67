//! Switchboard: a terminal workbench for LLM APIs.
//!
//! `llm` is the engine and knows nothing of terminals; `demo` is the built-in provider;
//! `cli` holds the headless commands.

pub mod cli;
pub mod config;

pub mod llm;
