//! Reading a config leniently: unknown keys are warnings with their line and column (a typo
//! must not stop the app), environment overrides are applied on top of the file, and a
//! file that others can read and that holds a literal key is flagged.

use std::path::Path;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::settings::{EnvError, apply_env};
use super::{Config, ConfigError, line_col};

/// A problem found in a config that does not stop it from being used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line and column, when the problem has a place in the file.
    pub line_col: Option<(usize, usize)>,
    /// What is wrong and what to do.
    pub message: String,
}

impl Warning {
    /// `path:line:col: message` (or `path: message`).
    pub fn display(&self, path: &Path) -> String {
        match self.line_col {
            Some((l, c)) => format!("{}:{l}:{c}: {}", path.display(), self.message),
            None => format!("{}: {}", path.display(), self.message),
        }
    }
}

/// A config as read, with what was noticed on the way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// The config, environment overrides applied.
    pub config: Config,
    /// Unknown keys, a readable file holding a key, ...
    pub warnings: Vec<Warning>,
    /// The `SWITCHBOARD_…` variables that changed a setting.
    pub env_applied: Vec<String>,
    /// Whether there was a file at all (false: defaults only).
    pub file_exists: bool,
}

/// Deserializes the file's text, collecting every key the config does not know.
pub(super) fn deserialize(text: &str, path: &Path) -> Result<(Config, Vec<Warning>), ConfigError> {
    let err = |e: toml::de::Error| ConfigError {
        path: path.to_path_buf(),
        line_col: e.span().map(|s| line_col(text, s.start)),
        message: e.message().trim().to_string(),
    };
    let de = toml::Deserializer::parse(text).map_err(err)?;
    let mut unknown: Vec<Vec<Seg>> = Vec::new();
    let config = serde_ignored::deserialize(de, |p| unknown.push(segments(&p))).map_err(err)?;
    let root = DeTable::parse(text).ok();
    let mut warnings: Vec<Warning> = unknown
        .iter()
        .map(|segs| {
            let place = root
                .as_ref()
                .and_then(|r| key_offset(r.get_ref(), segs))
                .map(|o| line_col(text, o));
            Warning {
                line_col: place,
                message: unknown_message(segs),
            }
        })
        .collect();
    warnings.sort_by_key(|w| w.line_col);
    Ok((config, warnings))
}

/// Applies the environment on top of the file: re-reads the config from the file's table
/// with the variables' values written in. Errors name the variable.
pub(super) fn with_env(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    vars: &[String],
) -> Result<Option<(Config, Vec<String>)>, ConfigError> {
    let fail = |message: String| ConfigError {
        path: path.to_path_buf(),
        line_col: None,
        message,
    };
    let mut table: toml::Table = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
    let applied = apply_env(&mut table, env, vars)
        .map_err(|EnvError { var, message }| fail(format!("{var}: {message}")))?;
    if applied.is_empty() {
        return Ok(None);
    }
    let config = Config::deserialize(toml::Value::Table(table)).map_err(|e| {
        fail(format!(
            "{} (after the environment overrides {})",
            e.message().trim(),
            applied.join(", ")
        ))
    })?;
    Ok(Some((config, applied)))
}

/// On Unix: a file readable by its group or others that holds a literal `api_key`.
pub(super) fn readable_key(text: &str, mode: Option<u32>) -> Option<Warning> {
    let mode = mode?;
    if mode & 0o077 == 0 {
        return None;
    }
    let line = text.lines().position(|l| {
        let l = l.trim_start();
        l.starts_with("api_key") && !l.starts_with("api_key_") && l.contains('=')
    })?;
    Some(Warning {
        line_col: Some((line + 1, 1)),
        message: format!(
            "this file holds a literal api_key and others can read it (mode {:o}): run \
             `chmod 600` on it, and better use api_key_env or api_key_cmd (a literal key is \
             never read)",
            mode & 0o777
        ),
    })
}

