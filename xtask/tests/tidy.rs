//! Tidy checks that keep the documentation true to the tree.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every backticked path in ARCHITECTURE.md (anything with a `/` and no
/// spaces or call syntax) names a file or directory that exists.
#[test]
fn architecture_paths_exist() {
    let root = root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut checked = 0;
    let mut missing = Vec::new();
    for (i, chunk) in text.split('`').enumerate() {
        let looks_like_path = i % 2 == 1
            && chunk.contains('/')
            && !chunk.contains(' ')
            && !chunk.contains('(')
            && !chunk.contains("::")
            && !chunk.starts_with('&');
        if looks_like_path {
            checked += 1;
            if !root.join(chunk).exists() {
                missing.push(chunk.to_string());
            }
        }
    }
    assert!(
        checked > 10,
        "found only {checked} paths; is the check still reading them?"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

/// The README's Quick start opens with a sh block of exactly two commands.
#[test]
fn readme_quick_start_has_two_commands() {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let after = text
        .split("## Quick start")
        .nth(1)
        .expect("a Quick start section");
    let block = after.split("```sh").nth(1).expect("a sh block");
    let body = block.split("```").next().unwrap_or("");
    let lines: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "Quick start commands: {lines:?}");
    assert!(lines[0].starts_with("cargo run"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("cargo test") || lines[1].starts_with("cargo xtask test-matrix"),
        "{}",
        lines[1]
    );
}
