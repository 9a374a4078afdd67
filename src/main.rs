//! The `switchboard` command: parse the command line, then hand off to a CLI command (or,
//! with no command, the workbench UI).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use switchboard::cli;

/// A terminal workbench for LLM APIs: pick a model, compare, chat, and see exactly what went
/// over the wire and what it cost. Runs on the built-in demo provider when no key is set.
#[derive(Parser, Debug)]
#[command(name = "switchboard", version, about, long_about = None)]
struct Cli {
    /// The config file [default: the platform config dir; env: SWITCHBOARD_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the history database lives [default: the platform data dir; env:
    /// SWITCHBOARD_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Run without writing any history [env: SWITCHBOARD_NO_STORE=1]
    #[arg(long, global = true)]
    no_store: bool,
    /// The UI theme: dark, light, high-contrast, or NAME for themes/NAME.toml in the
    /// config dir [default: the config's theme, else picked from the terminal's background;
    /// env: SWITCHBOARD_THEME]
    #[arg(long, global = true, value_name = "NAME")]
    theme: Option<String>,
    /// The model the workbench UI opens on, as PROVIDER/MODEL [default: the config's
    /// default_model, else demo/demo-fast]
    #[arg(short, long, value_name = "PROVIDER/MODEL")]
    model: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print a shell completion script: `switchboard completions bash > ~/.local/share/bash-completion/completions/switchboard`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Send one prompt and stream the answer to stdout.
    Ask(cli::ask::AskArgs),
    /// Send one prompt to several models (or settings, or protocols) at once and report
    /// speed, tokens and cost per lane.
    Compare(cli::compare::CompareArgs),
    /// List the models of the configured providers, with context and prices.
    Models(cli::models::ModelsArgs),
    /// Config file commands.
    Config {
        #[command(subcommand)]
        command: cli::config_cmd::ConfigCommand,
    },
    /// Run the demo provider as a standalone OpenAI-compatible server.
    DemoServer(cli::demo_server::DemoServerArgs),
    /// List or search stored conversations; prune, rename, delete.
    History(cli::history::HistoryArgs),
    /// Export a stored conversation as Markdown, JSON or JSON lines.
    Export(cli::export::ExportArgs),
    /// Import a conversation (our JSON export, or an OpenAI-style messages array).
    Import(cli::import::ImportArgs),
    /// Forward other programs' LLM calls to a provider and record each exchange.
    ///
    /// Point a client at it: OpenAI SDKs with base URL http://LISTEN/v1, the Anthropic and
    /// Gemini SDKs with http://LISTEN. Calls go on unchanged, streams chunk by chunk; each
    /// exchange is summarised on stderr, kept in the history (unless --no-store) and, with
    /// --record, written to a trace file; with --tui each appears live in the workbench.
    Proxy(cli::proxy::ProxyArgs),
    /// Re-render a recorded trace file (or a stored conversation) offline, with its timing.
    Replay(cli::replay::ReplayArgs),
}

fn main() -> ExitCode {
    let args = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            cli::print_err(&format!("switchboard: cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let config = args.config.as_deref();
    let place = cli::history::StorePlace {
        data_dir: args.data_dir.clone(),
        no_store: args.no_store,
    };
    let result = runtime.block_on(async {
        match args.command {
            Some(Command::Ask(mut a)) => {
                a.store.place = place.clone();
                // On a task of its own, not on `block_on`'s future: a task woken by the
                // connection's task is simply queued, while waking `block_on` parks the
                // runtime (one epoll_wait per streamed chunk).
                let config = config.map(PathBuf::from);
                match tokio::spawn(async move { cli::ask::run(config.as_deref(), a).await }).await {
                    Ok(r) => r,
                    Err(e) => Err(format!("internal error: {e}")),
                }
            }
            Some(Command::Compare(mut a)) => {
                a.place = place.clone();
                let config = config.map(PathBuf::from);
                match tokio::spawn(async move { cli::compare::run(config.as_deref(), a).await })
                    .await
                {
                    Ok(r) => r,
                    Err(e) => Err(format!("internal error: {e}")),
                }
            }
            Some(Command::Models(a)) => cli::models::run(config, a).await,
            Some(Command::Config { command }) => cli::config_cmd::run(config, &place, command),
            Some(Command::DemoServer(a)) => cli::demo_server::run(a).await,
            Some(Command::History(a)) => cli::history::run(&place, a),
            Some(Command::Export(a)) => cli::export::run(&place, a),
            Some(Command::Import(a)) => cli::import::run(&place, a),
            Some(Command::Proxy(mut a)) => {
                a.place = place.clone();
                cli::proxy::run(config, a).await
            }
            Some(Command::Replay(mut a)) => {
                a.place = place.clone();
                cli::replay::run(a).await
            }
            Some(Command::Completions { shell }) => {
                use clap::CommandFactory;
                let mut script = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "switchboard", &mut script);
                cli::write_stdout(&script)
            }
            None => cli::ui::run(config, args.model.clone(), args.theme.clone(), &place).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            cli::print_err(&format!("switchboard: {e}"));
            ExitCode::FAILURE
        }
    }
}
