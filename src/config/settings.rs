//! Every plain setting of the config file, with its environment variable and its
//! documentation: the one list that `config init`, `config check`, the environment
//! overrides and the README's table are made from.
//!
//! The rule for the variable: `SWITCHBOARD_` then the dotted key, upper-cased, dots as
//! underscores (`timeouts.connect_secs` is `SWITCHBOARD_TIMEOUTS_CONNECT_SECS`). Budget
//! limits follow it per currency (`budget.USD` is `SWITCHBOARD_BUDGET_USD`). Providers and
//! key bindings are tables, not settings: providers are switched on by their key variables.

/// What a setting's value is, for reading it from an environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Str,
    /// A number (integer or decimal).
    Number,
    /// `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off` from the environment).
    Bool,
    /// A decimal amount written as a string (`"5.00"`), as money is.
    Amount,
}

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The dotted key: `default_model`, `timeouts.connect_secs`.
    pub key: &'static str,
    /// Its type.
    pub kind: Kind,
    /// An example value as written in TOML (also the default where there is one).
    pub example: &'static str,
    /// One line on what it does and its default.
    pub doc: &'static str,
}

impl Setting {
    /// The environment variable that overrides it.
    pub fn env(&self) -> String {
        env_name(self.key)
    }

    /// The table it lives in (`timeouts`), or `None` at the top level.
    pub fn table(&self) -> Option<&'static str> {
        self.key.split_once('.').map(|(t, _)| t)
    }

    /// The key inside its table.
    pub fn leaf(&self) -> &'static str {
        self.key.split_once('.').map_or(self.key, |(_, k)| k)
    }
}

/// `SWITCHBOARD_` and the key, upper-cased, dots and dashes as underscores.
pub fn env_name(key: &str) -> String {
    let mut out = String::from("SWITCHBOARD_");
    for c in key.chars() {
        out.push(match c {
            '.' | '-' => '_',
            c => c.to_ascii_uppercase(),
        });
    }
    out
}

/// Every plain setting, in the order the generated file documents them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "default_model",
        kind: Kind::Str,
        example: "\"demo/demo-fast\"",
        doc: "PROVIDER/MODEL used when a command or the UI names none (default: demo/demo-fast)",
    },
    Setting {
        key: "theme",
        kind: Kind::Str,
        example: "\"dark\"",
        doc: "UI theme: dark | light | high-contrast, or NAME for themes/NAME.toml in the config dir (default: picked from the terminal's background)",
    },
    Setting {
        key: "syntax_theme",
        kind: Kind::Str,
        example: "\"base16-ocean.dark\"",
        doc: "code highlighting theme: a syntect theme name, or NAME for themes/NAME.tmTheme in the config dir (default: the UI theme's)",
    },
    Setting {
        key: "mouse",
        kind: Kind::Bool,
        example: "true",
        doc: "capture the mouse at start (click to focus, wheel to scroll); F6 toggles it at run time so the terminal can select text (default: true)",
    },
    Setting {
        key: "timeouts.connect_secs",
        kind: Kind::Number,
        example: "10",
        doc: "seconds to open a connection (default: 10)",
    },
    Setting {
        key: "timeouts.first_byte_secs",
        kind: Kind::Number,
        example: "300",
        doc: "seconds from sending a request to its response headers (default: 300)",
    },
    Setting {
        key: "timeouts.idle_secs",
        kind: Kind::Number,
        example: "120",
        doc: "seconds allowed between two reads of a stream (default: 120)",
    },
    Setting {
        key: "store.enabled",
        kind: Kind::Bool,
        example: "true",
        doc: "false writes no history at all, like --no-store (default: true)",
    },
    Setting {
        key: "store.frames_cap_mb",
        kind: Kind::Number,
        example: "4",
        doc: "megabytes of raw frames kept per exchange; the first and last are kept (default: 4)",
    },
    Setting {
        key: "store.title_model",
        kind: Kind::Str,
        example: "\"openai/gpt-5-nano\"",
        doc: "a cheap model that titles each new conversation after its first answer \
              (one extra request; default: none, the title is the first prompt's first line)",
    },
];

/// The currencies documented for `[budget]` (any currency code is accepted).
pub const BUDGET_EXAMPLES: &[(&str, &str)] = &[("USD", "\"5.00\""), ("RUB", "\"300\"")];

/// An environment override that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError {
    /// The variable.
    pub var: String,
    /// What is wrong with its value.
    pub message: String,
}

