//! `aludel-cli`: the `aludel` command-line tool for migrations.
//!
//! The stand-alone `aludel` binary runs every command that needs no models:
//! `init`, `revision` (an empty revision to fill in by hand), `upgrade`,
//! `downgrade` (both with `--sql` for offline SQL), `current`, `history`,
//! `heads`, `branches`, `merge`, `stamp` and `show`. An application embeds
//! the same commands with [`run_with_models`] in a small binary of its own
//! so that its models are linked in: then `revision --autogenerate` writes
//! the operations between the models and the reflected database, and
//! `check` fails when they differ.
//!
//! Settings come from `aludel.toml` (written by `aludel init`):
//!
//! ```toml
//! [aludel]
//! url = "sqlite:///app.db"      # DATABASE_URL overrides it
//! script_location = "migrations"
//! ```
//!
//! Output is colored on a terminal; `--color auto|always|never` and
//! `NO_COLOR` decide, and errors go to stderr.
//!
//! Exit codes: [`EXIT_SUCCESS`] (0) on success; [`EXIT_CHANGES`] (1) when
//! `check` finds that the models and the database differ;
//! [`EXIT_USAGE`] (2) for a usage error (an unknown command or option, a
//! malformed value), as clap reports it; [`EXIT_FAILURE`] (3) when a
//! command fails (the settings, a revision file, a target, the database,
//! an operation; the message says why).

mod style;

use aludel_core::MetaData;
use aludel_migrate::{new_revision_id, offline_sql, Graph, Migrator, RevRange, Revision};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use style::paint;

/// The version of the `aludel` tool, as printed by `aludel --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Exit status of a command that succeeded.
pub const EXIT_SUCCESS: u8 = 0;
/// Exit status of `check` when the models and the database differ.
pub const EXIT_CHANGES: u8 = 1;
/// Exit status of a usage error: an unknown command or option, a value
/// that does not parse (clap's own code).
pub const EXIT_USAGE: u8 = 2;
/// Exit status of a command that failed: the settings, a revision file, a
/// target, the database, an operation.
pub const EXIT_FAILURE: u8 = 3;

use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

const MAIN_HELP: &str = "\
Exit status:
  0  success
  1  check: the models and the database differ
  2  usage error (an unknown command or option, a malformed value)
  3  the command failed (settings, revision files, a target, the database)

Environment:
  DATABASE_URL  the database, instead of url in aludel.toml
  NO_COLOR      no colors, unless --color always

Examples:
  aludel init --url postgresql://app@localhost/app
  aludel revision -m \"create users\"
  aludel upgrade head
  aludel history -r current:heads
  aludel help upgrade";

const INIT_HELP: &str = "\
Examples:
  aludel init
  aludel init db/migrations --url postgresql://app@localhost/app";

const REVISION_HELP: &str = "\
Examples:
  aludel revision -m \"add users.email\"
  migrate revision --autogenerate -m \"add users.email\"   (a binary with the models)";

const UPGRADE_HELP: &str = "\
Examples:
  aludel upgrade               (to the only head)
  aludel upgrade heads         (every branch)
  aludel upgrade +1
  aludel upgrade ae10          (a revision or unique prefix)
  aludel upgrade head --sql > upgrade.sql";

const DOWNGRADE_HELP: &str = "\
Examples:
  aludel downgrade -1
  aludel downgrade ae10        (revert what follows ae10)
  aludel downgrade base
  aludel downgrade base --sql --from ae10";

const CURRENT_HELP: &str = "\
Examples:
  aludel current
  DATABASE_URL=postgresql://app@db/app aludel current";

const HISTORY_HELP: &str = "\
Ranges (-r START:END, both ends included):
  a revision id or unique prefix, base, head, heads, current;
  ID+N and ID-N step as upgrade +N and downgrade -N would;
  a start of -N is N revisions below the end, an end of +N is N above the
  start; an empty start is base, an empty end heads.

Examples:
  aludel history
  aludel history -r current:heads     (what upgrade heads would apply)
  aludel history -r -3:current -i
  aludel history -r ae10: --verbose";

