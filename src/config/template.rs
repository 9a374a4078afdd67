//! The commented config file that `switchboard config init` writes: every setting with its
//! environment variable, every key binding, every built-in provider with its key variable.
//!
//! Notes start with `# `; a setting that is switched off starts with `#` and nothing else
//! before its TOML, so removing that one `#` switches it on. (A test removes every such
//! `#` and checks that the whole file still reads without a warning.)

use super::settings::{BUDGET_EXAMPLES, SETTINGS, Setting};
use crate::llm::provider::{self, ProviderConfig};

/// The shipped keymap, documented in the generated file as `[keys.<scope>]` tables.
const KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// The config file text. `key_set(VAR)` tells whether a key variable is set now, so the
/// file can say which presets are already switched on.
pub fn template(key_set: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    for l in HEADER.lines() {
        line(l);
    }
    line("");
    let mut table = None;
    for s in SETTINGS {
        if s.table() != table {
            table = s.table();
            line("");
            if let Some(t) = table {
                line(&format!("#[{t}]"));
            }
        }
        setting(&mut line, s);
    }
    line("");
    line("# [budget]: the most to spend in one run of the app, per currency code. The meter");
    line("# warns at 80% and asks before a request that could pass it. Costs in different");
    line("# currencies are never added together. (env: SWITCHBOARD_BUDGET_<CODE>, e.g.");
    line("# SWITCHBOARD_BUDGET_USD=5)");
    line("#[budget]");
    for (code, amount) in BUDGET_EXAMPLES {
        line(&format!("#{code} = {amount}"));
    }
    line("");
    keys(&mut line);
    line("");
    providers(&mut line, key_set);
    out
}

const HEADER: &str = "\
# Switchboard config, written by `switchboard config init`.
#
# Nothing here is required: with no file at all Switchboard runs on the built-in demo
# provider. A line starting with `#` and then a setting is switched off: remove that `#`
# to use it. Lines starting with `# ` are notes.
#
# Every setting can also be set by an environment variable, named beside it
# (SWITCHBOARD_ and the dotted key in capitals: timeouts.connect_secs is
# SWITCHBOARD_TIMEOUTS_CONNECT_SECS). A variable wins over this file.
#
# API keys never go in this file. Each provider reads its key from an environment
# variable (api_key_env) or from a command that prints it (api_key_cmd).
#
# `switchboard config check` checks this file: errors with their line and column,
# unknown keys as warnings. `switchboard config path` prints where it is.";

fn setting(line: &mut impl FnMut(&str), s: &Setting) {
    line(&format!("# {} (env: {})", s.doc, s.env()));
    line(&format!("#{} = {}", s.leaf(), s.example));
}

fn keys(line: &mut impl FnMut(&str)) {
    line("# Key bindings. Each [keys.<scope>] table replaces the keys of the actions it names");
    line("# in that scope and keeps every other binding (keymap.toml in the config dir works");
    line("# the same, without the `keys.` prefix). A key is looked up in the open overlay,");
    line("# else in the focused pane's scope, then in [keys.global]. An empty list unbinds.");
    line("# Keys: \"a\", \"?\", \"ctrl-q\", \"alt-enter\", \"shift-enter\", \"enter\", \"esc\",");
    line(
        "# \"tab\", \"backtab\", \"up\", \"down\", \"left\", \"right\", \"pgup\", \"pgdn\", \"home\",",
    );
    line(
        "# \"end\", \"backspace\", \"delete\", \"space\", \"f1\"..\"f12\"; modifiers ctrl-, alt-,",
    );
    line("# shift-. The shipped bindings, every action of every scope:");
    for l in KEYMAP.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(scope) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            line("");
            line(&format!("#[keys.{scope}]"));
        } else {
            line(&format!("#{t}"));
        }
    }
}

