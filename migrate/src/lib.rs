//! `aludel-migrate`: Alembic-style schema migrations for Aludel.
//!
//! It will hold revision scripts and their graph (several heads, merges),
//! the migration operations, autogenerate (model metadata compared with the
//! reflected database) and the runner that upgrades and downgrades through
//! the `aludel_version` table, online or as offline SQL.

pub use aludel_core as core;
