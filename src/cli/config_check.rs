//! `switchboard config check` and `switchboard config init`: the checks and the writing,
//! as functions of their inputs (the environment is passed in) so tests can run them.

use std::path::Path;

use crate::config::{self, Config, ConfigLocation, template};
use crate::llm::provider;
use crate::tui::highlight::Highlighter;
use crate::tui::keymap::Keymap;
use crate::tui::theme_file;

/// What `config check` found, one line per problem, then what is in effect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// `path:line:col: error: ...`, `path:line:col: warning: ...`, then notes.
    pub lines: Vec<String>,
    /// Problems that stop Switchboard.
    pub errors: usize,
    /// Problems it works around.
    pub warnings: usize,
}

impl CheckReport {
    fn problem(&mut self, path: &Path, place: Option<(usize, usize)>, error: bool, msg: &str) {
        let kind = if error { "error" } else { "warning" };
        let at = match place {
            Some((l, c)) => format!("{}:{l}:{c}", path.display()),
            None => path.display().to_string(),
        };
        self.lines.push(format!("{at}: {kind}: {msg}"));
        if error {
            self.errors += 1;
        } else {
            self.warnings += 1;
        }
    }
}

/// The environment as `config check` sees it.
pub struct Env<'a> {
    /// Reads a variable.
    pub var: &'a dyn Fn(&str) -> Option<String>,
    /// The `SWITCHBOARD_…` variables that are set.
    pub switchboard_vars: &'a [String],
    /// The user's `keymap.toml`: its path and text, when there is one.
    pub keymap_file: Option<(&'a Path, &'a str)>,
}

