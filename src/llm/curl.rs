//! "Copy as curl": an `HttpRequest` as a POSIX shell command that sends the same request.
//!
//! The key is never in the text. Every secret header (and a `key=`/`api_key=` query
//! parameter, Gemini's scheme) gets a shell expression in its place, chosen by
//! `KeySource`: `$CLIPIA_API_KEY` when the provider's key is in an environment variable;
//! `$(pass show clipia | head -n 1)` when it comes from a key command (the command is
//! config, not a secret, and running it again is what Switchboard does; `head` because
//! Switchboard takes the first line of its output); `${VAR:-$(CMD | head -n 1)}` when both
//! are configured, in the order `ProviderConfig::resolve_key` tries them; and the
//! placeholder `$API_KEY` when the source is unknown (another program's key seen by the
//! proxy). Works on the live request and on its redacted copy alike: a secret's value is
//! only read for its auth scheme word (`Bearer`, `Key`).
//!
//! Quoting: everything is single-quoted (`'` written as `'\''`), so quotes, newlines,
//! `$`, `!` and any Unicode in the body reach curl unchanged; only the key expression is in
//! double quotes. The body goes in `--data-raw`, byte for byte what the runner sends (plain
//! `-d` would read a file for a body starting with `@`).

use super::http::HttpRequest;
use super::provider::ProviderConfig;

/// Where the key in a copied command comes from when it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An environment variable: `$NAME`.
    Env(String),
    /// A key command, run by the shell: `$(CMD | head -n 1)`.
    Command(String),
    /// The variable when set, else the command: `${NAME:-$(CMD | head -n 1)}`.
    EnvOrCommand { var: String, command: String },
    /// Nothing known: the placeholder `$API_KEY`, to be set by whoever runs the command.
    Unknown,
}

/// The placeholder variable used when the key's source is unknown.
pub const PLACEHOLDER_VAR: &str = "API_KEY";

impl KeySource {
    /// Where `provider` reads its key from.
    pub fn for_provider(provider: &ProviderConfig) -> KeySource {
        match (&provider.api_key_env, &provider.api_key_cmd) {
            (Some(var), Some(command)) if is_var_name(var) => KeySource::EnvOrCommand {
                var: var.clone(),
                command: command.clone(),
            },
            (Some(var), None) => KeySource::Env(var.clone()),
            (_, Some(command)) => KeySource::Command(command.clone()),
            (None, None) => KeySource::Unknown,
        }
    }

    /// The shell expression that yields the key, meant to sit inside double quotes and be
    /// followed by a character that cannot continue a variable name (`"`, `&`).
    pub fn shell_expr(&self) -> String {
        match self {
            KeySource::Env(var) if is_var_name(var) => format!("${var}"),
            KeySource::Env(_) | KeySource::Unknown => format!("${PLACEHOLDER_VAR}"),
            KeySource::Command(command) => format!("$({command} | head -n 1)"),
            KeySource::EnvOrCommand { var, command } => {
                format!("${{{var}:-$({command} | head -n 1)}}")
            }
        }
    }
}

fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Headers that carry a key whether or not they were marked secret (a request recorded by
/// the proxy, a header the user added by hand).
const KEY_HEADERS: [&str; 5] = [
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "api-key",
    "proxy-authorization",
];

/// Query parameters that carry a key.
const KEY_PARAMS: [&str; 2] = ["key", "api_key"];

impl HttpRequest {
    /// This request as a `curl` command, one argument per line, with the key as `key`'s
    /// shell expression: see the module docs.
    pub fn to_curl(&self, key: &KeySource) -> String {
        to_curl(self, key)
    }

    /// True when the answer will be an event stream: `"stream": true` in the body, or a
    /// Gemini streaming URL, or an `Accept: text/event-stream` header.
    pub fn is_streaming(&self) -> bool {
        let body = self
            .body
            .as_ref()
            .and_then(|b| b.get("stream"))
            .and_then(|s| s.as_bool())
            .unwrap_or(false);
        body || self.url.contains(":streamGenerateContent")
            || self.url.contains("alt=sse")
            || self
                .header_value("accept")
                .is_some_and(|a| a.contains("text/event-stream"))
    }
}

/// `req` as a `curl` command; see the module docs for the key and the quoting.
pub fn to_curl(req: &HttpRequest, key: &KeySource) -> String {
    let expr = key.shell_expr();
    let mut args = vec![format!(
        "curl {} {}",
        if req.is_streaming() { "-sN" } else { "-s" },
        url_arg(&req.url, &expr)
    )];
    let implied = matches!(
        (&req.body, req.method.as_str()),
        (Some(_), "POST") | (None, "GET")
    );
    if !implied {
        args.push(format!("-X {}", single_quote(&req.method)));
    }
    for h in &req.headers {
        let secret = h.secret || KEY_HEADERS.contains(&h.name.to_ascii_lowercase().as_str());
        let arg = if secret {
            let prefix = format!("{}: {}", h.name, scheme_prefix(&h.value));
            with_key(&prefix, &expr, "")
        } else {
            single_quote(&format!("{}: {}", h.name, h.value))
        };
        args.push(format!("-H {arg}"));
    }
    if let Some(body) = &req.body {
        let text = serde_json::to_string(body).unwrap_or_default();
        args.push(format!("--data-raw {}", single_quote(&text)));
    }
    args.join(" \\\n  ")
}

/// The auth scheme word and its space (`Bearer `), or nothing for a bare key.
fn scheme_prefix(value: &str) -> &str {
    match value.split_once(' ') {
        Some((scheme, rest))
            if !rest.trim().is_empty()
                && !scheme.is_empty()
                && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            &value[..=scheme.len()]
        }
        _ => "",
    }
}

