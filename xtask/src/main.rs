//! `cargo xtask`: the project's automation, in Rust rather than shell.
//!
//! Commands:
//! - `bench [-- criterion args]`: runs the criterion benchmarks of the
//!   `aludel-bench` crate (Aludel side by side with the peer crates).
//! - `ci`: formatting, lints and the test suite, as `.ci/run` does after
//!   installing what a fresh machine lacks.

use std::process::{Command, ExitCode};

fn cargo(args: &[&str]) -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("$ cargo {}", args.join(" "));
    match Command::new(cargo).args(args).status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("xtask: cannot run cargo: {e}");
            false
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ok = match args.first().map(String::as_str) {
        Some("bench") => {
            let mut a = vec!["bench", "-p", "aludel-bench"];
            a.extend(args[1..].iter().map(String::as_str));
            cargo(&a)
        }
        Some("ci") => {
            cargo(&["fmt", "--all", "--", "--check"])
                && cargo(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ])
                && cargo(&["test", "--workspace"])
        }
        _ => {
            eprintln!("usage: cargo xtask <bench [-- criterion args] | ci>");
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
