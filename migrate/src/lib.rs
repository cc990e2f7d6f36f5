//! `aludel-migrate`: Alembic-style schema migrations for Aludel.
//!
//! Revisions are TOML files in `migrations/versions/` ([`Revision`]), each
//! naming the revisions it follows; together they form a [`Graph`] with
//! heads, branches and merges. A [`Migrator`] applies and reverts them
//! against a database, one transaction per revision where the database
//! has transactional DDL, recording the applied heads in the
//! `aludel_version` table, under a lock so that two runners never apply
//! one revision twice; [`offline_sql`] prints the same work as SQL without
//! connecting. Operations ([`Op`]) are plain data compiled per dialect by
//! Core.
//!
//! [`compare`] is autogenerate's core: the operations between the models'
//! metadata and the database's, both ways; [`autogenerate`] reflects the
//! database and runs it.

mod autogen;
mod batch;
mod error;
mod graph;
mod ops;
mod revision;
mod runner;
pub mod types;

pub use autogen::{autogenerate, compare, Diff};
pub use error::{Error, Result};
pub use graph::Graph;
pub use ops::{column_spec, CheckSpec, ColumnSpec, ForeignKeySpec, Op, Step, UniqueSpec};
pub use revision::{new_revision_id, Revision};
pub use runner::{offline_sql, Migrator, VERSION_TABLE};

pub use aludel_core as core;
