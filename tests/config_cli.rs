//! The config as a user meets it: `config init` writes a commented file that reads back
//! clean, `config check` points at each problem's line and column (unknown keys are
//! warnings), `SWITCHBOARD_…` variables override the file, a readable file holding a key
//! is flagged, and `completions` prints a script for every shell.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard::config::{self, ConfigLocation, template};

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory for one test.
fn temp_dir() -> PathBuf {
    let n = DIRS.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("sb-config-cli-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `switchboard ARGS` with HOME and the config dirs in `home`, no provider key and no
/// `SWITCHBOARD_…` variable but those given.
fn run(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("SWITCHBOARD_NO_STORE", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn init_writes_a_file_that_checks_clean_and_refuses_to_overwrite() {
    let home = temp_dir();
    let file = home.join("sb").join("config.toml");
    let f = file.to_str().unwrap();
    let o = run(&home, &["--config", f, "config", "init"], &[]);
    // `--config` names a file that must exist for other commands, but init creates it.
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("wrote"), "{}", text(&o));
    let written = std::fs::read_to_string(&file).unwrap();
    for preset in switchboard::llm::provider::presets() {
        let var = preset.api_key_env.unwrap();
        assert!(written.contains(&format!("#name = \"{}\"", preset.name)));
        assert!(written.contains(&var), "{var} is not in the file");
    }
    for s in config::settings::SETTINGS {
        assert!(written.contains(&s.env()), "{} is not documented", s.key);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the file is private: {mode:o}");
    }
    let o = run(&home, &["--config", f, "config", "check"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 errors, 0 warnings"), "{}", text(&o));

    std::fs::write(&file, "# mine\n").unwrap();
    let o = run(&home, &["--config", f, "config", "init"], &[]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--force"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# mine\n");
    let o = run(&home, &["--config", f, "config", "init", "--force"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_ne!(std::fs::read_to_string(&file).unwrap(), "# mine\n");
}

#[test]
fn every_documented_setting_is_real() {
    // Switch every commented-out line on: the result must read without one warning, so a
    // setting documented in the file but unknown to the code fails here.
    let t = template::template(&|_| false);
    let all_on = template::uncommented(&t);
    let loaded = config::read(&all_on, Path::new("all-on.toml"), &|_| None, &[])
        .unwrap_or_else(|e| panic!("{e}\n{all_on}"));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = loaded.config;
    assert_eq!(c.theme.as_deref(), Some("dark"));
    assert_eq!(c.mouse, Some(true));
    assert!(c.providers.iter().any(|p| p.name == "gateway"));
    assert!(c.keys.contains_key("global") && c.keys.contains_key("palette"));
    // And as the file stands, nothing is switched on.
    let as_written = config::parse(&t, Path::new("t.toml")).unwrap();
    assert_eq!(as_written, config::Config::default());
}

#[test]
fn check_points_at_lines_and_columns() {
    let home = temp_dir();
    let file = home.join("config.toml");
    let f = file.to_str().unwrap();
    std::fs::write(
        &file,
        "theme = \"light\"\ncolour = \"red\"\n\n[timeouts]\nconect_secs = 3\n\n[keys.chat]\ntop = \"hyper-t\"\n",
    )
    .unwrap();
    let o = run(&home, &["--config", f, "config", "check"], &[]);
    let out = text(&o);
    assert!(o.status.success(), "warnings only: {out}");
    assert!(
        out.contains(&format!("{f}:2:1: warning: unknown key `colour`")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{f}:5:1: warning: unknown key `timeouts.conect_secs`"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{f}:8:1: warning: [chat] top: unknown key `hyper-t`"
        )),
        "{out}"
    );
    assert!(out.contains("0 errors, 3 warnings"), "{out}");

    // An error: the wrong type, at its line and column; exit code 1.
    std::fs::write(&file, "[timeouts]\nidle_secs = \"long\"\n").unwrap();
    let o = run(&home, &["--config", f, "config", "check"], &[]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains(&format!("{f}:2:13: error:")),
        "{}",
        text(&o)
    );

    // Broken TOML.
    std::fs::write(&file, "default_model = \n").unwrap();
    let o = run(&home, &["--config", f, "config", "check"], &[]);
    assert!(!o.status.success());
    assert!(text(&o).contains(&format!("{f}:1:")), "{}", text(&o));

    // Unknown keys never stop a command either: a warning on stderr, then the work.
    std::fs::write(&file, "colour = \"red\"\n").unwrap();
    let o = run(&home, &["--config", f, "ask", "hello"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("warning: "),
        "{}",
        text(&o)
    );
}

#[cfg(unix)]
#[test]
fn a_readable_file_with_a_literal_key_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let home = temp_dir();
    let file = home.join("config.toml");
    let f = file.to_str().unwrap();
    std::fs::write(
        &file,
        "[[providers]]\nname = \"openai\"\napi_key = \"sk-live-123\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = run(&home, &["--config", f, "config", "check"], &[]);
    let out = text(&o);
    assert!(
        out.contains(&format!(
            "{f}:3:1: warning: this file holds a literal api_key"
        )),
        "{out}"
    );
    assert!(out.contains("providers[0].api_key` is not read"), "{out}");
    assert!(
        !out.contains("sk-live-123"),
        "the key is never printed: {out}"
    );
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(&home, &["--config", f, "config", "check"], &[]);
    assert!(!text(&o).contains("others can read it"), "{}", text(&o));
}

#[test]
fn environment_variables_override_the_file() {
    let dir = temp_dir();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        "default_model = \"demo/demo-coder\"\ntheme = \"dark\"\n[timeouts]\nidle_secs = 60\n",
    )
    .unwrap();
    let loc = ConfigLocation {
        path: file.clone(),
        explicit: true,
    };
    let env = |k: &str| match k {
        "SWITCHBOARD_DEFAULT_MODEL" => Some("demo/demo-fast".to_string()),
        "SWITCHBOARD_THEME" => Some("high-contrast".to_string()),
        "SWITCHBOARD_TIMEOUTS_IDLE_SECS" => Some("7.5".to_string()),
        "SWITCHBOARD_STORE_ENABLED" => Some("0".to_string()),
        "SWITCHBOARD_BUDGET_USD" => Some("2.50".to_string()),
        _ => None,
    };
    let vars = vec!["SWITCHBOARD_BUDGET_USD".to_string()];
    let l = config::load_with_env(&loc, &env, &vars).unwrap();
    assert_eq!(l.config.default_model.as_deref(), Some("demo/demo-fast"));
    assert_eq!(l.config.theme.as_deref(), Some("high-contrast"));
    assert_eq!(l.config.timeouts.idle_secs, 7.5);
    assert!(!l.config.store.enabled);
    assert_eq!(l.config.budget.limits.len(), 1);
    assert_eq!(l.env_applied.len(), 5, "{:?}", l.env_applied);

    // A bad value names its variable; an override that breaks a rule says so.
    let bad = |k: &str| (k == "SWITCHBOARD_MOUSE").then(|| "sometimes".to_string());
    let e = config::load_with_env(&loc, &bad, &[]).unwrap_err();
    assert!(
        e.message.contains("SWITCHBOARD_MOUSE") && e.message.contains("sometimes"),
        "{e}"
    );
    let bad = |k: &str| (k == "SWITCHBOARD_DEFAULT_MODEL").then(|| "nope".to_string());
    let e = config::load_with_env(&loc, &bad, &[]).unwrap_err();
    assert!(e.message.contains("default_model"), "{e}");

    // The same through the binary, with no file at all.
    let home = temp_dir();
    let o = run(
        &home,
        &["config", "check"],
        &[
            ("SWITCHBOARD_DEFAULT_MODEL", "demo/demo-reasoner"),
            ("OPENAI_API_KEY", "sk-x"),
        ],
    );
    let out = text(&o);
    assert!(
        out.contains("environment overrides: SWITCHBOARD_DEFAULT_MODEL"),
        "{out}"
    );
    assert!(out.contains("openai (OPENAI_API_KEY is set)"), "{out}");
}

#[test]
fn completions_for_every_shell() {
    let home = temp_dir();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(&home, &["completions", shell], &[]);
        assert!(o.status.success(), "{shell}: {}", text(&o));
        let script = String::from_utf8_lossy(&o.stdout);
        assert!(script.len() > 500, "{shell}: {script}");
        assert!(script.contains("switchboard"), "{shell}");
        assert!(
            script.contains("completions"),
            "{shell}: subcommands are completed"
        );
    }
    let o = run(&home, &["completions", "tcsh"], &[]);
    assert!(!o.status.success());
}

#[test]
fn a_first_run_says_how_to_add_a_provider() {
    use switchboard::cli::ui::launch_for;
    let loc = ConfigLocation {
        path: PathBuf::from("/nowhere/config.toml"),
        explicit: false,
    };
    let fresh = config::Loaded::default();
    let launch = launch_for(&loc, &fresh, None, || None);
    let hint = launch.welcome.expect("a first-run hint");
    assert!(hint.contains("switchboard config init"), "{hint}");
    assert!(launch.problems.is_empty(), "{:?}", launch.problems);

    // With a file, no hint; its warnings and a theme that is not there become notices.
    let with_file = config::Loaded {
        file_exists: true,
        warnings: vec![config::Warning {
            line_col: Some((3, 1)),
            message: "unknown key `colour`".into(),
        }],
        ..config::Loaded::default()
    };
    let launch = launch_for(&loc, &with_file, Some("neon"), || None);
    assert_eq!(launch.welcome, None);
    assert_eq!(
        launch.problems[0],
        "/nowhere/config.toml:3:1: unknown key `colour`"
    );
    assert!(
        launch.problems[1].contains("no theme `neon`"),
        "{:?}",
        launch.problems
    );
}
