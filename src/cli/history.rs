//! `switchboard history`: list, search, prune, rename and delete stored conversations; and
//! the glue that keeps `ask`'s turns in the store (`AskRecord`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::CliError;
use crate::llm::chat::ChatRequest;
use crate::llm::http::Exchange;
use crate::llm::money::Money;
use crate::llm::run::Update;
use crate::store::{self, EntryKind, HistoryEntry, Recorder, Store, paths};

/// Where the history is and whether to write it: from the global `--data-dir` and
/// `--no-store` (or `SWITCHBOARD_DATA_DIR`, `SWITCHBOARD_NO_STORE`).
#[derive(Debug, Clone, Default)]
pub struct StorePlace {
    pub data_dir: Option<PathBuf>,
    pub no_store: bool,
}

impl StorePlace {
    /// Storing is off by flag or environment.
    pub fn is_off(&self) -> bool {
        self.no_store || paths::no_store_env()
    }

    /// The data directory in use.
    pub fn dir(&self) -> paths::DataDir {
        paths::locate(self.data_dir.as_deref())
    }

    /// Opens (creating) the store.
    pub fn open(&self) -> Result<Store, CliError> {
        Store::open(&self.dir().path).map_err(|e| e.to_string())
    }

    /// Opens the store to read it; `None` when there is no database yet (nothing is
    /// created just to find it empty).
    pub fn open_existing(&self) -> Result<Option<Store>, CliError> {
        if !self.dir().db_file().exists() {
            return Ok(None);
        }
        self.open().map(Some)
    }
}

/// `ask`'s history flags.
#[derive(Args, Debug, Clone, Default)]
pub struct AskStoreArgs {
    /// Continue a stored conversation (the most recent one, or conversation ID): its
    /// history is sent before the prompt and the turn is added to it.
    #[arg(long = "continue", value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    pub continue_from: Option<String>,
    /// Set from the global --data-dir and --no-store.
    #[arg(skip)]
    pub place: StorePlace,
}

/// Keeps one `ask` in the history. Store failures after the start are warnings: the answer
/// still streams.
pub struct AskRecord {
    recorder: Recorder,
    warned: bool,
    /// `--continue`: the conversation has its title already.
    continued: bool,
}

impl AskRecord {
    /// Opens the store unless storing is off, and resolves `--continue`: the conversation
    /// to continue, whose last model is used when `model` is `None` (filled in here). A
    /// `--continue` value that is not a number is the first word of the prompt, given back
    /// to `prompt`.
    pub fn open(
        args: &AskStoreArgs,
        config: &crate::config::StoreConfig,
        model: &mut Option<String>,
        prompt: &mut Vec<String>,
    ) -> Result<AskRecord, CliError> {
        let mut wanted = args.continue_from.clone();
        if let Some(word) = wanted
            .clone()
            .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        {
            prompt.insert(0, word);
            wanted = Some(String::new());
        }
        if args.place.is_off() || !config.enabled {
            if wanted.is_some() {
                let why = if config.enabled {
                    "drop --no-store"
                } else {
                    "the config says [store] enabled = false"
                };
                return Err(format!("--continue needs the history: {why}"));
            }
            return Ok(AskRecord {
                continued: false,
                recorder: Recorder::off(),
                warned: false,
            });
        }
        let store = Store::open_with(&args.place.dir().path, config.open_options())
            .map_err(|e| format!("{e} (use --no-store to run without history)"))?;
        let conversation = match wanted.as_deref() {
            None => None,
            Some("") => Some(
                store
                    .latest_conversation()
                    .map_err(|e| e.to_string())?
                    .ok_or("--continue: there is no stored conversation yet")?,
            ),
            Some(id) => {
                let id: i64 = id
                    .parse()
                    .map_err(|_| format!("--continue {id}: not an id"))?;
                store
                    .conversation(id)
                    .map_err(|e| format!("--continue: {e}"))?;
                Some(id)
            }
        };
        let recorder = Recorder::new(store, conversation, "ask");
        if model.is_none() {
            *model = recorder.last_model().map_err(|e| e.to_string())?;
        }
        Ok(AskRecord {
            continued: conversation.is_some(),
            recorder,
            warned: false,
        })
    }

    /// Puts the continued conversation's history before the prompt; the answers `model`
    /// wrote keep their signed reasoning.
    pub fn prepend_history(&self, chat: &mut ChatRequest, model: &str) -> Result<(), CliError> {
        self.recorder
            .prepend_history_for(chat, Some(model))
            .map_err(|e| format!("cannot load the conversation: {e}"))
    }

    /// Commits the prompt; call right before sending. Failing here stops the command:
    /// an answer that could not be kept is not asked for.
    pub fn begin(
        &mut self,
        model: &str,
        protocol: &str,
        chat: &ChatRequest,
    ) -> Result<(), CliError> {
        self.recorder
            .begin(model, Some(protocol), chat)
            .map_err(|e| {
                format!("cannot store the prompt: {e} (use --no-store to run without history)")
            })
    }

    /// Takes a runner update.
    pub fn update(&mut self, update: &Update<'_>) {
        if let Err(e) = self.recorder.update(update) {
            self.warn(&e);
        }
    }

    /// Ends the turn with its exchange and cost.
    pub fn finish(&mut self, exchange: &Exchange, cost: Option<&Money>) {
        if let Err(e) = self.recorder.finish(exchange, cost) {
            self.warn(&e);
        }
    }

    /// The conversation this command started, once its prompt is stored (`None` when
    /// storing is off or it continues another): the one a title model may name.
    pub fn started(&self) -> Option<store::ConversationId> {
        if self.continued {
            return None;
        }
        self.recorder.conversation()
    }