/// The URL, with any key parameter's value replaced by the key expression.
fn url_arg(url: &str, expr: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return single_quote(url);
    };
    let pairs: Vec<&str> = query.split('&').collect();
    let Some(at) = pairs.iter().position(|p| {
        p.split_once('=')
            .is_some_and(|(k, _)| KEY_PARAMS.contains(&k))
    }) else {
        return single_quote(url);
    };
    // Keep the parameters in order; any further key parameter is masked the same way.
    let mut before = format!("{base}?");
    for p in &pairs[..at] {
        before.push_str(p);
        before.push('&');
    }
    let name = pairs[at].split_once('=').map_or("key", |(k, _)| k);
    before.push_str(name);
    before.push('=');
    let mut after = String::new();
    for p in &pairs[at + 1..] {
        after.push('&');
        match p.split_once('=') {
            Some((k, _)) if KEY_PARAMS.contains(&k) => {
                after.push_str(k);
                after.push_str("=***");
            }
            _ => after.push_str(p),
        }
    }
    with_key(&before, expr, &after)
}

/// `before`, the key expression and `after` as one shell word: all in double quotes when
/// the literal parts are plainly safe there (`"Authorization: Bearer $KEY"`), else the
/// literal parts single-quoted around a double-quoted expression.
fn with_key(before: &str, expr: &str, after: &str) -> String {
    let plain = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " -_.:/=,;+@%~?&".contains(c))
    };
    if plain(before) && plain(after) {
        return format!("\"{before}{expr}{after}\"");
    }
    let mut word = String::new();
    if !before.is_empty() {
        word.push_str(&single_quote(before));
    }
    word.push('"');
    word.push_str(expr);
    word.push('"');
    if !after.is_empty() {
        word.push_str(&single_quote(after));
    }
    word
}

