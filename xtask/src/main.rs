//! `cargo xtask`: the project's automation, in Rust rather than shell.
//!
//! Commands:
//! - `test-matrix [--backend NAME]... [--require all|NAME,...]`: starts
//!   throwaway PostgreSQL and MariaDB/MySQL servers (or uses the URLs in
//!   `ALUDEL_TEST_POSTGRES_URL` / `ALUDEL_TEST_MYSQL_URL`), runs the
//!   workspace tests and the dialect compliance suite against every backend,
//!   prints a table of backend x suite with passed, failed and skipped
//!   counts, and stops the servers (also on failure and Ctrl-C). A backend
//!   whose server is not installed is shown as missing; `--require` makes
//!   that a failure.
//! - `bench [--quick] [--write] [--runs N] [--backend NAME]... [--bench engine|orm|compile]...
//!   [-- criterion args]`: runs the criterion benchmarks of the
//!   `aludel-bench` crate (Aludel side by side with the raw drivers and the
//!   peer crates): the engine benchmark on every backend and the ORM
//!   benchmark (against diesel and sea-orm) on SQLite and PostgreSQL, with
//!   throwaway servers as for the test matrix, each summed up in a table of
//!   medians and ratios (`--write` puts them in BENCHMARKS.md), then the
//!   compile benchmark (`--runs N`: each figure the lowest median of N runs).
//!   See `bench.rs`.
//! - `ci`: formatting, lints and the test matrix with every backend required.

mod bench;
mod servers;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;

fn cargo_cmd() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn cargo(args: &[&str]) -> bool {
    eprintln!("$ cargo {}", args.join(" "));
    match cargo_cmd().args(args).status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("xtask: cannot run cargo: {e}");
            false
        }
    }
}

const BACKENDS: &[&str] = &["sqlite", "postgres", "mysql"];

#[derive(Default, Clone, Copy)]
struct Counts {
    passed: u64,
    failed: u64,
    skipped: u64,
}

/// One `cargo test` run: its exit status and counts by suite.
struct RunResult {
    ok: bool,
    by_suite: BTreeMap<&'static str, Counts>,
}

/// Reads cargo test's output line by line: `test result: ok. N passed; M
/// failed; K ignored` per test binary (`tests/compliance.rs` counts as the
/// compliance suite, the rest as tests), and `aludel-compliance: <case>
/// skipped` lines, which turn a pass of that binary into a skip.
#[derive(Default)]
struct Parser {
    binary: String,
    skips: u64,
    by_suite: BTreeMap<&'static str, Counts>,
}

impl Parser {
    fn line(&mut self, line: &str) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Running ") {
            self.binary = rest.split_whitespace().next().unwrap_or("").to_string();
            self.skips = 0;
        } else if t.starts_with("Doc-tests ") {
            self.binary = "doc".into();
            self.skips = 0;
        }
        if t.starts_with("aludel-compliance: ") && t.contains(" skipped (") {
            self.skips += 1;
        }
        let suite = if self.binary.ends_with("compliance.rs") {
            "compliance"
        } else {
            "tests"
        };
        if let Some(rest) = t.strip_prefix("test result: ") {
            let num = |key: &str| -> u64 {
                rest.split(';')
                    .find_map(|part| {
                        let part = part
                            .trim()
                            .trim_start_matches("ok. ")
                            .trim_start_matches("FAILED. ");
                        part.strip_suffix(key).and_then(|n| n.trim().parse().ok())
                    })
                    .unwrap_or(0)
            };
            let c = self.by_suite.entry(suite).or_default();
            let skips = std::mem::take(&mut self.skips);
            c.passed += num(" passed").saturating_sub(skips);
            c.failed += num(" failed");
            c.skipped += num(" ignored") + skips;
        }
    }
}

fn run_tests(args: &[&str], env: &[(String, String)]) -> RunResult {
    eprintln!("$ cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // One stream, in order: cargo's "Running tests/x.rs" lines (stderr)
    // must precede that binary's results (stdout) for the counts.
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("exec \"$0\" \"$@\" 2>&1")
        .arg(cargo)
        .args(args)
        .stdout(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("xtask: cannot run cargo: {e}");
            return RunResult {
                ok: false,
                by_suite: BTreeMap::new(),
            };
        }
    };
    let mut parser = Parser::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            parser.line(&line);
        }
    }
    let status = child.wait();
    RunResult {
        ok: status.map(|s| s.success()).unwrap_or(false),
        by_suite: parser.by_suite,
    }
}