const HEADS_HELP: &str = "\
Examples:
  aludel heads";

const BRANCHES_HELP: &str = "\
Examples:
  aludel branches
  aludel merge -m \"merge heads\"        (to join them again)";

const MERGE_HELP: &str = "\
Examples:
  aludel merge -m \"merge heads\"
  aludel merge ae10 3f2c -m \"join the billing branch\"";

const STAMP_HELP: &str = "\
Examples:
  aludel stamp head            (a database created by create_all)
  aludel stamp base";

const CHECK_HELP: &str = "\
Exit status: 0 when the database matches the models, 1 when it does not,
3 when the check itself fails.

Examples:
  migrate check                (a binary with the models)
  migrate check || migrate revision --autogenerate -m \"catch up\"";

const SHOW_HELP: &str = "\
Examples:
  aludel show ae10
  aludel show head";

/// Alembic-style migrations for Aludel.
#[derive(Debug, Parser)]
#[command(
    name = "aludel",
    version = VERSION,
    about,
    long_about = None,
    after_help = MAIN_HELP
)]
pub struct Cli {
    /// The settings file.
    #[arg(short, long, default_value = "aludel.toml", global = true)]
    pub config: PathBuf,
    /// When to color the output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true, value_name = "WHEN")]
    pub color: ColorWhen,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// When to color the output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    fn anstream(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }

    fn clap(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write aludel.toml and the migrations/versions directory.
    #[command(after_help = INIT_HELP)]
    Init {
        /// Where revisions live.
        #[arg(default_value = "migrations")]
        directory: PathBuf,
        /// The database URL to put in aludel.toml.
        #[arg(long, default_value = "sqlite:///app.db")]
        url: String,
    },
    /// Write a new revision after the current head(s).
    #[command(after_help = REVISION_HELP)]
    Revision {
        /// What the revision does.
        #[arg(short, long)]
        message: String,
        /// Compare the models with the database and write the operations
        /// (needs an application binary that embeds `aludel_cli::run_with_models`).
        #[arg(long)]
        autogenerate: bool,
    },
    /// Apply revisions up to a target: head, heads, +N, or a revision id
    /// (or unique prefix).
    #[command(after_help = UPGRADE_HELP)]
    Upgrade {
        /// The target.
        #[arg(default_value = "head", allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it (offline; no connection).
        #[arg(long)]
        sql: bool,
    },
    /// Revert revisions down to a target: base, -N, or a revision id.
    #[command(after_help = DOWNGRADE_HELP)]
    Downgrade {
        /// The target.
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it; needs `--from` or reads the
        /// starting point from the heads.
        #[arg(long)]
        sql: bool,
        /// With --sql: the revision(s) the database is at (default: heads).
        #[arg(long)]
        from: Option<String>,
    },
    /// Show the revision(s) the database is at.
    #[command(after_help = CURRENT_HELP)]
    Current,
    /// List the revisions, oldest first.
    #[command(after_help = HISTORY_HELP)]
    History {
        /// Only the revisions from START to END (see below).
        #[arg(
            short = 'r',
            long = "rev-range",
            value_name = "START:END",
            value_parser = parse_range,
            allow_hyphen_values = true
        )]
        rev_range: Option<RevRange>,
        /// Show each revision's operations.
        #[arg(short, long)]
        verbose: bool,
        /// Mark the revision(s) the database is at, and dim those it has
        /// not applied when colored (connects to it).
        #[arg(short, long)]
        indicate_current: bool,
    },
    /// Show the revisions nothing follows.
    #[command(after_help = HEADS_HELP)]
    Heads,
    /// Show the revisions that several follow.
    #[command(after_help = BRANCHES_HELP)]
    Branches,
    /// Write a revision that merges several heads.
    #[command(after_help = MERGE_HELP)]
    Merge {
        /// What the merge is for.
        #[arg(short, long, default_value = "merge heads")]
        message: String,
        /// The revisions to merge (default: every head).
        revisions: Vec<String>,
    },
    /// Record a revision as current without running anything.
    #[command(after_help = STAMP_HELP)]
    Stamp {
        /// head, heads, base, or a revision id.
        target: String,
    },
    /// Exit with status 1 if autogenerate would write operations (the
    /// models and the database differ); needs the models (see `run_with_models`).
    #[command(after_help = CHECK_HELP)]
    Check,
    /// Show one revision.
    #[command(after_help = SHOW_HELP)]
    Show {
        /// A revision id or unique prefix, or head.
        revision: String,
    },
}

