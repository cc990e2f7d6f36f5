//! `cargo xtask bench`: the criterion benchmarks of the `aludel-bench` crate.
//!
//! The engine benchmark (`bench/benches/engine.rs`) runs every workload on
//! SQLite and, when their servers are reachable, PostgreSQL and MariaDB/MySQL:
//! throwaway servers are started as for the test matrix (unless
//! `ALUDEL_BENCH_POSTGRES_URL` / `ALUDEL_BENCH_MYSQL_URL` name existing ones)
//! and stopped afterwards, also on failure and Ctrl-C. Criterion's output is
//! read as it streams by, and one table of workload x backend x
//! implementation is printed: criterion's median time per iteration and
//! its ratio to the raw driver's. `--write` puts that table, with the
//! machine, the servers and the command, in BENCHMARKS.md between
//! `<!-- bench:engine:start -->` and `<!-- bench:engine:end -->`.
//!
//! The ORM benchmark (`bench/benches/orm.rs`) runs the same way on SQLite
//! and PostgreSQL, with more implementations per workload (Aludel's
//! session tracked and untracked, the raw driver, diesel, sea-orm); its
//! table adds the ratios to the raw driver and to the peers and the
//! verdict of issue #5's targets, and `--write` puts it between
//! `<!-- bench:orm:start -->` and `<!-- bench:orm:end -->`.
//!
//! The compile benchmark (`bench/benches/compile.rs`) runs last: its table
//! gives each workload and dialect Aludel's medians uncached and cached,
//! sea-query's, their ratios and the verdict of issue #2's targets, and
//! `--write` puts it between `<!-- bench:compile:start -->` and
//! `<!-- bench:compile:end -->`; BENCHMARKS.md's first part describes it.

use crate::{servers, stop_servers, SERVERS};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// The most an Aludel figure may take, as a multiple of the raw driver's.
const TARGET_RATIO: f64 = 1.15;

const START_MARKER: &str = "<!-- bench:engine:start -->";
const END_MARKER: &str = "<!-- bench:engine:end -->";

/// ORM targets (issue #5): untracked loads at most 1.2x the raw driver,
/// tracked loads at most 2x, and faster than sea-orm everywhere.
const ORM_PLAIN_RATIO: f64 = 1.2;
const ORM_TRACKED_RATIO: f64 = 2.0;

/// The ORM benchmark's workload of issue #6, tabled apart from the others.
const ASSOC_WORKLOAD: &str = "loading_associations";
/// Issue #6's target: Aludel's association loading at most 1.3x the raw
/// driver's code, and faster than diesel and sea-orm.
const ASSOC_RATIO: f64 = 1.3;
/// The Aludel strategies of that workload, each judged: tracked, then
/// untracked (`plain()`).
const ASSOC_STRATEGIES: &[&str] = &[
    "aludel_selectin",
    "aludel_joined",
    "aludel_selectin_plain",
    "aludel_joined_plain",
];

const ORM_START_MARKER: &str = "<!-- bench:orm:start -->";
const ORM_END_MARKER: &str = "<!-- bench:orm:end -->";

/// The benchmarks that `--bench` selects, in the order they run.
const BENCHES: &[&str] = &["engine", "orm", "compile"];

/// Criterion settings of `--quick`.
const QUICK: &[&str] = &[
    "--warm-up-time",
    "0.5",
    "--measurement-time",
    "1",
    "--sample-size",
    "10",
];

const USAGE: &str =
    "usage: cargo xtask bench [--quick] [--write] [--runs N] [--backend sqlite|postgres|mysql]... \
     [--bench engine|orm|compile]... [-- criterion args]";

#[derive(Debug, PartialEq)]
struct Options {
    quick: bool,
    /// Runs of each tabled benchmark; each figure is the lowest median.
    runs: u32,
    write: bool,
    backends: Vec<&'static str>,
    benches: Vec<&'static str>,
    criterion: Vec<String>,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        quick: false,
        runs: 1,
        write: false,
        backends: Vec::new(),
        benches: Vec::new(),
        criterion: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--" => {
                o.criterion.extend(it.by_ref().cloned());
            }
            "--quick" => o.quick = true,
            "--runs" => {
                let v = it.next().ok_or("--runs needs a number")?;
                o.runs = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--runs needs a positive number, not {v:?}"))?;
            }
            "--write" => o.write = true,
            "--backend" => {
                let v = it.next().ok_or("--backend needs a name")?;
                let b = crate::BACKENDS
                    .iter()
                    .copied()
                    .find(|b| b == v)
                    .ok_or_else(|| {
                        format!(
                            "unknown backend {v:?}; expected one of {}",
                            crate::BACKENDS.join(", ")
                        )
                    })?;
                if !o.backends.contains(&b) {
                    o.backends.push(b);
                }
            }
            "--bench" => {
                let v = it.next().ok_or("--bench needs engine, orm or compile")?;
                let b = BENCHES.iter().copied().find(|b| b == v).ok_or_else(|| {
                    format!("unknown benchmark {v:?}; expected engine, orm or compile")
                })?;
                if !o.benches.contains(&b) {
                    o.benches.push(b);
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if o.backends.is_empty() {
        o.backends.extend(crate::BACKENDS);
    }
    if o.benches.is_empty() {
        o.benches.extend(BENCHES);
    }
    // In the order they run, whatever the order of the flags.
    o.benches
        .sort_by_key(|b| BENCHES.iter().position(|x| x == b));
    Ok(o)
}

fn url_var(backend: &str) -> &'static str {
    match backend {
        "postgres" => "ALUDEL_BENCH_POSTGRES_URL",
        _ => "ALUDEL_BENCH_MYSQL_URL",
    }
}

/// Where a backend's database is, as the table's notes tell it.
struct BackendInfo {
    name: &'static str,
    url: Option<String>,
    /// "bundled", the server's version, or why it is missing.
    about: String,
}

/// Finds or starts the servers of the selected backends.
fn locate(backends: &[&'static str]) -> Vec<BackendInfo> {
    let mut out = Vec::new();
    for &b in backends {
        if b == "sqlite" {
            out.push(BackendInfo {
                name: b,
                url: Some(String::new()),
                about: "SQLite (bundled with rusqlite), in memory".into(),
            });
            continue;
        }
        if let Some(url) = std::env::var(url_var(b)).ok().filter(|u| !u.is_empty()) {
            out.push(BackendInfo {
                name: b,
                url: Some(url),
                about: format!("a server from {}", url_var(b)),
            });
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
                let info = BackendInfo {
                    name: b,
                    url: Some(server.url.clone()),
                    about: format!("{}, a throwaway server on 127.0.0.1", server.version),
                };
                SERVERS
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(server);
                out.push(info);
            }
            Ok(None) => out.push(BackendInfo {
                name: b,
                url: None,
                about: "not installed".into(),
            }),
            Err(e) => {
                eprintln!("xtask: cannot start the {b} server: {e}");
                out.push(BackendInfo {
                    name: b,
                    url: None,
                    about: format!("failed to start: {}", e.lines().next().unwrap_or("")),
                });
            }
        }
    }
    out
}

/// One benchmark's result as criterion printed it.
#[derive(Debug, Clone, PartialEq)]
struct Measured {
    id: String,
    /// The middle value of criterion's `time:` line, in nanoseconds.
    printed_ns: f64,
}

/// Reads criterion's output line by line: a benchmark id alone on its line
/// (or at the start of the `time:` line when it is short), then
/// `time:   [low mid high]`.
#[derive(Default)]
struct OutputParser {
    pending_id: Option<String>,
    results: Vec<Measured>,
    /// `engine bench: <backend> server: <version>` lines (or `orm bench:`).
    versions: BTreeMap<String, String>,
}

