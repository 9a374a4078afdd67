//! The config file: where it is, what it holds, and errors that point at the line.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::llm::provider::{self, DEMO, ModelRef, ProviderConfig};
use crate::llm::run::Timeouts;
use builtin::{builtin, inherit, inherit_protocols};

mod builtin;
mod check;
pub mod settings;
mod store;
pub mod template;
pub use check::{Loaded, Warning, place_of};
pub use store::StoreConfig;

/// The model used when none is named and the config sets no `default_model`.
pub const DEMO_DEFAULT_MODEL: &str = "demo/demo-fast";

/// The whole config file. Keys it does not know are warnings, not errors (see
/// `config::read`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Config {
    /// `PROVIDER/MODEL` used when a command names none.
    #[serde(default)]
    pub default_model: Option<String>,
    #[serde(default)]
    pub timeouts: TimeoutsConfig,
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
    /// `[budget]`: the most to spend in one run of the app, per currency
    /// (`USD = "5.00"`, `RUB = "300"`). The meter warns at 80% and asks before a request
    /// that could pass it.
    #[serde(default)]
    pub budget: crate::llm::money::Budget,
    /// `[store]`: the history database (on or off, frames kept per exchange).
    #[serde(default)]
    pub store: StoreConfig,
    /// The UI theme by name (`dark`, `light`, `high-contrast`, or a file in the config
    /// dir's `themes/`); unset: picked from the terminal's background.
    #[serde(default)]
    pub theme: Option<String>,
    /// The code highlighting theme (a syntect theme name or a `.tmTheme` in `themes/`);
    /// unset: the UI theme's.
    #[serde(default)]
    pub syntax_theme: Option<String>,
    /// Whether the UI captures the mouse at start (toggled at run time).
    #[serde(default)]
    pub mouse: Option<bool>,
    /// `[keys.<scope>]`: key binding overrides, merged over the shipped keymap as
    /// `keymap.toml` is.
    #[serde(default)]
    pub keys: std::collections::BTreeMap<String, toml::Table>,
}

/// `[timeouts]`, in seconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TimeoutsConfig {
    #[serde(default = "d_connect")]
    pub connect_secs: f64,
    #[serde(default = "d_first_byte")]
    pub first_byte_secs: f64,
    #[serde(default = "d_idle")]
    pub idle_secs: f64,
}

fn d_connect() -> f64 {
    Timeouts::default().connect.as_secs_f64()
}
fn d_first_byte() -> f64 {
    Timeouts::default().first_byte.as_secs_f64()
}
fn d_idle() -> f64 {
    Timeouts::default().idle.as_secs_f64()
}

impl Default for TimeoutsConfig {
    fn default() -> Self {
        TimeoutsConfig {
            connect_secs: d_connect(),
            first_byte_secs: d_first_byte(),
            idle_secs: d_idle(),
        }
    }
}

impl TimeoutsConfig {
    pub fn to_timeouts(&self) -> Timeouts {
        let secs = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::from_secs(1));
        Timeouts {
            connect: secs(self.connect_secs),
            first_byte: secs(self.first_byte_secs),
            idle: secs(self.idle_secs),
        }
    }
}