fn parse_range(s: &str) -> Result<RevRange, String> {
    RevRange::parse(s).map_err(|e| e.to_string())
}

/// The settings of `aludel.toml`.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Settings {
    /// The database URL (`DATABASE_URL` overrides it).
    #[serde(default)]
    pub url: Option<String>,
    /// Where revisions live (`<script_location>/versions`).
    #[serde(default = "default_location")]
    pub script_location: PathBuf,
    /// Autogenerate looks only at the database tables the models name,
    /// never proposing to drop others (for a database shared with other
    /// applications).
    #[serde(default)]
    pub only_model_tables: bool,
}

fn default_location() -> PathBuf {
    PathBuf::from("migrations")
}

#[derive(serde::Deserialize)]
struct SettingsFile {
    aludel: Settings,
}

/// What a command failed with, and so its exit status.
#[derive(Debug)]
#[non_exhaustive]
pub enum CliError {
    /// The command failed; the message says why ([`EXIT_FAILURE`]).
    Failed(String),
    /// `check` found this many operations between the models and the
    /// database ([`EXIT_CHANGES`]).
    Changes(usize),
}

impl CliError {
    /// The process exit status this error ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Failed(_) => EXIT_FAILURE,
            CliError::Changes(_) => EXIT_CHANGES,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Failed(m) => f.write_str(m),
            CliError::Changes(n) => write!(
                f,
                "the models and the database differ ({n} operation(s)); write a revision \
                 with `revision --autogenerate`"
            ),
        }
    }
}

impl<E: std::error::Error> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError::Failed(e.to_string())
    }
}

fn failed(message: impl Into<String>) -> CliError {
    CliError::Failed(message.into())
}

fn load_settings(path: &Path) -> Result<Settings, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        failed(format!(
            "{}: {e} (run `aludel init` to write one)",
            path.display()
        ))
    })?;
    let f: SettingsFile =
        toml::from_str(&text).map_err(|e| failed(format!("{}: {e}", path.display())))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut s = f.aludel;
    if s.script_location.is_relative() {
        s.script_location = base.join(&s.script_location);
    }
    Ok(s)
}

fn url(s: &Settings) -> Result<String, CliError> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| s.url.clone())
        .ok_or_else(|| failed("no database URL: set DATABASE_URL or url in aludel.toml"))
}

fn versions(s: &Settings) -> PathBuf {
    s.script_location.join("versions")
}

fn write_revision(dir: &Path, rev: &Revision) -> Result<PathBuf, CliError> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(rev.file_name());
    std::fs::write(&path, rev.to_toml()?)?;
    Ok(path)
}

/// Runs the command line of the process (`std::env::args`).
pub fn run() -> ExitCode {
    run_from(std::env::args_os())
}

/// Runs the command line of the process with the application's models, for
/// `revision --autogenerate` and `check`: an application adds a binary
/// such as `src/bin/migrate.rs` holding
/// `fn main() -> ExitCode { aludel_cli::run_with_models(aludel_orm::models_metadata) }`
/// and runs `cargo run --bin migrate -- revision --autogenerate -m init`.
pub fn run_with_models<E: std::fmt::Display>(models: fn() -> Result<MetaData, E>) -> ExitCode {
    let cli = match parse(std::env::args_os()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let md = match models() {
        Ok(m) => m,
        Err(e) => return finish(Err(failed(format!("the models: {e}")))),
    };
    finish(execute_with(&cli, Some(&md)))
}

/// The `--color` of a command line, read before clap parses it so that
/// clap's own help and errors follow it too (`auto` when absent or
/// malformed; clap then reports a bad value).
fn color_of(args: &[OsString]) -> ColorWhen {
    let mut when = ColorWhen::Auto;
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        let value = if a == "--" {
            break;
        } else if a == "--color" {
            it.next().map(|v| v.into_owned())
        } else {
            a.strip_prefix("--color=").map(str::to_string)
        };
        if let Some(v) = value {
            when = ColorWhen::from_str(&v, false).unwrap_or(ColorWhen::Auto);
        }
    }
    when
}