impl OutputParser {
    fn line(&mut self, line: &str) {
        let t = line.trim();
        if let Some(rest) = t
            .strip_prefix("engine bench: ")
            .or_else(|| t.strip_prefix("orm bench: "))
        {
            if let Some((backend, version)) = rest.split_once(" server: ") {
                self.versions
                    .insert(backend.trim().to_string(), version.trim().to_string());
            }
            return;
        }
        if let Some(at) = t.find("time:") {
            let before = t[..at].trim();
            let id = if before.is_empty() {
                self.pending_id.take()
            } else {
                Some(before.to_string())
            };
            if let (Some(id), Some(ns)) = (id, middle_ns(&t[at + "time:".len()..])) {
                self.results.push(Measured { id, printed_ns: ns });
            }
            self.pending_id = None;
            return;
        }
        let looks_like_id = !t.is_empty()
            && !line.starts_with(char::is_whitespace)
            && !t.contains(char::is_whitespace)
            && t.contains('/');
        if looks_like_id {
            self.pending_id = Some(t.to_string());
        }
    }
}

/// The middle value of `[1.2 µs 1.3 µs 1.4 µs]`, in nanoseconds.
fn middle_ns(s: &str) -> Option<f64> {
    let inner = s.trim().strip_prefix('[')?.split(']').next()?;
    let words: Vec<&str> = inner.split_whitespace().collect();
    if words.len() != 6 {
        return None;
    }
    let value: f64 = words[2].parse().ok()?;
    let scale = match words[3] {
        "ps" => 1e-3,
        "ns" => 1.0,
        "µs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    Some(value * scale)
}

/// Criterion's median for a benchmark id, from the `estimates.json` it
/// writes under `<target>/criterion/<group>/<function>/new/`.
fn median_ns(target: &Path, id: &str) -> Option<f64> {
    let (group, function) = id.rsplit_once('/')?;
    let path = target
        .join("criterion")
        .join(filename_safe(group))
        .join(filename_safe(function))
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let after = &text[text.find("\"median\"")?..];
    let after = &after[after.find("\"point_estimate\"")? + "\"point_estimate\"".len()..];
    let number: String = after
        .trim_start_matches([':', ' '])
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number.parse().ok()
}

/// Criterion's directory name for a group or function name.
fn filename_safe(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if "?\"/\\*<>:|^".contains(c) { '_' } else { c })
        .collect();
    // Criterion cuts names at 64 bytes, on a character boundary.
    if out.len() > 64 {
        let mut end = 64;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

/// The workspace's target directory (`CARGO_TARGET_DIR` or `target/`).
fn target_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        return if d.is_absolute() {
            d
        } else {
            workspace_root().join(d)
        };
    }
    workspace_root().join("target")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs cargo with its stderr merged into stdout, passing every line
/// through and to `each`; whether it succeeded.
fn run_streaming(args: &[String], env: &[(String, String)], each: &mut dyn FnMut(&str)) -> bool {
    eprintln!("$ cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
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
            return false;
        }
    };
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            each(&line);
        }
    }
    child.wait().map(|s| s.success()).unwrap_or(false)
}

/// One row of the table: a workload on a backend, and each
/// implementation's median.
#[derive(Clone)]
struct TableRow {
    workload: String,
    backend: String,
    medians: Vec<Option<f64>>,
}

struct Table {
    implementations: Vec<String>,
    rows: Vec<TableRow>,
}

/// Groups `<backend>/<workload>/<implementation>` results into rows, in
/// the order criterion ran them; the raw driver's column comes first.
fn table(results: &[(String, f64)]) -> Table {
    let mut implementations: Vec<String> = Vec::new();
    let mut rows: Vec<TableRow> = Vec::new();
    let mut cells: Vec<(usize, String, f64)> = Vec::new();
    for (id, ns) in results {
        let Some((rest, implementation)) = id.rsplit_once('/') else {
            continue;
        };
        let Some((backend, workload)) = rest.split_once('/') else {
            continue;
        };
        if !implementations.iter().any(|i| i == implementation) {
            implementations.push(implementation.to_string());
        }
        let row = match rows
            .iter()
            .position(|r| r.backend == backend && r.workload == workload)
        {
            Some(i) => i,
            None => {
                rows.push(TableRow {
                    workload: workload.to_string(),
                    backend: backend.to_string(),
                    medians: Vec::new(),
                });
                rows.len() - 1
            }
        };
        cells.push((row, implementation.to_string(), *ns));
    }
    if let Some(raw) = implementations.iter().position(|i| i == "raw") {
        let raw = implementations.remove(raw);
        implementations.insert(0, raw);
    }
    for r in &mut rows {
        r.medians = vec![None; implementations.len()];
    }
    for (row, implementation, ns) in cells {
        if let Some(col) = implementations.iter().position(|i| *i == implementation) {
            rows[row].medians[col] = Some(ns);
        }
    }
    // By workload (in the order they first ran), then backend.
    let mut workload_order: Vec<String> = Vec::new();
    for r in &rows {
        if !workload_order.contains(&r.workload) {
            workload_order.push(r.workload.clone());
        }
    }
    let backend_rank = |b: &str| {
        crate::BACKENDS
            .iter()
            .position(|x| *x == b)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_key(|r| {
        (
            workload_order.iter().position(|w| *w == r.workload),
            backend_rank(&r.backend),
        )
    });
    Table {
        implementations,
        rows,
    }
}

impl TableRow {
    /// Each implementation's median divided by the raw driver's (column 0).
    fn ratio(&self, col: usize) -> Option<f64> {
        match (self.medians.first().copied().flatten(), self.medians[col]) {
            (Some(raw), Some(x)) if raw > 0.0 => Some(x / raw),
            _ => None,
        }
    }
}

/// `480.7 ns`, `15.66 µs`, `1.408 ms`: four significant digits.
fn duration(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let decimals = if v >= 100.0 {
        1
    } else if v >= 10.0 {
        2
    } else {
        3
    };
    format!("{v:.decimals$} {unit}")
}

fn verdict(ratio: f64) -> &'static str {
    if ratio <= TARGET_RATIO {
        "met"
    } else {
        "missed"
    }
}

/// The header and cells of the table, as text.
fn cells(t: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["workload".to_string(), "backend".to_string()];
    for (i, name) in t.implementations.iter().enumerate() {
        header.push(format!("{name} median"));
        if i > 0 {
            header.push(format!("{name} / raw"));
            header.push(format!("target (≤ {TARGET_RATIO:.2}x)"));
        }
    }
    let mut body = Vec::new();
    for r in &t.rows {
        let mut line = vec![r.workload.clone(), r.backend.clone()];
        for (i, m) in r.medians.iter().enumerate() {
            line.push(m.map(duration).unwrap_or_else(|| "-".into()));
            if i > 0 {
                match r.ratio(i) {
                    Some(x) => {
                        line.push(format!("{x:.2}x"));
                        line.push(verdict(x).to_string());
                    }
                    None => {
                        line.push("-".into());
                        line.push("-".into());
                    }
                }
            }
        }
        body.push(line);
    }
    (header, body)
}

fn print_table(t: &Table) {
    print_cells(&cells(t));
}