/// A config that could not be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem has a place.
    pub line_col: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col {
            Some((l, c)) => write!(f, "{}:{l}:{c}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where the config file is, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigLocation {
    pub path: PathBuf,
    /// Named by `--config` or `SWITCHBOARD_CONFIG`: then it must exist.
    pub explicit: bool,
}

/// `--config` first, then `SWITCHBOARD_CONFIG`, then the platform config dir.
pub fn locate(cli: Option<&Path>) -> ConfigLocation {
    if let Some(p) = cli {
        return ConfigLocation {
            path: p.to_path_buf(),
            explicit: true,
        };
    }
    if let Some(p) = std::env::var_os("SWITCHBOARD_CONFIG").filter(|p| !p.is_empty()) {
        return ConfigLocation {
            path: PathBuf::from(p),
            explicit: true,
        };
    }
    let path = directories::ProjectDirs::from("", "", "switchboard")
        .map(|d| d.config_dir().join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("switchboard.toml"));
    ConfigLocation {
        path,
        explicit: false,
    }
}

/// Reads and checks the config. A missing file is fine unless it was named explicitly.
/// `SWITCHBOARD_…` variables override the file's settings; warnings are dropped (see
/// `load_checked`).
pub fn load(loc: &ConfigLocation) -> Result<Config, ConfigError> {
    load_checked(loc).map(|l| l.config)
}

/// `load`, keeping the warnings and which variables applied.
pub fn load_checked(loc: &ConfigLocation) -> Result<Loaded, ConfigError> {
    let vars: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("SWITCHBOARD_"))
        .collect();
    load_with_env(loc, &|k| std::env::var(k).ok(), &vars)
}

/// `load_checked` with the environment given: `env` reads a variable, `vars` names the
/// `SWITCHBOARD_…` variables that are set (for the per-currency budget ones).
pub fn load_with_env(
    loc: &ConfigLocation,
    env: &dyn Fn(&str) -> Option<String>,
    vars: &[String],
) -> Result<Loaded, ConfigError> {
    let text = match std::fs::read_to_string(&loc.path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !loc.explicit => {
            let mut loaded = read("", &loc.path, env, vars)?;
            loaded.file_exists = false;
            return Ok(loaded);
        }
        Err(e) => {
            return Err(ConfigError {
                path: loc.path.clone(),
                line_col: None,
                message: format!("cannot read the config file: {e}"),
            });
        }
    };
    let mut loaded = read(&text, &loc.path, env, vars)?;
    loaded
        .warnings
        .extend(check::readable_key(&text, check::file_mode(&loc.path)));
    Ok(loaded)
}

/// Parses config text; `path` is only for messages. Unknown keys are accepted (`read`
/// reports them); no environment variable is read.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    read(text, path, &|_| None, &[]).map(|l| l.config)
}

/// Parses config text, then applies the environment (`env`, `vars`: see `load_with_env`)
/// and checks the result. Unknown keys come back as warnings with their line and column.
pub fn read(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    vars: &[String],
) -> Result<Loaded, ConfigError> {
    let (config, warnings) = check::deserialize(text, path)?;
    let (config, env_applied) = match check::with_env(text, path, env, vars)? {
        Some((c, applied)) => (c, applied),
        None => (config, Vec::new()),
    };
    let config = validate(config, text, path)?;
    Ok(Loaded {
        config,
        warnings,
        env_applied,
        file_exists: true,
    })
}

fn validate(config: Config, text: &str, path: &Path) -> Result<Config, ConfigError> {
    let err = |line_col, message: String| ConfigError {
        path: path.to_path_buf(),
        line_col,
        message,
    };
    let mut seen = std::collections::HashSet::new();
    for (i, p) in config.providers.iter().enumerate() {
        let place = find_provider_line(text, &p.name);
        if p.name.is_empty() || p.name.contains('/') {
            return Err(err(
                place,
                format!("providers[{i}]: name must be non-empty and contain no `/`"),
            ));
        }
        if !seen.insert(p.name.as_str()) {
            return Err(err(
                place,
                format!("provider `{}` is defined twice", p.name),
            ));
        }
        if p.base_url.is_none() && builtin(&p.name).is_none() {
            return Err(err(
                place,
                format!("provider `{}` needs a base_url", p.name),
            ));
        }
        let urls = p.base_url.iter().chain(p.base_urls.values());
        for url in urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(err(
                    place,
                    format!(
                        "provider `{}`: base URL `{url}` must start with http:// or https://",
                        p.name
                    ),
                ));
            }
        }
    }
    for (currency, limit) in &config.budget.limits {
        if limit.is_sign_negative() {
            return Err(err(
                None,
                format!("budget.{currency} must not be negative (it is {limit})"),
            ));
        }
    }
    for p in &config.providers {
        if let Some(rate) = &p.credit_rate
            && (rate.per_credit.is_sign_negative() || rate.per_credit.is_zero())
        {
            return Err(err(
                find_provider_line(text, &p.name),
                format!(
                    "provider `{}`: credit_rate.per_credit must be more than zero",
                    p.name
                ),
            ));
        }
    }
    let mut config = config;
    inherit_protocols(&mut config, text);
    if let Some(m) = &config.default_model {
        ModelRef::parse(m).map_err(|e| err(None, format!("default_model: {e}")))?;
    }
    if let Some(m) = &config.store.title_model {
        ModelRef::parse(m).map_err(|e| err(None, format!("store.title_model: {e}")))?;
    }
    for (name, v) in [
        ("connect_secs", config.timeouts.connect_secs),
        ("first_byte_secs", config.timeouts.first_byte_secs),
        ("idle_secs", config.timeouts.idle_secs),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(err(
                None,
                format!("timeouts.{name} must be a positive number of seconds"),
            ));
        }
    }
    Ok(config)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn find_provider_line(text: &str, name: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let l = l.trim_start();
        (l.starts_with("name") && l.contains(&format!("\"{name}\""))).then_some((i + 1, 1))
    })
}

