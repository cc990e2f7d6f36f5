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
//! Exit codes: 0 on success; 1 when a command fails (the message says why)
//! or `check` finds differences; 2 for a usage error.

use aludel_core::MetaData;
use aludel_migrate::{new_revision_id, offline_sql, Graph, Migrator, Revision};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The version of the `aludel` tool, as printed by `aludel --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

/// Alembic-style migrations for Aludel.
#[derive(Debug, Parser)]
#[command(name = "aludel", version = VERSION, about, long_about = None)]
pub struct Cli {
    /// The settings file.
    #[arg(short, long, default_value = "aludel.toml", global = true)]
    pub config: PathBuf,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write aludel.toml and the migrations/versions directory.
    Init {
        /// Where revisions live.
        #[arg(default_value = "migrations")]
        directory: PathBuf,
        /// The database URL to put in aludel.toml.
        #[arg(long, default_value = "sqlite:///app.db")]
        url: String,
    },
    /// Write a new revision after the current head(s).
    Revision {
        /// What the revision does.
        #[arg(short, long)]
        message: String,
        /// Compare the models with the database and write the operations
        /// (needs an application binary that embeds `aludel_cli::run`).
        #[arg(long)]
        autogenerate: bool,
    },
    /// Apply revisions up to a target: head, heads, +N, or a revision id
    /// (or unique prefix).
    Upgrade {
        /// The target.
        #[arg(default_value = "head", allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it (offline; no connection).
        #[arg(long)]
        sql: bool,
    },
    /// Revert revisions down to a target: base, -N, or a revision id.
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
    Current,
    /// List the revisions, oldest first.
    History {
        /// Show each revision's operations.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Show the revisions nothing follows.
    Heads,
    /// Show the revisions that several follow.
    Branches,
    /// Write a revision that merges several heads.
    Merge {
        /// What the merge is for.
        #[arg(short, long, default_value = "merge heads")]
        message: String,
        /// The revisions to merge (default: every head).
        revisions: Vec<String>,
    },
    /// Record a revision as current without running anything.
    Stamp {
        /// head, heads, base, or a revision id.
        target: String,
    },
    /// Exit with status 1 if autogenerate would write operations (the
    /// models and the database differ); needs the models (see `run_with_models`).
    Check,
    /// Show one revision.
    Show {
        /// A revision id or unique prefix.
        revision: String,
    },
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

/// What a command failed with.
#[derive(Debug)]
pub struct CliError(String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

fn load_settings(path: &Path) -> Result<Settings, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError(format!(
            "{}: {e} (run `aludel init` to write one)",
            path.display()
        ))
    })?;
    let f: SettingsFile =
        toml::from_str(&text).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
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
        .ok_or_else(|| CliError("no database URL: set DATABASE_URL or url in aludel.toml".into()))
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
        Err(e) => {
            eprintln!("aludel: error: the models: {e}");
            return ExitCode::from(1);
        }
    };
    finish(execute_with(&cli, Some(&md)))
}

fn parse<I, T>(args: I) -> Result<Cli, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(args).map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        }
    })
}

fn finish(r: Result<(), CliError>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aludel: error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs a command line given as arguments (the first is the program name).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
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

/// Carries out one parsed command, printing its results.
pub fn execute(cli: &Cli) -> Result<(), CliError> {
    execute_with(cli, None)
}

/// [`execute`], with the application's models for autogenerate.
pub fn execute_with(cli: &Cli, models: Option<&MetaData>) -> Result<(), CliError> {
    if let Command::Init { directory, url } = &cli.command {
        if cli.config.exists() {
            return Err(CliError(format!("{} exists already", cli.config.display())));
        }
        std::fs::create_dir_all(directory.join("versions"))?;
        let text = format!(
            "[aludel]\n# DATABASE_URL overrides this URL.\nurl = {url:?}\nscript_location = {:?}\n",
            directory.display().to_string()
        );
        std::fs::write(&cli.config, text)?;
        println!(
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
                    CliError(
                        "--autogenerate needs the application's models: run it from a binary that \
                         calls aludel_cli::run_with_models (see the aludel-cli docs)"
                            .into(),
                    )
                })?;
                let d = diff(&settings, models)?;
                for op in &d.upgrade {
                    println!("detected {}", op.describe());
                }
                if d.is_empty() {
                    println!("no changes detected");
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
            println!("wrote {}", path.display());
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
                return Err(CliError("a merge needs at least two revisions".into()));
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
            println!("wrote {}", path.display());
            Ok(())
        }
        Command::History { verbose } => {
            for r in graph.ordered() {
                let parents = if r.down_revision.is_empty() {
                    "<base>".to_string()
                } else {
                    r.down_revision.join(", ")
                };
                println!("{parents} -> {}, {}", r.revision, r.message);
                if *verbose {
                    for op in &r.upgrade {
                        println!("    upgrade:   {}", op.describe());
                    }
                    for op in &r.downgrade {
                        println!("    downgrade: {}", op.describe());
                    }
                }
            }
            Ok(())
        }
        Command::Heads => {
            for r in graph.heads() {
                println!("{} (head), {}", r.revision, r.message);
            }
            Ok(())
        }
        Command::Branches => {
            for r in graph.branch_points() {
                println!("{} (branch point), {}", r.revision, r.message);
            }
            Ok(())
        }
        Command::Check => {
            let models = models.ok_or_else(|| {
                CliError(
                    "check needs the application's models: run it from a binary that calls \
                     aludel_cli::run_with_models"
                        .into(),
                )
            })?;
            let d = diff(&settings, models)?;
            if d.is_empty() {
                println!("no changes: the database matches the models");
                Ok(())
            } else {
                for op in &d.upgrade {
                    println!("would {}", op.describe());
                }
                Err(CliError(format!(
                    "the models and the database differ ({} operation(s)); write a revision",
                    d.upgrade.len()
                )))
            }
        }
        Command::Show { revision } => {
            let r = graph.lookup(revision)?;
            print!("{}", r.to_toml()?);
            Ok(())
        }
        Command::Upgrade { target, sql: true } => {
            let url = url(&settings)?;
            let dialect = aludel_core::dialect_for_url(&url)?;
            print!("{}", offline_sql(&graph, dialect, &[], target, true)?);
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
            print!("{}", offline_sql(&graph, dialect, &from, target, false)?);
            Ok(())
        }
        online => {
            let url = url(&settings)?;
            let rt = runtime()?;
            rt.block_on(async {
                let engine = aludel_core::create_engine(&url)?;
                let m = Migrator::new(graph.clone(), engine);
                match online {
                    Command::Current => {
                        let cur = m.current().await?;
                        if cur.is_empty() {
                            println!("<base>");
                        }
                        for c in cur {
                            let msg = graph.get(&c).map_or("(unknown revision)", |r| &r.message);
                            println!("{c}, {msg}");
                        }
                    }
                    Command::Upgrade { target, .. } => {
                        for id in m.upgrade(target).await? {
                            println!("upgraded to {id}");
                        }
                    }
                    Command::Downgrade { target, .. } => {
                        for id in m.downgrade(target).await? {
                            println!("reverted {id}");
                        }
                    }
                    Command::Stamp { target } => {
                        m.stamp(target).await?;
                        println!("stamped {target}");
                    }
                    _ => {}
                }
                Ok::<(), CliError>(())
            })
        }
    }
}