    /// Gives the conversation this command started a title.
    pub fn rename(&mut self, title: &str) {
        let Some(id) = self.started() else {
            return;
        };
        if let Err(e) = self.recorder.rename(id, title) {
            self.warn(&e);
        }
    }

    fn warn(&mut self, e: &store::StoreError) {
        if !self.warned {
            self.warned = true;
            super::print_err(&format!(
                "warning: history: {e} (the text is kept when the database frees up)"
            ));
        }
    }
}

/// `switchboard history`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    /// Search prompts and answers for these words (all of them); without, list newest first.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// How many entries.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
}

/// What else `history` does.
#[derive(Subcommand, Debug)]
pub enum HistoryCommand {
    /// Delete conversations and comparisons not updated for a while.
    Prune {
        /// An age: 90d, 12h, 2w.
        #[arg(long, value_name = "AGE")]
        older_than: String,
    },
    /// Rename a conversation (or a comparison: cID).
    Rename { id: String, title: Vec<String> },
    /// Delete a conversation (or a comparison: cID) and everything in it.
    Delete { id: String },
}

/// `c12` is comparison 12; `12` conversation 12.
fn parse_entry(id: &str) -> Result<(EntryKind, i64), CliError> {
    let (kind, digits) = match id.strip_prefix('c') {
        Some(rest) => (EntryKind::Comparison, rest),
        None => (EntryKind::Conversation, id),
    };
    let n = digits
        .parse()
        .map_err(|_| format!("`{id}` is not an id (12, or c12 for a comparison)"))?;
    Ok((kind, n))
}

pub fn run(place: &StorePlace, args: HistoryArgs) -> Result<ExitCode, CliError> {
    let err = |e: store::StoreError| e.to_string();
    match args.command {
        Some(HistoryCommand::Prune { older_than }) => {
            let age = store::parse_age(&older_than).map_err(err)?;
            let Some(s) = place.open_existing()? else {
                println!("no history yet");
                return Ok(ExitCode::SUCCESS);
            };
            let r = s.prune(age).map_err(err)?;
            println!(
                "removed {} conversations, {} comparisons and {} stand-alone exchanges \
                 older than {older_than}",
                r.conversations, r.comparisons, r.exchanges
            );
        }
        Some(HistoryCommand::Rename { id, title }) => {
            let (kind, n) = parse_entry(&id)?;
            let s = place.open()?;
            let title = title.join(" ");
            match kind {
                EntryKind::Conversation => s.rename(n, &title),
                EntryKind::Comparison => s.rename_comparison(n, &title),
            }
            .map_err(err)?;
        }
        Some(HistoryCommand::Delete { id }) => {
            let (kind, n) = parse_entry(&id)?;
            let s = place.open()?;
            match kind {
                EntryKind::Conversation => s.delete_conversation(n),
                EntryKind::Comparison => s.delete_comparison(n),
            }
            .map_err(err)?;
            println!("deleted {id}");
        }
        None => {
            let store = place.open_existing()?;
            let query = args.query.join(" ");
            if !query.trim().is_empty() {
                let hits = match &store {
                    Some(s) => s.search(&query, args.limit).map_err(err)?,
                    None => Vec::new(),
                };
                if args.json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&hits).unwrap_or_default()
                    );
                }
                for h in hits.iter().filter(|_| !args.json) {
                    let id = match h.comparison_id {
                        Some(c) => format!("c{c}"),
                        None => h.conversation_id.to_string(),
                    };
                    println!("{id:>5}  #{:<3} {}  {}", h.position + 1, h.title, h.snippet);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let entries = match &store {
                Some(s) => s.list(args.limit, 0).map_err(err)?,
                None => Vec::new(),
            };
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&entries).unwrap_or_default()
                );
            } else if entries.is_empty() {
                eprintln!("no history yet: `switchboard ask` keeps every conversation");
            }
            let now = store::now_ms();
            for e in entries.iter().filter(|_| !args.json) {
                println!("{}", entry_line(e, now));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn entry_line(e: &HistoryEntry, now: i64) -> String {
    let id = match e.kind {
        EntryKind::Conversation => e.id.to_string(),
        EntryKind::Comparison => format!("c{}", e.id),
    };
    let mut cost: Vec<String> = e.cost.iter().map(|m| m.to_string()).collect();
    if e.cost_unknown > 0 {
        cost.push("cost unknown".into());
    }
    let status = match e.last_status {
        Some(s) if s != store::TurnStatus::Done => format!(" [{}]", s.as_str()),
        _ => String::new(),
    };
    let unit = match e.kind {
        EntryKind::Conversation => "turns",
        EntryKind::Comparison => "lanes",
    };
    let line = if e.first_line == e.title {
        e.title.clone()
    } else {
        format!("{} — {}", e.title, e.first_line)
    };
    format!(
        "{id:>5}  {:>8}  {}  {} {unit} · in {} · out {} · {}{status}  {line}",
        age(now - e.updated_ms),
        e.models.join(","),
        e.count,
        e.input_tokens,
        e.output_tokens,
        if cost.is_empty() {
            "-".into()
        } else {
            cost.join(", ")
        },
    )
}

/// A short age: `now`, `5m ago`, `3h ago`, `2d ago`, `7w ago`.
fn age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => "now".into(),
        60..3600 => format!("{}m ago", s / 60),
        3600..86400 => format!("{}h ago", s / 3600),
        86400..1_209_600 => format!("{}d ago", s / 86400),
        _ => format!("{}w ago", s / 604_800),
    }
}