impl Config {
    /// Every usable provider: the configured ones, then each preset whose key variable is
    /// set (and that the config does not redefine), then the demo provider unless configured.
    ///
    /// A configured provider named like a built-in one (`demo`, `clipia`, ...) takes the
    /// built-in's settings for every field it leaves out.
    pub fn providers(&self) -> Vec<ProviderConfig> {
        let mut out: Vec<ProviderConfig> = self
            .providers
            .iter()
            .map(|p| match builtin(&p.name) {
                Some(b) => inherit(p.clone(), b),
                None => p.clone(),
            })
            .collect();
        for preset in provider::presets() {
            let configured = out.iter().any(|p| p.name == preset.name);
            let key_set = preset
                .api_key_env
                .as_deref()
                .and_then(|v| std::env::var(v).ok())
                .is_some_and(|v| !v.trim().is_empty());
            if !configured && key_set {
                out.push(preset);
            }
        }
        if !out.iter().any(|p| p.name == DEMO) {
            out.push(ProviderConfig::demo());
        }
        out
    }

    /// The provider named `name`: among `providers()`, else a local server preset
    /// (`ollama`, `llamacpp`, `vllm`), which is used only when named like this.
    pub fn provider(&self, name: &str) -> Option<ProviderConfig> {
        self.providers()
            .into_iter()
            .find(|p| p.name == name)
            .or_else(|| {
                provider::local_presets()
                    .into_iter()
                    .find(|p| p.name == name)
            })
    }