fn print_cells((header, body): &(Vec<String>, Vec<Vec<String>>)) {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            body.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cols: &[String]| {
        cols.iter()
            .enumerate()
            .map(|(c, s)| {
                let pad = widths[c] - s.chars().count();
                if c < 2 {
                    format!("{s}{}", " ".repeat(pad))
                } else {
                    format!("{}{s}", " ".repeat(pad))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!();
    println!("{}", line(header));
    for r in body {
        println!("{}", line(r));
    }
}

fn markdown_table(t: &Table) -> String {
    markdown_cells(&cells(t))
}

fn markdown_cells((header, body): &(Vec<String>, Vec<Vec<String>>)) -> String {
    let mut s = format!("| {} |\n", header.join(" | "));
    s.push_str(&format!(
        "|{}\n",
        (0..header.len())
            .map(|c| if c < 2 { "---|" } else { "---:|" })
            .collect::<String>()
    ));
    for r in body {
        s.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    s
}

/// One line per workload and backend on which an implementation missed
/// the target, and a count of those that met it.
fn target_lines(t: &Table) -> String {
    let mut met = 0;
    let mut total = 0;
    let mut missed = Vec::new();
    for r in &t.rows {
        for (i, name) in t.implementations.iter().enumerate().skip(1) {
            if let Some(x) = r.ratio(i) {
                total += 1;
                if x <= TARGET_RATIO {
                    met += 1;
                } else {
                    missed.push(format!(
                        "- missed: {name} on {} `{}`, {x:.2}x the raw driver's time",
                        r.backend, r.workload
                    ));
                }
            }
        }
    }
    let mut s = format!(
        "Target: at most {TARGET_RATIO:.2}x the raw driver's median. Met on {met} of {total} \
         workload and backend pairs{}\n",
        if missed.is_empty() {
            "."
        } else {
            "; missed on:"
        }
    );
    if !missed.is_empty() {
        s.push('\n');
        for m in missed {
            s.push_str(&m);
            s.push('\n');
        }
    }
    s
}

fn first_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let s = String::from_utf8_lossy(&out.stdout);
    s.lines().next().map(|l| l.trim().to_string())
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
}

fn load_average() -> Option<String> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    s.split_whitespace().next().map(str::to_string)
}

struct RunNotes {
    command: String,
    load_before: Option<String>,
    load_after: Option<String>,
    backends: Vec<(String, String)>,
}

/// `- Machine: ...`, one line per backend, `extra` (more list items), and
/// the command.
fn machine_notes(notes: &RunNotes, extra: &str) -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "?".into());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc = first_line(&rustc, &["-V"]).unwrap_or_else(|| "rustc (unknown version)".into());
    let mut s = format!(
        "- Machine: {cpus} CPUs{}; load average {} at the start and {} at the end of the run \
         (the machine is shared with other work, so the figures are noisy). {rustc}, the `bench` \
         profile.\n",
        cpu_model().map(|m| format!(" ({m})")).unwrap_or_default(),
        notes.load_before.as_deref().unwrap_or("?"),
        notes.load_after.as_deref().unwrap_or("?"),
    );
    for (backend, about) in &notes.backends {
        s.push_str(&format!("- {backend}: {about}\n"));
    }
    s.push_str(extra);
    s.push_str(&format!("- Command: `{}`\n\n", notes.command));
    s
}

fn section(t: &Table, notes: &RunNotes) -> String {
    let mut s = String::new();
    s.push_str(START_MARKER);
    s.push('\n');
    s.push_str("## Engine: Aludel Core against the raw drivers\n\n");
    s.push_str(
        "Written by `cargo xtask bench --write`. Each workload of \
         `bench/benches/engine.rs` runs on each backend in the same criterion run: \
         `raw`, the driver alone (rusqlite, tokio-postgres, mysql_async with statements \
         prepared once); `aludel`, the statement built afresh every iteration with \
         Aludel's builders (and its SQL found in the engine's statement cache), run through \
         an engine connection and decoded with `#[derive(FromRow)]`; and `aludel_prepared`, \
         the same statement built and compiled once with `bindparam` placeholders \
         (`Engine::prepare`) and run with new values each iteration. The workloads and their data follow diesel's benchmark suite; \
         the benchmark's documentation gives the details. Each figure is criterion's median \
         time per iteration (from its `estimates.json`); the ratio is Aludel's median divided \
         by the raw driver's.\n\n",
    );
    s.push_str(&machine_notes(notes, ""));
    s.push_str(&markdown_table(t));
    s.push('\n');
    s.push_str(&target_lines(t));
    s.push_str(END_MARKER);
    s.push('\n');
    s
}

/// Replaces the text between the markers (markers included) with
/// `section`, or appends it; nothing else in the file changes.
fn replace_section(existing: Option<&str>, markers: (&str, &str), section: &str) -> String {
    let (start_marker, end_marker) = markers;
    let Some(text) = existing else {
        return format!("# Benchmarks\n\n{section}");
    };
    if let Some(start) = text.find(start_marker) {
        if let Some(end_rel) = text[start..].find(end_marker) {
            let mut end = start + end_rel + end_marker.len();
            if text[end..].starts_with("\r\n") {
                end += 2;
            } else if text[end..].starts_with('\n') {
                end += 1;
            }
            return format!("{}{section}{}", &text[..start], &text[end..]);
        }
    }
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(section);
    out
}

/// Runs the criterion benchmark `bench` `runs` times and gives each
/// benchmark's lowest median (noise only ever adds time), read after each
/// run (criterion overwrites its estimates) with `median`; whether every
/// run succeeded (it stops at the first that fails).
fn lowest_medians(
    bench: &str,
    runs: u32,
    criterion: &[String],
    env: &[(String, String)],
    parser: &mut OutputParser,
    median: fn(&Path, &str) -> Option<f64>,
) -> (bool, Vec<(String, f64)>) {
    let mut cargo_args: Vec<String> = ["bench", "-p", "aludel-bench", "--bench", bench]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if !criterion.is_empty() {
        cargo_args.push("--".into());
        cargo_args.extend(criterion.iter().cloned());
    }
    let target = target_dir();
    let mut results: Vec<(String, f64)> = Vec::new();
    for run in 1..=runs {
        if runs > 1 {
            eprintln!("xtask bench: {bench}, run {run} of {runs}");
        }
        parser.results.clear();
        if !run_streaming(&cargo_args, env, &mut |l| parser.line(l)) {
            return (false, results);
        }
        for m in &parser.results {
            let ns = median(&target, &m.id).unwrap_or(m.printed_ns);
            match results.iter_mut().find(|(id, _)| *id == m.id) {
                Some((_, best)) => *best = best.min(ns),
                None => results.push((m.id.clone(), ns)),
            }
        }
    }
    (true, results)
}

/// The backends the ORM benchmark measures.
const ORM_BACKENDS: &[&str] = &["sqlite", "postgres"];

/// Runs one tabled benchmark (`engine` or `orm`) against the located
/// backends, prints its table and, with `--write`, puts its section in
/// BENCHMARKS.md. Whether it succeeded.
fn run_tabled(
    bench: &'static str,
    opts: &Options,
    args: &[String],
    criterion: &[String],
    located: &[BackendInfo],
) -> bool {
    let orm = bench == "orm";
    let load_before = load_average();
    let located: Vec<&BackendInfo> = located
        .iter()
        .filter(|b| !orm || ORM_BACKENDS.contains(&b.name))
        .collect();
    let mut env = Vec::new();
    let mut available = Vec::new();
    for b in &located {
        if let Some(url) = &b.url {
            available.push(b.name);
            if b.name != "sqlite" {
                env.push((url_var(b.name).to_string(), url.clone()));
            }
        }
    }
    env.push(("ALUDEL_BENCH_BACKENDS".to_string(), available.join(",")));
    let mut parser = OutputParser::default();
    let (bench_ok, results) = if available.is_empty() {
        eprintln!("xtask bench: no backend to run");
        (false, Vec::new())
    } else {
        lowest_medians(bench, opts.runs, criterion, &env, &mut parser, median_ns)
    };
    let load_after = load_average();
    let mut ok = bench_ok;
    let t = table(&results);
    let (orm_t, assoc_t) = split_orm(&t);
    if t.rows.is_empty() {
        eprintln!("xtask bench: criterion reported no {bench} benchmark");
    } else if orm {
        if !orm_t.rows.is_empty() {
            print_cells(&orm_cells(&orm_t));
            println!();
            print!("{}", orm_target_lines(&orm_t));
        }
        if !assoc_t.rows.is_empty() {
            print_cells(&assoc_cells(&assoc_t));
            println!();
            print!("{}", assoc_target_lines(&assoc_t));
        }
    } else {
        print_table(&t);
        println!();
        print!("{}", target_lines(&t));
    }
    for b in &located {
        if b.url.is_none() {
            println!("{}: {} (skipped)", b.name, b.about);
        }
    }
    if !opts.write {
        return ok;
    }
    if !bench_ok || t.rows.is_empty() {
        eprintln!("xtask bench: the {bench} benchmark failed; BENCHMARKS.md is left as it was");
        return false;
    }
    let backends = located
        .iter()
        .map(|b| {
            let label = match b.name {
                "sqlite" => "SQLite",
                "postgres" => "PostgreSQL",
                _ => "MySQL/MariaDB",
            };
            let about = match (b.url.is_some(), parser.versions.get(b.name)) {
                (true, Some(v)) => format!("{} (`SELECT version()`: {v})", b.about),
                (true, None) => b.about.clone(),
                (false, _) => format!("{}; not measured", b.about),
            };
            (label.to_string(), about)
        })
        .collect();
    let notes = RunNotes {
        command: std::iter::once("cargo xtask bench".to_string())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
        load_before,
        load_after,
        backends,
    };
    let path = workspace_root().join("BENCHMARKS.md");
    let existing = std::fs::read_to_string(&path).ok();
    let text = if orm {
        replace_section(
            existing.as_deref(),
            (ORM_START_MARKER, ORM_END_MARKER),
            &orm_section(&orm_t, &assoc_t, &notes),
        )
    } else {
        replace_section(
            existing.as_deref(),
            (START_MARKER, END_MARKER),
            &section(&t, &notes),
        )
    };
    match std::fs::write(&path, text) {
        Ok(()) => eprintln!(
            "xtask bench: wrote the {bench} section of {}",
            path.display()
        ),
        Err(e) => {
            eprintln!("xtask bench: cannot write {}: {e}", path.display());
            ok = false;
        }
    }
    ok
}

// ----- the compile table -----------------------------------------------------

/// Issue #2's targets: building and compiling at least 2x faster than
/// sea-query building and rendering, and with the statement cache at
/// least 5x.
const COMPILE_UNCACHED_RATIO: f64 = 2.0;
const COMPILE_CACHED_RATIO: f64 = 5.0;

const COMPILE_START_MARKER: &str = "<!-- bench:compile:start -->";
const COMPILE_END_MARKER: &str = "<!-- bench:compile:end -->";

/// Criterion's median for a compile benchmark, `<workload>/<function>`
/// (the function is `<dialect>/aludel/cached` and the like).
fn compile_median_ns(target: &Path, id: &str) -> Option<f64> {
    let (group, function) = id.split_once('/')?;
    median_ns(target, &format!("{group}/{}", filename_safe(function)))
}

/// One workload on one dialect: Aludel uncached and cached, sea-query.
#[derive(Debug, Clone, PartialEq)]
struct CompileRow {
    workload: String,
    dialect: String,
    uncached: Option<f64>,
    cached: Option<f64>,
    sea: Option<f64>,
}

/// The compile benchmark's rows (workloads in the order they ran), and
/// each workload's build-only median.
fn compile_table(results: &[(String, f64)]) -> (Vec<CompileRow>, Vec<(String, f64)>) {
    let mut rows: Vec<CompileRow> = Vec::new();
    let mut builds = Vec::new();
    for (id, ns) in results {
        let parts: Vec<&str> = id.split('/').collect();
        match parts.as_slice() {
            [w, "aludel", "build_only"] => builds.push((w.to_string(), *ns)),
            [w, d, rest @ ..] => {
                let row = match rows
                    .iter()
                    .position(|r| r.workload == *w && r.dialect == *d)
                {
                    Some(i) => &mut rows[i],
                    None => {
                        rows.push(CompileRow {
                            workload: w.to_string(),
                            dialect: d.to_string(),
                            uncached: None,
                            cached: None,
                            sea: None,
                        });
                        let last = rows.len() - 1;
                        &mut rows[last]
                    }
                };
                match rest {
                    ["aludel", "uncached"] => row.uncached = Some(*ns),
                    ["aludel", "cached"] => row.cached = Some(*ns),
                    ["sea_query"] => row.sea = Some(*ns),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    (rows, builds)
}

fn ratio(num: Option<f64>, den: Option<f64>) -> Option<f64> {
    match (num, den) {
        (Some(n), Some(d)) if d > 0.0 => Some(n / d),
        _ => None,
    }
}

fn compile_cells(rows: &[CompileRow], builds: &[(String, f64)]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "workload",
        "dialect",
        "build only",
        "Aludel uncached",
        "Aludel cached",
        "sea-query",
        "sea-query / uncached",
        "sea-query / cached",
        "targets (≥ 2x, ≥ 5x)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let fmt = |x: Option<f64>| x.map(duration).unwrap_or_else(|| "-".into());
    let times = |x: Option<f64>| x.map(|r| format!("{r:.2}x")).unwrap_or_else(|| "-".into());
    let body = rows
        .iter()
        .map(|r| {
            let build = builds
                .iter()
                .find(|(w, _)| *w == r.workload)
                .map(|(_, ns)| *ns);
            let (u, c) = (ratio(r.sea, r.uncached), ratio(r.sea, r.cached));
            let verdict = match (u, c) {
                (Some(u), Some(c)) => {
                    match (u >= COMPILE_UNCACHED_RATIO, c >= COMPILE_CACHED_RATIO) {
                        (true, true) => "met".to_string(),
                        (true, false) => "missed: cached".to_string(),
                        (false, true) => "missed: uncached".to_string(),
                        (false, false) => "missed: both".to_string(),
                    }
                }
                _ => "-".to_string(),
            };
            vec![
                r.workload.clone(),
                r.dialect.clone(),
                fmt(build),
                fmt(r.uncached),
                fmt(r.cached),
                fmt(r.sea),
                times(u),
                times(c),
                verdict,
            ]
        })
        .collect();
    (header, body)
}

fn compile_target_lines(rows: &[CompileRow]) -> String {
    let count = |min: f64, f: fn(&CompileRow) -> Option<f64>| {
        let judged: Vec<f64> = rows.iter().filter_map(|r| ratio(r.sea, f(r))).collect();
        (judged.iter().filter(|x| **x >= min).count(), judged.len())
    };
    let (um, ut) = count(COMPILE_UNCACHED_RATIO, |r| r.uncached);
    let (cm, ct) = count(COMPILE_CACHED_RATIO, |r| r.cached);
    format!(
        "Targets (issue #2): building and compiling at least {COMPILE_UNCACHED_RATIO:.0}x faster than \
         sea-query, met on {um} of {ut} workload and dialect pairs; with the statement cache at \
         least {COMPILE_CACHED_RATIO:.0}x faster, met on {cm} of {ct}.\n"
    )
}

/// Runs the compile benchmark (`--runs` times, keeping each figure's
/// lowest median), prints its table and, with `--write`, puts it in
/// BENCHMARKS.md between the compile markers.
fn run_compile(opts: &Options, args: &[String], criterion: &[String]) -> bool {
    let load_before = load_average();
    let mut parser = OutputParser::default();
    let (ok, results) = lowest_medians(
        "compile",
        opts.runs,
        criterion,
        &[],
        &mut parser,
        compile_median_ns,
    );
    if !ok {
        return false;
    }
    let load_after = load_average();
    let (rows, builds) = compile_table(&results);
    if rows.is_empty() {
        eprintln!("xtask bench: criterion reported no compile benchmark");
        return false;
    }
    let cells = compile_cells(&rows, &builds);
    print_cells(&cells);
    println!();
    print!("{}", compile_target_lines(&rows));
    if !opts.write {
        return true;
    }
    let notes = RunNotes {
        command: std::iter::once("cargo xtask bench".to_string())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
        load_before,
        load_after,
        backends: Vec::new(),
    };
    let mut section = String::new();
    section.push_str(COMPILE_START_MARKER);
    section.push('\n');
    section.push_str("## Results\n\n");
    section.push_str(
        "Written by `cargo xtask bench --bench compile --write`. Each figure is criterion's \
         median time per iteration (from its `estimates.json`), the lowest over the runs of \
         the command (`--runs N`: noise on a shared machine only ever adds time); the ratios \
         are sea-query's median divided by Aludel's, so above 1 means Aludel is faster. \
         `build only` is building and dropping the Aludel statement, without SQL.\n\n",
    );
    section.push_str(&machine_notes(&notes, ""));
    section.push_str(&markdown_cells(&cells));
    section.push('\n');
    section.push_str(&compile_target_lines(&rows));
    section.push_str(COMPILE_END_MARKER);
    section.push('\n');
    let path = workspace_root().join("BENCHMARKS.md");
    let existing = std::fs::read_to_string(&path).ok();
    let text = replace_section(
        existing.as_deref(),
        (COMPILE_START_MARKER, COMPILE_END_MARKER),
        &section,
    );
    match std::fs::write(&path, text) {
        Ok(()) => {
            eprintln!(
                "xtask bench: wrote the compile section of {}",
                path.display()
            );
            true
        }
        Err(e) => {
            eprintln!("xtask bench: cannot write {}: {e}", path.display());
            false
        }
    }
}

// ----- the ORM table ---------------------------------------------------------

impl Table {
    fn column(&self, implementation: &str) -> Option<usize> {
        self.implementations
            .iter()
            .position(|i| i == implementation)
    }
}

impl TableRow {
    fn median(&self, col: Option<usize>) -> Option<f64> {
        col.and_then(|c| self.medians[c])
    }
}

/// `a / b`, both present and `b` not zero.
fn over(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// The ORM targets one row misses, as short phrases; `None` when the row
/// has nothing to judge.
fn orm_misses(t: &Table, r: &TableRow) -> Option<Vec<String>> {
    let raw = r.median(t.column("raw"));
    let aludel = r.median(t.column("aludel"));
    let plain = r.median(t.column("aludel_plain"));
    let sea = r.median(t.column("sea_orm"));
    let mut judged = false;
    let mut missed = Vec::new();
    if r.workload.starts_with("load_") {
        if let Some(x) = over(plain, raw) {
            judged = true;
            if x > ORM_PLAIN_RATIO {
                missed.push(format!("untracked {x:.2}x raw (≤ {ORM_PLAIN_RATIO:.1}x)"));
            }
        }
        if let Some(x) = over(aludel, raw) {
            judged = true;
            if x > ORM_TRACKED_RATIO {
                missed.push(format!("tracked {x:.2}x raw (≤ {ORM_TRACKED_RATIO:.1}x)"));
            }
        }
    }
    for (what, mine) in [("tracked", aludel), ("untracked", plain)] {
        if let Some(x) = over(mine, sea) {
            judged = true;
            if x >= 1.0 {
                missed.push(format!("{what} not faster than sea-orm ({x:.2}x its time)"));
            }
        }
    }
    judged.then_some(missed)
}

/// The ORM table: medians, then Aludel against the raw driver and the
/// peers, then the verdict.
fn orm_cells(t: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["workload".to_string(), "backend".to_string()];
    for name in &t.implementations {
        header.push(name.clone());
    }
    let ratios: [(&str, &str, &str); 4] = [
        ("aludel / raw", "aludel", "raw"),
        ("aludel_plain / raw", "aludel_plain", "raw"),
        ("sea_orm / aludel", "sea_orm", "aludel"),
        ("diesel / aludel", "diesel", "aludel"),
    ];
    let ratios: Vec<_> = ratios
        .into_iter()
        .filter(|(_, a, b)| t.column(a).is_some() && t.column(b).is_some())
        .collect();
    for (h, _, _) in &ratios {
        header.push(h.to_string());
    }
    header.push("targets".to_string());
    let mut body = Vec::new();
    for r in &t.rows {
        let mut line = vec![r.workload.clone(), r.backend.clone()];
        for m in &r.medians {
            line.push(m.map(duration).unwrap_or_else(|| "-".into()));
        }
        for (_, a, b) in &ratios {
            line.push(
                over(r.median(t.column(a)), r.median(t.column(b)))
                    .map(|x| format!("{x:.2}x"))
                    .unwrap_or_else(|| "-".into()),
            );
        }
        line.push(match orm_misses(t, r) {
            None => "-".into(),
            Some(m) if m.is_empty() => "met".into(),
            Some(m) => format!("missed: {}", m.join("; ")),
        });
        body.push(line);
    }
    (header, body)
}

fn orm_target_lines(t: &Table) -> String {
    let mut judged = 0;
    let mut met = 0;
    let mut missed = Vec::new();
    for r in &t.rows {
        if let Some(m) = orm_misses(t, r) {
            judged += 1;
            if m.is_empty() {
                met += 1;
            }
            for x in m {
                missed.push(format!("- missed: {} `{}`: {x}", r.backend, r.workload));
            }
        }
    }
    let mut s = format!(
        "Targets (issue #5): untracked loads at most {ORM_PLAIN_RATIO:.1}x the raw driver's \
         median, tracked loads at most {ORM_TRACKED_RATIO:.1}x, and Aludel faster than sea-orm \
         on every workload. All met on {met} of {judged} workload and backend pairs{}\n",
        if missed.is_empty() { "." } else { "; missed:" }
    );
    if !missed.is_empty() {
        s.push('\n');
        for m in missed {
            s.push_str(&m);
            s.push('\n');
        }
    }
    s
}

/// The rows of `t` that `keep` selects, with only the implementations that
/// have a figure in them, those named in `first` first (in that order).
fn sub_table(t: &Table, keep: impl Fn(&TableRow) -> bool, first: &[&str]) -> Table {
    let rows: Vec<&TableRow> = t.rows.iter().filter(|r| keep(r)).collect();
    let mut cols: Vec<usize> = (0..t.implementations.len())
        .filter(|&c| rows.iter().any(|r| r.medians[c].is_some()))
        .collect();
    cols.sort_by_key(|&c| {
        first
            .iter()
            .position(|f| *f == t.implementations[c])
            .unwrap_or(first.len())
    });
    Table {
        implementations: cols.iter().map(|&c| t.implementations[c].clone()).collect(),
        rows: rows
            .into_iter()
            .map(|r| TableRow {
                medians: cols.iter().map(|&c| r.medians[c]).collect(),
                ..r.clone()
            })
            .collect(),
    }
}

/// The ORM table's workloads (issue #5) and the associations workload
/// (issue #6), as two tables.
fn split_orm(t: &Table) -> (Table, Table) {
    let first = ["raw", "aludel", "aludel_plain", "diesel", "sea_orm"];
    let orm = sub_table(t, |r| r.workload != ASSOC_WORKLOAD, &first);
    let first = [
        "raw",
        "aludel_selectin",
        "aludel_joined",
        "aludel_selectin_plain",
        "aludel_joined_plain",
        "diesel",
        "sea_orm",
    ];
    let assoc = sub_table(t, |r| r.workload == ASSOC_WORKLOAD, &first);
    (orm, assoc)
}

/// The targets of issue #6 that one row of the associations table misses.
fn assoc_misses(t: &Table, r: &TableRow) -> Option<Vec<String>> {
    let raw = r.median(t.column("raw"));
    let diesel = r.median(t.column("diesel"));
    let sea = r.median(t.column("sea_orm"));
    let mut judged = false;
    let mut missed = Vec::new();
    for &s in ASSOC_STRATEGIES {
        let mine = r.median(t.column(s));
        let short = s.trim_start_matches("aludel_");
        if let Some(x) = over(mine, raw) {
            judged = true;
            if x > ASSOC_RATIO {
                missed.push(format!("{short} {x:.2}x raw (≤ {ASSOC_RATIO:.1}x)"));
            }
        }
        for (peer, theirs) in [("diesel", diesel), ("sea-orm", sea)] {
            if let Some(x) = over(mine, theirs) {
                judged = true;
                if x >= 1.0 {
                    missed.push(format!("{short} not faster than {peer} ({x:.2}x its time)"));
                }
            }
        }
    }
    judged.then_some(missed)
}

/// The associations table: medians, each strategy against the raw driver
/// and the peers, then the verdict.
fn assoc_cells(t: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["workload".to_string(), "backend".to_string()];
    header.extend(t.implementations.iter().cloned());
    let mut ratios: Vec<(String, &str, &str)> = Vec::new();
    for &s in ASSOC_STRATEGIES {
        ratios.push((format!("{s} / raw"), s, "raw"));
    }
    for &s in ASSOC_STRATEGIES {
        for peer in ["diesel", "sea_orm"] {
            ratios.push((format!("{peer} / {s}"), peer, s));
        }
    }
    ratios.retain(|(_, a, b)| t.column(a).is_some() && t.column(b).is_some());
    header.extend(ratios.iter().map(|(h, _, _)| h.clone()));
    header.push("targets".to_string());
    let mut body = Vec::new();
    for r in &t.rows {
        let mut line = vec![r.workload.clone(), r.backend.clone()];
        for m in &r.medians {
            line.push(m.map(duration).unwrap_or_else(|| "-".into()));
        }
        for (_, a, b) in &ratios {
            line.push(
                over(r.median(t.column(a)), r.median(t.column(b)))
                    .map(|x| format!("{x:.2}x"))
                    .unwrap_or_else(|| "-".into()),
            );
        }
        line.push(match assoc_misses(t, r) {
            None => "-".into(),
            Some(m) if m.is_empty() => "met".into(),
            Some(m) => format!("missed: {}", m.join("; ")),
        });
        body.push(line);
    }
    (header, body)
}

fn assoc_target_lines(t: &Table) -> String {
    let mut judged = 0;
    let mut met = 0;
    let mut missed = Vec::new();
    for r in &t.rows {
        if let Some(m) = assoc_misses(t, r) {
            judged += 1;
            if m.is_empty() {
                met += 1;
            }
            for x in m {
                missed.push(format!("- missed: {} `{}`: {x}", r.backend, r.workload));
            }
        }
    }
    let mut s = format!(
        "Targets (issue #6): each strategy at most {ASSOC_RATIO:.1}x the raw driver's median, \
         and faster than diesel and sea-orm. All met on {met} of {judged} backends{}\n",
        if missed.is_empty() { "." } else { "; missed:" }
    );
    if !missed.is_empty() {
        s.push('\n');
        for m in missed {
            s.push_str(&m);
            s.push('\n');
        }
    }
    s
}

/// The associations part of the ORM section.
fn assoc_section(t: &Table) -> String {
    let mut s = String::from("### Loading associations (issue #6)\n\n");
    s.push_str(
        "diesel_bench's \"loading associations sequentially\": every user, their posts \
         and the posts' comments, returned grouped (users with 10 posts each, posts with 10 \
         comments each: 100 users, 1,000 posts and 10,000 comments on PostgreSQL, 9 users, 90 \
         posts and 900 comments on SQLite, diesel's sizes). `raw` runs the three queries with \
         the driver (`IN (?, ...)` on SQLite, `= ANY($1)` on PostgreSQL, statements prepared \
         once) and groups the rows in Rust; `aludel_selectin` is \
         `query::<User>().options(selectin(User::posts).selectin(Post::comments))` and \
         `aludel_joined` the same with `joined`, each in a new session closed at the end, \
         returning the tracked users with their collections loaded; `aludel_selectin_plain` \
         and `aludel_joined_plain` are the same queries untracked (`.plain()`: plain `User` \
         values whose collections hold untracked objects, in no identity map, as the raw \
         code, diesel and sea-orm build plain structs); `diesel` is \
         `belonging_to` + `grouped_by` at both levels (SQLite only); `sea_orm` its loader \
         (`LoaderTrait::load_many`, once per level). Same medians and runs as the table above.\n\n",
    );
    s.push_str(&markdown_cells(&assoc_cells(t)));
    s.push('\n');
    s.push_str(&assoc_target_lines(t));
    s
}

/// The version of a package in the workspace's Cargo.lock.
fn locked_version(package: &str) -> Option<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).ok()?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let at = lock.find(&needle)? + needle.len();
    lock[at..].split('"').next().map(str::to_string)
}

fn orm_section(t: &Table, assoc: &Table, notes: &RunNotes) -> String {
    let v = |p: &str| locked_version(p).unwrap_or_else(|| "?".into());
    let mut s = String::new();
    s.push_str(ORM_START_MARKER);
    s.push('\n');
    s.push_str("## ORM: the session against the raw drivers, diesel and sea-orm\n\n");
    s.push_str(
        "Written by `cargo xtask bench --write --bench orm`. Each workload of \
         `bench/benches/orm.rs` (issue #5) runs on SQLite and PostgreSQL in one criterion run, \
         once per implementation: `raw`, the driver alone (rusqlite with cached statements, \
         tokio-postgres with statements prepared once); `aludel`, the ORM session with tracked \
         objects (identity map, change tracking, default options: autoflush and expire on \
         commit), a new session per iteration; `aludel_plain`, the same query untracked \
         (`session.query::<User>().plain().all()`); `diesel` (SQLite only); `sea_orm` (sqlx, \
         a pool of one connection). The table is diesel's `users (id, name, hair_color)`. \
         Workloads: `load_10000_users`, every user of a table of 10,000; `get_1000_by_pk`, \
         1,000 users fetched one at a time by primary key in one session, each key once, so the \
         identity map never answers and every lookup is a SELECT; `insert_1000_users`, 1,000 \
         new users in one transaction with their generated keys read back (`add_all` + \
         `commit` for Aludel: one multi-row `INSERT ... RETURNING`); `update_1000_users`, load \
         the 1,000 users of a table, set `hair_color` on each, write them in one transaction \
         (one `UPDATE ... WHERE id = ?` per user for every implementation). The benchmark's \
         documentation gives the details. Each figure is criterion's median time per \
         iteration (from its `estimates.json`), the lowest over the runs of the command \
         (`--runs N`: noise on a shared machine only ever adds time); `x / y` is x's median \
         divided by y's, so \
         `sea_orm / aludel` above 1 means Aludel is faster.\n\n",
    );
    let versions = format!(
        "- Versions: diesel {}, sea-orm {} on sqlx {}, rusqlite {} and libsqlite3-sys {} \
         (the one SQLite library all three link: `links = \"sqlite3\"` allows a single version \
         in the graph), tokio-postgres {}.\n",
        v("diesel"),
        v("sea-orm"),
        v("sqlx"),
        v("rusqlite"),
        v("libsqlite3-sys"),
        v("tokio-postgres"),
    );
    s.push_str(&machine_notes(notes, &versions));
    s.push_str(&markdown_cells(&orm_cells(t)));
    s.push('\n');
    s.push_str(&orm_target_lines(t));
    if !assoc.rows.is_empty() {
        s.push('\n');
        s.push_str(&assoc_section(assoc));
    }
    s.push_str(ORM_END_MARKER);
    s.push('\n');
    s
}

/// `cargo xtask bench ...`
pub fn run(args: &[String]) -> ExitCode {
    let opts = match parse_options(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("xtask bench: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut criterion: Vec<String> = Vec::new();
    if opts.quick {
        criterion.extend(QUICK.iter().map(|s| s.to_string()));
    }
    criterion.extend(opts.criterion.iter().cloned());
    let mut ok = true;

    let tabled: Vec<&'static str> = opts
        .benches
        .iter()
        .copied()
        .filter(|b| *b != "compile")
        .collect();
    if !tabled.is_empty() {
        if let Err(e) = ctrlc::set_handler(|| {
            eprintln!("xtask: interrupted; stopping the benchmark servers");
            stop_servers();
            std::process::exit(130);
        }) {
            eprintln!("xtask: cannot handle Ctrl-C ({e}); servers may outlive an interrupt");
        }
        // The ORM benchmark has no MySQL implementations: its server is
        // started only for the engine benchmark.
        let needed: Vec<&'static str> = opts
            .backends
            .iter()
            .copied()
            .filter(|b| tabled.contains(&"engine") || ORM_BACKENDS.contains(b))
            .collect();
        let located = locate(&needed);
        for &bench in &tabled {
            ok &= run_tabled(bench, &opts, args, &criterion, &located);
        }
        stop_servers();
    }

    if opts.benches.contains(&"compile") {
        ok &= run_compile(&opts, args, &criterion);
    }

    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_table_and_targets() {
        let results = vec![
            ("select_by_id/aludel/build_only".to_string(), 100.0),
            ("select_by_id/postgres/aludel/uncached".to_string(), 400.0),
            ("select_by_id/postgres/aludel/cached".to_string(), 200.0),
            ("select_by_id/postgres/sea_query".to_string(), 1200.0),
            ("select_by_id/mysql/aludel/uncached".to_string(), 700.0),
            ("select_by_id/mysql/aludel/cached".to_string(), 300.0),
            ("select_by_id/mysql/sea_query".to_string(), 1200.0),
        ];
        let (rows, builds) = compile_table(&results);
        assert_eq!(rows.len(), 2);
        assert_eq!(builds, vec![("select_by_id".to_string(), 100.0)]);
        let (header, body) = compile_cells(&rows, &builds);
        assert_eq!(header.len(), body[0].len());
        assert_eq!(body[0][6], "3.00x");
        assert_eq!(body[0][7], "6.00x");
        assert_eq!(body[0][8], "met");
        assert_eq!(body[1][8], "missed: both");
        let lines = compile_target_lines(&rows);
        assert!(lines.contains("met on 1 of 2 workload"), "{lines}");
        assert!(lines.contains("met on 1 of 2."), "{lines}");
    }

    #[test]
    fn options() {
        let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        let o = parse_options(&args(
            "--quick --backend postgres --write -- fetch --noplot",
        ))
        .unwrap();
        assert!(o.quick && o.write);
        assert_eq!(o.backends, vec!["postgres"]);
        assert_eq!(o.benches, vec!["engine", "orm", "compile"]);
        assert_eq!(o.criterion, vec!["fetch", "--noplot"]);
        let o = parse_options(&args("--bench compile")).unwrap();
        assert_eq!(o.benches, vec!["compile"]);
        let o = parse_options(&args("--bench compile --bench orm --write")).unwrap();
        assert_eq!(o.benches, vec!["orm", "compile"]);
        assert_eq!(o.runs, 1);
        assert_eq!(parse_options(&args("--runs 3")).unwrap().runs, 3);
        assert!(parse_options(&args("--runs 0")).is_err());
        assert_eq!(o.backends, crate::BACKENDS.to_vec());
        assert!(parse_options(&args("--backend oracle")).is_err());
        // Every benchmark's table can be written.
        assert!(
            parse_options(&args("--bench compile --write"))
                .unwrap()
                .write
        );
        assert!(parse_options(&args("--fast")).is_err());
    }

    #[test]
    fn reads_criterion_output() {
        let mut p = OutputParser::default();
        for line in [
            "engine bench: postgres server: PostgreSQL 15.8 on x86_64",
            "Benchmarking sqlite/fetch_all_users/1/raw: Analyzing",
            "sqlite/fetch_all_users/1/raw",
            "                        time:   [480.69 ns 481.20 ns 482.00 ns]",
            "Found 2 outliers among 100 measurements (2.00%)",
            "short/x/raw             time:   [1.0 ms 1.5 ms 2.0 ms]",
            "sqlite/fetch_all_users/1/aludel",
            "                        time:   [1.0223 µs 1.0300 µs 1.0400 µs]",
            "                        change: [-1.0% +0.5% +2.0%] (p = 0.50 > 0.05)",
        ] {
            p.line(line);
        }
        assert_eq!(
            p.results,
            vec![
                Measured {
                    id: "sqlite/fetch_all_users/1/raw".into(),
                    printed_ns: 481.2
                },
                Measured {
                    id: "short/x/raw".into(),
                    printed_ns: 1.5e6
                },
                Measured {
                    id: "sqlite/fetch_all_users/1/aludel".into(),
                    printed_ns: 1030.0
                },
            ]
        );
        assert_eq!(p.versions["postgres"], "PostgreSQL 15.8 on x86_64");
    }

    #[test]
    fn table_rows_and_ratios() {
        let t = table(&[
            ("sqlite/a/1/raw".into(), 100.0),
            ("sqlite/a/1/aludel".into(), 110.0),
            ("postgres/a/1/aludel".into(), 300.0),
            ("postgres/a/1/raw".into(), 200.0),
            ("sqlite/b/raw".into(), 1000.0),
            ("sqlite/b/aludel".into(), 1500.0),
        ]);
        assert_eq!(t.implementations, vec!["raw", "aludel"]);
        let rows: Vec<(&str, &str)> = t
            .rows
            .iter()
            .map(|r| (r.workload.as_str(), r.backend.as_str()))
            .collect();
        assert_eq!(
            rows,
            vec![("a/1", "sqlite"), ("a/1", "postgres"), ("b", "sqlite")]
        );
        assert!((t.rows[1].ratio(1).unwrap() - 1.5).abs() < 1e-9);
        let lines = target_lines(&t);
        assert!(lines.contains("Met on 1 of 3"), "{lines}");
        assert!(lines.contains("postgres `a/1`, 1.50x"), "{lines}");
        assert_eq!(duration(481.2), "481.2 ns");
        assert_eq!(duration(15_662.0), "15.66 µs");
        assert_eq!(duration(1_408_200.0), "1.408 ms");
    }

    #[test]
    fn the_section_replaces_only_its_markers() {
        let section = format!("{START_MARKER}\nnew\n{END_MARKER}\n");
        let before = format!("# B\n\nintro\n\n{START_MARKER}\nold\n{END_MARKER}\n\n## After\n");
        let markers = (START_MARKER, END_MARKER);
        assert_eq!(
            replace_section(Some(&before), markers, &section),
            format!("# B\n\nintro\n\n{START_MARKER}\nnew\n{END_MARKER}\n\n## After\n")
        );
        assert_eq!(
            replace_section(Some("# B\n\nintro"), markers, &section),
            format!("# B\n\nintro\n\n{section}")
        );
        assert_eq!(
            replace_section(None, markers, &section),
            format!("# Benchmarks\n\n{section}")
        );
        // The ORM section has its own markers and leaves the engine's alone.
        let orm = format!("{ORM_START_MARKER}\norm\n{ORM_END_MARKER}\n");
        let both = replace_section(Some(&before), (ORM_START_MARKER, ORM_END_MARKER), &orm);
        assert_eq!(both, format!("{before}\n{orm}"));
        let again = replace_section(
            Some(&both),
            (ORM_START_MARKER, ORM_END_MARKER),
            &format!("{ORM_START_MARKER}\nnew orm\n{ORM_END_MARKER}\n"),
        );
        assert!(again.contains("old") && again.contains("new orm") && !again.contains("\norm\n"));
    }

    #[test]
    fn orm_table_and_targets() {
        let t = table(&[
            ("sqlite/load_10000_users/raw".into(), 1000.0),
            ("sqlite/load_10000_users/aludel".into(), 1900.0),
            ("sqlite/load_10000_users/aludel_plain".into(), 1300.0),
            ("sqlite/load_10000_users/diesel".into(), 1100.0),
            ("sqlite/load_10000_users/sea_orm".into(), 5000.0),
            ("sqlite/insert_1000_users/raw".into(), 100.0),
            ("sqlite/insert_1000_users/aludel".into(), 400.0),
            ("sqlite/insert_1000_users/diesel".into(), 150.0),
            ("sqlite/insert_1000_users/sea_orm".into(), 300.0),
            ("postgres/load_10000_users/raw".into(), 1000.0),
            ("postgres/load_10000_users/aludel".into(), 1500.0),
            ("postgres/load_10000_users/aludel_plain".into(), 1100.0),
            ("postgres/load_10000_users/sea_orm".into(), 3000.0),
        ]);
        let (header, body) = orm_cells(&t);
        assert_eq!(
            header,
            [
                "workload",
                "backend",
                "raw",
                "aludel",
                "aludel_plain",
                "diesel",
                "sea_orm",
                "aludel / raw",
                "aludel_plain / raw",
                "sea_orm / aludel",
                "diesel / aludel",
                "targets"
            ]
        );
        let row = |w: &str, b: &str| {
            body.iter()
                .find(|r| r[0] == w && r[1] == b)
                .unwrap()
                .clone()
        };
        let load = row("load_10000_users", "sqlite");
        assert_eq!(load[7], "1.90x");
        assert_eq!(load[8], "1.30x");
        assert_eq!(load[9], "2.63x");
        assert_eq!(load[11], "missed: untracked 1.30x raw (≤ 1.2x)");
        let insert = row("insert_1000_users", "sqlite");
        assert_eq!(insert[4], "-");
        assert_eq!(
            insert[11],
            "missed: tracked not faster than sea-orm (1.33x its time)"
        );
        let pg = row("load_10000_users", "postgres");
        assert_eq!(pg[5], "-");
        assert_eq!(pg[11], "met");
        let lines = orm_target_lines(&t);
        assert!(lines.contains("All met on 1 of 3"), "{lines}");
        assert!(
            lines.contains("- missed: sqlite `insert_1000_users`: tracked not faster"),
            "{lines}"
        );
    }

    #[test]
    fn associations_table_and_targets() {
        let t = table(&[
            ("sqlite/load_10000_users/raw".into(), 1000.0),
            ("sqlite/load_10000_users/aludel".into(), 1900.0),
            ("sqlite/load_10000_users/diesel".into(), 1100.0),
            ("sqlite/loading_associations/raw".into(), 100.0),
            ("sqlite/loading_associations/aludel_selectin".into(), 120.0),
            ("sqlite/loading_associations/aludel_joined".into(), 140.0),
            (
                "sqlite/loading_associations/aludel_selectin_plain".into(),
                105.0,
            ),
            (
                "sqlite/loading_associations/aludel_joined_plain".into(),
                110.0,
            ),
            ("sqlite/loading_associations/diesel".into(), 130.0),
            ("sqlite/loading_associations/sea_orm".into(), 500.0),
            ("postgres/loading_associations/raw".into(), 1000.0),
            (
                "postgres/loading_associations/aludel_selectin".into(),
                1100.0,
            ),
            ("postgres/loading_associations/aludel_joined".into(), 1200.0),
            ("postgres/loading_associations/sea_orm".into(), 3000.0),
        ]);
        let (orm, assoc) = split_orm(&t);
        // The issue #5 table keeps its own columns and rows only.
        assert_eq!(orm.implementations, ["raw", "aludel", "diesel"]);
        assert_eq!(orm.rows.len(), 1);
        assert_eq!(
            assoc.implementations,
            [
                "raw",
                "aludel_selectin",
                "aludel_joined",
                "aludel_selectin_plain",
                "aludel_joined_plain",
                "diesel",
                "sea_orm"
            ]
        );
        let (header, body) = assoc_cells(&assoc);
        assert_eq!(
            header[9..],
            [
                "aludel_selectin / raw",
                "aludel_joined / raw",
                "aludel_selectin_plain / raw",
                "aludel_joined_plain / raw",
                "diesel / aludel_selectin",
                "sea_orm / aludel_selectin",
                "diesel / aludel_joined",
                "sea_orm / aludel_joined",
                "diesel / aludel_selectin_plain",
                "sea_orm / aludel_selectin_plain",
                "diesel / aludel_joined_plain",
                "sea_orm / aludel_joined_plain",
                "targets"
            ]
        );
        let sqlite = &body[0];
        assert_eq!(sqlite[1], "sqlite");
        assert_eq!(sqlite[9], "1.20x");
        assert_eq!(sqlite[10], "1.40x");
        assert_eq!(sqlite[11], "1.05x");
        assert_eq!(sqlite[12], "1.10x");
        assert_eq!(sqlite[17], "1.24x");
        assert_eq!(
            sqlite[21],
            "missed: joined 1.40x raw (≤ 1.3x); joined not faster than diesel (1.08x its time)"
        );
        // PostgreSQL ran no untracked series: those cells are empty and
        // not judged.
        let pg = &body[1];
        assert_eq!(pg[5], "-");
        assert_eq!(pg[7], "-");
        assert_eq!(pg[11], "-");
        assert_eq!(pg[21], "met");
        let lines = assoc_target_lines(&assoc);
        assert!(lines.contains("All met on 1 of 2 backends"), "{lines}");
        assert!(
            lines.contains("- missed: sqlite `loading_associations`: joined 1.40x raw"),
            "{lines}"
        );
    }

    #[test]
    fn criterion_directory_names() {
        assert_eq!(
            filename_safe("sqlite/fetch_all_users/1"),
            "sqlite_fetch_all_users_1"
        );
        assert_eq!(filename_safe(&"x".repeat(70)).len(), 64);
    }
}
