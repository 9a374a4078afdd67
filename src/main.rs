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
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Send one prompt and stream the answer to stdout.
    Ask(cli::ask::AskArgs),
    /// List the models of the configured providers, with context and prices.
    Models(cli::models::ModelsArgs),
    /// Config file commands.
    Config {
        #[command(subcommand)]
        command: cli::config_cmd::ConfigCommand,
    },
    /// Run the demo provider as a standalone OpenAI-compatible server.
    DemoServer(cli::demo_server::DemoServerArgs),
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
    let result = runtime.block_on(async {
        match args.command {
            Some(Command::Ask(a)) => cli::ask::run(config, a).await,
            Some(Command::Models(a)) => cli::models::run(config, a).await,
            Some(Command::Config { command }) => cli::config_cmd::run(config, command),
            Some(Command::DemoServer(a)) => cli::demo_server::run(a).await,
            None => cli::ask::run_default(config).await,
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