/// Checks the config at `loc`: the file, the environment overrides, key bindings, theme
/// names, the default model; then lists the providers that are on and why.
pub fn check(loc: &ConfigLocation, env: &Env<'_>) -> CheckReport {
    let mut r = CheckReport::default();
    let path = loc.path.as_path();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let loaded = match config::load_with_env(loc, env.var, env.switchboard_vars) {
        Ok(l) => l,
        Err(e) => {
            r.problem(&e.path, e.line_col, true, &e.message);
            return r;
        }
    };
    if !loaded.file_exists {
        r.lines.push(format!(
            "{}: no config file (defaults and the demo provider; `switchboard config init` \
             writes one with every setting)",
            path.display()
        ));
    }
    for w in &loaded.warnings {
        r.problem(path, w.line_col, false, &w.message);
    }
    let c = &loaded.config;
    check_keys(&mut r, path, &text, c, env.keymap_file);
    let dir = path.parent();
    if let Some(name) = &c.theme
        && let Err(e) = theme_file::find(name, dir)
    {
        r.problem(path, config::place_of(&text, &["theme"]), false, &e);
    }
    if let Some(name) = &c.syntax_theme {
        let known = theme_file::syntax_file(name, dir).is_some()
            || theme_file::BUILTIN_SYNTAX.iter().any(|(n, _)| n == name)
            || Highlighter::with_theme(name).is_some();
        if !known {
            let msg = format!(
                "syntax_theme `{name}` is neither a syntect theme nor themes/{name}.tmTheme \
                 in the config dir; the UI theme's is used"
            );
            r.problem(
                path,
                config::place_of(&text, &["syntax_theme"]),
                false,
                &msg,
            );
        }
    }
    let model = c.default_model();
    if let Some((p, _)) = model.split_once('/')
        && c.provider(p).is_none()
    {
        let msg = format!(
            "default_model `{model}`: provider `{p}` is not on (set its key variable or add \
             it under [[providers]])"
        );
        r.problem(
            path,
            config::place_of(&text, &["default_model"]),
            false,
            &msg,
        );
    }
    if !loaded.env_applied.is_empty() {
        r.lines.push(format!(
            "environment overrides: {}",
            loaded.env_applied.join(", ")
        ));
    }
    r.lines.push(providers_line(c, env.var));
    r.lines.push(format!(
        "{} error{}, {} warning{}",
        r.errors,
        plural(r.errors),
        r.warnings,
        plural(r.warnings)
    ));
    r
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Each `[keys.<scope>] action` on its own against the shipped keymap, so every bad one
/// is reported at its line; then `keymap.toml` as a whole.
fn check_keys(
    r: &mut CheckReport,
    path: &Path,
    text: &str,
    c: &Config,
    keymap_file: Option<(&Path, &str)>,
) {
    let Ok(base) = Keymap::builtin() else {
        return;
    };
    for (scope, entries) in &c.keys {
        if entries.is_empty() {
            let mut km = base.clone();
            let mut t = toml::Table::new();
            t.insert(scope.clone(), toml::Value::Table(toml::Table::new()));
            for e in km.merge_table(&t).errors {
                let place = config::place_of(text, &["keys", scope]);
                r.problem(path, place, false, e.trim_start_matches("keymap: "));
            }
        }
        for (action, keys) in entries {
            let mut one = toml::Table::new();
            one.insert(action.clone(), keys.clone());
            let mut t = toml::Table::new();
            t.insert(scope.clone(), toml::Value::Table(one));
            let mut km = base.clone();
            let report = km.merge_table(&t);
            let place = config::place_of(text, &["keys", scope, action]);
            for e in report.errors.iter().chain(&report.conflicts) {
                r.problem(path, place, false, e.trim_start_matches("keymap: "));
            }
        }
    }
    if let Some((kpath, ktext)) = keymap_file {
        let mut km = base;
        match toml::from_str::<toml::Table>(ktext) {
            Ok(t) => {
                let report = km.merge_table(&t);
                for e in report.errors.iter().chain(&report.conflicts) {
                    r.problem(kpath, None, false, e.trim_start_matches("keymap: "));
                }
            }
            Err(e) => {
                let place = e.span().map(|s| line_col_of(ktext, s.start));
                r.problem(kpath, place, false, e.message().trim());
            }
        }
    }
}

fn line_col_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `providers on: demo (built in), clipia (CLIPIA_API_KEY is set), ...; off: ...`.
pub fn providers_line(c: &Config, var: &dyn Fn(&str) -> Option<String>) -> String {
    let set = |v: &str| var(v).is_some_and(|x| !x.trim().is_empty());
    let on: Vec<String> = c
        .providers()
        .into_iter()
        .map(|p| {
            let why = if c.providers.iter().any(|q| q.name == p.name) {
                "in the config".to_string()
            } else if p.name == provider::DEMO {
                "built in".to_string()
            } else {
                format!("{} is set", p.api_key_env.as_deref().unwrap_or("its key"))
            };
            format!("{} ({why})", p.name)
        })
        .collect();
    let off: Vec<String> = provider::presets()
        .into_iter()
        .filter(|p| !c.providers().iter().any(|q| q.name == p.name))
        .filter_map(|p| {
            let v = p.api_key_env?;
            (!set(&v)).then(|| format!("{} ({v})", p.name))
        })
        .collect();
    let mut line = format!("providers on: {}", on.join(", "));
    if !off.is_empty() {
        line.push_str(&format!("; off until their key is set: {}", off.join(", ")));
    }
    line
}

/// `on by their key variable: openai (OPENAI_API_KEY), ...`, when any built-in provider is
/// on only because its key variable is set.
pub fn by_key_line(c: &Config) -> Option<String> {
    let by_key: Vec<String> = c
        .providers()
        .into_iter()
        .filter(|p| p.name != provider::DEMO && !c.providers.iter().any(|q| q.name == p.name))
        .map(|p| format!("{} ({})", p.name, p.api_key_env.unwrap_or_default()))
        .collect();
    (!by_key.is_empty()).then(|| format!("on by their key variable: {}", by_key.join(", ")))
}

/// Writes the commented config to `loc` (refusing to replace a file unless `force`), with
/// owner-only permissions. Returns what to tell the user.
pub fn init(
    loc: &ConfigLocation,
    force: bool,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let path = &loc.path;
    if path.exists() && !force {
        return Err(format!(
            "{} already exists; edit it, or run `switchboard config init --force` to replace \
             it with a fresh commented one",
            path.display()
        ));
    }
    let text = template::template(&|v| var(v).is_some_and(|x| !x.trim().is_empty()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_private(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let c = config::parse(&text, path).map_err(|e| format!("internal error: {e}"))?;
    Ok(format!(
        "wrote {}\n{}\nnext: set a provider's key variable (e.g. export OPENAI_API_KEY=...), or \
         switch on a [[providers]] entry in the file; `switchboard config check` checks it",
        path.display(),
        providers_line(&c, var)
    ))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())
}
