//! What the migration tests share: the backends they run on and
//! directories of revision files.
#![allow(dead_code)]

use aludel_core::engine::{create_engine_with, Engine, EngineOptions};
use std::path::PathBuf;

/// A fresh directory holding `files` as revision files, named after `test`.
pub fn dir_with(test: &str, files: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aludel_migtest_{}_{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, f) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("{i}.toml")), f).unwrap();
    }
    dir
}

/// SQLite (a file of `test`'s own) and the servers the environment names,
/// with default engine options.
pub fn backends(test: &str) -> Vec<(&'static str, Engine)> {
    backends_with(test, |_| EngineOptions::default())
}

/// [`backends`], with the engine options `options` gives for each backend.
pub fn backends_with(
    test: &str,
    options: impl Fn(&str) -> EngineOptions,
) -> Vec<(&'static str, Engine)> {
    let file =
        std::env::temp_dir().join(format!("aludel_migtest_{}_{test}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let mut out = vec![("sqlite", format!("sqlite:///{}", file.display()))];
    for (b, var) in [
        ("postgres", "ALUDEL_TEST_POSTGRES_URL"),
        ("mysql", "ALUDEL_TEST_MYSQL_URL"),
    ] {
        if let Ok(u) = std::env::var(var) {
            if !u.is_empty() {
                out.push((b, u));
            }
        }
    }
    out.into_iter()
        .map(|(b, u)| (b, create_engine_with(&u, options(b)).unwrap()))
        .collect()
}
