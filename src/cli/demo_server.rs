//! `switchboard demo-server`: the demo provider on its own, for any OpenAI, Anthropic or
//! Gemini client.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;

use super::CliError;
use crate::demo;

#[derive(Args, Debug)]
pub struct DemoServerArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
}

pub async fn run(args: DemoServerArgs) -> Result<ExitCode, CliError> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    if !addr.ip().is_loopback() {
        eprintln!("warning: listening on {addr}, reachable from other machines");
    }
    let ids: Vec<&str> = demo::models().iter().map(|m| m.id).collect();
    let banner = format!(
        "Switchboard demo provider on http://{addr}/v1 (any key)\n\
         protocols: openai-chat and openai-responses at http://{addr}/v1, \
         anthropic and gemini at http://{addr}\n\
         models: {}\n\
         misbehave on request: model suffix like demo-fast+429, +402, +500, +drop, +error, \
         +malformed, +trickle\n\
         Ctrl-C stops it.",
        ids.join(", ")
    );
    // One write, and no panic if nobody reads stderr any more (a test reads the first line
    // and closes the pipe; `eprintln!` would write in pieces and panic on the broken pipe).
    super::print_err(&banner);
    demo::serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| format!("demo server failed: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