/// `s` as one single-quoted shell word; a `'` inside becomes `'\''`.
pub fn single_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "clipia_live_fake-0123456789abcdef7f3a";

    fn chat(body: serde_json::Value) -> HttpRequest {
        let mut req = HttpRequest::post_json("https://api.clipia.ai/v1/chat/completions", body);
        req.secret_header("Authorization", format!("Bearer {KEY}"));
        req.header("X-Title", "it's \"quoted\"");
        req
    }

    /// What `sh` would pass as arguments, by asking it.
    fn shell_words(cmd: &str) -> Vec<String> {
        let script = format!(
            "set -- {}; for a; do printf '%s\\0' \"$a\"; done",
            &cmd[5..]
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("CLIPIA_API_KEY", "sk-from-env")
            .env_remove("API_KEY")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn streaming_chat_with_env_key() {
        let body = json!({"model": "m", "stream": true, "messages": [
            {"role": "user", "content": "it's a \"test\"\nline two: $HOME `id` \\ é 日本 🎉 !!"}
        ]});
        let cmd = chat(body.clone()).to_curl(&KeySource::Env("CLIPIA_API_KEY".into()));
        assert!(!cmd.contains(KEY), "{cmd}");
        assert!(cmd.starts_with("curl -sN 'https://api.clipia.ai/v1/chat/completions'"));
        assert!(
            cmd.contains("-H \"Authorization: Bearer $CLIPIA_API_KEY\""),
            "{cmd}"
        );
        let words = shell_words(&cmd);
        assert_eq!(words[0], "-sN");
        assert_eq!(words[1], "https://api.clipia.ai/v1/chat/completions");
        assert!(words.contains(&"Authorization: Bearer sk-from-env".to_string()));
        assert!(words.contains(&"X-Title: it's \"quoted\"".to_string()));
        assert!(words.contains(&"Content-Type: application/json".to_string()));
        let data = words.iter().position(|w| w == "--data-raw").unwrap();
        // The shell hands curl the exact bytes the runner would send.
        assert_eq!(words[data + 1], serde_json::to_string(&body).unwrap());
    }

    #[test]
    fn redacted_requests_and_unknown_keys() {
        let req = chat(json!({"model": "m"})).redacted();
        let cmd = req.to_curl(&KeySource::Unknown);
        assert!(cmd.starts_with("curl -s 'https://"), "{cmd}");
        assert!(!cmd.contains("clip…7f3a"), "{cmd}");
        assert!(cmd.contains("\"Authorization: Bearer $API_KEY\""), "{cmd}");
        // An auth header not marked secret is still replaced.
        let mut req = HttpRequest::post_json("http://x/v1/messages", json!({}));
        req.header("x-api-key", KEY);
        let cmd = req.to_curl(&KeySource::Env("ANTHROPIC_API_KEY".into()));
        assert!(!cmd.contains(KEY));
        assert!(
            cmd.contains("-H \"x-api-key: $ANTHROPIC_API_KEY\""),
            "{cmd}"
        );
    }

    #[test]
    fn key_commands_and_both_sources() {
        let mut p = ProviderConfig::new("c", crate::llm::protocol::Protocol::OpenAiChat, "", None);
        p.api_key_cmd = Some("pass show 'clipia key'".into());
        let cmd = chat(json!({})).to_curl(&KeySource::for_provider(&p));
        assert!(
            cmd.contains("-H \"Authorization: Bearer $(pass show 'clipia key' | head -n 1)\""),
            "{cmd}"
        );
        p.api_key_env = Some("CLIPIA_API_KEY".into());
        let source = KeySource::for_provider(&p);
        assert_eq!(
            source.shell_expr(),
            "${CLIPIA_API_KEY:-$(pass show 'clipia key' | head -n 1)}"
        );
        // Set, the variable wins; unset, the command runs.
        let mut p2 = p.clone();
        p2.api_key_cmd = Some("printf 'from-cmd\\nnotes\\n'".into());
        let cmd = chat(json!({})).to_curl(&KeySource::for_provider(&p2));
        let words = shell_words(&cmd);
        assert!(words.contains(&"Authorization: Bearer sk-from-env".to_string()));
        let script = format!(
            "unset CLIPIA_API_KEY; printf '%s' {}",
            with_key("", &KeySource::for_provider(&p2).shell_expr(), "")
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "from-cmd");
    }

    #[test]
    fn gemini_key_in_the_query_and_get_without_body() {
        let url = format!(
            "https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent?alt=sse&key={KEY}"
        );
        let mut req = HttpRequest::post_json(url, json!({"contents": []}));
        req.method = "PUT".into();
        let cmd = req.to_curl(&KeySource::Env("GEMINI_API_KEY".into()));
        assert!(!cmd.contains(KEY), "{cmd}");
        assert!(cmd.starts_with("curl -sN \"https://"), "{cmd}");
        assert!(cmd.contains("alt=sse&key=$GEMINI_API_KEY\""), "{cmd}");
        assert!(cmd.contains("-X 'PUT'"), "{cmd}");
        let get = HttpRequest::get("https://h/v1/models?q=it's");
        let cmd = get.to_curl(&KeySource::Unknown);
        assert_eq!(cmd, "curl -s 'https://h/v1/models?q=it'\\''s'");
        let words = shell_words(&cmd);
        assert_eq!(words, vec!["-s", "https://h/v1/models?q=it's"]);
    }

    #[test]
    fn single_quoting() {
        assert_eq!(single_quote(""), "''");
        assert_eq!(single_quote("a'b"), "'a'\\''b'");
        assert_eq!(scheme_prefix("Bearer abc"), "Bearer ");
        assert_eq!(scheme_prefix("abc"), "");
        assert_eq!(scheme_prefix("sk-1 2"), "");
        // Literal parts that are not plainly safe in double quotes stay single-quoted.
        assert_eq!(with_key("X-K!`: ", "$K", "&x=$y"), "'X-K!`: '\"$K\"'&x=$y'");
        assert_eq!(with_key("A: ", "$K", ""), "\"A: $K\"");
    }
}