struct Options {
    backends: Vec<&'static str>,
    required: Vec<&'static str>,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut backends = Vec::new();
    let mut required = Vec::new();
    let mut it = args.iter();
    let backend = |name: &str| -> Result<&'static str, String> {
        BACKENDS
            .iter()
            .copied()
            .find(|b| *b == name)
            .ok_or_else(|| {
                format!(
                    "unknown backend {name:?}; expected one of {}",
                    BACKENDS.join(", ")
                )
            })
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--backend" => {
                let v = it.next().ok_or("--backend needs a name")?;
                backends.push(backend(v)?);
            }
            "--require" => {
                let v = it.next().ok_or("--require needs `all` or backend names")?;
                if v == "all" {
                    required.extend(BACKENDS);
                } else {
                    for name in v.split(',') {
                        required.push(backend(name)?);
                    }
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if backends.is_empty() {
        backends.extend(BACKENDS);
    }
    Ok(Options { backends, required })
}

/// The crate whose tests are the given backend's.
fn crate_of(backend: &str) -> &'static str {
    match backend {
        "postgres" => "aludel-postgres",
        "mysql" => "aludel-mysql",
        _ => "aludel-sqlite",
    }
}

fn url_var(backend: &str) -> &'static str {
    match backend {
        "postgres" => "ALUDEL_TEST_POSTGRES_URL",
        _ => "ALUDEL_TEST_MYSQL_URL",
    }
}

fn restart_var(backend: &str) -> &'static str {
    match backend {
        "postgres" => "ALUDEL_TEST_POSTGRES_RESTART",
        _ => "ALUDEL_TEST_MYSQL_RESTART",
    }
}

/// A backend's URL and, when known, a shell command that restarts its server.
type Endpoint = (String, Option<String>);

/// Servers started for this run, stopped when the run ends or on Ctrl-C.
static SERVERS: Mutex<Vec<servers::Server>> = Mutex::new(Vec::new());

fn stop_servers() {
    let mut s = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
    s.clear();
}

