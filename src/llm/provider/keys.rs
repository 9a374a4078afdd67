//! Keys from a command (`api_key_cmd`).

use std::process::Stdio;
use std::time::Duration;

use super::config;
use crate::llm::error::ProviderError;
use crate::llm::protocol::ApiKey;

pub(super) async fn run_key_command(provider: &str, cmd: &str) -> Result<ApiKey, ProviderError> {
    let fail = |why: String| config(format!("provider {provider}: api_key_cmd `{cmd}` {why}"));
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| fail(format!("could not start: {e}")))?;
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .map_err(|_| fail("did not finish within 30 s".into()))?
        .map_err(|e| fail(format!("failed: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!("exited with {}", out.status)));
    }
    // Like `pass`, the key is the first line; what follows may be notes.
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().next().map(str::trim) {
        Some(key) if !key.is_empty() => Ok(ApiKey::new(key)),
        _ => Err(fail("printed nothing".into())),
    }
}
