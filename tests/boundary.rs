//! The engine (`src/llm/`) knows nothing of the terminal: no ratatui, no crossterm, no UI or
//! CLI modules. This test fails the day that line is crossed.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn engine_does_not_import_the_terminal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/llm");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 5, "found the engine files");
    let forbidden = [
        "ratatui",
        "crossterm",
        "crate::tui",
        "crate::cli",
        "crate::workbench",
        "super::super::tui",
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in forbidden {
            assert!(
                !text.contains(word),
                "{} mentions `{word}`: the engine must not depend on the terminal or the UI",
                file.display()
            );
        }
    }
}