fn parse<I, T>(args: I) -> Result<Cli, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let color = color_of(&args);
    color.anstream().write_global();
    Cli::command()
        .color(color.clap())
        .try_get_matches_from(args)
        .and_then(|mut m| Cli::from_arg_matches_mut(&mut m))
        .map_err(|e| {
            let _ = e.print();
            if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::from(EXIT_SUCCESS)
            }
        })
}

fn finish(r: Result<(), CliError>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::from(EXIT_SUCCESS),
        Err(e @ CliError::Changes(_)) => {
            anstream::eprintln!("aludel: {}", paint(style::PENDING, &e));
            ExitCode::from(e.exit_code())
        }
        Err(e) => {
            anstream::eprintln!("aludel: {}", paint(style::ERROR, format!("error: {e}")));
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs a command line given as arguments (the first is the program name).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match parse(args) {
        Ok(cli) => finish(execute(&cli)),
        Err(code) => code,
    }
}

/// Reflects the database and compares it with the models.
fn diff(settings: &Settings, models: &MetaData) -> Result<aludel_migrate::Diff, CliError> {
    let url = url(settings)?;
    let rt = runtime()?;
    rt.block_on(async {
        let engine = aludel_core::create_engine(&url)?;
        let mut conn = engine.connect().await?;
        let db = if settings.only_model_tables {
            let existing = aludel_core::table_names(&mut conn).await?;
            let names: Vec<&str> = models
                .tables()
                .iter()
                .map(|t| t.name.as_str())
                .filter(|n| existing.iter().any(|e| e == n))
                .collect();
            aludel_core::reflect_metadata(&mut conn, Some(&names)).await?
        } else {
            aludel_core::reflect_metadata(&mut conn, None).await?
        };
        Ok(aludel_migrate::compare(models, &db, engine.dialect()))
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The revisions the database is at.
fn current_of(settings: &Settings, graph: &Graph) -> Result<Vec<String>, CliError> {
    let url = url(settings)?;
    runtime()?.block_on(async {
        let engine = aludel_core::create_engine(&url)?;
        Ok(Migrator::new(graph.clone(), engine).current().await?)
    })
}

/// `id` in the revision-id color.
fn id(id: &str) -> String {
    paint(style::ID, id)
}

/// ` (head)`, ` (current)`, ` (branchpoint)`, ` (mergepoint)`, as they apply.
fn markers(graph: &Graph, r: &Revision, current: Option<&[String]>) -> String {
    let mut out = String::new();
    if graph.heads().iter().any(|h| h.revision == r.revision) {
        out.push_str(&format!(" {}", paint(style::HEAD, "(head)")));
    }
    if current.is_some_and(|c| c.contains(&r.revision)) {
        out.push_str(&format!(" {}", paint(style::CURRENT, "(current)")));
    }
    if graph
        .branch_points()
        .iter()
        .any(|b| b.revision == r.revision)
    {
        out.push_str(&format!(" {}", paint(style::POINT, "(branchpoint)")));
    }
    if r.down_revision.len() > 1 {
        out.push_str(&format!(" {}", paint(style::POINT, "(mergepoint)")));
    }
    out
}

/// Carries out one parsed command, printing its results.
pub fn execute(cli: &Cli) -> Result<(), CliError> {
    execute_with(cli, None)
}

/// [`execute`], with the application's models for autogenerate.
pub fn execute_with(cli: &Cli, models: Option<&MetaData>) -> Result<(), CliError> {
    if let Command::Init { directory, url } = &cli.command {
        if cli.config.exists() {
            return Err(failed(format!("{} exists already", cli.config.display())));
        }
        std::fs::create_dir_all(directory.join("versions"))?;
        let text = format!(
            "[aludel]\n# DATABASE_URL overrides this URL.\nurl = {url:?}\nscript_location = {:?}\n",
            directory.display().to_string()
        );
        std::fs::write(&cli.config, text)?;
        anstream::println!(
            "wrote {} and {}",
            cli.config.display(),
            directory.join("versions").display()
        );
        return Ok(());
    }
    let settings = load_settings(&cli.config)?;
    let dir = versions(&settings);
    let graph = Graph::load(&dir)?;
    match &cli.command {
        Command::Init { .. } => Ok(()),
        Command::Revision {
            message,
            autogenerate,
        } => {
            let (upgrade, downgrade) = if *autogenerate {
                let models = models.ok_or_else(|| {
                    failed(
                        "--autogenerate needs the application's models: run it from a binary that \
                         calls aludel_cli::run_with_models (see the aludel-cli docs)",
                    )
                })?;
                let d = diff(&settings, models)?;
                for op in &d.upgrade {
                    anstream::println!("detected {}", paint(style::PENDING, op.describe()));
                }
                if d.is_empty() {
                    anstream::println!("{}", paint(style::APPLIED, "no changes detected"));
                }
                (d.upgrade, d.downgrade)
            } else {
                (Vec::new(), Vec::new())
            };
            let rev = Revision {
                revision: new_revision_id(),
                down_revision: graph.heads().iter().map(|r| r.revision.clone()).collect(),
                message: message.clone(),
                created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                upgrade,
                downgrade,
                path: None,
            };
            let path = write_revision(&dir, &rev)?;
            anstream::println!("wrote {}", path.display());
            Ok(())
        }
        Command::Merge { message, revisions } => {
            let parents: Vec<String> = if revisions.is_empty() {
                graph.heads().iter().map(|r| r.revision.clone()).collect()
            } else {
                revisions
                    .iter()
                    .map(|r| Ok(graph.lookup(r)?.revision.clone()))
                    .collect::<Result<_, CliError>>()?
            };
            if parents.len() < 2 {
                return Err(failed("a merge needs at least two revisions"));
            }
            let rev = Revision {
                revision: new_revision_id(),
                down_revision: parents,
                message: message.clone(),
                created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                upgrade: Vec::new(),
                downgrade: Vec::new(),
                path: None,
            };
            let path = write_revision(&dir, &rev)?;
            anstream::println!("wrote {}", path.display());
            Ok(())
        }
        Command::History {
            rev_range,
            verbose,
            indicate_current,
        } => {
            let needs_db =
                *indicate_current || rev_range.as_ref().is_some_and(|r| r.uses_current());
            let current = if needs_db {
                Some(current_of(&settings, &graph)?)
            } else {
                None
            };
            let revs: Vec<&Revision> = match rev_range {
                Some(r) => graph.range(r, current.as_deref().unwrap_or_default())?,
                None => graph.ordered().collect(),
            };
            let shown = if *indicate_current {
                current.as_deref()
            } else {
                None
            };
            // With --indicate-current, what the database has not applied
            // yet shows dimmed.
            let applied = shown.map(|c| graph.ancestors(c));
            let mut out = anstream::stdout().lock();
            for r in revs {
                let rid = match &applied {
                    Some(a) if !a.contains(&r.revision) => paint(style::DIM, &r.revision),
                    _ => id(&r.revision),
                };
                let parents = if r.down_revision.is_empty() {
                    paint(style::DIM, "<base>")
                } else {
                    r.down_revision
                        .iter()
                        .map(|p| id(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                writeln!(
                    out,
                    "{parents} -> {rid}{}, {}",
                    markers(&graph, r, shown),
                    r.message
                )?;
                if *verbose {
                    for op in &r.upgrade {
                        writeln!(out, "    upgrade:   {}", op.describe())?;
                    }
                    for op in &r.downgrade {
                        writeln!(out, "    downgrade: {}", op.describe())?;
                    }
                }
            }
            Ok(())
        }
        Command::Heads => {
            for r in graph.heads() {
                anstream::println!(
                    "{}{}, {}",
                    id(&r.revision),
                    markers(&graph, r, None),
                    r.message
                );
            }
            Ok(())
        }
        Command::Branches => {
            for r in graph.branch_points() {
                anstream::println!(
                    "{}{}, {}",
                    id(&r.revision),
                    markers(&graph, r, None),
                    r.message
                );
            }
            Ok(())
        }
        Command::Check => {
            let models = models.ok_or_else(|| {
                failed(
                    "check needs the application's models: run it from a binary that calls \
                     aludel_cli::run_with_models",
                )
            })?;
            let d = diff(&settings, models)?;
            if d.is_empty() {
                anstream::println!(
                    "{}",
                    paint(
                        style::APPLIED,
                        "no changes: the database matches the models"
                    )
                );
                Ok(())
            } else {
                for op in &d.upgrade {
                    anstream::println!("would {}", paint(style::PENDING, op.describe()));
                }
                Err(CliError::Changes(d.upgrade.len()))
            }
        }
        Command::Show { revision } => {
            let r = match revision.as_str() {
                "head" => match graph.heads().as_slice() {
                    [one] => *one,
                    [] => return Err(failed("there are no revisions")),
                    several => {
                        return Err(failed(format!(
                            "there are {} heads; name one: {}",
                            several.len(),
                            several
                                .iter()
                                .map(|r| r.revision.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )))
                    }
                },
                prefix => graph.lookup(prefix)?,
            };
            anstream::print!("{}", r.to_toml()?);
            Ok(())
        }
        Command::Upgrade { target, sql: true } => {
            let url = url(&settings)?;
            let dialect = aludel_core::dialect_for_url(&url)?;
            anstream::print!("{}", offline_sql(&graph, dialect, &[], target, true)?);
            Ok(())
        }
        Command::Downgrade {
            target,
            sql: true,
            from,
        } => {
            let url = url(&settings)?;
            let dialect = aludel_core::dialect_for_url(&url)?;
            let from: Vec<String> = match from {
                Some(f) => f.split(',').map(|s| s.trim().to_string()).collect(),
                None => graph.heads().iter().map(|r| r.revision.clone()).collect(),
            };
            anstream::print!("{}", offline_sql(&graph, dialect, &from, target, false)?);
            Ok(())
        }
        online => {
            let url = url(&settings)?;
            let rt = runtime()?;
            let message = |rid: &str| graph.get(rid).map_or("(unknown revision)", |r| &r.message);
            rt.block_on(async {
                let engine = aludel_core::create_engine(&url)?;
                let m = Migrator::new(graph.clone(), engine);
                match online {
                    Command::Current => {
                        let cur = m.current().await?;
                        if cur.is_empty() {
                            anstream::println!("{}", paint(style::DIM, "<base>"));
                        }
                        for c in cur {
                            let marks = graph
                                .get(&c)
                                .map_or_else(String::new, |r| markers(&graph, r, None));
                            anstream::println!("{}{marks}, {}", id(&c), message(&c));
                        }
                    }
                    Command::Upgrade { target, .. } => {
                        let done = m.upgrade(target).await?;
                        if done.is_empty() {
                            anstream::println!(
                                "{}",
                                paint(
                                    style::DIM,
                                    format!("nothing to upgrade: {target} is applied")
                                )
                            );
                        }
                        for rid in done {
                            anstream::println!(
                                "{} {}, {}",
                                paint(style::APPLIED, "upgraded to"),
                                id(&rid),
                                message(&rid)
                            );
                        }
                    }
                    Command::Downgrade { target, .. } => {
                        let done = m.downgrade(target).await?;
                        if done.is_empty() {
                            anstream::println!(
                                "{}",
                                paint(style::DIM, format!("nothing to revert down to {target}"))
                            );
                        }
                        for rid in done {
                            anstream::println!(
                                "{} {}, {}",
                                paint(style::REVERTED, "reverted"),
                                id(&rid),
                                message(&rid)
                            );
                        }
                    }
                    Command::Stamp { target } => {
                        m.stamp(target).await?;
                        anstream::println!("stamped {}", id(target));
                    }
                    _ => {}
                }
                Ok::<(), CliError>(())
            })
        }
    }
}
