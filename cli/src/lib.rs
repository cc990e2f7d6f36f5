//! `aludel-cli`: the `aludel` command-line tool.
//!
//! It will hold the migration commands (init, revision, upgrade, downgrade,
//! current, history, heads, branches, merge, stamp, check, show), both as the
//! stand-alone `aludel` binary and as [`run`]-style entry points that an
//! application embeds so that autogenerate sees the application's models.

/// The version of the `aludel` tool, as printed by `aludel --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