fn test_matrix(args: &[String]) -> ExitCode {
    let opts = match parse_options(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("xtask test-matrix: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = ctrlc::set_handler(|| {
        eprintln!("xtask: interrupted; stopping the test servers");
        stop_servers();
        std::process::exit(130);
    }) {
        eprintln!("xtask: cannot handle Ctrl-C ({e}); servers may outlive an interrupt");
    }

    // Where each backend lives: a URL from the environment, a server we
    // start, or nowhere.
    let mut available: Vec<(&'static str, Option<Endpoint>, String)> = Vec::new();
    for &b in &opts.backends {
        if b == "sqlite" {
            available.push((b, Some((String::new(), None)), "bundled".into()));
            continue;
        }
        if let Ok(url) = std::env::var(url_var(b)) {
            let restart = std::env::var(restart_var(b)).ok();
            available.push((b, Some((url, restart)), "from the environment".into()));
            continue;
        }
        let started = match b {
            "postgres" => servers::start_postgres(),
            _ => servers::start_mysql(),
        };
        match started {
            Ok(Some(server)) => {
                eprintln!(
                    "xtask: started {} ({}) at {}",
                    server.backend, server.version, server.url
                );
                let entry = (server.url.clone(), Some(server.restart.clone()));
                let version = server.version.clone();
                SERVERS
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(server);
                available.push((b, Some(entry), version));
            }
            Ok(None) => available.push((b, None, "not installed".into())),
            Err(e) => {
                eprintln!("xtask: cannot start the {b} server: {e}");
                available.push((
                    b,
                    None,
                    format!("failed to start: {}", e.lines().next().unwrap_or("")),
                ));
            }
        }
    }

    let mut rows: Vec<(String, &'static str, Option<Counts>)> = Vec::new();
    let mut all_ok = true;
    for (backend, where_, about) in &available {
        let Some((url, restart)) = where_ else {
            rows.push((format!("{backend} ({about})"), "tests", None));
            if opts.required.contains(backend) {
                all_ok = false;
            }
            continue;
        };
        let mut env = vec![("ALUDEL_REQUIRE_BACKENDS".to_string(), "1".to_string())];
        let result = if *backend == "sqlite" {
            // Everything that needs no server: core, SQLite, the toy
            // dialect, examples, tidy checks.
            run_tests(
                &[
                    "test",
                    "--workspace",
                    "--exclude",
                    "aludel-postgres",
                    "--exclude",
                    "aludel-mysql",
                    "--",
                    "--show-output",
                ],
                &[],
            )
        } else {
            env.push((url_var(backend).to_string(), url.clone()));
            // What a server started here adds (ALUDEL_TEST_POSTGRES_CA).
            let servers = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
            for s in servers.iter().filter(|s| s.backend == *backend) {
                env.extend(s.env.iter().cloned());
            }
            drop(servers);
            // Tests that restart the server run alone, after the others.
            // The dialect's own tests, and the ORM's, the examples' and the
            // migration runner's, which run on every backend whose URL is set.
            let main = run_tests(
                &[
                    "test",
                    "-p",
                    crate_of(backend),
                    "-p",
                    "aludel-orm",
                    "-p",
                    "aludel-examples",
                    "-p",
                    "aludel-migrate",
                    "--",
                    "--show-output",
                    "--skip",
                    "restart",
                ],
                &env,
            );
            let mut with_restart = env.clone();
            if let Some(r) = restart {
                with_restart.push((restart_var(backend).to_string(), r.clone()));
            }
            let serial = run_tests(
                &[
                    "test",
                    "-p",
                    crate_of(backend),
                    "--",
                    "restart",
                    "--test-threads=1",
                ],
                &with_restart,
            );
            let mut merged = main.by_suite;
            for (k, v) in serial.by_suite {
                let c = merged.entry(k).or_default();
                // The first run filtered the restart tests out (filtered,
                // not ignored), so nothing is counted twice.
                c.passed += v.passed;
                c.failed += v.failed;
                c.skipped += v.skipped;
            }
            RunResult {
                ok: main.ok && serial.ok,
                by_suite: merged,
            }
        };
        all_ok &= result.ok;
        for suite in ["tests", "compliance"] {
            let c = result.by_suite.get(suite).copied();
            rows.push((format!("{backend} ({about})"), suite, c));
            if c.is_some_and(|c| c.failed > 0) {
                all_ok = false;
            }
        }
        if !result.ok && result.by_suite.values().all(|c| c.failed == 0) {
            eprintln!(
                "xtask: cargo test failed for {backend} without failing tests (a build error?)"
            );
        }
    }
    stop_servers();

    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(8).max(8);
    println!();
    println!(
        "{:width$}  {:<10}  {:>7}  {:>7}  {:>7}",
        "backend", "suite", "passed", "failed", "skipped"
    );
    let mut total = Counts::default();
    for (backend, suite, c) in &rows {
        match c {
            Some(c) => {
                println!(
                    "{backend:width$}  {suite:<10}  {:>7}  {:>7}  {:>7}",
                    c.passed, c.failed, c.skipped
                );
                total.passed += c.passed;
                total.failed += c.failed;
                total.skipped += c.skipped;
            }
            None => println!("{backend:width$}  {suite:<10}  {:>7}", "missing"),
        }
    }
    println!();
    println!(
        "matrix: {} passed, {} failed, {} skipped",
        total.passed, total.failed, total.skipped
    );
    if all_ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("xtask test-matrix: FAILED (a test failed, a build failed, or a required backend is missing)");
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    match args.first().map(String::as_str) {
        Some("test-matrix") => test_matrix(rest),
        Some("bench") => bench::run(rest),
        Some("ci") => {
            let ok = cargo(&["fmt", "--all", "--", "--check"])
                && cargo(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]);
            if !ok {
                return ExitCode::FAILURE;
            }
            test_matrix(&["--require".into(), "all".into()])
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <test-matrix [--backend sqlite|postgres|mysql]... [--require all|NAMES] | bench [--quick] [--write] [--runs N] [--backend NAME]... [--bench engine|orm|compile]... [-- criterion args] | ci>"
            );
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_tests_and_compliance_separately() {
        let mut p = Parser::default();
        for line in [
            "     Running tests/engine.rs (target/debug/deps/engine-1)",
            "test result: ok. 19 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.4s",
            "     Running tests/compliance.rs (target/debug/deps/compliance-2)",
            "aludel-compliance: arrays_round_trip skipped (needs ARRAY types)",
            "aludel-compliance: ctes passed",
            "test result: FAILED. 22 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.7s",
            "   Doc-tests aludel_core",
            "test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.1s",
        ] {
            p.line(line);
        }
        let by = p.by_suite;
        let t = by["tests"];
        assert_eq!((t.passed, t.failed, t.skipped), (22, 0, 1));
        let c = by["compliance"];
        assert_eq!((c.passed, c.failed, c.skipped), (21, 1, 1));
    }

    #[test]
    fn options() {
        let o = parse_options(&[
            "--backend".into(),
            "postgres".into(),
            "--require".into(),
            "all".into(),
        ])
        .unwrap();
        assert_eq!(o.backends, vec!["postgres"]);
        assert_eq!(o.required, BACKENDS.to_vec());
        assert!(parse_options(&["--backend".into(), "oracle".into()]).is_err());
    }
}