/// The permission bits of `path`, where there are any.
pub(super) fn file_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// The line and column of the key at `path` (`["keys", "chat", "top"]`) in the file.
pub fn place_of(text: &str, path: &[&str]) -> Option<(usize, usize)> {
    let root = DeTable::parse(text).ok()?;
    let segs: Vec<Seg> = path.iter().map(|k| Seg::Key((*k).to_string())).collect();
    key_offset(root.get_ref(), &segs).map(|o| line_col(text, o))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Seg> {
    use serde_ignored::Path as P;
    match path {
        P::Root => Vec::new(),
        P::Seq { parent, index } => {
            let mut v = segments(parent);
            v.push(Seg::Index(*index));
            v
        }
        P::Map { parent, key } => {
            let mut v = segments(parent);
            v.push(Seg::Key(key.clone()));
            v
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            segments(parent)
        }
    }
}

fn dotted(segs: &[Seg]) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn unknown_message(segs: &[Seg]) -> String {
    let name = dotted(segs);
    match segs.last() {
        Some(Seg::Key(k)) if k == "api_key" => format!(
            "`{name}` is not read: keys come from api_key_env (an environment \
             variable) or api_key_cmd (a command that prints the key)"
        ),
        _ => format!("unknown key `{name}` (ignored; see `switchboard config init`)"),
    }
}

/// The byte offset of the last key of `segs` in the file.
fn key_offset(root: &DeTable<'_>, segs: &[Seg]) -> Option<usize> {
    let (last, parents) = segs.split_last()?;
    let mut value: Option<&DeValue<'_>> = None;
    let mut table = root;
    for (i, seg) in parents.iter().enumerate() {
        let v = match seg {
            Seg::Key(k) => table
                .iter()
                .find(|(key, _)| key.get_ref() == k)?
                .1
                .get_ref(),
            Seg::Index(n) => value?.as_array()?.get(*n)?.get_ref(),
        };
        value = Some(v);
        if let Some(t) = v.as_table() {
            table = t;
        } else if !matches!(parents.get(i + 1), Some(Seg::Index(_))) {
            return None;
        }
    }
    match last {
        Seg::Key(k) => table
            .iter()
            .find(|(key, _)| key.get_ref() == k)
            .map(|(key, _)| key.span().start),
        Seg::Index(n) => value?.as_array()?.get(*n).map(|v| v.span().start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_warnings_with_their_place() {
        let text = "colour = \"red\"\n[timeouts]\nconnect_secs = 5\nidle = 3\n\n[[providers]]\nname = \"x\"\nbase_url = \"http://h/v1\"\napi_key_evn = \"K\"\n";
        let (c, w) = deserialize(text, Path::new("c.toml")).unwrap();
        assert_eq!(c.timeouts.connect_secs, 5.0);
        let got: Vec<_> = w.iter().map(|w| (w.line_col, w.message.clone())).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].0, Some((1, 1)));
        assert!(got[0].1.contains("`colour`"), "{got:?}");
        assert_eq!(got[1].0, Some((4, 1)));
        assert!(got[1].1.contains("`timeouts.idle`"), "{got:?}");
        assert_eq!(got[2].0, Some((9, 1)));
        assert!(got[2].1.contains("providers[0].api_key_evn"), "{got:?}");
    }

    #[test]
    fn a_readable_literal_key_is_flagged() {
        let text = "[[providers]]\nname = \"x\"\napi_key = \"sk-1\"\n";
        let w = readable_key(text, Some(0o100644)).unwrap();
        assert_eq!(w.line_col, Some((3, 1)));
        assert!(w.message.contains("644"), "{w:?}");
        assert_eq!(readable_key(text, Some(0o100600)), None);
        assert_eq!(readable_key("api_key_env = \"K\"", Some(0o644)), None);
        assert_eq!(readable_key(text, None), None);
    }
}