fn providers(line: &mut impl FnMut(&str), key_set: &dyn Fn(&str) -> bool) {
    line("# Providers. Each built-in one below is switched on by itself when its key variable");
    line("# is set: nothing needs writing here. Write a [[providers]] entry to change one");
    line("# (an entry named like a built-in one takes the built-in's settings for every field");
    line("# it leaves out), to read its key another way, or to add a provider of your own.");
    line("# `switchboard models` lists the models of every provider that is on.");
    for p in provider::presets() {
        let var = p.api_key_env.clone().unwrap_or_default();
        let state = if !var.is_empty() && key_set(&var) {
            format!("{var} is set: on")
        } else {
            format!("on when {var} is set")
        };
        line("");
        line(&format!("# {}: {} ({state})", p.name, routes(&p)));
        preset_block(line, &p);
    }
    for p in provider::local_presets() {
        line("");
        line(&format!(
            "# {}: a local server, {}; never on by itself: name it in a model \
             ({}/MODEL) or switch this entry on",
            p.name,
            routes(&p),
            p.name
        ));
        preset_block(line, &p);
    }
    line("");
    line("# The demo provider (`demo`) is always there, needs no key and runs in-process.");
    line("");
    for l in CUSTOM.lines() {
        line(l);
    }
}

fn routes(p: &ProviderConfig) -> String {
    p.protocols()
        .into_iter()
        .filter_map(|proto| {
            p.base_url_for(proto)
                .map(|url| format!("{} {url}", proto.name()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn preset_block(line: &mut impl FnMut(&str), p: &ProviderConfig) {
    line("#[[providers]]");
    line(&format!("#name = \"{}\"", p.name));
    if let Some(var) = &p.api_key_env {
        line(&format!("#api_key_env = \"{var}\""));
    }
    if let Some(url) = &p.base_url {
        line(&format!("#base_url = \"{url}\""));
    }
    line(&format!("#protocol = \"{}\"", p.protocol.name()));
}

const CUSTOM: &str = "\
# A provider of your own, with every field it takes:
#[[providers]]
# the prefix in model references (gateway/MODEL)
#name = \"gateway\"
# the base URL of `protocol`, as its official SDK takes it (with /v1 for the OpenAI
# protocols, the host alone for anthropic and gemini)
#base_url = \"https://gw.example/v1\"
# openai-chat | anthropic | openai-responses | gemini
#protocol = \"openai-chat\"
# the environment variable holding the key (or instead: api_key_cmd = \"pass show gateway\",
# a command whose first line of output is the key)
#api_key_env = \"GATEWAY_API_KEY\"
# how the key is sent: bearer | key | x-api-key | x-goog-api-key | none (default: the
# protocol's usual one)
#auth = \"bearer\"
# headers sent with every request
#headers = { \"X-Title\" = \"switchboard\" }
# extra body fields sent with every request; objects merge key by key
#body = { provider = { sort = \"price\" } }
# the currency of the prices in the provider's live model list
#price_currency = \"USD\"
# the unit of the provider's own usage.cost figure
#reported_cost_currency = \"credits\"
# what one credit is worth, as you know it: only then are reported credits compared with
# computed costs
#credit_rate = { currency = \"USD\", per_credit = \"0.01\" }
# keys starting so are shown as sandbox keys
#sandbox_key_prefix = \"gw_test_\"
# account endpoints to read the balance and exact costs from (clipia: GET {base}/key
# and {base}/generation)
#account = \"clipia\"
# other protocols the provider serves, each with its base URL
#[providers.base_urls]
#anthropic = \"https://gw.example\"
#openai-responses = \"https://gw.example/v1\"
# per model: its routes (preferred first), headers, body fields and traits the catalog
# does not know
#[providers.models.\"claude-sonnet-4-5\"]
#protocols = [\"anthropic\", \"openai-chat\"]
#headers = { \"anthropic-beta\" = \"interleaved-thinking-2025-05-14\" }
#body = { metadata = { user_id = \"me\" } }
#reasoning = true
#max_output = 64000
#supported_parameters = [\"temperature\", \"max_tokens\", \"tools\", \"reasoning\"]";

/// The template with every switched-off line switched on: what a test reads to prove the
/// documented settings are real.
pub fn uncommented(text: &str) -> String {
    text.lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if !rest.starts_with(' ') && !rest.is_empty() => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}