    /// The model to use when none is named.
    pub fn default_model(&self) -> String {
        self.default_model
            .clone()
            .unwrap_or_else(|| DEMO_DEFAULT_MODEL.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::protocol::Protocol;

    #[test]
    fn documented_form_parses() {
        let text = r#"
[[providers]]
name = "clipia"                       # the prefix in model references
base_url = "https://api.clipia.ai/v1"  # as the provider's own SDK takes it
protocol = "openai-chat"              # openai-chat | anthropic | openai-responses | gemini
api_key_env = "CLIPIA_API_KEY"        # or: api_key_cmd = "pass show clipia"
auth = "bearer"                       # bearer | key | x-api-key | x-goog-api-key
headers = { "X-Title" = "switchboard" }  # optional
"#;
        let c = parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(c.providers[0].name, "clipia");
        assert_eq!(c.providers[0].headers["X-Title"], "switchboard");
        let names: Vec<_> = c.providers().into_iter().map(|p| p.name).collect();
        assert!(names.contains(&"demo".to_string()));
    }

    #[test]
    fn routes_extras_and_per_model_settings() {
        let text = r#"
[[providers]]
name = "gateway"
base_url = "https://gw.example/v1"
api_key_env = "GW_KEY"
body = { provider = { order = ["a"] } }

[providers.base_urls]
anthropic = "https://gw.example"
openai-responses = "https://gw.example/v1"

[providers.models."claude-x"]
protocols = ["anthropic", "openai-chat"]
headers = { "anthropic-beta" = "b1" }
body = { provider = { sort = "price" } }
reasoning = true

[[providers]]
name = "anthropic"
api_key_env = "MY_ANTHROPIC_KEY"
"#;
        let c = parse(text, Path::new("c.toml")).unwrap();
        let gw = c.provider("gateway").unwrap();
        assert_eq!(
            gw.protocols(),
            vec![
                Protocol::OpenAiChat,
                Protocol::Anthropic,
                Protocol::OpenAiResponses
            ]
        );
        let m = gw.model("claude-x").unwrap();
        assert_eq!(m.protocols[0], Protocol::Anthropic);
        assert_eq!(
            serde_json::Value::Object(gw.body_for("claude-x")),
            serde_json::json!({"provider": {"order": ["a"], "sort": "price"}})
        );
        // A built-in named without `protocol` keeps the built-in's.
        let a = c.provider("anthropic").unwrap();
        assert_eq!(a.protocol, Protocol::Anthropic);
        assert_eq!(a.base_url.as_deref(), Some("https://api.anthropic.com"));
        assert_eq!(a.api_key_env.as_deref(), Some("MY_ANTHROPIC_KEY"));
        let e = parse(
            "[[providers]]\nname = \"x\"\nbase_url = \"http://h/v1\"\n[providers.base_urls]\ngrpc = \"http://h\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(e.message.contains("grpc"), "{e}");
    }

    #[test]
    fn local_servers_only_when_named() {
        let c = Config::default();
        assert!(
            c.providers().iter().all(|p| p.name != "ollama"),
            "a local preset must not be enabled on its own"
        );
        let ollama = c.provider("ollama").unwrap();
        assert_eq!(
            ollama.base_url.as_deref(),
            Some("http://localhost:11434/v1")
        );
        assert_eq!(ollama.api_key_env, None);
        let c = parse("[[providers]]\nname = \"vllm\"\n", Path::new("c.toml")).unwrap();
        assert!(c.providers().iter().any(|p| p.name == "vllm"));
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let text = "[[providers]]\nname = \"x\"\nbase_url = \"http://h/v1\"\nprotocol = \"grpc\"\n";
        let e = parse(text, Path::new("/tmp/c.toml")).unwrap_err();
        assert_eq!(e.line_col.map(|p| p.0), Some(4), "{e}");
        assert!(e.to_string().starts_with("/tmp/c.toml:4:"), "{e}");
        assert!(e.message.contains("openai-chat"), "{e}");

        // A built-in name needs nothing more; it inherits the preset's settings.
        let c = parse("[[providers]]\nname = \"clipia\"\n", Path::new("c.toml")).unwrap();
        let clipia = c.provider("clipia").unwrap();
        assert_eq!(clipia.base_url.as_deref(), Some("https://api.clipia.ai/v1"));
        assert_eq!(clipia.api_key_env.as_deref(), Some("CLIPIA_API_KEY"));
        let e = parse("[[providers]]\nname = \"x\"\n", Path::new("c.toml")).unwrap_err();
        assert!(e.message.contains("needs a base_url"), "{e}");

        let e = parse("default_model = \"nope\"", Path::new("c.toml")).unwrap_err();
        assert!(e.message.contains("PROVIDER/MODEL"), "{e}");

        // A misspelt key is a warning with its place, not an error.
        let l = read(
            "[[providers]]\nname = \"x\"\nbase_url = \"http://h/v1\"\napi_key_evn = \"K\"\n",
            Path::new("c.toml"),
            &|_| None,
            &[],
        )
        .unwrap();
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        assert!(l.warnings[0].message.contains("api_key_evn"));
        assert_eq!(l.warnings[0].line_col, Some((4, 1)));
    }
}