/// Reads the `SWITCHBOARD_…` variables through `env` and writes their values into `table`
/// (the parsed config file). Returns the variables that were applied, by name.
pub fn apply_env(
    table: &mut toml::Table,
    env: &dyn Fn(&str) -> Option<String>,
    vars: &[String],
) -> Result<Vec<String>, EnvError> {
    let mut applied = Vec::new();
    for s in SETTINGS {
        let var = s.env();
        let Some(raw) = env(&var).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let value = convert(s.kind, raw.trim()).map_err(|message| EnvError {
            var: var.clone(),
            message,
        })?;
        let target = match s.table() {
            Some(t) => sub_table(table, t).map_err(|message| EnvError {
                var: var.clone(),
                message,
            })?,
            None => &mut *table,
        };
        target.insert(s.leaf().to_string(), value);
        applied.push(var);
    }
    // Budget limits: one variable per currency.
    for var in vars {
        let Some(code) = var.strip_prefix("SWITCHBOARD_BUDGET_") else {
            continue;
        };
        let Some(raw) = env(var).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let value = convert(Kind::Amount, raw.trim()).map_err(|message| EnvError {
            var: var.clone(),
            message,
        })?;
        let budget = sub_table(table, "budget").map_err(|message| EnvError {
            var: var.clone(),
            message,
        })?;
        budget.insert(code.to_string(), value);
        applied.push(var.clone());
    }
    Ok(applied)
}

fn sub_table<'a>(table: &'a mut toml::Table, name: &str) -> Result<&'a mut toml::Table, String> {
    table
        .entry(name.to_string())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .ok_or_else(|| format!("`{name}` in the config file is not a table"))
}

fn convert(kind: Kind, raw: &str) -> Result<toml::Value, String> {
    match kind {
        Kind::Str => Ok(toml::Value::String(raw.to_string())),
        Kind::Number => {
            if let Ok(i) = raw.parse::<i64>() {
                Ok(toml::Value::Integer(i))
            } else {
                raw.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(toml::Value::Float)
                    .ok_or_else(|| format!("`{raw}` is not a number"))
            }
        }
        Kind::Bool => match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(toml::Value::Boolean(true)),
            "0" | "false" | "no" | "off" => Ok(toml::Value::Boolean(false)),
            _ => Err(format!("`{raw}` is not true or false")),
        },
        Kind::Amount => raw
            .parse::<rust_decimal::Decimal>()
            .map(|_| toml::Value::String(raw.to_string()))
            .map_err(|_| format!("`{raw}` is not an amount like 5.00")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        assert_eq!(env_name("default_model"), "SWITCHBOARD_DEFAULT_MODEL");
        assert_eq!(
            env_name("timeouts.connect_secs"),
            "SWITCHBOARD_TIMEOUTS_CONNECT_SECS"
        );
        let mut names: Vec<String> = SETTINGS.iter().map(Setting::env).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SETTINGS.len());
    }

    #[test]
    fn values_are_typed_and_bad_ones_name_the_variable() {
        let env = |k: &str| match k {
            "SWITCHBOARD_THEME" => Some("light".to_string()),
            "SWITCHBOARD_TIMEOUTS_IDLE_SECS" => Some("2.5".to_string()),
            "SWITCHBOARD_MOUSE" => Some("off".to_string()),
            "SWITCHBOARD_BUDGET_USD" => Some("1.50".to_string()),
            _ => None,
        };
        let mut t = toml::Table::new();
        let vars = vec!["SWITCHBOARD_BUDGET_USD".to_string()];
        let applied = apply_env(&mut t, &env, &vars).unwrap();
        assert_eq!(applied.len(), 4, "{applied:?}");
        assert_eq!(t["theme"].as_str(), Some("light"));
        assert_eq!(t["mouse"].as_bool(), Some(false));
        assert_eq!(t["timeouts"]["idle_secs"].as_float(), Some(2.5));
        assert_eq!(t["budget"]["USD"].as_str(), Some("1.50"));

        let bad = |k: &str| (k == "SWITCHBOARD_TIMEOUTS_CONNECT_SECS").then(|| "soon".to_string());
        let e = apply_env(&mut toml::Table::new(), &bad, &[]).unwrap_err();
        assert_eq!(e.var, "SWITCHBOARD_TIMEOUTS_CONNECT_SECS");
        assert!(e.message.contains("soon"), "{e:?}");
    }
}
